CREATE TABLE "coach_assignments" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"rep_id" text NOT NULL,
	"coach_id" text,
	"week" text NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"user_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"customer_id" integer,
	"task_id" integer,
	"step" integer DEFAULT 0 NOT NULL,
	"answers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "customer_flags" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"customer_id" integer NOT NULL,
	"kind" text NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"cleared_at" timestamp with time zone,
	"data" jsonb
);
--> statement-breakpoint
CREATE TABLE "review_scores" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"review_id" integer NOT NULL,
	"version" integer NOT NULL,
	"score" integer NOT NULL,
	"tags" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"comment" text,
	"reviewer_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" integer NOT NULL,
	"rep_id" text NOT NULL,
	"reviewer_id" text NOT NULL,
	"sampling_run_id" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"assigned_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"first_scored_at" timestamp with time zone,
	"quality_score" integer,
	"quality_parts" jsonb
);
--> statement-breakpoint
CREATE TABLE "sampling_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"day" text NOT NULL,
	"seed" text NOT NULL,
	"share_permille" integer NOT NULL,
	"population" jsonb NOT NULL,
	"drawn" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "task_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"task_id" integer NOT NULL,
	"kind" text NOT NULL,
	"actor_id" text,
	"note" text,
	"data" jsonb,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"customer_id" integer,
	"assignee_id" text NOT NULL,
	"status" text DEFAULT 'open' NOT NULL,
	"trigger" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"closed_by" text,
	"deliverable" jsonb,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"handled_at" timestamp with time zone,
	"handled_by" text,
	"version" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "timers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"task_id" integer,
	"customer_id" integer,
	"fire_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"locked_until" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"fired_at" timestamp with time zone,
	"last_error" text,
	"payload" jsonb,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "touchpoints" ADD COLUMN "kind" text DEFAULT 'message' NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "coach_assignments_week_uq" ON "coach_assignments" USING btree ("rep_id","week");--> statement-breakpoint
CREATE INDEX "customer_flags_open_idx" ON "customer_flags" USING btree ("customer_id","kind") WHERE cleared_at is null;--> statement-breakpoint
CREATE UNIQUE INDEX "review_scores_version_uq" ON "review_scores" USING btree ("review_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_task_uq" ON "reviews" USING btree ("task_id");--> statement-breakpoint
CREATE INDEX "reviews_reviewer_idx" ON "reviews" USING btree ("reviewer_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "sampling_runs_day_uq" ON "sampling_runs" USING btree ("day");--> statement-breakpoint
CREATE INDEX "task_events_task_idx" ON "task_events" USING btree ("task_id","id");--> statement-breakpoint
CREATE INDEX "tasks_open_idx" ON "tasks" USING btree ("status","due_at");--> statement-breakpoint
CREATE INDEX "tasks_customer_idx" ON "tasks" USING btree ("customer_id","kind");--> statement-breakpoint
CREATE INDEX "tasks_assignee_idx" ON "tasks" USING btree ("assignee_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "timers_key_uq" ON "timers" USING btree ("key");--> statement-breakpoint
CREATE INDEX "timers_due_idx" ON "timers" USING btree ("status","fire_at") WHERE status in ('pending','firing');