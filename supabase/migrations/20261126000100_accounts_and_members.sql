-- Accounts, users, roles, memberships and API keys: the tenancy core every other table hangs off.
--
-- Conventions used by every migration in this folder:
--   * the tenant is public.accounts; every tenant table has account_id (or the specifications' org_id) -> accounts(id);
--   * RLS is enabled on every public table; grants are explicit (anon gets nothing, service_role gets all,
--     authenticated gets only what its policies need); every policy is `to authenticated`;
--   * policies call the helpers below wrapped in a sub-select:
--       account_id in (select private.accounts_with_permission('view_history'))
--     and compare users with `(select auth.uid())`, so Postgres evaluates them once per statement;
--   * security definer code lives only in the non-exposed schema `private`, with `set search_path = ''`;
--     the RPCs in `public` are thin `security invoker` wrappers around it;
--   * every table and view has a comment; a column has one when it says more than the column's name
--     (id is a gen_random_uuid() primary key, created_at the insert time, updated_at kept by the
--     private.set_updated_at trigger, unless their comment says otherwise).

-- ---------------------------------------------------------------------------------------------------
-- Schema `private`: helpers, trigger functions and server-only tables. Not exposed through the API.
-- ---------------------------------------------------------------------------------------------------
create schema if not exists private;
revoke all on schema private from public, anon;
-- authenticated needs usage to run the policy helpers; service_role for the server-only helpers.
grant usage on schema private to authenticated, service_role;
comment on schema private is 'Not exposed through the API: RLS helpers, trigger functions, RPC implementations and server-only tables.';

-- Functions are executable by PUBLIC by default; nothing we create here should be.
alter default privileges in schema private revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from public;

create function private.set_updated_at() returns trigger
  language plpgsql
  security invoker
  set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function private.set_updated_at() is 'Trigger: keeps updated_at equal to the time of the last update.';
revoke execute on function private.set_updated_at() from public, anon, authenticated;

-- ---------------------------------------------------------------------------------------------------
-- accounts
-- ---------------------------------------------------------------------------------------------------
create table public.accounts (
  id uuid primary key default gen_random_uuid(),
  name varchar not null check (length(btrim(name)) > 0),
  slug varchar not null check (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(slug) <= 63),
  subscription_tier varchar not null default 'free'
    check (subscription_tier in ('free', 'standard', 'premium', 'enterprise')),
  status varchar not null default 'active' check (status in ('active', 'suspended', 'deleted')),
  -- Derived from status so the two can never disagree (a trigger could be bypassed by a later
  -- trigger or by session_replication_role; a generated column cannot).
  is_active boolean generated always as (status = 'active') stored,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index idx_accounts_slug on public.accounts (slug);
create index idx_accounts_tier_active on public.accounts (subscription_tier, is_active);
create trigger accounts_set_updated_at before update on public.accounts
  for each row execute function private.set_updated_at();

comment on table public.accounts is 'Primary entity for multi-account support, enabling organization-level isolation. The tenant of every other table (the specifications'' org_id / organizations).';
comment on column public.accounts.name is 'Account name or organization (human-readable).';
comment on column public.accounts.slug is 'URL-safe account identifier, unique (e.g. /accounts/acme-corp/agents/instance-name/chat).';
comment on column public.accounts.subscription_tier is 'Determines feature access and resource limits: free|standard|premium|enterprise.';
comment on column public.accounts.status is 'Account status: active|suspended|deleted. Preferred over the legacy is_active.';
comment on column public.accounts.is_active is 'Legacy: account status (deprecated, use status). Generated: status = ''active''.';

-- ---------------------------------------------------------------------------------------------------
-- users: the public profile of auth.users (one row per auth user, maintained by a trigger).
-- Credentials stay in Supabase Auth: the specification's password_hash column is deliberately absent.
-- ---------------------------------------------------------------------------------------------------
create table public.users (
  id uuid primary key references auth.users (id) on delete cascade,
  email varchar unique,
  full_name varchar,
  status varchar not null default 'active' check (status in ('active', 'suspended', 'deleted')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_login_at timestamptz
);
create trigger users_set_updated_at before update on public.users
  for each row execute function private.set_updated_at();

comment on table public.users is 'Public profile of a Supabase Auth user (auth.users), one row per auth user, created and kept in sync by a trigger on auth.users. Credentials stay in Supabase Auth (no password_hash here). Also exposed as the view user_profiles.';
comment on column public.users.id is 'The auth.users id (primary key).';
comment on column public.users.email is 'User email for authentication (copied from auth.users; unique).';
comment on column public.users.full_name is 'User display name (from raw_user_meta_data.full_name or .name at sign-up; the user may edit it).';
comment on column public.users.status is 'User status: active|suspended|deleted.';
comment on column public.users.last_login_at is 'Track login activity (auth.users.last_sign_in_at).';

create function private.sync_user_from_auth() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  meta_name text := nullif(btrim(coalesce(new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'name')), '');
begin
  if tg_op = 'INSERT' then
    insert into public.users (id, email, full_name, last_login_at)
    values (new.id, new.email, meta_name, new.last_sign_in_at)
    on conflict (id) do update
      set email = excluded.email,
          full_name = coalesce(excluded.full_name, public.users.full_name),
          last_login_at = excluded.last_login_at;
  else
    update public.users u
       set email = new.email,
           full_name = case
             when new.raw_user_meta_data is distinct from old.raw_user_meta_data and meta_name is not null
               then meta_name
             else u.full_name
           end,
           last_login_at = new.last_sign_in_at
     where u.id = new.id;
  end if;
  return new;
end
$$;
comment on function private.sync_user_from_auth() is 'Trigger on auth.users: creates/updates the public.users profile (email, full_name from raw_user_meta_data, last_login_at).';
revoke execute on function private.sync_user_from_auth() from public, anon, authenticated;

create trigger on_auth_user_created after insert on auth.users
  for each row execute function private.sync_user_from_auth();
create trigger on_auth_user_updated after update of email, raw_user_meta_data, last_sign_in_at on auth.users
  for each row execute function private.sync_user_from_auth();

-- Users who signed up before this migration (a real project) get their profile now.
insert into public.users (id, email, full_name, last_login_at)
select au.id, au.email,
       nullif(btrim(coalesce(au.raw_user_meta_data ->> 'full_name', au.raw_user_meta_data ->> 'name')), ''),
       au.last_sign_in_at
  from auth.users au
on conflict (id) do nothing;

-- The feature specifications' name for the same entity.
create view public.user_profiles with (security_invoker = true) as
  select id, email, full_name, status, created_at, updated_at, last_login_at from public.users;
comment on view public.user_profiles is 'The specifications'' user_profiles: the same rows as public.users (security_invoker view, so users'' RLS applies). Foreign keys that the specifications point at user_profiles.id point at users(id).';

-- ---------------------------------------------------------------------------------------------------
-- roles (global catalog, seeded here)
-- ---------------------------------------------------------------------------------------------------
create table public.roles (
  id uuid primary key default gen_random_uuid(),
  name varchar not null check (name in ('owner', 'admin', 'member', 'viewer', 'student', 'trainer')),
  description text,
  permissions jsonb not null default '{}'::jsonb check (jsonb_typeof(permissions) = 'object'),
  created_at timestamptz not null default now()
);
create unique index idx_roles_name on public.roles (name);

comment on table public.roles is 'Permission sets for account-scoped authorization (owner|admin|member|viewer, plus the academy''s student and trainer). Global catalog, seeded by migration.';
comment on column public.roles.name is 'Unique role identifier: owner|admin|member|viewer (ranked), student|trainer (outside the ranking).';
comment on column public.roles.permissions is 'Role capabilities as JSONB, e.g. {"all": true} or {"use_agents": true}. Known keys: all, manage_instances, manage_users, use_agents, view_history, review_ai_chats.';

insert into public.roles (name, description, permissions) values
  ('owner', 'Full account ownership', '{"all": true}'),
  ('admin', 'Manage instances and users', '{"manage_instances": true, "manage_users": true}'),
  ('member', 'Use agents and view history', '{"use_agents": true, "view_history": true}'),
  ('viewer', 'Read-only access', '{"view_history": true}'),
  ('student', 'Uses the academy''s AI features; sees only their own interactions', '{"use_agents": true}'),
  ('trainer', 'Reviews flagged and escalated AI mentor chats', '{"use_agents": true, "review_ai_chats": true}');

-- ---------------------------------------------------------------------------------------------------
-- user_roles: one role per user per account
-- ---------------------------------------------------------------------------------------------------
create table public.user_roles (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references public.users (id) on delete cascade,
  account_id uuid not null references public.accounts (id) on delete cascade,
  role_id uuid not null references public.roles (id),
  created_at timestamptz not null default now(),
  created_by uuid default auth.uid() references public.users (id) on delete set null,
  constraint user_roles_user_account_key unique (user_id, account_id)
);
create index idx_user_roles_account on public.user_roles (account_id);
create index idx_user_roles_role on public.user_roles (role_id);
create index idx_user_roles_created_by on public.user_roles (created_by);

comment on table public.user_roles is 'Account-scoped role assignments: many-to-many between users and accounts, one role per user per account.';
comment on column public.user_roles.user_id is 'User receiving the role.';
comment on column public.user_roles.account_id is 'Account where the role applies.';
comment on column public.user_roles.role_id is 'Role being granted.';
comment on column public.user_roles.created_at is 'When the role was granted.';
comment on column public.user_roles.created_by is 'Who granted this role (audit trail); defaults to the caller.';

-- ---------------------------------------------------------------------------------------------------
-- Effective permissions. Roles are ranked owner > admin > member > viewer and a role holds every
-- permission of the roles below it, so the specification's JSON stays as written (admin lists only
-- manage_instances and manage_users) while an admin can still use agents and read history.
-- student and trainer stand outside the ranking (rank null): they hold exactly their own
-- permissions, and no ranked role inherits theirs (a member does not review chats; a student does
-- not read other students' history). Owners hold review_ai_chats through {"all": true}.
-- ---------------------------------------------------------------------------------------------------
create function private.role_rank(role_name text) returns integer
  language plpgsql
  immutable
  security invoker
  set search_path = ''
as $$
begin
  return case role_name when 'viewer' then 1 when 'member' then 2 when 'admin' then 3 when 'owner' then 4 end;
end
$$;
comment on function private.role_rank(text) is 'Rank of a role in the hierarchy owner (4) > admin > member > viewer (1); null for student and trainer, which stand outside it.';

-- Whether role `held` includes role `lower` in the hierarchy: itself, or a ranked role at or below it.
create function private.role_includes(held text, lower text) returns boolean
  language plpgsql
  immutable
  security invoker
  set search_path = ''
as $$
begin
  return lower = held or private.role_rank(lower) <= private.role_rank(held);
end
$$;
comment on function private.role_includes(text, text) is 'Whether a holder of role `held` has the permissions of role `lower`: the same role, or a ranked role at or below it (student and trainer include only themselves).';

create function private.role_permissions(role_name text) returns jsonb
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return (
    select coalesce(jsonb_object_agg(e.key, true), '{}'::jsonb)
      from public.roles r
      cross join lateral jsonb_each(r.permissions) e
     where private.role_includes(role_name, r.name::text)
       and e.value = 'true'::jsonb
  );
end
$$;
comment on function private.role_permissions(text) is 'Effective permissions of a role: the union of its own and every lower role''s permissions JSON, e.g. admin -> {"manage_instances", "manage_users", "use_agents", "view_history"}. {"all": true} implies every permission.';

-- ---------------------------------------------------------------------------------------------------
-- Policy helpers. Security definer (they read user_roles/roles regardless of the caller's RLS, which
-- also avoids policy recursion), `search_path = ''`, set-returning, stable. Call them wrapped:
--   account_id in (select private.accounts_with_permission('view_history'))
-- A suspended or deleted user (users.status) has no membership anywhere: every helper starts from
-- private.my_memberships().
-- They are PL/pgSQL, as is every function they call: a security-definer SQL function is never
-- inlined and plans its body again in every query that calls it (a policy calls it once per query),
-- while PL/pgSQL keeps its plans for the session (PostgREST's pooled connections).
-- accounts_with_permission, the check of most read policies, took 0.72 ms per query as SQL and 0.07 ms
-- as PL/pgSQL (four memberships).
-- ---------------------------------------------------------------------------------------------------
create function private.my_memberships() returns table (account_id uuid, role_name text)
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query
    select ur.account_id, r.name::text
      from public.user_roles ur
      join public.roles r on r.id = ur.role_id
      join public.users u on u.id = ur.user_id
     where ur.user_id = (select auth.uid()) and u.status = 'active';
end
$$;
comment on function private.my_memberships() is 'The caller''s memberships (account, role name); none while the caller''s users.status is not active.';

create function private.member_accounts() returns setof uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query select m.account_id from private.my_memberships() m;
end
$$;
comment on function private.member_accounts() is 'Accounts the caller (auth.uid(), an active user) has any role in.';

-- Asks the roles table directly rather than building each membership's role_permissions JSON:
-- the same rule (role_includes), a quarter of the time.
create function private.accounts_with_permission(perm text) returns setof uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query
    select m.account_id
      from private.my_memberships() m
     where exists (
       select 1
         from public.roles r
        where private.role_includes(m.role_name, r.name::text)
          and (r.permissions -> 'all' = 'true'::jsonb or r.permissions -> perm = 'true'::jsonb)
     );
end
$$;
comment on function private.accounts_with_permission(text) is 'Accounts where the caller''s role grants permission perm, cumulatively (owner ⊇ admin ⊇ member ⊇ viewer; {"all": true} implies every permission).';

create function private.owner_accounts() returns setof uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query select m.account_id from private.my_memberships() m where m.role_name = 'owner';
end
$$;
comment on function private.owner_accounts() is 'Accounts the caller owns.';

create function private.owner_role_ids() returns setof uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query select r.id from public.roles r where r.name = 'owner';
end
$$;
comment on function private.owner_role_ids() is 'The id of the owner role (a set, for use as `role_id in (select ...)`).';

create function private.co_member_ids() returns setof uuid
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return query
    select distinct other.user_id
      from private.my_memberships() mine
      join public.user_roles other on other.account_id = mine.account_id;
end
$$;
comment on function private.co_member_ids() is 'Users who share at least one account with the caller (the caller included).';

revoke execute on function private.role_rank(text), private.role_includes(text, text),
  private.role_permissions(text), private.my_memberships(), private.member_accounts(),
  private.accounts_with_permission(text), private.owner_accounts(), private.owner_role_ids(),
  private.co_member_ids() from public, anon;
grant execute on function private.role_rank(text), private.role_includes(text, text),
  private.role_permissions(text), private.my_memberships(), private.member_accounts(),
  private.accounts_with_permission(text), private.owner_accounts(), private.owner_role_ids(),
  private.co_member_ids() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- An account never loses its last owner: enforced by trigger so even direct (service) updates and
-- deletes cannot. Deleting the whole account is allowed (the cascade finds the account gone).
-- ---------------------------------------------------------------------------------------------------
create function private.protect_last_owner() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  owner_role uuid := (select r.id from public.roles r where r.name = 'owner');
begin
  if old.role_id <> owner_role then
    return coalesce(new, old);
  end if;
  if tg_op = 'UPDATE' and new.role_id = owner_role and new.account_id = old.account_id then
    return new;
  end if;
  -- Serialize concurrent owner changes on this account: two owners demoting each other at once
  -- must not both succeed.
  perform 1 from public.accounts a where a.id = old.account_id for update;
  if not found then
    return coalesce(new, old); -- the account itself is being deleted
  end if;
  if not exists (
    select 1 from public.user_roles ur
     where ur.account_id = old.account_id and ur.role_id = owner_role and ur.id <> old.id
  ) then
    raise exception 'an account must keep at least one owner'
      using errcode = 'check_violation', hint = 'Make another member owner first.';
  end if;
  return coalesce(new, old);
end
$$;
comment on function private.protect_last_owner() is 'Trigger on user_roles: refuses to demote or remove the last owner of an account.';
revoke execute on function private.protect_last_owner() from public, anon, authenticated;

create trigger user_roles_protect_last_owner before update or delete on public.user_roles
  for each row execute function private.protect_last_owner();

-- ---------------------------------------------------------------------------------------------------
-- RLS and grants: accounts, users, roles, user_roles
-- ---------------------------------------------------------------------------------------------------
alter table public.accounts enable row level security;
alter table public.users enable row level security;
alter table public.roles enable row level security;
alter table public.user_roles enable row level security;

revoke all on public.accounts, public.users, public.roles, public.user_roles, public.user_profiles from anon, authenticated;
grant all on public.accounts, public.users, public.roles, public.user_roles, public.user_profiles to service_role;

-- accounts: members read; owners rename, change the slug, or delete. New accounts: create_account().
-- Tier and status are billing/operations data: server only.
grant select, delete on public.accounts to authenticated;
grant update (name, slug) on public.accounts to authenticated;
create policy "accounts: members read" on public.accounts for select to authenticated
  using (id in (select private.member_accounts()));
create policy "accounts: owners update" on public.accounts for update to authenticated
  using (id in (select private.owner_accounts()))
  with check (id in (select private.owner_accounts()));
create policy "accounts: owners delete" on public.accounts for delete to authenticated
  using (id in (select private.owner_accounts()));

-- users: a user reads their own profile and those of people sharing an account; edits own name.
grant select on public.users to authenticated;
grant select on public.user_profiles to authenticated;
grant update (full_name) on public.users to authenticated;
create policy "users: self and co-members read" on public.users for select to authenticated
  using (id = (select auth.uid()) or id in (select private.co_member_ids()));
create policy "users: self updates" on public.users for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

-- roles: global catalog, readable by signed-in users.
grant select on public.roles to authenticated;
create policy "roles: signed-in users read" on public.roles for select to authenticated
  using (true);

-- user_roles: members see their accounts' memberships; manage_users changes roles and removes members
-- below owner; only owners grant, change or remove the owner role. Nobody inserts memberships
-- directly: people join by accepting an invitation (accept_invitation) or by creating an account.
grant select, delete on public.user_roles to authenticated;
grant update (role_id) on public.user_roles to authenticated;
create policy "user_roles: members read" on public.user_roles for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "user_roles: managers change" on public.user_roles for update to authenticated
  using (
    account_id in (select private.accounts_with_permission('manage_users'))
    and (role_id not in (select private.owner_role_ids()) or account_id in (select private.owner_accounts()))
  )
  with check (
    account_id in (select private.accounts_with_permission('manage_users'))
    and (role_id not in (select private.owner_role_ids()) or account_id in (select private.owner_accounts()))
  );
create policy "user_roles: managers remove" on public.user_roles for delete to authenticated
  using (
    account_id in (select private.accounts_with_permission('manage_users'))
    and (role_id not in (select private.owner_role_ids()) or account_id in (select private.owner_accounts()))
  );

-- ---------------------------------------------------------------------------------------------------
-- RPCs: create_account, assign_role, remove_member. The definer implementations live in private;
-- the public functions are security invoker wrappers (no definer code in an exposed schema).
-- ---------------------------------------------------------------------------------------------------
create function private.create_account(name text, slug text) returns public.accounts
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  created public.accounts;
begin
  if caller is null then
    raise exception 'sign in to create an account' using errcode = '42501';
  end if;
  if not exists (select 1 from public.users u where u.id = caller) then
    raise exception 'no user profile for the caller' using errcode = '42501';
  end if;
  insert into public.accounts (name, slug)
  values (create_account.name, create_account.slug)
  returning * into created;
  insert into public.user_roles (user_id, account_id, role_id, created_by)
  select caller, created.id, r.id, caller from public.roles r where r.name = 'owner';
  return created;
end
$$;
comment on function private.create_account(text, text) is 'Implementation of public.create_account.';

create function public.create_account(name text, slug text) returns public.accounts
  language sql
  security invoker
  set search_path = ''
as $$
  select * from private.create_account(name, slug)
$$;
comment on function public.create_account(text, text) is 'Creates an account and makes the caller its owner. Returns the account.';

create function private.assign_role(account_id uuid, role text, user_id uuid) returns public.user_roles
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  new_role uuid;
  current_role_name text;
  result public.user_roles;
begin
  if caller is null then
    raise exception 'sign in to assign roles' using errcode = '42501';
  end if;
  if not exists (select 1 from private.accounts_with_permission('manage_users') a where a = assign_role.account_id) then
    raise exception 'you need manage_users in this account to assign roles' using errcode = '42501';
  end if;
  select r.id into new_role from public.roles r where r.name = assign_role.role;
  if new_role is null then
    raise exception 'unknown role %', assign_role.role using errcode = '22023';
  end if;
  select r.name into current_role_name
    from public.user_roles ur join public.roles r on r.id = ur.role_id
   where ur.account_id = assign_role.account_id and ur.user_id = assign_role.user_id;
  if current_role_name is null then
    raise exception 'not a member of this account'
      using errcode = 'P0002', hint = 'Invite them with invite_member; they join when they accept.';
  end if;
  if (assign_role.role = 'owner' or current_role_name = 'owner')
     and not exists (select 1 from private.owner_accounts() a where a = assign_role.account_id) then
    raise exception 'only an owner can grant or remove the owner role' using errcode = '42501';
  end if;
  update public.user_roles ur
     set role_id = new_role, created_by = caller
   where ur.account_id = assign_role.account_id and ur.user_id = assign_role.user_id
  returning * into result;
  return result;
end
$$;
comment on function private.assign_role(uuid, text, uuid) is 'Implementation of public.assign_role.';

create function public.assign_role(account_id uuid, role text, user_id uuid) returns public.user_roles
  language sql
  security invoker
  set search_path = ''
as $$
  select * from private.assign_role(account_id, role, user_id)
$$;
comment on function public.assign_role(uuid, text, uuid) is 'Changes the role of an existing member of an account. Needs manage_users; only owners grant or take away owner; the last owner cannot be demoted. New members join through invite_member / accept_invitation.';

create function private.remove_member(account_id uuid, user_id uuid) returns boolean
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  current_role_name text;
begin
  if (select auth.uid()) is null then
    raise exception 'sign in to remove members' using errcode = '42501';
  end if;
  if not exists (select 1 from private.accounts_with_permission('manage_users') a where a = remove_member.account_id) then
    raise exception 'you need manage_users in this account to remove members' using errcode = '42501';
  end if;
  select r.name into current_role_name
    from public.user_roles ur join public.roles r on r.id = ur.role_id
   where ur.account_id = remove_member.account_id and ur.user_id = remove_member.user_id;
  if current_role_name is null then
    return false;
  end if;
  if current_role_name = 'owner'
     and not exists (select 1 from private.owner_accounts() a where a = remove_member.account_id) then
    raise exception 'only an owner can remove an owner' using errcode = '42501';
  end if;
  delete from public.user_roles ur
   where ur.account_id = remove_member.account_id and ur.user_id = remove_member.user_id;
  return true;
end
$$;
comment on function private.remove_member(uuid, uuid) is 'Implementation of public.remove_member.';

create function public.remove_member(account_id uuid, user_id uuid) returns boolean
  language sql
  security invoker
  set search_path = ''
as $$
  select private.remove_member(account_id, user_id)
$$;
comment on function public.remove_member(uuid, uuid) is 'Removes a user''s membership of an account. Needs manage_users; only owners remove owners; never the last owner.';

revoke execute on function private.create_account(text, text), public.create_account(text, text),
  private.assign_role(uuid, text, uuid), public.assign_role(uuid, text, uuid),
  private.remove_member(uuid, uuid), public.remove_member(uuid, uuid) from public, anon;
grant execute on function private.create_account(text, text), public.create_account(text, text),
  private.assign_role(uuid, text, uuid), public.assign_role(uuid, text, uuid),
  private.remove_member(uuid, uuid), public.remove_member(uuid, uuid) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- account_invitations: the only way to add someone to an account. A manager invites an email
-- address; the person signed in with that address accepts with the token sent to them. Inviting
-- never looks at users, so it says nothing about whether an address has an account, and nobody
-- becomes a member (and visible to the account) without agreeing to.
-- ---------------------------------------------------------------------------------------------------
create table public.account_invitations (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  email text not null check (email = lower(btrim(email)) and email like '%_@_%' and length(email) <= 320),
  role_id uuid not null references public.roles (id),
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  invited_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  accepted_by uuid references public.users (id) on delete set null,
  revoked_at timestamptz
);
-- One open invitation per address and account: inviting again replaces it.
create unique index idx_account_invitations_open on public.account_invitations (account_id, email)
  where accepted_at is null and revoked_at is null;
create index idx_account_invitations_account on public.account_invitations (account_id, created_at desc);
create index idx_account_invitations_email on public.account_invitations (email);
create index idx_account_invitations_role on public.account_invitations (role_id);
create index idx_account_invitations_invited_by on public.account_invitations (invited_by);
create index idx_account_invitations_accepted_by on public.account_invitations (accepted_by);

comment on table public.account_invitations is 'Invitations to join an account with a role. Created by invite_member (manage_users), accepted by the invitee with accept_invitation, withdrawn with revoke_invitation. Only a SHA-256 of the token is stored.';
comment on column public.account_invitations.account_id is 'Account the invitee joins.';
comment on column public.account_invitations.email is 'Address invited (lowercase); only the user signed in with this address can accept.';
comment on column public.account_invitations.role_id is 'Role the invitee gets on accepting.';
comment on column public.account_invitations.token_hash is 'SHA-256 (lowercase hex) of the token given once to the inviter. Never readable by clients.';
comment on column public.account_invitations.invited_by is 'Manager who sent the invitation (audit trail).';
comment on column public.account_invitations.created_at is 'When the invitation was sent.';
comment on column public.account_invitations.expires_at is 'After this time the token is refused (7 days by default).';
comment on column public.account_invitations.accepted_at is 'When the invitee accepted (null while open).';
comment on column public.account_invitations.accepted_by is 'User who accepted.';
comment on column public.account_invitations.revoked_at is 'When a manager withdrew the invitation (or a newer one replaced it).';

create function private.my_email() returns text
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  return (select lower(u.email) from public.users u where u.id = (select auth.uid()) and u.status = 'active');
end
$$;
comment on function private.my_email() is 'The caller''s email address, lowercase (null for inactive users or users without one).';
revoke execute on function private.my_email() from public, anon;
grant execute on function private.my_email() to authenticated, service_role;

alter table public.account_invitations enable row level security;
revoke all on public.account_invitations from anon, authenticated;
grant all on public.account_invitations to service_role;
grant select (id, account_id, email, role_id, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)
  on public.account_invitations to authenticated;
create policy "account_invitations: user managers and the invitee read" on public.account_invitations
  for select to authenticated
  using (
    account_id in (select private.accounts_with_permission('manage_users'))
    or email = (select private.my_email())
  );

create function private.invite_member(account_id uuid, email text, role text)
  returns table (id uuid, token text, expires_at timestamptz)
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  address text := lower(btrim(invite_member.email));
  new_role uuid;
  plaintext text := 'sgi_' || encode(extensions.gen_random_bytes(32), 'hex');
  created public.account_invitations;
begin
  if caller is null then
    raise exception 'sign in to invite members' using errcode = '42501';
  end if;
  if not exists (
    select 1 from private.accounts_with_permission('manage_users') a where a = invite_member.account_id
  ) then
    raise exception 'you need manage_users in this account to invite members' using errcode = '42501';
  end if;
  select r.id into new_role from public.roles r where r.name = invite_member.role;
  if new_role is null then
    raise exception 'unknown role %', invite_member.role using errcode = '22023';
  end if;
  if invite_member.role = 'owner'
     and not exists (select 1 from private.owner_accounts() a where a = invite_member.account_id) then
    raise exception 'only an owner can invite an owner' using errcode = '42501';
  end if;
  update public.account_invitations i set revoked_at = now()
   where i.account_id = invite_member.account_id and i.email = address
     and i.accepted_at is null and i.revoked_at is null;
  insert into public.account_invitations as i (account_id, email, role_id, token_hash, invited_by)
  values (invite_member.account_id, address, new_role, encode(extensions.digest(plaintext, 'sha256'), 'hex'), caller)
  returning i.* into created;
  return query select created.id, plaintext, created.expires_at;
end
$$;
comment on function private.invite_member(uuid, text, text) is 'Implementation of public.invite_member.';

create function public.invite_member(account_id uuid, email text, role text default 'member')
  returns table (id uuid, token text, expires_at timestamptz)
  language sql
  security invoker
  set search_path = ''
as $$
  select * from private.invite_member(account_id, email, role)
$$;
comment on function public.invite_member(uuid, text, text) is 'Invites an email address to an account with a role (default member) and returns the token, once, for the app to send to that address; a new invitation replaces an open one. Needs manage_users; only owners invite owners. The answer is the same whether or not the address has a user.';

create function private.accept_invitation(token text) returns public.user_roles
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  invitation public.account_invitations;
  result public.user_roles;
begin
  if caller is null then
    raise exception 'sign in to accept an invitation' using errcode = '42501';
  end if;
  select * into invitation from public.account_invitations i
   where i.token_hash = encode(extensions.digest(coalesce(accept_invitation.token, ''), 'sha256'), 'hex')
     and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
   for update;
  if invitation.id is null then
    raise exception 'invalid, expired or already used invitation' using errcode = 'P0002';
  end if;
  if invitation.email is distinct from (select private.my_email()) then
    raise exception 'this invitation was sent to another email address'
      using errcode = '42501', hint = 'Sign in with the address the invitation was sent to.';
  end if;
  if exists (
    select 1 from public.user_roles ur where ur.account_id = invitation.account_id and ur.user_id = caller
  ) then
    raise exception 'you are already a member of this account'
      using errcode = '23505', hint = 'A manager changes roles with assign_role.';
  end if;
  insert into public.user_roles (user_id, account_id, role_id, created_by)
  values (caller, invitation.account_id, invitation.role_id, invitation.invited_by)
  returning * into result;
  update public.account_invitations i set accepted_at = now(), accepted_by = caller where i.id = invitation.id;
  return result;
end
$$;
comment on function private.accept_invitation(text) is 'Implementation of public.accept_invitation.';

create function public.accept_invitation(token text) returns public.user_roles
  language sql
  security invoker
  set search_path = ''
as $$
  select * from private.accept_invitation(token)
$$;
comment on function public.accept_invitation(text) is 'Joins the account of an open invitation (by its token) with the invited role. The caller must be signed in with the invited email address. Returns the membership.';

create function private.revoke_invitation(id uuid) returns timestamptz
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  revoked timestamptz;
begin
  update public.account_invitations i
     set revoked_at = coalesce(i.revoked_at, now())
   where i.id = revoke_invitation.id
     and i.accepted_at is null
     and i.account_id in (select private.accounts_with_permission('manage_users'))
  returning i.revoked_at into revoked;
  if revoked is null then
    raise exception 'no such open invitation, or you need manage_users in its account' using errcode = 'P0002';
  end if;
  return revoked;
end
$$;
comment on function private.revoke_invitation(uuid) is 'Implementation of public.revoke_invitation.';

create function public.revoke_invitation(id uuid) returns timestamptz
  language sql
  security invoker
  set search_path = ''
as $$
  select private.revoke_invitation(id)
$$;
comment on function public.revoke_invitation(uuid) is 'Withdraws an open invitation (idempotent) and returns when it was revoked. Needs manage_users in its account.';

revoke execute on function private.invite_member(uuid, text, text), public.invite_member(uuid, text, text),
  private.accept_invitation(text), public.accept_invitation(text),
  private.revoke_invitation(uuid), public.revoke_invitation(uuid) from public, anon;
grant execute on function private.invite_member(uuid, text, text), public.invite_member(uuid, text, text),
  private.accept_invitation(text), public.accept_invitation(text),
  private.revoke_invitation(uuid), public.revoke_invitation(uuid) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------------
-- api_keys: account API keys for the proxy. Only the SHA-256 of a key is stored; the plaintext is
-- returned once by create_api_key(). Clients never read key_hash (column-level grants).
-- ---------------------------------------------------------------------------------------------------
create table public.api_keys (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  name text not null check (length(btrim(name)) between 1 and 200),
  prefix text not null,
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  created_by uuid references public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  expires_at timestamptz,
  allowed_models text[] check (cardinality(allowed_models) between 1 and 100)
);
create index idx_api_keys_account on public.api_keys (account_id, created_at desc);
create index idx_api_keys_created_by on public.api_keys (created_by);

comment on table public.api_keys is 'Account API keys for the llm-proxy (Authorization: Bearer sgw_...). Only a SHA-256 hash is stored; the key is shown once by create_api_key().';
comment on column public.api_keys.account_id is 'Account the key acts for.';
comment on column public.api_keys.name is 'Label chosen by the creator.';
comment on column public.api_keys.prefix is 'First 12 characters of the key, for display (sgw_xxxxxxxx).';
comment on column public.api_keys.key_hash is 'SHA-256 of the full key, lowercase hex. Never readable by clients.';
comment on column public.api_keys.created_by is 'User who created the key.';
comment on column public.api_keys.last_used_at is 'Last time the proxy accepted the key (updated at most once a minute).';
comment on column public.api_keys.revoked_at is 'When the key was revoked; revoked keys are refused.';
comment on column public.api_keys.expires_at is 'When the key stops working (401 api_key_expired); null = never.';
comment on column public.api_keys.allowed_models is 'Models the key may call, as the client names them (e.g. openai/gpt-4o-mini); null = any. Others get 403 model_not_allowed.';

alter table public.api_keys enable row level security;
revoke all on public.api_keys from anon, authenticated;
grant all on public.api_keys to service_role;
grant select (id, account_id, name, prefix, created_by, created_at, last_used_at, revoked_at, expires_at, allowed_models)
  on public.api_keys to authenticated;
grant update (name, revoked_at, expires_at, allowed_models) on public.api_keys to authenticated;
grant delete on public.api_keys to authenticated;
create policy "api_keys: instance managers read" on public.api_keys for select to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "api_keys: instance managers update" on public.api_keys for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "api_keys: instance managers delete" on public.api_keys for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

-- The one generator of API keys (create_api_key and the operator's `npm run api-key:create` both call
-- it): `sgw_` + 40 characters of [0-9A-Za-z], uniformly random. A byte is used only when below 248 =
-- 4 * 62, so each character has exactly 4 bytes out of 248 behind it; `byte mod 62` over all 256 would
-- make 0-7 one and a quarter times as likely as the rest. 40 * log2(62) = about 238 bits.
create function private.generate_api_key() returns text
  language plpgsql
  security invoker
  set search_path = ''
as $$
declare
  alphabet constant text := '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  body text := '';
  bytes bytea;
  b integer;
begin
  while length(body) < 40 loop
    bytes := extensions.gen_random_bytes(64);
    for i in 0 .. 63 loop
      b := get_byte(bytes, i);
      if b < 248 and length(body) < 40 then
        body := body || substr(alphabet, b % 62 + 1, 1);
      end if;
    end loop;
  end loop;
  return 'sgw_' || body;
end
$$;
comment on function private.generate_api_key() is
  'A new API key in plaintext: sgw_ + 40 uniformly random base62 characters. Stores nothing.';
revoke execute on function private.generate_api_key() from public, anon, authenticated;
grant execute on function private.generate_api_key() to service_role;

create function private.create_api_key(account_id uuid, name text)
  returns table (id uuid, key text, prefix text, created_at timestamptz)
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  plaintext text := private.generate_api_key();
  created_key public.api_keys;
begin
  if (select auth.uid()) is null then
    raise exception 'sign in to create API keys' using errcode = '42501';
  end if;
  if not exists (select 1 from private.accounts_with_permission('manage_instances') a where a = create_api_key.account_id) then
    raise exception 'you need manage_instances in this account to create API keys' using errcode = '42501';
  end if;
  insert into public.api_keys as k (account_id, name, prefix, key_hash, created_by)
  values (create_api_key.account_id, create_api_key.name, left(plaintext, 12),
          encode(extensions.digest(plaintext, 'sha256'), 'hex'), (select auth.uid()))
  returning k.* into created_key;
  return query select created_key.id, plaintext, created_key.prefix, created_key.created_at;
end
$$;
comment on function private.create_api_key(uuid, text) is 'Implementation of public.create_api_key.';

create function public.create_api_key(account_id uuid, name text)
  returns table (id uuid, key text, prefix text, created_at timestamptz)
  language sql
  security invoker
  set search_path = ''
as $$
  select * from private.create_api_key(account_id, name)
$$;
comment on function public.create_api_key(uuid, text) is 'Creates an account API key and returns it (id, key, prefix, created_at) in plaintext, once: only its SHA-256 is stored. Needs manage_instances (owners and admins).';

create function private.revoke_api_key(id uuid) returns timestamptz
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  revoked timestamptz;
begin
  update public.api_keys k
     set revoked_at = coalesce(k.revoked_at, now())
   where k.id = revoke_api_key.id
     and k.account_id in (select private.accounts_with_permission('manage_instances'))
  returning k.revoked_at into revoked;
  if revoked is null then
    raise exception 'no such API key, or you need manage_instances in its account' using errcode = 'P0002';
  end if;
  return revoked;
end
$$;
comment on function private.revoke_api_key(uuid) is 'Implementation of public.revoke_api_key.';

create function public.revoke_api_key(id uuid) returns timestamptz
  language sql
  security invoker
  set search_path = ''
as $$
  select private.revoke_api_key(id)
$$;
comment on function public.revoke_api_key(uuid) is 'Revokes an API key (idempotent) and returns when it was revoked. Needs manage_instances in its account.';

revoke execute on function private.create_api_key(uuid, text), public.create_api_key(uuid, text),
  private.revoke_api_key(uuid), public.revoke_api_key(uuid) from public, anon;
grant execute on function private.create_api_key(uuid, text), public.create_api_key(uuid, text),
  private.revoke_api_key(uuid), public.revoke_api_key(uuid) to authenticated, service_role;

-- Keys follow their creator: while the creator is suspended or deleted (users.status) the proxy
-- refuses their keys (they may still hold them); when the user is removed outright, created_by would
-- turn null and hide that, so their keys are revoked first.
create function private.revoke_keys_of_removed_user() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  update public.api_keys k set revoked_at = now() where k.created_by = old.id and k.revoked_at is null;
  return old;
end
$$;
comment on function private.revoke_keys_of_removed_user() is 'Trigger on users: revokes the API keys a user created when the user is deleted.';
revoke execute on function private.revoke_keys_of_removed_user() from public, anon, authenticated;

create trigger users_revoke_api_keys before delete on public.users
  for each row execute function private.revoke_keys_of_removed_user();
