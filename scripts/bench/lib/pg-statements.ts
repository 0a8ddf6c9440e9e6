// What Postgres executes during a bench run (BENCH_PG_STATEMENTS=1): pg_stat_statements' statements,
// nested ones (triggers) included, and Postgres' CPU split by process (backends, WAL writer, autovacuum...).
import { readdirSync, readFileSync } from "node:fs";
import type postgres from "postgres";
import { cpuSeconds } from "./proc.ts";

export const PG_STATEMENTS_SETTINGS = [
  "shared_preload_libraries=pg_stat_statements",
  "pg_stat_statements.track=all",
  "pg_stat_statements.track_planning=on",
];

export async function resetStatements(sql: postgres.Sql): Promise<void> {
  await sql`create extension if not exists pg_stat_statements`;
  await sql`select pg_stat_statements_reset()`;
}

/** Top statements since the reset, with calls per answered call; times are wall-clock milliseconds. */
export async function statementsText(sql: postgres.Sql, calls: number): Promise<string> {
  const rows = await sql<{ calls: number; rows: number; exec: number; plan: number; toplevel: boolean; q: string }[]>`
    select calls::int, rows::int, total_exec_time::float8 as exec, total_plan_time::float8 as plan, toplevel,
           left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 100) as q
      from pg_stat_statements
     where query not like '%pg_stat_statements%'
     order by total_exec_time + total_plan_time desc
     limit 15`;
  return rows.map((r) =>
    `  ${(r.calls / calls).toFixed(3).padStart(7)}/call  ${String(r.rows).padStart(6)} rows  ` +
    `exec ${r.exec.toFixed(0).padStart(5)} ms  plan ${r.plan.toFixed(0).padStart(4)} ms  ` +
    `${r.toplevel ? "top   " : "nested"}  ${r.q}`
  ).join("\n");
}

/** CPU seconds of the postmaster, of its exited children (reaped) and of each live child, by process title. */
export function cpuByProcess(postmaster: number): Map<string, number> {
  const out = new Map<string, number>([["postmaster", cpuSeconds(postmaster)]]);
  const stat = (pid: string) => {
    try {
      const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
      return raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    } catch {
      return null;
    }
  };
  const own = stat(String(postmaster));
  if (own) out.set("exited children", (Number(own[13]) + Number(own[14])) / 100);
  for (const pid of readdirSync("/proc")) {
    if (!/^\d+$/.test(pid) || Number(stat(pid)?.[1]) !== postmaster) continue;
    let title = "?";
    try {
      // "postgres: walwriter", "postgres: user db 127.0.0.1(port) idle": drop the client port and state
      title = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ").replace(/\(\d+\).*$/, "").trim();
    } catch {
      continue;
    }
    out.set(`${title} [${pid}]`, cpuSeconds(Number(pid)));
  }
  return out;
}

export function cpuByProcessText(before: Map<string, number>, after: Map<string, number>, calls: number): string {
  return [...after]
    .map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const)
    .filter(([, d]) => d > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, d]) =>
      `  ${(d * 1000).toFixed(0).padStart(6)} ms  ${((d * 1000) / calls).toFixed(3)} ms/call  ${name}`
    )
    .join("\n");
}
