-- Conversations: sessions, messages, customer profiles and detected profile email collisions.
-- History is written by the server (service_role); members with view_history read their accounts'
-- history, and a signed-in user reads their own sessions and what hangs off them.

-- ---------------------------------------------------------------------------------------------------
-- Trigger helpers for denormalized columns
-- ---------------------------------------------------------------------------------------------------
create function private.fill_account_slug() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  if new.account_slug is null then
    select a.slug into new.account_slug from public.accounts a where a.id = new.account_id;
  end if;
  return new;
end
$$;
comment on function private.fill_account_slug() is 'Trigger: fills a denormalized account_slug from accounts when the writer left it null.';
revoke execute on function private.fill_account_slug() from public, anon, authenticated;

create function private.inherit_session_account() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  select s.account_id into new.account_id from public.sessions s where s.id = new.session_id;
  return new;
end
$$;
comment on function private.inherit_session_account() is 'Trigger: sets account_id to the account of the row''s session (the single source of truth).';
revoke execute on function private.inherit_session_account() from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------------
-- sessions
-- ---------------------------------------------------------------------------------------------------
create table public.sessions (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  agent_instance_id uuid references public.agent_instances (id) on delete set null,
  user_id uuid references public.users (id) on delete set null,
  account_slug varchar not null,
  session_key varchar not null check (session_key ~ '^[0-9a-f]{64}$'),
  email varchar,
  is_anonymous boolean not null default true,
  created_at timestamptz not null default now(),
  last_activity_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  metadata jsonb not null default '{}'::jsonb
);
create unique index idx_sessions_session_key on public.sessions (session_key);
create index idx_sessions_account_email on public.sessions (account_id, email) where email is not null;
create index idx_sessions_account_activity on public.sessions (account_id, last_activity_at);
create index idx_sessions_email_collision on public.sessions (email) where email is not null and is_anonymous = false;
create index idx_sessions_agent_instance on public.sessions (agent_instance_id);
create index idx_sessions_user on public.sessions (user_id);
create trigger sessions_fill_account_slug before insert on public.sessions
  for each row execute function private.fill_account_slug();
create trigger sessions_set_updated_at before update on public.sessions
  for each row execute function private.set_updated_at();

comment on table public.sessions is 'Browser sessions within an account context, supporting both anonymous and authenticated users.';
comment on column public.sessions.account_id is 'Links session to specific account.';
comment on column public.sessions.agent_instance_id is 'Current/last used agent instance (nullable).';
comment on column public.sessions.user_id is 'Authenticated user; null for anonymous sessions.';
comment on column public.sessions.account_slug is 'Denormalized for performance (filled from accounts when omitted).';
comment on column public.sessions.session_key is 'SHA-256 (lowercase hex) of the browser''s session cookie value (unique); the cookie itself is never stored. Not readable by clients.';
comment on column public.sessions.email is 'Nullable, when provided by user (legacy).';
comment on column public.sessions.is_anonymous is 'True until email provided (legacy).';
comment on column public.sessions.last_activity_at is 'Updated on each request for session timeout.';
comment on column public.sessions.metadata is 'Extensible session data.';

-- A signed-in user's own sessions in accounts they (still) belong to.
create function private.my_session_ids() returns setof uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query
    select s.id from public.sessions s
     where s.user_id = (select auth.uid())
       and s.account_id in (select private.member_accounts());
end
$$;
comment on function private.my_session_ids() is 'Sessions of the caller, in accounts the caller is a member of.';
revoke execute on function private.my_session_ids() from public, anon;
grant execute on function private.my_session_ids() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- messages
-- ---------------------------------------------------------------------------------------------------
create table public.messages (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.sessions (id) on delete cascade,
  account_id uuid not null references public.accounts (id) on delete cascade,
  agent_instance_id uuid references public.agent_instances (id) on delete set null,
  role varchar not null check (role in ('human', 'assistant', 'system', 'tool', 'developer')),
  content text not null default '',
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index idx_messages_session_created on public.messages (session_id, created_at);
create index idx_messages_agent_created on public.messages (agent_instance_id, created_at);
create index idx_messages_account_created on public.messages (account_id, created_at desc);
create trigger messages_inherit_session_account before insert or update of session_id, account_id on public.messages
  for each row execute function private.inherit_session_account();

comment on table public.messages is 'Complete chat history with agent tracking and RAG citation support.';
comment on column public.messages.session_id is 'Session the message belongs to.';
comment on column public.messages.account_id is 'Tenant, copied from the session by trigger (for RLS and per-account queries).';
comment on column public.messages.agent_instance_id is 'Which agent instance handled this message.';
comment on column public.messages.role is 'Message source: human|assistant|system|tool|developer.';
comment on column public.messages.metadata is 'Citations, doc_ids, scores, tool info (tool_type, tool_name, tool_id, tool_call_id, status).';
comment on column public.messages.created_at is 'Record creation timestamp (chronological ordering).';

-- ---------------------------------------------------------------------------------------------------
-- profiles
-- ---------------------------------------------------------------------------------------------------
create table public.profiles (
  id uuid primary key default gen_random_uuid(),
  session_id uuid not null references public.sessions (id) on delete cascade,
  account_id uuid not null references public.accounts (id) on delete cascade,
  customer_name varchar,
  phone varchar,
  email varchar,
  address_street varchar,
  address_city varchar,
  address_state varchar,
  address_zip varchar,
  products_of_interest text[] not null default '{}',
  services_of_interest text[] not null default '{}',
  preferences jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index idx_profiles_session_id on public.profiles (session_id);
-- Also serves as the specification's idx_profiles_email_collision (same definition; not created twice).
create index idx_profiles_email on public.profiles (email) where email is not null;
create index idx_profiles_account_email on public.profiles (account_id, email) where email is not null;
create trigger profiles_inherit_session_account before insert or update of session_id, account_id on public.profiles
  for each row execute function private.inherit_session_account();
create trigger profiles_set_updated_at before update on public.profiles
  for each row execute function private.set_updated_at();

comment on table public.profiles is 'Incremental customer data collection ("dribs and drabs" accumulation), initially 1:1 with sessions.';
comment on column public.profiles.session_id is 'Session the profile was collected in.';
comment on column public.profiles.account_id is 'Tenant, copied from the session by trigger (for RLS and per-account queries).';
comment on column public.profiles.email is 'Email (nullable); equal emails across sessions are recorded in profile_email_collisions.';
comment on column public.profiles.address_zip is 'ZIP / postal code (nullable).';
comment on column public.profiles.products_of_interest is 'Array of product names.';
comment on column public.profiles.services_of_interest is 'Array of service names.';
comment on column public.profiles.preferences is 'Flexible key-value storage.';

-- ---------------------------------------------------------------------------------------------------
-- profile_email_collisions: the specification's "record potential merge opportunities" for manual review.
-- Filled by a trigger on profiles; reviewed by members with manage_users.
-- ---------------------------------------------------------------------------------------------------
create table public.profile_email_collisions (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  email varchar not null,
  session_id uuid not null references public.sessions (id) on delete cascade,
  other_session_id uuid not null references public.sessions (id) on delete cascade,
  detected_at timestamptz not null default now(),
  reviewed_at timestamptz,
  reviewed_by uuid references public.users (id) on delete set null,
  resolution text check (resolution in ('linked', 'distinct', 'ignored')),
  constraint profile_email_collisions_pair_key unique (session_id, other_session_id),
  constraint profile_email_collisions_distinct_sessions check (session_id <> other_session_id)
);
create index idx_profile_email_collisions_account on public.profile_email_collisions (account_id, detected_at desc);
create index idx_profile_email_collisions_other_session on public.profile_email_collisions (other_session_id);
create index idx_profile_email_collisions_reviewed_by on public.profile_email_collisions (reviewed_by);
create index idx_profile_email_collisions_unreviewed on public.profile_email_collisions (account_id) where reviewed_at is null;

comment on table public.profile_email_collisions is 'Potential profile merges: two sessions of an account whose profiles share an email. Detected by trigger; operators review and resolve them.';
comment on column public.profile_email_collisions.account_id is 'Account both sessions belong to.';
comment on column public.profile_email_collisions.email is 'The shared email (lower-cased).';
comment on column public.profile_email_collisions.session_id is 'Session whose profile got the email.';
comment on column public.profile_email_collisions.other_session_id is 'Earlier session whose profile has the same email.';
comment on column public.profile_email_collisions.detected_at is 'When the collision was detected.';
comment on column public.profile_email_collisions.reviewed_at is 'When an operator reviewed it (null = pending).';
comment on column public.profile_email_collisions.reviewed_by is 'Operator who reviewed it.';
comment on column public.profile_email_collisions.resolution is 'Review outcome: linked|distinct|ignored (null = pending).';

create function private.detect_profile_email_collision() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  if new.email is null or (tg_op = 'UPDATE' and lower(new.email) is not distinct from lower(old.email)) then
    return null;
  end if;
  insert into public.profile_email_collisions (account_id, email, session_id, other_session_id)
  select new.account_id, lower(new.email), new.session_id, p.session_id
    from public.profiles p
   where p.account_id = new.account_id
     and p.email is not null and lower(p.email) = lower(new.email)
     and p.session_id <> new.session_id
  on conflict on constraint profile_email_collisions_pair_key do nothing;
  return null;
end
$$;
comment on function private.detect_profile_email_collision() is 'Trigger: records profiles of other sessions in the same account with the same email.';
revoke execute on function private.detect_profile_email_collision() from public, anon, authenticated;

create trigger profiles_detect_email_collision after insert or update of email on public.profiles
  for each row execute function private.detect_profile_email_collision();

-- ---------------------------------------------------------------------------------------------------
-- RLS and grants. Writes are the server's (service_role) except the collision review columns.
-- ---------------------------------------------------------------------------------------------------
alter table public.sessions enable row level security;
alter table public.messages enable row level security;
alter table public.profiles enable row level security;
alter table public.profile_email_collisions enable row level security;

revoke all on public.sessions, public.messages, public.profiles, public.profile_email_collisions from anon, authenticated;
grant all on public.sessions, public.messages, public.profiles, public.profile_email_collisions to service_role;
grant select on public.messages, public.profiles, public.profile_email_collisions to authenticated;
-- Everything but session_key: even hashed, it only serves the chat function's lookup.
grant select (id, account_id, agent_instance_id, user_id, account_slug, email, is_anonymous, created_at,
              last_activity_at, updated_at, metadata)
  on public.sessions to authenticated;

create policy "sessions: history readers and the session's user read" on public.sessions for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('view_history'))
    or (user_id = (select auth.uid()) and account_id in (select private.member_accounts()))
  );

create policy "messages: history readers and the session's user read" on public.messages for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('view_history'))
    or session_id in (select private.my_session_ids())
  );

create policy "profiles: history readers and the session's user read" on public.profiles for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('view_history'))
    or session_id in (select private.my_session_ids())
  );

grant update (reviewed_at, reviewed_by, resolution) on public.profile_email_collisions to authenticated;
create policy "profile_email_collisions: history readers and user managers read" on public.profile_email_collisions
  for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('view_history'))
    or account_id in (select private.accounts_with_permission('manage_users'))
  );
create policy "profile_email_collisions: user managers review" on public.profile_email_collisions
  for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_users')))
  with check (
    account_id in (select private.accounts_with_permission('manage_users'))
    and (reviewed_by is null or reviewed_by = (select auth.uid()))
  );
