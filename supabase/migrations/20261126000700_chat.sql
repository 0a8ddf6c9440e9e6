-- Runtime support for the `chat` edge function (functions/chat): profile array merging and abuse
-- counters. (Its per-session usage rows live with agent_usage_log, its widget origins in the agent
-- templates' schema, its cache invalidation with the others in the gateway runtime migration.)

-- Interest arrays grow without duplicates: case-insensitive, the first spelling and order kept.
create function private.append_distinct(current_values text[], new_values text[]) returns text[]
  language sql
  immutable
  security invoker
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
