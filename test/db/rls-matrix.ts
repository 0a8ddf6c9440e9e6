// The RLS matrix, as data: for every public table, what each role may do to a row of account A.
// Letters: s = select, i = insert, u = update, d = delete; "-" = denied.
// Permissions are cumulative (owner ⊇ admin ⊇ member ⊇ viewer): an admin reads history like a member.
import { createUser, fakeKeyHash, roleId, tag, type Tx } from "../helpers/fixtures.ts";
import type { AccountFixture, World } from "./world.ts";

export const ROLES = ["owner", "admin", "member", "viewer", "outsider", "anon", "service_role"] as const;
export type RoleKey = (typeof ROLES)[number];
export const ACCOUNT_ROLES = ["owner", "admin", "member", "viewer"] as const;
export const OPS = ["select", "insert", "update", "delete"] as const;
export type Op = (typeof OPS)[number];

type Payload = Record<string, unknown>;

export interface TableSpec {
  table: string;
  pk: string;
  /** Rows exist per account (A and B); false for global catalogs. */
  tenant: boolean;
  /** The row the select/update/delete cases target. */
  target?: (w: World, acct: AccountFixture) => string;
  /** A new row for `acct`; may prepare what it needs as superuser (runs before the role switch). */
  insert: (tx: Tx, w: World, acct: AccountFixture, caller: string | null) => Payload | Promise<Payload>;
  update: (w: World) => Payload;
  /** Superuser preparation before a delete (e.g. remove references). */
  beforeDelete?: (tx: Tx, w: World) => Promise<void>;
  /** Expected rights of owner, admin, member, viewer, outsider of A (anon: none; service_role: all). */
  rights: [string, string, string, string, string];
}

const SERVER_LOG: TableSpec["rights"] = ["s---", "s---", "s---", "s---", "----"];
const FEEDBACK: TableSpec["rights"] = ["s---", "s---", "s-u-", "s---", "----"];
const MANAGED: TableSpec["rights"] = ["siud", "siud", "s---", "s---", "----"];
const GLOBAL: TableSpec["rights"] = ["s---", "s---", "s---", "s---", "s---"];

const t = () => tag();

export const TABLES: TableSpec[] = [
  {
    table: "accounts",
    pk: "id",
    tenant: true,
    insert: () => ({ name: "New", slug: `new-${t()}` }),
    update: () => ({ name: "Renamed" }),
    rights: ["s-ud", "s---", "s---", "s---", "----"],
  },
  {
    table: "users",
    pk: "id",
    tenant: true,
    target: (_w, acct) => acct.rowUser,
    insert: async (tx) => {
      const { id } = await createUser(tx, "fresh");
      await tx`delete from public.users where id = ${id}`;
      return { id, email: `fresh-${id}@example.test` };
    },
    update: () => ({ full_name: "Renamed" }),
    rights: ["s---", "s---", "s-u-", "s---", "----"],
  },
  {
    table: "roles",
    pk: "id",
    tenant: false,
    target: (w) => w.roleIds.viewer,
    insert: async (tx) => {
      await tx`delete from public.user_roles where role_id in (select id from public.roles where name = 'viewer')`;
      await tx`delete from public.account_invitations where role_id in (select id from public.roles where name = 'viewer')`;
      await tx`delete from public.roles where name = 'viewer'`;
      return { name: "viewer", permissions: { view_history: true } };
    },
    update: () => ({ description: "changed" }),
    beforeDelete: async (tx) => {
      await tx`delete from public.user_roles where role_id in (select id from public.roles where name = 'viewer')`;
      await tx`delete from public.account_invitations where role_id in (select id from public.roles where name = 'viewer')`;
    },
    rights: GLOBAL,
  },
  {
    table: "user_roles",
    pk: "id",
    tenant: true,
    target: (w, acct) => w.memberships[acct.id],
    insert: async (tx, _w, acct, caller) => ({
      user_id: (await createUser(tx, "invitee")).id,
      account_id: acct.id,
      role_id: await roleId(tx, "member"),
      created_by: caller,
    }),
    update: (w) => ({ role_id: w.roleIds.viewer }),
    // Nobody adds members directly: they join by accepting an invitation.
    rights: ["s-ud", "s-ud", "s---", "s---", "----"],
  },
  {
    table: "account_invitations",
    pk: "id",
    tenant: true,
    insert: async (tx, _w, acct, caller) => ({
      account_id: acct.id,
      email: `new-${t()}@example.test`,
      role_id: await roleId(tx, "member"),
      token_hash: fakeKeyHash(),
      invited_by: caller,
    }),
    update: () => ({ revoked_at: new Date() }),
    // Read by user managers (and the invitee, see test/security); written only by the RPCs.
    rights: ["s---", "s---", "----", "----", "----"],
  },
  {
    table: "api_keys",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct, caller) => ({
      account_id: acct.id,
      name: "new",
      prefix: "sgw_new00000",
      key_hash: fakeKeyHash(),
      created_by: caller,
    }),
    update: () => ({ name: "renamed" }),
    rights: ["s-ud", "s-ud", "----", "----", "----"],
  },
  {
    table: "agent_instances",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, instance_slug: `new-${t()}`, agent_type: "rag" }),
    update: () => ({ display_name: "Renamed" }),
    rights: MANAGED,
  },
  {
    table: "agent_templates",
    pk: "id",
    tenant: false,
    target: (w) => w.templateId,
    insert: () => ({ name: "sales", version: `new-${t()}` }),
    update: () => ({ description: "changed" }),
    rights: GLOBAL,
  },
  {
    table: "mcp_servers",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      name: `new-${t()}`,
      type: "pricing",
      endpoint_url: "https://x.example.test",
      account_restrictions: { account_ids: [acct.id] },
    }),
    update: () => ({ endpoint_url: "https://changed.example.test" }),
    // Global registry: readable where account_restrictions admits the reader; server-written.
    rights: ["s---", "s---", "s---", "s---", "----"],
  },
  {
    table: "vector_db_configs",
    pk: "id",
    tenant: true,
    insert: async (tx, _w, acct) => {
      const [inst] = await tx`
        insert into public.agent_instances (account_id, instance_slug, agent_type)
        values (${acct.id}, ${`vec-${t()}`}, 'rag') returning id`;
      return {
        account_id: acct.id,
        agent_instance_id: inst.id,
        type: "pgvector",
        connection_details: { dsn: "postgres://x" },
      };
    },
    update: () => ({ namespace: "changed" }),
    rights: MANAGED,
  },
  {
    table: "sessions",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, session_key: fakeKeyHash() }),
    update: () => ({ last_activity_at: new Date() }),
    rights: SERVER_LOG,
  },
  {
    table: "messages",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ session_id: acct.rows.sessions, role: "assistant", content: "hi" }),
    update: () => ({ content: "changed" }),
    rights: SERVER_LOG,
  },
  {
    table: "profiles",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ session_id: acct.rows.sessions, customer_name: "New" }),
    update: () => ({ customer_name: "Changed" }),
    rights: SERVER_LOG,
  },
  {
    table: "profile_email_collisions",
    pk: "id",
    tenant: true,
    insert: async (tx, _w, acct) => {
      const [s1] =
        await tx`insert into public.sessions (account_id, session_key) values (${acct.id}, ${fakeKeyHash()}) returning id`;
      const [s2] =
        await tx`insert into public.sessions (account_id, session_key) values (${acct.id}, ${fakeKeyHash()}) returning id`;
      return { account_id: acct.id, email: "dup@example.test", session_id: s1.id, other_session_id: s2.id };
    },
    update: () => ({ resolution: "distinct", reviewed_at: new Date() }),
    rights: ["s-u-", "s-u-", "s---", "s---", "----"],
  },
  {
    table: "model_prices",
    pk: "model",
    tenant: false,
    target: (w) => w.model,
    insert: () => ({ model: `new/model-${t()}`, input_cost_per_token: "0.000001" }),
    update: () => ({ input_cost_per_token: "0.5" }),
    rights: GLOBAL,
  },
  {
    table: "account_model_prices",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, model: `new-${t()}`, input_cost_per_token: "0.000003" }),
    update: () => ({ input_cost_per_token: "0.000004" }),
    // Overrides decide what an account is billed: written by the operator (service_role) only.
    rights: ["s---", "s---", "s---", "s---", "----"],
  },
  {
    table: "account_settings",
    pk: "account_id",
    tenant: true,
    insert: async (tx, _w, acct) => {
      await tx`delete from public.account_settings where account_id = ${acct.id}`;
      return { account_id: acct.id, log_request_bodies: false };
    },
    update: () => ({ log_request_bodies: false }),
    rights: ["s-u-", "s-u-", "s---", "s---", "----"],
  },
  {
    table: "tier_limits",
    pk: "id",
    tenant: false,
    target: (w) => w.tierLimitId,
    insert: async (tx) => {
      await tx`delete from public.tier_limits where tier = 'enterprise'`;
      return { tier: "enterprise", period: "minute", max_requests: 100000 };
    },
    update: () => ({ max_requests: 3001 }),
    // Tier defaults are the operator's (service_role); everyone signed in may read them.
    rights: GLOBAL,
  },
  {
    table: "tier_defaults",
    pk: "id",
    tenant: false,
    target: (w) => w.tierDefaultId,
    insert: async (tx) => {
      await tx`delete from public.tier_defaults where tier = 'enterprise'`;
      return { tier: "enterprise", max_concurrent_calls: 1000 };
    },
    update: () => ({ max_concurrent_calls: 51 }),
    rights: GLOBAL,
  },
  {
    table: "usage_limits",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      account_id: acct.id,
      scope: "end_user",
      subject: "eu-1",
      period: "day",
      max_requests: 5,
    }),
    update: () => ({ max_requests: 7 }),
    // Owners and admins manage their account's own limits; the operator's caps are checked in test/security.
    rights: ["siud", "siud", "s---", "s---", "----"],
  },
  {
    table: "llm_requests",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct, caller) => ({
      account_id: acct.id,
      user_id: caller,
      completion_status: "complete",
      model: "gpt-4o-mini",
      computed_cost: "0",
    }),
    update: () => ({ computed_cost: "0" }),
    rights: SERVER_LOG,
  },
  {
    table: "llm_usage_daily",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, day: "2026-01-01", model: "m", provider: "openrouter" }),
    update: () => ({ request_count: 0 }),
    rights: SERVER_LOG,
  },
  {
    table: "llm_usage_hourly",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      account_id: acct.id,
      hour: "2026-01-01T00:00:00Z",
      dimension: "model",
      value: "m",
      latency_histogram: [1],
      ttft_histogram: [0],
    }),
    update: () => ({ request_count: 0 }),
    rights: SERVER_LOG,
  },
  {
    table: "llm_error_patterns_hourly",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      account_id: acct.id,
      hour: "2026-01-01T00:00:00Z",
      model: "m",
      error_code: "e",
      message: "x",
      occurrences: 1,
      first_seen: "2026-01-01T00:00:00Z",
      last_seen: "2026-01-01T00:00:00Z",
    }),
    update: () => ({ occurrences: 5 }),
    rights: SERVER_LOG,
  },
  {
    table: "ai_interactions",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct, caller) => ({ account_id: acct.id, user_id: caller, request: { messages: [] } }),
    update: () => ({ status: "error" }),
    rights: SERVER_LOG,
  },
  {
    table: "agent_performance_metrics",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      account_id: acct.id,
      request_type: "chat",
      status: "success",
      response_time_ms: 1,
    }),
    update: () => ({ status: "error" }),
    rights: SERVER_LOG,
  },
  {
    table: "agent_usage_log",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, request_count: 1, total_tokens: 1 }),
    update: () => ({ total_tokens: 0 }),
    rights: SERVER_LOG,
  },
  {
    table: "courses",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, title: "New course" }),
    update: () => ({ title: "Renamed" }),
    rights: MANAGED,
  },
  {
    table: "module_topics",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, course_id: acct.rows.courses, title: "New topic" }),
    update: () => ({ title: "Renamed" }),
    rights: MANAGED,
  },
  {
    table: "ai_prompt_variants",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({ account_id: acct.id, name: `v-${t()}`, system_prompt: "p" }),
    update: () => ({ weight: 2 }),
    rights: MANAGED,
  },
  {
    table: "ai_mentor_chats",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct, caller) => ({
      account_id: acct.id,
      user_id: caller ?? acct.rowUser,
      question: "Q",
      response: "A",
    }),
    update: () => ({ student_rating: 4, student_feedback: "clear" }),
    rights: FEEDBACK,
  },
  {
    table: "mentor_settings",
    pk: "account_id",
    tenant: true,
    target: (_w, acct) => acct.id,
    insert: async (tx, _w, acct) => {
      await tx`delete from public.mentor_settings where account_id = ${acct.id}`;
      return { account_id: acct.id, system_prompt: "Teach kindly" };
    },
    update: () => ({ system_prompt: "changed" }),
    rights: MANAGED,
  },
  {
    table: "guru_agents",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      account_id: acct.id,
      agent_type: `g_${t()}`,
      system_prompt: "Advise",
      output_schema: { type: "object" },
    }),
    update: () => ({ system_prompt: "changed" }),
    rights: MANAGED,
  },
  {
    table: "twin_roles",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      account_id: acct.id,
      twin_role: `r_${t()}`,
      system_prompt: "Be them",
    }),
    update: () => ({ system_prompt: "changed" }),
    rights: MANAGED,
  },
  {
    table: "twin_interaction_types",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct) => ({
      account_id: acct.id,
      interaction_type: `i_${t()}`,
      instructions: "Tip",
    }),
    update: () => ({ instructions: "changed" }),
    rights: MANAGED,
  },
  {
    table: "guru_interactions",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct, caller) => ({
      org_id: acct.id,
      student_id: caller ?? acct.rowUser,
      agent_type: "tech_guru",
      input: { q: 1 },
      output: { a: 1 },
      model_used: "m",
    }),
    update: () => ({ was_helpful: true }),
    rights: FEEDBACK,
  },
  {
    table: "employee_twin_interactions",
    pk: "id",
    tenant: true,
    insert: (_tx, _w, acct, caller) => ({
      org_id: acct.id,
      user_id: caller ?? acct.rowUser,
      twin_role: "analyst",
      interaction_type: "tip",
      response: "r",
    }),
    update: () => ({ dismissed: true }),
    rights: FEEDBACK,
  },
];

export function expected(spec: TableSpec, role: RoleKey, op: Op): boolean {
  if (role === "anon") return false;
  if (role === "service_role") return true;
  const letters = spec.rights[ROLES.indexOf(role)];
  return letters[OPS.indexOf(op)] !== "-";
}

export function targetOf(spec: TableSpec, w: World, acct: AccountFixture): string {
  return spec.target ? spec.target(w, acct) : acct.rows[spec.table];
}
