/**
 * The request path shared by every function that calls an LLM (llm-proxy, chat): forward an
 * OpenAI-format chat completion to its provider, hand the answer back as it arrives, and record
 * the interaction in the ledger once it is over. Nothing here waits on the database before the
 * answer is returned: prices are resolved and rows written after the response, off the hot path.
 */
import type { Caller } from "../auth/caller.ts";
import { corsHeaders } from "../http/cors.ts";
import { db } from "../runtime/db.ts";
import { env, envSnapshot } from "../runtime/env.ts";
import { ApiError } from "../http/errors.ts";
import { type FeatureRow, Ledger, type LedgerEntry, type LedgerStatus } from "../ledger/writer.ts";
import { buildLedgerEntry } from "../ledger/entry.ts";
import type { Json } from "../runtime/schema.ts";
import type { ChatCompletionRequest } from "../openai/chat-schema.ts";
import { sendWithFallbacks } from "../controls/fallback.ts";
import type { Attempt } from "../controls/retry.ts";
import { priceKeys, type ResolvedPrice, resolvePrice } from "../billing/price-lookup.ts";
import { type ProviderTarget, resolveProvider, withoutUsageCost } from "../providers/index.ts";
import { type AssembledToolCall, type StreamError, type StreamResult, teeChatStream } from "./stream-tee.ts";
import { estimateUsage } from "../billing/token-estimate.ts";
import { UpstreamGuard } from "./upstream.ts";
import { emptyUsage, type NormalizedUsage } from "../billing/usage.ts";

/** What a call is about, beyond its body: who, where from, and how to attribute it. */
export interface CallContext {
  requestId: string;
  caller: Caller;
  receivedAt: Date;
  /** performance.now() when the request arrived; latency counts from here. */
  startedAt: number;
  ip: string | null;
  /** From the platform's geo header, when configured (see client-address.ts). */
  country?: string | null;
  conversationId: string | null;
  properties: Record<string, Json>;
  /** Aborted when the client goes away. */
  clientSignal: AbortSignal;
  /** Set by functions that serve agent instances (chat). */
  agent?: {
    sessionId: string | null;
    instanceId: string;
    instanceSlug: string;
    agentType: string;
  };
  /** Set by feature calls (mentor, guru, twin; llm-proxy with x-feature). */
  feature?: FeatureHook;
  /** Headers for every answer (x-ratelimit-*). */
  extraHeaders?: Record<string, string>;
  /** Upstream retries for this call (x-max-retries); else the account's setting, else 2. */
  maxRetries?: number | null;
  /** Upstream attempts, filled while forwarding. */
  attempts?: Attempt[];
  /** Models to try when the requested one fails (the body's `fallbacks`, else the instance's); else the account's. */
  fallbacks?: string[] | null;
  /** The models tried in order, when there were fallbacks to try. */
  modelsTried?: string[];
}

/** A feature's part in recording a call: an optional check of the answer and its own row. */
export interface FeatureHook {
  /** Checks a complete answer; a failure turns the call into an error (502), logged with its usage. */
  check?(text: string): { code: string; message: string } | null;
  /** The feature row stored in the same ledger batch as the call (null: none). */
  row(answer: { status: CallOutcome["status"]; text: string }): FeatureRow | null;
}

/** What the ledger keeps of the client's request (also for bodies that failed validation). */
export interface LoggedRequest {
  model: string;
  messages: readonly unknown[];
  stream: boolean;
  user: string | null;
  body: Json;
}

export function loggedRequest(body: ChatCompletionRequest): LoggedRequest {
  return {
    model: body.model,
    messages: body.messages,
    stream: body.stream === true,
    user: typeof body.user === "string" ? body.user : null,
    body: body as unknown as Json,
  };
}

/** How a call ended, for callers that keep more than the ledger (chat stores the answer). */
export interface CallOutcome {
  requestId: string;
  status: "complete" | "partial" | "error";
  text: string;
  toolCalls: AssembledToolCall[];
  finishReason: string | null;
  usage: NormalizedUsage;
  usageSource: "provider" | "estimated";
  cost: string | null;
  latencyMs: number;
  error: { code: string | null; message: string } | null;
  /** Settles when the ledger rows are stored. */
  logged: Promise<void>;
}

export interface CallResult {
  response: Response;
  /** Settles after the response is finished (streams: after the last byte or the abort). */
  outcome: Promise<CallOutcome>;
}

const maxBacklog = Number(env("LEDGER_MAX_BACKLOG") ?? NaN);
const ledger = new Ledger(db, Number.isInteger(maxBacklog) && maxBacklog > 0 ? { maxBacklog } : {});

/** The ledger of this worker: queued rows, whether it is full or stalled, rows dead-lettered. */
export function ledgerStatus(): LedgerStatus {
  return ledger.status();
}

/** Queues rows built elsewhere (calls an app reports itself) in this worker's ledger; settles once stored. */
export function recordEntry(entry: LedgerEntry, options?: { awaited?: boolean }): Promise<void> {
  return ledger.record(entry, options);
}

/**
 * Refuses a new call (503, before anything is forwarded) while the ledger's backlog is full, so a
 * database that cannot keep up never turns into unbounded memory or answered-but-unlogged calls.
 * The refusal itself is not logged: there is no room to queue it.
 */
export function admitCall(): void {
  if (!ledger.full) return;
  console.error(`[ledger] backlog full (${ledger.backlog} rows queued): refusing a new call`);
  throw new ApiError(
    503,
    "The gateway cannot record calls right now (its log backlog is full); retry shortly",
    "server_error",
    "ledger_backlog_full",
    null,
    { "retry-after": "5" },
  );
}

/** Keeps the worker alive for work that outlives the response (Supabase Edge Runtime). */
export function runInBackground(promise: Promise<unknown>): void {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime;
  runtime?.waitUntil(promise);
}

/** How a call ended, as the ledger records it. */
export interface Ending {
  status: CallOutcome["status"];
  httpStatus: number;
  usage: NormalizedUsage;
  usageSource: "provider" | "estimated";
  finishReason: string | null;
  text: string;
  toolCalls: AssembledToolCall[];
  responseBody: Json | null;
  ttftMs: number | null;
  error: { code: string | null; message: string } | null;
  /** Answered from the response cache: what the original call cost. */
  cacheHit?: { costSaved: string | null };
}

/**
 * A call answered from the response cache (controls/response-cache.ts): the stored bytes replayed
 * (a stream as a stream), logged like any call with no tokens, cost 0 and the cost it saved.
 */
export function answerFromCache(
  ctx: CallContext,
  body: ChatCompletionRequest,
  hit: { contentType: string; body: string; model: string; costSaved: string | null },
): CallResult {
  const request = { ...loggedRequest(body), model: hit.model };
  const resolved = resolveProvider(hit.model, envSnapshot());
  const target = resolved.ok ? resolved.value.target : null;
  const isJson = hit.contentType === "application/json";
  const outcome = record(ctx, request, target, {
    status: "complete",
    httpStatus: 200,
    usage: emptyUsage(),
    usageSource: "provider",
    finishReason: null,
    text: "",
    toolCalls: [],
    responseBody: isJson ? JSON.parse(hit.body) as Json : { replayed: "stream" },
    ttftMs: null,
    error: null,
    cacheHit: { costSaved: hit.costSaved },
  }, priceFor(ctx, target, hit.model));
  const headers = { ...responseHeaders(ctx, hit.contentType), ...(isJson ? {} : { "cache-control": "no-cache" }) };
  return { response: new Response(hit.body, { status: 200, headers }), outcome };
}

/** Forwards a validated chat completion; errors come back as OpenAI-shape responses, and are logged. */
export async function forwardChatCompletion(
  ctx: CallContext,
  body: ChatCompletionRequest,
  /** What the ledger keeps of the request, when the client sent another format (Anthropic's). */
  request: LoggedRequest = loggedRequest(body),
): Promise<CallResult> {
  const resolved = resolveProvider(body.model, envSnapshot());
  if (!resolved.ok) return failedCall(ctx, request, null, resolved.error);
  let { target, adapter } = resolved.value;
  // Looked up while the provider answers, so recording the finished call does not wait for it.
  let pricing = priceFor(ctx, target, request.model);

  const guard = new UpstreamGuard(ctx.clientSignal);
  try {
    const sent = await sendWithFallbacks(ctx, body, { target, adapter }, guard.signal, envSnapshot());
    const { upstream, call } = sent;
    guard.answered();
    if (sent.target !== target) {
      // A fallback answered: the row is the serving model's, at its price.
      ({ target, adapter } = sent);
      request = { ...request, model: sent.body.model };
      pricing = priceFor(ctx, target, request.model);
    }
    if (!upstream.ok) {
      const error = adapter.normalizeError(upstream.status, await upstream.text(), upstream.headers);
      return failedCall(ctx, request, target, error);
    }
    if (!call.stream) {
      const text = await upstream.text();
      const completion = adapter.normalizeResponse(JSON.parse(text));
      // OpenAI-format providers' bytes go back untouched; Anthropic's are the translated body.
      // OpenRouter's cost goes back only to clients that asked for it.
      const out = target.provider === "anthropic"
        ? JSON.stringify(completion.body)
        : call.clientWantsCost
        ? text
        : JSON.stringify(withoutUsageCost(completion.body));
      const usage = completion.usage ?? null;
      const ending: Ending = {
        status: "complete",
        httpStatus: 200,
        usage: usage ??
          (await estimateUsage(body.messages, { text: completion.text, toolCalls: completion.toolCalls })),
        usageSource: usage ? "provider" : "estimated",
        finishReason: completion.finishReason,
        text: completion.text,
        toolCalls: completion.toolCalls,
        responseBody: completion.body as Json,
        ttftMs: null,
        error: null,
      };
      const response = new Response(out, { status: 200, headers: responseHeaders(ctx, "application/json") });
      return { response, outcome: record(ctx, request, target, ending, pricing) };
    }

    let reported: NormalizedUsage | null = null;
    const teed = teeChatStream(adapter.toOpenAIStream(upstream.body!, (u) => (reported = u)), {
      clientWantsUsage: call.clientWantsUsage,
      clientWantsCost: call.clientWantsCost,
      reportedUsage: () => reported,
      startedAt: ctx.startedAt,
      messages: body.messages,
      onCancel: () => guard.cancel(),
    });
    const outcome = teed.result.then((r) => {
      const summary = streamSummary(r.responseId, r.model, r.text, r.toolCalls, r.finishReason, r.usage);
      return record(ctx, request, target, streamEnding(r, r.clientCancelled, summary), pricing);
    });
    const response = new Response(teed.stream, {
      status: 200,
      headers: { ...responseHeaders(ctx, "text/event-stream"), "cache-control": "no-cache" },
    });
    return { response, outcome };
  } catch (err) {
    return failedCall(ctx, request, target, guard.failure(err));
  } finally {
    guard.release();
  }
}

/** How a streamed call ended, from what the tee collected; `responseBody` is what the log keeps of the answer. */
export function streamEnding(r: StreamResult, clientCancelled: boolean, responseBody: Json): Ending {
  return {
    status: clientCancelled ? "partial" : r.status === "success" ? "complete" : r.status,
    httpStatus: 200,
    usage: r.usage,
    usageSource: r.usageSource,
    finishReason: r.finishReason,
    text: r.text,
    toolCalls: r.toolCalls,
    responseBody,
    ttftMs: r.ttftMs === null ? null : Math.round(r.ttftMs),
    error: streamError(r.error, clientCancelled),
  };
}

function streamError(e: StreamError | null, clientCancelled: boolean): { code: string | null; message: string } | null {
  if (clientCancelled) {
    return { code: "client_disconnected", message: "The client closed the stream before it finished" };
  }
  return e && { code: e.code ?? e.type ?? "upstream_error", message: e.message };
}

function streamSummary(
  id: string | null,
  model: string | null,
  text: string,
  toolCalls: AssembledToolCall[],
  finishReason: string | null,
  usage: NormalizedUsage,
): Json {
  return {
    id,
    object: "chat.completion",
    model,
    choices: [{
      index: 0,
      message: {
        role: "assistant",
        content: text,
        ...(toolCalls.length ? { tool_calls: toolCalls as unknown as Json } : {}),
      },
      finish_reason: finishReason,
    }],
    usage: usage as unknown as Json,
  };
}

export function responseHeaders(ctx: CallContext, contentType: string): Record<string, string> {
  return { ...corsHeaders, ...ctx.extraHeaders, "content-type": contentType, "x-request-id": ctx.requestId };
}

/** A call that ended in an error before any answer: respond in OpenAI's shape and log it. */
export function failedCall(
  ctx: CallContext,
  req: LoggedRequest,
  target: ProviderTarget | null,
  error: ApiError,
): CallResult {
  const outcome = record(ctx, req, target, {
    status: "error",
    httpStatus: error.status,
    usage: emptyUsage(),
    usageSource: "provider",
    finishReason: null,
    text: "",
    toolCalls: [],
    responseBody: error.toJSON() as unknown as Json,
    ttftMs: null,
    error: { code: error.code ?? error.type, message: error.message },
  });
  return { response: error.toResponse({ ...ctx.extraHeaders, "x-request-id": ctx.requestId }), outcome };
}

function priceFor(ctx: CallContext, target: ProviderTarget | null, model: string): Promise<ResolvedPrice> {
  const keys = priceKeys(target?.provider ?? "unknown", target?.model ?? model, model);
  // Without prices the call is still logged, with its cost unknown (null), never 0.
  return resolvePrice(db(), ctx.caller.accountId, keys).catch(() => ({ price: null, source: "unknown" as const }));
}

/**
 * Prices a finished call and queues its ledger rows. Runs after the answer went out; the returned
 * outcome's `logged` settles when the rows are stored.
 */
export async function record(
  ctx: CallContext,
  req: LoggedRequest,
  target: ProviderTarget | null,
  end: Ending,
  pricing = priceFor(ctx, target, req.model),
): Promise<CallOutcome> {
  const rejected = end.status === "complete" ? ctx.feature?.check?.(end.text) ?? null : null;
  if (rejected) end = { ...end, status: "error", httpStatus: 502, error: rejected };
  const latencyMs = Math.round(performance.now() - ctx.startedAt);
  const entry = buildLedgerEntry({
    requestId: ctx.requestId,
    interactionId: crypto.randomUUID(),
    at: ctx.receivedAt,
    caller: ctx.caller,
    userId: ctx.caller.userId,
    agent: ctx.agent,
    endUser: req.user,
    conversationId: ctx.conversationId,
    properties: ctx.properties,
    provider: target?.provider ?? "unknown",
    model: req.model,
    isStream: req.stream,
    status: end.status,
    httpStatus: end.httpStatus,
    finishReason: end.finishReason,
    error: end.error,
    requestBody: req.body,
    responseBody: end.responseBody,
    messages: req.messages,
    usage: end.usage,
    usageSource: end.usageSource,
    price: await pricing,
    latencyMs,
    ttftMs: end.ttftMs,
    ip: ctx.ip,
    country: ctx.country ?? null,
    attempts: (ctx.attempts ?? []) as unknown as Json[],
    modelsTried: ctx.modelsTried ?? null,
    cacheHit: end.cacheHit ?? null,
  });
  const row = entry.llmRequest;
  // The stored error is redacted, also for callers that keep it (chat's message metadata).
  const error = row.error_message === null ? null : { code: row.error_code, message: row.error_message };
  const cost = row.computed_cost;
  const feature = ctx.feature?.row({ status: end.status, text: end.text }) ?? null;
  const logged = ledger.record({ ...entry, feature });
  runInBackground(logged);
  return {
    requestId: ctx.requestId,
    status: end.status,
    text: end.text,
    toolCalls: end.toolCalls,
    finishReason: end.finishReason,
    usage: end.usage,
    usageSource: end.usageSource,
    cost,
    latencyMs,
    error,
    logged,
  };
}
