/**
 * llm-proxy: OpenAI- and Anthropic-compatible endpoints. Point an SDK's baseURL at
 * `<SUPABASE_URL>/functions/v1/llm-proxy` (or `.../llm-proxy/v1`). Thin by design: parse,
 * authorize, hand over to the shared gateway core, respond.
 */
import { authenticate } from "../_shared/auth/caller.ts";
import { anthropicErrorResponse } from "../_shared/anthropic/errors.ts";
import { countMessageTokens, forwardMessages } from "../_shared/anthropic/messages.ts";
import { clientAddress } from "../_shared/http/client-address.ts";
import { isPreflight, preflightResponse } from "../_shared/http/cors.ts";
import { db } from "../_shared/runtime/db.ts";
import { forwardEmbeddings } from "../_shared/openai/embeddings.ts";
import { ApiError, asApiError, badRequest, jsonResponse, notFound } from "../_shared/http/errors.ts";
import {
  admitCall,
  type CallContext,
  type CallResult,
  failedCall,
  forwardChatCompletion,
  type LoggedRequest,
} from "../_shared/gateway/forward.ts";
import type { Json } from "../_shared/runtime/schema.ts";
import { clip, jsonDepthExceeds, MAX_MODEL_CHARS } from "../_shared/http/limits.ts";
import { anthropicModel, anthropicModelList, findModel, routableModels } from "../_shared/openai/models.ts";
import { parseChatCompletionRequest } from "../_shared/openai/chat-schema.ts";
import { forwardResponses } from "../_shared/openai/responses.ts";
import { callMetadata, checkJsonDepth, readJsonBody, requestLimitBytes } from "../_shared/http/request.ts";
import { functionSubpath } from "../_shared/http/path.ts";
import { proxyFeature } from "../_shared/features/proxy.ts";
import { agentOf } from "../_shared/controls/attribution.ts";
import { takeFallbacks } from "../_shared/controls/fallback.ts";
import { admit, asChatForLimits, checkModelAllowed } from "../_shared/controls/gate.ts";
import { cacheTtl, forwardCached } from "../_shared/controls/response-cache.ts";
import { maxRetriesHeader } from "../_shared/controls/retry.ts";

/** OpenAI clients use the base URL with or without `/v1`. */
const OPENAI_ROUTE = /^(?:\/v1)?(\/.*)$/;
const MODEL_ROUTE = /^\/models\/(.+)$/;

type Info = { remoteAddr?: { hostname?: string } };
type Forward = (ctx: CallContext, json: unknown) => Promise<{ response: Response }> | { response: Response };

export async function handler(req: Request, info?: Info): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  const requestId = crypto.randomUUID();
  const headers = { "x-request-id": requestId };
  const url = new URL(req.url);
  const path = OPENAI_ROUTE.exec(functionSubpath(url.pathname, "llm-proxy") ?? "")?.[1] ?? null;
  // Anthropic's endpoints, and Anthropic clients (they send anthropic-version), get Anthropic's error shape.
  const shape = path?.startsWith("/messages") || req.headers.has("anthropic-version") ? "anthropic" : "openai";
  const call = { req, requestId, remoteIp: info?.remoteAddr?.hostname ?? null, shape } as const;
  try {
    if (req.method === "POST") {
      if (path === "/chat/completions") return await loggedCall(call, (ctx, json) => chatCompletions(ctx, json, req));
      if (path === "/embeddings") return await loggedCall(call, withLimits(forwardEmbeddings, { embeddings: true }));
      if (path === "/responses") return await loggedCall(call, withLimits(forwardResponses));
      if (path === "/messages") {
        return await loggedCall(
          call,
          withLimits((ctx, json) => forwardMessages(ctx, json, req)),
        );
      }
      if (path === "/messages/count_tokens") {
        // Counting tokens is not an LLM call: answered, not logged.
        const caller = await authenticate(req, db());
        const json = await readJsonBody(req, requestLimitBytes(caller.settings.max_request_bytes));
        checkJsonDepth(json);
        return await countMessageTokens(
          { ...callContext(call, caller), ...callMetadata(req, call.remoteIp) },
          json,
          req,
        );
      }
    }
    if (req.method === "GET" && path === "/models") {
      await authenticate(req, db());
      const models = await routableModels(db());
      if (shape === "anthropic") return jsonResponse(anthropicModelList(models), 200, headers);
      return jsonResponse({ object: "list", data: models }, 200, headers);
    }
    const modelId = req.method === "GET" && path ? MODEL_ROUTE.exec(path)?.[1] : undefined;
    if (modelId !== undefined) {
      await authenticate(req, db());
      const model = await findModel(db(), decodePathPart(modelId));
      return jsonResponse(shape === "anthropic" ? anthropicModel(model) : model, 200, headers);
    }
    throw notFound(`Unknown route: ${req.method} ${url.pathname}`, "unknown_route");
  } catch (err) {
    return errorResponse(asApiError(err, `llm-proxy ${requestId}`), shape, headers);
  }
}

function errorResponse(error: ApiError, shape: "openai" | "anthropic", headers: Record<string, string>): Response {
  return shape === "anthropic" ? anthropicErrorResponse(error, headers) : error.toResponse(headers);
}

/** A percent-decoded path segment; malformed encoding is the client's error (400), never a 500. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badRequest("The model id in the path is not valid percent-encoding", "model", "invalid_model_id");
  }
}

interface IncomingCall {
  req: Request;
  requestId: string;
  remoteIp: string | null;
  shape: "openai" | "anthropic";
}

function callContext(call: IncomingCall, caller: CallContext["caller"]): CallContext {
  return {
    requestId: call.requestId,
    caller,
    receivedAt: new Date(),
    startedAt: performance.now(),
    ip: clientAddress(call.req, call.remoteIp),
    conversationId: null,
    properties: {},
    clientSignal: call.req.signal,
  };
}

/**
 * Every authenticated LLM call gets exactly one ledger row, refused ones included (bad headers, a
 * body that is missing, too large, not JSON, too deep or invalid), with the error code and status.
 * Only a call refused because the ledger itself is full goes unlogged: there is no room to queue it.
 */
async function loggedCall(call: IncomingCall, forward: Forward): Promise<Response> {
  const startedAt = performance.now();
  const receivedAt = new Date();
  admitCall();
  const caller = await authenticate(call.req, db());
  const ctx: CallContext = { ...callContext(call, caller), startedAt, receivedAt };
  let json: unknown = undefined;
  try {
    Object.assign(ctx, callMetadata(call.req, call.remoteIp));
    json = await readJsonBody(call.req, requestLimitBytes(caller.settings.max_request_bytes));
    checkJsonDepth(json);
    // An API key's model allowlist holds on every endpoint, not only chat completions.
    const model = (json as { model?: unknown } | null)?.model;
    if (typeof model === "string") checkModelAllowed(caller, [model]);
    return (await forward(ctx, json)).response;
  } catch (err) {
    const error = asApiError(err, `llm-proxy ${call.requestId}`);
    const { response } = failedCall(ctx, refusedRequest(json), null, error);
    return call.shape === "anthropic" ? errorResponse(error, call.shape, { "x-request-id": call.requestId }) : response;
  }
}

async function chatCompletions(ctx: CallContext, json: unknown, req: Request): Promise<{ response: Response }> {
  ctx.maxRetries = maxRetriesHeader(req);
  const cacheFor = cacheTtl(req, ctx.caller.settings.cache_ttl_seconds);
  const agent = await agentOf(db(), ctx.caller, req);
  ctx.agent = agent?.agent;
  const parsed = parseChatCompletionRequest(json);
  if (!parsed.ok) throw parsed.error;
  const { body, fallbacks } = takeFallbacks(parsed.value);
  ctx.fallbacks = fallbacks ?? agent?.fallbacks ?? null;
  // OpenAI's own `metadata` field doubles as custom properties; it is still forwarded untouched.
  if (body.metadata) ctx.properties = { ...body.metadata, ...ctx.properties };
  // x-feature: mentor|guru|twin makes the call also write that feature's row.
  ctx.feature = proxyFeature(req, ctx, body);
  checkModelAllowed(ctx.caller, [body.model, ...(ctx.fallbacks ?? ctx.caller.settings.fallback_models ?? [])]);
  const gate = await admit(db(), ctx.caller, body);
  ctx.extraHeaders = gate.headers;
  const { response, outcome } = cacheFor === null
    ? await forwardChatCompletion(ctx, body)
    : await forwardCached(db(), ctx, body, cacheFor);
  gate.settle(outcome);
  return { response };
}

/**
 * Usage limits and the concurrency cap for the endpoints beyond chat completions, so no endpoint is
 * a way around a budget.
 */
function withLimits(
  forward: (ctx: CallContext, json: unknown) => Promise<CallResult> | CallResult,
  opts: { embeddings?: boolean } = {},
): Forward {
  return async (ctx, json) => {
    const gate = await admit(db(), ctx.caller, asChatForLimits(json, opts));
    ctx.extraHeaders = gate.headers;
    const result = await forward(ctx, json);
    gate.settle(result.outcome);
    return result;
  };
}

/**
 * What the ledger keeps of a refused request: its body (within the limits) and model. Its messages
 * are not trusted to derive a prompt hash or file metadata from: they failed validation.
 */
function refusedRequest(json: unknown): LoggedRequest {
  if (json === undefined || jsonDepthExceeds(json)) {
    const body = json === undefined ? null : { omitted: "nested too deep" };
    return { model: "unknown", messages: [], stream: false, user: null, body };
  }
  const body = json as { model?: unknown; stream?: unknown } | null;
  return {
    model: typeof body?.model === "string" && body.model !== "" ? clip(body.model, MAX_MODEL_CHARS) : "unknown",
    messages: [],
    stream: body?.stream === true,
    user: null,
    body: json as Json,
  };
}
