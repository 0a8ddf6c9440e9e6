/**
 * `POST /v1/responses`: OpenAI's Responses API, passed through to OpenAI-format providers
 * (OpenAI, OpenRouter, compatible servers that serve it); stored-state features such as
 * `previous_response_id` work where the provider keeps the state. The answer's bytes go back
 * unchanged; for the ledger its `response.*` events are read as chat chunks (text, reasoning,
 * function calls, usage with cached and reasoning tokens).
 */
import type { EventSourceMessage } from "eventsource-parser";
import { eventObject, translateSse } from "../http/sse-translate.ts";
import { envSnapshot } from "../runtime/env.ts";
import { badRequest } from "../http/errors.ts";
import { type CallContext, type CallResult, failedCall, type LoggedRequest } from "../gateway/forward.ts";
import type { Json } from "../runtime/schema.ts";
import { passThrough } from "../gateway/passthrough.ts";
import { mapUpstreamError, parseUpstreamErrorBody, resolveProvider } from "../providers/index.ts";
import { normalizeOpenAIUsage } from "../billing/usage.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

const MAX_MODEL_LENGTH = 256;
type Obj = LooseObject;

/** Responses usage in chat-completion shape (input includes cached, output includes reasoning). */
export function responsesUsageToChat(u: Obj | null | undefined): Obj | null {
  if (!u || typeof u !== "object") return null;
  const out: Obj = {
    prompt_tokens: u.input_tokens ?? 0,
    completion_tokens: u.output_tokens ?? 0,
    total_tokens: u.total_tokens ?? (u.input_tokens ?? 0) + (u.output_tokens ?? 0),
    prompt_tokens_details: { cached_tokens: u.input_tokens_details?.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0 },
  };
  if (typeof u.cost === "number") out.cost = u.cost;
  return out;
}

function loggedResponsesRequest(json: unknown): LoggedRequest {
  const b = (json && typeof json === "object" ? json : {}) as Obj;
  const input = typeof b.input === "string"
    ? [{ role: "user", content: b.input }]
    : Array.isArray(b.input)
    ? b.input
    : [];
  return {
    model: typeof b.model === "string" ? b.model : "unknown",
    messages: typeof b.instructions === "string" ? [{ role: "system", content: b.instructions }, ...input] : input,
    stream: b.stream === true,
    user: typeof b.user === "string" ? b.user : null,
    body: b as Json,
  };
}

/** Text of the `output_text` parts of a response's message items. */
function outputText(response: Obj): string {
  let text = "";
  for (const item of Array.isArray(response.output) ? response.output : []) {
    if (item?.type !== "message" || !Array.isArray(item.content)) continue;
    for (const part of item.content) if (part?.type === "output_text") text += part.text ?? "";
  }
  return text;
}

function finishReason(response: Obj): string | null {
  if (response.status === "incomplete") return "length";
  if (response.status !== "completed") return null;
  const calls = Array.isArray(response.output) && response.output.some((i: Obj) => i?.type === "function_call");
  return calls ? "tool_calls" : "stop";
}

/** Reads `response.*` events as OpenAI chat chunks for the stream collector (the log's view). */
class ResponsesChunkWriter {
  private id = "";
  private model = "";
  private readonly toolIndex = new Map<number, number>();

  constructor(private readonly emit: (s: string) => void) {}

  private chunk(delta: Obj, finish: string | null = null, extra: Obj = {}): void {
    const choices = [{ index: 0, delta, finish_reason: finish }];
    this.emit(`data: ${JSON.stringify({ id: this.id, model: this.model, choices, ...extra })}\n\n`);
  }

  onEvent = (ev: EventSourceMessage): void => {
    const data = eventObject(ev);
    if (!data) return;
    switch (data.type) {
      case "response.created":
        this.id = data.response?.id ?? "";
        this.model = data.response?.model ?? "";
        this.chunk({ role: "assistant" });
        break;
      case "response.output_text.delta":
        this.chunk({ content: data.delta });
        break;
      case "response.reasoning_text.delta":
      case "response.reasoning_summary_text.delta":
        this.chunk({ reasoning: data.delta });
        break;
      case "response.output_item.added":
        if (data.item?.type === "function_call") {
          const index = this.toolIndex.size;
          this.toolIndex.set(data.output_index, index);
          const call = {
            index,
            id: data.item.call_id,
            type: "function",
            function: { name: data.item.name, arguments: "" },
          };
          this.chunk({ tool_calls: [call] });
        }
        break;
      case "response.function_call_arguments.delta": {
        const index = this.toolIndex.get(data.output_index) ?? 0;
        this.chunk({ tool_calls: [{ index, function: { arguments: data.delta } }] });
        break;
      }
      case "response.completed":
      case "response.incomplete": {
        const r = data.response ?? {};
        this.chunk({}, finishReason(r) ?? "stop");
        const usage = responsesUsageToChat(r.usage);
        this.emit(
          `data: ${JSON.stringify({ id: this.id, model: this.model, choices: [], usage })}\n\ndata: [DONE]\n\n`,
        );
        break;
      }
      case "response.failed": {
        const e = data.response?.error ?? {};
        this.emit(
          `data: ${JSON.stringify({ error: { message: e.message ?? "response failed", code: e.code ?? null } })}\n\n`,
        );
        break;
      }
      case "error":
        this.emit(
          `data: ${
            JSON.stringify({ error: { message: data.message ?? "upstream error", code: data.code ?? null } })
          }\n\n`,
        );
        break;
    }
  };
}

export function responsesToChatStream(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  return translateSse(body, (emit) => new ResponsesChunkWriter(emit).onEvent);
}

/** The `error` event the Responses API ends a failed stream with. */
function responsesErrorEvent(code: string | null, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: "error", code, message, param: null })}\n\n`;
}

export function forwardResponses(ctx: CallContext, json: unknown): Promise<CallResult> | CallResult {
  const request = loggedResponsesRequest(json);
  const body = request.body as Obj;
  if (typeof body.model !== "string" || !body.model || body.model.length > MAX_MODEL_LENGTH) {
    const error = badRequest(`'model' must be a model name of 1 to ${MAX_MODEL_LENGTH} characters`, "model");
    return failedCall(ctx, request, null, error);
  }
  const resolved = resolveProvider(body.model, envSnapshot());
  if (!resolved.ok) return failedCall(ctx, request, null, resolved.error);
  const { target } = resolved.value;
  if (target.provider === "anthropic") {
    const error = badRequest(
      "Anthropic models do not serve the Responses API here; use /v1/messages or /v1/chat/completions",
      "model",
    );
    return failedCall(ctx, request, target, error);
  }
  return passThrough(ctx, {
    request,
    target,
    stream: body.stream === true,
    upstream: (signal) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
      if (body.stream === true) headers.accept = "text/event-stream";
      const payload = JSON.stringify({ ...body, model: target.model });
      return new Request(`${target.baseUrl}/responses`, { method: "POST", headers, body: payload, signal });
    },
    normalizeError: (status, text, headers) =>
      mapUpstreamError(status, parseUpstreamErrorBody(text), headers, target.provider),
    parseAnswer: (answer) => {
      const r = (answer && typeof answer === "object" ? answer : {}) as Obj;
      return {
        usage: normalizeOpenAIUsage(responsesUsageToChat(r.usage)),
        text: outputText(r),
        finishReason: finishReason(r),
        logged: r as Json,
      };
    },
    toChatStream: (stream) => responsesToChatStream(stream),
    errorEvent: (e) => responsesErrorEvent(e.code, e.message),
  });
}
