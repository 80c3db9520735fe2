-- Issue 16: a year of heatmap dwell and funnel without reading a year of history, nor a year of 0006's
-- (day, prev_day) rows. A period that starts at the start of business day D counts a customer's first row in the
-- period; every row with day >= D whose customer's previous row (same stage) has prev_day >= D is a later one, and
-- prev_day <= day. So "first rows since D" = Σ(rows with day >= D) − Σ(rows with prev_day >= D): two one-day-keyed
-- tables answer it, each a few rows per day × office × stage.
--
-- stage_leave_days / stage_leave_prev_days: stage_dwell_daily summed by day and by prev_day (kept from it by a row
-- trigger, so every writer of 0006's rollup keeps them too).
CREATE TABLE IF NOT EXISTS "stage_leave_days" (
  "day" date NOT NULL,
  "office_id" text,
  "stage" text NOT NULL,
  "leaves" integer NOT NULL,
  "secs" numeric NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "stage_leave_days_key" ON "stage_leave_days" ("day", (coalesce("office_id", '')), "stage");--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "stage_leave_prev_days" (
  "prev_day" date NOT NULL,
  "office_id" text,
  "stage" text NOT NULL,
  "leaves" integer NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "stage_leave_prev_days_key" ON "stage_leave_prev_days" ("prev_day", (coalesce("office_id", '')), "stage");--> statement-breakpoint
-- PL/pgSQL throughout: its statements' plans are kept for the session, while a LANGUAGE sql function called from a
-- trigger is planned again at every call (milliseconds per history row on a busy database).
CREATE OR REPLACE FUNCTION stage_leave_days_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d date; pd date; office text; st text; n integer; s numeric;
BEGIN
  FOR i IN 1..2 LOOP
    IF i = 1 AND TG_OP IN ('UPDATE', 'DELETE') THEN
      d := OLD.day; pd := OLD.prev_day; office := OLD.office_id; st := OLD.stage; n := -OLD.leaves; s := -OLD.secs;
    ELSIF i = 2 AND TG_OP IN ('UPDATE', 'INSERT') THEN
      d := NEW.day; pd := NEW.prev_day; office := NEW.office_id; st := NEW.stage; n := NEW.leaves; s := NEW.secs;
    ELSE
      CONTINUE;
    END IF;
    insert into stage_leave_days as x (day, office_id, stage, leaves, secs) values (d, office, st, n, s)
    on conflict (day, (coalesce(office_id, '')), stage) do update set leaves = x.leaves + excluded.leaves, secs = x.secs + excluded.secs;
    IF pd IS NOT NULL THEN
      insert into stage_leave_prev_days as x (prev_day, office_id, stage, leaves) values (pd, office, st, n)
      on conflict (prev_day, (coalesce(office_id, '')), stage) do update set leaves = x.leaves + excluded.leaves;
    END IF;
  END LOOP;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_leave_days_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE stage_leave_days, stage_leave_prev_days;
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_leave_days_row ON stage_dwell_daily;--> statement-breakpoint
CREATE TRIGGER stage_leave_days_row AFTER INSERT OR UPDATE OR DELETE ON stage_dwell_daily
  FOR EACH ROW EXECUTE FUNCTION stage_leave_days_changed();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_leave_days_trunc ON stage_dwell_daily;--> statement-breakpoint
CREATE TRIGGER stage_leave_days_trunc AFTER TRUNCATE ON stage_dwell_daily FOR EACH STATEMENT EXECUTE FUNCTION stage_leave_days_truncated();--> statement-breakpoint
-- The funnel (R8): per business day, office and stage, the entry rows into the stage (next_stage '') and, per
-- stage B, those of them after which the customer entered B (later, at any time: next_stage B); by day and by the
-- day of the customer's previous entry into the same stage. Kept by triggers in the same transaction as the
-- history rows, following a customer's office, like 0006.
CREATE TABLE IF NOT EXISTS "stage_entry_days" (
  "day" date NOT NULL,
  "office_id" text,
  "stage" text NOT NULL,
  "next_stage" text NOT NULL,
  "n" integer NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "stage_entry_days_key" ON "stage_entry_days" ("stage", "next_stage", "day", (coalesce("office_id", ''))) INCLUDE ("n");--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "stage_entry_prev_days" (
  "prev_day" date NOT NULL,
  "office_id" text,
  "stage" text NOT NULL,
  "next_stage" text NOT NULL,
  "n" integer NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "stage_entry_prev_days_key" ON "stage_entry_prev_days" ("stage", "next_stage", "prev_day", (coalesce("office_id", ''))) INCLUDE ("n");--> statement-breakpoint
-- The given customers' entry rows (all of them, or without those listed in `skip`): day, previous entry's day into
-- the same stage, and '' or a stage entered later. `any_customer` also counts customers without a `customers` row.
CREATE OR REPLACE FUNCTION stage_entry_parts(ids integer[], skip bigint[], any_customer boolean)
RETURNS TABLE (office_id text, day date, prev_day date, stage text, next_stage text, n integer)
LANGUAGE sql STABLE AS $$
  with en as (
    select e.customer_id, e.to_stage, e.at,
           lag(e.at) over (partition by e.customer_id, e.to_stage order by e.at, e.id) as prev_at
    from customer_events e
    where e.customer_id in (select unnest(ids)) and e.kind in ('created','stage_change','override')
      and not (e.id = any(skip))
  ), last_in as (
    select customer_id, to_stage, max(at) as last_at from en group by 1, 2
  ), marks as (
    select en.customer_id, en.to_stage as stage, en.at, en.prev_at, ''::text as next_stage from en
    union all
    select en.customer_id, en.to_stage, en.at, en.prev_at, l.to_stage
    from en join last_in l on l.customer_id = en.customer_id and l.last_at > en.at
  )
  select c.office_id, (m.at at time zone 'Asia/Shanghai')::date, (m.prev_at at time zone 'Asia/Shanghai')::date,
         m.stage, m.next_stage, count(*)::int
  from marks m left join customers c on c.id = m.customer_id
  where any_customer or c.id is not null
  group by 1, 2, 3, 4, 5
$$;--> statement-breakpoint
-- Adds (sign 1) or removes (sign -1) the given customers' entry rows (without `skip`); with use_office, `office` is theirs.
CREATE OR REPLACE FUNCTION stage_entry_apply(ids integer[], skip bigint[], sign integer, office text, use_office boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  with p as materialized (select * from stage_entry_parts(ids, skip, use_office)),
  days as (
    insert into stage_entry_days as d (day, office_id, stage, next_stage, n)
    select p.day, case when use_office then office else p.office_id end, p.stage, p.next_stage, sum(p.n) * sign
    from p group by 1, 2, 3, 4
    on conflict (stage, next_stage, day, (coalesce(office_id, ''))) do update set n = d.n + excluded.n
    returning 1
  )
  insert into stage_entry_prev_days as d (prev_day, office_id, stage, next_stage, n)
  select p.prev_day, case when use_office then office else p.office_id end, p.stage, p.next_stage, sum(p.n) * sign
  from p where p.prev_day is not null group by 1, 2, 3, 4
  on conflict (stage, next_stage, prev_day, (coalesce(office_id, ''))) do update set n = d.n + excluded.n;
END $$;--> statement-breakpoint
-- The heatmap's current stays: per office, stage and the business day the customer last left that stage before it
-- came back (null: never), the customers in the stage now (by their history: the stage of the last entry row) and
-- the sum of their stays' start instants (epoch seconds). One row per customer, recomputed with the funnel's.
CREATE TABLE IF NOT EXISTS "stage_current_days" (
  "left_day" date,
  "office_id" text,
  "stage" text NOT NULL,
  "n" integer NOT NULL,
  "entered_secs" numeric NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "stage_current_days_key" ON "stage_current_days" ((coalesce("left_day", '0001-01-01'::date)), (coalesce("office_id", '')), "stage");--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_current_parts(ids integer[], skip bigint[], any_customer boolean)
RETURNS TABLE (office_id text, stage text, left_day date, n integer, entered_secs numeric)
LANGUAGE sql STABLE AS $$
  with en as (
    select e.id, e.customer_id, e.to_stage, e.at,
           lag(e.to_stage) over w as prev_stage,
           row_number() over (partition by e.customer_id order by e.at desc, e.id desc) as back_n
    from customer_events e
    where e.customer_id in (select unnest(ids)) and e.kind in ('created','stage_change','override')
      and not (e.id = any(skip))
    window w as (partition by e.customer_id order by e.at, e.id)
  ), now_in as (
    select customer_id, to_stage as stage, at from en where back_n = 1
  ), lefts as (
    select customer_id, prev_stage as stage, max(at) as left_at from en where prev_stage is not null group by 1, 2
  ), x as (
    select k.customer_id, k.stage, k.at, l.left_at
    from now_in k left join lefts l on l.customer_id = k.customer_id and l.stage = k.stage
  )
  select c.office_id, x.stage, (x.left_at at time zone 'Asia/Shanghai')::date, count(*)::int, sum(extract(epoch from x.at))
  from x left join customers c on c.id = x.customer_id
  where any_customer or c.id is not null
  group by 1, 2, 3
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_current_apply(ids integer[], skip bigint[], sign integer, office text, use_office boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  insert into stage_current_days as d (left_day, office_id, stage, n, entered_secs)
  select p.left_day, case when use_office then office else p.office_id end, p.stage, sum(p.n) * sign, sum(p.entered_secs) * sign
  from stage_current_parts(ids, skip, use_office) p group by 1, 2, 3
  on conflict ((coalesce(left_day, '0001-01-01'::date)), (coalesce(office_id, '')), stage)
  do update set n = d.n + excluded.n, entered_secs = d.entered_secs + excluded.entered_secs;
END $$;--> statement-breakpoint
-- New history rows of `ids`: what changed between their contribution without the rows `skip` of the customers
-- `old_ids` (those that had history before) and with every row — only the keys whose figures changed are written
-- (a move touches a handful of a customer's rows, not all of them).
CREATE OR REPLACE FUNCTION stage_entry_delta(ids integer[], old_ids integer[], skip bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  with p as materialized (
    select x.office_id, x.day, x.prev_day, x.stage, x.next_stage, sum(x.n)::int as n from (
      select o.office_id, o.day, o.prev_day, o.stage, o.next_stage, -o.n as n from stage_entry_parts(old_ids, skip, false) o
      union all
      select a.office_id, a.day, a.prev_day, a.stage, a.next_stage, a.n from stage_entry_parts(ids, '{}'::bigint[], false) a
    ) x group by 1, 2, 3, 4, 5 having sum(x.n) <> 0
  ), days as (
    insert into stage_entry_days as d (day, office_id, stage, next_stage, n)
    select p.day, p.office_id, p.stage, p.next_stage, sum(p.n) from p group by 1, 2, 3, 4 having sum(p.n) <> 0
    on conflict (stage, next_stage, day, (coalesce(office_id, ''))) do update set n = d.n + excluded.n
    returning 1
  )
  insert into stage_entry_prev_days as d (prev_day, office_id, stage, next_stage, n)
  select p.prev_day, p.office_id, p.stage, p.next_stage, sum(p.n) from p where p.prev_day is not null group by 1, 2, 3, 4 having sum(p.n) <> 0
  on conflict (stage, next_stage, prev_day, (coalesce(office_id, ''))) do update set n = d.n + excluded.n;
  insert into stage_current_days as d (left_day, office_id, stage, n, entered_secs)
  select x.left_day, x.office_id, x.stage, sum(x.n), sum(x.entered_secs) from (
    select o.left_day, o.office_id, o.stage, -o.n as n, -o.entered_secs as entered_secs from stage_current_parts(old_ids, skip, false) o
    union all
    select a.left_day, a.office_id, a.stage, a.n, a.entered_secs from stage_current_parts(ids, '{}'::bigint[], false) a
  ) x group by 1, 2, 3 having sum(x.n) <> 0 or sum(x.entered_secs) <> 0
  on conflict ((coalesce(left_day, '0001-01-01'::date)), (coalesce(office_id, '')), stage)
  do update set n = d.n + excluded.n, entered_secs = d.entered_secs + excluded.entered_secs;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_entry_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids integer[];
  old_ids integer[];
  new_ids bigint[];
BEGIN
  select array_agg(distinct customer_id) into ids from new_rows where kind in ('created','stage_change','override');
  IF ids IS NULL THEN RETURN NULL; END IF;
  select array_agg(nr.customer_id) into old_ids
  from (select customer_id, count(*) as n from new_rows where kind in ('created','stage_change','override') group by 1) nr
  where (select count(*) from customer_events e
         where e.customer_id = nr.customer_id and e.kind in ('created','stage_change','override')) > nr.n;
  -- Customers that had history before this statement: what their earlier rows contributed is replaced.
  select array_agg(id) into new_ids from new_rows where customer_id = any(coalesce(old_ids, '{}'::integer[]));
  PERFORM stage_entry_delta(ids, coalesce(old_ids, '{}'::integer[]), coalesce(new_ids, '{}'::bigint[]));
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_entry_customers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM stage_entry_apply(array[OLD.id::int], '{}'::bigint[], -1, OLD.office_id, true);
    PERFORM stage_current_apply(array[OLD.id::int], '{}'::bigint[], -1, OLD.office_id, true);
  ELSIF OLD.office_id IS DISTINCT FROM NEW.office_id THEN
    PERFORM stage_entry_apply(array[NEW.id::int], '{}'::bigint[], -1, OLD.office_id, true);
    PERFORM stage_entry_apply(array[NEW.id::int], '{}'::bigint[], 1, NEW.office_id, true);
    PERFORM stage_current_apply(array[NEW.id::int], '{}'::bigint[], -1, OLD.office_id, true);
    PERFORM stage_current_apply(array[NEW.id::int], '{}'::bigint[], 1, NEW.office_id, true);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_entry_customers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids integer[];
BEGIN
  select array_agg(n.id::int) into ids from new_customers n where exists (select 1 from customer_events e where e.customer_id = n.id);
  IF ids IS NULL THEN RETURN NULL; END IF;
  PERFORM stage_entry_apply(ids, '{}'::bigint[], 1, null, false);
  PERFORM stage_current_apply(ids, '{}'::bigint[], 1, null, false);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_entry_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE stage_entry_days, stage_entry_prev_days, stage_current_days;
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_entry_events_ins ON customer_events;--> statement-breakpoint
CREATE TRIGGER stage_entry_events_ins AFTER INSERT ON customer_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_entry_events_inserted();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_entry_customers_row ON customers;--> statement-breakpoint
CREATE TRIGGER stage_entry_customers_row AFTER DELETE OR UPDATE OF office_id ON customers
  FOR EACH ROW EXECUTE FUNCTION stage_entry_customers_changed();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_entry_customers_ins ON customers;--> statement-breakpoint
CREATE TRIGGER stage_entry_customers_ins AFTER INSERT ON customers
  REFERENCING NEW TABLE AS new_customers FOR EACH STATEMENT EXECUTE FUNCTION stage_entry_customers_inserted();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_entry_events_trunc ON customer_events;--> statement-breakpoint
CREATE TRIGGER stage_entry_events_trunc AFTER TRUNCATE ON customer_events FOR EACH STATEMENT EXECUTE FUNCTION stage_entry_truncated();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_entry_customers_trunc ON customers;--> statement-breakpoint
CREATE TRIGGER stage_entry_customers_trunc AFTER TRUNCATE ON customers FOR EACH STATEMENT EXECUTE FUNCTION stage_entry_truncated();--> statement-breakpoint
-- 0006's functions called from its triggers, the same statements in PL/pgSQL (plans kept, see above).
CREATE OR REPLACE FUNCTION stage_dwell_apply(ids integer[], sign integer, office text, use_office boolean)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  insert into stage_dwell_daily as d (day, office_id, stage, prev_day, leaves, secs)
  select p.day, case when use_office then office else p.office_id end, p.stage, p.prev_day, sum(p.leaves) * sign, sum(p.secs) * sign
  from stage_dwell_parts(ids, use_office) p
  group by 1, 2, 3, 4
  on conflict (day, (coalesce(office_id, '')), stage, (coalesce(prev_day, '0001-01-01'::date)))
  do update set leaves = d.leaves + excluded.leaves, secs = d.secs + excluded.secs;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_marks_rebuild(ids integer[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  delete from customer_stage_marks where customer_id in (select unnest(ids));
  with en as (
    select e.id, e.customer_id, e.at, e.to_stage, lag(e.to_stage) over w as prev_stage
    from customer_events e
    where e.customer_id in (select unnest(ids)) and e.kind in ('created','stage_change','override')
    window w as (partition by e.customer_id order by e.at, e.id)
  ), marks as (
    select customer_id, to_stage as stage, max(at) as entered, null::timestamptz as left_at from en group by 1, 2
    union all
    select customer_id, prev_stage, null, max(at) from en where prev_stage is not null group by 1, 2
  )
  insert into customer_stage_marks (customer_id, stage, last_entered_at, last_left_at)
  select customer_id, stage, max(entered), max(left_at) from marks group by 1, 2;
END $$;--> statement-breakpoint
-- 0006's history trigger in the same delta form: the earlier rows' stays taken out and all rows' stays put in, in one
-- statement that writes only the keys that changed (0009's row trigger on stage_dwell_daily then does little).
CREATE OR REPLACE FUNCTION stage_rollup_events_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids integer[];
  old_ids integer[];
BEGIN
  select array_agg(distinct customer_id) into ids from new_rows where kind in ('created','stage_change','override');
  IF ids IS NULL THEN RETURN NULL; END IF;
  -- Customers that had history before this statement: take out what their earlier rows contributed. The rows of
  -- this statement are left out with an anti-join on the transition table (hashed, also for a bulk insert).
  select array_agg(nr.customer_id) into old_ids
  from (select customer_id, count(*) as n from new_rows where kind in ('created','stage_change','override') group by 1) nr
  where (select count(*) from customer_events e
         where e.customer_id = nr.customer_id and e.kind in ('created','stage_change','override')) > nr.n;
  insert into stage_dwell_daily as d (day, office_id, stage, prev_day, leaves, secs)
  select x.day, x.office_id, x.stage, x.prev_day, sum(x.leaves), sum(x.secs) from (
    select (lv.at at time zone 'Asia/Shanghai')::date as day, c.office_id, lv.stage, (lv.prev_left at time zone 'Asia/Shanghai')::date as prev_day,
           -count(*)::int as leaves, -sum(lv.secs) as secs
    from (
      select en.customer_id, en.prev_stage as stage, en.at, extract(epoch from en.at - en.prev_at) as secs,
             lag(en.at) over (partition by en.customer_id, en.prev_stage order by en.at, en.id) as prev_left
      from (
        select e.id, e.customer_id, e.at, lag(e.at) over w as prev_at, lag(e.to_stage) over w as prev_stage
        from customer_events e
        where e.customer_id in (select unnest(coalesce(old_ids, '{}'::integer[]))) and e.kind in ('created','stage_change','override')
          and not exists (select 1 from new_rows n where n.id = e.id)
        window w as (partition by e.customer_id order by e.at, e.id)
      ) en where en.prev_at is not null
    ) lv join customers c on c.id = lv.customer_id
    group by 1, 2, 3, 4
    union all
    select p.day, p.office_id, p.stage, p.prev_day, p.leaves, p.secs from stage_dwell_parts(ids, false) p
  ) x
  group by 1, 2, 3, 4
  having sum(x.leaves) <> 0 or sum(x.secs) <> 0
  on conflict (day, (coalesce(office_id, '')), stage, (coalesce(prev_day, '0001-01-01'::date)))
  do update set leaves = d.leaves + excluded.leaves, secs = d.secs + excluded.secs;
  PERFORM stage_marks_rebuild(ids);
  RETURN NULL;
END $$;--> statement-breakpoint
-- Existing history and rollups.
TRUNCATE stage_leave_days, stage_leave_prev_days, stage_entry_days, stage_entry_prev_days, stage_current_days;--> statement-breakpoint
INSERT INTO stage_leave_days (day, office_id, stage, leaves, secs)
  SELECT day, office_id, stage, sum(leaves), sum(secs) FROM stage_dwell_daily GROUP BY 1, 2, 3;--> statement-breakpoint
INSERT INTO stage_leave_prev_days (prev_day, office_id, stage, leaves)
  SELECT prev_day, office_id, stage, sum(leaves) FROM stage_dwell_daily WHERE prev_day IS NOT NULL GROUP BY 1, 2, 3;--> statement-breakpoint
SELECT stage_entry_apply(array(select id::int from customers), '{}'::bigint[], 1, null, false);--> statement-breakpoint
SELECT stage_current_apply(array(select id::int from customers), '{}'::bigint[], 1, null, false);
