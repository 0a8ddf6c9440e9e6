-- Agents: templates (global catalog), per-account instances, MCP servers (global registry) and
-- per-instance vector DB configs whose connection details are encrypted at rest.

-- ---------------------------------------------------------------------------------------------------
-- agent_templates (global catalog, the four templates of the Salient chat data model seeded below)
-- ---------------------------------------------------------------------------------------------------
create table public.agent_templates (
  id uuid primary key default gen_random_uuid(),
  name varchar not null check (name in ('simple_chat', 'sales', 'simple_research', 'deep_research')),
  workflow_class varchar,
  description text,
  version varchar not null default '1.0.0',
  config_schema jsonb not null default '{}'::jsonb check (jsonb_typeof(config_schema) = 'object'),
  pricing_tiers jsonb not null default '{}'::jsonb check (jsonb_typeof(pricing_tiers) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index idx_agent_templates_name_version on public.agent_templates (name, version);
create index idx_agent_templates_name on public.agent_templates (name);
create trigger agent_templates_set_updated_at before update on public.agent_templates
  for each row execute function private.set_updated_at();

comment on table public.agent_templates is 'Template definitions for the four supported agent types with configuration schemas. Global catalog.';
comment on column public.agent_templates.name is 'Agent type identifier: simple_chat|sales|simple_research|deep_research.';
comment on column public.agent_templates.workflow_class is 'Reference to the Pydantic AI implementation class.';
comment on column public.agent_templates.version is 'Template version, for backward compatibility (unique with name).';
comment on column public.agent_templates.config_schema is 'JSON Schema for validating agent instance configurations (agent_instances.config).';
comment on column public.agent_templates.pricing_tiers is 'Tier-specific feature and resource configurations, keyed by subscription tier.';

-- The properties every template shares; each template adds its own.
with base as (
  select jsonb_build_object(
    'model', jsonb_build_object('type', 'string', 'minLength', 1, 'description', 'Model identifier, e.g. openai/gpt-4o-mini'),
    'system_prompt', jsonb_build_object('type', 'string', 'description', 'System prompt'),
    'temperature', jsonb_build_object('type', 'number', 'minimum', 0, 'maximum', 2, 'default', 0.7),
    'max_tokens', jsonb_build_object('type', 'integer', 'minimum', 1, 'description', 'Maximum completion tokens'),
    'history_limit', jsonb_build_object('type', 'integer', 'minimum', 0, 'default', 20, 'description', 'Messages of history sent to the model'),
    'tools', jsonb_build_object('type', 'array', 'items', jsonb_build_object('type', 'string'), 'uniqueItems', true, 'default', '[]'::jsonb),
    -- When set, the chat answers (and lets browsers read answers) only for pages on these origins; a
    -- cookie-authenticated endpoint that echoes any origin would let any site read a visitor's
    -- conversation where third-party cookies are shared.
    'allowed_origins', jsonb_build_object(
      'type', 'array',
      'items', jsonb_build_object('type', 'string', 'pattern', '^https?://[^/]+$'),
      'uniqueItems', true,
      'description', 'Origins (scheme://host[:port]) allowed to embed this chat; empty or absent = any'),
    -- The models llm-proxy tries, in order, for calls made with x-agent-instance when the requested
    -- one fails (before the account's list).
    'fallbacks', jsonb_build_object(
      'type', 'array',
      'items', jsonb_build_object('type', 'string', 'minLength', 1, 'maxLength', 256),
      'maxItems', 5,
      'description', 'Models to try, in order, when this instance''s model fails on llm-proxy')
  ) as props
), templates (name, workflow_class, description, extra, pricing) as (
  values
    ('simple_chat', 'agents.simple_chat.SimpleChatAgent',
     'Conversational assistant with optional tools.',
     '{"greeting": {"type": "string", "description": "First message shown to a new session"}}'::jsonb,
     '{"free": {"max_tokens": 1024, "tools": false}, "standard": {"max_tokens": 4096, "tools": true}, "premium": {"max_tokens": 8192, "tools": true}, "enterprise": {"max_tokens": 16384, "tools": true}}'::jsonb),
    ('sales', 'agents.sales.SalesAgent',
     'Sales and support agent that qualifies leads and builds customer profiles.',
     '{"products": {"type": "array", "items": {"type": "string"}, "description": "Products the agent may offer"},
       "services": {"type": "array", "items": {"type": "string"}, "description": "Services the agent may offer"},
       "collect_profile_fields": {"type": "array", "items": {"type": "string", "enum": ["customer_name", "email", "phone", "address"]}, "description": "Profile fields to ask for"},
       "crm_mcp_server": {"type": "string", "description": "Name of the CRM MCP server (mcp_servers.name)"}}'::jsonb,
     '{"free": {"enabled": false}, "standard": {"max_tokens": 4096, "crm": false}, "premium": {"max_tokens": 8192, "crm": true}, "enterprise": {"max_tokens": 16384, "crm": true}}'::jsonb),
    ('simple_research', 'agents.research.SimpleResearchAgent',
     'Answers questions from a knowledge base (RAG) with citations.',
     '{"top_k": {"type": "integer", "minimum": 1, "maximum": 50, "default": 5, "description": "Documents retrieved per question"},
       "min_score": {"type": "number", "minimum": 0, "maximum": 1, "description": "Minimum relevance score"},
       "cite_sources": {"type": "boolean", "default": true}}'::jsonb,
     '{"free": {"vector_db": "pgvector", "top_k": 3}, "standard": {"vector_db": "pgvector", "top_k": 5}, "premium": {"vector_db": "pinecone_namespace", "top_k": 10}, "enterprise": {"vector_db": "pinecone_dedicated", "top_k": 20}}'::jsonb),
    ('deep_research', 'agents.research.DeepResearchAgent',
     'Multi-step research agent that plans, searches and synthesizes a report.',
     '{"max_steps": {"type": "integer", "minimum": 1, "maximum": 50, "default": 8, "description": "Planning/search iterations"},
       "top_k": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
       "web_search": {"type": "boolean", "default": false},
       "report_format": {"type": "string", "enum": ["markdown", "json"], "default": "markdown"}}'::jsonb,
     '{"free": {"enabled": false}, "standard": {"enabled": false}, "premium": {"max_steps": 8}, "enterprise": {"max_steps": 25}}'::jsonb)
)
insert into public.agent_templates (name, workflow_class, description, version, config_schema, pricing_tiers)
select t.name, t.workflow_class, t.description, '1.0.0',
       jsonb_build_object(
         '$schema', 'https://json-schema.org/draft/2020-12/schema',
         'title', t.name || ' agent configuration',
         'type', 'object',
         'properties', base.props || t.extra,
         'required', jsonb_build_array('model'),
         'additionalProperties', false),
       t.pricing
  from templates t cross join base;

-- ---------------------------------------------------------------------------------------------------
-- agent_instances. Configuration lives in `config` (not in files as in the specification): admins manage it
-- through supabase-js/Studio under RLS; apps validate it against agent_templates.config_schema.
-- ---------------------------------------------------------------------------------------------------
create table public.agent_instances (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  template_id uuid references public.agent_templates (id) on delete set null,
  instance_slug varchar not null check (instance_slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' and length(instance_slug) <= 100),
  agent_type varchar not null check (agent_type in ('simple_chat', 'sales_agent', 'research', 'rag')),
  display_name varchar,
  status varchar not null default 'active' check (status in ('active', 'inactive', 'archived')),
  config jsonb not null default '{}'::jsonb check (jsonb_typeof(config) = 'object'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  last_used_at timestamptz,
  -- Target of composite foreign keys that keep child rows in their instance's account.
  constraint agent_instances_id_account_key unique (id, account_id)
);
-- The specification names this index (account_id, instance_name); the column is instance_slug.
create unique index idx_agent_instances_account_name on public.agent_instances (account_id, instance_slug);
create index idx_agent_instances_type_status on public.agent_instances (agent_type, status);
create index idx_agent_instances_last_used on public.agent_instances (last_used_at) where status = 'active';
create index idx_agent_instances_template on public.agent_instances (template_id);
create trigger agent_instances_set_updated_at before update on public.agent_instances
  for each row execute function private.set_updated_at();

comment on table public.agent_instances is 'Agent instances per account, each with its own configuration (config column, managed under RLS by members with manage_instances).';
comment on column public.agent_instances.template_id is 'Template this instance was instantiated from (agent_templates).';
comment on column public.agent_instances.instance_slug is 'Unique within account (e.g. simple-chat-customer-support).';
comment on column public.agent_instances.agent_type is 'Type of agent: simple_chat|sales_agent|research|rag.';
comment on column public.agent_instances.display_name is 'User-friendly name for UI (e.g. "Customer Support Chat").';
comment on column public.agent_instances.status is 'Instance status: active|inactive|archived.';
comment on column public.agent_instances.config is 'Instance configuration (model, system_prompt, temperature, max_tokens, history_limit, tools, ...), validated by apps against the template''s config_schema.';
comment on column public.agent_instances.last_used_at is 'For cache warmth tracking and usage analytics.';

-- ---------------------------------------------------------------------------------------------------
-- mcp_servers (global registry). account_restrictions: {"account_ids": ["<uuid>", ...]} limits the
-- server to those accounts; {} (or an empty/missing account_ids) means every account.
-- ---------------------------------------------------------------------------------------------------
create table public.mcp_servers (
  id uuid primary key default gen_random_uuid(),
  name varchar not null,
  type varchar not null check (type in ('crm', 'pricing', 'content_analysis', 'crossfeed')),
  endpoint_url varchar not null check (endpoint_url ~ '^https?://'),
  is_stateless boolean not null default true,
  supported_tools varchar[] not null default '{}',
  account_restrictions jsonb not null default '{}'::jsonb check (
    jsonb_typeof(account_restrictions) = 'object'
    and (not account_restrictions ? 'account_ids' or jsonb_typeof(account_restrictions -> 'account_ids') = 'array')
  ),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index idx_mcp_servers_name on public.mcp_servers (name);
create index idx_mcp_servers_type on public.mcp_servers (type);
create index idx_mcp_servers_account_ids on public.mcp_servers using gin ((account_restrictions -> 'account_ids'));
create trigger mcp_servers_set_updated_at before update on public.mcp_servers
  for each row execute function private.set_updated_at();

comment on table public.mcp_servers is 'Registry of available MCP (Model Context Protocol) servers for agent tool integration. Global; visibility limited by account_restrictions.';
comment on column public.mcp_servers.name is 'Server identifier (unique).';
comment on column public.mcp_servers.type is 'Server category: crm|pricing|content_analysis|crossfeed.';
comment on column public.mcp_servers.is_stateless is 'Whether the server is stateless (true) or maintains client state (false).';
comment on column public.mcp_servers.account_restrictions is 'Which accounts can access: {"account_ids": [uuid, ...]}; {} or an empty list = every account.';

-- ---------------------------------------------------------------------------------------------------
-- Server-side secrets. Readable by nobody but the table owner (so only by security definer
-- functions owned by the migration role); on hosted Supabase this could move to Vault.
-- ---------------------------------------------------------------------------------------------------
create table private.secrets (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
comment on table private.secrets is 'Server-side secrets (e.g. the key that encrypts vector_db_configs.connection_details). No role but the owner can read it; only definer functions use it.';
revoke all on private.secrets from public, anon, authenticated, service_role;
insert into private.secrets (name, value)
values ('vector_db_connection_key', encode(extensions.gen_random_bytes(32), 'hex'))
on conflict (name) do nothing;

-- ---------------------------------------------------------------------------------------------------
-- vector_db_configs. connection_details is stored as {"pgp_sym": "<ASCII-armored pgp_sym_encrypt
-- ciphertext>"}: clients write plaintext JSON, a trigger encrypts it before it is stored, clients
-- can never select the column, and the server reads it through
-- private.vector_db_connection_details(id) (service_role only).
-- ---------------------------------------------------------------------------------------------------
create table public.vector_db_configs (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references public.accounts (id) on delete cascade,
  agent_instance_id uuid not null,
  type varchar not null check (type in ('pinecone_namespace', 'pinecone_dedicated', 'pgvector')),
  connection_details jsonb,
  namespace varchar,
  index_name varchar,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- The instance must belong to the same account (a client cannot attach a config to, and so
  -- squat on, another account's instance).
  constraint vector_db_configs_agent_instance_fkey foreign key (agent_instance_id, account_id)
    references public.agent_instances (id, account_id) on delete cascade
);
create unique index idx_vector_configs_agent_instance on public.vector_db_configs (agent_instance_id);
create index idx_vector_configs_account_type on public.vector_db_configs (account_id, type);
create index idx_vector_configs_namespace on public.vector_db_configs (namespace) where namespace is not null;
create index idx_vector_configs_instance_account on public.vector_db_configs (agent_instance_id, account_id);
create trigger vector_db_configs_set_updated_at before update on public.vector_db_configs
  for each row execute function private.set_updated_at();

comment on table public.vector_db_configs is 'Vector database configuration per agent instance for RAG and semantic search. connection_details is encrypted at rest and never readable by clients.';
comment on column public.vector_db_configs.account_id is 'Owning account (must be the agent instance''s account).';
comment on column public.vector_db_configs.agent_instance_id is 'Agent instance this config belongs to (one config per instance).';
comment on column public.vector_db_configs.type is 'Database type: pinecone_namespace|pinecone_dedicated|pgvector.';
comment on column public.vector_db_configs.connection_details is 'Encrypted connection info: write plaintext JSON, it is stored as {"pgp_sym": ciphertext}. Not readable by clients; the server decrypts with private.vector_db_connection_details(id).';
comment on column public.vector_db_configs.namespace is 'For Pinecone namespace isolation.';
comment on column public.vector_db_configs.index_name is 'For dedicated indexes.';

create function private.encrypt_connection_details() returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  if new.connection_details is null then
    return new;
  end if;
  if tg_op = 'UPDATE' and new.connection_details is not distinct from old.connection_details then
    return new; -- unchanged: already ciphertext
  end if;
  new.connection_details := jsonb_build_object(
    'pgp_sym',
    extensions.armor(extensions.pgp_sym_encrypt(
      new.connection_details::text,
      (select s.value from private.secrets s where s.name = 'vector_db_connection_key'),
      'cipher-algo=aes256')));
  return new;
end
$$;
comment on function private.encrypt_connection_details() is 'Trigger: encrypts vector_db_configs.connection_details (pgp_sym_encrypt, AES-256) before it is stored.';
revoke execute on function private.encrypt_connection_details() from public, anon, authenticated;

create trigger vector_db_configs_encrypt before insert or update of connection_details on public.vector_db_configs
  for each row execute function private.encrypt_connection_details();

create function private.vector_db_connection_details(config_id uuid) returns jsonb
  language sql
  stable
  security definer
  set search_path = ''
as $$
  select extensions.pgp_sym_decrypt(
           extensions.dearmor(c.connection_details ->> 'pgp_sym'),
           (select s.value from private.secrets s where s.name = 'vector_db_connection_key'))::jsonb
    from public.vector_db_configs c
   where c.id = config_id
$$;
comment on function private.vector_db_connection_details(uuid) is 'Server only (service_role): the decrypted connection_details of a vector DB config.';
revoke execute on function private.vector_db_connection_details(uuid) from public, anon, authenticated;
grant execute on function private.vector_db_connection_details(uuid) to service_role;

-- ---------------------------------------------------------------------------------------------------
-- RLS and grants
-- ---------------------------------------------------------------------------------------------------
alter table public.agent_templates enable row level security;
alter table public.agent_instances enable row level security;
alter table public.mcp_servers enable row level security;
alter table public.vector_db_configs enable row level security;

revoke all on public.agent_templates, public.agent_instances, public.mcp_servers, public.vector_db_configs
  from anon, authenticated;
grant all on public.agent_templates, public.agent_instances, public.mcp_servers, public.vector_db_configs
  to service_role;

-- agent_templates: global catalog.
grant select on public.agent_templates to authenticated;
create policy "agent_templates: signed-in users read" on public.agent_templates for select to authenticated
  using (true);

-- agent_instances: members read; manage_instances manages. last_used_at is the server's.
grant select, delete on public.agent_instances to authenticated;
grant insert (id, account_id, template_id, instance_slug, agent_type, display_name, status, config)
  on public.agent_instances to authenticated;
grant update (template_id, instance_slug, agent_type, display_name, status, config)
  on public.agent_instances to authenticated;
create policy "agent_instances: members read" on public.agent_instances for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "agent_instances: instance managers add" on public.agent_instances for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "agent_instances: instance managers change" on public.agent_instances for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "agent_instances: instance managers remove" on public.agent_instances for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));

-- mcp_servers: global registry, each server visible where its account_restrictions admit one of the
-- reader's accounts.
grant select on public.mcp_servers to authenticated;
create policy "mcp_servers: signed-in users read admitted servers" on public.mcp_servers for select to authenticated
  using (
    coalesce(jsonb_array_length(account_restrictions -> 'account_ids'), 0) = 0
    or (account_restrictions -> 'account_ids') ?| (select coalesce(array_agg(a::text), '{}') from private.member_accounts() a)
  );

-- vector_db_configs: members read everything but connection_details; manage_instances manages.
grant select (id, account_id, agent_instance_id, type, namespace, index_name, created_at, updated_at)
  on public.vector_db_configs to authenticated;
grant insert (id, account_id, agent_instance_id, type, connection_details, namespace, index_name)
  on public.vector_db_configs to authenticated;
grant update (type, connection_details, namespace, index_name) on public.vector_db_configs to authenticated;
grant delete on public.vector_db_configs to authenticated;
create policy "vector_db_configs: members read" on public.vector_db_configs for select to authenticated
  using (account_id in (select private.member_accounts()));
create policy "vector_db_configs: instance managers add" on public.vector_db_configs for insert to authenticated
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "vector_db_configs: instance managers change" on public.vector_db_configs for update to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')))
  with check (account_id in (select private.accounts_with_permission('manage_instances')));
create policy "vector_db_configs: instance managers remove" on public.vector_db_configs for delete to authenticated
  using (account_id in (select private.accounts_with_permission('manage_instances')));
