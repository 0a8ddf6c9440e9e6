// Applies the platform bootstrap, then our migrations with the real Supabase CLI, then the seed:
// the same order a Supabase project sees (platform objects exist before our migrations run).
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import path from "node:path";
import postgres from "postgres";
import { repoRoot } from "./paths.ts";
import { loadDefaultPrices } from "./prices.ts";

const PLATFORM_SQL = path.join(repoRoot, "scripts/sql/supabase-platform.sql");
const SEED_SQL = path.join(repoRoot, "supabase/seed.sql");

async function runSqlFile(url: string, file: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(readFileSync(file, "utf8"));
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function applyPlatformBootstrap(url: string): Promise<void> {
  return runSqlFile(url, PLATFORM_SQL);
}

export async function pushMigrations(url: string): Promise<string> {
  const dbUrl = url.includes("?") ? `${url}&sslmode=disable` : `${url}?sslmode=disable`;
  const bin = path.join(repoRoot, "node_modules/.bin/supabase");
  const args = ["db", "push", "--db-url", dbUrl, "--include-all", "--yes", "--workdir", repoRoot];
  return await new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      cwd: repoRoot,
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on(
      "error",
      (err) => reject(new Error(`cannot run the Supabase CLI (${bin}): ${err.message}. Fix: npm install`)),
    );
    child.on("close", (code) => {
      // The CLI echoes the URL it was given; never print the password.
      const safe = out.split(dbUrl).join("<db-url>");
      if (code === 0) resolve(safe);
      else reject(new Error(`supabase db push failed (exit ${code}):\n${safe}`));
    });
  });
}

export function applySeed(url: string): Promise<void> {
  return runSqlFile(url, SEED_SQL);
}

/**
 * Bootstrap + migrations + seed + model prices (genai-prices, then the shipped LiteLLM-format file).
 * Every step is idempotent, so this runs on every start.
 */
export async function migrate(url: string): Promise<void> {
  await applyPlatformBootstrap(url);
  await pushMigrations(url);
  await applySeed(url);
  await loadDefaultPrices(url);
}
