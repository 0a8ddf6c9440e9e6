// The RLS world: two accounts with an owner, admin, member and viewer, plus an outsider who owns the
// other account, and one committed row in every tenant table of each account. Built once per test
// file as superuser with the shared fixtures (test/helpers/fixtures.ts).
import type postgres from "postgres";
import { createAccount, createUser, fakeKeyHash, grantRole, roleId, type Sql, tag } from "../helpers/fixtures.ts";
import { adminSql } from "../helpers/stack.ts";

export interface AccountFixture {
  id: string;
  slug: string;
  /** The user whose rows the account's log fixtures are (member in A, the owner in B). */
  rowUser: string;
  rows: Record<string, string>;
}

export interface World {
  users: { owner: string; admin: string; member: string; viewer: string; outsider: string };
  a: AccountFixture;
  b: AccountFixture;
  templateId: string;
  /** A seeded tier_limits row (premium, minute). */
  tierLimitId: string;
  /** A seeded tier_defaults row (premium). */
  tierDefaultId: string;
  model: string;
  roleIds: Record<"owner" | "admin" | "member" | "viewer", string>;
  /** user_roles id of each account's rowUser, by account id. */
  memberships: Record<string, string>;
}

/** One row in every tenant table for an account, committed. Returns the ids by table name. */
async function accountRows(sql: Sql, accountId: string, rowUser: string, t: string): Promise<Record<string, string>> {
  const rows: Record<string, string> = {};
  const one = async (q: Promise<postgres.RowList<postgres.Row[]>>) => ((await q)[0] as { id: string }).id;
  rows.agent_instances = await one(sql`
    insert into public.agent_instances (account_id, instance_slug, agent_type, display_name, config)
    values (${accountId}, ${`inst-${t}`}, 'simple_chat', 'Fixture', ${sql.json({ model: "m" })}) returning id`);
  rows.vector_db_configs = await one(sql`
    insert into public.vector_db_configs (account_id, agent_instance_id, type, connection_details, namespace)
    values (${accountId}, ${rows.agent_instances}, 'pgvector', ${
    sql.json({ password: "s3cret" })
  }, ${`ns-${t}`}) returning id`);
  rows.api_keys = await one(sql`
    insert into public.api_keys (account_id, name, prefix, key_hash, created_by)
    values (${accountId}, 'fixture', 'sgw_fixture0', ${fakeKeyHash()}, ${rowUser}) returning id`);
  rows.account_model_prices = await one(sql`
    insert into public.account_model_prices (account_id, model, input_cost_per_token, output_cost_per_token)
    values (${accountId}, ${`fixture-model-${t}`}, 0.000001, 0.000002) returning id`);
  rows.account_invitations = await one(sql`
    insert into public.account_invitations (account_id, email, role_id, token_hash, invited_by)
    select ${accountId}, ${`invitee-${t}@example.test`}, r.id, ${fakeKeyHash()}, ${rowUser}
      from public.roles r where r.name = 'member' returning id`);
  rows.account_settings = accountId;
  rows.accounts = accountId;
  rows.sessions = await one(sql`
    insert into public.sessions (account_id, agent_instance_id, user_id, session_key, email, is_anonymous)
    values (${accountId}, ${rows.agent_instances}, ${rowUser}, ${fakeKeyHash()}, ${`c-${t}@example.test`}, false) returning id`);
  const other = await one(sql`
    insert into public.sessions (account_id, session_key) values (${accountId}, ${fakeKeyHash()}) returning id`);
  rows.messages = await one(sql`
    insert into public.messages (session_id, agent_instance_id, role, content)
    values (${rows.sessions}, ${rows.agent_instances}, 'human', 'hello') returning id`);
  await sql`insert into public.profiles (session_id, email) values (${other}, ${`c-${t}@example.test`})`;
  rows.profiles = await one(sql`
    insert into public.profiles (session_id, customer_name, email) values (${rows.sessions}, 'Customer', ${`c-${t}@example.test`}) returning id`);
  rows.profile_email_collisions = await one(sql`
    select id from public.profile_email_collisions where session_id = ${rows.sessions}`);
  rows.llm_requests = await one(sql`
    insert into public.llm_requests (account_id, session_id, agent_instance_id, user_id, completion_status, model, prompt_tokens, completion_tokens, total_tokens, computed_cost, price_source)
    values (${accountId}, ${rows.sessions}, ${rows.agent_instances}, ${rowUser}, 'complete', 'gpt-4o-mini', 10, 5, 15, 0.0000045, 'model_prices') returning id`);
  // Maintained by trigger from the llm_requests row above.
  rows.llm_usage_daily = await one(sql`select id from public.llm_usage_daily where account_id = ${accountId}`);
  rows.llm_usage_hourly = await one(sql`
    select id from public.llm_usage_hourly where account_id = ${accountId} and dimension = 'all'`);
  rows.llm_error_patterns_hourly = await one(sql`
    insert into public.llm_error_patterns_hourly (account_id, hour, model, error_code, message, occurrences,
                                                  first_seen, last_seen)
    values (${accountId}, '2026-01-01T00:00:00Z', 'gpt-4o-mini', 'upstream_error', 'boom', 1, now(), now())
    returning id`);
  rows.ai_interactions = await one(sql`
    insert into public.ai_interactions (account_id, llm_request_id, request, model_name, user_id)
    values (${accountId}, ${rows.llm_requests}, ${
    sql.json({ messages: [] })
  }, 'gpt-4o-mini', ${rowUser}) returning id`);
  rows.agent_performance_metrics = await one(sql`
    insert into public.agent_performance_metrics (account_id, agent_instance_id, response_time_ms, request_type, status)
    values (${accountId}, ${rows.agent_instances}, 120.5, 'chat', 'success') returning id`);
  rows.agent_usage_log = await one(sql`
    insert into public.agent_usage_log (account_id, agent_instance_id, session_id, request_count, total_tokens, total_cost)
    values (${accountId}, ${rows.agent_instances}, ${rows.sessions}, 1, 15, 0.0000045) returning id`);
  rows.usage_limits = await one(sql`
    insert into public.usage_limits (account_id, scope, period, max_requests) values (${accountId}, 'account', 'month', 100000)
    returning id`);
  rows.courses = await one(
    sql`insert into public.courses (account_id, title) values (${accountId}, 'Course') returning id`,
  );
  rows.module_topics = await one(sql`
    insert into public.module_topics (account_id, course_id, title) values (${accountId}, ${rows.courses}, 'Topic') returning id`);
  rows.ai_prompt_variants = await one(sql`
    insert into public.ai_prompt_variants (account_id, name, system_prompt) values (${accountId}, 'A', 'Be kind') returning id`);
  rows.ai_mentor_chats = await one(sql`
    insert into public.ai_mentor_chats (account_id, user_id, topic_id, course_id, question, response, prompt_variant_id)
    values (${accountId}, ${rowUser}, ${rows.module_topics}, ${rows.courses}, 'Q?', 'A.', ${rows.ai_prompt_variants}) returning id`);
  rows.guru_interactions = await one(sql`
    insert into public.guru_interactions (org_id, student_id, agent_type, input, output, model_used)
    values (${accountId}, ${rowUser}, 'career_guru', ${sql.json({ q: 1 })}, ${
    sql.json({ a: 1 })
  }, 'gpt-4o-mini') returning id`);
  rows.employee_twin_interactions = await one(sql`
    insert into public.employee_twin_interactions (org_id, user_id, twin_role, interaction_type, response)
    values (${accountId}, ${rowUser}, 'analyst', 'suggestion', 'Do X') returning id`);
  rows.mentor_settings = await one(sql`
    insert into public.mentor_settings (account_id, system_prompt) values (${accountId}, 'Teach') returning account_id as id`);
  rows.guru_agents = await one(sql`
    insert into public.guru_agents (account_id, agent_type, system_prompt, output_schema)
    values (${accountId}, 'career_guru', 'Advise', ${sql.json({ type: "object" })}) returning id`);
  rows.twin_roles = await one(sql`
    insert into public.twin_roles (account_id, twin_role, system_prompt) values (${accountId}, 'analyst', 'Analyse') returning id`);
  rows.twin_interaction_types = await one(sql`
    insert into public.twin_interaction_types (account_id, interaction_type, instructions)
    values (${accountId}, 'suggestion', 'Suggest') returning id`);
  rows.mcp_servers = await one(sql`
    insert into public.mcp_servers (name, type, endpoint_url, account_restrictions)
    values (${`mcp-${t}`}, 'crm', 'https://mcp.example.test', ${sql.json({ account_ids: [accountId] })}) returning id`);
  rows.users = rowUser;
  return rows;
}

export async function buildWorld(sql: Sql): Promise<World> {
  const t = tag();
  const owner = await createUser(sql, "owner");
  const outsider = await createUser(sql, "outsider");
  const users = {
    owner: owner.id,
    admin: (await createUser(sql, "admin")).id,
    member: (await createUser(sql, "member")).id,
    viewer: (await createUser(sql, "viewer")).id,
    outsider: outsider.id,
  };
  const { id: aId } = await createAccount(sql, owner, { slug: `acct-a-${t}` });
  const { id: bId } = await createAccount(sql, outsider, { slug: `acct-b-${t}` });
  await grantRole(sql, users.admin, aId, "admin");
  await grantRole(sql, users.member, aId, "member");
  await grantRole(sql, users.viewer, aId, "viewer");
  const a: AccountFixture = {
    id: aId,
    slug: `acct-a-${t}`,
    rowUser: users.member,
    rows: await accountRows(sql, aId, users.member, `a-${t}`),
  };
  const b: AccountFixture = {
    id: bId,
    slug: `acct-b-${t}`,
    rowUser: users.outsider,
    rows: await accountRows(sql, bId, users.outsider, `b-${t}`),
  };
  const [tpl] = await sql`
    insert into public.agent_templates (name, version, description) values ('simple_chat', ${`fixture-${t}`}, 'fixture') returning id`;
  const model = `fixture/model-${t}`;
  await sql`insert into public.model_prices (model, input_cost_per_token, output_cost_per_token) values (${model}, 0.000001, 0.000002)`;
  const roleIds = {
    owner: await roleId(sql, "owner"),
    admin: await roleId(sql, "admin"),
    member: await roleId(sql, "member"),
    viewer: await roleId(sql, "viewer"),
  };
  const memberships: Record<string, string> = {};
  for (const acct of [a, b]) {
    const [m] = await sql`select id from public.user_roles where account_id = ${acct.id} and user_id = ${acct.rowUser}`;
    memberships[acct.id] = m.id as string;
  }
  const [tier] = await sql`select id from public.tier_limits where tier = 'premium' and period = 'minute'`;
  const [defaults] = await sql`select id from public.tier_defaults where tier = 'premium'`;
  return {
    users,
    a,
    b,
    templateId: tpl.id as string,
    tierLimitId: tier.id as string,
    tierDefaultId: defaults.id as string,
    model,
    roleIds,
    memberships,
  };
}

export interface WorldStack {
  /** A superuser connection (adminSql). */
  sql: Sql;
  w: World;
}

/** A superuser SQL client and a freshly built world, for a test file's beforeAll. */
export async function startWorld(): Promise<WorldStack> {
  const sql = adminSql();
  return { sql, w: await buildWorld(sql) };
}
