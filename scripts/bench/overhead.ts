// Section 1: proxy overhead. The same fake provider called (a) directly, (b) through llm-proxy with
// full logging, (c) through a bare Deno fetch pass-through, (d) through Portkey's gateway on Node.
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type postgres from "postgres";
import { repoRoot } from "../lib/paths.ts";
import { denoArgs, denoBinary, PLATFORM_HEAP_FLAGS, startFunctionsServer } from "../lib/functions.ts";
import { freePort } from "../lib/net.ts";
import { functionEnv } from "../lib/stack.ts";
import { config, type Mode } from "./lib/config.ts";
import { type LoadResult, runLoad } from "./lib/load.ts";
import { cpuSeconds, peakRssMiB, resetPeakRss, treeCpuSeconds } from "./lib/proc.ts";
import { startChild } from "../lib/process.ts";
import type { FakeProviders } from "./fake.ts";
import { countLogRows, type ProxyFixture, waitForLogDrain } from "./fixtures.ts";
import { latestProfile, profileMarkdown } from "./lib/cpu-profile.ts";
import { cpuByProcess, cpuByProcessText, resetStatements, statementsText } from "./lib/pg-statements.ts";

export const MODEL = "openai/gpt-4o-mini"; // no routing prefix: goes to the default provider (OpenRouter)
export const PROXY_FN = "llm-proxy";

export type TargetName = "direct" | "proxy" | "passthrough" | "portkey";

export interface RunRecord {
  target: TargetName;
  delayMs: number;
  mode: Mode;
  concurrency: number;
  load: LoadResult;
  /** CPU seconds of the process under test during the run (proxy / pass-through / Portkey / fake provider for direct). */
  cpuS: number;
  cpuMsPerReq: number;
  peakRssMiB: number | null;
  /** Postgres CPU seconds (postmaster + backends) during the run. */
  dbCpuS: number | null;
  log?: { llmRequests: number; aiInteractions: number | null; answered: number; sent: number; verdict: string };
}

export interface OverheadResult {
  runs: RunRecord[];
  notes: string[];
  exact?: { mode: Mode; answered: number; rows: number; aiRows: number | null; verdict: string }[];
}

interface Endpoint {
  url: string;
  headers: Record<string, string>;
  pid: number;
  stop(): Promise<void>;
  /** Where this target's `--cpu-prof` profile is written (BENCH_CPU_PROF=1, Deno targets only). */
  profileDir?: string;
}

/** `deno run` flags that profile the process into a fresh directory, when BENCH_CPU_PROF=1. */
function profileFlags(name: TargetName): { flags: string[]; dir?: string } {
  if (!config.cpuProf) return { flags: [] };
  const dir = mkdtempSync(path.join(os.tmpdir(), `bench-prof-${name}-`));
  return { flags: ["--cpu-prof", `--cpu-prof-dir=${dir}`], dir };
}

export function requestBody(mode: Mode): string {
  return JSON.stringify({
    model: MODEL,
    messages: [
      { role: "system", content: "You are a concise assistant." },
      { role: "user", content: "Say hello to the benchmark in five words." },
    ],
    max_tokens: 32,
    ...(mode === "stream" ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const r = await fetch(url, { ...init, signal: AbortSignal.timeout(2000) });
  await r.arrayBuffer();
  return r.ok;
}

async function startTarget(
  name: TargetName,
  upstream: string,
  fake: FakeProviders,
  ctx: { dbUrl: string; fixture: ProxyFixture },
): Promise<Endpoint> {
  const json = { "content-type": "application/json" };
  if (name === "direct") {
    return {
      url: `${upstream}/v1/chat/completions`,
      headers: { ...json, authorization: "Bearer sk-bench" },
      pid: fake.pid,
      stop: async () => {},
    };
  }
  if (name === "passthrough") {
    const port = await freePort();
    const prof = profileFlags(name);
    const child = await startChild({
      name: "deno pass-through",
      cmd: denoBinary(),
      args: [
        "run",
        "-A",
        ...PLATFORM_HEAP_FLAGS,
        ...prof.flags,
        ...denoArgs(path.join(repoRoot, "scripts/bench/passthrough.ts")),
      ],
      cwd: repoRoot,
      env: { PASSTHROUGH_PORT: String(port), UPSTREAM_URL: upstream },
      readyLine: (l) => l.includes("passthrough ready"),
    });
    return {
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: { ...json, authorization: "Bearer sk-bench" },
      pid: child.pid,
      stop: child.stop,
      profileDir: prof.dir,
    };
  }
  if (name === "portkey") {
    const port = await freePort();
    const child = await startChild({
      name: "portkey gateway",
      cmd: process.execPath,
      args: [path.join(repoRoot, "scripts/bench/portkey-server.mjs"), `--port=${port}`, "--headless"],
      cwd: repoRoot,
      probe: () => httpOk(`http://127.0.0.1:${port}/`),
    });
    return {
      url: `http://127.0.0.1:${port}/v1/chat/completions`,
      headers: {
        ...json,
        authorization: "Bearer sk-bench",
        "x-portkey-provider": "openai",
        "x-portkey-custom-host": `${upstream}/v1`,
      },
      pid: child.pid,
      stop: child.stop,
    };
  }
  // proxy: the local functions server (Deno) with the fake provider as OpenRouter, run as the platform
  // runs a function: its own process (isolate) with only llm-proxy loaded, and the worker's heap limit.
  const port = await freePort();
  const env = {
    ...(await functionEnv(ctx.dbUrl, port)),
    OPENROUTER_BASE_URL: `${upstream}/v1`,
    OPENROUTER_API_KEY: "sk-bench-openrouter",
    OPENAI_BASE_URL: `${upstream}/v1`,
    OPENAI_API_KEY: "sk-bench-openai",
  };
  let out = "";
  const prof = profileFlags(name);
  const fns = await startFunctionsServer({
    port,
    env,
    denoFlags: [...PLATFORM_HEAP_FLAGS, ...prof.flags],
    only: [PROXY_FN],
    onOutput: (l) => (out.length < 100_000 ? (out += l + "\n") : undefined),
  });
  if (process.env.BENCH_DEBUG) setInterval(() => out && (process.stderr.write(out), (out = "")), 1000).unref();
  return {
    url: `${fns.url}/${PROXY_FN}/v1/chat/completions`,
    headers: { ...json, ...ctx.fixture.headers },
    pid: fns.process.pid!,
    stop: fns.stop,
    profileDir: prof.dir,
  };
}

/** Checks the target answers 200 with the expected shape before loading it. */
async function smoke(ep: Endpoint, mode: Mode): Promise<string | null> {
  const r = await fetch(ep.url, {
    method: "POST",
    headers: ep.headers,
    body: requestBody(mode),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await r.text();
  if (r.status !== 200) return `HTTP ${r.status}: ${text.slice(0, 300)}`;
  if (mode === "stream" && !text.includes("[DONE]")) return `stream without [DONE]: ${text.slice(0, 200)}`;
  if (mode === "json" && !text.includes('"choices"')) return `unexpected body: ${text.slice(0, 200)}`;
  return null;
}

export async function runOverhead(opts: {
  fake: FakeProviders;
  dbUrl: string;
  dbPid: number | null;
  sql: postgres.Sql;
  fixture: ProxyFixture;
  log: (s: string) => void;
}): Promise<OverheadResult> {
  const { fake, log } = opts;
  const runs: RunRecord[] = [];
  const notes: string[] = [];
  const exact: NonNullable<OverheadResult["exact"]> = [];
  for (const target of config.targets as TargetName[]) {
    for (const delayMs of config.delaysMs) {
      const upstream = delayMs === 0 ? fake.instant : fake.delayed;
      if (delayMs !== 0 && delayMs !== fake.delayMs) throw new Error(`BENCH_DELAYS_MS supports 0 and ${fake.delayMs}`);
      let ep: Endpoint;
      try {
        ep = await startTarget(target, upstream, fake, { dbUrl: opts.dbUrl, fixture: opts.fixture });
      } catch (err) {
        const msg = `${target}: could not start: ${err instanceof Error ? err.message.split("\n")[0] : err}`;
        notes.push(msg);
        log(msg);
        break;
      }
      /** Calls the target answered (warm-ups included): the profile's CPU per call divides by it. */
      let served = 0;
      try {
        for (const mode of config.modes) {
          const bad = await smoke(ep, mode);
          if (bad) {
            const msg = `${target} ${mode} delay=${delayMs}: smoke request failed: ${bad}`;
            notes.push(msg);
            log(msg);
            continue;
          }
          // warm-up (JIT, connection pools); not reported
          served += (await runLoad({
            url: ep.url,
            headers: ep.headers,
            body: requestBody(mode),
            connections: 32,
            durationS: config.warmupS,
            maxRequests: 200_000,
          })).answered;
          for (const c of config.concurrency) {
            if (target === "proxy") await waitForLogDrain(opts.sql);
            const before = target === "proxy" ? await countLogRows(opts.sql) : null;
            resetPeakRss(ep.pid);
            const cpu0 = cpuSeconds(ep.pid);
            const pgStatements = config.pgStatements && target === "proxy" && opts.dbPid !== null;
            if (pgStatements) await resetStatements(opts.sql);
            const byProcess0 = pgStatements ? cpuByProcess(opts.dbPid!) : null;
            const db0 = opts.dbPid ? treeCpuSeconds(opts.dbPid) : null;
            const load = await runLoad({
              url: ep.url,
              headers: ep.headers,
              body: requestBody(mode),
              connections: c,
              durationS: config.durationS,
              maxRequests: config.maxRequestsPerRun,
              ttfb: mode === "stream",
            });
            served += load.answered;
            const cpuS = cpuSeconds(ep.pid) - cpu0;
            const dbCpuS = opts.dbPid && db0 !== null ? treeCpuSeconds(opts.dbPid) - db0 : null;
            if (byProcess0) {
              const calls = Math.max(1, load.answered);
              log(
                `postgres during proxy ${mode} c=${c} (${load.answered} calls), CPU by process:\n` +
                  cpuByProcessText(byProcess0, cpuByProcess(opts.dbPid!), calls) +
                  `\nstatements (pg_stat_statements, nested included):\n${await statementsText(opts.sql, calls)}`,
              );
            }
            const rec: RunRecord = {
              target,
              delayMs,
              mode,
              concurrency: c,
              load,
              cpuS,
              cpuMsPerReq: load.answered ? (cpuS * 1000) / load.answered : NaN,
              peakRssMiB: peakRssMiB(ep.pid),
              dbCpuS,
            };
            if (target === "proxy" && before) {
              const after = await waitForLogDrain(opts.sql, before.llmRequests + load.answered);
              const rows = after.llmRequests - before.llmRequests;
              const ai = after.aiInteractions !== null && before.aiInteractions !== null
                ? after.aiInteractions - before.aiInteractions
                : null;
              // Duration-bounded runs cut up to `c` requests mid-flight: the proxy may have answered
              // (and logged) them while the client no longer counted them. Exact equality is checked below.
              const dead = after.deadLetters !== null && before.deadLetters !== null
                ? after.deadLetters - before.deadLetters
                : 0;
              const verdict = rows < load.answered
                ? (rows + dead >= load.answered ? `DEAD-LETTERED ${dead}` : `LOST ${load.answered - rows - dead}`) +
                  (dead ? ` (${dead} in private.ledger_dead_letters)` : "")
                : rows <= load.sent
                ? "ok"
                : `EXTRA ${rows - load.sent}`;
              rec.log = { llmRequests: rows, aiInteractions: ai, answered: load.answered, sent: load.sent, verdict };
            }
            runs.push(rec);
            log(
              `${target.padEnd(11)} ${mode.padEnd(6)} delay=${String(delayMs).padStart(2)}ms c=${
                String(c).padStart(3)
              }: ` +
                `${load.rps.toFixed(0)} req/s p50 ${load.p50.toFixed(2)} p99 ${load.p99.toFixed(2)} ms` +
                (load.ttfbP50 !== null ? ` ttfb p50 ${load.ttfbP50.toFixed(2)}` : "") +
                ` cpu ${rec.cpuMsPerReq.toFixed(3)} ms/req rss ${rec.peakRssMiB?.toFixed(0)} MiB` +
                (load.non2xx || load.errors ? ` non2xx=${load.non2xx} errors=${load.errors}` : "") +
                (rec.log ? ` rows=${rec.log.llmRequests}/${rec.log.answered} (${rec.log.verdict})` : ""),
            );
          }
          if (target === "proxy" && delayMs === 0) {
            // Exact lost-row check: a count-bounded run (no request cut mid-flight) must log exactly one row per answer.
            await waitForLogDrain(opts.sql);
            const before = await countLogRows(opts.sql);
            const amount = config.quick ? 1000 : 5000;
            const load = await runLoad({
              url: ep.url,
              headers: ep.headers,
              body: requestBody(mode),
              connections: 32,
              durationS: 120,
              maxRequests: amount,
            });
            served += load.answered;
            const after = await waitForLogDrain(opts.sql, before.llmRequests + load.answered);
            const rows = after.llmRequests - before.llmRequests;
            const aiRows = after.aiInteractions !== null && before.aiInteractions !== null
              ? after.aiInteractions - before.aiInteractions
              : null;
            const verdict = rows === load.answered && load.answered === load.sent
              ? "ok"
              : `MISMATCH (sent ${load.sent})`;
            exact.push({ mode, answered: load.answered, rows, aiRows, verdict });
            log(
              `proxy exact log check ${mode}: answered ${load.answered}, llm_requests rows ${rows}, ai_interactions rows ${aiRows}: ${verdict}`,
            );
          }
        }
      } finally {
        await ep.stop();
        const profile = ep.profileDir ? latestProfile(ep.profileDir) : null;
        if (profile) {
          const title = `${target}, ${config.modes.join(" + ")}, delay ${delayMs} ms, c=${
            config.concurrency.join(",")
          }`;
          const md = profileMarkdown(title, profile, served);
          writeFileSync(path.join(ep.profileDir!, "top.md"), md);
          log(`cpu profile of ${target}: ${profile}\n${md}`);
        }
      }
    }
  }
  return { runs, notes, exact };
}
