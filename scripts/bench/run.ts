// `npm run bench`: proxy overhead against a direct call, a bare Deno pass-through and Portkey's
// gateway; the logging path; reads at scale; cold start. Starts everything it needs (its own
// Postgres, functions server, fake provider), prints a Markdown table and writes RESULTS.md.
// Settings: scripts/bench/lib/config.ts (BENCH_QUICK=1 for a short run).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import { repoRoot } from "../lib/paths.ts";
import { denoBinary } from "../lib/functions.ts";
import { throwawayDatabase } from "../lib/throwaway-db.ts";
import { functionEnv } from "../lib/stack.ts";
import { config } from "./lib/config.ts";
import { cpuModel } from "./lib/proc.ts";
import { killAllChildren } from "../lib/process.ts";
import { startFakeProviders } from "./fake.ts";
import { createProxyFixture } from "./fixtures.ts";
import { requestBody, runOverhead } from "./overhead.ts";
import { runColdStart } from "./coldstart.ts";
import { runLogging } from "./logging.ts";
import { runReads } from "./reads.ts";
import { type AllResults, renderMarkdown } from "./report.ts";
import { analysis } from "./analysis.ts";
import { PG_STATEMENTS_SETTINGS } from "./lib/pg-statements.ts";

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
const t0 = Date.now();

function postmasterPid(dataDir: string | null): number | null {
  if (!dataDir) return null;
  try {
    return Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]) || null;
  } catch {
    return null;
  }
}

async function main() {
  const sections = new Set(config.sections);
  log(
    `mode: ${config.quick ? "quick" : "full"}; sections: ${
      [...sections].join(", ")
    }; ${config.durationS}s per load run`,
  );
  let db;
  const setupNotes: string[] = [];
  try {
    db = await throwawayDatabase({ settings: config.pgStatements ? PG_STATEMENTS_SETTINGS : [] });
  } catch (err) {
    // Keep measuring what does not need the schema (direct, pass-through, Portkey, cold start).
    const msg = `migrations failed, schema-dependent parts skipped: ${
      (err instanceof Error ? err.message : String(err)).split("\n").filter((l) => /ERROR/.test(l))[0] ?? err
    }`;
    log(msg);
    setupNotes.push(msg);
    db = await throwawayDatabase({ migrate: false });
  }
  const sql = postgres(db.url, { max: 4, onnotice: () => {} });
  const fake = await startFakeProviders(50);
  const [{ version }] = await sql`select current_setting('server_version') as version`;
  const all: AllResults = {
    machine: {
      date: new Date().toISOString(),
      nproc: os.availableParallelism(),
      cpuModel: cpuModel(),
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      deno: execFileSync(denoBinary(), ["--version"]).toString().split("\n")[0].replace(/^deno /, "").split(" ")[0],
      postgres: version,
      mode: config.quick
        ? `quick (BENCH_QUICK=1, ${config.durationS}s per load run)`
        : `full (${config.durationS}s per load run, ${config.warmupS}s warm-up per target/mode)`,
    },
    notes: setupNotes,
  };
  try {
    const fixture = await createProxyFixture(sql);
    if (sections.has("cold")) {
      all.cold = await runColdStart({
        dbUrl: db.url,
        repeats: config.coldRepeats,
        proxyEnv: async (port) => ({
          ...(await functionEnv(db.url, port)),
          OPENROUTER_BASE_URL: `${fake.instant}/v1`,
          OPENROUTER_API_KEY: "sk-bench-openrouter",
        }),
        proxyRequest: {
          headers: { "content-type": "application/json", ...fixture.headers },
          body: requestBody("json"),
        },
        log,
      });
    }
    if (sections.has("overhead")) {
      all.overhead = await runOverhead({ fake, dbUrl: db.url, dbPid: postmasterPid(db.dataDir), sql, fixture, log });
    }
    if (sections.has("logging")) {
      all.logging = await runLogging({
        sql,
        dbUrl: db.url,
        dbPid: postmasterPid(db.dataDir),
        calls: config.logCalls,
        log,
      });
    }
    if (sections.has("reads")) all.reads = await runReads({ sql, dbUrl: db.url, log });
  } finally {
    await sql.end({ timeout: 5 });
    await fake.stop();
    await db.stop();
  }
  all.analysis = analysis(all);
  all.notes.push(`total bench wall time ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const md = renderMarkdown(all);
  process.stdout.write("\n" + md);
  const complete = ["cold", "overhead", "logging", "reads"].every((s) => sections.has(s));
  const write = config.writeResults === "1" || (config.writeResults === "auto" && complete);
  if (write) {
    const results = path.join(repoRoot, "scripts/bench/RESULTS.md");
    writeFileSync(results, md);
    // As `npm run lint` (deno fmt --check) wants it, so a fresh RESULTS.md can be committed as written.
    execFileSync(denoBinary(), ["fmt", "--config", path.join(repoRoot, "deno.json"), results], { stdio: "ignore" });
    log("wrote scripts/bench/RESULTS.md");
  } else {
    log("partial run: RESULTS.md not written (BENCH_WRITE=1 forces it)");
  }
}

const onSignal = () => {
  killAllChildren();
  process.exit(130);
};
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);
main().then(
  () => process.exit(0),
  (err) => {
    killAllChildren();
    console.error(err instanceof Error ? err.stack : err);
    process.exit(1);
  },
);
