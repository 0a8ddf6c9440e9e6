// Price lookups in a LiteLLM-format table, tried in the order the gateway tries its keys.
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
