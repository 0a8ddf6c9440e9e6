// `npm run dashboard:build`: bundles dashboard/src (esbuild) into dashboard/dist with index.html.
// With DASHBOARD_FUNCTIONS_URL, or SUPABASE_URL + SUPABASE_ANON_KEY, it also writes dist/config.json for a
// static host (the anon key is public by design; never put a service key there). `npm start` and the
// browser test serve their own config.json instead (scripts/lib/static-server.ts).
import { pathToFileURL } from "node:url";
import { buildDashboard, dashboardDist, writeDashboardConfig } from "./lib/dashboard.ts";

async function main() {
  const started = Date.now();
  await buildDashboard();
  const supabaseUrl = process.env.SUPABASE_URL;
  const functionsUrl = process.env.DASHBOARD_FUNCTIONS_URL ?? (supabaseUrl ? `${supabaseUrl}/functions/v1` : undefined);
  if (functionsUrl) {
    await writeDashboardConfig({ functionsUrl, supabaseUrl, anonKey: process.env.SUPABASE_ANON_KEY });
    console.log(`Wrote ${dashboardDist}/config.json (functions: ${functionsUrl})`);
  }
  console.log(`Built ${dashboardDist} in ${Date.now() - started} ms`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(`dashboard build failed: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
