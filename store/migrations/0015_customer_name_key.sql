-- A colleague's customer named in chat (handlers/stage-move.ts resolveCustomer: "由<同事>负责" instead of "not found,
-- create it"): looked up by its name key — lower case, without spaces, _ - · ・ (domain/text-normalize.ts compactKey) —
-- in one index lookup. Without the index every message the bot did not understand scanned the customers table.
CREATE INDEX IF NOT EXISTS "customers_name_key_idx" ON "customers" ((regexp_replace(lower("name"), '[[:space:]_·・-]', '', 'g'))) WHERE "merged_into" IS NULL;
