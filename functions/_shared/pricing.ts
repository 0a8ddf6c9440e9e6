/**
 * Prices in LiteLLM's `model_prices_and_context_window.json` format and exact cost computation.
 * Per-token prices are kept as decimal text and costs are computed with BigInt decimals, so a
 * logged cost is exact to the last digit; the result is a string for a Postgres `numeric`.
 */
import { addDecimals, type Decimal, formatDecimal, mulInt, toDecimal, ZERO } from "./decimal.ts";
import type { NormalizedUsage } from "./usage.ts";

/** One model's per-token prices (decimal text, USD). */
export interface ModelPrice {
  model: string;
  provider: string | null;
  input_cost_per_token: string;
  output_cost_per_token: string;
  cache_read_input_token_cost: string | null;
  cache_creation_input_token_cost: string | null;
  output_cost_per_reasoning_token: string | null;
}

export type PriceTable = Map<string, ModelPrice>;

const PRICE_KEYS = [
  "input_cost_per_token",
  "output_cost_per_token",
  "cache_read_input_token_cost",
  "cache_creation_input_token_cost",
  "output_cost_per_reasoning_token",
] as const;

/**
 * Reads one LiteLLM entry; null when it has no per-token prices (image, audio, per-second
 * models). Numbers are converted with `decimalFromNumber`, exact for <= 15 significant digits
 * (see there); strings are taken as written.
 */
export function priceFromEntry(model: string, entry: unknown): ModelPrice | null {
  if (!entry || typeof entry !== "object") return null;
  const e = entry as Record<string, unknown>;
  if (e.input_cost_per_token === undefined || e.output_cost_per_token === undefined) return null;
  const text = (k: (typeof PRICE_KEYS)[number]): string | null => {
    const d = toDecimal(e[k]);
    return d ? formatDecimal(d) : null;
  };
  return {
    model,
    provider: typeof e.litellm_provider === "string" ? e.litellm_provider : null,
    input_cost_per_token: text("input_cost_per_token")!,
    output_cost_per_token: text("output_cost_per_token")!,
    cache_read_input_token_cost: text("cache_read_input_token_cost"),
    cache_creation_input_token_cost: text("cache_creation_input_token_cost"),
    output_cost_per_reasoning_token: text("output_cost_per_reasoning_token"),
  };
}

/** Loads a LiteLLM-format price file (JSON text or an already parsed object). */
export function loadPriceTable(source: string | Record<string, unknown>): PriceTable {
  const json = typeof source === "string" ? (JSON.parse(source) as Record<string, unknown>) : source;
  const table: PriceTable = new Map();
  for (const [model, entry] of Object.entries(json)) {
    if (model === "sample_spec") continue;
    const price = priceFromEntry(model, entry);
    if (price) table.set(model, price);
  }
  return table;
}

/**
 * Finds the price for a model as sent upstream. LiteLLM keys some providers' models with the
 * provider prefix (`openrouter/openai/gpt-4o-mini`), others bare (`gpt-4o`), so the
 * provider-prefixed key is tried first, then the bare model name.
 */
export function lookupPrice(table: PriceTable, model: string, provider?: string | null): ModelPrice | null {
  if (provider) {
    const hit = table.get(`${provider}/${model}`);
    if (hit) return hit;
  }
  return table.get(model) ?? null;
}

export interface CostBreakdown {
  /** Total USD cost as decimal text, or null when the model has no known price (never "0"). */
  total: string | null;
  /** False when no price was found; the log row flags it. */
  priced: boolean;
  input: string | null;
  cache_read: string | null;
  cache_creation: string | null;
  output: string | null;
  reasoning: string | null;
}

const UNPRICED: CostBreakdown = Object.freeze({
  total: null,
  priced: false,
  input: null,
  cache_read: null,
  cache_creation: null,
  output: null,
  reasoning: null,
});

type UsageForCost = Pick<
  NormalizedUsage,
  "prompt_tokens" | "completion_tokens" | "cached_tokens" | "cache_creation_tokens" | "reasoning_tokens"
>;

/**
 * Exact cost of a call.
 * - Cached prompt tokens are billed at the cache-read price and not again at the input price;
 *   cache-write tokens at the cache-creation price (each falls back to the input price when the
 *   entry has none). The rest of prompt_tokens is billed at the input price.
 * - Reasoning tokens are part of completion_tokens: with a reasoning price they are billed at it
 *   and the remaining completion tokens at the output price; without one, all completion tokens
 *   are billed at the output price. Nothing is counted twice.
 */
export function computeCost(usage: UsageForCost, price: ModelPrice | null): CostBreakdown {
  if (!price) return UNPRICED;
  const d = (s: string | null): Decimal | null => (s === null ? null : toDecimal(s));
  const inputPrice = d(price.input_cost_per_token)!;
  const outputPrice = d(price.output_cost_per_token)!;
  const readPrice = d(price.cache_read_input_token_cost) ?? inputPrice;
  const writePrice = d(price.cache_creation_input_token_cost) ?? inputPrice;
  const reasoningPrice = d(price.output_cost_per_reasoning_token);

  const cached = Math.min(usage.cached_tokens, usage.prompt_tokens);
  const written = Math.min(usage.cache_creation_tokens, usage.prompt_tokens - cached);
  const plainInput = usage.prompt_tokens - cached - written;
  const reasoning = reasoningPrice ? Math.min(usage.reasoning_tokens, usage.completion_tokens) : 0;
  const plainOutput = usage.completion_tokens - reasoning;

  const input = mulInt(inputPrice, plainInput);
  const cacheRead = mulInt(readPrice, cached);
  const cacheCreation = mulInt(writePrice, written);
  const output = mulInt(outputPrice, plainOutput);
  const reasoningCost = reasoningPrice ? mulInt(reasoningPrice, reasoning) : ZERO;
  return {
    total: formatDecimal(addDecimals(input, cacheRead, cacheCreation, output, reasoningCost)),
    priced: true,
    input: formatDecimal(input),
    cache_read: formatDecimal(cacheRead),
    cache_creation: formatDecimal(cacheCreation),
    output: formatDecimal(output),
    reasoning: formatDecimal(reasoningCost),
  };
}
