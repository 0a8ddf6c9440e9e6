/** Contracts between the proxy handler and the provider adapters. */
import type { ApiError } from "../http/errors.ts";
import type { ChatCompletionRequest } from "../openai/chat-schema.ts";
import type { AssembledToolCall } from "../gateway/stream-tee.ts";
import type { NormalizedUsage } from "../billing/usage.ts";

export type ProviderName = "openrouter" | "openai" | "anthropic" | "compat";

/** Environment variables (Deno.env.toObject(), process.env or a test object). */
export type ProviderEnv = Readonly<Record<string, string | undefined>>;

/** Where a call goes: the provider, the model name it expects, and how to reach it. */
export interface ProviderTarget {
  provider: ProviderName;
  /** The model as the client sent it (logged). */
  requestedModel: string;
  /** The model name sent upstream (routing prefix stripped). */
  model: string;
  baseUrl: string;
  apiKey: string | null;
}

/**
 * What is sent upstream, as `fetch(url, init)` takes it. Not a Request: fetch copies a Request it
 * is given (headers, body, a signal following the caller's), so building one first built it twice.
 */
export interface UpstreamRequest {
  url: string;
  init: { method: "POST"; headers: Record<string, string>; body: string; signal?: AbortSignal };
}

export interface UpstreamCall {
  request: UpstreamRequest;
  stream: boolean;
  /** The client itself asked for `stream_options.include_usage` (the gateway always asks upstream). */
  clientWantsUsage: boolean;
  /** False when the gateway asked OpenRouter for `usage.cost` and the client did not. */
  clientWantsCost: boolean;
}

/** A non-stream answer in OpenAI shape plus what the log needs from it. */
export interface NormalizedCompletion {
  /** `chat.completion` JSON for the client. */
  body: Record<string, unknown>;
  usage: NormalizedUsage | null;
  finishReason: string | null;
  text: string;
  toolCalls: AssembledToolCall[];
}

export interface ProviderAdapter {
  readonly provider: ProviderName;
  /** Builds the upstream request; throws ApiError(400) for input this provider cannot take. */
  buildRequest(body: ChatCompletionRequest, target: ProviderTarget, signal?: AbortSignal): UpstreamCall;
  /** Upstream non-stream JSON to OpenAI `chat.completion` with normalized usage. */
  normalizeResponse(json: unknown): NormalizedCompletion;
  /**
   * Upstream stream body as OpenAI-format SSE bytes (the identity for OpenAI-format providers).
   * `onUsage` receives usage the provider reports before its final numbers (Anthropic's message_start).
   */
  toOpenAIStream(
    body: ReadableStream<Uint8Array>,
    onUsage?: (usage: NormalizedUsage) => void,
  ): ReadableStream<Uint8Array>;
  /** Upstream error response as an OpenAI-shape ApiError with the status the client should see. */
  normalizeError(status: number, bodyText: string, headers: Headers): ApiError;
}
