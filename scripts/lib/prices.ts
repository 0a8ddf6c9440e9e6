// Loads a price file in LiteLLM's model_prices_and_context_window.json format into
// public.model_prices (upsert), so LiteLLM's own file can be dropped in as is.
import { readFileSync } from "node:fs";
import postgres from "postgres";
import { loadPriceTable, PRICE_FIELDS } from "../../functions/_shared/pricing.ts";

const COLUMNS = ["litellm_provider", ...PRICE_FIELDS, "tier_threshold_tokens", "deprecation_date",
  "max_input_tokens", "max_output_tokens"] as const;
const TYPES: Record<string, string> = { tier_threshold_tokens: "integer", deprecation_date: "date",
  max_input_tokens: "integer", max_output_tokens: "integer" };
const typeOf = (c: string) => TYPES[c] ?? (c === "litellm_provider" ? "text" : "numeric");

export async function loadPrices(dbUrl: string, file: string): Promise<number> {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  const table = loadPriceTable(json);
  const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) ? v : null);
  const rows = [...table.values()].map(({ provider, ...p }) => ({
    ...p,
    litellm_provider: provider,
    max_input_tokens: int(json[p.model].max_input_tokens),
    max_output_tokens: int(json[p.model].max_output_tokens),
  }));
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  // Prices travel as decimal text and are cast by Postgres: numeric end to end, no floats. Column
  // names are the constants above, never input.
  const recordset = ["model text", ...COLUMNS.map((c) => `${c} ${typeOf(c) === "numeric" ? "text" : typeOf(c)}`)];
  const select = ["model", ...COLUMNS.map((c) => (typeOf(c) === "numeric" ? `${c}::numeric` : c))];
  try {
    await sql`
      insert into public.model_prices (model, ${sql.unsafe(COLUMNS.join(", "))})
      select ${sql.unsafe(select.join(", "))}
        from jsonb_to_recordset(${sql.json(rows)}) as r(${sql.unsafe(recordset.join(", "))})
      on conflict (model) do update set ${sql.unsafe(COLUMNS.map((c) => `${c} = excluded.${c}`).join(", "))}`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  return rows.length;
}
