// Type-checks every edge function (and the local functions server) with Deno, as deploy would.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./lib/paths.ts";
import { denoArgs, denoBinary } from "./lib/functions.ts";

const functionsDir = path.join(repoRoot, "functions");
const entries = readdirSync(functionsDir, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith("_") && !e.name.startsWith("."))
  .map((e) => path.join(functionsDir, e.name, "index.ts"))
  .filter((f) => existsSync(f));
const files = [...entries, path.join(repoRoot, "scripts/functions-server.ts")];
const result = spawnSync(denoBinary(), ["check", ...denoArgs(...files)], { stdio: "inherit", cwd: repoRoot });
process.exit(result.status ?? 1);
