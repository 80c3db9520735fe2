-- Issue 16: a year of heatmap dwell without reading a year of history. Per business day (Asia/Shanghai), office and
-- stage: how many stays ended (a customer's next entry row), their total seconds, split by the business day the
-- same customer last left the same stage before (prev_day) — so the number of distinct customers with a finished
-- stay since day D is the rows of days ≥ D whose prev_day is null or < D. customer_stage_marks keeps each
-- customer's last entry into and last exit from each stage. Both are kept by triggers in the same transaction as
-- the history rows (every writer: store code, fixtures, imports), and follow a customer's office when it changes.
-- store/analytics.ts dwellAggregates reads them; the direct computation stays as the reference.
CREATE TABLE IF NOT EXISTS "stage_dwell_daily" (
  "day" date NOT NULL,
  "office_id" text,
  "stage" text NOT NULL,
  "prev_day" date,
  "leaves" integer NOT NULL,
  "secs" numeric NOT NULL
);--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "stage_dwell_daily_key" ON "stage_dwell_daily" ("day", (coalesce("office_id", '')), "stage", (coalesce("prev_day", '0001-01-01'::date)));--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "customer_stage_marks" (
  "customer_id" integer NOT NULL,
  "stage" text NOT NULL,
  "last_entered_at" timestamptz,
  "last_left_at" timestamptz,
  PRIMARY KEY ("customer_id", "stage")
);--> statement-breakpoint
-- The finished stays of the given customers (each entry row ends the stay the row before it began), per office,
-- leave day, stage and the day the customer last left that stage before. `any_customer` also counts customers
-- without a row in `customers` (a deleted one, whose office the caller gives).
CREATE OR REPLACE FUNCTION stage_dwell_parts(ids integer[], any_customer boolean)
RETURNS TABLE (office_id text, day date, stage text, prev_day date, leaves integer, secs numeric)
LANGUAGE sql STABLE AS $$
  with en as (
    select e.id, e.customer_id, e.at, lag(e.at) over w as prev_at, lag(e.to_stage) over w as prev_stage
    from customer_events e
    where e.customer_id in (select unnest(ids)) and e.kind in ('created','stage_change','override')
    window w as (partition by e.customer_id order by e.at, e.id)
  ), lv as (
    select customer_id, prev_stage as stage, at, extract(epoch from at - prev_at) as secs,
           lag(at) over (partition by customer_id, prev_stage order by at, id) as prev_left
    from en where prev_at is not null
  )
  select c.office_id, (lv.at at time zone 'Asia/Shanghai')::date, lv.stage, (lv.prev_left at time zone 'Asia/Shanghai')::date,
         count(*)::int, sum(lv.secs)
  from lv left join customers c on c.id = lv.customer_id
  where any_customer or c.id is not null
  group by 1, 2, 3, 4
$$;--> statement-breakpoint
-- Adds (sign 1) or removes (sign -1) the given customers' finished stays; with use_office, `office` is theirs.
CREATE OR REPLACE FUNCTION stage_dwell_apply(ids integer[], sign integer, office text, use_office boolean)
RETURNS void LANGUAGE sql AS $$
  insert into stage_dwell_daily as d (day, office_id, stage, prev_day, leaves, secs)
  select p.day, case when use_office then office else p.office_id end, p.stage, p.prev_day, sum(p.leaves) * sign, sum(p.secs) * sign
  from stage_dwell_parts(ids, use_office) p
  group by 1, 2, 3, 4
  on conflict (day, (coalesce(office_id, '')), stage, (coalesce(prev_day, '0001-01-01'::date)))
  do update set leaves = d.leaves + excluded.leaves, secs = d.secs + excluded.secs
$$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_marks_rebuild(ids integer[]) RETURNS void LANGUAGE sql AS $$
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
$$;--> statement-breakpoint
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
  IF old_ids IS NOT NULL THEN
    insert into stage_dwell_daily as d (day, office_id, stage, prev_day, leaves, secs)
    with en as (
      select e.id, e.customer_id, e.at, lag(e.at) over w as prev_at, lag(e.to_stage) over w as prev_stage
      from customer_events e
      where e.customer_id in (select unnest(old_ids)) and e.kind in ('created','stage_change','override')
        and not exists (select 1 from new_rows n where n.id = e.id)
      window w as (partition by e.customer_id order by e.at, e.id)
    ), lv as (
      select customer_id, prev_stage as stage, at, extract(epoch from at - prev_at) as secs,
             lag(at) over (partition by customer_id, prev_stage order by at, id) as prev_left
      from en where prev_at is not null
    )
    select (lv.at at time zone 'Asia/Shanghai')::date, c.office_id, lv.stage, (lv.prev_left at time zone 'Asia/Shanghai')::date,
           -count(*)::int, -sum(lv.secs)
    from lv join customers c on c.id = lv.customer_id
    group by 1, 2, 3, 4
    on conflict (day, (coalesce(office_id, '')), stage, (coalesce(prev_day, '0001-01-01'::date)))
    do update set leaves = d.leaves + excluded.leaves, secs = d.secs + excluded.secs;
  END IF;
  PERFORM stage_dwell_apply(ids, 1, null, false);
  PERFORM stage_marks_rebuild(ids);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_rollup_customers_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM stage_dwell_apply(array[OLD.id::int], -1, OLD.office_id, true);
    DELETE FROM customer_stage_marks WHERE customer_id = OLD.id;
  ELSIF OLD.office_id IS DISTINCT FROM NEW.office_id THEN
    PERFORM stage_dwell_apply(array[NEW.id::int], -1, OLD.office_id, true);
    PERFORM stage_dwell_apply(array[NEW.id::int], 1, NEW.office_id, true);
  END IF;
  RETURN NULL;
END $$;--> statement-breakpoint
-- A customer inserted after its history rows (imports, fixtures): its stays count from now on.
CREATE OR REPLACE FUNCTION stage_rollup_customers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ids integer[];
BEGIN
  select array_agg(n.id::int) into ids from new_customers n where exists (select 1 from customer_events e where e.customer_id = n.id);
  IF ids IS NULL THEN RETURN NULL; END IF;
  PERFORM stage_dwell_apply(ids, 1, null, false);
  PERFORM stage_marks_rebuild(ids);
  RETURN NULL;
END $$;--> statement-breakpoint
CREATE OR REPLACE FUNCTION stage_rollup_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE stage_dwell_daily, customer_stage_marks;
  RETURN NULL;
END $$;--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_rollup_events_ins ON customer_events;--> statement-breakpoint
CREATE TRIGGER stage_rollup_events_ins AFTER INSERT ON customer_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stage_rollup_events_inserted();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_rollup_customers_row ON customers;--> statement-breakpoint
CREATE TRIGGER stage_rollup_customers_row AFTER DELETE OR UPDATE OF office_id ON customers
  FOR EACH ROW EXECUTE FUNCTION stage_rollup_customers_changed();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_rollup_customers_ins ON customers;--> statement-breakpoint
CREATE TRIGGER stage_rollup_customers_ins AFTER INSERT ON customers
  REFERENCING NEW TABLE AS new_customers FOR EACH STATEMENT EXECUTE FUNCTION stage_rollup_customers_inserted();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_rollup_events_trunc ON customer_events;--> statement-breakpoint
CREATE TRIGGER stage_rollup_events_trunc AFTER TRUNCATE ON customer_events FOR EACH STATEMENT EXECUTE FUNCTION stage_rollup_truncated();--> statement-breakpoint
DROP TRIGGER IF EXISTS stage_rollup_customers_trunc ON customers;--> statement-breakpoint
CREATE TRIGGER stage_rollup_customers_trunc AFTER TRUNCATE ON customers FOR EACH STATEMENT EXECUTE FUNCTION stage_rollup_truncated();--> statement-breakpoint
-- Existing history (fresh statistics first: without them the rebuild's plan can be far slower).
ANALYZE customers;--> statement-breakpoint
ANALYZE customer_events;--> statement-breakpoint
TRUNCATE stage_dwell_daily, customer_stage_marks;--> statement-breakpoint
SELECT stage_dwell_apply(array(select id::int from customers), 1, null, false);--> statement-breakpoint
SELECT stage_marks_rebuild(array(select id::int from customers));
