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
