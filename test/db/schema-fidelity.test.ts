// Schema fidelity: every column, index and foreign key the specification's table definitions name
// (the Salient chat data model, the ai_interactions log, the mentor, guru and twin tables; "the
// seeds" below) exists with their type, nullability and default, unless a deviation below (and in
// supabase/README.md) says otherwise.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSql } from "../helpers/stack.ts";
import type { Sql } from "../helpers/fixtures.ts";

/** [column, type, nullable, default]: nullable/default `undefined` = the seed does not say; default `null` = none. */
type Col = [string, string, boolean | undefined, string | null | undefined];

// Seed 004 (ERD): types only; `timestamp` there is implemented as timestamptz (deviation T).
const ERD: Record<string, Col[]> = {
  accounts: [
    ["id", "uuid", false, undefined],
    ["name", "character varying", undefined, undefined],
    ["slug", "character varying", undefined, undefined],
    ["subscription_tier", "character varying", undefined, undefined],
    ["status", "character varying", undefined, undefined],
    ["is_active", "boolean", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
  ],
  users: [
    ["id", "uuid", false, undefined],
    ["email", "character varying", undefined, undefined],
    ["full_name", "character varying", undefined, undefined],
    ["status", "character varying", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
    ["last_login_at", "timestamp", undefined, undefined],
    // password_hash: deliberately absent (deviation P)
  ],
  roles: [
    ["id", "uuid", false, undefined],
    ["name", "character varying", undefined, undefined],
    ["description", "text", undefined, undefined],
    ["permissions", "jsonb", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
  ],
  user_roles: [
    ["id", "uuid", false, undefined],
    ["user_id", "uuid", undefined, undefined],
    ["account_id", "uuid", undefined, undefined],
    ["role_id", "uuid", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["created_by", "uuid", undefined, undefined],
  ],
  sessions: [
    ["id", "uuid", false, undefined],
    ["account_id", "uuid", undefined, undefined],
    ["agent_instance_id", "uuid", true, undefined],
    ["user_id", "uuid", true, undefined],
    ["account_slug", "character varying", undefined, undefined],
    ["session_key", "character varying", undefined, undefined],
    ["email", "character varying", true, undefined],
    ["is_anonymous", "boolean", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["last_activity_at", "timestamp", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
    ["metadata", "jsonb", undefined, undefined],
  ],
  agent_instances: [
    ["id", "uuid", false, undefined],
    ["account_id", "uuid", undefined, undefined],
    ["instance_slug", "character varying", undefined, undefined],
    ["agent_type", "character varying", undefined, undefined],
    ["display_name", "character varying", undefined, undefined],
    ["status", "character varying", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
    ["last_used_at", "timestamp", undefined, undefined],
  ],
  messages: [
    ["id", "uuid", false, undefined],
    ["session_id", "uuid", undefined, undefined],
    ["agent_instance_id", "uuid", undefined, undefined],
    ["role", "character varying", undefined, undefined],
    ["content", "text", undefined, undefined],
    ["metadata", "jsonb", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
  ],
  llm_requests: [
    ["id", "uuid", false, undefined],
    ["session_id", "uuid", undefined, undefined],
    ["account_id", "uuid", undefined, undefined],
    ["agent_instance_id", "uuid", undefined, undefined],
    ["account_slug", "character varying", undefined, undefined],
    ["agent_instance_slug", "character varying", undefined, undefined],
    ["agent_type", "character varying", undefined, undefined],
    ["completion_status", "character varying", undefined, undefined],
    ["provider", "character varying", undefined, undefined],
    ["model", "character varying", undefined, undefined],
    ["request_body", "jsonb", undefined, undefined],
    ["response_body", "jsonb", undefined, undefined],
    ["prompt_tokens", "integer", undefined, undefined],
    ["completion_tokens", "integer", undefined, undefined],
    ["total_tokens", "integer", undefined, undefined],
    ["unit_cost_prompt", "numeric", undefined, undefined],
    ["unit_cost_completion", "numeric", undefined, undefined],
    ["computed_cost", "numeric", undefined, undefined],
    ["latency_ms", "integer", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
  ],
  profiles: [
    ["id", "uuid", false, undefined],
    ["session_id", "uuid", undefined, undefined],
    ["customer_name", "character varying", true, undefined],
    ["phone", "character varying", true, undefined],
    ["email", "character varying", true, undefined],
    ["address_street", "character varying", true, undefined],
    ["address_city", "character varying", true, undefined],
    ["address_state", "character varying", true, undefined],
    ["address_zip", "character varying", true, undefined],
    ["products_of_interest", "text[]", undefined, undefined],
    ["services_of_interest", "text[]", undefined, undefined],
    ["preferences", "jsonb", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
  ],
  agent_performance_metrics: [
    ["id", "uuid", false, undefined],
    ["account_id", "uuid", undefined, undefined],
    ["agent_instance_id", "uuid", undefined, undefined],
    ["response_time_ms", "numeric", undefined, undefined],
    ["request_type", "character varying", undefined, undefined],
    ["status", "character varying", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
  ],
  agent_usage_log: [
    ["id", "uuid", false, undefined],
    ["account_id", "uuid", undefined, undefined],
    ["agent_instance_id", "uuid", undefined, undefined],
    ["session_id", "uuid", undefined, undefined],
    ["request_count", "integer", undefined, undefined],
    ["total_tokens", "integer", undefined, undefined],
    ["total_cost", "numeric", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
  ],
  agent_templates: [
    ["id", "uuid", false, undefined],
    ["name", "character varying", undefined, undefined],
    ["workflow_class", "character varying", undefined, undefined],
    ["description", "text", undefined, undefined],
    ["version", "character varying", undefined, undefined],
    ["config_schema", "jsonb", undefined, undefined],
    ["pricing_tiers", "jsonb", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
  ],
  mcp_servers: [
    ["id", "uuid", false, undefined],
    ["name", "character varying", undefined, undefined],
    ["type", "character varying", undefined, undefined],
    ["endpoint_url", "character varying", undefined, undefined],
    ["is_stateless", "boolean", undefined, undefined],
    ["supported_tools", "character varying[]", undefined, undefined],
    ["account_restrictions", "jsonb", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
  ],
  vector_db_configs: [
    ["id", "uuid", false, undefined],
    ["account_id", "uuid", undefined, undefined],
    ["agent_instance_id", "uuid", undefined, undefined],
    ["type", "character varying", undefined, undefined],
    ["connection_details", "jsonb", undefined, undefined],
    ["namespace", "character varying", undefined, undefined],
    ["index_name", "character varying", undefined, undefined],
    ["created_at", "timestamp", undefined, undefined],
    ["updated_at", "timestamp", undefined, undefined],
  ],
};

// Seeds 000-003: full column specs.
const DETAILED: Record<string, Col[]> = {
  employee_twin_interactions: [
    ["id", "uuid", false, "gen_random_uuid()"],
    ["org_id", "uuid", false, null],
    ["user_id", "uuid", false, null],
    ["twin_role", "text", false, null],
    ["interaction_type", "text", false, null],
    ["prompt", "text", true, null],
    ["response", "text", false, null],
    ["context", "jsonb", true, "'{}'::jsonb"],
    ["model_used", "text", true, "'gpt-4o-mini'::text"],
    ["tokens_used", "integer", true, null],
    ["cost_usd", "double precision", true, null],
    ["latency_ms", "integer", true, null],
    ["was_helpful", "boolean", true, null],
    ["user_feedback", "text", true, null],
    ["dismissed", "boolean", true, "false"],
    ["created_at", "timestamp with time zone", true, "now()"],
    ["updated_at", "timestamp with time zone", true, "now()"],
  ],
  guru_interactions: [
    ["id", "uuid", false, "gen_random_uuid()"],
    ["org_id", "uuid", false, null],
    ["student_id", "uuid", false, null],
    ["agent_type", "text", false, null],
    ["conversation_id", "text", true, null],
    ["input", "jsonb", false, null],
    ["output", "jsonb", false, null],
    ["was_helpful", "boolean", true, null],
    ["user_feedback", "text", true, null],
    ["model_used", "text", false, null],
    ["tokens_used", "integer", false, "0"],
    ["cost_usd", "numeric", false, "0"],
    ["latency_ms", "integer", false, "0"],
    ["created_at", "timestamp with time zone", false, "now()"],
  ],
  ai_mentor_chats: [
    ["id", "uuid", false, "gen_random_uuid()"],
    ["user_id", "uuid", false, null],
    ["topic_id", "uuid", true, null],
    ["course_id", "uuid", true, null],
    ["question", "text", false, null],
    ["response", "text", false, null],
    ["conversation_context", "jsonb", true, "'[]'::jsonb"],
    ["tokens_used", "integer", false, "0"],
    ["response_time_ms", "integer", false, "0"],
    ["model", "text", false, "'gpt-4o-mini'::text"],
    ["cost_usd", "numeric", true, "0"],
    ["student_rating", "integer", true, null],
    ["student_feedback", "text", true, null],
    ["flagged_for_review", "boolean", true, "false"],
    ["escalated_to_trainer", "boolean", true, "false"],
    ["escalation_reason", "text", true, null],
    ["created_at", "timestamp with time zone", true, "now()"],
    ["rated_at", "timestamp with time zone", true, null],
    ["escalated_at", "timestamp with time zone", true, null],
    ["prompt_variant_id", "uuid", true, null],
    ["question_hash", "text", true, null],
  ],
  ai_interactions: [
    ["id", "uuid", false, "gen_random_uuid()"],
    ["timestamp", "timestamp with time zone", false, "now()"],
    ["request", "jsonb", false, null],
    ["response", "jsonb", true, null],
    ["latency_ms", "integer", true, null],
    ["error_code", "text", true, null],
    ["error_message", "text", true, null],
    ["model_name", "text", true, null],
    ["user_id", "uuid", true, null],
    ["file_metadata", "jsonb", true, null],
    ["status", "text", false, "'success'::text"],
    ["prompt_hash", "text", true, null],
    ["ip_address", "inet", true, null],
  ],
};

/** Documented deviations (supabase/README.md): table.column -> what we have instead. */
const DEVIATIONS: Record<string, Partial<{ type: string; nullable: boolean; default: string | null }>> = {
  "employee_twin_interactions.cost_usd": { type: "numeric" }, // money is numeric
  "guru_interactions.cost_usd": { nullable: true }, // an unpriced call's cost is unknown (null), never 0
};
const ABSENT = new Set(["users.password_hash"]); // credentials stay in Supabase Auth

/** Indexes the seeds list by name (idx_profiles_email_collision is identical to idx_profiles_email: not duplicated). */
const SEED_INDEXES = [
  "employee_twin_interactions_pkey",
  "idx_employee_twin_interactions_user",
  "idx_employee_twin_interactions_type",
  "idx_employee_twin_interactions_role",
  "guru_interactions_pkey",
  "idx_guru_interactions_student",
  "idx_guru_interactions_agent_type",
  "idx_guru_interactions_conversation",
  "idx_guru_interactions_org",
  "ai_mentor_chats_pkey",
  "idx_ai_mentor_chats_user_id",
  "idx_ai_mentor_chats_topic_id",
  "idx_ai_mentor_chats_course_id",
  "idx_ai_mentor_chats_created_at",
  "idx_ai_mentor_chats_flagged",
  "idx_ai_mentor_chats_escalated",
  "idx_mentor_chats_prompt_variant",
  "idx_mentor_chats_question_hash",
  "idx_ai_interactions_user_id",
  "idx_ai_interactions_timestamp",
  "idx_accounts_slug",
  "idx_accounts_tier_active",
  "idx_agent_instances_account_name",
  "idx_agent_instances_type_status",
  "idx_agent_instances_last_used",
  "idx_sessions_session_key",
  "idx_sessions_account_email",
  "idx_sessions_account_activity",
  "idx_sessions_email_collision",
  "idx_messages_session_created",
  "idx_messages_agent_created",
  "idx_llm_requests_session_created",
  "idx_llm_requests_agent_created",
  "idx_llm_requests_model_created",
  "idx_profiles_session_id",
  "idx_profiles_email",
  "idx_perf_metrics_account_created",
  "idx_perf_metrics_agent_created",
  "idx_perf_metrics_status_created",
  "idx_usage_log_account_created",
  "idx_usage_log_agent_created",
  "idx_usage_log_session_created",
  "idx_agent_templates_name_version",
  "idx_agent_templates_name",
  "idx_mcp_servers_name",
  "idx_mcp_servers_type",
  "idx_vector_configs_agent_instance",
  "idx_vector_configs_account_type",
  "idx_vector_configs_namespace",
];

/** Index definitions the seeds spell out in full (column lists, order, predicates). */
const SEED_INDEX_DEFS: Record<string, string> = {
  idx_guru_interactions_student: "(student_id, created_at DESC)",
  idx_guru_interactions_conversation: "(conversation_id) WHERE (conversation_id IS NOT NULL)",
  idx_ai_mentor_chats_flagged: "(flagged_for_review) WHERE (flagged_for_review = true)",
  idx_agent_instances_account_name: "(account_id, instance_slug)", // the seed says instance_name: a slip
  idx_agent_instances_last_used: "(last_used_at) WHERE ((status)::text = 'active'::text)",
  idx_sessions_email_collision: "(email) WHERE ((email IS NOT NULL) AND (is_anonymous = false))",
  idx_ai_interactions_timestamp: '("timestamp" DESC)',
};

const UNIQUE: Record<string, string[]> = {
  accounts: ["slug"],
  users: ["email"],
  roles: ["name"],
  user_roles: ["user_id", "account_id"],
  sessions: ["session_key"],
  agent_instances: ["account_id", "instance_slug"],
  agent_templates: ["name", "version"],
  mcp_servers: ["name"],
  vector_db_configs: ["agent_instance_id"],
};

/** Foreign keys the seeds name: table.column -> referenced table (org_id/organizations = accounts; user_profiles = users). */
const SEED_FKS: [string, string, string][] = [
  ["employee_twin_interactions", "user_id", "users"],
  ["employee_twin_interactions", "org_id", "accounts"],
  ["guru_interactions", "org_id", "accounts"],
  ["guru_interactions", "student_id", "users"],
  ["ai_mentor_chats", "user_id", "users"],
  ["ai_mentor_chats", "topic_id", "module_topics"],
  ["ai_mentor_chats", "course_id", "courses"],
  ["ai_mentor_chats", "prompt_variant_id", "ai_prompt_variants"],
  ["user_roles", "user_id", "users"],
  ["user_roles", "account_id", "accounts"],
  ["user_roles", "role_id", "roles"],
  ["user_roles", "created_by", "users"],
  ["sessions", "account_id", "accounts"],
  ["sessions", "agent_instance_id", "agent_instances"],
  ["sessions", "user_id", "users"],
  ["agent_instances", "account_id", "accounts"],
  ["agent_instances", "template_id", "agent_templates"],
  ["messages", "session_id", "sessions"],
  ["messages", "agent_instance_id", "agent_instances"],
  ["llm_requests", "session_id", "sessions"],
  ["llm_requests", "account_id", "accounts"],
  ["llm_requests", "agent_instance_id", "agent_instances"],
  ["profiles", "session_id", "sessions"],
  ["agent_performance_metrics", "account_id", "accounts"],
  ["agent_performance_metrics", "agent_instance_id", "agent_instances"],
  ["agent_usage_log", "account_id", "accounts"],
  ["agent_usage_log", "agent_instance_id", "agent_instances"],
  ["agent_usage_log", "session_id", "sessions"],
  ["vector_db_configs", "account_id", "accounts"],
  ["vector_db_configs", "agent_instance_id", "agent_instances"],
  ["ai_interactions", "account_id", "accounts"],
];

let sql: Sql;
let actual: Map<string, { type: string; nullable: boolean; default: string | null }>;

beforeAll(async () => {
  sql = adminSql();
  const rows = await sql`
    select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
           not a.attnotnull as nullable, pg_get_expr(d.adbin, d.adrelid) as default, a.attgenerated as generated
      from pg_attribute a
      join pg_class c on c.oid = a.attrelid
      join pg_namespace n on n.oid = c.relnamespace
      left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     where n.nspname = 'public' and c.relkind in ('r', 'p') and a.attnum > 0 and not a.attisdropped
    union all
    -- Computed columns (PostgREST computed fields: public.<column>(<table>)), for a seed column whose value
    -- is stored once elsewhere (llm_requests.request_body/response_body: the call's ai_interactions row).
    select c.relname, p.proname, format_type(p.prorettype, null), true, null, ''
      from pg_proc p
      join pg_namespace pn on pn.oid = p.pronamespace
      join pg_class c on c.reltype = p.proargtypes[0]
      join pg_namespace n on n.oid = c.relnamespace
     where pn.nspname = 'public' and n.nspname = 'public' and p.pronargs = 1 and not p.proretset`;
  actual = new Map(
    rows.map((
      r,
    ) => [`${r.table}.${r.column}`, { type: r.type, nullable: r.nullable, default: r.generated ? null : r.default }]),
  );
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
});

const columnCases = [...Object.entries(ERD), ...Object.entries(DETAILED)].flatMap(([table, cols]) =>
  cols.map((c) => [`${table}.${c[0]}`, c] as const)
);

describe("schema fidelity: seed columns", () => {
  it.each(columnCases)("%s", (key, [, seedType, seedNullable, seedDefault]) => {
    const col = actual.get(key);
    expect(col, `${key} is missing`).toBeDefined();
    const dev = DEVIATIONS[key] ?? {};
    const type = dev.type ?? (seedType === "timestamp" ? "timestamp with time zone" : seedType); // deviation T
    expect(col!.type, `${key} type`).toBe(type);
    const nullable = "nullable" in dev ? dev.nullable : seedNullable;
    if (nullable !== undefined) expect(col!.nullable, `${key} nullability`).toBe(nullable);
    const def = "default" in dev ? dev.default : seedDefault;
    if (def !== undefined) expect(col!.default, `${key} default`).toBe(def);
  });

  it.each([...ABSENT])("%s is deliberately absent", (key) => {
    expect(actual.has(key)).toBe(false);
  });
});

describe("schema fidelity: indexes, unique keys, foreign keys", () => {
  it.each(SEED_INDEXES)("index %s exists", async (name) => {
    const [r] = await sql`select indexdef from pg_indexes where schemaname = 'public' and indexname = ${name}`;
    expect(r, `index ${name} missing`).toBeDefined();
    if (SEED_INDEX_DEFS[name]) expect(r.indexdef).toContain(SEED_INDEX_DEFS[name]);
  });

  it.each(Object.entries(UNIQUE))("%s is unique on its seed key", async (table, cols) => {
    const rows = await sql`
      select array(select a.attname from unnest(i.indkey) with ordinality k(attnum, ord)
                     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.ord)::text[] as cols
        from pg_index i where i.indrelid = ${"public." + table}::regclass and i.indisunique and i.indpred is null`;
    expect(rows.map((r) => (r.cols as string[]).join(","))).toContain(cols.join(","));
  });

  it.each(SEED_FKS.map((f) => [`${f[0]}.${f[1]} -> ${f[2]}`, f] as const))("%s", async (_n, [table, column, ref]) => {
    const rows = await sql`
      select c.confrelid::regclass::text as ref
        from pg_constraint c
       where c.contype = 'f' and c.conrelid = ${"public." + table}::regclass
         and (select attnum from pg_attribute where attrelid = c.conrelid and attname = ${column}) = any(c.conkey)`;
    expect(rows.map((r) => r.ref)).toContain(ref);
  });
});
