// Plain-language reading of the numbers: what bounds each result, derived from the measured runs.
import type { AllResults } from "./report.ts";
import { findRun } from "./report.ts";

const f = (x: number, d = 2) => x.toFixed(d);

export function analysis(all: AllResults): string | undefined {
  const out: string[] = [];
  const runs = all.overhead?.runs ?? [];
  const p = findRun(runs, "proxy", 0, "json", 32);
  const pt = findRun(runs, "passthrough", 0, "json", 32);
  const d = findRun(runs, "direct", 0, "json", 32);
  const pk = findRun(runs, "portkey", 0, "json", 32);
  if (p && pt) {
    out.push(
      `- **Proxy throughput is CPU-bound in the single Deno isolate.** At concurrency 32 (instant provider) the proxy spends ` +
        `${f(p.cpuMsPerReq, 3)} ms of CPU per request against ${f(pt.cpuMsPerReq, 3)} ms for the bare pass-through ` +
        `(${f(p.cpuMsPerReq / pt.cpuMsPerReq, 1)}x), and Postgres another ${
          p.dbCpuS !== null ? f((p.dbCpuS * 1000) / Math.max(1, p.load.answered), 3) : "n/a"
        } ms per request for the log rows. ` +
        `With ${all.machine.nproc} cores shared by the load generator, the fake provider, the proxy and Postgres, req/s is roughly the inverse of that CPU: ` +
        `the extra work per call (authentication, validating the body, pricing, redaction, building and JSON-encoding the two ledger rows, and collecting the garbage all this leaves; scripts/bench/profiles.md has the profile) is what separates ` +
        `${Math.round(p.load.rps)} from ${
          Math.round(pt.load.rps)
        } req/s, not waiting on the database (logging is off the hot path and batched).`,
    );
  }
  if (d && pt) {
    out.push(
      `- The bare Deno pass-through itself reaches ${Math.round(pt.load.rps)} req/s here vs ${
        Math.round(d.load.rps)
      } req/s direct; the issue's reference (22,000 req/s pass-through, 1,700 req/s Portkey) comes from a larger machine, ` +
        `so only the ratios measured in the same run are comparable.`,
    );
  }
  if (pk) {
    out.push(
      `- Portkey's gateway on Node uses ${
        f(pk.cpuMsPerReq, 3)
      } ms CPU per request at concurrency 32; its streaming path also waits 25 ms before the first chunk ` +
        `(a fixed \`setTimeout(25)\` in its stream transformer), which shows in its TTFB.`,
    );
  }
  const r = all.reads?.scales.at(-1);
  if (r) {
    out.push(
      `- RLS on reads: the policy runs its helpers (private.accounts_with_permission / member_accounts, PL/pgSQL, ` +
        `whose plans stay cached for the session) once per query as init plans and filters each row; ` +
        `for the latest-50 query RLS adds ~${f(r.rlsMedianMs - r.serviceMedianMs)} ms to a ${
          f(r.serviceMedianMs)
        } ms query (${f(r.rlsMedianMs / r.serviceMedianMs)}x).`,
    );
  }
  const cold = all.cold;
  if (cold?.serverToFirstHealthMs.length) {
    const imp = cold.importMs["llm-proxy"];
    out.push(
      `- Cold start is bounded by Deno process start plus importing every function's module graph before listening ` +
        (imp
          ? `(llm-proxy alone imports in ~${
            f(imp.inProcess.slice().sort((a, b) => a - b)[imp.inProcess.length >> 1], 0)
          } ms: postgres.js, zod, the provider adapters, tokenizer/pricing tables)`
          : "") +
        ` and the first Postgres connection of the health check.`,
    );
  }
  return out.length ? out.join("\n") : undefined;
}
