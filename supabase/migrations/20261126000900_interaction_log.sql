-- The interaction log's read side: get_ai_interactions, the interaction-log specification's `getAIInteractions`
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
  'A row of get_ai_interactions: the ai_interactions columns a reader sees, plus next_cursor (this row''s keyset '
  'position).';

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
               i.error_code, i.error_message, private.decrypt_payload(i.account_id, i.request),
               private.decrypt_payload(i.account_id, i.response), i.file_metadata, i.prompt_hash,
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
comment on function public.get_ai_interactions(uuid, uuid, text, text, text, timestamptz, timestamptz, text,
  text, integer, integer, text) is
  'The interaction-log specification''s getAIInteractions: one account''s interactions, newest first, filtered (user_id, status, model, '
  'provider, from (inclusive), to (exclusive), feature = properties->>''feature'', conversation_id, min_latency_ms), '
  'limit 1..500 (default 50). Each row carries next_cursor: pass the last row''s as cursor for the next page. Security '
  'invoker: RLS applies.';
revoke execute on function public.get_ai_interactions(uuid, uuid, text, text, text, timestamptz, timestamptz, text,
  text, integer, integer, text)
  from public, anon;
grant execute on function public.get_ai_interactions(uuid, uuid, text, text, text, timestamptz, timestamptz, text,
  text, integer, integer, text)
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
  'IP ranges (inclusive) and their ISO country, loaded by scripts/load-geoip.ts from '
  '@ip-location-db/geo-whois-asn-country (data CC BY 4.0, NRO). Server-only.';
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

-- ---------------------------------------------------------------------------------------------------
-- Encryption of payloads (per account, opt-in: account_settings.encrypt_payloads). New rows of such
-- an account store ai_interactions.request/response (the one copy of a call's bodies, which
-- llm_requests.request_body/response_body read) as
--   {"$encrypted": "pgp_sym_aes256", "key_version": n, "data": "<base64 pgp_sym_encrypt output>"}
-- pgp_sym_encrypt is OpenPGP symmetric encryption (AES-256) with a modification detection code
-- (SHA-1 MDC, on by default): a changed ciphertext fails to decrypt instead of yielding other
-- plaintext. The key is random (256 bits), so no password stretching is needed (s2k-mode=1).
-- Each account encrypts with its own key, HMAC-SHA256(account_id, payload key): an envelope copied
-- into another account's row (or presented with another account id) does not decrypt.
-- Keys: `payload_key_v<n>` in Supabase Vault (vault.decrypted_secrets) when present there, else in
-- private.secrets (created here, like vector_db_connection_key); the highest n encrypts.
-- Readers: the security-invoker views ai_interactions_decrypted and llm_request_bodies, and
-- get_ai_interactions, decrypt for callers with view_history on the row's account (and for the
-- server); everyone else, Studio's table editor included, sees the envelope. The placeholder
-- {"omitted": true} of an account that does not log request bodies holds nothing and stays plain.
-- Rotation: private.rotate_payload_key() adds a version; private.reencrypt_payloads() rewrites old
-- envelopes (and plaintext rows of accounts that turned encryption on) in batches.
-- ---------------------------------------------------------------------------------------------------
insert into private.secrets (name, value)
values ('payload_key_v1', encode(extensions.gen_random_bytes(32), 'hex'))
on conflict (name) do nothing;

create function private.payload_key_versions() returns setof integer
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  if to_regclass('vault.decrypted_secrets') is not null then
    return query execute
      'select substr(name, 14)::integer from vault.decrypted_secrets where name ~ ''^payload_key_v[0-9]{1,9}$''';
  end if;
  return query select substr(s.name, 14)::integer from private.secrets s where s.name ~ '^payload_key_v[0-9]{1,9}$';
end
$$;
comment on function private.payload_key_versions() is
  'Versions of the payload encryption key held in Vault or private.secrets.';

create function private.payload_key(version integer) returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
declare
  k text;
begin
  if to_regclass('vault.decrypted_secrets') is not null then
    execute 'select decrypted_secret from vault.decrypted_secrets where name = $1'
       into k using 'payload_key_v' || version;
  end if;
  if k is null then
    select s.value into k from private.secrets s where s.name = 'payload_key_v' || version;
  end if;
  if k is null then
    raise exception 'payload key version % not found', version using errcode = '22023';
  end if;
  return k;
end
$$;
comment on function private.payload_key(integer) is
  'The payload encryption key of a version: Vault (payload_key_v<n>) first, then private.secrets.';

create function private.account_payload_key(account_id uuid, version integer) returns text
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select encode(extensions.hmac(account_id::text, private.payload_key(version), 'sha256'), 'hex')
$$;
comment on function private.account_payload_key(uuid, integer) is
  'The account''s payload key of a version: HMAC-SHA256 of the account id under the payload key.';

create function private.is_encrypted_payload(value jsonb) returns boolean
  language sql
  immutable
  set search_path = ''
as $$
  select coalesce(jsonb_typeof(value) = 'object' and value ? '$encrypted' and value ? 'key_version' and value ? 'data',
                  false)
$$;
comment on function private.is_encrypted_payload(jsonb) is 'Whether a stored body is an encryption envelope.';

create function private.encrypt_payload(account_id uuid, value jsonb) returns jsonb
  language plpgsql
  volatile
  security definer
  set search_path = ''
as $$
declare
  version integer := (select max(v) from private.payload_key_versions() v);
begin
  if value is null then
    return null;
  end if;
  return jsonb_build_object('$encrypted', 'pgp_sym_aes256', 'key_version', version, 'data',
    translate(encode(extensions.pgp_sym_encrypt(value::text, private.account_payload_key(account_id, version),
                                                'cipher-algo=aes256, s2k-mode=1'), 'base64'), E'\n', ''));
end
$$;
comment on function private.encrypt_payload(uuid, jsonb) is
  'Encrypts an account''s body into an envelope with the newest payload key.';

-- Server-side decryption, no permission check: never granted to clients. A value that is not an
-- envelope, or one that does not decrypt (tampered, or a client body that merely looks like one),
-- comes back unchanged: never as other plaintext.
create function private.payload_plaintext(account_id uuid, value jsonb) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  if not private.is_encrypted_payload(value) then
    return value;
  end if;
  return extensions.pgp_sym_decrypt(decode(value ->> 'data', 'base64'),
                                    private.account_payload_key(account_id, (value ->> 'key_version')::integer))::jsonb;
exception
  when external_routine_invocation_exception or data_exception then
    return value;
end
$$;
comment on function private.payload_plaintext(uuid, jsonb) is
  'Server only: the plaintext of an envelope (the value itself when it is none or does not decrypt).';

-- For readers: plaintext for history readers of the row's account and for the server (service_role,
-- the owner); the envelope for everyone else.
create function private.decrypt_payload(account_id uuid, value jsonb) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  if not private.is_encrypted_payload(value) then
    return value;
  end if;
  if current_setting('role') in ('authenticated', 'anon')
     and not account_id in (select private.accounts_with_permission('view_history')) then
    return value;
  end if;
  return private.payload_plaintext(account_id, value);
end
$$;
comment on function private.decrypt_payload(uuid, jsonb) is
  'A stored body as its reader may see it: decrypted for history readers of the account (and the server), the envelope '
  'otherwise.';

revoke execute on function private.payload_key_versions(), private.payload_key(integer),
  private.account_payload_key(uuid, integer), private.is_encrypted_payload(jsonb), private.encrypt_payload(uuid, jsonb),
  private.payload_plaintext(uuid, jsonb),
  private.decrypt_payload(uuid, jsonb) from public, anon, authenticated;
grant execute on function private.decrypt_payload(uuid, jsonb) to authenticated, service_role;

create function private.rotate_payload_key() returns integer
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  version integer := coalesce((select max(v) from private.payload_key_versions() v), 0) + 1;
begin
  insert into private.secrets (name, value)
  values ('payload_key_v' || version, encode(extensions.gen_random_bytes(32), 'hex'));
  return version;
end
$$;
comment on function private.rotate_payload_key() is
  'Adds payload key version n+1 (in private.secrets; on Supabase create it in Vault instead) and returns n+1: new rows '
  'use it. Follow with private.reencrypt_payloads().';
revoke execute on function private.rotate_payload_key() from public, anon, authenticated;

create function private.payload_needs_rewrite(value jsonb, encrypting boolean, current_version integer) returns boolean
  language sql
  immutable
  set search_path = ''
as $$
  select value is not null
     and case when private.is_encrypted_payload(value)
              then (value ->> 'key_version') is distinct from current_version::text
              else encrypting end
$$;
comment on function private.payload_needs_rewrite(jsonb, boolean, integer) is
  'Whether reencrypt_payloads must rewrite a body: an envelope of another key version, or plaintext in an encrypting '
  'account.';
revoke execute on function private.payload_needs_rewrite(jsonb, boolean, integer) from public, anon, authenticated;

-- Rewrites up to batch_size rows per table: envelopes of an older key version, and plaintext bodies of
-- accounts with encrypt_payloads on (rows logged before it was turned on). Returns the rows rewritten;
-- call it until it returns 0, then the old key versions can be deleted.
create function private.reencrypt_payloads(batch_size integer default 1000) returns bigint
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  current_version integer := (select max(v) from private.payload_key_versions() v);
  n bigint;
begin
  update public.ai_interactions i
     set request = case when i.request = '{"omitted": true}'::jsonb then i.request
                        else private.encrypt_payload(i.account_id, private.payload_plaintext(i.account_id, i.request)) end,
         response = private.encrypt_payload(i.account_id, private.payload_plaintext(i.account_id, i.response))
   where (i.id, i."timestamp") in (
     select x.id, x."timestamp"
       from public.ai_interactions x join public.account_settings s on s.account_id = x.account_id
      where private.payload_needs_rewrite(nullif(x.request, '{"omitted": true}'::jsonb), s.encrypt_payloads,
                                          current_version)
         or private.payload_needs_rewrite(x.response, s.encrypt_payloads, current_version)
      limit batch_size);
  get diagnostics n = row_count;
  return n;
end
$$;
comment on function private.reencrypt_payloads(integer) is
  'Key rotation and catch-up: re-encrypts up to batch_size ai_interactions rows that use an old key version or are '
  'plaintext in an encrypting account. Returns the number rewritten (0 = done).';
revoke execute on function private.reencrypt_payloads(integer) from public, anon, authenticated;

create view public.ai_interactions_decrypted with (security_invoker = true) as
  select i.id, i."timestamp", i.account_id, i.user_id, private.decrypt_payload(i.account_id, i.request) as request,
         private.decrypt_payload(i.account_id, i.response) as response, i.latency_ms, i.error_code, i.error_message,
         i.model_name, i.file_metadata, i.status, i.prompt_hash, i.ip_address, i.llm_request_id, i.provider,
         i.conversation_id, i.properties, i.country
    from public.ai_interactions i;
comment on view public.ai_interactions_decrypted is
  'ai_interactions with request/response decrypted for history readers of the account (security invoker: the table''s '
  'RLS applies; others see the envelope).';
create view public.llm_request_bodies with (security_invoker = true) as
  select r.id, r.created_at, r.account_id,
         nullif(private.decrypt_payload(r.account_id, i.request), '{"omitted": true}'::jsonb) as request_body,
         private.decrypt_payload(r.account_id, i.response) as response_body
    from public.llm_requests r
    left join lateral (select x.request, x.response from public.ai_interactions x where x.llm_request_id = r.id
                        limit 1) i on true;
comment on view public.llm_request_bodies is
  'llm_requests bodies (stored once, in the call''s ai_interactions row), decrypted for history readers of the account '
  '(security invoker: the tables'' RLS applies).';
revoke all on public.ai_interactions_decrypted, public.llm_request_bodies from anon, authenticated;
grant select on public.ai_interactions_decrypted, public.llm_request_bodies to authenticated, service_role;

-- One BEFORE INSERT trigger prepares every log row: the country from the address when the gateway
-- did not have one, the address dropped when the account asks for that, and the bodies encrypted
-- for accounts that encrypt. TG_ARGV[0] names the table (row triggers run on the partitions).
create function private.prepare_log_row() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  drop_ip boolean;
  encrypt boolean;
begin
  select s.drop_ip_after_geo, s.encrypt_payloads into drop_ip, encrypt
    from public.account_settings s where s.account_id = new.account_id;
  -- private.ip_country's query, inline: plpgsql keeps its plan for the connection, where a call to
  -- the SQL function is planned again for every row (measured: most of this trigger's time).
  if new.country is null and new.ip_address is not null then
    select r.country into new.country
      from (select c.country, c.end_ip from private.ip_country_ranges c
             where c.start_ip <= new.ip_address order by c.start_ip desc limit 1) r
     where new.ip_address <= r.end_ip;
  end if;
  if coalesce(drop_ip, false) then
    new.ip_address := null;
  end if;
  if coalesce(encrypt, false) and tg_argv[0] = 'ai_interactions' then
    if new.request is distinct from '{"omitted": true}'::jsonb then
      new.request := private.encrypt_payload(new.account_id, new.request);
    end if;
    new.response := private.encrypt_payload(new.account_id, new.response);
  end if;
  return new;
end
$$;
comment on function private.prepare_log_row() is
  'Trigger on llm_requests/ai_interactions: derives country from ip_address when absent; clears ip_address '
  '(drop_ip_after_geo); encrypts the ai_interactions bodies (encrypt_payloads).';
revoke execute on function private.prepare_log_row() from public, anon, authenticated;

-- An llm_requests row without an address has nothing to prepare (no country to look up, no address to
-- drop, no bodies), so the executor skips the function for it; ai_interactions rows always need the
-- account's encryption setting.
create trigger llm_requests_prepare_row before insert on public.llm_requests
  for each row when (new.ip_address is not null) execute function private.prepare_log_row('llm_requests');
create trigger ai_interactions_prepare_row before insert on public.ai_interactions
  for each row execute function private.prepare_log_row('ai_interactions');

-- ---------------------------------------------------------------------------------------------------
-- Retention and partition upkeep: private.run_log_maintenance(), every few minutes (pg_cron on
-- Supabase, `npm start` locally).
-- 1. Creates the coming months' partitions (and moves back-dated rows out of the defaults), waiting
--    at most 500 ms for a lock.
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
  created integer := 0;
  dropped text[] := '{}';
  busy text[] := '{}';
  purged_requests bigint := 0;
  purged_interactions bigint := 0;
  purged_messages bigint := 0;
  purged_payloads bigint := 0;
  total bigint;
  caller_lock_timeout text := current_setting('lock_timeout');
begin
  if not pg_try_advisory_xact_lock(hashtext('private.run_log_maintenance')) then
    return jsonb_build_object('skipped', true);
  end if;
  -- Partition DDL waits at most 500 ms behind the ledger's inserts: shorter than deadlock_timeout
  -- (1 s), so in a lock cycle with an insert this side normally gives up first; the next run retries.
  begin
    perform set_config('lock_timeout', '500ms', true);
    created := private.ensure_log_partitions(3);
    perform set_config('lock_timeout', caller_lock_timeout, true);
  exception when lock_not_available then
    busy := busy || 'ensure_log_partitions'::text;
  end;

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
  for acct in select s.account_id, s.retention_days from public.account_settings s
               where s.retention_days is not null loop
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
    purged_requests := purged_requests + total;

    batches := 0; total := 0;
    loop
      delete from public.ai_interactions r
       where (r.id, r."timestamp") in (
               select x.id, x."timestamp" from public.ai_interactions x
                where x.account_id = acct.account_id and x."timestamp" < cutoff limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    purged_interactions := purged_interactions + total;

    batches := 0; total := 0;
    loop
      delete from public.messages m
       where m.id in (select x.id from public.messages x
                       where x.account_id = acct.account_id and x.created_at < cutoff limit batch_size);
      get diagnostics n = row_count;
      total := total + n; batches := batches + 1;
      exit when n < batch_size or batches >= max_batches;
    end loop;
    purged_messages := purged_messages + total;

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
    purged_payloads := purged_payloads + total;
  end loop;

  return jsonb_build_object('skipped', false, 'partitions_created', created, 'partitions_dropped', to_jsonb(dropped),
                            'partitions_busy', to_jsonb(busy), 'purged', jsonb_build_object(
                              'llm_requests', purged_requests, 'ai_interactions', purged_interactions,
                              'messages', purged_messages, 'feature_payloads', purged_payloads));
end
$$;
comment on function private.run_log_maintenance(integer, integer) is
  'Partition upkeep and retention (account_settings.retention_days) for llm_requests, ai_interactions, messages and '
  'feature payloads; rollups kept. Advisory-locked: concurrent calls return {"skipped": true}.';
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
