-- Issue 16: the inbox claim with a plan that does not depend on the table's statistics.
--
-- The claim ran as a parameterised statement. On a young database (a fresh install, or the minutes before autovacuum
-- first analyses a busy inbox) the statistics say the inbox holds a handful of rows, and the plan PostgreSQL chose —
-- and kept for the connection once the statement was prepared — read every open row for each candidate (a sequential
-- scan inside the anti-join) and sorted them all: cheap for ten rows, seconds per claim with a backlog of thousands.
-- Under a burst the claim then ate the database's CPU and replies fell from ~100 to ~30 a second (bench:latency at
-- 150/s, auto_explain). Here the claim is a function whose planner settings leave one plan: walk the open rows in id
-- order (inbox_open_id_idx), test each candidate's older open rows through inbox_user_open_idx, stop at p_limit.
-- A SQL function with SET clauses is never inlined, so the settings hold for its statement and nothing else.
-- inbox_claim(now, lease until, limit): claims up to `limit` due rows, at most one per user (the oldest open one), and
-- returns them; SKIP LOCKED lets several workers claim side by side.
CREATE OR REPLACE FUNCTION inbox_claim(p_now timestamptz, p_until timestamptz, p_limit integer)
RETURNS SETOF inbox LANGUAGE sql
SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off SET enable_hashjoin = off SET enable_mergejoin = off
AS $$
  update inbox set status = 'processing', locked_until = p_until, attempts = attempts + 1
  where id in (
    select i.id from inbox i
    where i.status in ('pending', 'processing')
      and ((i.status = 'pending' and i.next_attempt_at <= p_now) or (i.status = 'processing' and i.locked_until < p_now))
      and not exists (
        select 1 from inbox e
        where e.user_id = i.user_id and e.id < i.id and e.status in ('pending', 'processing'))
    order by i.id
    limit p_limit
    for update skip locked)
  returning *
$$;
