// Section 2: the logging path. 100k synthetic calls written through the proxy's own Ledger
// (functions/_shared/ledger/writer.ts: batched json_populate_recordset insert of llm_requests +
// ai_interactions in one statement), then table + index size per million rows and per index; the
// same path from 1, 2 and 4 parallel writers (rows/s, CPU per call); and one call per millisecond
// from one writer (a lone client), Postgres CPU per call.
import path from "node:path";
import type postgres from "postgres";
import { repoRoot } from "../lib/paths.ts";
import { runDenoScript } from "../lib/functions.ts";
import { createProxyFixture } from "./fixtures.ts";
import { treeCpuSeconds } from "./lib/proc.ts";

export interface WriterRun {
  writers: number;
  calls: number;
  elapsedS: number;
  rowsPerS: number;
  /** Postgres CPU (postmaster + backends) per call, both rows included. */
  pgCpuMsPerCall: number | null;
  /** CPU of the writer processes (Deno: building rows, JSON, the driver) per call. */
  writerCpuMsPerCall: number;
}

export interface LoggingResult {
  calls: number;
  path: string;
  batchSize: number;
  writers: number;
  elapsedS: number;
  callsPerS: number;
  rowsPerS: number;
  pgCpuMsPerCall: number | null;
  sizes: { table: string; totalMiBPerM: number; heapMiBPerM: number; indexMiBPerM: number }[];
  /** Each index's bytes per logged call (the sum over the table's partitions). */
  indexes: { table: string; index: string; bytesPerCall: number }[];
  /** The same insert path with 1, 2 and 4 writer processes at once. */
  scaling: WriterRun[];
  /** One call every `paceMs` from one writer, as a lone client (c=1) produces them. */
  paced: { calls: number; paceMs: number; callsPerS: number; pgCpuMsPerCall: number | null } | null;
  notes: string[];
}

async function sizes(sql: postgres.Sql, table: string) {
  // The log tables are partitioned: their size is the sum over the partition tree.
  const [r] = await sql`select coalesce(sum(pg_total_relation_size(relid)), 0)::float8 as total,
                               coalesce(sum(pg_indexes_size(relid)), 0)::float8 as idx
                          from pg_partition_tree(${table}::regclass)`;
  return { total: r.total as number, idx: r.idx as number };
}

/** Bytes of each of the table's indexes, by the parent index's name. */
async function indexBytes(sql: postgres.Sql, table: string): Promise<Map<string, number>> {
  const rows = await sql`
    select c.relname as name, sum(pg_relation_size(i.indexrelid))::float8 as bytes
      from pg_partition_tree(${table}::regclass) p
      join pg_index i on i.indrelid = p.relid
      join pg_inherits h on h.inhrelid = i.indexrelid
      join pg_class c on c.oid = h.inhparent
     group by 1`;
  return new Map(rows.map((r) => [r.name as string, r.bytes as number]));
}

interface Fixture {
  accountId: string;
  slug: string;
  userId: string;
  keyId: string | null;
}

async function ledgerLoad(dbUrl: string, f: Fixture, calls: number, paceMs = 0) {
  const { code, out } = await runDenoScript(path.join(repoRoot, "scripts/bench/ledger-load.ts"), [], {
    SUPABASE_DB_URL: dbUrl,
    BENCH_CALLS: String(calls),
    BENCH_PACE_MS: String(paceMs),
    BENCH_ACCOUNT_ID: f.accountId,
    BENCH_ACCOUNT_SLUG: f.slug,
    BENCH_USER_ID: f.userId,
    BENCH_KEY_ID: f.keyId ?? "",
  }, 600_000);
  const m = out.match(/ledger-load (\{.*\})/);
  if (code !== 0 || !m) throw new Error(`ledger-load failed (exit ${code}): ${out.slice(-1500)}`);
  return JSON.parse(m[1]) as { elapsedS: number; cpuS: number; errors: string[] };
}

export async function runLogging(
  opts: { sql: postgres.Sql; dbUrl: string; dbPid: number | null; calls: number; log: (s: string) => void },
): Promise<LoggingResult | undefined> {
  const { sql, log, dbPid } = opts;
  const pgCpu = () => (dbPid ? treeCpuSeconds(dbPid) : null);
  const perCallMs = (c0: number | null, c1: number | null, calls: number) =>
    c0 === null || c1 === null ? null : ((c1 - c0) * 1000) / calls;
  const fx = await createProxyFixture(sql);
  const [acc] = await sql`select slug from public.accounts where id = ${fx.accountId}`;
  const [key] = await sql`select id from public.api_keys where account_id = ${fx.accountId} limit 1`;
  const f: Fixture = {
    accountId: fx.accountId,
    slug: acc.slug as string,
    userId: fx.userId,
    keyId: (key?.id as string) ?? null,
  };
  const tables = ["llm_requests", "ai_interactions"];
  const before = await Promise.all(tables.map((t) => sizes(sql, `public.${t}`)));
  const idxBefore = await Promise.all(tables.map((t) => indexBytes(sql, `public.${t}`)));
  const [{ n: n0 }] = await sql`select count(*)::int as n from public.llm_requests`;
  const c0 = pgCpu();
  const { elapsedS, errors } = await ledgerLoad(opts.dbUrl, f, opts.calls);
  const pgCpuMsPerCall = perCallMs(c0, pgCpu(), opts.calls);
  const [{ n: n1 }] = await sql`select count(*)::int as n from public.llm_requests`;
  const after = await Promise.all(tables.map((t) => sizes(sql, `public.${t}`)));
  const idxAfter = await Promise.all(tables.map((t) => indexBytes(sql, `public.${t}`)));
  const perM = (bytes: number) => (bytes / opts.calls) * 1e6 / 2 ** 20;

  // Writer scaling: the same path from 1, 2 and 4 processes at once, half the main run's calls each time.
  const scaling: WriterRun[] = [];
  for (const writers of [1, 2, 4]) {
    const each = Math.ceil(opts.calls / 2 / writers);
    const w0 = pgCpu();
    const t0 = performance.now();
    const runs = await Promise.all(Array.from({ length: writers }, () => ledgerLoad(opts.dbUrl, f, each)));
    const wall = (performance.now() - t0) / 1000;
    const calls = each * writers;
    scaling.push({
      writers,
      calls,
      elapsedS: Math.max(...runs.map((r) => r.elapsedS)),
      rowsPerS: (2 * calls) / Math.max(...runs.map((r) => r.elapsedS)),
      pgCpuMsPerCall: perCallMs(w0, pgCpu(), calls),
      writerCpuMsPerCall: (runs.reduce((s, r) => s + r.cpuS, 0) * 1000) / calls,
    });
    log(`logging: ${writers} writer(s), ${calls} calls, ${wall.toFixed(1)} s wall`);
  }
  const pacedCalls = Math.min(2_000, opts.calls);
  const p0 = pgCpu();
  const paced = await ledgerLoad(opts.dbUrl, f, pacedCalls, 1);

  const res: LoggingResult = {
    calls: opts.calls,
    path:
      "Ledger.record() of functions/_shared/ledger/writer.ts with the pool of functions/_shared/runtime/db.ts, in Deno (the proxy's own write path)",
    batchSize: 500,
    writers: 1,
    elapsedS,
    callsPerS: opts.calls / elapsedS,
    rowsPerS: (2 * opts.calls) / elapsedS,
    pgCpuMsPerCall,
    sizes: tables.map((table, i) => ({
      table,
      totalMiBPerM: perM(after[i].total - before[i].total),
      heapMiBPerM: perM(after[i].total - before[i].total - (after[i].idx - before[i].idx)),
      indexMiBPerM: perM(after[i].idx - before[i].idx),
    })),
    indexes: tables.flatMap((table, i) =>
      [...idxAfter[i]].map(([index, bytes]) => ({
        table,
        index,
        bytesPerCall: (bytes - (idxBefore[i].get(index) ?? 0)) / opts.calls,
      })).sort((a, b) => b.bytesPerCall - a.bytesPerCall)
    ),
    scaling,
    paced: {
      calls: pacedCalls,
      paceMs: 1,
      callsPerS: pacedCalls / paced.elapsedS,
      pgCpuMsPerCall: perCallMs(p0, pgCpu(), pacedCalls),
    },
    notes: [
      `rows written: ${n1 - n0} llm_requests for ${opts.calls} calls` +
      (n1 - n0 === opts.calls ? " (all)" : " (MISMATCH)"),
      "each call: ~0.5 KB request/response bodies (redacted shape, stored once, in ai_interactions), one " +
      "ai_interactions row; every index and trigger of the migrations active; sizes measured right after the " +
      "first run, before the scaling runs add rows",
      "Postgres CPU: postmaster and all its processes (backends, WAL writer, autovacuum) over the run",
      ...errors.concat(paced.errors).map((e) => `ledger: ${e}`),
    ],
  };
  log(
    `logging: ${opts.calls} calls in ${elapsedS.toFixed(2)} s = ${res.callsPerS.toFixed(0)} calls/s (${
      res.rowsPerS.toFixed(0)
    } rows/s); ` +
      res.sizes.map((s) => `${s.table} ${s.totalMiBPerM.toFixed(0)} MiB/M`).join(", "),
  );
  return res;
}
