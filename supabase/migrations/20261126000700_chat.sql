-- Runtime support for the `chat` edge function (functions/chat): per-session usage aggregation,
-- profile array merging, abuse counters, widget origins, and cache invalidation for instances.

-- ---------------------------------------------------------------------------------------------------
-- agent_usage_log: one row per (session, instance), accumulated by the ledger's batch upsert
-- (functions/_shared/ledger.ts) instead of a row per request. NULLs stay distinct, so rows whose
-- session or instance was deleted (set null) never collide.
-- ---------------------------------------------------------------------------------------------------
create unique index idx_usage_log_session_instance on public.agent_usage_log (session_id, agent_instance_id);

alter table public.agent_usage_log add column updated_at timestamptz not null default now();
comment on column public.agent_usage_log.updated_at is 'When the last request was accumulated into this row (created_at: the first).';

-- Interest arrays grow without duplicates: case-insensitive, the first spelling and order kept.
create function private.append_distinct(current_values text[], new_values text[]) returns text[]
  language sql immutable
  set search_path = ''
as $$
  select coalesce(array_agg(d.v order by d.o), '{}')
    from (select distinct on (lower(u.v)) u.v, u.o
            from unnest(current_values || new_values) with ordinality as u(v, o)
           order by lower(u.v), u.o) d
$$;
comment on function private.append_distinct(text[], text[]) is 'current_values followed by the new_values not already in it (case-insensitive).';
revoke execute on function private.append_distinct(text[], text[]) from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------------
-- Fixed-window rate-limit counters for chat visitors who are not members of the account (per session,
-- per client address and per signed-in user). Private: only the function's service connection
-- touches it, one upsert per message.
-- ---------------------------------------------------------------------------------------------------
create table private.chat_rate_limits (
  bucket text not null,
  window_start timestamptz not null,
  hits integer not null default 1,
  primary key (bucket, window_start)
);
-- The upsert deletes a few expired windows each time; this finds them.
create index idx_chat_rate_limits_window on private.chat_rate_limits (window_start);

comment on table private.chat_rate_limits is 'Chat abuse limits: hits per bucket (s:<session id>, ip:<address> or u:<user id>) and fixed window.';
comment on column private.chat_rate_limits.bucket is 's:<session id>, ip:<trusted client address> or u:<signed-in user id>.';
comment on column private.chat_rate_limits.window_start is 'Start of the fixed window the hits count in.';
comment on column private.chat_rate_limits.hits is 'Messages received in the window.';
revoke all on private.chat_rate_limits from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------------
-- Widget origins: every template accepts `allowed_origins`. When set, the chat answers (and lets
-- browsers read answers) only for pages on those origins; a cookie-authenticated endpoint that echoes
-- any origin would let any site read a visitor's conversation where third-party cookies are shared.
-- ---------------------------------------------------------------------------------------------------
update public.agent_templates
   set config_schema = jsonb_set(config_schema, '{properties,allowed_origins}', jsonb_build_object(
         'type', 'array',
         'items', jsonb_build_object('type', 'string', 'pattern', '^https?://[^/]+$'),
         'uniqueItems', true,
         'description', 'Origins (scheme://host[:port]) allowed to embed this chat; empty or absent = any'));

-- ---------------------------------------------------------------------------------------------------
-- The chat caches instances (config, status, template schema) like llm-proxy caches keys: changes
-- notify `gateway_cache` so every running function drops its caches at once. last_used_at, which
-- the chat itself stamps, is left out so it does not flush caches on every call.
-- ---------------------------------------------------------------------------------------------------
create trigger notify_gateway_cache
  after insert or delete or truncate
     or update of account_id, template_id, instance_slug, agent_type, status, config on public.agent_instances
  for each statement execute function private.notify_gateway_cache();
create trigger notify_gateway_cache
  after insert or update or delete or truncate on public.agent_templates
  for each statement execute function private.notify_gateway_cache();
