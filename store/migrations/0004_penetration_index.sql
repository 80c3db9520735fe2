-- Penetration (R8) and the leaderboard look up stage entries by target stage and time; INCLUDE keeps them index-only.
CREATE INDEX IF NOT EXISTS "customer_events_to_stage_at_idx" ON "customer_events" USING btree ("to_stage", "at") INCLUDE ("customer_id", "kind");
