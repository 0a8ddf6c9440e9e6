/**
 * llm-proxy: an OpenAI-compatible endpoint. Point the official SDK's baseURL at
 * `<SUPABASE_URL>/functions/v1/llm-proxy` (or `.../llm-proxy/v1`). Thin by design: parse,
 * authorize, hand over to the shared gateway core, respond.
 */
import { authenticate } from "../_shared/access.ts";
import { isPreflight, preflightResponse } from "../_shared/cors.ts";
import { db } from "../_shared/db.ts";
import { ApiError, jsonResponse, notFound } from "../_shared/errors.ts";
import { failedCall, forwardChatCompletion, type CallContext } from "../_shared/gateway.ts";
import { parseChatCompletionRequest } from "../_shared/openai-schema.ts";
import { callMetadata, readJsonBody, requestLimitBytes } from "../_shared/request.ts";
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
    if (err instanceof ApiError) return err.toResponse(headers);
    console.error(`llm-proxy ${requestId}: ${err instanceof Error ? err.message : "unexpected error"}`);
    return new ApiError(500, "The gateway failed to process the request", "server_error", "internal_error").toResponse(headers);
  }
}

async function chatCompletions(req: Request, requestId: string, remoteIp: string | null): Promise<Response> {
  const startedAt = performance.now();
  const receivedAt = new Date();
  const caller = await authenticate(req, db());
  const meta = callMetadata(req, remoteIp);
  const ctx: CallContext = {
    requestId,
    caller,
    receivedAt,
    startedAt,
    ip: meta.ip,
    conversationId: meta.conversationId,
    properties: meta.properties,
    clientSignal: req.signal,
  };
  const json = await readJsonBody(req, requestLimitBytes(caller.settings.max_request_bytes));
  const parsed = parseChatCompletionRequest(json);
  if (!parsed.ok) {
    // Rejected bodies are logged too, attributed to the caller, with whatever model they named.
    const model = typeof (json as { model?: unknown })?.model === "string" ? (json as { model: string }).model : "unknown";
    const messages = Array.isArray((json as { messages?: unknown })?.messages) ? (json as { messages: unknown[] }).messages : [];
    return failedCall(ctx, { model, messages, stream: false, user: null, body: json as never }, null, parsed.error).response;
  }
  const body = parsed.data;
  // OpenAI's own `metadata` field doubles as custom properties; it is still forwarded untouched.
  if (body.metadata) ctx.properties = { ...body.metadata, ...ctx.properties };
  const { response } = await forwardChatCompletion(ctx, body);
  return response;
}
