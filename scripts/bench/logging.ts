// Section 2: the logging path. 100k synthetic calls written through the proxy's own Ledger
// (functions/_shared/ledger/writer.ts: batched jsonb_populate_recordset insert of llm_requests +
// ai_interactions in one statement), then table + index size per million rows.
import path from "node:path";
import type postgres from "postgres";
import { repoRoot } from "../lib/paths.ts";
import { runDenoScript } from "../lib/functions.ts";
import { createProxyFixture } from "./fixtures.ts";

export interface LoggingResult {
  calls: number;
  path: string;
  batchSize: number;
  writers: number;
  elapsedS: number;
  callsPerS: number;
  rowsPerS: number;
  sizes: { table: string; totalMiBPerM: number; heapMiBPerM: number; indexMiBPerM: number }[];
  notes: string[];
}

async function sizes(sql: postgres.Sql, table: string) {
  // The log tables are partitioned: their size is the sum over the partition tree.
  const [r] = await sql`select coalesce(sum(pg_total_relation_size(relid)), 0)::float8 as total,
                               coalesce(sum(pg_indexes_size(relid)), 0)::float8 as idx
                          from pg_partition_tree(${table}::regclass)`;
  return { total: r.total as number, idx: r.idx as number };
}

export async function runLogging(
  opts: { sql: postgres.Sql; dbUrl: string; calls: number; log: (s: string) => void },
): Promise<LoggingResult | undefined> {
  const { sql, log } = opts;
  const fx = await createProxyFixture(sql);
  const [acc] = await sql`select slug from public.accounts where id = ${fx.accountId}`;
  const [key] = await sql`select id from public.api_keys where account_id = ${fx.accountId} limit 1`;
  const f = {
    accountId: fx.accountId,
    slug: acc.slug as string,
    userId: fx.userId,
    keyId: (key?.id as string) ?? null,
  };
  const before = { r: await sizes(sql, "public.llm_requests"), a: await sizes(sql, "public.ai_interactions") };
  const [{ n: n0 }] = await sql`select count(*)::int as n from public.llm_requests`;
  const { code, out } = await runDenoScript(path.join(repoRoot, "scripts/bench/ledger-load.ts"), [], {
    SUPABASE_DB_URL: opts.dbUrl,
    BENCH_CALLS: String(opts.calls),
    BENCH_ACCOUNT_ID: f.accountId,
    BENCH_ACCOUNT_SLUG: f.slug,
    BENCH_USER_ID: f.userId,
    BENCH_KEY_ID: f.keyId ?? "",
  }, 600_000);
  const m = out.match(/ledger-load (\{.*\})/);
  if (code !== 0 || !m) throw new Error(`ledger-load failed (exit ${code}): ${out.slice(-1500)}`);
  const { elapsedS, errors } = JSON.parse(m[1]) as { elapsedS: number; errors: string[] };
  const [{ n: n1 }] = await sql`select count(*)::int as n from public.llm_requests`;
  const after = { r: await sizes(sql, "public.llm_requests"), a: await sizes(sql, "public.ai_interactions") };
  const perM = (bytes: number) => (bytes / opts.calls) * 1e6 / 2 ** 20;
  const res: LoggingResult = {
    calls: opts.calls,
    path:
      "Ledger.record() of functions/_shared/ledger/writer.ts with the pool of functions/_shared/runtime/db.ts, in Deno (the proxy's own write path)",
    batchSize: 200,
    writers: 1,
    elapsedS,
    callsPerS: opts.calls / elapsedS,
    rowsPerS: (2 * opts.calls) / elapsedS,
    sizes: [
      {
        table: "llm_requests",
        totalMiBPerM: perM(after.r.total - before.r.total),
        heapMiBPerM: perM(after.r.total - before.r.total - (after.r.idx - before.r.idx)),
        indexMiBPerM: perM(after.r.idx - before.r.idx),
      },
      {
        table: "ai_interactions",
        totalMiBPerM: perM(after.a.total - before.a.total),
        heapMiBPerM: perM(after.a.total - before.a.total - (after.a.idx - before.a.idx)),
        indexMiBPerM: perM(after.a.idx - before.a.idx),
      },
    ],
    notes: [
      `rows written: ${n1 - n0} llm_requests for ${opts.calls} calls` +
      (n1 - n0 === opts.calls ? " (all)" : " (MISMATCH)"),
      "each call: ~0.5 KB request/response bodies (redacted shape), one ai_interactions row; every index and trigger of the migrations active",
      ...errors.map((e) => `ledger: ${e}`),
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
