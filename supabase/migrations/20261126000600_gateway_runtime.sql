-- Runtime support for the llm-proxy gateway: cache invalidation and the ledger's dead letters.

-- The proxy caches API keys, memberships, account settings and prices in memory so an authorized
-- call costs no database round trip. Any change to those tables notifies `gateway_cache`, and every
-- running function instance drops its caches at once (functions/_shared/runtime/cache.ts): a revoked key or
-- a removed member is refused on the next call, not after a TTL. Every cache-notify trigger lives
-- here, whichever migration creates its table: this is the one list of what the functions cache.
create function private.notify_gateway_cache() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  perform pg_notify('gateway_cache', tg_table_name);
  return null;
end
$$;

comment on function private.notify_gateway_cache() is
  'Statement trigger: tells running llm-proxy instances to drop their auth/price caches.';
revoke execute on function private.notify_gateway_cache() from public, anon, authenticated;

do $$
declare
  t text;
begin
  foreach t in array array['user_roles', 'roles', 'accounts', 'account_settings', 'model_prices',
                           'account_model_prices']
  loop
    execute format(
      'create trigger notify_gateway_cache after insert or update or delete or truncate on public.%I '
      'for each statement execute function private.notify_gateway_cache()', t);
  end loop;
end;
$$;

-- Only changes that matter for authentication: the ledger stamps last_used_at on every batch, and
-- that must not flush every instance's caches.
create trigger notify_gateway_cache
  after insert or delete or truncate or update of account_id, key_hash, revoked_at, expires_at, allowed_models on public.api_keys
  for each statement execute function private.notify_gateway_cache();

-- A suspended or deleted user (and the keys they created) is refused at once; sign-ins, which update
-- last_login_at, do not flush the caches.
create trigger notify_gateway_cache
  after delete or truncate or update of status on public.users
  for each statement execute function private.notify_gateway_cache();

-- The chat caches instances (config, status, template schema) like llm-proxy caches keys: changes
-- notify `gateway_cache` so every running function drops its caches at once. last_used_at, which
-- the chat itself stamps, is left out so it does not flush caches on every call.
create trigger notify_gateway_cache
  after insert or delete or truncate
     or update of account_id, template_id, instance_slug, agent_type, status, config on public.agent_instances
  for each statement execute function private.notify_gateway_cache();
create trigger notify_gateway_cache
  after insert or update or delete or truncate on public.agent_templates
  for each statement execute function private.notify_gateway_cache();

-- A log row Postgres refuses for any reason other than a lost connection is kept here with the
-- reason instead of being dropped (or blocking the rows behind it), for an operator to inspect and
-- replay. The payload is JSON text, not jsonb: text stores any payload, including strings jsonb
-- refuses (\u0000, lone surrogates) and nesting deeper than jsonb's parser allows.
create table private.ledger_dead_letters (
  id uuid primary key default gen_random_uuid(),
  request_id uuid not null unique,
  payload text not null,
  error text not null,
  created_at timestamptz not null default now()
);

comment on table private.ledger_dead_letters is
  'Ledger rows (llm_requests + ai_interactions) that Postgres rejected; kept for inspection and replay.';
comment on column private.ledger_dead_letters.request_id is 'The llm_requests.id (x-request-id) of the rejected row.';
comment on column private.ledger_dead_letters.payload is
  'The rows exactly as the proxy tried to insert them, as JSON text (cast to jsonb to query one that has no \u0000).';
comment on column private.ledger_dead_letters.error is 'SQLSTATE and message Postgres returned.';
comment on column private.ledger_dead_letters.created_at is 'When the row was dead-lettered.';

revoke all on private.ledger_dead_letters from public, anon, authenticated;
grant select, insert on private.ledger_dead_letters to service_role;
