CREATE TABLE "app_state" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "inbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"kind" text NOT NULL,
	"user_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"received_at" timestamp with time zone NOT NULL,
	"handled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "offices" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"parent_id" text,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"kind" text NOT NULL,
	"msgtype" text NOT NULL,
	"body" jsonb NOT NULL,
	"summary" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone,
	"last_error" text,
	"last_errcode" integer,
	"cause" text,
	"task_id" text,
	"response_code" text,
	"wecom_msg_id" text,
	"merged_into" integer,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "people" (
	"user_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"office_id" text,
	"roles" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"supervisor_id" text,
	"active" boolean DEFAULT true NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "inbox_dedupe_key_uq" ON "inbox" USING btree ("dedupe_key");--> statement-breakpoint
CREATE INDEX "inbox_open_idx" ON "inbox" USING btree ("status","next_attempt_at") WHERE status in ('pending','processing');--> statement-breakpoint
CREATE INDEX "inbox_user_open_idx" ON "inbox" USING btree ("user_id","id") WHERE status in ('pending','processing');--> statement-breakpoint
CREATE INDEX "outbox_open_idx" ON "outbox" USING btree ("status","next_attempt_at") WHERE status in ('pending','sending');--> statement-breakpoint
CREATE INDEX "outbox_recipient_sent_idx" ON "outbox" USING btree ("recipient","sent_at") WHERE status = 'sent';--> statement-breakpoint
CREATE INDEX "outbox_task_idx" ON "outbox" USING btree ("task_id");