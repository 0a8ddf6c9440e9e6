// Formats the benchmark results as Markdown (printed and written to scripts/bench/RESULTS.md).
import type { OverheadResult, RunRecord, TargetName } from "./overhead.ts";
import type { ColdStartResult } from "./coldstart.ts";
import type { LoggingResult } from "./logging.ts";
import type { ReadsResult } from "./reads.ts";
import { median } from "./lib/load.ts";
import { PROXY_FN } from "./overhead.ts";

export interface Machine {
  date: string;
  nproc: number;
  cpuModel: string;
  memGiB: number;
  node: string;
  deno: string;
  postgres: string;
  mode: string;
}

export interface AllResults {
  machine: Machine;
  overhead?: OverheadResult;
  cold?: ColdStartResult;
  logging?: LoggingResult;
  reads?: ReadsResult;
  notes: string[];
  analysis?: string;
}

const f = (
  x: number | null | undefined,
  d = 2,
) => (x === null || x === undefined || Number.isNaN(x) ? "n/a" : x.toFixed(d));
const fi = (
  x: number | null | undefined,
) => (x === null || x === undefined || Number.isNaN(x) ? "n/a" : Math.round(x).toLocaleString("en-US"));
const sign = (
  x: number | null | undefined,
  d = 2,
) => (x === null || x === undefined || Number.isNaN(x) ? "n/a" : (x >= 0 ? "+" : "") + x.toFixed(d));

function table(head: string[], rows: (string | number)[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export function findRun(runs: RunRecord[], target: TargetName, delayMs: number, mode: string, c: number) {
  return runs.find((r) => r.target === target && r.delayMs === delayMs && r.mode === mode && r.concurrency === c);
}

/** Postgres CPU per answered call of a run, ms; null when the run or its Postgres CPU is missing. */
export function dbMsPerCall(r: RunRecord | undefined): number | null {
  return r && r.dbCpuS !== null ? (r.dbCpuS * 1000) / Math.max(1, r.load.answered) : null;
}

const LABEL: Record<TargetName, string> = {
  direct: "(a) direct",
  proxy: `(b) ${PROXY_FN} + logging`,
  passthrough: "(c) Deno pass-through",
  portkey: "(d) Portkey gateway",
};

function overheadSection(o: OverheadResult): string {
  const out: string[] = [];
  const delays = [...new Set(o.runs.map((r) => r.delayMs))];
  const modes = [...new Set(o.runs.map((r) => r.mode))];
  const concs = [...new Set(o.runs.map((r) => r.concurrency))];
  for (const mode of modes) {
    for (const d of delays) {
      const rows: (string | number)[][] = [];
      for (const c of concs) {
        const direct = findRun(o.runs, "direct", d, mode, c);
        for (const t of ["direct", "proxy", "passthrough", "portkey"] as TargetName[]) {
          const r = findRun(o.runs, t, d, mode, c);
          if (!r) continue;
          const l = r.load;
          rows.push([
            c,
            LABEL[t],
            fi(l.rps),
            f(l.p50),
            f(l.p95),
            f(l.p99),
            t === "direct" || !direct ? "" : sign(l.p50 - direct.load.p50),
            t === "direct" || !direct ? "" : sign(l.p95 - direct.load.p95),
            t === "direct" || !direct ? "" : sign(l.p99 - direct.load.p99),
            ...(mode === "stream" ? [`${f(l.ttfbP50)} / ${f(l.ttfbP99)}`] : []),
            f(r.cpuMsPerReq, 3),
            f(r.peakRssMiB, 0),
            t === "proxy" && r.dbCpuS !== null ? f(dbMsPerCall(r)!, 3) : "",
            r.log ? `${fi(r.log.llmRequests)} / ${fi(r.log.answered)} ${r.log.verdict}` : "",
            l.non2xx || l.errors ? `non2xx ${l.non2xx}, err ${l.errors}` : "",
          ]);
        }
      }
      out.push(
        `### ${mode === "stream" ? "Streaming (20 chunks + usage)" : "Non-streaming"}, provider ${
          d === 0 ? "instant" : `+${d} ms`
        }\n\n` +
          table(
            [
              "conc",
              "path",
              "req/s",
              "p50 ms",
              "p95 ms",
              "p99 ms",
              "Δp50",
              "Δp95",
              "Δp99",
              ...(mode === "stream" ? ["TTFB p50 / p99 ms"] : []),
              "CPU ms/req",
              "peak RSS MiB",
              "DB CPU ms/req",
              "logged rows / answered",
              "errors",
            ],
            rows,
          ),
      );
    }
  }
  // ratios
  const ratioRows: (string | number)[][] = [];
  for (const mode of modes) {
    for (const d of delays) {
      for (const c of concs) {
        const p = findRun(o.runs, "proxy", d, mode, c);
        const pk = findRun(o.runs, "portkey", d, mode, c);
        const pt = findRun(o.runs, "passthrough", d, mode, c);
        const dr = findRun(o.runs, "direct", d, mode, c);
        if (!pk && !pt && !p) continue;
        ratioRows.push([
          mode,
          d === 0 ? "instant" : `+${d} ms`,
          c,
          p && pk ? f(p.load.rps / pk.load.rps) + "x" : "n/a",
          p && pt ? f((100 * p.load.rps) / pt.load.rps, 0) + "%" : "n/a",
          pt && pk ? f(pt.load.rps / pk.load.rps) + "x" : "n/a",
          p && dr ? f((100 * p.load.rps) / dr.load.rps, 0) + "%" : "n/a",
        ]);
      }
    }
  }
  out.push(
    "### Throughput ratios (req/s)\n\n" +
      table([
        "mode",
        "provider",
        "conc",
        "proxy / Portkey",
        "proxy / pass-through",
        "pass-through / Portkey",
        "proxy / direct",
      ], ratioRows),
  );
  if (o.exact?.length) {
    out.push(
      "### Lost-row check (count-bounded runs, concurrency 32, instant provider)\n\n" +
        table(
          ["mode", "answered", "llm_requests rows", "ai_interactions rows", "verdict"],
          o.exact.map((e) => [e.mode, fi(e.answered), fi(e.rows), e.aiRows === null ? "n/a" : fi(e.aiRows), e.verdict]),
        ),
    );
  }
  return out.join("\n\n");
}

type Status = "met" | "missed" | "n/a";
interface TargetRow {
  name: string;
  target: string;
  measured: string;
  status: Status;
}

export function targetRows(all: AllResults): TargetRow[] {
  const rows: TargetRow[] = [];
  const runs = all.overhead?.runs ?? [];
  const proxyNA = all.overhead?.notes.find((n) => n.startsWith("proxy:"))?.replace("proxy: ", "") ?? "not run";
  const st = (ok: boolean | null): Status => (ok === null ? "n/a" : ok ? "met" : "missed");
  const ov = (c: number, pick: "p50" | "p99") => {
    const p = findRun(runs, "proxy", 0, "json", c);
    const d = findRun(runs, "direct", 0, "json", c);
    return p && d ? p.load[pick] - d.load[pick] : null;
  };
  for (const [c, pick, limit] of [[1, "p50", 0.3], [32, "p50", 1], [32, "p99", 5]] as const) {
    const o = ov(c, pick);
    rows.push({
      name: `Overhead ${pick} @ c=${c}`,
      target: `<= ${limit} ms`,
      measured: o === null ? proxyNA : `${f(o)} ms`,
      status: st(o === null ? null : o <= limit),
    });
  }
  // Issue 16's ratios, each against a path measured in the same run: throughput against the bare Deno
  // pass-through and Portkey, stream memory, and latency added at c=1 (each path minus the direct call).
  for (
    const [mode, c, vsPortkey] of [["json", 32, 5], ["json", 128, 5], ["stream", 32, 3], ["stream", 128, 3]] as const
  ) {
    const p = findRun(runs, "proxy", 0, mode, c);
    const label = mode === "json" ? "non-streaming" : "streaming, 20 chunks";
    for (
      const [other, versus, min, show] of [
        ["portkey", "Portkey", vsPortkey, (r: number) => `${f(r)}x`],
        ["passthrough", "bare pass-through", 0.5, (r: number) => `${f(100 * r, 0)}%`],
      ] as const
    ) {
      const o = findRun(runs, other, 0, mode, c);
      const ratio = p && o ? p.load.rps / o.load.rps : null;
      rows.push({
        name: `Throughput vs ${versus} (c=${c}, instant, ${label})`,
        target: other === "portkey" ? `>= ${min}x` : ">= 50%",
        measured: ratio === null
          ? (p ? `${versus} not run` : proxyNA)
          : `${show(ratio)} (${fi(p!.load.rps)} vs ${fi(o!.load.rps)} req/s)`,
        status: st(ratio === null ? null : ratio >= min),
      });
    }
    if (mode === "stream") {
      const o = findRun(runs, "passthrough", 0, mode, c);
      const ratio = p?.peakRssMiB && o?.peakRssMiB ? p.peakRssMiB / o.peakRssMiB : null;
      rows.push({
        name: `Peak RSS vs bare pass-through (c=${c}, instant, streaming)`,
        target: "<= 1.5x",
        measured: ratio === null ? proxyNA : `${f(ratio)}x (${f(p!.peakRssMiB!, 0)} vs ${f(o!.peakRssMiB!, 0)} MiB)`,
        status: st(ratio === null ? null : ratio <= 1.5),
      });
    }
  }
  for (const mode of ["json", "stream"] as const) {
    const d = findRun(runs, "direct", 0, mode, 1);
    const p = findRun(runs, "proxy", 0, mode, 1);
    const o = findRun(runs, "passthrough", 0, mode, 1);
    for (const [pick, max] of [["p50", 2], ["p99", 3]] as const) {
      const added = (r: RunRecord | undefined) => (r && d ? r.load[pick] - d.load[pick] : null);
      const [ap, ao] = [added(p), added(o)];
      const ratio = ap !== null && ao !== null && ao > 0 ? ap / ao : null;
      rows.push({
        name: `Added ${pick} @ c=1 vs bare pass-through's (${mode === "json" ? "non-streaming" : "streaming"})`,
        target: `<= ${max}x`,
        measured: ratio === null ? proxyNA : `${f(ratio, 1)}x (+${f(ap!)} vs +${f(ao!)} ms)`,
        status: st(ratio === null ? null : ratio <= max),
      });
    }
  }
  const logged = runs.filter((r) => r.log);
  const exact = all.overhead?.exact ?? [];
  const lost = logged.filter((r) => r.log!.verdict !== "ok" && !r.log!.verdict.startsWith("EXTRA")).length +
    exact.filter((e) => e.verdict !== "ok").length;
  rows.push({
    name: "Lost log rows",
    target: "0",
    measured: logged.length || exact.length
      ? `${lost} runs with missing rows (of ${logged.length} timed runs + ${exact.length} exact checks)`
      : proxyNA,
    status: st(logged.length || exact.length ? lost === 0 : null),
  });
  // The ledger's targets: what a logged call costs Postgres and the CPU of the whole call, and storage.
  const c1 = findRun(runs, "proxy", 0, "json", 1);
  const c1Db = dbMsPerCall(c1);
  rows.push({
    name: "Postgres CPU per logged call @ c=1 (JSON, instant)",
    target: "<= 0.2 ms",
    measured: c1Db === null ? proxyNA : `${f(c1Db, 3)} ms`,
    status: st(c1Db === null ? null : c1Db <= 0.2),
  });
  for (const [mode, limit] of [["json", 0.25], ["stream", 0.6]] as const) {
    const r = findRun(runs, "proxy", 0, mode, 32);
    const db = dbMsPerCall(r);
    const total = r && db !== null ? r.cpuMsPerReq + db : null;
    rows.push({
      name: `Total CPU per logged call, Deno + Postgres (c=32, instant, ${mode})`,
      target: `<= ${limit} ms`,
      measured: total === null ? proxyNA : `${f(total, 3)} ms (${f(r!.cpuMsPerReq, 3)} + ${f(db, 3)})`,
      status: st(total === null ? null : total <= limit),
    });
  }
  const lg = all.logging;
  const storageGB = lg ? lg.sizes.reduce((sum, t) => sum + t.totalMiBPerM, 0) * 2 ** 20 / 1e9 : null;
  rows.push({
    name: "Storage per 1M logged calls (both tables, indexes included)",
    target: "<= 0.9 GB",
    measured: storageGB === null
      ? "not run"
      : `${f(storageGB)} GB (${lg!.sizes.map((t) => `${t.table} ${f(t.totalMiBPerM * 2 ** 20 / 1e9)}`).join(" + ")})`,
    status: st(storageGB === null ? null : storageGB <= 0.9),
  });
  const reads = all.reads;
  const big = reads?.scales.length ? reads.scales[reads.scales.length - 1] : null;
  if (big) {
    const ratio = big.rlsMedianMs / big.serviceMedianMs;
    rows.push({
      name: `RLS read vs service role (${fi(big.rows)} rows)`,
      target: "<= 1.2x",
      measured: `${f(ratio)}x (${f(big.rlsMedianMs)} vs ${f(big.serviceMedianMs)} ms)`,
      status: st(ratio <= 1.2),
    });
    const has10m = big.rows >= 10_000_000;
    rows.push({
      name: `30-day cost chart (${fi(big.rows)} rows)`,
      target: "<= 50 ms on 10M rows",
      measured: `${f(big.costChartMedianMs)} ms${has10m ? "" : " (10M step skipped)"}`,
      status: has10m ? st(big.costChartMedianMs <= 50) : "n/a",
    });
    rows.push({
      name: `Dashboard overview of the largest account (${fi(big.rows)} rows)`,
      target: "< 1 s on 10M rows",
      measured: `${f(big.overviewMedianMs)} ms${has10m ? "" : " (10M step skipped)"}`,
      status: has10m ? st(big.overviewMedianMs < 1000) : "n/a",
    });
  } else {
    rows.push({ name: "RLS read vs service role", target: "<= 1.2x", measured: "not run", status: "n/a" });
    rows.push({ name: "30-day cost chart", target: "<= 50 ms on 10M rows", measured: "not run", status: "n/a" });
    rows.push({ name: "Dashboard overview", target: "< 1 s on 10M rows", measured: "not run", status: "n/a" });
  }
  const cold = all.cold;
  const cs = cold?.serverToFirstHealthMs.length ? median(cold.serverToFirstHealthMs) : null;
  rows.push({
    name: "Cold start (server start -> first answered request)",
    target: "<= 200 ms",
    measured: cs === null ? "not run" : `${f(cs, 0)} ms`,
    status: st(cs === null ? null : cs <= 200),
  });
  return rows;
}

export function renderMarkdown(all: AllResults): string {
  const m = all.machine;
  const parts: string[] = [];
  parts.push(
    `# Benchmark results\n\n` +
      `Produced by \`npm run bench\` (scripts/bench/run.ts). Benchmarks report; nothing here is asserted by tests.\n\n` +
      table(["", ""], [
        ["date", m.date],
        ["cores (nproc)", m.nproc],
        ["CPU", m.cpuModel],
        ["memory", `${m.memGiB} GiB`],
        ["Node / Deno / Postgres", `${m.node} / ${m.deno} / ${m.postgres}`],
        ["run", m.mode],
      ]) +
      `\n\nEverything (load generator, fake provider, gateway under test, Postgres) shares these cores, on loopback.`,
  );
  parts.push(
    "## Targets and where we stand\n\n" +
      table(
        ["target", "goal", "measured", "status"],
        targetRows(all).map((
          r,
        ) => [r.name, r.target, r.measured, r.status === "met" ? "met" : r.status === "missed" ? "**missed**" : "n/a"]),
      ),
  );
  if (all.analysis) parts.push(`## What bounds the results\n\n${all.analysis}`);
  if (all.overhead) {
    parts.push(
      "## 1. Proxy overhead\n\n" +
        "Closed loop (autocannon), each cell one run. Latency percentiles over every answered request at full precision; Δ = minus the direct call at the same concurrency. " +
        "TTFB = first body byte of the stream, from the request write. CPU ms/req and peak RSS are of the process serving the path " +
        "(for direct: the fake provider; for the proxy: the Deno functions server; DB CPU = Postgres postmaster + backends). " +
        "The proxy runs as the platform runs a function: a functions server with only llm-proxy loaded (`FUNCTIONS_ONLY`; " +
        "Supabase's Edge Runtime gives each function its own isolate) and V8's heap sized as for a 256 MB worker " +
        "(`--v8-flags=--max-heap-size=256`, the hosted per-worker memory limit, which Edge Runtime passes to V8 as the heap limit " +
        "and V8 sizes its young generation from); the pass-through gets the same heap flag. " +
        "Logged rows are counted in `llm_requests` after the asynchronous logging drained; duration-bounded runs cut up to `conc` requests mid-flight, so rows may exceed answered by at most that (ok); the exact check uses count-bounded runs.\n\n" +
        overheadSection(all.overhead) +
        (all.overhead.notes.length ? "\n\n" + all.overhead.notes.map((n) => `- ${n}`).join("\n") : ""),
    );
  }
  if (all.logging) parts.push("## 2. Logging path\n\n" + renderLogging(all.logging));
  if (all.reads) parts.push("## 3. Reads at scale\n\n" + renderReads(all.reads));
  if (all.cold) {
    const c = all.cold;
    const rows: (string | number)[][] = [
      [
        "functions server start -> first health 200",
        `${f(median(c.serverToFirstHealthMs), 0)} ms`,
        c.serverToFirstHealthMs.map((x) => x.toFixed(0)).join(", "),
      ],
    ];
    if (c.serverToProxyAnswerMs?.length) {
      rows.push([
        `functions server start -> first ${PROXY_FN} answer (fake provider)`,
        `${f(median(c.serverToProxyAnswerMs), 0)} ms`,
        c.serverToProxyAnswerMs.map((x) => x.toFixed(0)).join(", "),
      ]);
    }
    for (const [fn, r] of Object.entries(c.importMs)) {
      rows.push([
        `import functions/${fn}/index.ts (in process, module graph only)`,
        `${f(median(r.inProcess), 1)} ms`,
        r.inProcess.map((x) => x.toFixed(1)).join(", "),
      ]);
      rows.push([
        `deno process: start + import + exit (${fn})`,
        `${f(median(r.processWall), 0)} ms`,
        r.processWall.map((x) => x.toFixed(0)).join(", "),
      ]);
    }
    parts.push(
      "## 4. Cold start\n\n" + table(["measure", "median", "runs"], rows) +
        (c.notes.length ? "\n\n" + c.notes.map((n) => `- ${n}`).join("\n") : ""),
    );
  }
  if (all.notes.length) parts.push("## Notes\n\n" + all.notes.map((n) => `- ${n}`).join("\n"));
  return parts.join("\n\n") + "\n";
}

export function renderLogging(l: LoggingResult): string {
  const totalMiB = l.sizes.reduce((sum, t) => sum + t.totalMiBPerM, 0);
  const rows = [
    ["calls logged", fi(l.calls)],
    ["insert path", l.path],
    ["most rows per statement (batches fill while the previous one is written)", fi(l.batchSize)],
    ["parallel writers", fi(l.writers)],
    ["elapsed", `${f(l.elapsedS, 2)} s`],
    ["calls/s (one llm_requests + one ai_interactions row each)", fi(l.callsPerS)],
    ["rows/s (both tables)", fi(l.rowsPerS)],
    ["Postgres CPU per call", `${f(l.pgCpuMsPerCall, 3)} ms`],
    ...(l.paced
      ? [[
        `Postgres CPU per call, one call every ${l.paced.paceMs} ms from one writer (a lone client; ${
          fi(l.paced.callsPerS)
        } calls/s)`,
        `${f(l.paced.pgCpuMsPerCall, 3)} ms`,
      ]]
      : []),
    ...l.sizes.map((
      s,
    ) => [
      `${s.table}: table + indexes per 1M calls`,
      `${f(s.totalMiBPerM, 0)} MiB (heap+toast ${f(s.heapMiBPerM, 0)}, indexes ${f(s.indexMiBPerM, 0)})`,
    ]),
    ["both tables per 1M calls", `${f(totalMiB, 0)} MiB = ${f(totalMiB * 2 ** 20 / 1e9)} GB`],
  ];
  const out = [table(["measure", "value"], rows)];
  if (l.indexes.length) {
    out.push(
      "Indexes, bytes per logged call (sum over the partitions):\n\n" +
        table(["table", "index", "bytes per call"], l.indexes.map((i) => [i.table, i.index, f(i.bytesPerCall, 1)])),
    );
  }
  if (l.scaling.length) {
    out.push(
      "Parallel writers (each a Deno process with its own Ledger and pool, like Edge Function workers; all " +
        "processes share the machine's cores with Postgres):\n\n" +
        table(
          ["writers", "calls", "elapsed s", "rows/s (both tables)", "Postgres CPU ms/call", "writer CPU ms/call"],
          l.scaling.map((w) => [
            w.writers,
            fi(w.calls),
            f(w.elapsedS),
            fi(w.rowsPerS),
            f(w.pgCpuMsPerCall, 3),
            f(w.writerCpuMsPerCall, 3),
          ]),
        ),
    );
  }
  if (l.notes.length) out.push(l.notes.map((n) => `- ${n}`).join("\n"));
  return out.join("\n\n");
}

export function renderReads(r: ReadsResult): string {
  const rows: (string | number)[][] = [];
  for (const s of r.scales) {
    rows.push([fi(s.rows), "(a) member's latest 50, under RLS", f(s.rlsMedianMs), s.plans.rls]);
    rows.push([fi(s.rows), "(a) same query as service_role", f(s.serviceMedianMs), s.plans.service]);
    rows.push([
      fi(s.rows),
      "(a'') latest 50 under RLS without an account filter (RLS alone scopes it)",
      f(s.rlsOnlyMedianMs),
      s.plans.rlsOnly,
    ]);
    rows.push([
      fi(s.rows),
      "(b) one account, 30-day cost per day from llm_usage_daily (RLS, member)",
      f(s.costChartMedianMs),
      s.plans.cost,
    ]);
    rows.push([fi(s.rows), "(b') same as service_role", f(s.costChartServiceMedianMs), s.plans.costService]);
    rows.push([
      fi(s.rows),
      "(b'') same chart aggregated from raw llm_requests (RLS, member)",
      f(s.costChartRawMedianMs),
      s.plans.costRaw,
    ]);
    rows.push([fi(s.rows), "(c) p95 latency per model, one account, 30 days (RLS)", f(s.p95MedianMs), s.plans.p95]);
    rows.push([
      fi(s.rows),
      "(d) dashboard overview, 30 days: totals, previous period, cost per day and model, latency per day (RLS)",
      f(s.overviewMedianMs),
      s.plans.overview,
    ]);
  }
  const load = r.scales.map((s) =>
    `${fi(s.rows)} rows: generated up to this size in ${f(s.loadS, 1)} s (+ VACUUM ANALYZE ${
      f(s.vacuumS, 1)
    } s); llm_requests total ${f(s.tableMiB, 0)} MiB of which indexes ${
      f(s.indexMiB, 0)
    } MiB; the queried account holds ${fi(s.accountRows)} rows`
  );
  return (
    `Median of ${r.repeats} runs each (after one warm-up). Plans: \`scripts/bench/plans/\`.\n\n` +
    table(["rows", "query", "median ms", "plan"], rows) +
    "\n\n" +
    load.map((x) => `- ${x}`).join("\n") +
    (r.notes.length ? "\n" + r.notes.map((n) => `- ${n}`).join("\n") : "")
  );
}
