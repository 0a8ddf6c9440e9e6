/**
 * llm-proxy: an OpenAI-compatible endpoint. Point the official SDK's baseURL at
 * `<SUPABASE_URL>/functions/v1/llm-proxy` (or `.../llm-proxy/v1`). Thin by design: parse,
 * authorize, hand over to the shared gateway core, respond.
 */
import { authenticate } from "../_shared/access.ts";
import { agentOf } from "../_shared/controls/attribution.ts";
import { takeFallbacks } from "../_shared/controls/fallback.ts";
import { admit, checkModelAllowed } from "../_shared/controls/gate.ts";
import { cacheTtl, forwardCached } from "../_shared/controls/response-cache.ts";
import { maxRetriesHeader } from "../_shared/controls/retry.ts";
import { isPreflight, preflightResponse } from "../_shared/cors.ts";
import { db } from "../_shared/db.ts";
import { ApiError, jsonResponse, notFound } from "../_shared/errors.ts";
import {
  admitCall,
  type CallContext,
  failedCall,
  forwardChatCompletion,
  type LoggedRequest,
} from "../_shared/gateway.ts";
import type { Json } from "../_shared/ledger.ts";
import { clip, jsonDepthExceeds, MAX_MODEL_CHARS } from "../_shared/limits.ts";
import { parseChatCompletionRequest } from "../_shared/openai-schema.ts";
import { clientAddress } from "../_shared/client-address.ts";
import { callMetadata, checkJsonDepth, readJsonBody, requestLimitBytes } from "../_shared/request.ts";
import { listModels } from "../_shared/prices.ts";
import { functionSubpath } from "../_shared/route.ts";

/** OpenAI clients use the base URL with or without `/v1`. */
const OPENAI_ROUTE = /^(?:\/v1)?(\/.*)$/;

export async function handler(req: Request, info?: { remoteAddr?: { hostname?: string } }): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  const requestId = crypto.randomUUID();
  const headers = { "x-request-id": requestId };
  const url = new URL(req.url);
  const path = OPENAI_ROUTE.exec(functionSubpath(url.pathname, "llm-proxy") ?? "")?.[1] ?? null;
  try {
    if (path === "/chat/completions" && req.method === "POST") {
      return await chatCompletions(req, requestId, info?.remoteAddr?.hostname ?? null);
    }
    if (path === "/models" && req.method === "GET") {
      await authenticate(req, db());
      return jsonResponse({ object: "list", data: await listModels(db()) }, 200, headers);
    }
    throw notFound(`Unknown route: ${req.method} ${url.pathname}`, "unknown_route");
  } catch (err) {
    return asApiError(requestId, err).toResponse(headers);
  }
}

/** An ApiError as is; anything else is a bug: printed, and answered as a 500 that says nothing more. */
function asApiError(requestId: string, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  console.error(`llm-proxy ${requestId}: ${err instanceof Error ? err.message : "unexpected error"}`);
  return new ApiError(500, "The gateway failed to process the request", "server_error", "internal_error");
}

/**
 * Every authenticated call gets exactly one ledger row, refused ones included (bad headers, a body
 * that is missing, too large, not JSON, too deep or invalid), with the error code and status.
 * Only a call refused because the ledger itself is full goes unlogged: there is no room to queue it.
 */
async function chatCompletions(req: Request, requestId: string, remoteIp: string | null): Promise<Response> {
  const startedAt = performance.now();
  const receivedAt = new Date();
  admitCall();
  const caller = await authenticate(req, db());
  const ctx: CallContext = {
    requestId,
    caller,
    receivedAt,
    startedAt,
    ip: clientAddress(req, remoteIp),
    conversationId: null,
    properties: {},
    clientSignal: req.signal,
  };
  let json: unknown = undefined;
  try {
    Object.assign(ctx, callMetadata(req, remoteIp));
    ctx.maxRetries = maxRetriesHeader(req);
    const cacheFor = cacheTtl(req, caller.settings.cache_ttl_seconds);
    const agent = await agentOf(db(), caller, req);
    ctx.agent = agent?.agent;
    json = await readJsonBody(req, requestLimitBytes(caller.settings.max_request_bytes));
    checkJsonDepth(json);
    const parsed = parseChatCompletionRequest(json);
    if (!parsed.ok) throw parsed.error;
    const { body, fallbacks } = takeFallbacks(parsed.data);
    ctx.fallbacks = fallbacks ?? agent?.fallbacks ?? null;
    // OpenAI's own `metadata` field doubles as custom properties; it is still forwarded untouched.
    if (body.metadata) ctx.properties = { ...body.metadata, ...ctx.properties };
    checkModelAllowed(caller, [body.model, ...(ctx.fallbacks ?? caller.settings.fallback_models ?? [])]);
    const gate = await admit(db(), caller, body);
    ctx.extraHeaders = gate.headers;
    const { response, outcome } = cacheFor === null
      ? await forwardChatCompletion(ctx, body)
      : await forwardCached(db(), ctx, body, cacheFor);
    gate.settle(outcome);
    return response;
  } catch (err) {
    return failedCall(ctx, refusedRequest(json), null, asApiError(requestId, err)).response;
  }
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
