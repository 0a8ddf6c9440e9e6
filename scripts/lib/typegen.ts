// TypeScript types from the migrated schema with postgres-meta, the generator behind
// `supabase gen types typescript` (the CLI runs the same package in a container).
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

export function generateTypes(dbUrl: string): Promise<string> {
  const require = createRequire(import.meta.url);
  const server = require.resolve("@supabase/postgres-meta/dist/server/server.js");
  const url = new URL(dbUrl);
  url.searchParams.set("sslmode", "disable");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [server], {
      env: {
        PATH: process.env.PATH ?? "",
        PG_META_DB_URL: url.toString(),
        PG_META_GENERATE_TYPES: "typescript",
        PG_META_GENERATE_TYPES_INCLUDED_SCHEMAS: "public",
        PG_META_GENERATE_TYPES_DETECT_ONE_TO_ONE_RELATIONSHIPS: "true",
        PG_META_POSTGREST_VERSION: "13",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0 && out.trim()) resolve(out.trimEnd() + "\n");
      else reject(new Error(`postgres-meta typegen failed (exit ${code}): ${err.split(dbUrl).join("<db-url>")}`));
    });
  });
}
