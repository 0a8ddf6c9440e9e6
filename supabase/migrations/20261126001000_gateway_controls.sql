-- Gateway controls: budgets and rate limits on llm-proxy calls (requests, tokens and USD per minute,
-- hour, day and calendar month), tier defaults, and the counters that make them exact under
-- concurrency. The design (reservations in chunks, settlement) is described in supabase/README.md
-- ("Budgets and rate limits"); functions/_shared/controls/limits.ts is the client side.

-- ---------------------------------------------------------------------------------------------------
-- tier_limits: what an account of each subscription tier may use without any configuration.
-- An operator's account-scope limit for the same period replaces the tier's (to raise or lower it
-- for one customer); limits an account sets for itself only add to it.
-- ---------------------------------------------------------------------------------------------------
create table public.tier_limits (
  id uuid primary key default gen_random_uuid(),
  tier varchar not null check (tier in ('free', 'standard', 'premium', 'enterprise')),
  period text not null check (period in ('minute', 'hour', 'day', 'month')),
  max_requests bigint check (max_requests >= 0),
  max_tokens bigint check (max_tokens >= 0),
  max_cost_usd numeric check (max_cost_usd >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tier_limits_tier_period_key unique (tier, period),
  constraint tier_limits_something_limited check (num_nonnulls(max_requests, max_tokens, max_cost_usd) > 0)
);
create trigger tier_limits_set_updated_at before update on public.tier_limits
  for each row execute function private.set_updated_at();

comment on table public.tier_limits is 'Default usage limits per subscription tier (accounts.subscription_tier), applied to the whole account. Operator-managed (service_role); readable by signed-in users.';
comment on column public.tier_limits.tier is 'Subscription tier: free|standard|premium|enterprise.';
comment on column public.tier_limits.period is 'Window the limit counts in: the current UTC minute, hour, day or calendar month.';
comment on column public.tier_limits.max_requests is 'Most calls forwarded per window (null = no request limit).';
comment on column public.tier_limits.max_tokens is 'Most tokens (prompt + completion) per window (null = none).';
comment on column public.tier_limits.max_cost_usd is 'Most spend in USD (computed cost) per window (null = none).';

insert into public.tier_limits (tier, period, max_requests, max_tokens, max_cost_usd) values
  ('free', 'minute', 60, null, null),
  ('free', 'day', 2000, null, null),
  ('free', 'month', null, null, 5),
  ('standard', 'minute', 600, null, null),
  ('standard', 'month', null, null, 500),
  ('premium', 'minute', 3000, null, null),
  ('premium', 'month', null, null, 5000);

-- ---------------------------------------------------------------------------------------------------
-- tier_defaults: other per-tier defaults of the gateway.
-- ---------------------------------------------------------------------------------------------------
create table public.tier_defaults (
  id uuid primary key default gen_random_uuid(),
  tier varchar not null unique check (tier in ('free', 'standard', 'premium', 'enterprise')),
  max_concurrent_calls integer check (max_concurrent_calls > 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create trigger tier_defaults_set_updated_at before update on public.tier_defaults
  for each row execute function private.set_updated_at();

comment on table public.tier_defaults is 'Gateway defaults per subscription tier besides usage limits. Operator-managed (service_role); readable by signed-in users.';
comment on column public.tier_defaults.tier is 'Subscription tier: free|standard|premium|enterprise.';
comment on column public.tier_defaults.max_concurrent_calls is 'Most upstream calls an account has in flight at once, per llm-proxy instance (null = no cap); account_settings.max_concurrent_calls overrides it.';

insert into public.tier_defaults (tier, max_concurrent_calls) values
  ('free', 5), ('standard', 20), ('premium', 50), ('enterprise', null);

-- ---------------------------------------------------------------------------------------------------
-- usage_limits: limits set for one account, at four scopes. Every limit that applies to a call is
-- enforced (they add up, the strictest wins), so a limit an owner or admin adds can only restrict:
-- rows with set_by = 'operator' are the operator's caps (service_role only) and replace the tier
-- default of their period when they are account-wide.
-- ---------------------------------------------------------------------------------------------------
create table public.usage_limits (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  scope text not null check (scope in ('account', 'api_key', 'user', 'end_user')),
  subject text check (length(subject) between 1 and 512),
  period text not null check (period in ('minute', 'hour', 'day', 'month')),
  max_requests bigint check (max_requests >= 0),
  max_tokens bigint check (max_tokens >= 0),
  max_cost_usd numeric check (max_cost_usd >= 0),
  set_by text not null default 'account' check (set_by in ('account', 'operator')),
  created_by uuid references public.users (id) on delete set null default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint usage_limits_something_limited check (num_nonnulls(max_requests, max_tokens, max_cost_usd) > 0),
  constraint usage_limits_account_has_no_subject check (scope <> 'account' or subject is null)
);
create index idx_usage_limits_account on public.usage_limits (account_id, scope);
create index idx_usage_limits_created_by on public.usage_limits (created_by);
-- The write policies tell the account's rows from the operator's by set_by.
create index idx_usage_limits_set_by on public.usage_limits (set_by, account_id);
create trigger usage_limits_set_updated_at before update on public.usage_limits
  for each row execute function private.set_updated_at();

comment on table public.usage_limits is 'Budgets and rate limits of an account''s llm-proxy calls. Every applicable limit is enforced before a call is forwarded (429 when one would be exceeded). Owners and admins (manage_instances) add their own (set_by = account); operator caps (set_by = operator) are service_role''s.';
comment on column public.usage_limits.account_id is 'Account the limit belongs to.';
comment on column public.usage_limits.scope is 'What is counted: the whole account, one API key, one user (JWT callers), or one end user (the body''s `user` field).';
comment on column public.usage_limits.subject is 'The API key id, user id or end-user string the limit is for; null for account scope, and for the other scopes "each key / user / end user separately".';
comment on column public.usage_limits.period is 'Window: the current UTC minute, hour, day or calendar month.';
comment on column public.usage_limits.max_requests is 'Most calls forwarded per window (null = no request limit).';
comment on column public.usage_limits.max_tokens is 'Most tokens (prompt + completion) per window (null = none).';
comment on column public.usage_limits.max_cost_usd is 'Most spend in USD per window (null = none).';
comment on column public.usage_limits.set_by is 'account: set by the account''s owners/admins; operator: the platform''s cap (replaces the tier default for an account-wide limit of the same period).';
comment on column public.usage_limits.created_by is 'User who created the limit (null for the operator''s).';

-- ---------------------------------------------------------------------------------------------------
-- usage_counters: what has been reserved per limit and window. Function instances reserve here in
-- chunks (private.reserve_usage) and hand out the chunk from memory; near a limit every call
-- reserves exactly what it needs. Server-only.
-- ---------------------------------------------------------------------------------------------------
create table private.usage_counters (
  counter_key text not null,
  window_start timestamptz not null,
  account_id uuid not null references public.accounts (id) on delete cascade,
  requests bigint not null default 0,
  tokens bigint not null default 0,
  cost_usd numeric not null default 0,
  updated_at timestamptz not null default now(),
  primary key (counter_key, window_start)
);
create index idx_usage_counters_account on private.usage_counters (account_id);

comment on table private.usage_counters is 'Usage reserved per limit (counter_key: limit id or tier default, plus subject) and window; reservations are settled with the real usage once calls finish.';
comment on column private.usage_counters.counter_key is 'Which limit and subject: `<usage_limits.id>:<subject>` or `tier:<period>:<account_id>`.';
comment on column private.usage_counters.window_start is 'Start of the UTC minute, hour, day or month counted.';
comment on column private.usage_counters.account_id is 'Account the counter belongs to.';
comment on column private.usage_counters.requests is 'Requests reserved (granted to function instances) in the window.';
comment on column private.usage_counters.tokens is 'Tokens reserved (estimates, corrected to real usage at settlement).';
comment on column private.usage_counters.cost_usd is 'USD reserved (estimates, corrected to real cost at settlement).';
comment on column private.usage_counters.updated_at is 'Last reservation or settlement.';

alter table private.usage_counters enable row level security;
revoke all on private.usage_counters from public, anon, authenticated;
grant all on private.usage_counters to service_role;

-- Reserves usage on several counters at once, all or nothing. Each item:
--   {key, account_id, window_start, max_requests, max_tokens, max_cost_usd,
--    need_requests, need_tokens, need_cost_usd,     -- granted only if every item fits
--    charge_tokens, charge_cost_usd}                -- applied in any case (settling overruns)
-- A granted item also gets a spare chunk for the caller's local allowance while the counter is far
-- from its limit: an eighth of what would remain, at most 50 times the need. Rows are locked in key
-- order, so concurrent reservations on overlapping counters never deadlock.
create function private.reserve_usage(items jsonb) returns jsonb
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  it jsonb;
  c private.usage_counters;
  fits boolean := true;
  failed text;
  result jsonb := '[]'::jsonb;
  g_req bigint;
  g_tok bigint;
  g_cost numeric;
begin
  insert into private.usage_counters (counter_key, window_start, account_id)
  select i->>'key', (i->>'window_start')::timestamptz, (i->>'account_id')::uuid
    from jsonb_array_elements(items) i
   order by 1
  on conflict do nothing;
  perform 1 from private.usage_counters u
    join jsonb_array_elements(items) i on u.counter_key = i->>'key' and u.window_start = (i->>'window_start')::timestamptz
   order by u.counter_key
     for update of u;
  -- Windows that ended are of no use any more: drop them as their counters roll over.
  delete from private.usage_counters u
   using jsonb_array_elements(items) i
   where u.counter_key = i->>'key' and u.window_start < (i->>'window_start')::timestamptz;

  for it in select value from jsonb_array_elements(items) order by value->>'key' loop
    select * into c from private.usage_counters
     where counter_key = it->>'key' and window_start = (it->>'window_start')::timestamptz;
    if (it->>'max_requests')::bigint < c.requests + coalesce((it->>'need_requests')::bigint, 0)
       or (it->>'max_tokens')::bigint < c.tokens + coalesce((it->>'charge_tokens')::bigint, 0)
                                         + coalesce((it->>'need_tokens')::bigint, 0)
       or (it->>'max_cost_usd')::numeric < c.cost_usd + coalesce((it->>'charge_cost_usd')::numeric, 0)
                                            + coalesce((it->>'need_cost_usd')::numeric, 0) then
      fits := false;
      failed := it->>'key';
      exit;
    end if;
  end loop;

  for it in select value from jsonb_array_elements(items) order by value->>'key' loop
    select * into c from private.usage_counters
     where counter_key = it->>'key' and window_start = (it->>'window_start')::timestamptz;
    g_req := 0;
    g_tok := 0;
    g_cost := 0;
    if fits then
      g_req := coalesce((it->>'need_requests')::bigint, 0);
      g_tok := coalesce((it->>'need_tokens')::bigint, 0);
      g_cost := coalesce((it->>'need_cost_usd')::numeric, 0);
      g_req := g_req + least(g_req * 50, greatest(0,
        ((it->>'max_requests')::bigint - c.requests - g_req) / 8));
      g_tok := g_tok + least(g_tok * 50, greatest(0,
        ((it->>'max_tokens')::bigint - c.tokens - coalesce((it->>'charge_tokens')::bigint, 0) - g_tok) / 8));
      g_cost := g_cost + least(g_cost * 50, greatest(0, round(
        ((it->>'max_cost_usd')::numeric - c.cost_usd - coalesce((it->>'charge_cost_usd')::numeric, 0) - g_cost) / 8,
        12)));
    end if;
    update private.usage_counters u
       set requests = u.requests + coalesce(g_req, 0),
           tokens = u.tokens + coalesce((it->>'charge_tokens')::bigint, 0) + coalesce(g_tok, 0),
           cost_usd = u.cost_usd + coalesce((it->>'charge_cost_usd')::numeric, 0) + coalesce(g_cost, 0),
           updated_at = now()
     where u.counter_key = it->>'key' and u.window_start = (it->>'window_start')::timestamptz
    returning * into c;
    result := result || jsonb_build_object(
      'key', c.counter_key, 'requests', c.requests, 'tokens', c.tokens, 'cost_usd', c.cost_usd::text,
      'granted_requests', coalesce(g_req, 0), 'granted_tokens', coalesce(g_tok, 0),
      'granted_cost_usd', coalesce(g_cost, 0)::text);
  end loop;
  return jsonb_build_object('ok', fits, 'failed', failed, 'items', result);
end
$$;
comment on function private.reserve_usage(jsonb) is 'Reserves usage on several counters, all or nothing, plus a spare chunk while far from the limit; always applies the charges (settled overruns). Called by llm-proxy when its local allowance runs out.';

-- Settles finished calls whose counters were near their limit: the difference between the real
-- usage and the reservation (negative when the estimate was above it) goes back to the counter.
-- PL/pgSQL, like reserve_usage, so the statement's plan is kept for the session: a security-definer
-- SQL function plans its body in every query that calls it, here one per settled call.
create function private.settle_usage(items jsonb) returns void
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  update private.usage_counters u
     set tokens = greatest(0, u.tokens + s.tokens),
         cost_usd = greatest(0, u.cost_usd + s.cost_usd),
         updated_at = now()
    from (select i->>'key' as counter_key, (i->>'window_start')::timestamptz as window_start,
                 sum(coalesce((i->>'tokens')::bigint, 0)) as tokens, sum(coalesce((i->>'cost_usd')::numeric, 0)) as cost_usd
            from jsonb_array_elements(items) i group by 1, 2) s
   where u.counter_key = s.counter_key and u.window_start = s.window_start;
end
$$;
comment on function private.settle_usage(jsonb) is 'Applies settlements {key, window_start, tokens, cost_usd} (real usage minus reservation) to usage counters.';

revoke execute on function private.reserve_usage(jsonb), private.settle_usage(jsonb) from public, anon, authenticated;
grant execute on function private.reserve_usage(jsonb), private.settle_usage(jsonb) to service_role;

-- ---------------------------------------------------------------------------------------------------
-- response_cache: llm-proxy's exact-match answer cache (opt-in: x-cache-ttl or
-- account_settings.cache_ttl_seconds). Keyed by account and a hash of the normalised request; holds
-- the bytes the client received (a JSON body or the SSE stream, replayed as such). Bounded: entries
-- up to RESPONSE_CACHE_MAX_ENTRY_BYTES, the newest RESPONSE_CACHE_MAX_ENTRIES per account, expired
-- rows dropped as new ones are stored. Unlogged: a cache need not survive a crash. Server-only.
-- ---------------------------------------------------------------------------------------------------
create unlogged table private.response_cache (
  account_id uuid not null references public.accounts (id) on delete cascade,
  cache_key text not null check (cache_key ~ '^[0-9a-f]{64}$'),
  content_type text not null,
  body text not null,
  model text not null,
  cost_usd numeric,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (account_id, cache_key)
);
create index idx_response_cache_account_created on private.response_cache (account_id, created_at desc);

comment on table private.response_cache is 'llm-proxy response cache: answers replayed for identical requests of the same account until they expire.';
comment on column private.response_cache.account_id is 'Account whose call produced the answer (entries are never shared across accounts).';
comment on column private.response_cache.cache_key is 'SHA-256 (hex) of the normalised request: every body field except user and metadata, keys sorted.';
comment on column private.response_cache.content_type is 'application/json or text/event-stream: how the answer is replayed.';
comment on column private.response_cache.body is 'The bytes the client received (UTF-8).';
comment on column private.response_cache.model is 'Model that produced the answer.';
comment on column private.response_cache.cost_usd is 'Computed cost of the original call: what each hit saves.';
comment on column private.response_cache.created_at is 'When the answer was stored.';
comment on column private.response_cache.expires_at is 'When the entry stops being served.';

alter table private.response_cache enable row level security;
revoke all on private.response_cache from public, anon, authenticated;
grant all on private.response_cache to service_role;

-- ---------------------------------------------------------------------------------------------------
-- RLS and grants
-- ---------------------------------------------------------------------------------------------------
alter table public.tier_limits enable row level security;
alter table public.tier_defaults enable row level security;
alter table public.usage_limits enable row level security;
revoke all on public.tier_limits, public.tier_defaults, public.usage_limits from anon, authenticated;
grant all on public.tier_limits, public.tier_defaults, public.usage_limits to service_role;

grant select on public.tier_limits, public.tier_defaults to authenticated;
create policy "tier_limits: signed-in users read" on public.tier_limits for select to authenticated
  using (true);
create policy "tier_defaults: signed-in users read" on public.tier_defaults for select to authenticated
  using (true);

-- Members read their account's limits (they are the reason a call was refused); owners and admins
-- (manage_instances) manage their own, never the operator's.
grant select on public.usage_limits to authenticated;
grant insert (account_id, scope, subject, period, max_requests, max_tokens, max_cost_usd) on public.usage_limits
  to authenticated;
grant update (scope, subject, period, max_requests, max_tokens, max_cost_usd) on public.usage_limits to authenticated;
grant delete on public.usage_limits to authenticated;
create policy "usage_limits: members read" on public.usage_limits for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "usage_limits: instance managers add" on public.usage_limits for insert to authenticated
  with check (set_by = 'account' and account_id in (select private.accounts_with_permission('manage_instances')));
create policy "usage_limits: instance managers change theirs" on public.usage_limits for update to authenticated
  using (set_by = 'account' and account_id in (select private.accounts_with_permission('manage_instances')))
  with check (set_by = 'account' and account_id in (select private.accounts_with_permission('manage_instances')));
create policy "usage_limits: instance managers remove theirs" on public.usage_limits for delete to authenticated
  using (set_by = 'account' and account_id in (select private.accounts_with_permission('manage_instances')));

-- Running proxies cache each account's limits; a change reaches them at once (see gateway_runtime).
create trigger notify_gateway_cache after insert or update or delete or truncate on public.usage_limits
  for each statement execute function private.notify_gateway_cache();
create trigger notify_gateway_cache after insert or update or delete or truncate on public.tier_limits
  for each statement execute function private.notify_gateway_cache();
create trigger notify_gateway_cache after insert or update or delete or truncate on public.tier_defaults
  for each statement execute function private.notify_gateway_cache();
