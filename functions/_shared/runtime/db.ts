// One postgres.js pool per function instance, over SUPABASE_DB_URL (set by Supabase for every
// function). `prepare: false` keeps it compatible with the transaction pooler used in production.
import postgres from "postgres";
import { env, requireEnv } from "./env.ts";

export type Sql = postgres.Sql;

let pool: Sql | null = null;

export function db(): Sql {
  pool ??= postgres(requireEnv("SUPABASE_DB_URL"), {
    prepare: false,
    max: 10,
    idle_timeout: 20,
    connect_timeout: 5,
    onnotice: () => {},
  });
  return pool;
}

let listener: Sql | null = null;

/**
 * The connection that LISTENs for cache invalidations. Notifications need a session, which a
 * transaction pooler does not keep: set GATEWAY_LISTEN_DB_URL to a direct or session-mode URL when
 * SUPABASE_DB_URL points at the transaction pooler.
 */
export function listenDb(): Sql {
  listener ??= postgres(env("GATEWAY_LISTEN_DB_URL") ?? requireEnv("SUPABASE_DB_URL"), {
    max: 1,
    connect_timeout: 5,
    onnotice: () => {},
  });
  return listener;
}

/**
 * Runs `fn` the way PostgREST runs a request: in a transaction as role `authenticated` with the
 * caller's JWT claims, so the same row-level security answers supabase-js and our functions.
 */
export function asUser<T>(
  claims: Record<string, unknown>,
  fn: (sql: postgres.TransactionSql) => Promise<T>,
): Promise<T> {
  return db().begin(async (sql) => {
    await sql`select set_config('request.jwt.claims', ${
      JSON.stringify(claims)
    }, true), set_config('role', 'authenticated', true)`;
    return fn(sql);
  }) as Promise<T>;
}
