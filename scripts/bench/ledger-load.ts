// Run by Deno (the proxy's runtime): writes BENCH_CALLS synthetic calls through the proxy's own
// Ledger and pool (functions/_shared/ledger/writer.ts + runtime/db.ts, SUPABASE_DB_URL) and prints
// `ledger-load {"elapsedS":..,"cpuS":..,"errors":[..]}`. Started by scripts/bench/logging.ts, alone or as
// one of several parallel writers (each its own process and pool, like Edge Function workers).
// BENCH_PACE_MS=n records one call every n ms (a lone client, c=1) instead of waves of 500.
import process from "node:process";
import { db } from "../../functions/_shared/runtime/db.ts";
import { Ledger } from "../../functions/_shared/ledger/writer.ts";
import { entry } from "./ledger-rows.ts";

const D =
  (globalThis as unknown as { Deno: { env: { get(k: string): string | undefined }; exit(c: number): never } }).Deno;
const calls = Number(D.env.get("BENCH_CALLS"));
const paceMs = Number(D.env.get("BENCH_PACE_MS") ?? 0);
const f = {
  accountId: D.env.get("BENCH_ACCOUNT_ID")!,
  slug: D.env.get("BENCH_ACCOUNT_SLUG")!,
  userId: D.env.get("BENCH_USER_ID")!,
  keyId: D.env.get("BENCH_KEY_ID") || null,
};
const errors: string[] = [];
const ledger = new Ledger(db, { onError: (m) => void (errors.length < 5 && errors.push(m)) });
await db()`select 1`; // connect before the clock starts
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const pending: Promise<void>[] = [];
if (paceMs > 0) {
  for (let i = 0; i < calls; i++) {
    pending.push(ledger.record(entry(i, f)));
    await new Promise((r) => setTimeout(r, paceMs));
  }
} else {
  // Calls finish in waves, as concurrent requests would: 500 per event-loop turn.
  for (let i = 0; i < calls; i += 500) {
    for (let j = i; j < Math.min(calls, i + 500); j++) pending.push(ledger.record(entry(j, f)));
    await new Promise((r) => setTimeout(r, 0));
  }
}
await Promise.all(pending);
const elapsedS = (performance.now() - t0) / 1000;
const used = process.cpuUsage(cpu0);
const cpuS = (used.user + used.system) / 1e6;
console.log(`ledger-load ${JSON.stringify({ elapsedS, cpuS, errors })}`);
await db().end({ timeout: 5 });
D.exit(0);
