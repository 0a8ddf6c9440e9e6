/**
 * Resolves `/{account_slug}/{instance_slug}` to an agent instance and its configuration.
 * Configuration lives in `agent_instances.config` (see supabase/README.md for why) and is validated
 * here against its template's JSON Schema, once per cache load: an invalid config makes the
 * instance answer with an error naming the field, never a crash. Lookups are cached and dropped on
 * `gateway_cache` notifications (instances, templates, accounts and settings notify on change).
 */
import { type Schema, Validator } from "@cfworker/json-schema";
import type { AccountSettings } from "../_shared/auth/caller.ts";
import { TtlCache } from "../_shared/runtime/cache.ts";
import type { Sql } from "../_shared/runtime/db.ts";
import type { Row as TableRow } from "../_shared/runtime/schema.ts";
import { env } from "../_shared/runtime/env.ts";
import { ApiError, forbidden, notFound } from "../_shared/http/errors.ts";

/** The config fields the chat uses; templates may define more (validated, passed over). */
export interface InstanceConfig {
  model: string;
  system_prompt?: string;
  temperature?: number;
  max_tokens?: number;
  history_limit?: number;
  tools?: string[];
  products?: string[];
  services?: string[];
  allowed_origins?: string[];
}

export interface ChatInstance {
  accountId: string;
  accountSlug: string;
  settings: AccountSettings;
  instanceId: string;
  instanceSlug: string;
  agentType: string;
  /** The validated config, or why it is invalid (reported only when the instance is called). */
  config: { ok: true; value: InstanceConfig } | { ok: false; error: ApiError };
  /** The model's input window from the price catalog, when known. */
  contextWindow: number | null;
}

/** The account with its settings, instance and template, each left-joined (null when missing). */
interface Row {
  account_id: TableRow<"accounts">["id"];
  account_slug: TableRow<"accounts">["slug"];
  account_status: TableRow<"accounts">["status"];
  log_request_bodies: TableRow<"account_settings">["log_request_bodies"] | null;
  log_response_bodies: TableRow<"account_settings">["log_response_bodies"] | null;
  max_request_bytes: TableRow<"account_settings">["max_request_bytes"];
  instance_id: TableRow<"agent_instances">["id"] | null;
  instance_slug: TableRow<"agent_instances">["instance_slug"] | null;
  agent_type: TableRow<"agent_instances">["agent_type"] | null;
  status: TableRow<"agent_instances">["status"] | null;
  /** agent_instances.config, a JSON object. */
  config: Record<string, unknown> | null;
  template_name: TableRow<"agent_templates">["name"] | null;
  /** agent_templates.config_schema, a JSON Schema. */
  config_schema: Schema | null;
  context_window: TableRow<"model_prices">["max_input_tokens"];
}

interface Loaded {
  row: Row;
  config: ChatInstance["config"] | null;
}

const cache = new TtlCache<Loaded | null>(Number(env("CHAT_INSTANCE_CACHE_TTL_MS") ?? 30_000));

/**
 * The account, the instance (null when the account has none by that slug) and the configured
 * model's context window (an account override first, then the global catalog; the model as
 * written, or with OpenRouter's prefix, which is how LiteLLM keys OpenRouter models).
 */
function load(sql: Sql, accountSlug: string, instanceSlug: string): Promise<Loaded | null> {
  return cache.get(`${accountSlug}/${instanceSlug}`, async () => {
    const [row] = await sql<Row[]>`
      select a.id as account_id, a.slug as account_slug, a.status as account_status,
             s.log_request_bodies, s.log_response_bodies, s.max_request_bytes,
             i.id as instance_id, i.instance_slug, i.agent_type, i.status, i.config,
             t.name as template_name, t.config_schema,
             coalesce(
               (select o.max_input_tokens from public.account_model_prices o
                 where o.account_id = a.id and o.model = i.config ->> 'model'),
               (select max(p.max_input_tokens) from public.model_prices p
                 where p.model in (i.config ->> 'model', 'openrouter/' || (i.config ->> 'model')))
             ) as context_window
        from public.accounts a
        left join public.account_settings s on s.account_id = a.id
        left join public.agent_instances i on i.account_id = a.id and i.instance_slug = ${instanceSlug}
        left join public.agent_templates t on t.id = i.template_id
       where a.slug = ${accountSlug}`;
    if (!row) return null;
    const config = row.instance_id
      ? validateConfig(instanceSlug, row.config ?? {}, row.config_schema, row.template_name)
      : null;
    return { row, config };
  });
}

/**
 * The instance behind a widget URL. 404 for an unknown account or instance, 403 for an account
 * that is not active, 409 for an instance that is not active.
 */
export async function resolveInstance(sql: Sql, accountSlug: string, instanceSlug: string): Promise<ChatInstance> {
  const loaded = await load(sql, accountSlug, instanceSlug);
  const row = loaded?.row;
  if (!row?.instance_id || !loaded?.config) {
    throw notFound(`No agent instance '${instanceSlug}' in account '${accountSlug}'`, "instance_not_found");
  }
  if (row.account_status !== "active") {
    throw forbidden(`Account ${accountSlug} is ${row.account_status}`, "account_inactive");
  }
  if (row.status !== "active") {
    throw new ApiError(
      409,
      `Agent instance '${instanceSlug}' is ${row.status}`,
      "invalid_request_error",
      "instance_inactive",
    );
  }
  return {
    accountId: row.account_id,
    accountSlug: row.account_slug,
    settings: {
      log_request_bodies: row.log_request_bodies ?? true,
      log_response_bodies: row.log_response_bodies ?? true,
      max_request_bytes: row.max_request_bytes,
    },
    instanceId: row.instance_id,
    instanceSlug: row.instance_slug!,
    agentType: row.agent_type!,
    config: loaded.config,
    contextWindow: row.context_window,
  };
}

// Wrapper keywords whose own error only says "a child failed"; the child's error says what.
const WRAPPERS = new Set(["properties", "items", "prefixItems", "allOf", "$ref", "false", "unevaluatedProperties"]);

/**
 * Validates a config against its template's JSON Schema (2020-12). Whatever the template, the
 * chat needs a model; an instance without a template gets that check only.
 */
export function validateConfig(
  instanceSlug: string,
  config: Record<string, unknown>,
  schema: Schema | null,
  templateName: string | null,
): ChatInstance["config"] {
  const problems: { field: string; message: string }[] = [];
  if (schema) {
    for (const e of new Validator(schema, "2020-12", false).validate(config).errors) {
      if (WRAPPERS.has(e.keyword)) continue;
      problems.push({ field: e.instanceLocation.replace(/^#\/?/, "").replace(/\//g, "."), message: e.error });
    }
  }
  if (!problems.length && (typeof config.model !== "string" || !config.model)) {
    problems.push({ field: "model", message: "A model is required" });
  }
  if (!problems.length) return { ok: true, value: config as unknown as InstanceConfig };
  const against = templateName ? ` (template ${templateName})` : "";
  const list = problems.slice(0, 5).map((p) => (p.field ? `'${p.field}': ${p.message}` : p.message)).join("; ");
  return {
    ok: false,
    error: new ApiError(
      500,
      `Agent instance '${instanceSlug}' has an invalid configuration${against}: ${list}. An admin must fix agent_instances.config.`,
      "server_error",
      "invalid_instance_config",
      problems[0].field || null,
    ),
  };
}
