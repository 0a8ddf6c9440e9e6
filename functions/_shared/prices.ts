/**
 * Prices for the hot path: the global `model_prices` table (LiteLLM's key names) and an
 * account's `account_model_prices` overrides, cached like the other lookups (cache.ts).
 */
import type { Sql } from "./db.ts";
import { TtlCache } from "./cache.ts";
import { env } from "./env.ts";
import { type ModelPrice, PRICE_FIELDS } from "./pricing.ts";

export interface ResolvedPrice {
  price: ModelPrice | null;
  source: "model_prices" | "account_override" | "unknown";
}

const priceCache = new TtlCache<ResolvedPrice>(Number(env("PRICE_CACHE_TTL_MS") ?? 60_000));

/**
 * LiteLLM keys some models with their provider (`openrouter/openai/gpt-4o`), others bare
 * (`gpt-4o`): the provider-qualified key wins, then the model as sent upstream, then as requested.
 */
export function priceKeys(provider: string, upstreamModel: string, requestedModel: string): string[] {
  return [...new Set([`${provider}/${upstreamModel}`, upstreamModel, requestedModel])];
}

/** The ModelPrice columns of both price tables, prices as exact decimal text. */
const PRICE_SELECT = [
  ...PRICE_FIELDS.map((f) => `p.${f}::text as ${f}`),
  "p.tier_threshold_tokens",
  "p.deprecation_date::text as deprecation_date",
].join(", ");
const TABLE_COLUMNS = [...PRICE_FIELDS, "tier_threshold_tokens", "deprecation_date"].join(", ");

export function resolvePrice(sql: Sql, accountId: string, keys: string[]): Promise<ResolvedPrice> {
  return priceCache.get(`${accountId} ${keys.join(" ")}`, async () => {
    const rows = await sql<(ModelPrice & { source: ResolvedPrice["source"] })[]>`
      select p.model, p.litellm_provider as provider, ${sql.unsafe(PRICE_SELECT)}, p.source
        from (
          select o.model, null::text as litellm_provider, ${sql.unsafe(TABLE_COLUMNS)},
                 'account_override' as source, 0 as tier
            from public.account_model_prices o
           where o.account_id = ${accountId} and o.model = any(${keys})
          union all
          select g.model, g.litellm_provider, ${sql.unsafe(TABLE_COLUMNS)}, 'model_prices', 1
            from public.model_prices g where g.model = any(${keys})
        ) p
       order by p.tier, array_position(${keys}::text[], p.model)
       limit 1`;
    const row = rows[0];
    if (!row) return { price: null, source: "unknown" };
    const { source, ...price } = row;
    return { price: price as ModelPrice, source };
  });
}

export interface ModelListing {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

const modelsCache = new TtlCache<ModelListing[]>(Number(env("PRICE_CACHE_TTL_MS") ?? 60_000));

/** `GET /models`: the priced models, in OpenAI's list shape. */
export function listModels(sql: Sql): Promise<ModelListing[]> {
  return modelsCache.get("all", async () => {
    const rows = await sql<{ model: string; litellm_provider: string | null; updated_at: Date }[]>`
      select model, litellm_provider, updated_at from public.model_prices order by model`;
    return rows.map((r) => ({
      id: r.model,
      object: "model" as const,
      created: Math.floor(new Date(r.updated_at).getTime() / 1000),
      owned_by: r.litellm_provider ?? "unknown",
    }));
  });
}
