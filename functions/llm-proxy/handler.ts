/**
 * llm-proxy: OpenAI- and Anthropic-compatible endpoints. Point an SDK's baseURL at
 * `<SUPABASE_URL>/functions/v1/llm-proxy` (or `.../llm-proxy/v1`). Thin by design: parse,
 * authorize, hand over to the shared gateway core, respond.
 */
import { authenticate } from "../_shared/access.ts";
import { anthropicErrorResponse } from "../_shared/anthropic-errors.ts";
import { countMessageTokens, forwardMessages } from "../_shared/anthropic-messages.ts";
import { isPreflight, preflightResponse } from "../_shared/cors.ts";
import { db } from "../_shared/db.ts";
import { forwardEmbeddings } from "../_shared/embeddings.ts";
import { ApiError, badRequest, jsonResponse, notFound } from "../_shared/errors.ts";
import { failedCall, forwardChatCompletion, type CallContext } from "../_shared/gateway.ts";
import { anthropicModel, anthropicModelList, findModel, routableModels } from "../_shared/models.ts";
import { parseChatCompletionRequest } from "../_shared/openai-schema.ts";
import { forwardResponses } from "../_shared/responses.ts";
import { callMetadata, readJsonBody, requestLimitBytes } from "../_shared/request.ts";
import { functionSubpath } from "../_shared/route.ts";

/** OpenAI clients use the base URL with or without `/v1`. */
const OPENAI_ROUTE = /^(?:\/v1)?(\/.*)$/;
const MODEL_ROUTE = /^\/models\/(.+)$/;

type Info = { remoteAddr?: { hostname?: string } };

export async function handler(req: Request, info?: Info): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  const requestId = crypto.randomUUID();
  const headers = { "x-request-id": requestId };
  const url = new URL(req.url);
  const path = OPENAI_ROUTE.exec(functionSubpath(url.pathname, "llm-proxy") ?? "")?.[1] ?? null;
  // Anthropic's endpoints, and Anthropic clients (they send anthropic-version), get Anthropic's error shape.
  const anthropicShape = path?.startsWith("/messages") || req.headers.has("anthropic-version");
  const remoteIp = info?.remoteAddr?.hostname ?? null;
  try {
    if (req.method === "POST") {
      if (path === "/chat/completions") return await chatCompletions(req, requestId, remoteIp);
      if (path === "/embeddings") return await withContext(req, requestId, remoteIp, forwardEmbeddings);
      if (path === "/responses") return await withContext(req, requestId, remoteIp, forwardResponses);
      if (path === "/messages") {
        return await withContext(req, requestId, remoteIp, (ctx, json) => forwardMessages(ctx, json, req));
      }
      if (path === "/messages/count_tokens") {
        return await withContext(req, requestId, remoteIp, async (ctx, json) => ({
          response: await countMessageTokens(ctx, json, req),
        }));
      }
    }
    if (req.method === "GET" && path === "/models") {
      await authenticate(req, db());
      const models = await routableModels(db());
      if (anthropicShape) return jsonResponse(anthropicModelList(models), 200, headers);
      return jsonResponse({ object: "list", data: models }, 200, headers);
    }
    const modelId = req.method === "GET" && path ? MODEL_ROUTE.exec(path)?.[1] : undefined;
    if (modelId !== undefined) {
      await authenticate(req, db());
      const model = await findModel(db(), decodePathPart(modelId));
      return jsonResponse(anthropicShape ? anthropicModel(model) : model, 200, headers);
    }
    throw notFound(`Unknown route: ${req.method} ${url.pathname}`, "unknown_route");
  } catch (err) {
    const error = err instanceof ApiError
      ? err
      : new ApiError(500, "The gateway failed to process the request", "server_error", "internal_error");
    if (!(err instanceof ApiError)) {
      console.error(`llm-proxy ${requestId}: ${err instanceof Error ? err.message : "unexpected error"}`);
    }
    return anthropicShape ? anthropicErrorResponse(error, headers) : error.toResponse(headers);
  }
}

/** A percent-decoded path segment; malformed encoding is the client's error (400), never a 500. */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw badRequest("The model id in the path is not valid percent-encoding", "model", "invalid_model_id");
  }
}

/** Authenticates, reads the JSON body and the attribution headers, and hands both to `forward`. */
async function withContext(
  req: Request,
  requestId: string,
  remoteIp: string | null,
  forward: (ctx: CallContext, json: unknown) => Promise<{ response: Response }> | { response: Response },
): Promise<Response> {
  const ctx = await callContext(req, requestId, remoteIp);
  const json = await readJsonBody(req, requestLimitBytes(ctx.caller.settings.max_request_bytes));
  return (await forward(ctx, json)).response;
}

async function callContext(req: Request, requestId: string, remoteIp: string | null): Promise<CallContext> {
  const startedAt = performance.now();
  const receivedAt = new Date();
  const caller = await authenticate(req, db());
  const meta = callMetadata(req, remoteIp);
  return {
    requestId,
    caller,
    receivedAt,
    startedAt,
    ip: meta.ip,
    conversationId: meta.conversationId,
    properties: meta.properties,
    clientSignal: req.signal,
  };
}

async function chatCompletions(req: Request, requestId: string, remoteIp: string | null): Promise<Response> {
  const ctx = await callContext(req, requestId, remoteIp);
  const json = await readJsonBody(req, requestLimitBytes(ctx.caller.settings.max_request_bytes));
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
