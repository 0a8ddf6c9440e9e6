// `npm start`: Postgres (embedded, or DATABASE_URL), platform bootstrap + migrations + seed, and
// every edge function on http://127.0.0.1:54321/functions/v1/<name>. Stays in the foreground;
// Ctrl-C or SIGTERM stops everything it started.
import net from "node:net";
import path from "node:path";
import postgres from "postgres";
import { serveDashboard, signedInUrl } from "./lib/dashboard.ts";
import { seedDemo } from "./lib/demo.ts";
import { loadGeoip } from "./lib/geoip.ts";
import { startStack } from "./lib/stack.ts";
import { repoRoot } from "./lib/paths.ts";

const FUNCTIONS_PORT = Number(process.env.FUNCTIONS_PORT ?? 54321);
const DB_PORT = Number(process.env.DB_PORT ?? 54322);
const DASHBOARD_PORT = Number(process.env.DASHBOARD_PORT ?? 54323);

/** The IP-to-country ranges, once per database (the first start), in the background. */
async function loadGeoipOnce(dbUrl: string): Promise<void> {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    const [{ empty }] = await sql`select not exists (select 1 from private.ip_country_ranges) as empty`;
    if (!empty) return;
  } finally {
    await sql.end({ timeout: 5 });
  }
  const count = await loadGeoip(dbUrl);
  console.log(`Loaded ${count} IP-to-country ranges (npm run geoip:load reloads them)`);
}

/**
 * Partition upkeep and retention (private.run_log_maintenance), which pg_cron runs on Supabase:
 * locally every LOG_MAINTENANCE_INTERVAL_SECONDS (default 300), first right after start.
 */
function scheduleLogMaintenance(dbUrl: string): () => Promise<void> {
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const seconds = Number(process.env.LOG_MAINTENANCE_INTERVAL_SECONDS ?? 300);
  const run = () =>
    void sql`select private.run_log_maintenance() as result`
      .then(([row]) => {
        const r = row.result as { partitions_created: number; partitions_dropped: string[] };
        if (r.partitions_created || r.partitions_dropped?.length) console.log(`log maintenance: ${JSON.stringify(r)}`);
      })
      .catch((err) => console.error(`log maintenance failed: ${err.message ?? err}`));
  run();
  const timer = setInterval(run, (Number.isFinite(seconds) && seconds > 0 ? seconds : 300) * 1000);
  return async () => {
    clearInterval(timer);
    await sql.end({ timeout: 5 });
  };
}

function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function main() {
  const started = Date.now();
  const busy = [FUNCTIONS_PORT, DASHBOARD_PORT, ...(process.env.DATABASE_URL ? [] : [DB_PORT])];
  for (const port of busy) {
    if (await portInUse(port)) {
      console.error(
        `Port ${port} is already in use: is another \`npm start\` running? Stop it (Ctrl-C in its terminal) ` +
          `or free the port, then try again.`,
      );
      process.exit(1);
    }
  }
  const stack = await startStack({
    databaseUrl: process.env.DATABASE_URL,
    dbPort: DB_PORT,
    dataDir: process.env.PGDATA_DIR ?? path.join(repoRoot, ".data/postgres"),
    persistent: true,
    functionsPort: FUNCTIONS_PORT,
    log: (line) => console.log(line),
  });

  // The dashboard's demo accounts, once per database (npm run demo:reset rebuilds them); DEMO_SEED=0 skips it.
  const demo = process.env.DEMO_SEED === "0" ? null : await seedDemo(stack.dbUrl).catch((err) => {
    console.error(`Demo data not seeded: ${err instanceof Error ? err.message : err}`);
    return null;
  });
  if (demo) {
    console.log(
      `Demo: ${demo.demoUser.email} owns '${demo.accounts.demo.slug}' (${demo.created ? "seeded" : "present"})`,
    );
  }

  // The dashboard SPA, built and served with a config.json naming these functions.
  const dashboard = await serveDashboard({ port: DASHBOARD_PORT, functionsUrl: stack.functionsUrl }).catch((err) => {
    console.error(`Dashboard not served: ${err instanceof Error ? err.message : err}`);
    return null;
  });
  const dashboardUrl = dashboard && demo
    ? signedInUrl(dashboard.url, await demo.mintJwt(demo.demoUser))
    : dashboard?.url;

  const stopMaintenance = scheduleLogMaintenance(stack.dbUrl);
  loadGeoipOnce(stack.dbUrl).catch((err) => console.error(`IP-to-country ranges not loaded: ${err.message ?? err}`));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await stopMaintenance();
    await dashboard?.stop();
    await stack.stop();
    console.log("stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  stack.functions.process.once("exit", (code) => {
    if (!stopping) {
      console.error(`functions server exited unexpectedly (code ${code}); stopping.`);
      void stop("exit");
    }
  });

  console.log(
    [
      "",
      `Ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  Functions:     ${stack.functionsUrl}/<name>   (health: ${stack.functionsUrl}/health)`,
      `  Database:      ${stack.displayDbUrl}`,
      stack.dataDir ? `  Data dir:      ${stack.dataDir}` : `  Data dir:      (external database)`,
      dashboardUrl &&
      `  Dashboard:     ${dashboardUrl}${demo ? `   (signed in as ${demo.demoUser.email} for 24 h)` : ""}`,
      `  JWT secret:    ${stack.env.SUPABASE_JWT_SECRET}`,
      `  anon key:      ${stack.env.SUPABASE_ANON_KEY}`,
      `  service key:   ${stack.env.SUPABASE_SERVICE_ROLE_KEY}`,
      "Ctrl-C to stop.",
    ].filter(Boolean).join("\n"),
  );
}

main().catch((err) => {
  console.error(`npm start failed: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
