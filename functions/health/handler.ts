// GET /health: is the function runtime up, can it reach Postgres, which migration is applied.
import { db } from "../_shared/db.ts";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}

export async function handler(req: Request): Promise<Response> {
  if (req.method !== "GET") return json(405, { error: "method not allowed" });
  const started = performance.now();
  try {
    const sql = db();
    const [{ tracked }] = await sql`
      select to_regclass('supabase_migrations.schema_migrations') is not null as tracked`;
    const [row] = tracked
      ? await sql`select max(version) as migration from supabase_migrations.schema_migrations`
      : [{ migration: null }];
    return json(200, {
      status: "ok",
      database: { reachable: true, latency_ms: Math.round(performance.now() - started) },
      migration: row.migration ?? null,
    });
  } catch (err) {
    return json(503, {
      status: "unavailable",
      database: { reachable: false, error: err instanceof Error ? err.message : "unknown error" },
      migration: null,
    });
  }
}
