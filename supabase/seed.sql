-- Seed data for local development. Idempotent: runs on every npm start (and before the tests, which
-- never rely on it: they create their own fixtures).
--
-- One account and three users (local password for all of them: "password"):
--   acme: owner@acme.test (owner), admin@acme.test (admin), member@acme.test (member)
-- The dashboard's demo accounts `demo` and `other`, with their calls, are written by scripts/lib/demo.ts
-- (npm start, once; npm run demo:reset), through the ledger rather than as SQL.

insert into auth.users (id, aud, role, email, encrypted_password, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values
  ('00000000-0000-4000-a000-000000000001', 'authenticated', 'authenticated', 'owner@acme.test',
   extensions.crypt('password', extensions.gen_salt('bf')), now(), '{"provider": "email"}', '{"full_name": "Olivia Owner"}'),
  ('00000000-0000-4000-a000-000000000002', 'authenticated', 'authenticated', 'admin@acme.test',
   extensions.crypt('password', extensions.gen_salt('bf')), now(), '{"provider": "email"}', '{"full_name": "Adam Admin"}'),
  ('00000000-0000-4000-a000-000000000003', 'authenticated', 'authenticated', 'member@acme.test',
   extensions.crypt('password', extensions.gen_salt('bf')), now(), '{"provider": "email"}', '{"full_name": "Mia Member"}')
on conflict (id) do nothing;

insert into public.accounts (id, name, slug, subscription_tier)
values
  ('00000000-0000-4000-b000-000000000001', 'Acme Corp', 'acme', 'premium')
on conflict (id) do nothing;

insert into public.user_roles (user_id, account_id, role_id, created_by)
select v.user_id::uuid, v.account_id::uuid, r.id, '00000000-0000-4000-a000-000000000001'::uuid
  from (values
    ('00000000-0000-4000-a000-000000000001', '00000000-0000-4000-b000-000000000001', 'owner'),
    ('00000000-0000-4000-a000-000000000002', '00000000-0000-4000-b000-000000000001', 'admin'),
    ('00000000-0000-4000-a000-000000000003', '00000000-0000-4000-b000-000000000001', 'member')
  ) as v (user_id, account_id, role_name)
  join public.roles r on r.name = v.role_name
on conflict (user_id, account_id) do nothing;

insert into public.agent_instances (id, account_id, template_id, instance_slug, agent_type, display_name, config)
select v.id::uuid, v.account_id::uuid, t.id, v.slug, v.agent_type, v.display_name, v.config::jsonb
  from (values
    ('00000000-0000-4000-c000-000000000001', '00000000-0000-4000-b000-000000000001', 'simple_chat',
     'simple-chat-customer-support', 'simple_chat', 'Customer Support Chat',
     '{"model": "openai/gpt-4o-mini", "system_prompt": "You are Acme''s friendly support assistant.", "temperature": 0.3, "max_tokens": 1024, "history_limit": 20, "tools": []}'),
    ('00000000-0000-4000-c000-000000000002', '00000000-0000-4000-b000-000000000001', 'sales',
     'sales-enterprise', 'sales_agent', 'Enterprise Sales',
     '{"model": "anthropic/claude-3.5-sonnet", "system_prompt": "You qualify enterprise leads.", "temperature": 0.5, "max_tokens": 2048, "history_limit": 30, "tools": ["crm_lookup"], "products": ["SmartFresh"]}')
  ) as v (id, account_id, template_name, slug, agent_type, display_name, config)
  join public.agent_templates t on t.name = v.template_name and t.version = '1.0.0'
on conflict (id) do nothing;

insert into public.mcp_servers (name, type, endpoint_url, is_stateless, supported_tools, account_restrictions)
values
  ('acme-crm', 'crm', 'http://127.0.0.1:9100/mcp', true, '{crm_lookup,crm_create_lead}',
   '{"account_ids": ["00000000-0000-4000-b000-000000000001"]}'),
  ('public-pricing', 'pricing', 'http://127.0.0.1:9101/mcp', true, '{get_price}', '{}')
on conflict (name) do nothing;
