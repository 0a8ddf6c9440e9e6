// Price lookups in a LiteLLM-format table, tried in the order the gateway tries its keys, and expected costs.
import { readFileSync } from "node:fs";
import { addDecimals, formatDecimal, mulInt, parseDecimal } from "../../functions/_shared/billing/decimal.ts";
import { priceKeys } from "../../functions/_shared/billing/price-lookup.ts";
import type { ModelPrice } from "../../functions/_shared/billing/cost.ts";

/** The price of `model` as sent upstream to `provider` (provider-prefixed key first, then bare). */
export function priceIn(table: Map<string, ModelPrice>, model: string, provider?: string): ModelPrice | null {
  const keys = provider ? priceKeys(provider, model, model) : [model];
  for (const key of keys) {
    const price = table.get(key);
    if (price) return price;
  }
  return null;
}

const modelPrices = JSON.parse(readFileSync("supabase/model_prices.json", "utf8"));

/** Exact decimal cost of `tokens` from the LiteLLM-format price file (the numbers as written there). */
export function expectedCost(
  priceKey: string,
  tokens: { prompt: number; completion: number; cached?: number; cacheWrite?: number },
): string {
  const p = modelPrices[priceKey];
  const d = (v: number | undefined, fallback: number) => parseDecimal(String(v ?? fallback));
  const cached = tokens.cached ?? 0;
  const written = tokens.cacheWrite ?? 0;
  return formatDecimal(addDecimals(
    mulInt(d(p.input_cost_per_token, 0), tokens.prompt - cached - written),
    mulInt(d(p.cache_read_input_token_cost, p.input_cost_per_token), cached),
    mulInt(d(p.cache_creation_input_token_cost, p.input_cost_per_token), written),
    mulInt(d(p.output_cost_per_token, 0), tokens.completion),
  ));
}
