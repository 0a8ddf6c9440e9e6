// `npm run prices:load -- [file]`: upserts model prices into the database at DATABASE_URL (default:
// the `npm start` database). Without a file: the default load of every start, @pydantic/genai-prices
// then supabase/model_prices.json over it. With a file in LiteLLM's model_prices_and_context_window.json
// format (LiteLLM's own file works as is): that file, over what is there. Either way it prints where
// the LiteLLM-format prices and genai-prices disagree on a model both know.
import path from "node:path";
import { genaiPriceRows } from "./lib/genai-prices.ts";
import { localUrl, redactUrl } from "./lib/postgres.ts";
import { comparePrices, loadDefaultPrices, priceRowsFromFile, upsertPrices } from "./lib/prices.ts";

const url = process.env.DATABASE_URL ?? localUrl(Number(process.env.DB_PORT ?? 54322));
const file = process.argv[2] ? path.resolve(process.argv[2]) : null;
let disagreements;
if (file) {
  const rows = priceRowsFromFile(file);
  await upsertPrices(url, rows);
  disagreements = comparePrices(rows, genaiPriceRows());
  console.log(`loaded ${rows.length} model prices from ${path.relative(process.cwd(), file)} into ${redactUrl(url)}`);
} else {
  const loaded = await loadDefaultPrices(url);
  disagreements = loaded.disagreements;
  console.log(
    `loaded ${loaded.genai} model prices from @pydantic/genai-prices and ${loaded.file} from ` +
      `supabase/model_prices.json (over them) into ${redactUrl(url)}`,
  );
}
console.log(
  `${disagreements.length} prices differ between the LiteLLM-format file and genai-prices ` +
    "(null: not priced there):",
);
for (const d of disagreements) {
  console.log(`  ${d.model}  ${d.field}: litellm ${d.litellm ?? "null"}, genai ${d.genai ?? "null"}`);
}
