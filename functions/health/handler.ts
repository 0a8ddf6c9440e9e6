/**
 * GET /health: is the function runtime up, can it reach Postgres, which migration is applied, and
 * is the ledger keeping up. 200 `ok`; 503 `degraded` when this worker's ledger backlog is full (new
 * calls are being refused) or stalled (rows queued, none stored for 30 s); 503 `unavailable` when
 * the database cannot be reached. The backlog is this worker's (in memory, per instance).
 */
import { db } from "../_shared/runtime/db.ts";
import { ledgerStatus } from "../_shared/gateway/forward.ts";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

export async function handler(req: Request): Promise<Response> {
  if (req.method !== "GET") return json(405, { error: "method not allowed" });
  const started = performance.now();
  const status = ledgerStatus();
  const ledger = {
    backlog: status.backlog,
    max_backlog: status.maxBacklog,
    full: status.full,
    stalled: status.stalled,
    dead_letters: null as number | null,
    lost: status.lost,
  };
  try {
    const sql = db();
    const [{ tracked }] = await sql`
      select to_regclass('supabase_migrations.schema_migrations') is not null as tracked`;
    const [row] = tracked
      ? await sql`select max(version) as migration from supabase_migrations.schema_migrations`
      : [{ migration: null }];
    const [{ dead }] = await sql`select count(*)::int as dead from private.ledger_dead_letters`;
    ledger.dead_letters = dead;
    const degraded = status.full || status.stalled;
    return json(degraded ? 503 : 200, {
      status: degraded ? "degraded" : "ok",
      database: { reachable: true, latency_ms: Math.round(performance.now() - started) },
      migration: row.migration ?? null,
      ledger,
    });
  } catch (err) {
    return json(503, {
      status: "unavailable",
      database: { reachable: false, error: err instanceof Error ? err.message : "unknown error" },
      migration: null,
      ledger,
    });
  }
}
