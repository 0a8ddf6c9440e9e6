/**
 * `POST /v1/messages` and `/v1/messages/count_tokens`: Anthropic's Messages API in and out.
 * To Anthropic the body passes through natively (anthropic-version and anthropic-beta
 * forwarded, bytes back unchanged); to OpenAI-format providers it is translated to a chat
 * completion, sent through the chat path (so it is logged and priced the same way), and the
 * answer or stream translated back (providers/anthropic-reverse.ts).
 */
import { anthropicErrorBody, anthropicErrorEvent, anthropicErrorResponse } from "./errors.ts";
import { envSnapshot } from "../runtime/env.ts";
import { ApiError, badRequest } from "../http/errors.ts";
import {
  type CallContext,
  type CallResult,
  failedCall,
  forwardChatCompletion,
  type LoggedRequest,
  responseHeaders,
} from "../gateway/forward.ts";
import type { Json } from "../runtime/schema.ts";
import { parseChatCompletionRequest } from "../openai/chat-schema.ts";
import { passThrough } from "../gateway/passthrough.ts";
import {
  ANTHROPIC_VERSION,
  anthropicAdapter,
  anthropicToOpenAIStream,
  fromAnthropicResponse,
  type ProviderTarget,
  resolveProvider,
} from "../providers/index.ts";
import {
  chatCompletionToMessage,
  chatStreamToMessagesStream,
  messagesToChatRequest,
} from "../providers/anthropic-reverse.ts";
import { estimatePromptTokens } from "../billing/token-estimate.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

const MAX_MODEL_LENGTH = 256;
type Obj = LooseObject;

/** The shape checks Anthropic itself makes first; everything else is the provider's to judge. */
function validate(json: unknown, countOnly: boolean): ApiError | null {
  if (!json || typeof json !== "object" || Array.isArray(json)) return badRequest("The body must be a JSON object");
  const b = json as Obj;
  if (typeof b.model !== "string" || !b.model || b.model.length > MAX_MODEL_LENGTH) {
    return badRequest(`model: a model name of 1 to ${MAX_MODEL_LENGTH} characters is required`, "model");
  }
  if (!countOnly && (!Number.isInteger(b.max_tokens) || b.max_tokens < 1)) {
    return badRequest("max_tokens: a positive integer is required", "max_tokens");
  }
  if (!Array.isArray(b.messages) || b.messages.length === 0) {
    return badRequest("messages: at least one message is required", "messages");
  }
  for (const [i, m] of b.messages.entries()) {
    if (!m || (m.role !== "user" && m.role !== "assistant")) {
      return badRequest(`messages.${i}.role: must be 'user' or 'assistant'`, `messages[${i}].role`);
    }
    if (typeof m.content !== "string" && !Array.isArray(m.content)) {
      return badRequest(
        `messages.${i}.content: a string or a list of content blocks is required`,
        `messages[${i}].content`,
      );
    }
    if (Array.isArray(m.content) && m.content.some((c: unknown) => !c || typeof c !== "object")) {
      return badRequest(`messages.${i}.content: each block must be an object`, `messages[${i}].content`);
    }
  }
  return null;
}

/** What the ledger keeps: the body as sent, with the system prompt as the first message for the hash. */
function loggedMessagesRequest(json: unknown): LoggedRequest {
  const b = (json && typeof json === "object" ? json : {}) as Obj;
  const messages = Array.isArray(b.messages) ? b.messages : [];
  return {
    model: typeof b.model === "string" ? b.model : "unknown",
    messages: b.system ? [{ role: "system", content: b.system }, ...messages] : messages,
    stream: b.stream === true,
    user: typeof b.metadata?.user_id === "string" ? b.metadata.user_id : null,
    body: b as Json,
  };
}

function anthropicHeaders(req: Request, target: ProviderTarget): Record<string, string> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "anthropic-version": req.headers.get("anthropic-version") ?? ANTHROPIC_VERSION,
  };
  const beta = req.headers.get("anthropic-beta");
  if (beta) headers["anthropic-beta"] = beta;
  if (target.apiKey) headers["x-api-key"] = target.apiKey;
  return headers;
}

function failed(ctx: CallContext, request: LoggedRequest, target: ProviderTarget | null, error: ApiError): CallResult {
  const result = failedCall(ctx, request, target, error);
  return { ...result, response: anthropicErrorResponse(error, { "x-request-id": ctx.requestId }) };
}

export function forwardMessages(ctx: CallContext, json: unknown, req: Request): CallResult | Promise<CallResult> {
  const request = loggedMessagesRequest(json);
  const invalid = validate(json, false);
  if (invalid) return failed(ctx, request, null, invalid);
  const body = json as Obj;
  const resolved = resolveProvider(body.model, envSnapshot());
  if (!resolved.ok) return failed(ctx, request, null, resolved.error);
  const { target } = resolved.value;
  if (target.provider === "anthropic") return native(ctx, request, target, body, req);
  return translated(ctx, request, target, body);
}

function native(ctx: CallContext, request: LoggedRequest, target: ProviderTarget, body: Obj, req: Request) {
  return passThrough(ctx, {
    request,
    target,
    stream: body.stream === true,
    upstream: (signal) =>
      new Request(`${target.baseUrl}/v1/messages`, {
        method: "POST",
        headers: anthropicHeaders(req, target),
        body: JSON.stringify({ ...body, model: target.model }),
        signal,
      }),
    normalizeError: anthropicAdapter.normalizeError,
    errorResponse: anthropicErrorResponse,
    parseAnswer: (answer) => {
      const c = fromAnthropicResponse(answer);
      return { usage: c.usage, text: c.text, finishReason: c.finishReason, logged: answer as Json };
    },
    toChatStream: anthropicToOpenAIStream,
    errorEvent: (e) => anthropicErrorEvent("api_error", e.message),
  });
}

async function translated(
  ctx: CallContext,
  request: LoggedRequest,
  target: ProviderTarget,
  body: Obj,
): Promise<CallResult> {
  let chat: unknown;
  try {
    chat = messagesToChatRequest(body, target.provider);
  } catch (err) {
    if (err instanceof ApiError) return failed(ctx, request, target, err);
    throw err;
  }
  const parsed = parseChatCompletionRequest(chat);
  if (!parsed.ok) return failed(ctx, request, target, parsed.error);
  const result = await forwardChatCompletion(ctx, parsed.value, request);
  const { response } = result;
  const headers = { ...Object.fromEntries(response.headers), "x-request-id": ctx.requestId };
  if (!response.ok) {
    const text = await response.text();
    let error: Obj = {};
    try {
      error = JSON.parse(text).error ?? {};
    } catch {
      // The body is our own OpenAI error shape; a parse failure leaves the status to speak.
    }
    const apiError = new ApiError(
      response.status,
      error.message ?? `HTTP ${response.status}`,
      error.type ?? "api_error",
    );
    return {
      ...result,
      response: new Response(JSON.stringify(anthropicErrorBody(apiError)), { status: response.status, headers }),
    };
  }
  if (body.stream === true) {
    return {
      ...result,
      response: new Response(chatStreamToMessagesStream(response.body!, body.model), { status: 200, headers }),
    };
  }
  const message = chatCompletionToMessage(await response.json(), body.model);
  return { ...result, response: new Response(JSON.stringify(message), { status: 200, headers }) };
}

/**
 * `count_tokens`: Anthropic counts its own; for other providers the prompt is counted with
 * gpt-tokenizer (an estimate). Not an LLM call, so not logged, like `/models`.
 */
export async function countMessageTokens(ctx: CallContext, json: unknown, req: Request): Promise<Response> {
  const headers = { "x-request-id": ctx.requestId };
  const invalid = validate(json, true);
  if (invalid) return anthropicErrorResponse(invalid, headers);
  const body = json as Obj;
  const resolved = resolveProvider(body.model, envSnapshot());
  if (!resolved.ok) return anthropicErrorResponse(resolved.error, headers);
  const { target } = resolved.value;
  if (target.provider !== "anthropic") {
    const input_tokens = await estimatePromptTokens(loggedMessagesRequest(json).messages);
    return new Response(JSON.stringify({ input_tokens }), {
      status: 200,
      headers: responseHeaders(ctx, "application/json"),
    });
  }
  const upstream = await fetch(`${target.baseUrl}/v1/messages/count_tokens`, {
    method: "POST",
    headers: anthropicHeaders(req, target),
    body: JSON.stringify({ ...body, model: target.model }),
    signal: ctx.clientSignal,
  }).catch(() => null);
  if (!upstream) {
    return anthropicErrorResponse(
      new ApiError(502, "The upstream provider could not be reached", "api_error"),
      headers,
    );
  }
  if (!upstream.ok) {
    return anthropicErrorResponse(
      anthropicAdapter.normalizeError(upstream.status, await upstream.text(), upstream.headers),
      headers,
    );
  }
  return new Response(await upstream.text(), { status: 200, headers: responseHeaders(ctx, "application/json") });
}
