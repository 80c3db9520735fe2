-- Issue 16 (reply latency): one member's delivery plan in one statement when it is simple; indexes that find the
-- open inbox rows and a member's open outbox rows without reading the rest.
--
-- outbox_plan_simple(recipient, now, per-minute, per-hour, lease until, deferred note) takes the recipient's advisory
-- lock, puts rows whose send lease expired back to pending, locks the due rows and, when every due message fits in the
-- member's budget and none is a backlog held back by the budget, moves them all to `sending` and returns them (plan
-- 'send', with the reply flag of store/outbox.ts REPLY_SQL). When the budget is spent (nothing may be sent) and no
-- card update is due, it holds every due message back until the budget frees, as planBudget does with no room left
-- (last_error = the deferred note), and returns one row 'deferred' with that time in r->>'frees_at'. Otherwise it
-- changes nothing more and returns one row: 'busy' (another worker holds the lock) or 'full' (the budget decides:
-- the caller runs the full plan in store/outbox.ts planRecipient, which merges and defers). No due row: no row.
-- Called in autocommit, the lock and the row locks last exactly as long as this statement.
-- The inbox claim walks open rows in id order; without this index it walked every handled row below the oldest
-- open one (the whole history, in a long-lived deployment) on each claim.
CREATE INDEX IF NOT EXISTS "inbox_open_id_idx" ON "inbox" USING btree ("id") WHERE status in ('pending','processing');
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "outbox_recipient_open_idx" ON "outbox" USING btree ("recipient","id") WHERE status in ('pending','sending');
--> statement-breakpoint
CREATE OR REPLACE FUNCTION outbox_plan_simple(p_recipient text, p_now timestamptz, p_per_minute integer,
  p_per_hour integer, p_until timestamptz, p_deferred_note text)
RETURNS TABLE (plan text, reply boolean, r jsonb) LANGUAGE plpgsql AS $$
DECLARE
  v_ids bigint[];
  v_messages integer;
  v_backlog boolean;
  v_minute integer;
  v_hour integer;
  v_updates integer;
  v_oldest_minute timestamptz;
  v_oldest_hour timestamptz;
  v_frees timestamptz;
BEGIN
  IF NOT pg_try_advisory_xact_lock(hashtext('outbox:' || p_recipient)) THEN
    RETURN QUERY SELECT 'busy'::text, NULL::boolean, NULL::jsonb;
    RETURN;
  END IF;
  UPDATE outbox o SET status = 'pending'
    WHERE o.recipient = p_recipient AND o.status = 'sending' AND o.locked_until < p_now;
  SELECT coalesce(array_agg(d.id ORDER BY d.id), '{}'::bigint[]),
         count(*) FILTER (WHERE d.kind <> 'card_update'),
         coalesce(bool_or(d.kind <> 'card_update' AND d.last_error = p_deferred_note), false),
         count(*) FILTER (WHERE d.kind = 'card_update')
    INTO v_ids, v_messages, v_backlog, v_updates
    FROM (SELECT o.id, o.kind, o.last_error FROM outbox o
          WHERE o.recipient = p_recipient AND o.status = 'pending' AND o.next_attempt_at <= p_now
          ORDER BY o.id FOR UPDATE) d;
  IF cardinality(v_ids) = 0 THEN
    RETURN;
  END IF;
  IF v_messages > 0 THEN
    SELECT count(*) FILTER (WHERE o.sent_at > p_now - interval '1 minute' OR o.status = 'sending'), count(*),
           min(o.sent_at) FILTER (WHERE o.sent_at > p_now - interval '1 minute'), min(o.sent_at)
      INTO v_minute, v_hour, v_oldest_minute, v_oldest_hour
      FROM outbox o
      WHERE o.recipient = p_recipient AND o.kind = 'message'
        AND ((o.status = 'sent' AND o.sent_at > p_now - interval '1 hour') OR o.status = 'sending');
    IF v_updates = 0 AND least(p_per_minute - v_minute, p_per_hour - v_hour) <= 0 THEN
      -- store/outbox.ts remainingBudget's freesAt.
      v_frees := CASE
        WHEN p_per_hour - v_hour <= 0 AND v_oldest_hour IS NOT NULL THEN v_oldest_hour + interval '1 hour 1 second'
        WHEN v_oldest_minute IS NOT NULL THEN v_oldest_minute + interval '61 seconds'
        ELSE p_now + interval '1 minute' END;
      UPDATE outbox o SET next_attempt_at = v_frees, last_error = p_deferred_note WHERE o.id = ANY (v_ids);
      RETURN QUERY SELECT 'deferred'::text, NULL::boolean, jsonb_build_object('frees_at', v_frees);
      RETURN;
    END IF;
    IF v_backlog OR v_messages > least(p_per_minute - v_minute, p_per_hour - v_hour) THEN
      RETURN QUERY SELECT 'full'::text, NULL::boolean, NULL::jsonb;
      RETURN;
    END IF;
  END IF;
  RETURN QUERY
    UPDATE outbox o SET status = 'sending', locked_until = p_until, attempts = o.attempts + 1
    WHERE o.id = ANY (v_ids)
    RETURNING 'send'::text,
      CASE WHEN o.cause ~ '^inbox:[0-9]+$'
        THEN EXISTS (SELECT 1 FROM inbox i WHERE i.id = substring(o.cause from 7)::bigint AND lower(i.user_id) = lower(o.recipient))
        ELSE coalesce(o.cause = 'upload', false) END,
      to_jsonb(o.*);
END $$;
