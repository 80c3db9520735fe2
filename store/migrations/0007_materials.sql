-- Issue 13 (R6): material versions uploaded through the admin API, packs sent and their per-item links with the
-- customer's first open, WeCom external contacts bound to customers, duplicate-customer decisions, merges.
CREATE TABLE IF NOT EXISTS "material_versions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"material_key" text NOT NULL,
	"version" integer NOT NULL,
	"file_name" text NOT NULL,
	"mime_type" text NOT NULL,
	"size" integer NOT NULL,
	"sha256" text NOT NULL,
	"content" bytea NOT NULL,
	"uploaded_by" text NOT NULL,
	"uploaded_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "material_versions_key_version_uq" ON "material_versions" USING btree ("material_key", "version");
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "pack_sends" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"rep_id" text NOT NULL,
	"office_id" text,
	"pack_key" text NOT NULL,
	"pack_name" text NOT NULL,
	"stage" text NOT NULL,
	"source" text NOT NULL,
	"stage_entered_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "pack_sends_customer_idx" ON "pack_sends" USING btree ("customer_id", "id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "pack_sends_sent_at_idx" ON "pack_sends" USING btree ("sent_at");
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "pack_links" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"send_id" integer NOT NULL,
	"customer_id" integer NOT NULL,
	"rep_id" text NOT NULL,
	"item_no" integer NOT NULL,
	"material_key" text NOT NULL,
	"title" text NOT NULL,
	"version" integer NOT NULL,
	"required" boolean NOT NULL,
	"open_count" integer DEFAULT 0 NOT NULL,
	"first_opened_at" timestamp with time zone,
	"last_opened_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "pack_links_send_item_uq" ON "pack_links" USING btree ("send_id", "item_no");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "pack_links_customer_idx" ON "pack_links" USING btree ("customer_id");
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "external_contacts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"external_user_id" text NOT NULL,
	"member_user_id" text NOT NULL,
	"customer_id" integer,
	"status" text DEFAULT 'pending' NOT NULL,
	"last_change_type" text NOT NULL,
	"first_event_at" timestamp with time zone NOT NULL,
	"last_event_at" timestamp with time zone NOT NULL,
	"bound_by" text,
	"bound_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "external_contacts_pair_uq" ON "external_contacts" USING btree ("external_user_id", "member_user_id");
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "external_contacts_customer_idx" ON "external_contacts" USING btree ("customer_id");
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "customer_duplicates" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"other_id" integer NOT NULL,
	"match_kind" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolution" jsonb
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "customer_duplicates_customer_idx" ON "customer_duplicates" USING btree ("customer_id");
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN IF NOT EXISTS "merged_into" integer;
