// Starts the local functions server (Deno, from the `deno` npm package) and waits until it listens.
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { repoRoot } from "./paths.ts";
import { stopChild } from "./process.ts";

export interface RunningFunctions {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function denoBinary(): string {
  const require = createRequire(import.meta.url);
  return (require("deno/install_api.cjs") as { runInstall(): string }).runInstall();
}

export function denoArgs(...rest: string[]): string[] {
  return ["--config", path.join(repoRoot, "functions/deno.json"), ...rest];
}

export async function startFunctionsServer(opts: {
  port: number;
  env: Record<string, string>;
  onOutput?: (line: string) => void;
  readyTimeoutMs?: number;
}): Promise<RunningFunctions> {
  const child = spawn(
    denoBinary(),
    ["run", "-A", ...denoArgs(path.join(repoRoot, "scripts/functions-server.ts"))],
    {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env, FUNCTIONS_PORT: String(opts.port), NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const output = opts.onOutput ?? ((line) => process.stderr.write(`[functions] ${line}\n`));
  const url = `http://127.0.0.1:${opts.port}/functions/v1`;
  await new Promise<void>((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(
      () => reject(new Error(`functions server not ready after ${opts.readyTimeoutMs ?? 60_000} ms:\n${seen}`)),
      opts.readyTimeoutMs ?? 60_000,
    );
    const onData = (d: Buffer) => {
      for (const line of d.toString().split("\n").filter(Boolean)) {
        seen += line + "\n";
        output(line);
        if (line.startsWith("functions ready")) {
          clearTimeout(timer);
          resolve();
        }
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`functions server exited (code ${code}) before it was ready:\n${seen}`));
    });
  });
  return {
    url,
    process: child,
    stop: () => stopChild(child),
  };
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
