/**
 * The request path shared by every function that calls an LLM (llm-proxy, chat): forward an
 * OpenAI-format chat completion to its provider, hand the answer back as it arrives, and record
 * the interaction in the ledger once it is over. Nothing here waits on the database before the
 * answer is returned: prices are resolved and rows written after the response, off the hot path.
 */
import type { Caller } from "./access.ts";
import { sendWithFallbacks } from "./controls/fallback.ts";
import type { Attempt } from "./controls/retry.ts";
import { corsHeaders } from "./cors.ts";
import { db } from "./db.ts";
import { env, envSnapshot } from "./env.ts";
import { ApiError, badGateway, gatewayTimeout } from "./errors.ts";
import { promptHash } from "./hash.ts";
import { Ledger, type AiInteractionRow, type Json, type LedgerStatus, type LlmRequestRow, priceSourceOf } from "./ledger.ts";
import { capDepth } from "./limits.ts";
import type { ChatCompletionRequest } from "./openai-schema.ts";
import { priceKeys, type ResolvedPrice, resolvePrice } from "./prices.ts";
import { computeCost } from "./pricing.ts";
import { resolveProvider, type ProviderTarget } from "./providers/index.ts";
import { extractFileMetadata, redactText, redactValue, stripBinary } from "./redaction.ts";
import { teeChatStream, type AssembledToolCall, type StreamError } from "./sse.ts";
import { estimateUsage } from "./tokens.ts";
import { emptyUsage, type NormalizedUsage } from "./usage.ts";

/** What a call is about, beyond its body: who, where from, and how to attribute it. */
export interface CallContext {
  requestId: string;
  caller: Caller;
  receivedAt: Date;
  /** performance.now() when the request arrived; latency counts from here. */
  startedAt: number;
  ip: string | null;
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

const upstreamTimeoutMs = () => Number(envSnapshot().UPSTREAM_TIMEOUT_MS ?? 120_000);

/** Keeps the worker alive for work that outlives the response (Supabase Edge Runtime). */
export function runInBackground(promise: Promise<unknown>): void {
  const runtime = (globalThis as { EdgeRuntime?: { waitUntil(p: Promise<unknown>): void } }).EdgeRuntime;
  runtime?.waitUntil(promise);
}

interface Ending {
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
  const target = resolved.ok ? resolved.target : null;
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
export async function forwardChatCompletion(ctx: CallContext, body: ChatCompletionRequest): Promise<CallResult> {
  let request = loggedRequest(body);
  const resolved = resolveProvider(body.model, envSnapshot());
  if (!resolved.ok) return failedCall(ctx, request, null, resolved.error);
  let { target, adapter } = resolved;
  // Looked up while the provider answers, so recording the finished call does not wait for it.
  let pricing = priceFor(ctx, target, request.model);

  const upstreamAbort = new AbortController();
  const onClientAbort = () => upstreamAbort.abort(new DOMException("client disconnected", "AbortError"));
  ctx.clientSignal.addEventListener("abort", onClientAbort, { once: true });
  const timer = setTimeout(
    () => upstreamAbort.abort(new DOMException("upstream timeout", "TimeoutError")),
    upstreamTimeoutMs(),
  );

  try {
    const sent = await sendWithFallbacks(ctx, body, { target, adapter }, upstreamAbort.signal, envSnapshot());
    const { upstream, call } = sent;
    if (sent.target !== target) {
      // A fallback answered: the row is the serving model's, at its price.
      ({ target, adapter } = sent);
      request = { ...request, model: sent.body.model };
      pricing = priceFor(ctx, target, request.model);
    }
    clearTimeout(timer);
    if (!upstream.ok) {
      const error = adapter.normalizeError(upstream.status, await upstream.text(), upstream.headers);
      return failedCall(ctx, request, target, error);
    }
    if (!call.stream) {
      const text = await upstream.text();
      const completion = adapter.normalizeResponse(JSON.parse(text));
      // OpenAI-format providers' bytes go back untouched; Anthropic's are the translated body.
      const out = target.provider === "anthropic" ? JSON.stringify(completion.body) : text;
      const usage = completion.usage ?? null;
      const ending: Ending = {
        status: "complete",
        httpStatus: 200,
        usage: usage ?? (await estimateUsage(body.messages, { text: completion.text, toolCalls: completion.tool_calls })),
        usageSource: usage ? "provider" : "estimated",
        finishReason: completion.finish_reason,
        text: completion.text,
        toolCalls: completion.tool_calls,
        responseBody: completion.body as Json,
        ttftMs: null,
        error: null,
      };
      const response = new Response(out, { status: 200, headers: responseHeaders(ctx, "application/json") });
      return { response, outcome: record(ctx, request, target, ending, pricing) };
    }

    const teed = teeChatStream(adapter.toOpenAIStream(upstream.body!), {
      clientWantsUsage: call.clientWantsUsage,
      startedAt: ctx.startedAt,
      messages: body.messages,
      onCancel: () => upstreamAbort.abort(new DOMException("client disconnected", "AbortError")),
    });
    const outcome = teed.result.then((r) =>
      record(ctx, request, target, {
        status: r.status === "success" ? "complete" : r.status,
        httpStatus: 200,
        usage: r.usage,
        usageSource: r.usage_source,
        finishReason: r.finish_reason,
        text: r.text,
        toolCalls: r.tool_calls,
        responseBody: streamSummary(r.response_id, r.model, r.text, r.tool_calls, r.finish_reason, r.usage),
        ttftMs: r.ttft_ms === null ? null : Math.round(r.ttft_ms),
        error: streamError(r.error, r.client_cancelled),
      }, pricing)
    );
    const response = new Response(teed.stream, {
      status: 200,
      headers: { ...responseHeaders(ctx, "text/event-stream"), "cache-control": "no-cache" },
    });
    return { response, outcome };
  } catch (err) {
    clearTimeout(timer);
    const reason = upstreamAbort.signal.reason as DOMException | undefined;
    if (reason?.name === "TimeoutError") {
      return failedCall(ctx, request, target, gatewayTimeout(`The upstream provider did not answer within ${upstreamTimeoutMs()} ms`));
    }
    if (ctx.clientSignal.aborted) {
      return failedCall(ctx, request, target, new ApiError(499, "The client closed the request", "client_error", "client_disconnected"));
    }
    const message = err instanceof SyntaxError ? "The upstream provider sent an invalid JSON body" : "The upstream provider could not be reached";
    return failedCall(ctx, request, target, badGateway(message));
  } finally {
    ctx.clientSignal.removeEventListener("abort", onClientAbort);
  }
}

function streamError(e: StreamError | null, clientCancelled: boolean): { code: string | null; message: string } | null {
  if (clientCancelled) return { code: "client_disconnected", message: "The client closed the stream before it finished" };
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
      message: { role: "assistant", content: text, ...(toolCalls.length ? { tool_calls: toolCalls as unknown as Json } : {}) },
      finish_reason: finishReason,
    }],
    usage: usage as unknown as Json,
  };
}

export function responseHeaders(ctx: CallContext, contentType: string): Record<string, string> {
  return { ...corsHeaders, ...ctx.extraHeaders, "content-type": contentType, "x-request-id": ctx.requestId };
}

/** A call that ended in an error before any answer: respond in OpenAI's shape and log it. */
export function failedCall(ctx: CallContext, req: LoggedRequest, target: ProviderTarget | null, error: ApiError): CallResult {
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

const redactNullable = (s: string | null): string | null => (s === null ? null : redactText(s));

/**
 * Prices a finished call and queues its ledger rows. Runs after the answer went out; the returned
 * outcome's `logged` settles when the rows are stored.
 */
async function record(
  ctx: CallContext,
  req: LoggedRequest,
  target: ProviderTarget | null,
  end: Ending,
  pricing = priceFor(ctx, target, req.model),
): Promise<CallOutcome> {
  const latencyMs = Math.round(performance.now() - ctx.startedAt);
  const provider = target?.provider ?? "unknown";
  const { price, source } = await pricing;
  const breakdown = computeCost(end.usage, price);
  const cost = breakdown.total;
  const rates = breakdown.rates;
  // Every other string a client or provider chose is redacted too, whatever the body settings;
  // the error also for callers that keep it (chat's message metadata).
  const error = end.error && { code: redactNullable(end.error.code), message: redactText(end.error.message) };
  const model = redactText(req.model);
  const logged = (async () => {
    const settings = ctx.caller.settings;
    // Depth is capped first: a provider's reply can nest without limit, and the walks are recursive.
    const requestBody = settings.log_request_bodies ? redactValue(stripBinary(capDepth(req.body))) : null;
    const responseBody = settings.log_response_bodies && end.responseBody !== null
      ? redactValue(capDepth(end.responseBody))
      : null;
    const agent = ctx.agent;
    const llmRequest: LlmRequestRow = {
      id: ctx.requestId,
      created_at: ctx.receivedAt.toISOString(),
      account_id: ctx.caller.accountId,
      account_slug: ctx.caller.accountSlug,
      session_id: agent?.sessionId ?? null,
      agent_instance_id: agent?.instanceId ?? null,
      agent_instance_slug: agent?.instanceSlug ?? null,
      agent_type: agent?.agentType ?? null,
      user_id: ctx.caller.userId,
      api_key_id: ctx.caller.apiKeyId,
      end_user: redactNullable(req.user),
      conversation_id: redactNullable(ctx.conversationId),
      properties: redactValue(ctx.properties),
      provider,
      model,
      is_stream: req.stream,
      completion_status: end.status,
      http_status: end.httpStatus,
      finish_reason: redactNullable(end.finishReason),
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
      request_body: requestBody,
      response_body: responseBody,
      prompt_tokens: end.usage.prompt_tokens,
      completion_tokens: end.usage.completion_tokens,
      total_tokens: end.usage.total_tokens,
      cached_tokens: end.usage.cached_tokens,
      cache_creation_tokens: end.usage.cache_creation_tokens,
      reasoning_tokens: end.usage.reasoning_tokens,
      usage_source: end.usageSource,
      unit_cost_prompt: rates?.input ?? null,
      unit_cost_completion: rates?.output ?? null,
      unit_cost_cached: rates?.cache_read ?? null,
      unit_cost_cache_creation: rates?.cache_creation ?? null,
      unit_cost_cache_creation_1h: rates?.cache_creation_1h ?? null,
      unit_cost_reasoning: rates?.reasoning ?? null,
      computed_cost: cost,
      provider_cost: end.usage.provider_cost,
      price_source: price ? priceSourceOf(source, breakdown.fallback) : "unknown",
      cache_creation_1h_tokens: end.usage.cache_creation_1h_tokens,
      service_tier: end.usage.service_tier,
      latency_ms: latencyMs,
      time_to_first_token_ms: end.ttftMs,
      ip_address: ctx.ip,
      attempt_count: ctx.attempts?.length ?? 0,
      attempts: (ctx.attempts ?? []) as unknown as Json,
      models_tried: ctx.modelsTried ?? null,
      cache_hit: end.cacheHit !== undefined,
      cost_saved: end.cacheHit?.costSaved ?? null,
    };
    const interaction: AiInteractionRow = {
      id: crypto.randomUUID(),
      timestamp: ctx.receivedAt.toISOString(),
      account_id: ctx.caller.accountId,
      llm_request_id: ctx.requestId,
      request: requestBody ?? { omitted: true },
      response: responseBody,
      latency_ms: latencyMs,
      error_code: error?.code ?? null,
      error_message: error?.message ?? null,
      model_name: model,
      user_id: ctx.caller.userId,
      file_metadata: extractFileMetadata(req.messages) as unknown as Json,
      status: end.status === "complete" ? "success" : end.status,
      prompt_hash: promptHash(req.messages),
      ip_address: ctx.ip,
    };
    await ledger.record({ llmRequest, interaction });
  })();
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
