// `npm run prices:load -- [file]`: upserts model prices (LiteLLM's JSON format) into the database
// at DATABASE_URL (default: the `npm start` database). Default file: supabase/model_prices.json.
import path from "node:path";
import { repoRoot } from "./lib/paths.ts";
import { localUrl, redactUrl } from "./lib/postgres.ts";
import { loadPrices } from "./lib/prices.ts";

const file = path.resolve(process.argv[2] ?? path.join(repoRoot, "supabase/model_prices.json"));
const url = process.env.DATABASE_URL ?? localUrl(Number(process.env.DB_PORT ?? 54322));
const count = await loadPrices(url, file);
console.log(`loaded ${count} model prices from ${path.relative(process.cwd(), file)} into ${redactUrl(url)}`);
