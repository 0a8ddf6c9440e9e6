/**
 * The interaction ledger's write path. Rows are queued by the request that produced them and
 * written off the hot path in batches: one statement (one round trip) inserts every queued
 * llm_requests and ai_interactions row (plus, for agent calls, the agent metrics derived from them,
 * and for feature calls their ai_mentor_chats / guru_interactions / employee_twin_interactions row)
 * and stamps the API keys used. `record()` settles once the rows are stored, so
 * `EdgeRuntime.waitUntil(record(...))` keeps the worker alive for them. Inserts are idempotent
 * (`on conflict do nothing` on the primary keys, (id, created_at) and (id, "timestamp"): the tables
 * are partitioned by month), so a retry after a lost acknowledgement never duplicates a row.
 *
 * Failures, by what they mean:
 * - the connection is lost or refused (see `isConnectionError`): the database is down; the batch
 *   stays queued and is retried with backoff until it lands;
 * - a lock conflict of the moment (deadlock, serialization failure, lock timeout: e.g. against the
 *   partition upkeep of `private.run_log_maintenance`): the same batch is tried again, a few times;
 * - anything else: some row in the batch is unstorable. The batch is split in halves until the
 *   offending rows stand alone; the good rows land and each bad row goes to
 *   `private.ledger_dead_letters` as JSON text, which stores any payload. One tenant's hostile
 *   input never stalls anyone else's logging, and no row is dropped silently.
 * Before anything is sent, NUL characters and lone UTF-16 surrogates (which jsonb and text refuse)
 * become U+FFFD in every string of the rows, keys included.
 */
import type { Sql } from "../runtime/db.ts";
import { env } from "../runtime/env.ts";
import { capDepth } from "../http/limits.ts";
import type { CompleteInsert, Json, Refine } from "../runtime/schema.ts";

/** Where a call's price came from; `+rule` / `+estimate` mark a filled-in price (billing/cost.ts `fallback`). */
export type PriceSource = `${"model_prices" | "account_override"}${"" | "+rule" | "+estimate"}` | "unknown";

export function priceSourceOf(
  source: "model_prices" | "account_override" | "unknown",
  fallback: "rule" | "estimate" | null,
): PriceSource {
  if (source === "unknown") return "unknown";
  return fallback ? `${source}+${fallback}` : source;
}

/** An exact decimal as text: costs travel as strings, never through a float. */
type Decimal = string;

/**
 * A public.llm_requests row, every column set; `id` is the request id returned to the client as x-request-id.
 * Narrower than the schema where the ledger knows more: check-constrained values, decimals as text, an address.
 */
export type LlmRequestRow = Refine<CompleteInsert<"llm_requests">, {
  completion_status: "complete" | "partial" | "error";
  usage_source: "provider" | "estimated" | null;
  unit_cost_prompt: Decimal | null;
  unit_cost_completion: Decimal | null;
  unit_cost_cached: Decimal | null;
  unit_cost_cache_creation: Decimal | null;
  unit_cost_cache_creation_1h: Decimal | null;
  unit_cost_reasoning: Decimal | null;
  computed_cost: Decimal | null;
  provider_cost: Decimal | null;
  price_source: PriceSource;
  is_stream: boolean;
  cost_saved: Decimal | null;
  ip_address: string | null;
}>;

/** A public.ai_interactions row (the seed's generic AI call log), every column set. */
export type AiInteractionRow = Refine<CompleteInsert<"ai_interactions">, {
  llm_request_id: string;
  model_name: string;
  status: "success" | "partial" | "error";
  ip_address: string | null;
}>;

/**
 * A feature row (AI mentor, guru, twin) stored with its call. `row` holds the feature's own columns
 * and `llm_request_id`; model, tokens, cost and latency are copied from the llm_requests row in SQL.
 */
export interface FeatureRow {
  table: FeatureTable;
  row: { [column: string]: Json };
}
export type FeatureTable = "ai_mentor_chats" | "guru_interactions" | "employee_twin_interactions";

export interface LedgerEntry {
  llmRequest: LlmRequestRow;
  interaction: AiInteractionRow | null;
  feature?: FeatureRow | null;
}

const LLM_REQUEST_COLUMNS = [
  "id",
  "created_at",
  "account_id",
  "account_slug",
  "session_id",
  "agent_instance_id",
  "agent_instance_slug",
  "agent_type",
  "user_id",
  "api_key_id",
  "end_user",
  "conversation_id",
  "properties",
  "provider",
  "model",
  "is_stream",
  "completion_status",
  "http_status",
  "finish_reason",
  "error_code",
  "error_message",
  "prompt_tokens",
  "completion_tokens",
  "total_tokens",
  "cached_tokens",
  "cache_creation_tokens",
  "reasoning_tokens",
  "usage_source",
  "unit_cost_prompt",
  "unit_cost_completion",
  "unit_cost_cached",
  "unit_cost_cache_creation",
  "unit_cost_reasoning",
  "computed_cost",
  "provider_cost",
  "price_source",
  "latency_ms",
  "time_to_first_token_ms",
  "ip_address",
  "cache_creation_1h_tokens",
  "unit_cost_cache_creation_1h",
  "service_tier",
  "country",
  "attempt_count",
  "attempts",
  "models_tried",
  "cache_hit",
  "cost_saved",
] as const satisfies readonly (keyof LlmRequestRow)[];

const AI_INTERACTION_COLUMNS = [
  "id",
  "timestamp",
  "account_id",
  "llm_request_id",
  "request",
  "response",
  "latency_ms",
  "error_code",
  "error_message",
  "model_name",
  "user_id",
  "file_metadata",
  "status",
  "prompt_hash",
  "ip_address",
  "provider",
  "conversation_id",
  "properties",
  "country",
] as const satisfies readonly (keyof AiInteractionRow)[];

const list = (cols: readonly string[]) => cols.map((c) => `"${c}"`).join(", ");

/**
 * Calls made for an agent instance (chat) also feed the seed's agent tables, derived in the same
 * statement from the llm_requests rows just inserted, so a retried batch (conflict, nothing
 * returned) never counts a request twice:
 * - agent_performance_metrics, one row per call. A call the client walked away from counts as a
 *   success: the agent did not fail, the visitor left.
 * - agent_usage_log, one row per (session, instance), accumulated. The total cost stays unknown
 *   (null) once a call that used tokens could not be priced; a call without tokens costs 0. Calls
 *   without a session (llm-proxy with x-agent-instance) add one row per instance and batch.
 */
const AGENT_METRICS = `performance as (
  insert into public.agent_performance_metrics (account_id, agent_instance_id, response_time_ms, request_type, status, created_at)
  select account_id, agent_instance_id, latency_ms,
         case when finish_reason = 'tool_calls' then 'tool_call' when is_stream then 'stream' else 'chat' end,
         case when completion_status = 'complete' or error_code = 'client_disconnected' then 'success'
              when http_status = 504 or error_code = 'upstream_timeout' then 'timeout'
              else 'error' end,
         created_at
    from requests where agent_instance_id is not null
  returning 1
), agent_usage as (
  insert into public.agent_usage_log as u (account_id, agent_instance_id, session_id, request_count, total_tokens, total_cost, created_at, updated_at)
  select account_id, agent_instance_id, session_id, count(*), sum(coalesce(total_tokens, 0)),
         case when bool_or(computed_cost is null and coalesce(total_tokens, 0) > 0) then null
              else sum(coalesce(computed_cost, 0)) end,
         min(created_at), max(created_at)
    from requests where agent_instance_id is not null
   group by account_id, agent_instance_id, session_id
  on conflict (session_id, agent_instance_id) do update
     set request_count = u.request_count + excluded.request_count,
         total_tokens = u.total_tokens + excluded.total_tokens,
         total_cost = u.total_cost + excluded.total_cost,
         updated_at = greatest(u.updated_at, excluded.updated_at)
  returning 1
)`;

/**
 * The tail of each feature insert: its rows (statement parameter `param`, a JSON array) joined to the
 * requests this batch wrote (a feature row is written only with its call), skipping ids already stored.
 */
function featureRowsOf(table: FeatureTable, param: string): string {
  return `from json_populate_recordset(null::public.${table}, ${param}::text::json) f
    join requests r on r.id = f.llm_request_id
  on conflict (id) do nothing
  returning 1`;
}

/**
 * Feature rows, in the same statement as their llm_requests row and joined to it, so they exist
 * exactly when it does (a retried batch inserts neither twice), and model, tokens, cost (exactly
 * computed_cost, null stays null) and latency are the ledger's by construction. References to
 * account content deleted meanwhile (course, topic, variant) become null rather than failing the batch.
 */
const FEATURES: Record<FeatureTable, (param: string) => string> = {
  ai_mentor_chats: (param) =>
    `mentor as (
  insert into public.ai_mentor_chats (id, account_id, user_id, course_id, topic_id, conversation_id, question, response,
    conversation_context, prompt_variant_id, question_hash, llm_request_id, created_at,
    model, tokens_used, cost_usd, response_time_ms)
  select f.id, f.account_id, f.user_id,
         (select c.id from public.courses c where c.id = f.course_id and c.account_id = f.account_id),
         (select t.id from public.module_topics t where t.id = f.topic_id and t.account_id = f.account_id),
         f.conversation_id, f.question, f.response, coalesce(f.conversation_context, '[]'::jsonb),
         (select v.id from public.ai_prompt_variants v where v.id = f.prompt_variant_id and v.account_id = f.account_id),
         f.question_hash, r.id, r.created_at, r.model, coalesce(r.total_tokens, 0), r.computed_cost,
         coalesce(r.latency_ms, 0)
    ${featureRowsOf("ai_mentor_chats", param)}
)`,
  guru_interactions: (param) =>
    `guru as (
  insert into public.guru_interactions (id, org_id, student_id, agent_type, conversation_id, input, output,
    llm_request_id, created_at, model_used, tokens_used, cost_usd, latency_ms)
  select f.id, f.org_id, f.student_id, f.agent_type, f.conversation_id, f.input, f.output,
         r.id, r.created_at, r.model, coalesce(r.total_tokens, 0), r.computed_cost, coalesce(r.latency_ms, 0)
    ${featureRowsOf("guru_interactions", param)}
)`,
  employee_twin_interactions: (param) =>
    `twin as (
  insert into public.employee_twin_interactions (id, org_id, user_id, twin_role, interaction_type, prompt, response,
    context, llm_request_id, created_at, updated_at, model_used, tokens_used, cost_usd, latency_ms)
  select f.id, f.org_id, f.user_id, f.twin_role, f.interaction_type, f.prompt, f.response,
         coalesce(f.context, '{}'::jsonb), r.id, r.created_at, r.created_at, r.model, r.total_tokens, r.computed_cost,
         r.latency_ms
    ${featureRowsOf("employee_twin_interactions", param)}
)`,
};

// json_populate_recordset maps each JSON object onto the table's row type, so one parameter
// carries a whole batch; the explicit column lists keep column defaults out of play. `json`, not
// `jsonb`: the batch is read once, so building a jsonb of it first (parsing every value, sorting every
// object's keys) only to take it apart again cost Postgres ~10% of a logged call at 500 rows.
const REQUESTS = `requests as (
  insert into public.llm_requests (${list(LLM_REQUEST_COLUMNS)})
  select ${list(LLM_REQUEST_COLUMNS)} from json_populate_recordset(null::public.llm_requests, $1::text::json)
  on conflict (id, created_at) do nothing
  returning id, model, account_id, session_id, agent_instance_id, created_at, is_stream, finish_reason,
            completion_status, error_code, http_status, latency_ms, total_tokens, computed_cost
)`;
const INTERACTIONS = (param: string) =>
  `interactions as (
  insert into public.ai_interactions (${list(AI_INTERACTION_COLUMNS)})
  select ${
    list(AI_INTERACTION_COLUMNS)
  } from json_populate_recordset(null::public.ai_interactions, ${param}::text::json)
  on conflict (id, "timestamp") do nothing
  returning 1
)`;
const KEYS = (param: string) =>
  `keys as (
  update public.api_keys set last_used_at = now()
  where id = any(${param}::text::uuid[]) and (last_used_at is null or last_used_at < now() - interval '1 minute')
  returning 1
)`;

/**
 * The batch's one statement, with only the parts its rows need (agent metrics, each feature table, API
 * keys): every statement is planned anew (no prepared statements through the transaction pooler),
 * and planning the unused parts was a fixed cost of every batch. Each row's JSON was built when it
 * was queued (`pending`), so a batch only joins text: no event-loop turn encodes a whole batch.
 */
function batchStatement(batch: Pending[]): { text: string; params: string[] } {
  const requests: string[] = [];
  const interactions: string[] = [];
  for (const { id, json } of batch) {
    if (json === null) throw new Error(`row ${id} cannot be encoded as JSON`);
    requests.push(json.request);
    if (json.interaction !== null) interactions.push(json.interaction);
  }
  const params = [`[${requests.join(",")}]`];
  const param = (value: string) => `$${params.push(value)}`;
  const parts = [REQUESTS, INTERACTIONS(param(`[${interactions.join(",")}]`))];
  if (batch.some((p) => p.agentInstanceId !== null)) parts.push(AGENT_METRICS);
  for (const table of Object.keys(FEATURES) as FeatureTable[]) {
    const rows = batch.flatMap((p) => (p.featureTable === table ? [p.json!.feature!] : []));
    if (rows.length > 0) parts.push(FEATURES[table](param(`[${rows.join(",")}]`)));
  }
  const keyIds = [...new Set(batch.flatMap((p) => p.apiKeyId ?? []))];
  if (keyIds.length > 0) parts.push(KEYS(param(`{${keyIds.join(",")}}`)));
  return { text: `with ${parts.join(", ")} select (select count(*) from requests) as requests`, params };
}

/** A queued entry's rows as the JSON text the statement takes; null when they cannot be encoded. */
interface RowsJson {
  request: string;
  interaction: string | null;
  feature: string | null;
}

/**
 * A queued entry as the batch statement takes it. The entry itself is kept only when its JSON is not
 * its exact text (an escape was replaced, or it is too deep to encode), for the dead letter, which
 * stores the original. Otherwise a queued row is its text and a few ids: the entry's objects (the
 * parsed bodies among them) would live through the linger and the statement, long enough for V8 to
 * promote them to the old generation, where they are left for the next full collection (keeping
 * only the text cut the functions' CPU per JSON call at c=32 by 8-15%, scripts/bench/profiles.md).
 */
interface Pending {
  id: string;
  agentInstanceId: string | null;
  apiKeyId: string | null;
  featureTable: FeatureTable | null;
  json: RowsJson | null;
  original: LedgerEntry | null;
  resolve: () => void;
  /** When the row was queued (Date.now()): a batch goes once its oldest row has lingered. */
  queuedAt: number;
}

function pending(entry: LedgerEntry, resolve: () => void, queuedAt: number): Pending {
  const row = entry.llmRequest;
  let json: RowsJson | null = null;
  let exact = false;
  try {
    const request = JSON.stringify(row);
    const interaction = entry.interaction ? JSON.stringify(entry.interaction) : null;
    const feature = entry.feature ? JSON.stringify(entry.feature.row) : null;
    json = {
      request: storableEscapes(request),
      interaction: interaction === null ? null : storableEscapes(interaction),
      feature: feature === null ? null : storableEscapes(feature),
    };
    exact = json.request === request && json.interaction === interaction && json.feature === feature;
  } catch {
    // Nesting too deep for JSON.stringify: the row fails its batch alone and is dead-lettered (capped).
  }
  return {
    id: row.id,
    agentInstanceId: row.agent_instance_id,
    apiKeyId: row.api_key_id,
    featureTable: entry.feature?.table ?? null,
    json,
    original: exact ? null : entry,
    resolve,
    queuedAt,
  };
}

export interface LedgerOptions {
  /** Most rows per statement (default 500). Under load the queue fills while a batch is written, so batches grow. */
  maxBatch?: number;
  /**
   * How long the first row queued into an idle ledger waits for others before its batch is written
   * (default LEDGER_LINGER_MS, else 50 ms). A statement's fixed cost (planning, the rollup triggers)
   * dwarfs a row's, so at low concurrency a few milliseconds turn one statement per call into one per
   * several; a full batch, or one holding a feature row (its caller waits for it), is written at once.
   * Rows queued while a statement runs linger too (counted from when they were queued), so at a
   * steady low rate every batch gathers `lingerMs` of calls, not just the first one after idling.
   * 0 writes what one event-loop turn queued.
   */
  lingerMs?: number;
  /** Backoff between retries while the database is unreachable (the last value repeats). */
  retryDelaysMs?: number[];
  /** Queued rows at which `full` turns true (callers then refuse new calls); default 10,000. */
  maxBacklog?: number;
  /** Rows queued this long without any progress count as a stall (default 30 s). */
  stallAfterMs?: number;
  onError?: (message: string) => void;
}

export interface LedgerStatus {
  /** Rows waiting to be written. */
  backlog: number;
  maxBacklog: number;
  /** The backlog reached `maxBacklog`: new calls are refused until it drains. */
  full: boolean;
  /** Rows are queued and none has been stored for `stallAfterMs`. */
  stalled: boolean;
  /** Rows this instance moved to private.ledger_dead_letters. */
  deadLettered: number;
  /** Rows that could be stored neither as rows nor as dead letters (logged to stderr). */
  lost: number;
}

/**
 * SQLSTATEs and client error codes that mean the database is down or refusing connections, as
 * opposed to refusing these rows: class 08 (connection exception), 57P01-57P03 (the server is
 * shutting down or starting up), 53300 (too many connections), and the socket-level codes of
 * postgres.js and Node/Deno.
 */
const CONNECTION_CODES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "ENETUNREACH",
  "ENETDOWN",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENOTCONN",
]);
/** Deno's own network errors carry their kind in `name` rather than a code. */
const CONNECTION_ERROR_NAMES = new Set([
  "ConnectionRefused",
  "ConnectionReset",
  "ConnectionAborted",
  "NotConnected",
  "BrokenPipe",
  "TimedOut",
]);

/** Only a lost or refused connection is "database down"; every other error is about the rows. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: unknown; name?: unknown } | null;
  const code = typeof e?.code === "string" ? e.code : "";
  return code.startsWith("08") || CONNECTION_CODES.has(code) ||
    (typeof e?.name === "string" && CONNECTION_ERROR_NAMES.has(e.name));
}

/** Conflicts about the moment, not the rows: the same statement can succeed when tried again. */
const TRANSIENT_CODES = new Set(["40P01", "40001", "55P03"]);
const TRANSIENT_RETRY_DELAYS_MS = [20, 100, 500];

export function isTransientError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && TRANSIENT_CODES.has(code);
}

/** One line saying what failed, safe to store as text (no NUL, no lone surrogate). */
function describe(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return storableText(`${e?.code ?? "error"}: ${e?.message ?? String(err)}`);
}

// In JSON text: an escaped backslash (kept as is), an escaped NUL, a surrogate pair (kept), or a
// lone surrogate. Scanning left to right consumes `\\` pairs first, so `\\u0000` (a backslash
// followed by the text u0000) is never mistaken for a NUL.
const UNSTORABLE_ESCAPE = /\\(\\|u0000|ud[89ab][0-9a-f]{2}(?:\\ud[c-f][0-9a-f]{2})?|ud[c-f][0-9a-f]{2})/gi;

/**
 * `json` (JSON.stringify's output) as text Postgres' jsonb accepts: JSON.stringify escapes NUL as
 * \u0000 and a lone surrogate as \udXXX, both of which jsonb refuses (22P05, 22P02); they become
 * \ufffd. The ledger keeps both texts: a row whose text changed is dead-lettered as it was.
 */
export function storableEscapes(json: string): string {
  // Both escapes start with \u: text without one (nearly every row) needs no scan.
  if (!json.includes("\\u")) return json;
  return json.replace(UNSTORABLE_ESCAPE, (m, esc: string) => esc === "\\" || esc.length > 5 ? m : "\\ufffd");
}

const UNSTORABLE_CHAR = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `s` without NUL characters or lone surrogates (U+FFFD instead), for a text column. */
export function storableText(s: string): string {
  return s.replace(UNSTORABLE_CHAR, "\ufffd");
}

/**
 * The entry as JSON text for a text column: NULs and lone surrogates stay escaped, so nothing is
 * lost. Nesting too deep for JSON.stringify's recursion is cut at MAX_JSON_DEPTH (marked). A row
 * queued without its entry had JSON that was already the entry's exact text.
 */
function deadLetterPayload(p: Pending): string {
  if (p.original === null) {
    const { request, interaction, feature } = p.json!;
    const featureJson = feature === null ? "null" : `{"table":${JSON.stringify(p.featureTable)},"row":${feature}}`;
    return `{"llmRequest":${request},"interaction":${interaction ?? "null"},"feature":${featureJson}}`;
  }
  try {
    return JSON.stringify(p.original);
  } catch {
    return JSON.stringify(capDepth(p.original));
  }
}

const DEFAULT_MAX_BACKLOG = 10_000;
const DEFAULT_LINGER_MS = 50;

function lingerFromEnv(): number {
  const ms = Number(env("LEDGER_LINGER_MS") ?? DEFAULT_LINGER_MS);
  return Number.isFinite(ms) && ms >= 0 && ms <= 1000 ? ms : DEFAULT_LINGER_MS;
}

export class Ledger {
  #queue: Pending[] = [];
  #flushing = false;
  #sql: () => Sql;
  #maxBatch: number;
  #lingerMs: number;
  /** The linger timer of the batch being gathered, if any. */
  #linger: ReturnType<typeof setTimeout> | null = null;
  #delays: number[];
  #maxBacklog: number;
  #stallAfterMs: number;
  #onError: (message: string) => void;
  /** When the ledger last stored something, or when the queue last went from empty to non-empty. */
  #progressAt = Date.now();
  #deadLettered = 0;
  #lost = 0;

  constructor(sql: () => Sql, options: LedgerOptions = {}) {
    this.#sql = sql;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#lingerMs = options.lingerMs ?? lingerFromEnv();
    this.#delays = options.retryDelaysMs ?? [100, 250, 500, 1000, 2000, 5000];
    this.#maxBacklog = options.maxBacklog ?? DEFAULT_MAX_BACKLOG;
    this.#stallAfterMs = options.stallAfterMs ?? 30_000;
    this.#onError = options.onError ?? ((m) => console.error(`[ledger] ${m}`));
  }

  /**
   * Queues the rows; the promise settles once they are stored (it never rejects). Rows are always
   * accepted, even past `maxBacklog`: the bound is enforced on admission of new calls (`full`), so
   * a call already answered is never left unlogged. `awaited`: the caller answers only once the rows
   * are stored (feature calls always, ingest), so their batch goes without lingering.
   */
  record(entry: LedgerEntry, { awaited = entry.feature != null }: { awaited?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      const now = Date.now();
      if (this.#queue.length === 0) this.#progressAt = now;
      this.#queue.push(pending(entry, resolve, now));
      // An awaited batch goes with this event-loop turn; other rows let the calls finishing in the next
      // few milliseconds join.
      if (!this.#flushing) {
        this.#flushing = true;
        this.#linger = setTimeout(() => this.#startDrain(), awaited ? 0 : this.#lingerMs);
      } else if (this.#linger !== null && this.#queue.length >= this.#maxBatch) {
        clearTimeout(this.#linger);
        this.#startDrain();
      } else if (this.#linger !== null && awaited) {
        clearTimeout(this.#linger);
        this.#linger = setTimeout(() => this.#startDrain(), 0);
      }
    });
  }

  /** Rows waiting to be written. */
  get backlog(): number {
    return this.#queue.length;
  }

  /** The backlog reached its limit: refuse new calls rather than queue without bound. */
  get full(): boolean {
    return this.#queue.length >= this.#maxBacklog;
  }

  status(): LedgerStatus {
    const backlog = this.#queue.length;
    return {
      backlog,
      maxBacklog: this.#maxBacklog,
      full: this.full,
      stalled: backlog > 0 && Date.now() - this.#progressAt > this.#stallAfterMs,
      deadLettered: this.#deadLettered,
      lost: this.#lost,
    };
  }

  #startDrain(): void {
    this.#linger = null;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    let attempt = 0;
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#maxBatch);
      try {
        await this.#store(batch);
        attempt = 0;
        if (this.#lingerAgain()) return;
      } catch (err) {
        const delay = this.#delays[Math.min(attempt, this.#delays.length - 1)];
        if (attempt === 0 || attempt % 10 === 0) {
          this.#onError(`database unavailable, ${this.#queue.length} rows queued, retrying (${describe(err)})`);
        }
        attempt++;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    this.#flushing = false;
  }

  /**
   * After a batch: when the rows queued meanwhile neither fill a batch nor hold a feature row, they
   * wait until the oldest has lingered `lingerMs` (the drain stays owned: `record()` can cut it short).
   */
  #lingerAgain(): boolean {
    const queue = this.#queue;
    if (queue.length === 0 || queue.length >= this.#maxBatch || queue.some((p) => p.featureTable !== null)) {
      return false;
    }
    const wait = this.#lingerMs - (Date.now() - queue[0].queuedAt);
    if (wait <= 0) return false;
    this.#linger = setTimeout(() => this.#startDrain(), wait);
    return true;
  }

  /**
   * Stores `batch`, splitting it around rows Postgres refuses; throws only when the connection is
   * lost, leaving the rows not yet settled queued.
   */
  async #store(batch: Pending[], transientRetries = 0): Promise<void> {
    try {
      await this.#write(batch);
      batch.forEach((p) => this.#settle(p));
      return;
    } catch (err) {
      if (isConnectionError(err)) throw err;
      if (isTransientError(err) && transientRetries < TRANSIENT_RETRY_DELAYS_MS.length) {
        await new Promise((r) => setTimeout(r, TRANSIENT_RETRY_DELAYS_MS[transientRetries]));
        return await this.#store(batch, transientRetries + 1);
      }
      if (batch.length === 1) return await this.#deadLetter(batch[0], err);
    }
    const half = Math.ceil(batch.length / 2);
    await this.#store(batch.slice(0, half));
    await this.#store(batch.slice(half));
  }

  #settle(pending: Pending): void {
    // Settled rows are at the front of the queue: this finds them at once.
    this.#queue.splice(this.#queue.indexOf(pending), 1);
    this.#progressAt = Date.now();
    pending.resolve();
  }

  /** Throws when the connection is lost before the dead letter is stored (the row stays queued). */
  async #deadLetter(pending: Pending, err: unknown): Promise<void> {
    const id = pending.id;
    this.#onError(`row ${id} rejected (${describe(err)}); moved to private.ledger_dead_letters`);
    try {
      await this.#sql()`
        insert into private.ledger_dead_letters (request_id, payload, error)
        values (${id}, ${deadLetterPayload(pending)}, ${describe(err)})
        on conflict (request_id) do nothing`;
      this.#deadLettered++;
    } catch (deadErr) {
      if (isConnectionError(deadErr)) throw deadErr;
      // JSON text of well-formed strings fits a text column; reaching this is a bug, so say so loudly.
      this.#lost++;
      this.#onError(`row ${id} LOST: it could not be dead-lettered either (${describe(deadErr)})`);
    }
    this.#settle(pending);
  }

  async #write(batch: Pending[]): Promise<void> {
    const { text, params } = batchStatement(batch);
    await this.#sql().unsafe(text, params);
  }
}
