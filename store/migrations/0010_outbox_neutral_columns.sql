-- Issue 11 (channel seam): the outbox speaks no platform's wire names. The card's id (WeCom task_id / DingTalk
-- outTrackId), the handle to update it (WeCom response_code), the platform's message id and the neutral message type.
ALTER TABLE "outbox" RENAME COLUMN "task_id" TO "card_id";
--> statement-breakpoint
ALTER TABLE "outbox" RENAME COLUMN "response_code" TO "card_token";
--> statement-breakpoint
ALTER TABLE "outbox" RENAME COLUMN "wecom_msg_id" TO "platform_msg_id";
--> statement-breakpoint
ALTER TABLE "outbox" RENAME COLUMN "msgtype" TO "message_type";
--> statement-breakpoint
ALTER INDEX IF EXISTS "outbox_task_idx" RENAME TO "outbox_card_idx";
