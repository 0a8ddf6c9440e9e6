/**
 * Prices for the hot path: the global `model_prices` table (LiteLLM's key names) and an
 * account's `account_model_prices` overrides, cached like the other lookups (runtime/cache.ts).
 */
import type { Sql } from "../runtime/db.ts";
import { TtlCache } from "../runtime/cache.ts";
import { env } from "../runtime/env.ts";
import { type ModelPrice, PRICE_FIELDS } from "./cost.ts";
import type { Refine, Row } from "../runtime/schema.ts";

export interface ResolvedPrice {
  price: ModelPrice | null;
  source: "model_prices" | "account_override" | "unknown";
}

/**
 * A price as read below: ModelPrice's fields are columns of both price tables (a column renamed in either fails to
 * compile here), read as exact decimal text.
 */
type PriceColumn = Exclude<keyof ModelPrice, "provider">;
type PriceColumns = Pick<Row<"model_prices">, PriceColumn> & Pick<Row<"account_model_prices">, PriceColumn>;
type PriceRow = Refine<PriceColumns, Omit<ModelPrice, "provider">> & {
  provider: Row<"model_prices">["litellm_provider"];
  source: ResolvedPrice["source"];
};

/** The columns a ModelPrice is read from, named alike in both price tables. */
const PRICE_COLUMNS: PriceColumn[] = [
  ...PRICE_FIELDS,
  "tier_threshold_tokens",
  "deprecation_date",
  "max_output_tokens",
];

/** A priced model as listed (postgres.js reads timestamptz as a Date). */
type ListedRow = Refine<Pick<Row<"model_prices">, "model" | "litellm_provider" | "updated_at">, { updated_at: Date }>;

const priceCache = new TtlCache<ResolvedPrice>(Number(env("PRICE_CACHE_TTL_MS") ?? 60_000));

/**
 * LiteLLM keys some models with their provider (`openrouter/openai/gpt-4o`), others bare
 * (`gpt-4o`): the provider-qualified key wins, then the model as sent upstream, then as requested.
 */
export function priceKeys(provider: string, upstreamModel: string, requestedModel: string): string[] {
  return [...new Set([`${provider}/${upstreamModel}`, upstreamModel, requestedModel])];
}

export function resolvePrice(sql: Sql, accountId: string, keys: string[]): Promise<ResolvedPrice> {
  return priceCache.get(`${accountId} ${keys.join(" ")}`, async () => {
    // Prices leave Postgres as text: exact decimals. The inner column lists are identifiers (sql(...)),
    // never sql.unsafe, so the statement text is the same on every call and stays a prepared one.
    const rows = await sql<PriceRow[]>`
      select p.model, p.litellm_provider as provider,
             p.input_cost_per_token::text, p.output_cost_per_token::text, p.cache_read_input_token_cost::text,
             p.cache_creation_input_token_cost::text, p.cache_creation_input_token_cost_above_1hr::text,
             p.output_cost_per_reasoning_token::text, p.tier_threshold_tokens,
             p.input_cost_per_token_above_threshold::text, p.output_cost_per_token_above_threshold::text,
             p.cache_read_input_token_cost_above_threshold::text,
             p.cache_creation_input_token_cost_above_threshold::text,
             p.cache_creation_input_token_cost_above_1hr_above_threshold::text, p.input_cost_per_token_flex::text,
             p.output_cost_per_token_flex::text, p.cache_read_input_token_cost_flex::text,
             p.input_cost_per_token_priority::text, p.output_cost_per_token_priority::text,
             p.cache_read_input_token_cost_priority::text, p.input_cost_per_token_batches::text,
             p.output_cost_per_token_batches::text, p.deprecation_date::text, p.max_output_tokens, p.source
        from (
          select o.model, null::text as litellm_provider, ${sql(PRICE_COLUMNS.map((c) => `o.${c}`))},
                 'account_override' as source, 0 as tier
            from public.account_model_prices o
           where o.account_id = ${accountId} and o.model = any(${keys})
          union all
          select g.model, g.litellm_provider, ${sql(PRICE_COLUMNS.map((c) => `g.${c}`))},
                 'model_prices', 1
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
    const rows = await sql<ListedRow[]>`
      select model, litellm_provider, updated_at from public.model_prices order by model`;
    return rows.map((r) => ({
      id: r.model,
      object: "model" as const,
      created: Math.floor(new Date(r.updated_at).getTime() / 1000),
      owned_by: r.litellm_provider ?? "unknown",
    }));
  });
}
