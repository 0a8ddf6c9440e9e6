// Section 4: cold start. (a) functions server process start -> first answered request (health);
// (b) import time of one function's module graph alone (Deno, Deno.serve stubbed).
import path from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../lib/paths.ts";
import { denoArgs, denoBinary, runDenoScript } from "../lib/functions.ts";
import { freePort } from "../lib/net.ts";
import { functionEnv } from "../lib/stack.ts";
import { median } from "./lib/load.ts";
import { startChild } from "../lib/process.ts";
import { PROXY_FN } from "./overhead.ts";

export interface ColdStartResult {
  serverToFirstHealthMs: number[];
  serverToProxyAnswerMs: number[] | null;
  importMs: Record<string, { inProcess: number[]; processWall: number[] }>;
  notes: string[];
}

async function firstOk(url: string, init: RequestInit | undefined, deadline: number): Promise<Response | null> {
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      return r;
    } catch {
      await new Promise((r) => setTimeout(r, 2));
    }
  }
  return null;
}

async function runImport(file: string, env: Record<string, string>): Promise<{ inProcess: number; wall: number }> {
  const t0 = performance.now();
  const { code, out } = await runDenoScript(
    path.join(repoRoot, "scripts/bench/import-time.ts"),
    [pathToFileURL(file).href],
    env,
    60_000,
  );
  const wall = performance.now() - t0;
  const m = out.match(/import_ms ([\d.]+)/);
  if (code !== 0 || !m) throw new Error(`import of ${file} failed (exit ${code}): ${out.slice(0, 500)}`);
  return { inProcess: Number(m[1]), wall };
}

export async function runColdStart(opts: {
  dbUrl: string;
  repeats: number;
  proxyEnv: (port: number) => Promise<Record<string, string>>;
  proxyRequest: { headers: Record<string, string>; body: string } | null;
  log: (s: string) => void;
}): Promise<ColdStartResult> {
  const res: ColdStartResult = {
    serverToFirstHealthMs: [],
    serverToProxyAnswerMs: opts.proxyRequest ? [] : null,
    importMs: {},
    notes: [],
  };
  for (let i = 0; i < opts.repeats; i++) {
    for (const which of opts.proxyRequest ? ["health", PROXY_FN] : ["health"]) {
      const port = await freePort();
      const env = await opts.proxyEnv(port);
      const t0 = performance.now();
      const child = await startChild({
        name: "functions server",
        cmd: denoBinary(),
        args: ["run", "-A", ...denoArgs(path.join(repoRoot, "scripts/functions-server.ts"))],
        cwd: repoRoot,
        env: { ...env, FUNCTIONS_PORT: String(port) },
        // no readiness wait: the clock runs until the first answer
        probe: () => Promise.resolve(true),
      });
      const base = `http://127.0.0.1:${port}/functions/v1`;
      const r = which === "health"
        ? await firstOk(`${base}/health`, undefined, Date.now() + 60_000)
        : await firstOk(`${base}/${PROXY_FN}/v1/chat/completions`, {
          method: "POST",
          headers: opts.proxyRequest!.headers,
          body: opts.proxyRequest!.body,
        }, Date.now() + 60_000);
      const ms = performance.now() - t0;
      await child.stop();
      if (!r || r.status !== 200) {
        res.notes.push(`cold start ${which}: no 200 answer (status ${r?.status ?? "none"})`);
        continue;
      }
      (which === "health" ? res.serverToFirstHealthMs : res.serverToProxyAnswerMs!).push(ms);
    }
  }
  opts.log(`cold start: server start -> first health 200: median ${median(res.serverToFirstHealthMs).toFixed(0)} ms`);
  if (res.serverToProxyAnswerMs?.length) {
    opts.log(
      `cold start: server start -> first proxied answer: median ${median(res.serverToProxyAnswerMs).toFixed(0)} ms`,
    );
  }
  const env = await functionEnv(opts.dbUrl, 1);
  for (const fn of [PROXY_FN, "health"]) {
    const file = path.join(repoRoot, "functions", fn, "index.ts");
    const r = { inProcess: [] as number[], processWall: [] as number[] };
    for (let i = 0; i < opts.repeats; i++) {
      const { inProcess, wall } = await runImport(file, env);
      r.inProcess.push(inProcess);
      r.processWall.push(wall);
    }
    res.importMs[fn] = r;
    opts.log(
      `import time ${fn}: median ${median(r.inProcess).toFixed(1)} ms in process, ${
        median(r.processWall).toFixed(0)
      } ms deno process wall`,
    );
  }
  return res;
}
