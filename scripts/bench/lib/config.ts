// Benchmark settings from the environment. BENCH_QUICK=1 for a short development run.
const env = (k: string) => (process.env[k] === "" ? undefined : process.env[k]);
const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);

export const QUICK = env("BENCH_QUICK") === "1";

export const config = {
  quick: QUICK,
  /** Seconds per load run (each target x mode x delay x concurrency). */
  durationS: Number(env("BENCH_DURATION_S") ?? (QUICK ? 2 : 6)),
  warmupS: Number(env("BENCH_WARMUP_S") ?? (QUICK ? 1 : 2)),
  /** Cap on responses per run: every load loop is bounded in count and in time. */
  maxRequestsPerRun: Number(env("BENCH_MAX_REQUESTS") ?? 1_000_000),
  concurrency: list(env("BENCH_CONCURRENCY") ?? "1,32,128").map(Number),
  delaysMs: list(env("BENCH_DELAYS_MS") ?? "0,50").map(Number),
  modes: list(env("BENCH_MODES") ?? "json,stream") as ("json" | "stream")[],
  targets: list(env("BENCH_TARGETS") ?? "direct,proxy,passthrough,portkey"),
  sections: list(env("BENCH_SECTIONS") ?? "cold,overhead,logging,reads"),
  /** Synthetic calls for the logging-path benchmark. */
  logCalls: Number(env("BENCH_LOG_CALLS") ?? (QUICK ? 20_000 : 100_000)),
  /** Row counts for the reads-at-scale benchmark (BENCH_ROWS=1000000 skips 10M). */
  rows: list(env("BENCH_ROWS") ?? (QUICK ? "200000" : "1000000,10000000")).map(Number),
  queryRepeats: Number(env("BENCH_QUERY_REPEATS") ?? (QUICK ? 5 : 9)),
  coldRepeats: Number(env("BENCH_COLD_REPEATS") ?? (QUICK ? 2 : 5)),
  streamChunks: 20,
  /** BENCH_CPU_PROF=1: the proxy and the pass-through run under `deno --cpu-prof`; top entries are printed. */
  cpuProf: env("BENCH_CPU_PROF") === "1",
  /**
   * BENCH_PG_STATEMENTS=1: Postgres runs with pg_stat_statements; each proxy run of the overhead section
   * prints what Postgres executed (statements per call, time) and its CPU by process.
   */
  pgStatements: env("BENCH_PG_STATEMENTS") === "1",
  /** Write RESULTS.md (off for partial runs unless asked). */
  writeResults: env("BENCH_WRITE") ?? "auto",
};

export type Mode = "json" | "stream";
