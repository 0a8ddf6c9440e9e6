-- Indexes for the dashboard reads measured by `npm run bench` (scripts/bench/reads.ts, plans in
-- scripts/bench/plans/). Each one exists for a query an app runs with supabase-js under RLS.

-- One account's cost per day and latency percentiles per model over a time window
-- (`where account_id = $1 and created_at >= now() - interval '30 days'`, summing computed_cost or
-- ordering latency_ms per model). With the columns those aggregates read in the index, Postgres
-- answers from an index-only scan instead of visiting one heap page per row: on 10M rows the
-- largest account's 30 days are ~100k rows, i.e. ~100k random heap reads without it.
-- user_id is included because the RLS policy reads it (`user_id = auth.uid()` branch): without it a
-- member's query under RLS cannot use the index-only scan that service_role gets.
-- It also serves "newest first" per account (a btree is read in both directions), so the ledger
-- migration creates no separate (account_id, created_at desc) index: one index less is one write
-- less per logged call.
create index idx_llm_requests_account_created_cover
  on public.llm_requests (account_id, created_at) include (computed_cost, model, latency_ms, user_id);

-- "My latest requests" without an explicit account filter, the default supabase-js call
-- (`.from('llm_requests').select().order('created_at', { ascending: false }).limit(50)`): RLS alone
-- scopes the rows, and its policy (an OR of two account sets) cannot drive an index. Without an
-- index on created_at this is a full scan plus sort (340 ms on 1M rows); with it, Postgres walks
-- the newest rows and stops after 50 visible ones.
create index idx_llm_requests_created on public.llm_requests (created_at desc);

-- ---------------------------------------------------------------------------------------------------
-- llm_usage_daily: calls, tokens and cost per account, UTC day, model and provider, kept current by a
-- statement trigger on llm_requests. Cost dashboards read a few rows per day instead of every call
-- (on 10M calls, one account's 30-day chart scanned ~100k index entries: 60 ms; the rollup: ~30 rows).
-- The trigger runs once per INSERT statement with all its rows (the ledger writes a batch per
-- statement), so it adds one aggregated upsert per batch, not work per row.
-- Deleting llm_requests rows (retention) leaves the rollup as logged: billing history stays whole.
-- ---------------------------------------------------------------------------------------------------
create table public.llm_usage_daily (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  day date not null,
  model varchar not null,
  provider varchar not null,
  request_count bigint not null default 0 check (request_count >= 0),
  error_count bigint not null default 0 check (error_count >= 0),
  prompt_tokens bigint not null default 0 check (prompt_tokens >= 0),
  completion_tokens bigint not null default 0 check (completion_tokens >= 0),
  total_tokens bigint not null default 0 check (total_tokens >= 0),
  computed_cost numeric not null default 0 check (computed_cost >= 0),
  unpriced_count bigint not null default 0 check (unpriced_count >= 0),
  provider_cost numeric,
  latency_ms_sum bigint not null default 0 check (latency_ms_sum >= 0),
  updated_at timestamptz not null default now(),
  constraint llm_usage_daily_account_day_model_key unique (account_id, day, model, provider)
);

comment on table public.llm_usage_daily is
  'Daily rollup of llm_requests per account, UTC day, model and provider, maintained by trigger. Read it for cost and usage charts.';
comment on column public.llm_usage_daily.account_id is 'Account the calls belong to.';
comment on column public.llm_usage_daily.day is 'UTC day of the calls (llm_requests.created_at).';
comment on column public.llm_usage_daily.model is 'Model as the client requested it.';
comment on column public.llm_usage_daily.provider is 'Provider the calls went to.';
comment on column public.llm_usage_daily.request_count is 'Calls logged.';
comment on column public.llm_usage_daily.error_count is 'Calls whose completion_status is error.';
comment on column public.llm_usage_daily.prompt_tokens is 'Sum of prompt tokens.';
comment on column public.llm_usage_daily.completion_tokens is 'Sum of completion tokens.';
comment on column public.llm_usage_daily.total_tokens is 'Sum of total tokens.';
comment on column public.llm_usage_daily.computed_cost is 'Sum of the known computed costs (USD). Incomplete when unpriced_count > 0.';
comment on column public.llm_usage_daily.unpriced_count is 'Calls that used tokens but had no known price (their cost is not in computed_cost).';
comment on column public.llm_usage_daily.provider_cost is 'Sum of provider-reported costs (OpenRouter usage.cost), where reported.';
comment on column public.llm_usage_daily.latency_ms_sum is 'Sum of latencies, for the average (latency_ms_sum / request_count).';
comment on column public.llm_usage_daily.updated_at is 'Last time calls were added.';

alter table public.llm_usage_daily enable row level security;
revoke all on public.llm_usage_daily from anon, authenticated;
grant select on public.llm_usage_daily to authenticated;
grant all on public.llm_usage_daily to service_role;
create policy "llm_usage_daily: history readers read" on public.llm_usage_daily for select to authenticated
  using (account_id in (select private.accounts_with_permission('view_history')));

create function private.rollup_llm_requests() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  insert into public.llm_usage_daily as d (account_id, day, model, provider, request_count, error_count,
    prompt_tokens, completion_tokens, total_tokens, computed_cost, unpriced_count, provider_cost, latency_ms_sum)
  select n.account_id, (n.created_at at time zone 'UTC')::date, n.model, n.provider, count(*),
         count(*) filter (where n.completion_status = 'error'),
         coalesce(sum(n.prompt_tokens), 0), coalesce(sum(n.completion_tokens), 0), coalesce(sum(n.total_tokens), 0),
         coalesce(sum(n.computed_cost), 0),
         count(*) filter (where n.computed_cost is null and coalesce(n.total_tokens, 0) > 0),
         sum(n.provider_cost), coalesce(sum(n.latency_ms), 0)
    from new_rows n
   group by 1, 2, 3, 4
  on conflict (account_id, day, model, provider) do update set
    request_count = d.request_count + excluded.request_count,
    error_count = d.error_count + excluded.error_count,
    prompt_tokens = d.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = d.completion_tokens + excluded.completion_tokens,
    total_tokens = d.total_tokens + excluded.total_tokens,
    computed_cost = d.computed_cost + excluded.computed_cost,
    unpriced_count = d.unpriced_count + excluded.unpriced_count,
    provider_cost = case when excluded.provider_cost is null then d.provider_cost
                         else coalesce(d.provider_cost, 0) + excluded.provider_cost end,
    latency_ms_sum = d.latency_ms_sum + excluded.latency_ms_sum,
    updated_at = now();
  return null;
end
$$;
comment on function private.rollup_llm_requests() is 'Statement trigger: adds the inserted llm_requests rows to llm_usage_daily.';
revoke execute on function private.rollup_llm_requests() from public, anon, authenticated;

create trigger llm_requests_rollup
  after insert on public.llm_requests
  referencing new table as new_rows
  for each statement execute function private.rollup_llm_requests();

-- ---------------------------------------------------------------------------------------------------
-- llm_usage_hourly: the analytics rollup. One row per account, UTC hour, dimension and
-- value, for the dimensions analytics group by: 'all' (value null: the account's totals), model,
-- provider, user, end_user, feature (properties->>'feature'), agent_instance, api_key, country.
-- Each logged call adds to nine rows (one per dimension), so any one grouping is read from its own
-- rows: a 30-day chart reads 720 rows per group value, whatever the call volume.
-- Percentiles cannot be summed, so each row keeps a histogram of latencies and of times to first
-- token over fixed buckets (private.latency_bounds(): 1-1.2-1.5-2-2.5-3-4-5-6-7.5 per decade, 0 ms to
-- 1,000 s, plus one overflow bucket). A percentile is the upper bound of the bucket holding its
-- nearest rank, capped by the largest value seen: exact when latencies fall on bucket bounds, at most
-- one bucket (≤ 25% of the value) high otherwise.
-- Retention leaves rollups alone (no delete trigger): analytics outlive the raw rows.
-- ---------------------------------------------------------------------------------------------------
create function private.latency_bounds() returns integer[]
  language sql
  immutable
  parallel safe
  set search_path = ''
as $$
  select '{0,1,2,3,4,5,6,8,10,12,15,20,25,30,40,50,60,75,100,120,150,200,250,300,400,500,600,750,1000,1200,1500,
           2000,2500,3000,4000,5000,6000,7500,10000,12000,15000,20000,25000,30000,40000,50000,60000,75000,100000,
           120000,150000,200000,250000,300000,400000,500000,600000,750000,1000000}'::integer[]
$$;
comment on function private.latency_bounds() is
  'Upper bounds (ms) of the latency histogram buckets in llm_usage_hourly; bucket i holds bounds[i-1] < ms <= '
  'bounds[i], the last bucket (one past the bounds) everything above.';

create function private.latency_histogram(latencies integer[]) returns bigint[]
  language sql
  immutable
  parallel safe
  set search_path = ''
as $$
  select array_agg(coalesce(c.n, 0) order by g.i)
    from generate_series(1, cardinality(private.latency_bounds()) + 1) g(i)
    left join (select width_bucket(ms - 1, private.latency_bounds()) + 1 as i, count(*) as n
                 from unnest(latencies) ms where ms is not null group by 1) c on c.i = g.i
$$;
comment on function private.latency_histogram(integer[]) is
  'Counts of the given latencies per bucket of private.latency_bounds().';

-- Error messages carry ids, numbers and tokens that make every occurrence unique; grouping needs
-- them out. Input is cut to 1,000 characters first (provider text is hostile; the regexes stay linear).
create function private.normalize_error_message(message text) returns text
  language sql
  immutable
  parallel safe
  set search_path = ''
as $$
  select nullif(left(btrim(regexp_replace(regexp_replace(regexp_replace(regexp_replace(
           left(message, 1000),
           '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}', '<id>', 'g'),
           '\m[A-Za-z_-]*[0-9][A-Za-z0-9_-]{11,}\M', '<token>', 'g'),
           '[0-9]+(\.[0-9]+)?', '<n>', 'g'),
           '\s+', ' ', 'g')), 200), '')
$$;
comment on function private.normalize_error_message(text) is
  'Error message pattern for grouping: uuids -> <id>, long tokens with digits -> <token>, numbers -> <n>, whitespace '
  'collapsed, 200 characters at most.';

revoke execute on function private.latency_bounds(), private.latency_histogram(integer[]),
  private.normalize_error_message(text) from public, anon;
grant execute on function private.latency_bounds(), private.latency_histogram(integer[]),
  private.normalize_error_message(text) to authenticated, service_role;

create table public.llm_usage_hourly (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  hour timestamptz not null,
  dimension text not null check (dimension in ('all', 'model', 'provider', 'user', 'end_user', 'feature',
                                               'agent_instance', 'api_key', 'country')),
  value text,
  request_count bigint not null default 0 check (request_count >= 0),
  success_count bigint not null default 0 check (success_count >= 0),
  error_count bigint not null default 0 check (error_count >= 0),
  prompt_tokens bigint not null default 0,
  completion_tokens bigint not null default 0,
  cached_tokens bigint not null default 0,
  reasoning_tokens bigint not null default 0,
  total_tokens bigint not null default 0,
  computed_cost numeric not null default 0,
  unpriced_count bigint not null default 0,
  latency_count bigint not null default 0,
  latency_ms_sum bigint not null default 0,
  latency_ms_max integer,
  latency_histogram bigint[] not null,
  ttft_count bigint not null default 0,
  ttft_ms_sum bigint not null default 0,
  ttft_ms_max integer,
  ttft_histogram bigint[] not null,
  updated_at timestamptz not null default now(),
  constraint llm_usage_hourly_key unique nulls not distinct (account_id, dimension, hour, value)
);
comment on table public.llm_usage_hourly is
  'Hourly analytics rollup of llm_requests per account, UTC hour and one grouping dimension, maintained by trigger. '
  'Read it through public.llm_analytics().';
comment on column public.llm_usage_hourly.account_id is 'Account the calls belong to.';
comment on column public.llm_usage_hourly.hour is 'Start of the UTC hour of the calls (llm_requests.created_at).';
comment on column public.llm_usage_hourly.dimension is
  'What value groups by: all|model|provider|user|end_user|feature|agent_instance|api_key|country.';
comment on column public.llm_usage_hourly.value is
  'The group''s value (model name, user id, country code, ...); null for dimension all and for calls without one.';
comment on column public.llm_usage_hourly.request_count is 'Calls logged.';
comment on column public.llm_usage_hourly.success_count is 'Calls that completed (completion_status complete).';
comment on column public.llm_usage_hourly.error_count is
  'Calls that failed (completion_status error); partial calls are neither.';
comment on column public.llm_usage_hourly.prompt_tokens is 'Sum of prompt tokens.';
comment on column public.llm_usage_hourly.completion_tokens is 'Sum of completion tokens.';
comment on column public.llm_usage_hourly.cached_tokens is 'Sum of cached prompt tokens.';
comment on column public.llm_usage_hourly.reasoning_tokens is 'Sum of reasoning tokens.';
comment on column public.llm_usage_hourly.total_tokens is 'Sum of total tokens.';
comment on column public.llm_usage_hourly.computed_cost is
  'Sum of known costs (USD); incomplete when unpriced_count > 0.';
comment on column public.llm_usage_hourly.unpriced_count is 'Calls that used tokens but had no known price.';
comment on column public.llm_usage_hourly.latency_count is 'Calls with a latency.';
comment on column public.llm_usage_hourly.latency_ms_sum is 'Sum of latencies (for the average).';
comment on column public.llm_usage_hourly.latency_ms_max is 'Largest latency (caps the percentiles).';
comment on column public.llm_usage_hourly.latency_histogram is 'Calls per latency bucket of private.latency_bounds().';
comment on column public.llm_usage_hourly.ttft_count is 'Calls with a time to first token (streams).';
comment on column public.llm_usage_hourly.ttft_ms_sum is 'Sum of times to first token.';
comment on column public.llm_usage_hourly.ttft_ms_max is 'Largest time to first token.';
comment on column public.llm_usage_hourly.ttft_histogram is
  'Calls per time-to-first-token bucket of private.latency_bounds().';
comment on column public.llm_usage_hourly.updated_at is 'Last time calls were added.';

-- ---------------------------------------------------------------------------------------------------
-- llm_error_patterns_hourly: failed or cut calls per account, UTC hour, model, error code and
-- normalised message, with first/last occurrence. Read through public.llm_error_patterns().
-- ---------------------------------------------------------------------------------------------------
create table public.llm_error_patterns_hourly (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  hour timestamptz not null,
  model varchar not null,
  error_code text,
  message text,
  occurrences bigint not null check (occurrences > 0),
  first_seen timestamptz not null,
  last_seen timestamptz not null,
  constraint llm_error_patterns_hourly_key unique nulls not distinct (account_id, hour, model, error_code, message)
);
comment on table public.llm_error_patterns_hourly is
  'Hourly rollup of errors per account, model, error code and normalised message (private.normalize_error_message), '
  'maintained by trigger.';
comment on column public.llm_error_patterns_hourly.account_id is 'Account the calls belong to.';
comment on column public.llm_error_patterns_hourly.hour is 'Start of the UTC hour of the calls.';
comment on column public.llm_error_patterns_hourly.model is 'Model as the client requested it.';
comment on column public.llm_error_patterns_hourly.error_code is 'llm_requests.error_code.';
comment on column public.llm_error_patterns_hourly.message is
  'Normalised error message (ids, numbers, tokens replaced).';
comment on column public.llm_error_patterns_hourly.occurrences is 'Calls with this code and message in the hour.';
comment on column public.llm_error_patterns_hourly.first_seen is 'First such call in the hour.';
comment on column public.llm_error_patterns_hourly.last_seen is 'Last such call in the hour.';

alter table public.llm_usage_hourly enable row level security;
alter table public.llm_error_patterns_hourly enable row level security;
revoke all on public.llm_usage_hourly, public.llm_error_patterns_hourly from anon, authenticated;
grant select on public.llm_usage_hourly, public.llm_error_patterns_hourly to authenticated;
grant all on public.llm_usage_hourly, public.llm_error_patterns_hourly to service_role;
create policy "llm_usage_hourly: history readers read" on public.llm_usage_hourly for select to authenticated
  using (account_id in (select private.accounts_with_permission('view_history')));
create policy "llm_error_patterns_hourly: history readers read" on public.llm_error_patterns_hourly
  for select to authenticated
  using (account_id in (select private.accounts_with_permission('view_history')));

-- The histograms are built and added inline (the buckets of private.latency_histogram, which
-- test/db/analytics.test.ts holds them to): plpgsql plans this statement once per connection, whereas
-- a call to a SQL function with its own search_path is planned again on every firing, 36 times per
-- batch (measured: the trigger took 1.8 ms for a one-row batch, most of what such a logged call cost
-- Postgres). A group with no value or a single one (every group of a one-row batch) skips the per-bucket subqueries:
-- its histogram is zeros or one 1, and adding it increments one bucket of the stored row.
create function private.rollup_llm_requests_hourly()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  insert into public.llm_usage_hourly as h (account_id, hour, dimension, value, request_count, success_count,
    error_count, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, total_tokens, computed_cost,
    unpriced_count, latency_count, latency_ms_sum, latency_ms_max, latency_histogram, ttft_count, ttft_ms_sum,
    ttft_ms_max, ttft_histogram)
  select n.account_id, date_trunc('hour', n.created_at, 'UTC'), d.dimension, d.value, count(*),
         count(*) filter (where n.completion_status = 'complete'),
         count(*) filter (where n.completion_status = 'error'),
         coalesce(sum(n.prompt_tokens), 0), coalesce(sum(n.completion_tokens), 0), coalesce(sum(n.cached_tokens), 0),
         coalesce(sum(n.reasoning_tokens), 0), coalesce(sum(n.total_tokens), 0), coalesce(sum(n.computed_cost), 0),
         count(*) filter (where n.computed_cost is null and coalesce(n.total_tokens, 0) > 0),
         count(n.latency_ms), coalesce(sum(n.latency_ms), 0), max(n.latency_ms),
         case count(n.latency_ms)
           when 0 then array_fill(0::bigint, array[cardinality(private.latency_bounds()) + 1])
           when 1 then array_fill(0::bigint, array[width_bucket(max(n.latency_ms) - 1, private.latency_bounds())])
                       || 1::bigint
                       || array_fill(0::bigint, array[cardinality(private.latency_bounds())
                                                      - width_bucket(max(n.latency_ms) - 1, private.latency_bounds())])
           else (select array_agg(coalesce(c.n, 0) order by g.i)
                   from generate_series(1, cardinality(private.latency_bounds()) + 1) g(i)
                   left join (select width_bucket(ms - 1, private.latency_bounds()) + 1 as i, count(*) as n
                                from unnest(array_agg(n.latency_ms)) ms where ms is not null group by 1) c
                          on c.i = g.i)
         end,
         count(n.time_to_first_token_ms), coalesce(sum(n.time_to_first_token_ms), 0), max(n.time_to_first_token_ms),
         case count(n.time_to_first_token_ms)
           when 0 then array_fill(0::bigint, array[cardinality(private.latency_bounds()) + 1])
           when 1 then array_fill(0::bigint,
                                  array[width_bucket(max(n.time_to_first_token_ms) - 1, private.latency_bounds())])
                       || 1::bigint
                       || array_fill(0::bigint,
                                     array[cardinality(private.latency_bounds())
                                           - width_bucket(max(n.time_to_first_token_ms) - 1, private.latency_bounds())])
           else (select array_agg(coalesce(c.n, 0) order by g.i)
                   from generate_series(1, cardinality(private.latency_bounds()) + 1) g(i)
                   left join (select width_bucket(ms - 1, private.latency_bounds()) + 1 as i, count(*) as n
                                from unnest(array_agg(n.time_to_first_token_ms)) ms where ms is not null group by 1) c
                          on c.i = g.i)
         end
    from new_rows n
   cross join lateral (values ('all', null::text), ('model', n.model::text), ('provider', n.provider::text),
                              ('user', n.user_id::text), ('end_user', n.end_user),
                              ('feature', n.properties ->> 'feature'), ('agent_instance', n.agent_instance_id::text),
                              ('api_key', n.api_key_id::text), ('country', n.country)) d(dimension, value)
   group by 1, 2, 3, 4
  on conflict (account_id, dimension, hour, value) do update set
    request_count = h.request_count + excluded.request_count,
    success_count = h.success_count + excluded.success_count,
    error_count = h.error_count + excluded.error_count,
    prompt_tokens = h.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = h.completion_tokens + excluded.completion_tokens,
    cached_tokens = h.cached_tokens + excluded.cached_tokens,
    reasoning_tokens = h.reasoning_tokens + excluded.reasoning_tokens,
    total_tokens = h.total_tokens + excluded.total_tokens,
    computed_cost = h.computed_cost + excluded.computed_cost,
    unpriced_count = h.unpriced_count + excluded.unpriced_count,
    latency_count = h.latency_count + excluded.latency_count,
    latency_ms_sum = h.latency_ms_sum + excluded.latency_ms_sum,
    latency_ms_max = greatest(h.latency_ms_max, excluded.latency_ms_max),
    latency_histogram = case
      when excluded.latency_count = 0 then h.latency_histogram
      when excluded.latency_count = 1 and cardinality(h.latency_histogram) = cardinality(excluded.latency_histogram)
        then h.latency_histogram[:array_position(excluded.latency_histogram, 1::bigint) - 1]
             || h.latency_histogram[array_position(excluded.latency_histogram, 1::bigint)] + 1
             || h.latency_histogram[array_position(excluded.latency_histogram, 1::bigint) + 1:]
      else array(select coalesce(a, 0) + coalesce(b, 0)
                   from unnest(h.latency_histogram, excluded.latency_histogram) u(a, b))
    end,
    ttft_count = h.ttft_count + excluded.ttft_count,
    ttft_ms_sum = h.ttft_ms_sum + excluded.ttft_ms_sum,
    ttft_ms_max = greatest(h.ttft_ms_max, excluded.ttft_ms_max),
    ttft_histogram = case
      when excluded.ttft_count = 0 then h.ttft_histogram
      when excluded.ttft_count = 1 and cardinality(h.ttft_histogram) = cardinality(excluded.ttft_histogram)
        then h.ttft_histogram[:array_position(excluded.ttft_histogram, 1::bigint) - 1]
             || h.ttft_histogram[array_position(excluded.ttft_histogram, 1::bigint)] + 1
             || h.ttft_histogram[array_position(excluded.ttft_histogram, 1::bigint) + 1:]
      else array(select coalesce(a, 0) + coalesce(b, 0)
                   from unnest(h.ttft_histogram, excluded.ttft_histogram) u(a, b))
    end,
    updated_at = now();

  insert into public.llm_error_patterns_hourly as e (account_id, hour, model, error_code, message, occurrences,
    first_seen, last_seen)
  select n.account_id, date_trunc('hour', n.created_at, 'UTC'), n.model, n.error_code,
         private.normalize_error_message(n.error_message), count(*), min(n.created_at), max(n.created_at)
    from new_rows n
   where n.completion_status = 'error' or n.error_code is not null
   group by 1, 2, 3, 4, 5
  on conflict (account_id, hour, model, error_code, message) do update set
    occurrences = e.occurrences + excluded.occurrences,
    first_seen = least(e.first_seen, excluded.first_seen),
    last_seen = greatest(e.last_seen, excluded.last_seen);
  return null;
end;
$$;
comment on function private.rollup_llm_requests_hourly() is
  'Statement trigger: adds the inserted llm_requests rows to llm_usage_hourly (nine dimensions) and '
  'llm_error_patterns_hourly.';
revoke execute on function private.rollup_llm_requests_hourly() from public, anon, authenticated;

create trigger llm_requests_rollup_hourly
  after insert on public.llm_requests
  referencing new table as new_rows
  for each statement execute function private.rollup_llm_requests_hourly();

-- ---------------------------------------------------------------------------------------------------
-- Analytics RPCs (security invoker: the rollups' RLS applies, so history readers of the account).
-- Hour granularity: `from` counts from the start of its UTC hour, `to` is exclusive.
-- ---------------------------------------------------------------------------------------------------
create function public.llm_analytics(
  account_id uuid,
  "from" timestamptz,
  "to" timestamptz,
  bucket text default 'day',
  group_by text default null
)
returns table (
  bucket_start timestamptz,
  group_value text,
  requests bigint,
  successes bigint,
  errors bigint,
  error_rate numeric,
  success_rate numeric,
  prompt_tokens bigint,
  completion_tokens bigint,
  cached_tokens bigint,
  reasoning_tokens bigint,
  total_tokens bigint,
  cost numeric,
  unpriced_requests bigint,
  latency_avg_ms numeric,
  latency_p50_ms integer,
  latency_p95_ms integer,
  latency_p99_ms integer,
  ttft_p50_ms integer,
  ttft_p95_ms integer,
  ttft_p99_ms integer
)
language plpgsql
stable
security invoker
set search_path = ''
-- Planned for each call's arguments: after five calls in a session, PL/pgSQL would otherwise settle on a
-- generic plan, which for a full month of hourly rows per model ran ~3x slower (1.6 s instead of 0.5 s).
set plan_cache_mode = force_custom_plan
as $$
#variable_conflict use_column
declare
  dim text := coalesce(llm_analytics.group_by, 'all');
begin
  if llm_analytics.account_id is null or llm_analytics."from" is null or llm_analytics."to" is null then
    raise exception 'account_id, from and to are required' using errcode = '22023';
  end if;
  if llm_analytics.bucket is null or llm_analytics.bucket not in ('hour', 'day', 'week', 'all') then
    raise exception 'bucket must be hour, day, week or all' using errcode = '22023';
  end if;
  if dim not in ('all', 'model', 'provider', 'user', 'end_user', 'feature', 'agent_instance', 'api_key', 'country') then
    raise exception 'group_by must be one of model, provider, user, end_user, feature, agent_instance, api_key, country'
      using errcode = '22023';
  end if;
  return query
  with r as (
    select case when llm_analytics.bucket = 'all' then date_trunc('hour', llm_analytics."from", 'UTC')
                else date_trunc(llm_analytics.bucket, u.hour, 'UTC') end as b, u.value as g, u.*
      from public.llm_usage_hourly u
     where u.account_id = llm_analytics.account_id and u.dimension = dim
       and u.hour >= date_trunc('hour', llm_analytics."from", 'UTC') and u.hour < llm_analytics."to"
  ), totals as (
    select r.b, r.g, sum(r.request_count)::bigint as n, sum(r.success_count)::bigint as ok,
           sum(r.error_count)::bigint as err, sum(r.prompt_tokens)::bigint as pt,
           sum(r.completion_tokens)::bigint as ct,
           sum(r.cached_tokens)::bigint as cached, sum(r.reasoning_tokens)::bigint as rt,
           sum(r.total_tokens)::bigint as tt, sum(r.computed_cost) as cost, sum(r.unpriced_count)::bigint as unpriced,
           sum(r.latency_ms_sum) as lat_sum, sum(r.latency_count) as lat_n,
           max(r.latency_ms_max) as lat_max, max(r.ttft_ms_max) as ttft_max
      from r group by r.b, r.g
  ), hist as (
    select r.b, r.g, h.kind, h.i, sum(h.n) as n
      from r
     cross join lateral (
       select 'latency' as kind, l.i, l.n from unnest(r.latency_histogram) with ordinality l(n, i)
       union all
       select 'ttft', t.i, t.n from unnest(r.ttft_histogram) with ordinality t(n, i)) h
     where h.n > 0
     group by r.b, r.g, h.kind, h.i
  ), cum as (
    select hist.b, hist.g, hist.kind, hist.i,
           sum(hist.n) over (partition by hist.b, hist.g, hist.kind order by hist.i) as c,
           sum(hist.n) over (partition by hist.b, hist.g, hist.kind) as total
      from hist
  ), pct as (
    select cum.b, cum.g, cum.kind,
           min(cum.i) filter (where cum.c >= ceil(0.50 * cum.total)) as p50,
           min(cum.i) filter (where cum.c >= ceil(0.95 * cum.total)) as p95,
           min(cum.i) filter (where cum.c >= ceil(0.99 * cum.total)) as p99
      from cum group by cum.b, cum.g, cum.kind
  )
  select t.b, t.g, t.n, t.ok, t.err,
         round(t.err::numeric / nullif(t.n, 0), 4), round(t.ok::numeric / nullif(t.n, 0), 4),
         t.pt, t.ct, t.cached, t.rt, t.tt, t.cost, t.unpriced,
         round(t.lat_sum::numeric / nullif(t.lat_n, 0), 1),
         least(coalesce((private.latency_bounds())[l.p50], t.lat_max), t.lat_max),
         least(coalesce((private.latency_bounds())[l.p95], t.lat_max), t.lat_max),
         least(coalesce((private.latency_bounds())[l.p99], t.lat_max), t.lat_max),
         least(coalesce((private.latency_bounds())[f.p50], t.ttft_max), t.ttft_max),
         least(coalesce((private.latency_bounds())[f.p95], t.ttft_max), t.ttft_max),
         least(coalesce((private.latency_bounds())[f.p99], t.ttft_max), t.ttft_max)
    from totals t
    left join pct l on l.b = t.b and l.g is not distinct from t.g and l.kind = 'latency'
    left join pct f on f.b = t.b and f.g is not distinct from t.g and f.kind = 'ttft'
   order by t.b, t.g nulls first;
end
$$;
comment on function public.llm_analytics(uuid, timestamptz, timestamptz, text, text) is
  'Usage analytics of an account over [from, to) from llm_usage_hourly: per UTC hour|day|week bucket (all: one '
  'bucket for the whole range, for totals and their percentiles) and, with '
  'group_by (model|provider|user|end_user|feature|agent_instance|api_key|country), per group value: requests, '
  'successes, errors, rates, tokens, cost, average and p50/p95/p99 latency and time to first token (histogram '
  'percentiles, see llm_usage_hourly).';
revoke execute on function public.llm_analytics(uuid, timestamptz, timestamptz, text, text) from public, anon;
grant execute on function public.llm_analytics(uuid, timestamptz, timestamptz, text, text)
  to authenticated, service_role;

create function public.llm_error_patterns(
  account_id uuid,
  "from" timestamptz,
  "to" timestamptz,
  model text default null,
  per_model integer default 5
)
returns table (
  model_name text,
  error_code text,
  message text,
  occurrences bigint,
  first_seen timestamptz,
  last_seen timestamptz
)
language sql
stable
security invoker
set search_path = ''
as $$
  select s.model, s.error_code, s.message, s.occurrences, s.first_seen, s.last_seen
    from (
      select e.model::text as model, e.error_code, e.message, sum(e.occurrences)::bigint as occurrences,
             min(e.first_seen) as first_seen, max(e.last_seen) as last_seen,
             row_number() over (partition by e.model order by sum(e.occurrences) desc, max(e.last_seen) desc) as rank
        from public.llm_error_patterns_hourly e
       where e.account_id = llm_error_patterns.account_id
         and e.hour >= date_trunc('hour', llm_error_patterns."from", 'UTC') and e.hour < llm_error_patterns."to"
         and (llm_error_patterns.model is null or e.model = llm_error_patterns.model)
       group by e.model, e.error_code, e.message
    ) s
   where s.rank <= greatest(coalesce(llm_error_patterns.per_model, 5), 1)
   order by s.model, s.occurrences desc, s.last_seen desc
$$;
comment on function public.llm_error_patterns(uuid, timestamptz, timestamptz, text, integer) is
  'Top error codes and normalised messages per model of an account over [from, to), with occurrences and first/last '
  'seen (from llm_error_patterns_hourly).';
revoke execute on function public.llm_error_patterns(uuid, timestamptz, timestamptz, text, integer) from public, anon;
grant execute on function public.llm_error_patterns(uuid, timestamptz, timestamptz, text, integer)
  to authenticated, service_role;
