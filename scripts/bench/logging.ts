// Section 2: the logging path. 100k synthetic calls written through the proxy's own Ledger
// (functions/_shared/ledger.ts: batched jsonb_populate_recordset insert of llm_requests +
// ai_interactions in one statement), then table + index size per million rows.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { Ledger, type LedgerEntry } from "../../functions/_shared/ledger.ts";
import { createProxyFixture, tableExists } from "./fixtures.ts";

export interface LoggingResult {
  calls: number;
  path: string;
  batchSize: number;
  writers: number;
  elapsedS: number;
  callsPerS: number;
  rowsPerS: number;
  sizes: { table: string; totalMiBPerM: number; heapMiBPerM: number; indexMiBPerM: number }[];
  notes: string[];
}

const MODELS = ["openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash"];

function entry(i: number, f: { accountId: string; slug: string; userId: string; keyId: string | null }): LedgerEntry {
  const id = randomUUID();
  const now = new Date().toISOString();
  const model = MODELS[i % MODELS.length];
  const stream = i % 2 === 0;
  const request = {
    model,
    stream,
    messages: [
      { role: "system", content: "You are the academy mentor. Answer briefly and cite the lesson." },
      { role: "user", content: `Question ${i}: how do I compute the derivative of x^2 sin(x)? My email is [REDACTED_EMAIL].` },
    ],
  };
  const response = {
    id: "chatcmpl-" + id.slice(0, 12),
    model,
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Use the product rule: 2x sin(x) + x^2 cos(x)." } }],
  };
  return {
    llmRequest: {
      id, created_at: now, account_id: f.accountId, account_slug: f.slug, session_id: null, agent_instance_id: null,
      agent_instance_slug: null, agent_type: null, user_id: f.userId, api_key_id: f.keyId, end_user: null,
      conversation_id: null, properties: i % 5 === 0 ? { feature: "mentor" } : {}, provider: "openrouter", model,
      is_stream: stream, completion_status: "complete", http_status: 200, finish_reason: "stop", error_code: null,
      error_message: null, request_body: request, response_body: response, prompt_tokens: 42, completion_tokens: 18,
      total_tokens: 60, cached_tokens: 0, cache_creation_tokens: null, reasoning_tokens: 0, usage_source: "provider",
      unit_cost_prompt: "0.00000015", unit_cost_completion: "0.0000006", unit_cost_cached: "0.000000075",
      unit_cost_cache_creation: null, unit_cost_reasoning: null, computed_cost: "0.0000171", provider_cost: null,
      price_source: "model_prices", latency_ms: 180 + (i % 400), time_to_first_token_ms: stream ? 90 : null,
      ip_address: "127.0.0.1",
    },
    interaction: {
      id: randomUUID(), timestamp: now, account_id: f.accountId, llm_request_id: id, request, response,
      latency_ms: 180 + (i % 400), error_code: null, error_message: null, model_name: model, user_id: f.userId,
      file_metadata: null, status: "success", prompt_hash: null, ip_address: "127.0.0.1",
    },
  };
}

async function sizes(sql: postgres.Sql, table: string) {
  const [r] = await sql`select pg_total_relation_size(${table}::regclass)::float8 as total,
                               pg_indexes_size(${table}::regclass)::float8 as idx`;
  return { total: r.total as number, idx: r.idx as number };
}

export async function runLogging(opts: { sql: postgres.Sql; dbUrl: string; calls: number; log: (s: string) => void }): Promise<LoggingResult | undefined> {
  const { sql, log } = opts;
  if (!(await tableExists(sql, "public.llm_requests")) || !(await tableExists(sql, "public.ai_interactions"))) {
    log("logging: llm_requests / ai_interactions missing, skipped");
    return undefined;
  }
  const fx = await createProxyFixture(sql);
  if (!fx) return undefined;
  const [acc] = await sql`select slug from public.accounts where id = ${fx.accountId}`;
  const [key] = await sql`select id from public.api_keys where account_id = ${fx.accountId} limit 1`;
  const f = { accountId: fx.accountId, slug: acc.slug as string, userId: fx.userId, keyId: (key?.id as string) ?? null };
  // The pool the functions use (functions/_shared/db.ts): max 10, prepare false.
  const pool = postgres(opts.dbUrl, { prepare: false, max: 10, onnotice: () => {} });
  const errors: string[] = [];
  const ledger = new Ledger(() => pool, { onError: (m) => errors.length < 5 && errors.push(m) });
  const before = { r: await sizes(sql, "public.llm_requests"), a: await sizes(sql, "public.ai_interactions") };
  const [{ n: n0 }] = await sql`select count(*)::int as n from public.llm_requests`;
  // Calls finish in waves, as concurrent requests would: 500 per event-loop turn.
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < opts.calls; i += 500) {
    for (let j = i; j < Math.min(opts.calls, i + 500); j++) pending.push(ledger.record(entry(j, f)));
    await new Promise((r) => setImmediate(r));
  }
  await Promise.all(pending);
  const elapsedS = (performance.now() - t0) / 1000;
  await pool.end({ timeout: 5 });
  const [{ n: n1 }] = await sql`select count(*)::int as n from public.llm_requests`;
  const after = { r: await sizes(sql, "public.llm_requests"), a: await sizes(sql, "public.ai_interactions") };
  const perM = (bytes: number) => (bytes / opts.calls) * 1e6 / 2 ** 20;
  const res: LoggingResult = {
    calls: opts.calls,
    path: "functions/_shared/ledger.ts Ledger.record() (the proxy's own write path), Node + postgres.js pool of 10",
    batchSize: 200,
    writers: 1,
    elapsedS,
    callsPerS: opts.calls / elapsedS,
    rowsPerS: (2 * opts.calls) / elapsedS,
    sizes: [
      { table: "llm_requests", totalMiBPerM: perM(after.r.total - before.r.total), heapMiBPerM: perM(after.r.total - before.r.total - (after.r.idx - before.r.idx)), indexMiBPerM: perM(after.r.idx - before.r.idx) },
      { table: "ai_interactions", totalMiBPerM: perM(after.a.total - before.a.total), heapMiBPerM: perM(after.a.total - before.a.total - (after.a.idx - before.a.idx)), indexMiBPerM: perM(after.a.idx - before.a.idx) },
    ],
    notes: [
      `rows written: ${n1 - n0} llm_requests for ${opts.calls} calls` + (n1 - n0 === opts.calls ? " (all)" : " (MISMATCH)"),
      "each call: ~0.5 KB request/response bodies (redacted shape), one ai_interactions row; every index and trigger of the migrations active",
      ...errors.map((e) => `ledger: ${e}`),
    ],
  };
  log(`logging: ${opts.calls} calls in ${elapsedS.toFixed(2)} s = ${res.callsPerS.toFixed(0)} calls/s (${res.rowsPerS.toFixed(0)} rows/s); ` +
    res.sizes.map((s) => `${s.table} ${s.totalMiBPerM.toFixed(0)} MiB/M`).join(", "));
  return res;
}
