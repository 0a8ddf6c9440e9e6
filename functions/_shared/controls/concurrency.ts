/**
 * A cap on an account's upstream calls in flight at once (account_settings.max_concurrent_calls,
 * else its tier's, tier_defaults), counted in this function instance's memory: no round trip.
 * Each instance enforces the cap on its own calls (see supabase/README.md).
 */
import { TtlCache } from "../runtime/cache.ts";
import type { Sql } from "../runtime/db.ts";
import { env } from "../runtime/env.ts";
import { ApiError } from "../http/errors.ts";

const capCache = new TtlCache<number | null>(Number(env("LIMITS_CACHE_TTL_MS") ?? 30_000));
const inFlight = new Map<string, number>();

/** The account's cap (null: none). Cached, and dropped on `gateway_cache` notifications. */
export function loadConcurrencyCap(sql: Sql, accountId: string): Promise<number | null> {
  return capCache.get(accountId, async () => {
    const [row] = await sql<{ cap: number | null }[]>`
      select coalesce(s.max_concurrent_calls, d.max_concurrent_calls) as cap
        from public.accounts a
        left join public.account_settings s on s.account_id = a.id
        left join public.tier_defaults d on d.tier = a.subscription_tier
       where a.id = ${accountId}`;
    return row?.cap ?? null;
  });
}

/** Takes a slot, or refuses with 429 `concurrency_limit_exceeded`; the returned function frees it (once). */
export function acquireSlot(accountId: string, cap: number | null): () => void {
  const used = inFlight.get(accountId) ?? 0;
  if (cap !== null && used >= cap) {
    throw new ApiError(
      429,
      `This account already has ${cap} calls in flight, its limit; retry when one finishes`,
      "requests",
      "concurrency_limit_exceeded",
      null,
      { "retry-after": "1" },
    );
  }
  inFlight.set(accountId, used + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (inFlight.get(accountId) ?? 1) - 1;
    if (left > 0) inFlight.set(accountId, left);
    else inFlight.delete(accountId);
  };
}
