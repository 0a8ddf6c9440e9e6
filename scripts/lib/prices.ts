// Loads a price file in LiteLLM's model_prices_and_context_window.json format into
// public.model_prices (upsert), so LiteLLM's own file can be dropped in as is.
import { readFileSync } from "node:fs";
import postgres from "postgres";
import { loadPriceTable } from "../../functions/_shared/pricing.ts";

export async function loadPrices(dbUrl: string, file: string): Promise<number> {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  const table = loadPriceTable(json);
  const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) ? v : null);
  const rows = [...table.values()].map((p) => ({
    model: p.model,
    litellm_provider: p.provider,
    input_cost_per_token: p.input_cost_per_token,
    output_cost_per_token: p.output_cost_per_token,
    cache_read_input_token_cost: p.cache_read_input_token_cost,
    cache_creation_input_token_cost: p.cache_creation_input_token_cost,
    output_cost_per_reasoning_token: p.output_cost_per_reasoning_token,
    max_input_tokens: int(json[p.model].max_input_tokens),
    max_output_tokens: int(json[p.model].max_output_tokens),
  }));
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    // Prices travel as decimal text and are cast by Postgres: numeric end to end, no floats.
    await sql`
      insert into public.model_prices (model, litellm_provider, input_cost_per_token, output_cost_per_token,
        cache_read_input_token_cost, cache_creation_input_token_cost, output_cost_per_reasoning_token,
        max_input_tokens, max_output_tokens)
      select model, litellm_provider, input_cost_per_token::numeric, output_cost_per_token::numeric,
             cache_read_input_token_cost::numeric, cache_creation_input_token_cost::numeric,
             output_cost_per_reasoning_token::numeric, max_input_tokens, max_output_tokens
        from jsonb_to_recordset(${sql.json(rows)}) as r(model text, litellm_provider text,
          input_cost_per_token text, output_cost_per_token text, cache_read_input_token_cost text,
          cache_creation_input_token_cost text, output_cost_per_reasoning_token text,
          max_input_tokens integer, max_output_tokens integer)
      on conflict (model) do update set
        litellm_provider = excluded.litellm_provider,
        input_cost_per_token = excluded.input_cost_per_token,
        output_cost_per_token = excluded.output_cost_per_token,
        cache_read_input_token_cost = excluded.cache_read_input_token_cost,
        cache_creation_input_token_cost = excluded.cache_creation_input_token_cost,
        output_cost_per_reasoning_token = excluded.output_cost_per_reasoning_token,
        max_input_tokens = excluded.max_input_tokens,
        max_output_tokens = excluded.max_output_tokens`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  return rows.length;
}
