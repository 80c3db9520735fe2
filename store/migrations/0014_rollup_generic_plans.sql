-- Issue 16: the funnel rollup's delta (migration 0009 stage_entry_delta) plans its statements once per connection.
--
-- Every stage change runs it from the customer_events insert trigger. Its PL/pgSQL statements take the changed
-- customers as array parameters, and PostgreSQL's plan cache judged a custom plan cheaper than the generic one each
-- time, so it planned both of them again on every stage change: ~1.7 ms of planning for ~0.25 ms of work
-- (pg_stat_statements with track_planning). With the generic plan kept for the connection, a stage change's insert
-- costs ~1 ms less database CPU. Only this function: the same setting on all the rollup triggers (0006, 0011) brought
-- ~1 s stalls under bench:latency (some generic plan there is bad for some call).
ALTER FUNCTION stage_entry_delta(integer[], integer[], bigint[]) SET plan_cache_mode = force_generic_plan;
