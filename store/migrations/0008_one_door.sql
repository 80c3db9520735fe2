-- Issue 11 (one door, channel seam). The outbox records the channel that delivers each row; existing rows are WeCom's.
ALTER TABLE "outbox" ADD COLUMN IF NOT EXISTS "channel" text DEFAULT 'wecom' NOT NULL;
--> statement-breakpoint
-- One open task of a kind per customer: re-entering a stage keeps the running task. Duplicates opened before the rule
-- are cancelled (oldest kept; their pending timers cancelled too) so the unique index can hold.
UPDATE "tasks" SET "status" = 'cancelled', "closed_at" = now(), "closed_by" = 'migration:0008', "version" = "version" + 1
WHERE "status" = 'open' AND "customer_id" IS NOT NULL AND "kind" <> 'review'
  AND "id" NOT IN (SELECT min("id") FROM "tasks" WHERE "status" = 'open' AND "customer_id" IS NOT NULL AND "kind" <> 'review' GROUP BY "customer_id", "kind");
--> statement-breakpoint
UPDATE "timers" SET "status" = 'cancelled' WHERE "status" = 'pending' AND "task_id" IN (SELECT "id" FROM "tasks" WHERE "closed_by" = 'migration:0008');
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "tasks_one_open_per_kind" ON "tasks" USING btree ("customer_id", "kind") WHERE "status" = 'open' AND "customer_id" IS NOT NULL AND "kind" <> 'review';
