/**
 * Budgets and rate limits (public.usage_limits, public.tier_limits), exact under concurrency.
 *
 * Every limit that applies to a call is counted in Postgres (private.usage_counters) per window.
 * A call reserves before it is forwarded: one request, and for token or USD limits an estimate
 * that bounds the call (prompt tokens counted, completion bounded by max_tokens or the model's
 * maximum output). Reservations come from an allowance this function instance holds in memory;
 * only when it runs out does the instance reserve in Postgres (private.reserve_usage, one
 * statement, atomic across instances), taking a spare chunk for later calls while the counter is
 * far from its limit and exactly what the call needs when it is near. After the call the real
 * usage is settled: far from the limit into the local allowance, near it into the counter.
 * The design and its bounds are described in supabase/README.md ("Budgets and rate limits").
 */
import type { Caller } from "../auth/caller.ts";
import { TtlCache } from "../runtime/cache.ts";
import type { Sql } from "../runtime/db.ts";
import { addDecimals, type Decimal, formatDecimal, parseDecimal, ZERO } from "../billing/decimal.ts";
import { env } from "../runtime/env.ts";
import { ApiError } from "../http/errors.ts";
import { sha256Hex } from "../runtime/sha256.ts";

export type Period = "minute" | "hour" | "day" | "month";
type Scope = "account" | "api_key" | "user" | "end_user";

/** A limit as loaded for an account: a usage_limits row or a tier default. */
export interface LimitRow {
  id: string | null;
  scope: Scope;
  subject: string | null;
  period: Period;
  max_requests: string | null;
  max_tokens: string | null;
  max_cost_usd: string | null;
}

/** One limit as it applies to one call: its counter and its maxima. */
interface AppliedLimit {
  key: string;
  scope: Scope;
  period: Period;
  maxRequests: number | null;
  maxTokens: number | null;
  maxCost: Decimal | null;
}

/** What a call needs reserved. */
export interface Need {
  requests: number;
  tokens: number;
  cost: Decimal;
}

/** This instance's share of one counter in one window. */
interface Lease {
  windowStart: number;
  windowEnd: number;
  /** Unused allowance granted to this instance (negative after a settled overrun). */
  requests: number;
  tokens: number;
  cost: Decimal;
  /** The counter's totals in Postgres at the last reservation (this instance's allowance included). */
  dbRequests: number;
  dbTokens: number;
  dbCost: Decimal;
  /** The last reservation left less than one more call's worth of spare: settle in Postgres. */
  near: boolean;
}

interface Take {
  limit: AppliedLimit;
  lease: Lease;
  tokens: number;
  cost: Decimal;
}

export interface Reservation {
  takes: Take[];
  /** x-ratelimit-* headers for the answer. */
  headers: Record<string, string>;
}

const neg = (d: Decimal): Decimal => ({ units: -d.units, scale: d.scale });
const sub = (a: Decimal, b: Decimal): Decimal => addDecimals(a, neg(b));
const sign = (d: Decimal): number => (d.units > 0n ? 1 : d.units < 0n ? -1 : 0);
const maxDec = (a: Decimal, b: Decimal): Decimal => (sign(sub(a, b)) >= 0 ? a : b);

/** Start and end (ms) of the UTC window of `period` containing `now`. */
export function windowOf(period: Period, now: number): { start: number; end: number } {
  const d = new Date(now);
  if (period === "month") {
    return {
      start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
      end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
    };
  }
  const size = period === "minute" ? 60_000 : period === "hour" ? 3_600_000 : 86_400_000;
  const start = Math.floor(now / size) * size;
  return { start, end: start + size };
}

/** OpenAI's reset format: `1s`, `6m0s`, `1h2m3s`, `3d4h0m0s`. */
export function formatReset(ms: number): string {
  let s = Math.max(1, Math.ceil(ms / 1000));
  const days = Math.floor(s / 86_400);
  s -= days * 86_400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (days) return `${days}d${h}h${m}m${s}s`;
  if (h) return `${h}h${m}m${s}s`;
  if (m) return `${m}m${s}s`;
  return `${s}s`;
}

const limitCache = new TtlCache<LimitRow[]>(Number(env("LIMITS_CACHE_TTL_MS") ?? 30_000));

/**
 * The account's limits: its usage_limits rows and its tier's defaults, except the periods an
 * operator's account-wide limit replaces. Cached, and dropped on `gateway_cache` notifications.
 */
export function loadLimits(sql: Sql, accountId: string): Promise<LimitRow[]> {
  return limitCache.get(accountId, () =>
    sql<LimitRow[]>`
      select l.id::text, l.scope, l.subject, l.period, l.max_requests::text, l.max_tokens::text, l.max_cost_usd::text
        from public.usage_limits l
       where l.account_id = ${accountId}
      union all
      select null, 'account', null, t.period, t.max_requests::text, t.max_tokens::text, t.max_cost_usd::text
        from public.accounts a
        join public.tier_limits t on t.tier = a.subscription_tier
       where a.id = ${accountId}
         and not exists (select 1 from public.usage_limits o
                          where o.account_id = a.id and o.scope = 'account' and o.set_by = 'operator'
                            and o.period = t.period)`);
}

/** The limits that count a call of `caller` (for end user `endUser`), with their counter keys. */
export function applicable(rows: LimitRow[], caller: Caller, endUser: string | null): AppliedLimit[] {
  const out: AppliedLimit[] = [];
  for (const r of rows) {
    let subject: string | null;
    if (r.scope === "account") subject = "";
    else if (r.scope === "api_key") subject = caller.apiKeyId;
    else if (r.scope === "user") subject = caller.userId;
    // End-user ids are the client's strings (NUL bytes, 512 characters): keyed by their hash.
    else subject = endUser === null ? null : sha256Hex(endUser);
    if (r.scope === "end_user" && r.subject !== null && r.subject !== endUser) continue;
    if (subject === null || (r.scope !== "end_user" && r.subject !== null && r.subject !== subject)) continue;
    out.push({
      key: r.id === null ? `tier:${r.period}:${caller.accountId}` : `${r.id}:${subject}`,
      scope: r.scope,
      period: r.period,
      maxRequests: r.max_requests === null ? null : Number(r.max_requests),
      maxTokens: r.max_tokens === null ? null : Number(r.max_tokens),
      maxCost: r.max_cost_usd === null ? null : parseDecimal(r.max_cost_usd),
    });
  }
  return out;
}

export const countsTokens = (limits: AppliedLimit[]): boolean => limits.some((l) => l.maxTokens !== null);
export const countsCost = (limits: AppliedLimit[]): boolean => limits.some((l) => l.maxCost !== null);

const leases = new Map<string, Lease>();
/** Reservations in Postgres run one at a time per account in this instance (see `reserve`). */
const queues = new Map<string, Promise<unknown>>();

function leaseOf(limit: AppliedLimit, now: number): Lease {
  const { start, end } = windowOf(limit.period, now);
  let lease = leases.get(limit.key);
  if (!lease || lease.windowStart !== start) {
    if (leases.size >= 100_000) leases.clear();
    lease = {
      windowStart: start,
      windowEnd: end,
      requests: 0,
      tokens: 0,
      cost: ZERO,
      dbRequests: 0,
      dbTokens: 0,
      dbCost: ZERO,
      near: false,
    };
    leases.set(limit.key, lease);
  }
  return lease;
}

/** Whether the lease's allowance covers `need` on every dimension the limit counts. */
function covers(limit: AppliedLimit, lease: Lease, need: Need): boolean {
  return (limit.maxRequests === null || lease.requests >= need.requests) &&
    (limit.maxTokens === null || lease.tokens >= need.tokens) &&
    (limit.maxCost === null || sign(sub(lease.cost, need.cost)) >= 0);
}

/** Takes `need` from every lease (all were checked to cover it, in the same synchronous run). */
function takeAll(limits: AppliedLimit[], need: Need, now: number): Take[] {
  return limits.map((limit) => {
    const lease = leaseOf(limit, now);
    const tokens = limit.maxTokens === null ? 0 : need.tokens;
    const cost = limit.maxCost === null ? ZERO : need.cost;
    if (limit.maxRequests !== null) lease.requests -= need.requests;
    lease.tokens -= tokens;
    lease.cost = sub(lease.cost, cost);
    return { limit, lease, tokens, cost };
  });
}

function tryLocal(limits: AppliedLimit[], need: Need, now: number): Take[] | null {
  return limits.every((l) => covers(l, leaseOf(l, now), need)) ? takeAll(limits, need, now) : null;
}

interface DbItem {
  key: string;
  requests: string;
  tokens: string;
  cost_usd: string;
  granted_requests: string;
  granted_tokens: string;
  granted_cost_usd: string;
}

/**
 * Reserves `need` on every limit, or refuses with a 429 naming the limit it would exceed. No
 * database round trip while this instance's allowances cover the call.
 */
export async function reserve(sql: Sql, accountId: string, limits: AppliedLimit[], need: Need): Promise<Reservation> {
  if (limits.length === 0) return { takes: [], headers: {} };
  const local = tryLocal(limits, need, Date.now());
  if (local) return { takes: local, headers: rateLimitHeaders(local, Date.now()) };
  // One reservation in Postgres at a time per account here: a call that finds the allowance empty
  // waits for the reservation already on its way, whose spare chunk may cover it, rather than
  // being refused while this instance still holds allowance.
  const previous = queues.get(accountId) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(() => reserveInDb(sql, accountId, limits, need));
  const tail = mine.catch(() => undefined);
  queues.set(accountId, tail);
  void tail.then(() => {
    if (queues.get(accountId) === tail) queues.delete(accountId);
  });
  return await mine;
}

async function reserveInDb(sql: Sql, accountId: string, limits: AppliedLimit[], need: Need): Promise<Reservation> {
  const now = Date.now();
  const local = tryLocal(limits, need, now);
  if (local) return { takes: local, headers: rateLimitHeaders(local, now) };
  const short = limits.filter((l) => !covers(l, leaseOf(l, now), need));
  const items = short.map((limit) => {
    const lease = leaseOf(limit, now);
    const chargeTokens = Math.max(0, -lease.tokens);
    const chargeCost = maxDec(ZERO, neg(lease.cost));
    const haveTokens = Math.max(0, lease.tokens);
    const haveCost = maxDec(ZERO, lease.cost);
    return {
      key: limit.key,
      account_id: accountId,
      window_start: new Date(lease.windowStart).toISOString(),
      max_requests: limit.maxRequests,
      max_tokens: limit.maxTokens,
      max_cost_usd: limit.maxCost === null ? null : formatDecimal(limit.maxCost),
      need_requests: limit.maxRequests === null ? 0 : Math.max(0, need.requests - Math.max(0, lease.requests)),
      need_tokens: limit.maxTokens === null ? 0 : Math.max(0, need.tokens - haveTokens),
      need_cost_usd: limit.maxCost === null ? "0" : formatDecimal(maxDec(ZERO, sub(need.cost, haveCost))),
      charge_tokens: limit.maxTokens === null ? 0 : chargeTokens,
      charge_cost_usd: limit.maxCost === null ? "0" : formatDecimal(chargeCost),
    };
  });
  const [row] = await sql<{ result: { ok: boolean; failed: string | null; items: DbItem[] } }[]>`
    select private.reserve_usage(${JSON.stringify(items)}::text::jsonb) as result`;
  const { ok, failed, items: totals } = row.result;
  for (const t of totals) {
    const limit = short.find((l) => l.key === t.key)!;
    const lease = leaseOf(limit, now);
    const sent = items.find((i) => i.key === t.key)!;
    // Charged overruns are settled: the allowance restarts from zero, plus what was granted.
    lease.tokens = Math.max(0, lease.tokens) + Number(t.granted_tokens);
    lease.cost = addDecimals(maxDec(ZERO, lease.cost), parseDecimal(t.granted_cost_usd));
    lease.requests = Math.max(0, lease.requests) + Number(t.granted_requests);
    lease.dbRequests = Number(t.requests);
    lease.dbTokens = Number(t.tokens);
    lease.dbCost = parseDecimal(t.cost_usd);
    lease.near = ok && (
      (limit.maxRequests !== null && Number(t.granted_requests) - sent.need_requests < need.requests) ||
      (limit.maxTokens !== null && Number(t.granted_tokens) - sent.need_tokens < need.tokens) ||
      (limit.maxCost !== null &&
        sign(sub(sub(parseDecimal(t.granted_cost_usd), parseDecimal(sent.need_cost_usd)), need.cost)) < 0)
    );
    if (!ok) lease.near = true;
  }
  if (ok) {
    const taken = tryLocal(limits, need, now);
    if (taken) return { takes: taken, headers: rateLimitHeaders(taken, now) };
  }
  const limit = limits.find((l) => l.key === failed) ?? short[0];
  throw refusal(limit, leaseOf(limit, now), need, now, limits);
}

/** The 429 for a call that would exceed `limit`: budget_exceeded for USD, else rate_limit_exceeded. */
function refusal(limit: AppliedLimit, lease: Lease, need: Need, now: number, all: AppliedLimit[]): ApiError {
  const who = limit.scope === "account"
    ? "this account"
    : limit.scope === "api_key"
    ? "this API key"
    : limit.scope === "user"
    ? "this user"
    : "this end user";
  let what: string;
  let code = "rate_limit_exceeded";
  if (limit.maxRequests !== null && lease.dbRequests + need.requests > limit.maxRequests) {
    what = `${limit.maxRequests} requests`;
  } else if (limit.maxTokens !== null && lease.dbTokens + need.tokens > limit.maxTokens) {
    what = `${limit.maxTokens} tokens (this call may use up to ${need.tokens})`;
  } else {
    what = `USD ${formatDecimal(limit.maxCost ?? ZERO)} (this call may cost up to ${formatDecimal(need.cost)})`;
    code = "budget_exceeded";
  }
  const retryAfter = String(Math.max(1, Math.ceil((lease.windowEnd - now) / 1000)));
  const headers = {
    ...rateLimitHeaders(all.map((l) => ({ limit: l, lease: leaseOf(l, now), tokens: 0, cost: ZERO })), now),
    "retry-after": retryAfter,
  };
  return new ApiError(
    429,
    `The ${limit.period}ly limit of ${what} for ${who} is reached; retry after ${retryAfter} s`,
    code === "budget_exceeded" ? "insufficient_quota" : "requests",
    code,
    null,
    headers,
  );
}

/** OpenAI's x-ratelimit-* headers for the tightest request and token limits (as this instance knows them). */
function rateLimitHeaders(takes: Take[], now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  let req: { max: number; left: number; end: number } | null = null;
  let tok: { max: number; left: number; end: number } | null = null;
  for (const { limit, lease } of takes) {
    if (limit.maxRequests !== null) {
      const left = Math.max(0, limit.maxRequests - lease.dbRequests + Math.max(0, lease.requests));
      if (!req || left < req.left) req = { max: limit.maxRequests, left, end: lease.windowEnd };
    }
    if (limit.maxTokens !== null) {
      const left = Math.max(0, limit.maxTokens - lease.dbTokens + lease.tokens);
      if (!tok || left < tok.left) tok = { max: limit.maxTokens, left, end: lease.windowEnd };
    }
  }
  if (req) {
    headers["x-ratelimit-limit-requests"] = String(req.max);
    headers["x-ratelimit-remaining-requests"] = String(req.left);
    headers["x-ratelimit-reset-requests"] = formatReset(req.end - now);
  }
  if (tok) {
    headers["x-ratelimit-limit-tokens"] = String(tok.max);
    headers["x-ratelimit-remaining-tokens"] = String(tok.left);
    headers["x-ratelimit-reset-tokens"] = formatReset(tok.end - now);
  }
  return headers;
}

interface Settlement {
  key: string;
  window_start: string;
  tokens: number;
  cost_usd: string;
}

let pendingSettlements: Settlement[] = [];

/**
 * Settles a finished call: real usage minus what was reserved, per limit (a refund when the
 * estimate was above it). Far from the limit into this instance's allowance; near it into the
 * counter, batched, off the response path. A window that has ended needs nothing.
 */
export function settle(sql: Sql, reservation: Reservation, tokens: number, cost: Decimal | null): void {
  const now = Date.now();
  for (const take of reservation.takes) {
    const dTokens = take.limit.maxTokens === null ? 0 : tokens - take.tokens;
    const dCost = take.limit.maxCost === null ? ZERO : sub(cost ?? ZERO, take.cost);
    if (dTokens === 0 && sign(dCost) === 0) continue;
    const current = leases.get(take.limit.key);
    if (current !== take.lease || now >= take.lease.windowEnd) continue;
    if (!take.lease.near) {
      take.lease.tokens -= dTokens;
      take.lease.cost = sub(take.lease.cost, dCost);
      continue;
    }
    take.lease.dbTokens += dTokens;
    take.lease.dbCost = addDecimals(take.lease.dbCost, dCost);
    pendingSettlements.push({
      key: take.limit.key,
      window_start: new Date(take.lease.windowStart).toISOString(),
      tokens: dTokens,
      cost_usd: formatDecimal(dCost),
    });
    if (pendingSettlements.length === 1) setTimeout(() => void flushSettlements(sql), 0);
  }
}

async function flushSettlements(sql: Sql): Promise<void> {
  const batch = pendingSettlements;
  pendingSettlements = [];
  try {
    await sql`select private.settle_usage(${JSON.stringify(batch)}::text::jsonb)`;
  } catch (err) {
    console.error(`[limits] settlement of ${batch.length} calls failed: ${err instanceof Error ? err.message : err}`);
  }
}

/** Forgets this instance's allowances (tests). */
export function resetLeases(): void {
  leases.clear();
}
