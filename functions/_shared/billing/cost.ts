/**
 * Prices in LiteLLM's `model_prices_and_context_window.json` format and exact cost computation.
 * Per-token prices are kept as decimal text and costs are computed with BigInt decimals, so a
 * logged cost is exact to the last digit; the result is a string for a Postgres `numeric`.
 */
import { addDecimals, type Decimal, formatDecimal, mulInt, parseDecimal, toDecimal, ZERO } from "./decimal.ts";
import type { NormalizedUsage } from "./usage.ts";

/** One model's per-token prices (decimal text, USD), with LiteLLM's key names where it has them. */
export interface ModelPrice {
  model: string;
  provider: string | null;
  input_cost_per_token: string;
  output_cost_per_token: string;
  cache_read_input_token_cost: string | null;
  /** Cache write with the default (5-minute) lifetime. */
  cache_creation_input_token_cost: string | null;
  /** Cache write with the one-hour lifetime (Anthropic `ttl: "1h"`). */
  cache_creation_input_token_cost_above_1hr: string | null;
  output_cost_per_reasoning_token: string | null;
  /**
   * Long-context tier: when a call's prompt (cache reads and writes included) exceeds this many
   * tokens, every token of the call is billed at the `*_above_threshold` prices (LiteLLM's
   * `*_above_200k_tokens` keys).
   */
  tier_threshold_tokens: number | null;
  input_cost_per_token_above_threshold: string | null;
  output_cost_per_token_above_threshold: string | null;
  cache_read_input_token_cost_above_threshold: string | null;
  cache_creation_input_token_cost_above_threshold: string | null;
  cache_creation_input_token_cost_above_1hr_above_threshold: string | null;
  /** OpenAI service tiers (`service_tier: "flex" | "priority"`) and the Batch API. */
  input_cost_per_token_flex: string | null;
  output_cost_per_token_flex: string | null;
  cache_read_input_token_cost_flex: string | null;
  input_cost_per_token_priority: string | null;
  output_cost_per_token_priority: string | null;
  cache_read_input_token_cost_priority: string | null;
  input_cost_per_token_batches: string | null;
  output_cost_per_token_batches: string | null;
  /** Date the provider retires the model (YYYY-MM-DD), if announced. */
  deprecation_date: string | null;
  /** Most output tokens per call, if known (bounds a call's reservation against token and USD limits). */
  max_output_tokens?: number | null;
}

/** Every per-token price of a ModelPrice: `numeric` columns of model_prices and account_model_prices. */
export const PRICE_FIELDS = [
  "input_cost_per_token",
  "output_cost_per_token",
  "cache_read_input_token_cost",
  "cache_creation_input_token_cost",
  "cache_creation_input_token_cost_above_1hr",
  "output_cost_per_reasoning_token",
  "input_cost_per_token_above_threshold",
  "output_cost_per_token_above_threshold",
  "cache_read_input_token_cost_above_threshold",
  "cache_creation_input_token_cost_above_threshold",
  "cache_creation_input_token_cost_above_1hr_above_threshold",
  "input_cost_per_token_flex",
  "output_cost_per_token_flex",
  "cache_read_input_token_cost_flex",
  "input_cost_per_token_priority",
  "output_cost_per_token_priority",
  "cache_read_input_token_cost_priority",
  "input_cost_per_token_batches",
  "output_cost_per_token_batches",
] as const satisfies readonly (keyof ModelPrice)[];

/** Price fields read under the same key from a LiteLLM entry: all but the required and the long-context ones. */
type SameKey = Exclude<
  (typeof PRICE_FIELDS)[number],
  "input_cost_per_token" | "output_cost_per_token" | `${string}_above_threshold`
>;
const SAME_KEYS = PRICE_FIELDS.filter((k): k is SameKey =>
  k !== "input_cost_per_token" && k !== "output_cost_per_token" && !k.endsWith("_above_threshold")
);

/** LiteLLM's long-context keys end in `_above_<N>k_tokens`; our columns end in `_above_threshold`. */
const TIERED_KEYS = [
  "input_cost_per_token",
  "output_cost_per_token",
  "cache_read_input_token_cost",
  "cache_creation_input_token_cost",
  "cache_creation_input_token_cost_above_1hr",
] as const;
type TieredKey = (typeof TIERED_KEYS)[number];
const TIER_KEY = /^(.+)_above_(\d+)k_tokens$/;

/** The long-context prices of a ModelPrice, each `above(field)` for the field it raises. */
export function thresholdPrices(
  above: (field: TieredKey) => string | null,
): Pick<ModelPrice, `${TieredKey}_above_threshold`> {
  return Object.fromEntries(TIERED_KEYS.map((k) => [`${k}_above_threshold`, above(k)])) as Pick<
    ModelPrice,
    `${TieredKey}_above_threshold`
  >;
}

/**
 * Reads one LiteLLM entry; null when it has no per-token prices (image, audio, per-second
 * models). Numbers are converted with `decimalFromNumber`, exact for <= 15 significant digits
 * (see there); strings are taken as written. Of several long-context thresholds (rare), the
 * lowest one is kept.
 */
export function priceFromEntry(model: string, entry: unknown): ModelPrice | null {
  if (!entry || typeof entry !== "object") return null;
  const e = entry as Record<string, unknown>;
  if (e.input_cost_per_token === undefined || e.output_cost_per_token === undefined) return null;
  const text = (v: unknown): string | null => {
    const d = toDecimal(v);
    return d ? formatDecimal(d) : null;
  };
  let threshold: number | null = null;
  for (const key of Object.keys(e)) {
    const m = TIER_KEY.exec(key);
    if (m && (TIERED_KEYS as readonly string[]).includes(m[1]) && e[key] !== null) {
      const tokens = Number(m[2]) * 1000;
      if (threshold === null || tokens < threshold) threshold = tokens;
    }
  }
  const price = {
    model,
    provider: typeof e.litellm_provider === "string" ? e.litellm_provider : null,
    input_cost_per_token: text(e.input_cost_per_token)!,
    output_cost_per_token: text(e.output_cost_per_token)!,
    tier_threshold_tokens: threshold,
    ...thresholdPrices((k) => threshold ? text(e[`${k}_above_${threshold / 1000}k_tokens`]) : null),
    deprecation_date: typeof e.deprecation_date === "string" ? e.deprecation_date : null,
  } as ModelPrice;
  for (const k of SAME_KEYS) price[k] = text(e[k]);
  return price;
}

/** Loads a LiteLLM-format price file (JSON text or an already parsed object). */
export function loadPriceTable(source: string | Record<string, unknown>): Map<string, ModelPrice> {
  const json = typeof source === "string" ? (JSON.parse(source) as Record<string, unknown>) : source;
  const table = new Map<string, ModelPrice>();
  for (const [model, entry] of Object.entries(json)) {
    if (model === "sample_spec") continue;
    const price = priceFromEntry(model, entry);
    if (price) table.set(model, price);
  }
  return table;
}

/** Unit prices (decimal text, USD per token) a call was billed at, after tier selection. */
export interface AppliedRates {
  input: string;
  output: string;
  cache_read: string;
  cache_creation: string;
  cache_creation_1h: string;
  reasoning: string | null;
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
  rates: AppliedRates | null;
  /**
   * How a price the entry lacks was filled in, for the tokens the call actually used: `rule` =
   * the provider's published rule (Anthropic cache multipliers), `estimate` = a stand-in (the
   * input price for a cache price, the standard price for a service tier). Null when every price
   * used came from the entry. Logged as a suffix of `price_source`.
   */
  fallback: "rule" | "estimate" | null;
}

const UNPRICED: CostBreakdown = Object.freeze({
  total: null,
  priced: false,
  input: null,
  cache_read: null,
  cache_creation: null,
  output: null,
  reasoning: null,
  rates: null,
  fallback: null,
});

type UsageForCost =
  & Pick<
    NormalizedUsage,
    "prompt_tokens" | "completion_tokens" | "cached_tokens" | "cache_creation_tokens" | "reasoning_tokens"
  >
  & Partial<Pick<NormalizedUsage, "cache_creation_1h_tokens" | "service_tier">>;

/**
 * Anthropic's published cache prices as multiples of the input price: read 0.1x, 5-minute write
 * 1.25x, one-hour write 2x (docs.anthropic.com, prompt caching pricing). Used only when an
 * Anthropic model's entry lacks the price.
 */
const ANTHROPIC_CACHE_MULTIPLIER = { read: "0.1", write: "1.25", write1h: "2" } as const;

function isAnthropicModel(price: ModelPrice): boolean {
  return price.provider === "anthropic" || /(^|\/)(anthropic\/|claude)/.test(price.model);
}

/** The service tier a call was billed under, as a suffix of LiteLLM's tier keys. */
function tierSuffix(tier: string | null | undefined): "flex" | "priority" | "batches" | null {
  if (tier === "flex" || tier === "priority") return tier;
  if (tier === "batch") return "batches";
  return null;
}

/** Parsed price texts: a few distinct prices serve every call, and a Decimal is immutable. */
const priceDecimals = new Map<string, Decimal | null>();

function priceDecimal(s: string | null | undefined): Decimal | null {
  if (s == null) return null;
  let d = priceDecimals.get(s);
  if (d === undefined) {
    d = toDecimal(s);
    if (priceDecimals.size >= 10_000) priceDecimals.clear();
    priceDecimals.set(s, d);
  }
  return d;
}

/**
 * Exact cost of a call.
 * - Prices: the service tier's (`flex`, `priority`, `batch`) when the call ran in one, else the
 *   long-context tier's when the prompt exceeds the entry's threshold, else the standard ones.
 * - Cached prompt tokens are billed at the cache-read price and not again at the input price;
 *   cache-write tokens at the cache-creation price, one-hour writes at the one-hour price. A cache
 *   price the entry lacks follows the provider's rule (Anthropic) or, failing that, the input
 *   price; either way `fallback` says so. The rest of prompt_tokens is billed at the input price.
 * - Reasoning tokens are part of completion_tokens: with a reasoning price they are billed at it
 *   and the remaining completion tokens at the output price; without one, all completion tokens
 *   are billed at the output price. Nothing is counted twice.
 */
export function computeCost(usage: UsageForCost, price: ModelPrice | null): CostBreakdown {
  if (!price) return UNPRICED;
  const d = priceDecimal;
  const cached = Math.min(usage.cached_tokens, usage.prompt_tokens);
  const written = Math.min(usage.cache_creation_tokens, usage.prompt_tokens - cached);
  const written1h = Math.min(usage.cache_creation_1h_tokens ?? 0, written);
  const written5m = written - written1h;
  const plainInput = usage.prompt_tokens - cached - written;

  let fallback: CostBreakdown["fallback"] = null;
  const note = (kind: "rule" | "estimate") => {
    if (fallback !== "estimate") fallback = kind;
  };

  const tier = tierSuffix(usage.service_tier);
  const tierInput = tier ? d(price[`input_cost_per_token_${tier}`]) : null;
  const tierOutput = tier ? d(price[`output_cost_per_token_${tier}`]) : null;
  const long = !tierInput && price.tier_threshold_tokens !== null && usage.prompt_tokens > price.tier_threshold_tokens;
  if (tier && !(tierInput && tierOutput)) note("estimate");

  let inputPrice = d(price.input_cost_per_token)!;
  let outputPrice = d(price.output_cost_per_token)!;
  let read = d(price.cache_read_input_token_cost);
  let write = d(price.cache_creation_input_token_cost);
  let write1h = d(price.cache_creation_input_token_cost_above_1hr);
  if (tierInput && tierOutput) {
    inputPrice = tierInput;
    outputPrice = tierOutput;
    read = tier === "batches" ? null : d(price[`cache_read_input_token_cost_${tier as "flex" | "priority"}`]);
    write = write1h = null;
  } else if (long) {
    inputPrice = d(price.input_cost_per_token_above_threshold) ?? inputPrice;
    outputPrice = d(price.output_cost_per_token_above_threshold) ?? outputPrice;
    read = d(price.cache_read_input_token_cost_above_threshold);
    write = d(price.cache_creation_input_token_cost_above_threshold);
    write1h = d(price.cache_creation_input_token_cost_above_1hr_above_threshold);
  }
  const anthropic = isAnthropicModel(price);
  const fill = (have: Decimal | null, used: number, multiplier: string): Decimal => {
    if (have) return have;
    if (used === 0) return inputPrice;
    if (anthropic) {
      note("rule");
      const m = parseDecimal(multiplier);
      return { units: inputPrice.units * m.units, scale: inputPrice.scale + m.scale };
    }
    note("estimate");
    return inputPrice;
  };
  const readPrice = fill(read, cached, ANTHROPIC_CACHE_MULTIPLIER.read);
  const writePrice = fill(write, written5m, ANTHROPIC_CACHE_MULTIPLIER.write);
  const write1hPrice = fill(write1h, written1h, ANTHROPIC_CACHE_MULTIPLIER.write1h);
  const reasoningPrice = d(price.output_cost_per_reasoning_token);

  const reasoning = reasoningPrice ? Math.min(usage.reasoning_tokens, usage.completion_tokens) : 0;
  const plainOutput = usage.completion_tokens - reasoning;

  const input = mulInt(inputPrice, plainInput);
  const cacheRead = mulInt(readPrice, cached);
  const cacheCreation = addDecimals(mulInt(writePrice, written5m), mulInt(write1hPrice, written1h));
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
    rates: {
      input: formatDecimal(inputPrice),
      output: formatDecimal(outputPrice),
      cache_read: formatDecimal(readPrice),
      cache_creation: formatDecimal(writePrice),
      cache_creation_1h: formatDecimal(write1hPrice),
      reasoning: reasoningPrice ? formatDecimal(reasoningPrice) : null,
    },
    fallback,
  };
}
