// Prices from @pydantic/genai-prices (a maintained price database, shipped in the npm package) as
// model_prices rows, for the providers the gateway routes to. genai-prices gives USD per million
// tokens, tiered prices as {base, tiers: [{start, price}]} (the tier's price applies when the
// prompt exceeds `start`, our tier_threshold_tokens), and dated price changes.
import { calcPrice, findProvider, type ModelInfo, type ModelPrice as GenaiPrice } from "@pydantic/genai-prices";
import { decimalFromNumber, formatDecimal } from "../../functions/_shared/billing/decimal.ts";
import { type ModelPrice, priceFromEntry, thresholdPrices } from "../../functions/_shared/billing/cost.ts";

export interface PriceRow {
  price: ModelPrice;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
}

/** Provider ids of genai-prices the gateway routes to, and how LiteLLM (our keys) names their models. */
const PROVIDERS: { id: string; key: (model: string) => string }[] = [
  { id: "openai", key: (m) => m },
  { id: "anthropic", key: (m) => m },
  { id: "openrouter", key: (m) => `openrouter/${m}` },
];

type Tiered = { base: number; tiers: { start: number; price: number }[] };

/**
 * USD per million tokens -> decimal text per token. A few genai-prices values are computed
 * doubles (1/12 = 0.08333333333333334): those are taken as the double's shortest digits.
 */
function perToken(mtok: number): string {
  const d = decimalFromNumber(mtok, false);
  return formatDecimal({ units: d.units, scale: d.scale + 6 });
}

/** The prices in force now: the last dated entry already started (time-of-day discounts are ignored). */
function currentPrices(model: ModelInfo, now: Date): GenaiPrice | null {
  if (!Array.isArray(model.prices)) return model.prices;
  let current: GenaiPrice | null = null;
  for (const p of model.prices) {
    const c = p.constraint;
    if (!c || (c.type === "start_date" && new Date(c.start_date) <= now)) current = p.prices;
  }
  return current;
}

/** The names a model is matched by exactly: its id and every `equals` alias (prefix rules cannot be listed). */
function exactNames(model: ModelInfo): string[] {
  const names = new Set([model.id]);
  const walk = (m: unknown): void => {
    if (!m || typeof m !== "object") return;
    const o = m as Record<string, unknown>;
    if (typeof o.equals === "string") names.add(o.equals);
    if (Array.isArray(o.or)) o.or.forEach(walk);
  };
  walk(model.match);
  return [...names];
}

/** One genai-prices model as a LiteLLM-keyed entry (decimal strings), or null without token prices. */
export function entryFromGenai(model: ModelInfo, provider: string, now = new Date()): Record<string, unknown> | null {
  const p = currentPrices(model, now);
  if (!p || p.input_mtok === undefined || p.output_mtok === undefined) return null;
  const entry: Record<string, unknown> = { litellm_provider: provider };
  if (model.context_window) entry.max_input_tokens = model.context_window;
  let threshold: number | null = null;
  const put = (key: string, v: number | Tiered | undefined) => {
    if (v === undefined) return;
    if (typeof v === "number") return void (entry[key] = perToken(v));
    entry[key] = perToken(v.base);
    const tier = v.tiers.at(-1);
    if (!tier || (threshold !== null && tier.start !== threshold)) return;
    threshold = tier.start;
    entry[`${key}@above`] = perToken(tier.price);
  };
  put("input_cost_per_token", p.input_mtok as number | Tiered);
  put("output_cost_per_token", p.output_mtok as number | Tiered);
  put("cache_read_input_token_cost", p.cache_read_mtok as number | Tiered | undefined);
  put("cache_creation_input_token_cost", p.cache_write_mtok as number | Tiered | undefined);
  put("cache_creation_input_token_cost_above_1hr", p.cache_write_1h_mtok as number | Tiered | undefined);
  put("output_cost_per_reasoning_token", p.output_reasoning_mtok as number | Tiered | undefined);
  entry.tier_threshold_tokens = threshold;
  return entry;
}

/** ModelPrice from an entryFromGenai result (its tier prices are keyed `<field>@above`). */
function priceFromGenaiEntry(key: string, e: Record<string, unknown>): ModelPrice {
  const price = priceFromEntry(key, e)!;
  const threshold = e.tier_threshold_tokens as number | null;
  if (threshold === null) return price;
  const above = (k: string) => (typeof e[`${k}@above`] === "string" ? (e[`${k}@above`] as string) : null);
  return { ...price, tier_threshold_tokens: threshold, ...thresholdPrices(above) };
}

/** Every priced model of the routed providers, under each exact name it is known by. */
export function genaiPriceRows(now = new Date()): PriceRow[] {
  const rows = new Map<string, PriceRow>();
  for (const { id, key } of PROVIDERS) {
    const provider = findProvider({ providerId: id });
    if (!provider) continue;
    for (const model of provider.models) {
      const entry = entryFromGenai(model, id, now);
      if (!entry) continue;
      for (const name of exactNames(model)) {
        const k = key(name);
        if (rows.has(k)) continue;
        const price = priceFromGenaiEntry(k, entry);
        rows.set(k, { price, maxInputTokens: model.context_window ?? null, maxOutputTokens: null });
      }
    }
  }
  return [...rows.values()];
}

/**
 * genai-prices' price for a LiteLLM key, found by its own matching rules (prefixes included), so
 * dated names like claude-sonnet-4-20250514 compare too; null when it does not know the model.
 */
export function genaiPriceFor(key: string, provider: string | null, now = new Date()): ModelPrice | null {
  const routed = PROVIDERS.find((p) => key.startsWith(`${p.id}/`));
  const providerId = routed?.id ?? provider;
  if (!providerId || !PROVIDERS.some((p) => p.id === providerId)) return null;
  const name = routed ? key.slice(routed.id.length + 1) : key;
  const hit = calcPrice({ input_tokens: 1, output_tokens: 1 }, name, { providerId, timestamp: now });
  if (!hit || hit.provider.id !== providerId) return null;
  const entry = entryFromGenai(hit.model, providerId, now);
  return entry ? priceFromGenaiEntry(key, entry) : null;
}
