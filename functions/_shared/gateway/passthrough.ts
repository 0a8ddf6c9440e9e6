/**
 * Pass-through calls for the endpoints beyond chat completions (embeddings, Responses, native
 * Anthropic Messages): the client's body goes to the provider with the routed model name, the
 * provider's bytes come back unchanged, and a parsed copy feeds the same ledger record as chat.
 * Streams are teed: one branch goes to the client, the other is translated to OpenAI chunks and
 * read by the chat stream collector (usage, text, tool calls, time to first token, breaks). A
 * stream the provider cuts ends, for the client, with an error event in the API's own shape.
 */
import type { ApiError } from "../http/errors.ts";
import {
  type CallContext,
  type CallResult,
  type Ending,
  failedCall,
  type LoggedRequest,
  record,
  responseHeaders,
  streamEnding,
} from "./forward.ts";
import type { Json } from "../runtime/schema.ts";
import type { ProviderTarget } from "../providers/index.ts";
import { type StreamError, teeChatStream } from "./stream-tee.ts";
import { estimateUsage } from "../billing/token-estimate.ts";
import { UpstreamGuard } from "./upstream.ts";
import type { NormalizedUsage } from "../billing/usage.ts";

/** What a pass-through endpoint makes of a provider's non-stream answer. */
export interface ParsedAnswer {
  usage: NormalizedUsage | null;
  text: string;
  finishReason: string | null;
  /** What the ledger keeps as the response body (e.g. embeddings without their vectors). */
  logged: Json;
}

export interface PassThroughSpec {
  request: LoggedRequest;
  target: ProviderTarget;
  stream: boolean;
  /** The upstream request, given the signal that aborts it. */
  upstream: (signal: AbortSignal) => Request;
  normalizeError: (status: number, text: string, headers: Headers) => ApiError;
  /** Renders an error in the endpoint's own shape (OpenAI's by default). */
  errorResponse?: (error: ApiError, headers: Record<string, string>) => Response;
  parseAnswer: (json: unknown) => ParsedAnswer;
  /** Streams: the upstream events as OpenAI chunks, for the collector (`onUsage`: early usage). */
  toChatStream?: (
    body: ReadableStream<Uint8Array>,
    onUsage: (u: NormalizedUsage) => void,
  ) => ReadableStream<Uint8Array>;
  /** Streams: the error event that ends a stream the provider broke, in the API's own shape. */
  errorEvent?: (error: StreamError) => string;
}

/** Codes the stream collector gives a break the provider did not explain (see stream-tee.ts). */
const BREAK_CODES = new Set(["upstream_disconnected", "stream_truncated"]);

export async function passThrough(ctx: CallContext, spec: PassThroughSpec): Promise<CallResult> {
  const fail = (error: ApiError): CallResult => {
    const result = failedCall(ctx, spec.request, spec.target, error);
    if (!spec.errorResponse) return result;
    return { ...result, response: spec.errorResponse(error, { "x-request-id": ctx.requestId }) };
  };
  const guard = new UpstreamGuard(ctx.clientSignal);
  try {
    const upstream = await fetch(spec.upstream(guard.signal));
    guard.answered();
    if (!upstream.ok) return fail(spec.normalizeError(upstream.status, await upstream.text(), upstream.headers));
    if (!spec.stream) {
      const text = await upstream.text();
      const answer = spec.parseAnswer(JSON.parse(text));
      const ending: Ending = {
        status: "complete",
        httpStatus: 200,
        usage: answer.usage ?? (await estimated(spec.request, answer.text)),
        usageSource: answer.usage ? "provider" : "estimated",
        finishReason: answer.finishReason,
        text: answer.text,
        toolCalls: [],
        responseBody: answer.logged,
        ttftMs: null,
        error: null,
      };
      const contentType = upstream.headers.get("content-type") ?? "application/json";
      const response = new Response(text, { status: 200, headers: responseHeaders(ctx, contentType) });
      return { response, outcome: record(ctx, spec.request, spec.target, ending) };
    }
    return streamed(ctx, spec, upstream.body!, guard);
  } catch (err) {
    return fail(guard.failure(err));
  } finally {
    guard.release();
  }
}

function estimated(req: LoggedRequest, text: string): Promise<NormalizedUsage> {
  return estimateUsage(req.messages, { text, toolCalls: [] });
}

function streamed(
  ctx: CallContext,
  spec: PassThroughSpec,
  body: ReadableStream<Uint8Array>,
  guard: UpstreamGuard,
): CallResult {
  const [toClient, toLog] = body.tee();
  let reported: NormalizedUsage | null = null;
  const teed = teeChatStream(spec.toChatStream!(toLog, (u) => (reported = u)), {
    clientWantsUsage: true,
    startedAt: ctx.startedAt,
    messages: spec.request.messages,
    reportedUsage: () => reported,
  });
  teed.stream.pipeTo(new WritableStream()).catch(() => {});
  let clientCancelled = false;
  const encoder = new TextEncoder();
  const reader = toClient.getReader();
  /** After the last upstream byte: the error event for a break the provider did not explain. */
  const closeWith = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
    const r = await teed.result;
    if (r.error && BREAK_CODES.has(r.error.code ?? "")) controller.enqueue(encoder.encode(spec.errorEvent!(r.error)));
    controller.close();
  };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch {
        return closeWith(controller);
      }
      if (r.done) return closeWith(controller);
      controller.enqueue(r.value);
    },
    cancel(reason) {
      clientCancelled = true;
      guard.cancel();
      return reader.cancel(reason).catch(() => {});
    },
  });
  const outcome = teed.result.then((r) => {
    const summary = {
      id: r.responseId,
      model: r.model,
      text: r.text,
      tool_calls: r.toolCalls as unknown as Json,
      finish_reason: r.finishReason,
      usage: r.usage as unknown as Json,
    };
    return record(ctx, spec.request, spec.target, streamEnding(r, clientCancelled && r.status !== "success", summary));
  });
  const response = new Response(stream, {
    status: 200,
    headers: { ...responseHeaders(ctx, "text/event-stream"), "cache-control": "no-cache" },
  });
  return { response, outcome };
}
