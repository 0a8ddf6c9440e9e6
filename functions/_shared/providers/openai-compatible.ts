/** Adapter for providers that speak OpenAI chat completions: OpenRouter, OpenAI, compatible servers. */
import type { ApiError } from "../http/errors.ts";
import type { ChatCompletionRequest } from "../openai/chat-schema.ts";
import type { AssembledToolCall } from "../gateway/stream-tee.ts";
import { normalizeOpenAIUsage } from "../billing/usage.ts";
import type { NormalizedCompletion, ProviderAdapter, ProviderName, ProviderTarget, UpstreamCall } from "./types.ts";
import { mapUpstreamError, parseUpstreamErrorBody } from "./upstream-error.ts";

/**
 * Sends the client's body as is (every unknown field included) with three changes: the routed
 * model name; for streams `stream_options.include_usage: true` so usage is never lost; for
 * OpenRouter `usage: {include: true}` so it reports `usage.cost`.
 */
export function buildOpenAIRequest(
  body: ChatCompletionRequest,
  target: ProviderTarget,
  signal?: AbortSignal,
): UpstreamCall {
  const stream = body.stream === true;
  const payload: Record<string, unknown> = { ...body, model: target.model };
  if (stream) payload.stream_options = { ...(body.stream_options ?? {}), include_usage: true };
  if (target.provider === "openrouter") {
    const usage = body.usage && typeof body.usage === "object" ? body.usage : {};
    payload.usage = { ...usage, include: true };
  }
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
  if (stream) headers.accept = "text/event-stream";
  return {
    request: {
      url: `${target.baseUrl}/chat/completions`,
      init: { method: "POST", headers, body: JSON.stringify(payload), signal },
    },
    stream,
    clientWantsUsage: body.stream_options?.include_usage === true,
    clientWantsCost: target.provider !== "openrouter" || clientAskedCost(body),
  };
}

/** Pulls text, tool calls, finish reason and usage out of an OpenAI `chat.completion`. */
export function normalizeOpenAIResponse(json: unknown): NormalizedCompletion {
  const body = (json && typeof json === "object" ? json : {}) as Record<string, unknown>;
  const choice = (Array.isArray(body.choices) ? body.choices[0] : undefined) as Record<string, unknown> | undefined;
  const message = (choice?.message ?? {}) as Record<string, unknown>;
  const rawCalls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  const tool_calls: AssembledToolCall[] = rawCalls.map((c: Record<string, unknown>, index: number) => {
    const fn = (c.function ?? {}) as Record<string, unknown>;
    return {
      index,
      id: String(c.id ?? ""),
      type: "function",
      function: { name: String(fn.name ?? ""), arguments: String(fn.arguments ?? "") },
    };
  });
  return {
    body,
    usage: normalizeOpenAIUsage(body.usage, body.service_tier),
    finishReason: typeof choice?.finish_reason === "string" ? choice.finish_reason : null,
    text: typeof message.content === "string" ? message.content : "",
    toolCalls: tool_calls,
  };
}

const clientAskedCost = (body: ChatCompletionRequest): boolean =>
  (body.usage as { include?: unknown } | undefined)?.include === true;

/** A completion without the usage cost fields OpenRouter adds when asked (the client did not ask). */
export function withoutUsageCost(body: Record<string, unknown>): Record<string, unknown> {
  if (!body.usage || typeof body.usage !== "object") return body;
  const { cost: _cost, cost_details: _details, is_byok: _byok, ...usage } = body.usage as Record<string, unknown>;
  return { ...body, usage };
}

export function openAICompatibleAdapter(provider: Exclude<ProviderName, "anthropic">): ProviderAdapter {
  return {
    provider,
    buildRequest: buildOpenAIRequest,
    normalizeResponse: normalizeOpenAIResponse,
    toOpenAIStream: (body) => body,
    normalizeError: (status: number, text: string, headers: Headers): ApiError =>
      mapUpstreamError(status, parseUpstreamErrorBody(text), headers, provider),
  };
}
