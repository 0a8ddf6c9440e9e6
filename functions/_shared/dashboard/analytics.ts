/**
 * The dashboard's usage charts, read from the rollups only (llm_usage_hourly through
 * public.llm_analytics, llm_error_patterns_hourly through public.llm_error_patterns), never from the
 * ledger: an overview reads a few hundred rollup rows whatever the account's call volume. Runs as the
 * signed-in user (the rollups' row-level security: history readers of the account).
 */
import type postgres from "postgres";
import { type Dimension, type Range } from "./params.ts";

type Tx = postgres.TransactionSql;

export interface Totals {
  requests: number;
  errors: number;
  error_rate: number;
  cost_usd: string;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p50_ttft_ms: number | null;
  p95_ttft_ms: number | null;
}

/** A row of public.llm_analytics as postgres.js returns it (bigint and numeric as text). */
interface AnalyticsRow {
  bucket_start: Date;
  group_value: string | null;
  requests: string;
  errors: string;
  cost: string;
  prompt_tokens: string;
  completion_tokens: string;
  cached_tokens: string;
  reasoning_tokens: string;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  ttft_p50_ms: number | null;
  ttft_p95_ms: number | null;
}

function analytics(
  tx: Tx,
  accountId: string,
  range: Range,
  bucket: "day" | "all",
  groupBy: Dimension | null,
): Promise<AnalyticsRow[]> {
  return tx<AnalyticsRow[]>`
    select bucket_start, group_value, requests, errors, cost, prompt_tokens, completion_tokens, cached_tokens,
           reasoning_tokens, latency_p50_ms, latency_p95_ms, ttft_p50_ms, ttft_p95_ms
      from public.llm_analytics(${accountId}::uuid, ${range.from}::timestamptz, ${range.to}::timestamptz,
                                ${bucket}::text, ${groupBy}::text)`;
}

/** Calls, errors and cost per UTC day and value of a dimension ('all': the account's totals). */
interface DailySum {
  day: Date;
  value: string | null;
  requests: string;
  errors: string;
  cost: string;
}

/**
 * Per-day sums straight from the hourly rollup, bucketed as llm_analytics buckets them: the daily series that
 * need no percentiles skip its histogram work, the bulk of its cost on a month of hourly rows per model.
 */
function dailySums(tx: Tx, accountId: string, range: Range, dimension: Dimension | "all"): Promise<DailySum[]> {
  return tx<DailySum[]>`
    select date_trunc('day', u.hour, 'UTC') as day, u.value, sum(u.request_count) as requests,
           sum(u.error_count) as errors, sum(u.computed_cost) as cost
      from public.llm_usage_hourly u
     where u.account_id = ${accountId}::uuid and u.dimension = ${dimension}
       and u.hour >= date_trunc('hour', ${range.from}::timestamptz, 'UTC') and u.hour < ${range.to}::timestamptz
     group by 1, 2
     order by 1, 2`;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
/** Money stays a decimal string; numeric renders without a needless exponent or trailing zeros. */
const money = (s: string | null | undefined) => normalizeDecimal(s ?? "0");

function normalizeDecimal(s: string): string {
  if (!s.includes(".")) return s;
  const trimmed = s.replace(/0+$/, "").replace(/\.$/, "");
  return trimmed === "" || trimmed === "-" ? "0" : trimmed;
}

function totalsOf(row: AnalyticsRow | undefined): Totals {
  const requests = Number(row?.requests ?? 0);
  const errors = Number(row?.errors ?? 0);
  return {
    requests,
    errors,
    error_rate: requests === 0 ? 0 : errors / requests,
    cost_usd: money(row?.cost),
    prompt_tokens: Number(row?.prompt_tokens ?? 0),
    completion_tokens: Number(row?.completion_tokens ?? 0),
    cached_tokens: Number(row?.cached_tokens ?? 0),
    reasoning_tokens: Number(row?.reasoning_tokens ?? 0),
    p50_latency_ms: row?.latency_p50_ms ?? null,
    p95_latency_ms: row?.latency_p95_ms ?? null,
    p50_ttft_ms: row?.ttft_p50_ms ?? null,
    p95_ttft_ms: row?.ttft_p95_ms ?? null,
  };
}

const isoRange = (r: Range) => ({ from: r.from.toISOString(), to: r.to.toISOString() });

/** Totals of the range and of the previous period, cost per day and model, latency per day. */
export async function overview(tx: Tx, accountId: string, range: Range, previous: Range) {
  const [current, before, byModel, byDay] = await Promise.all([
    analytics(tx, accountId, range, "all", null),
    analytics(tx, accountId, previous, "all", null),
    dailySums(tx, accountId, range, "model"),
    analytics(tx, accountId, range, "day", null),
  ]);
  return {
    range: isoRange(range),
    previous_range: isoRange(previous),
    totals: totalsOf(current[0]),
    previous_totals: totalsOf(before[0]),
    daily: byModel.map((r) => ({
      day: day(r.day),
      model: r.value,
      cost_usd: money(r.cost),
      requests: Number(r.requests),
      errors: Number(r.errors),
    })),
    latency_daily: byDay.map((r) => ({
      day: day(r.bucket_start),
      p50_latency_ms: r.latency_p50_ms,
      p95_latency_ms: r.latency_p95_ms,
      p50_ttft_ms: r.ttft_p50_ms,
      p95_ttft_ms: r.ttft_p95_ms,
    })),
  };
}

/**
 * Human labels for the keys of a dimension that stores ids (users, agent instances, API keys), as far
 * as the reader may see them (row-level security); other dimensions label a key with itself.
 */
async function labels(tx: Tx, dimension: Dimension, keys: string[]): Promise<Map<string, string>> {
  const ids = keys.filter((k) => /^[0-9a-f-]{36}$/.test(k));
  if (ids.length === 0) return new Map();
  let rows: { id: string; label: string | null }[] = [];
  if (dimension === "user") {
    rows = await tx`select id::text, coalesce(nullif(full_name, ''), email) as label
                      from public.users where id = any(${ids}::uuid[])`;
  } else if (dimension === "agent_instance") {
    rows = await tx`select id::text, coalesce(display_name, instance_slug) as label
                      from public.agent_instances where id = any(${ids}::uuid[])`;
  } else if (dimension === "api_key") {
    rows = await tx`select id::text, name as label from public.api_keys where id = any(${ids}::uuid[])`;
  }
  return new Map(rows.filter((r) => r.label).map((r) => [r.id, r.label as string]));
}

/** One row per value of the dimension over the range (most expensive first), with its daily cost sparkline. */
export async function breakdown(tx: Tx, accountId: string, range: Range, dimension: Dimension, days: string[]) {
  const [totals, daily] = await Promise.all([
    analytics(tx, accountId, range, "all", dimension),
    dailySums(tx, accountId, range, dimension),
  ]);
  const names = await labels(tx, dimension, totals.flatMap((r) => r.group_value ? [r.group_value] : []));
  const index = new Map(days.map((d, i) => [d, i]));
  const sparklines = new Map<string | null, number[]>();
  for (const r of daily) {
    const line = sparklines.get(r.value) ?? days.map(() => 0);
    const i = index.get(day(r.day));
    if (i !== undefined) line[i] = Number(r.cost);
    sparklines.set(r.value, line);
  }
  const data = totals.map((r) => {
    const t = totalsOf(r);
    return {
      key: r.group_value,
      label: r.group_value === null ? "(none)" : names.get(r.group_value) ?? r.group_value,
      requests: t.requests,
      errors: t.errors,
      error_rate: t.error_rate,
      cost_usd: t.cost_usd,
      prompt_tokens: t.prompt_tokens,
      completion_tokens: t.completion_tokens,
      p50_latency_ms: t.p50_latency_ms,
      p95_latency_ms: t.p95_latency_ms,
      sparkline: sparklines.get(r.group_value) ?? days.map(() => 0),
    };
  });
  data.sort((a, b) => Number(b.cost_usd) - Number(a.cost_usd) || b.requests - a.requests);
  return { dimension, days, data };
}

/** Top error codes and normalised messages over the range, most frequent first. */
export async function errors(tx: Tx, accountId: string, range: Range) {
  const rows = await tx<
    {
      model_name: string;
      error_code: string | null;
      message: string | null;
      occurrences: string;
      first_seen: Date;
      last_seen: Date;
    }[]
  >`
    select model_name, error_code, message, occurrences, first_seen, last_seen
      from public.llm_error_patterns(${accountId}::uuid, ${range.from}::timestamptz, ${range.to}::timestamptz,
                                     null, 10)
     order by occurrences desc, last_seen desc
     limit 100`;
  return rows.map((r) => ({
    code: r.error_code,
    message: r.message,
    model: r.model_name,
    count: Number(r.occurrences),
    first_seen: r.first_seen.toISOString(),
    last_seen: r.last_seen.toISOString(),
  }));
}
