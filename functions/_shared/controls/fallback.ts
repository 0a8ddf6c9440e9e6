/**
 * Fallbacks: when the requested model fails with a retryable error (after its own retries), cannot
 * be reached, or refuses the prompt as too long for its context window, the next model of the
 * chain is tried: the request's `fallbacks` (LiteLLM's body field, removed before forwarding),
 * else the account's `fallback_models`. The model that answers is the one logged and priced.
 */
import type { CallContext } from "../gateway/forward.ts";
import { badRequest } from "../http/errors.ts";
import { MAX_MODEL_CHARS } from "../http/limits.ts";
import type { ChatCompletionRequest } from "../openai/chat-schema.ts";
import { resolveProvider } from "../providers/index.ts";
import type { ProviderAdapter, ProviderEnv, ProviderTarget, UpstreamCall } from "../providers/types.ts";
import { DEFAULT_MAX_RETRIES, fetchWithRetries, isRetryableStatus } from "./retry.ts";

export const MAX_FALLBACKS = 5;

/**
 * Takes `fallbacks` out of the body (it is ours, not the provider's) and validates it: up to five
 * model names. Returns the body to forward and the list, or null when the body has none.
 */
export function takeFallbacks(
  body: ChatCompletionRequest,
): { body: ChatCompletionRequest; fallbacks: string[] | null } {
  if (!("fallbacks" in body)) return { body, fallbacks: null };
  const { fallbacks, ...rest } = body as ChatCompletionRequest & { fallbacks?: unknown };
  const ok = Array.isArray(fallbacks) && fallbacks.length <= MAX_FALLBACKS &&
    fallbacks.every((m) => typeof m === "string" && m.length > 0 && m.length <= MAX_MODEL_CHARS);
  if (!ok) {
    throw badRequest(
      `fallbacks must be a list of at most ${MAX_FALLBACKS} model names (1-${MAX_MODEL_CHARS} characters each)`,
      "fallbacks",
      "invalid_fallbacks",
    );
  }
  return { body: rest as ChatCompletionRequest, fallbacks: fallbacks as string[] };
}

// OpenAI `context_length_exceeded`, Anthropic "prompt is too long", OpenRouter and compatible servers.
const CONTEXT_WINDOW =
  /context_length_exceeded|context[ _-]?(length|window)|maximum context|prompt is too long|too many tokens/i;

export function isContextWindowError(status: number, text: string): boolean {
  return (status === 400 || status === 413) && CONTEXT_WINDOW.test(text);
}

export interface Sent {
  upstream: Response;
  call: UpstreamCall;
  target: ProviderTarget;
  adapter: ProviderAdapter;
  /** The body as sent (its model is the serving one). */
  body: ChatCompletionRequest;
}

/**
 * Sends the call to the first model of the chain that answers (each with its retries). Returns the
 * last answer when every model failed; throws the last connection error, or at once on an abort.
 * A fallback no provider serves is skipped (and listed in the attempts).
 */
export async function sendWithFallbacks(
  ctx: CallContext,
  body: ChatCompletionRequest,
  first: { target: ProviderTarget; adapter: ProviderAdapter },
  signal: AbortSignal,
  providerEnv: ProviderEnv,
): Promise<Sent> {
  const attempts = (ctx.attempts ??= []);
  const routes = [{ model: body.model, ...first }];
  for (const model of ctx.fallbacks ?? ctx.caller.settings.fallback_models ?? []) {
    const resolved = resolveProvider(model, providerEnv);
    if (resolved.ok) routes.push({ model, target: resolved.value.target, adapter: resolved.value.adapter });
    else attempts.push({ model, provider: "unknown", status: null, error: "unknown_model", ms: 0 });
  }
  const maxRetries = ctx.maxRetries ?? ctx.caller.settings.max_retries ?? DEFAULT_MAX_RETRIES;
  const tried: string[] = [];
  for (let i = 0;; i++) {
    const { model, target, adapter } = routes[i];
    const last = i === routes.length - 1;
    const sent = { ...body, model };
    tried.push(model);
    if (routes.length > 1) ctx.modelsTried = tried;
    let call = adapter.buildRequest(sent, target, signal);
    let built = 0;
    let upstream: Response;
    try {
      // A request body is read once: every retry sends a freshly built request.
      upstream = await fetchWithRetries(
        () => (built++ === 0 ? call : (call = adapter.buildRequest(sent, target, signal))).request,
        { maxRetries, signal, model: target.model, provider: target.provider, attempts },
      );
    } catch (err) {
      if (signal.aborted || last) throw err;
      continue;
    }
    if (upstream.ok || last) return { upstream, call, target, adapter, body: sent };
    const text = await upstream.text();
    if (!isRetryableStatus(upstream.status) && !isContextWindowError(upstream.status, text)) {
      const replay = new Response(text, { status: upstream.status, headers: upstream.headers });
      return { upstream: replay, call, target, adapter, body: sent };
    }
  }
}
