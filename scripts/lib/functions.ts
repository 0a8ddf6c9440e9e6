// Starts the local functions server (Deno, from the `deno` npm package) and waits until it listens.
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { repoRoot } from "./paths.ts";
import { startChild } from "./process.ts";

export interface RunningFunctions {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function denoBinary(): string {
  const require = createRequire(import.meta.url);
  return (require("deno/install_api.cjs") as { runInstall(): string }).runInstall();
}

/**
 * V8's heap as Supabase's Edge Runtime sizes it for a function's worker: the worker's memory limit
 * (256 MB on the hosted platform) is passed as the isolate's heap limit (`heap_limits(0, limit)`,
 * crates/base/src/runtime/mod.rs), from which V8 derives the young and old generation sizes the
 * same way it does for `--max-heap-size`. A plain `deno run` sizes them for this machine's 24 GiB
 * instead (a young generation that grows to ~50 MiB under load).
 */
export const PLATFORM_HEAP_FLAGS = ["--v8-flags=--max-heap-size=256"];

export function denoArgs(...rest: string[]): string[] {
  return ["--config", path.join(repoRoot, "functions/deno.json"), ...rest];
}

export async function startFunctionsServer(opts: {
  port: number;
  env: Record<string, string>;
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
  /** Extra `deno run` flags, e.g. `--cpu-prof` for the benchmark's profiles. */
  denoFlags?: string[];
  /** Serve only these functions (FUNCTIONS_ONLY), as the platform gives each function its own isolate. */
  only?: string[];
}): Promise<RunningFunctions> {
  const child = await startChild({
    name: "functions server",
    cmd: denoBinary(),
    args: ["run", "-A", ...(opts.denoFlags ?? []), ...denoArgs(path.join(repoRoot, "scripts/functions-server.ts"))],
    cwd: repoRoot,
    env: {
      ...opts.env,
      FUNCTIONS_PORT: String(opts.port),
      ...(opts.only ? { FUNCTIONS_ONLY: opts.only.join(",") } : {}),
    },
    readyLine: (line) => line.startsWith("functions ready"),
    onLine: opts.onOutput ?? ((line) => process.stderr.write(`[functions] ${line}\n`)),
    timeoutMs: opts.readyTimeoutMs,
  });
  return { url: `http://127.0.0.1:${opts.port}/functions/v1`, process: child.process, stop: child.stop };
}

/** Runs a Deno script with the functions' import map to completion; returns its exit code and output. */
export function runDenoScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(denoBinary(), ["run", "-A", ...denoArgs(script, ...args)], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}
