/** Token usage in one shape for every provider, as logged and priced. */
import { addDecimals, decimalFromNumber, formatDecimal } from "./decimal.ts";

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
  /** Of cache_creation_tokens, those written with the one-hour lifetime (Anthropic `cache_creation`). */
  cache_creation_1h_tokens: number;
  /** Completion tokens spent on reasoning (part of completion_tokens). */
  reasoning_tokens: number;
  /**
   * What the provider billed (OpenRouter `usage.cost`, plus `cost_details.upstream_inference_cost`
   * when the call ran on the account's own upstream key), as decimal text; null if not reported.
   */
  provider_cost: string | null;
  /** Service tier the provider ran the call in (OpenAI `service_tier`: flex, priority, ...), if reported. */
  service_tier: string | null;
}

const int = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? Math.max(0, Math.trunc(v)) : 0);

/**
 * Normalizes an OpenAI-format `usage` object (OpenAI, OpenRouter, compatible servers). OpenAI
 * reports the service tier beside `usage`, on the response or chunk: pass it as `serviceTier`.
 */
export function normalizeOpenAIUsage(u: unknown, serviceTier?: unknown): NormalizedUsage | null {
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
    cache_creation_1h_tokens: int(pd.cache_write_1h_tokens),
    reasoning_tokens: int(cd.reasoning_tokens),
    provider_cost: providerCost(o),
    service_tier: typeof serviceTier === "string" ? serviceTier : null,
  };
}

/**
 * OpenRouter's bill for a call: `usage.cost` is what it charged its credits; when the call used
 * the account's own provider key (BYOK, `is_byok`) that is only OpenRouter's fee, and the model's
 * price was charged to that key: `cost_details.upstream_inference_cost`. The sum is the bill.
 */
function providerCost(o: Record<string, unknown>): string | null {
  if (typeof o.cost !== "number") return null;
  const cost = decimalFromNumber(o.cost, false);
  const upstream = (o.cost_details as Record<string, unknown> | undefined)?.upstream_inference_cost;
  if (o.is_byok !== true || typeof upstream !== "number") return formatDecimal(cost);
  return formatDecimal(addDecimals(cost, decimalFromNumber(upstream, false)));
}

export function emptyUsage(): NormalizedUsage {
  return {
    prompt_tokens: 0,
    completion_tokens: 0,
    total_tokens: 0,
    cached_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_1h_tokens: 0,
    reasoning_tokens: 0,
    provider_cost: null,
    service_tier: null,
  };
}
