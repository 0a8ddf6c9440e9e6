-- The interaction log's read side (issue 13): get_ai_interactions, the seed's `getAIInteractions`
-- for supabase-js (`.rpc('get_ai_interactions', {...})`) and for the `interactions` Edge Function,
-- which calls it inside `asUser` so the same row-level security answers both.

-- ---------------------------------------------------------------------------------------------------
-- get_ai_interactions: filtered, newest first, keyset-paginated.
-- Security invoker: RLS on ai_interactions decides what the caller sees (history readers the
-- account's rows, other members their own). The SQL is built with only the filters given, so each
-- call is planned for its shape and uses the matching idx_ai_interactions_account_* index.
-- The cursor is "<timestamp in epoch microseconds>.<id>" of the last row of a page: the next page
-- is every row strictly older in (timestamp, id) order, so rows inserted meanwhile (newer) never
-- shift or repeat a page.
-- ---------------------------------------------------------------------------------------------------
create type public.ai_interaction_item as (
  id uuid,
  "timestamp" timestamptz,
  account_id uuid,
  user_id uuid,
  status text,
  model_name text,
  provider text,
  latency_ms integer,
  error_code text,
  error_message text,
  request jsonb,
  response jsonb,
  file_metadata jsonb,
  prompt_hash text,
  properties jsonb,
  conversation_id text,
  country text,
  llm_request_id uuid,
  next_cursor text
);
comment on type public.ai_interaction_item is
  'A row of get_ai_interactions: the ai_interactions columns a reader sees, plus next_cursor (this row''s keyset position).';

create function public.get_ai_interactions(
  account_id uuid,
  user_id uuid default null,
  status text default null,
  model text default null,
  provider text default null,
  "from" timestamptz default null,
  "to" timestamptz default null,
  feature text default null,
  conversation_id text default null,
  min_latency_ms integer default null,
  "limit" integer default 50,
  cursor text default null
)
returns setof public.ai_interaction_item
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  q text;
  cursor_ts timestamptz;
  cursor_id uuid;
  page_size integer := coalesce(get_ai_interactions."limit", 50);
begin
  if get_ai_interactions.account_id is null then
    raise exception 'account_id is required' using errcode = '22023';
  end if;
  if page_size < 1 or page_size > 500 then
    raise exception 'limit must be between 1 and 500 (got %)', page_size using errcode = '22023';
  end if;
  if get_ai_interactions.status is not null and get_ai_interactions.status not in ('success', 'error', 'partial') then
    raise exception 'status must be success, error or partial' using errcode = '22023';
  end if;
  if get_ai_interactions.cursor is not null then
    if get_ai_interactions.cursor !~ '^[0-9]{1,18}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
      raise exception 'invalid cursor' using errcode = '22023';
    end if;
    cursor_ts := timestamptz 'epoch' + (split_part(get_ai_interactions.cursor, '.', 1) || ' microseconds')::interval;
    cursor_id := split_part(get_ai_interactions.cursor, '.', 2)::uuid;
  end if;

  q := 'select i.id, i."timestamp", i.account_id, i.user_id, i.status, i.model_name, i.provider, i.latency_ms,
               i.error_code, i.error_message, i.request, i.response, i.file_metadata, i.prompt_hash,
               i.properties, i.conversation_id, i.country, i.llm_request_id,
               ((extract(epoch from i."timestamp") * 1000000)::bigint)::text || ''.'' || i.id::text
          from public.ai_interactions i
         where i.account_id = $1';
  if get_ai_interactions.user_id is not null then q := q || ' and i.user_id = $2'; end if;
  if get_ai_interactions.status is not null then q := q || ' and i.status = $3'; end if;
  if get_ai_interactions.model is not null then q := q || ' and i.model_name = $4'; end if;
  if get_ai_interactions.provider is not null then q := q || ' and i.provider = $5'; end if;
  if get_ai_interactions."from" is not null then q := q || ' and i."timestamp" >= $6'; end if;
  if get_ai_interactions."to" is not null then q := q || ' and i."timestamp" < $7'; end if;
  if get_ai_interactions.feature is not null then q := q || ' and (i.properties ->> ''feature'') = $8'; end if;
  if get_ai_interactions.conversation_id is not null then q := q || ' and i.conversation_id = $9'; end if;
  if get_ai_interactions.min_latency_ms is not null then q := q || ' and i.latency_ms >= $10'; end if;
  if cursor_ts is not null then q := q || ' and (i."timestamp", i.id) < ($11, $12)'; end if;
  q := q || ' order by i."timestamp" desc, i.id desc limit $13';

  return query execute q using
    get_ai_interactions.account_id, get_ai_interactions.user_id, get_ai_interactions.status,
    get_ai_interactions.model, get_ai_interactions.provider, get_ai_interactions."from", get_ai_interactions."to",
    get_ai_interactions.feature, get_ai_interactions.conversation_id, get_ai_interactions.min_latency_ms,
    cursor_ts, cursor_id, page_size;
end
$$;
comment on function public.get_ai_interactions(uuid, uuid, text, text, text, timestamptz, timestamptz, text, text, integer, integer, text) is
  'The seed''s getAIInteractions: one account''s interactions, newest first, filtered (user_id, status, model, provider, from (inclusive), to (exclusive), feature = properties->>''feature'', conversation_id, min_latency_ms), limit 1..500 (default 50). Each row carries next_cursor: pass the last row''s as cursor for the next page. Security invoker: RLS applies.';
revoke execute on function public.get_ai_interactions(uuid, uuid, text, text, text, timestamptz, timestamptz, text, text, integer, integer, text)
  from public, anon;
grant execute on function public.get_ai_interactions(uuid, uuid, text, text, text, timestamptz, timestamptz, text, text, integer, integer, text)
  to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- Geography. The gateway fills `country` from the platform's geo header when one is configured
-- (GEO_COUNTRY_HEADER); otherwise it is derived here from the client address, with an IP-to-country
-- table loaded by `npm run geoip:load` (like prices: data, not migrations). Ranges are inclusive
-- and never overlap, so the range holding an address is the one with the greatest start <= it.
-- ---------------------------------------------------------------------------------------------------
create table private.ip_country_ranges (
  start_ip inet primary key,
  end_ip inet not null,
  country text not null check (country ~ '^[A-Z]{2}$'),
  check (family(start_ip) = family(end_ip) and start_ip <= end_ip)
);
comment on table private.ip_country_ranges is
  'IP ranges (inclusive) and their ISO country, loaded by scripts/load-geoip.ts from @ip-location-db/geo-whois-asn-country (data CC BY 4.0, NRO). Server-only.';
revoke all on private.ip_country_ranges from public, anon, authenticated;
grant select on private.ip_country_ranges to service_role;

create function private.ip_country(ip inet) returns text
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select r.country
    from (select c.country, c.end_ip from private.ip_country_ranges c
           where c.start_ip <= ip order by c.start_ip desc limit 1) r
   where ip <= r.end_ip
$$;
comment on function private.ip_country(inet) is 'Country of an address from private.ip_country_ranges, or null.';
revoke execute on function private.ip_country(inet) from public, anon, authenticated;
grant execute on function private.ip_country(inet) to service_role;

-- One BEFORE INSERT trigger prepares every log row: the country from the address when the gateway
-- did not have one, then the address dropped when the account asks for that.
create function private.prepare_log_row() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  drop_ip boolean;
begin
  select s.drop_ip_after_geo into drop_ip from public.account_settings s where s.account_id = new.account_id;
  if new.country is null and new.ip_address is not null then
    new.country := private.ip_country(new.ip_address);
  end if;
  if coalesce(drop_ip, false) then
    new.ip_address := null;
  end if;
  return new;
end
$$;
comment on function private.prepare_log_row() is
  'Trigger on llm_requests/ai_interactions: derives country from ip_address when absent; clears ip_address for accounts with drop_ip_after_geo.';
revoke execute on function private.prepare_log_row() from public, anon, authenticated;

create trigger llm_requests_prepare_row before insert on public.llm_requests
  for each row execute function private.prepare_log_row();
create trigger ai_interactions_prepare_row before insert on public.ai_interactions
  for each row execute function private.prepare_log_row();

-- ---------------------------------------------------------------------------------------------------
-- Retention and partition upkeep: private.run_log_maintenance(), every few minutes (pg_cron on
-- Supabase, `npm start` locally).
-- 1. Creates the coming months' partitions (and moves back-dated rows out of the defaults).
-- 2. Drops a monthly partition once every account with rows in it has a retention that expired the
--    whole month (an account with retention_days null keeps it). Dropping a partition briefly locks
--    its parent, so it waits at most lock_timeout (500 ms) and is retried on the next run otherwise.
-- 3. Otherwise deletes the rows older than each account's retention in batches (at most
--    batch_size * max_batches rows per table and account per run; the rest go on the next run):
--    llm_requests, ai_interactions and messages rows; the feature tables keep their rows (ratings,
--    feedback and costs stay) but lose their payloads (question/response, input/output,
--    prompt/response/context).
-- Rollups (llm_usage_daily, llm_usage_hourly, llm_error_patterns_hourly) are never touched.
-- Safe to run twice at once: a second caller finds the advisory lock taken and returns at once.
-- ---------------------------------------------------------------------------------------------------
create function private.run_log_maintenance(batch_size integer default 5000, max_batches integer default 20)
  returns jsonb
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  part record;
  acct record;
  keep boolean;
  cutoff timestamptz;
  n bigint;
  batches integer;
  created integer;
  dropped text[] := '{}';
  busy text[] := '{}';
  deleted jsonb := '{}'::jsonb;
  total bigint;
  caller_lock_timeout text := current_setting('lock_timeout');
begin
  if not pg_try_advisory_xact_lock(hashtext('private.run_log_maintenance')) then
    return jsonb_build_object('skipped', true);
  end if;
  created := private.ensure_log_partitions(3);

  -- Whole months: only partitions of months that ended, oldest first.
  for part in
    select c.relname as name, p.relname as parent,
           (to_date(right(c.relname, 7), 'YYYY_MM') + interval '1 month')::timestamp at time zone 'UTC' as hi
      from pg_inherits i
      join pg_class c on c.oid = i.inhrelid
      join pg_class p on p.oid = i.inhparent
      join pg_namespace pn on pn.oid = p.relnamespace
     where pn.nspname = 'public' and p.relname in ('llm_requests', 'ai_interactions')
       and c.relname ~ '_[0-9]{4}_[0-9]{2}$'
     order by 3
  loop
    exit when part.hi > now();
    execute format(
      'select exists (select 1 from public.account_settings s
                       where (s.retention_days is null or $1 > now() - make_interval(days => s.retention_days))
                         and exists (select 1 from private.%I r where r.account_id = s.account_id))', part.name)
      into keep using part.hi;
    continue when keep;
    begin
      perform set_config('lock_timeout', '500ms', true);
      execute format('drop table private.%I', part.name);
      dropped := dropped || part.name;
    exception when lock_not_available then
      busy := busy || part.name;
    end;
    perform set_config('lock_timeout', caller_lock_timeout, true);
  end loop;

  -- Row by row (in batches) for what whole partitions could not take.
  for acct in select s.account_id, s.retention_days from public.account_settings s where s.retention_days is not null loop
    cutoff := now() - make_interval(days => acct.retention_days);

    batches := 0; total := 0;
    loop
      delete from public.llm_requests r
       where (r.id, r.created_at) in (select x.id, x.created_at from public.llm_requests x
                                       where x.account_id = acct.account_id and x.created_at < cutoff limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    deleted := jsonb_set(deleted, '{llm_requests}', to_jsonb(coalesce((deleted ->> 'llm_requests')::bigint, 0) + total));

    batches := 0; total := 0;
    loop
      delete from public.ai_interactions r
       where (r.id, r."timestamp") in (select x.id, x."timestamp" from public.ai_interactions x
                                        where x.account_id = acct.account_id and x."timestamp" < cutoff limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    deleted := jsonb_set(deleted, '{ai_interactions}', to_jsonb(coalesce((deleted ->> 'ai_interactions')::bigint, 0) + total));

    batches := 0; total := 0;
    loop
      delete from public.messages m
       where m.id in (select x.id from public.messages x
                       where x.account_id = acct.account_id and x.created_at < cutoff limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    deleted := jsonb_set(deleted, '{messages}', to_jsonb(coalesce((deleted ->> 'messages')::bigint, 0) + total));

    batches := 0; total := 0;
    loop
      update public.ai_mentor_chats c set question = '', response = '', conversation_context = null
       where c.id in (select x.id from public.ai_mentor_chats x
                       where x.account_id = acct.account_id and x.created_at < cutoff
                         and (x.question <> '' or x.response <> '' or x.conversation_context is not null)
                       limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    batches := 0;
    loop
      update public.guru_interactions g set input = '{}'::jsonb, output = '{}'::jsonb
       where g.id in (select x.id from public.guru_interactions x
                       where x.org_id = acct.account_id and x.created_at < cutoff
                         and (x.input <> '{}'::jsonb or x.output <> '{}'::jsonb)
                       limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    batches := 0;
    loop
      update public.employee_twin_interactions t set prompt = null, response = '', context = null
       where t.id in (select x.id from public.employee_twin_interactions x
                       where x.org_id = acct.account_id and x.created_at < cutoff
                         and (x.prompt is not null or x.response <> '' or x.context is not null)
                       limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    deleted := jsonb_set(deleted, '{feature_payloads}', to_jsonb(coalesce((deleted ->> 'feature_payloads')::bigint, 0) + total));
  end loop;

  return jsonb_build_object('skipped', false, 'partitions_created', created, 'partitions_dropped', to_jsonb(dropped),
                            'partitions_busy', to_jsonb(busy), 'purged', deleted);
end
$$;
comment on function private.run_log_maintenance(integer, integer) is
  'Partition upkeep and retention (account_settings.retention_days) for llm_requests, ai_interactions, messages and feature payloads; rollups kept. Advisory-locked: concurrent calls return {"skipped": true}.';
revoke execute on function private.run_log_maintenance(integer, integer) from public, anon, authenticated;
grant execute on function private.run_log_maintenance(integer, integer) to service_role;

-- On Supabase (pg_cron available), every 10 minutes. Elsewhere (local Postgres has no pg_cron),
-- `npm start` runs it on an interval.
do $$
begin
  if exists (select 1 from pg_available_extensions where name = 'pg_cron') then
    create extension if not exists pg_cron;
    perform cron.schedule('log-maintenance', '*/10 * * * *', 'select private.run_log_maintenance()');
  end if;
end
$$;
