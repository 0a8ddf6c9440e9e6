/** Token usage in one shape for every provider, as logged and priced. */
import { decimalFromNumber, formatDecimal } from "./decimal.ts";

export interface NormalizedUsage {
  /** All prompt tokens, cached and cache-write tokens included (OpenAI semantics). */
  prompt_tokens: number;
  /** All completion tokens, reasoning tokens included (OpenAI semantics). */
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens read from the provider's cache (part of prompt_tokens). */
  cached_tokens: number;
  /** Prompt tokens written to the provider's cache (part of prompt_tokens; Anthropic). */
  cache_creation_tokens: number;
  /** Completion tokens spent on reasoning (part of completion_tokens). */
  reasoning_tokens: number;
  /** Cost the provider reported (OpenRouter `usage.cost`), as decimal text; null if none. */
  provider_cost: string | null;
}

const int = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : 0);

/** Normalizes an OpenAI-format `usage` object (OpenAI, OpenRouter, compatible servers). */
export function normalizeOpenAIUsage(u: unknown): NormalizedUsage | null {
  if (!u || typeof u !== "object") return null;
  const o = u as Record<string, unknown>;
  const pd = (o.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const cd = (o.completion_tokens_details ?? {}) as Record<string, unknown>;
  const prompt = int(o.prompt_tokens);
  const completion = int(o.completion_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: int(o.total_tokens) || prompt + completion,
    cached_tokens: int(pd.cached_tokens),
    // OpenRouter reports Anthropic/Gemini cache writes as `cache_write_tokens`.
    cache_creation_tokens: int(pd.cache_write_tokens ?? pd.cache_creation_tokens),
    reasoning_tokens: int(cd.reasoning_tokens),
    provider_cost: typeof o.cost === "number" ? formatDecimal(decimalFromNumber(o.cost, false)) : null,
  };
}

export function emptyUsage(): NormalizedUsage {
  return {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cached_tokens: 0,
    cache_creation_tokens: 0,
    reasoning_tokens: 0,
    provider_cost: null,
  };
}
