// Loads model prices into public.model_prices (upsert): a file in LiteLLM's
// model_prices_and_context_window.json format (LiteLLM's own file can be dropped in as is), and by
// default @pydantic/genai-prices underneath the shipped file (see loadDefaultPrices).
import { readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { loadPriceTable, type ModelPrice, PRICE_FIELDS } from "../../functions/_shared/billing/cost.ts";
import { genaiPriceFor, genaiPriceRows, type PriceRow } from "./genai-prices.ts";
import { repoRoot } from "./paths.ts";

/** The curated LiteLLM-format file loaded on top of genai-prices on every start. */
export const DEFAULT_PRICES_FILE = path.join(repoRoot, "supabase/model_prices.json");

const COLUMNS = [
  "litellm_provider",
  ...PRICE_FIELDS,
  "tier_threshold_tokens",
  "deprecation_date",
  "max_input_tokens",
  "max_output_tokens",
] as const;
const TYPES: Record<string, string> = {
  tier_threshold_tokens: "integer",
  deprecation_date: "date",
  max_input_tokens: "integer",
  max_output_tokens: "integer",
  litellm_provider: "text",
};

/** The rows of a LiteLLM-format price file. */
export function priceRowsFromFile(file: string): PriceRow[] {
  const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, unknown>>;
  const int = (v: unknown) => (typeof v === "number" && Number.isInteger(v) ? v : null);
  return [...loadPriceTable(json).values()].map((price) => ({
    price,
    maxInputTokens: int(json[price.model].max_input_tokens),
    maxOutputTokens: int(json[price.model].max_output_tokens),
  }));
}

export async function upsertPrices(dbUrl: string, rows: PriceRow[]): Promise<number> {
  const records = rows.map(({ price: { provider, ...p }, maxInputTokens, maxOutputTokens }) => ({
    ...p,
    litellm_provider: provider,
    max_input_tokens: maxInputTokens,
    max_output_tokens: maxOutputTokens,
  }));
  // Prices travel as decimal text and are cast by Postgres: numeric end to end, no floats. Column
  // names are the constants above, never input.
  const recordset = ["model text", ...COLUMNS.map((c) => `${c} ${TYPES[c] ?? "text"}`)];
  const select = ["model", ...COLUMNS.map((c) => (TYPES[c] ? c : `${c}::numeric`))];
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    await sql`
      insert into public.model_prices (model, ${sql.unsafe(COLUMNS.join(", "))})
      select ${sql.unsafe(select.join(", "))}
        from jsonb_to_recordset(${sql.json(records)}) as r(${sql.unsafe(recordset.join(", "))})
      on conflict (model) do update set ${sql.unsafe(COLUMNS.map((c) => `${c} = excluded.${c}`).join(", "))}`;
  } finally {
    await sql.end({ timeout: 5 });
  }
  return records.length;
}

export function loadPrices(dbUrl: string, file: string): Promise<number> {
  return upsertPrices(dbUrl, priceRowsFromFile(file));
}

export interface PriceDisagreement {
  model: string;
  field: keyof ModelPrice;
  litellm: string | number | null;
  genai: string | number | null;
}

const COMPARED = [...PRICE_FIELDS, "tier_threshold_tokens"] as const;

/**
 * Where a LiteLLM-format file and genai-prices price the same model differently: a value both
 * have that differs, or a price only one of them has (a tier or cache price the other lacks).
 * Models are paired by key, else by genai-prices' own matching (its prefix rules).
 */
export function comparePrices(litellm: PriceRow[], genai: PriceRow[]): PriceDisagreement[] {
  const other = new Map(genai.map((r) => [r.price.model, r.price]));
  const out: PriceDisagreement[] = [];
  const same = (a: string | number | null, b: string | number | null) =>
    a === null || b === null ? a === b : Number(a) === Number(b) && String(a) === String(b);
  for (const { price } of litellm) {
    const g = other.get(price.model) ?? genaiPriceFor(price.model, price.provider);
    if (!g) continue;
    for (const field of COMPARED) {
      const a = price[field] as string | number | null;
      const b = g[field] as string | number | null;
      if (!same(a, b)) out.push({ model: price.model, field, litellm: a, genai: b });
    }
  }
  return out;
}

/**
 * The default price load (every start): genai-prices' models of the routed providers, then the
 * shipped LiteLLM-format file over them (its entries win). Returns the counts and where the two
 * sources disagree on a model both price.
 */
export async function loadDefaultPrices(dbUrl: string, file = DEFAULT_PRICES_FILE) {
  const genai = genaiPriceRows();
  const litellm = priceRowsFromFile(file);
  await upsertPrices(dbUrl, genai);
  await upsertPrices(dbUrl, litellm);
  return { genai: genai.length, file: litellm.length, disagreements: comparePrices(litellm, genai) };
}
