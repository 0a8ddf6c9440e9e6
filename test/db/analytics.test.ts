// public.llm_analytics and public.llm_error_patterns against hand-computed expectations: every
// bucket size and every grouping, read from the hourly rollup the llm_requests trigger keeps.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  as,
  asRole,
  createAccount,
  createApiKey,
  createInstance,
  rpcRows,
  type TestAccount,
  type TestUser,
} from "../helpers/fixtures.ts";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;
let account: TestAccount;
let member: TestUser;
let outsider: TestAccount;
let instanceId: string;
let keyId: string;

interface Call {
  at: string;
  model: string;
  provider: string;
  user: "owner" | "member";
  endUser: string | null;
  feature: string | null;
  instance: boolean;
  key: boolean;
  country: string | null;
  status: "complete" | "error" | "partial";
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  cost: string | null;
  latency: number;
  ttft: number | null;
  errorCode?: string;
  errorMessage?: string;
}

// A call the provider failed: no tokens, no cost, no first token.
const upstreamError = {
  status: "error",
  prompt: 0,
  completion: 0,
  cached: 0,
  reasoning: 0,
  cost: "0",
  ttft: null,
  errorCode: "upstream_error",
} as const;

// r1..r4 fall in the week of Monday 2026-10-05, r5 in the next week.
const r1: Call = {
  at: "2026-10-05T10:15:00Z",
  model: "gpt-4o",
  provider: "openai",
  user: "owner",
  endUser: "eu1",
  feature: "mentor",
  instance: true,
  key: true,
  country: "DE",
  status: "complete",
  prompt: 100,
  completion: 50,
  cached: 10,
  reasoning: 0,
  cost: "0.001",
  latency: 100,
  ttft: 20,
};
const r2: Call = {
  at: "2026-10-05T10:45:00Z",
  model: "gpt-4o",
  provider: "openai",
  user: "member",
  endUser: "eu2",
  feature: "guru",
  instance: false,
  key: true,
  country: "US",
  ...upstreamError,
  latency: 200,
  errorMessage: "Request 123 failed for 3f2a9c1e-0b7d-4e55-9a0c-1d2e3f4a5b6c",
};
const r3: Call = {
  at: "2026-10-05T11:05:00Z",
  model: "claude",
  provider: "anthropic",
  user: "owner",
  endUser: "eu1",
  feature: "mentor",
  instance: true,
  key: false,
  country: "DE",
  status: "complete",
  prompt: 200,
  completion: 100,
  cached: 0,
  reasoning: 30,
  cost: "0.002",
  latency: 300,
  ttft: 40,
};
const r4: Call = {
  at: "2026-10-06T09:00:00Z",
  model: "gpt-4o",
  provider: "openai",
  user: "member",
  endUser: null,
  feature: null,
  instance: false,
  key: true,
  country: null,
  status: "partial",
  prompt: 50,
  completion: 5,
  cached: 0,
  reasoning: 0,
  cost: "0.0005",
  latency: 1000,
  ttft: 100,
  errorCode: "client_disconnected",
  errorMessage: "client went away",
};
const r5: Call = {
  at: "2026-10-13T08:00:00Z",
  model: "claude",
  provider: "anthropic",
  user: "owner",
  endUser: "eu2",
  feature: "guru",
  instance: true,
  key: false,
  country: "US",
  ...upstreamError,
  latency: 1500,
  errorMessage: "Request 456 failed for 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
};

async function log(acct: TestAccount, calls: Call[]): Promise<void> {
  const rows = calls.map((c) => ({
    account_id: acct.id,
    created_at: c.at,
    model: c.model,
    provider: c.provider,
    user_id: c.user === "owner" ? acct.owner.id : member.id,
    end_user: c.endUser,
    properties: c.feature ? { feature: c.feature } : {},
    agent_instance_id: c.instance ? instanceId : null,
    api_key_id: c.key ? keyId : null,
    country: c.country,
    completion_status: c.status,
    prompt_tokens: c.prompt,
    completion_tokens: c.completion,
    cached_tokens: c.cached,
    reasoning_tokens: c.reasoning,
    total_tokens: c.prompt + c.completion,
    computed_cost: c.cost,
    price_source: "model_prices",
    latency_ms: c.latency,
    time_to_first_token_ms: c.ttft,
    error_code: c.errorCode ?? null,
    error_message: c.errorMessage ?? null,
  }));
  // One statement, as the ledger writes a batch: the statement trigger rolls them up together.
  await sql`
    insert into public.llm_requests (account_id, created_at, model, provider, user_id, end_user, properties,
      agent_instance_id, api_key_id, country, completion_status, prompt_tokens, completion_tokens, cached_tokens,
      reasoning_tokens, total_tokens, computed_cost, price_source, latency_ms, time_to_first_token_ms, error_code,
      error_message)
    select account_id, created_at, model, provider, user_id, end_user, properties, agent_instance_id, api_key_id,
           country, completion_status, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens,
           total_tokens, computed_cost, price_source, latency_ms, time_to_first_token_ms, error_code, error_message
      from jsonb_populate_recordset(null::public.llm_requests, ${JSON.stringify(rows)}::text::jsonb)`;
}

type Row = Record<string, unknown>;

function analytics(userId: string, args: Row): Promise<Row[]> {
  return rpcRows(sql, as(userId), "llm_analytics", args);
}

const day = (iso: string) => new Date(iso).toISOString();

beforeAll(async () => {
  sql = adminSql();
  account = await createAccount(sql);
  member = await addMember(sql, account, "member");
  outsider = await createAccount(sql);
  instanceId = (await createInstance(sql, account)).id;
  keyId = (await createApiKey(sql, account)).id;
  await log(account, [r1, r2, r3, r4, r5]);
});
afterAll(() => sql.end());

describe("llm_analytics: buckets (no grouping)", () => {
  it("by day: counts, rates, tokens, cost, average and percentiles", async () => {
    const rows = await analytics(account.owner.id, {
      account_id: account.id,
      from: "2026-10-05T00:00:00Z",
      to: "2026-10-14T00:00:00Z",
      bucket: "day",
    });
    expect(rows.map((r) => [day(r.bucket_start as string), r.group_value])).toEqual([
      ["2026-10-05T00:00:00.000Z", null],
      ["2026-10-06T00:00:00.000Z", null],
      ["2026-10-13T00:00:00.000Z", null],
    ]);
    // 10-05: r1, r2, r3. Latencies 100, 200, 300 (nearest rank: p50 = 2nd, p95 = p99 = 3rd);
    // times to first token 20, 40.
    expect(rows[0]).toMatchObject({
      requests: "3",
      successes: "2",
      errors: "1",
      error_rate: "0.3333",
      success_rate: "0.6667",
      prompt_tokens: "300",
      completion_tokens: "150",
      cached_tokens: "10",
      reasoning_tokens: "30",
      total_tokens: "450",
      cost: "0.003",
      unpriced_requests: "0",
      latency_avg_ms: "200.0",
      latency_p50_ms: 200,
      latency_p95_ms: 300,
      latency_p99_ms: 300,
      ttft_p50_ms: 20,
      ttft_p95_ms: 40,
      ttft_p99_ms: 40,
    });
    // 10-06: r4 alone, partial (neither success nor error).
    expect(rows[1]).toMatchObject({
      requests: "1",
      successes: "0",
      errors: "0",
      error_rate: "0.0000",
      success_rate: "0.0000",
      prompt_tokens: "50",
      cost: "0.0005",
      latency_p50_ms: 1000,
      latency_p99_ms: 1000,
      ttft_p50_ms: 100,
    });
    // 10-13: r5, an error without a time to first token.
    expect(rows[2]).toMatchObject({
      requests: "1",
      errors: "1",
      error_rate: "1.0000",
      latency_p50_ms: 1500,
      ttft_p50_ms: null,
    });
  });

  it("by week (Monday, UTC) and by hour", async () => {
    const weeks = await analytics(account.owner.id, {
      account_id: account.id,
      from: "2026-10-01T00:00:00Z",
      to: "2026-10-20T00:00:00Z",
      bucket: "week",
    });
    // Week of 10-05: r1..r4, latencies 100, 200, 300, 1000 (p50 = 2nd, p95 = 4th); ttft 20, 40, 100.
    expect(
      weeks.map((
        r,
      ) => [
        day(r.bucket_start as string),
        r.requests,
        r.errors,
        r.latency_p50_ms,
        r.latency_p95_ms,
        r.ttft_p50_ms,
        r.ttft_p95_ms,
        r.cost,
      ]),
    ).toEqual([
      ["2026-10-05T00:00:00.000Z", "4", "1", 200, 1000, 40, 100, "0.0035"],
      ["2026-10-12T00:00:00.000Z", "1", "1", 1500, 1500, null, null, "0"],
    ]);
    const hours = await analytics(account.owner.id, {
      account_id: account.id,
      from: "2026-10-05T10:30:00Z",
      to: "2026-10-05T12:00:00Z",
      bucket: "hour",
    });
    // `from` counts from the start of its hour: 10:00 holds r1 and r2, 11:00 holds r3.
    expect(hours.map((r) => [day(r.bucket_start as string), r.requests, r.latency_avg_ms])).toEqual([
      ["2026-10-05T10:00:00.000Z", "2", "150.0"],
      ["2026-10-05T11:00:00.000Z", "1", "300.0"],
    ]);
  });

  it("all: one bucket for the whole range, starting at from's hour, percentiles over every call in it", async () => {
    const all = await analytics(account.owner.id, {
      account_id: account.id,
      from: "2026-10-05T10:30:00Z",
      to: "2026-10-20T00:00:00Z",
      bucket: "all",
    });
    // r1..r5: latencies 100, 200, 300, 1000, 1500 (p50 = 3rd, p95 = 5th); ttft 20, 40, 100.
    expect(all.map((r) => [day(r.bucket_start as string), r.requests, r.errors, r.latency_p50_ms, r.latency_p95_ms]))
      .toEqual([["2026-10-05T10:00:00.000Z", "5", "2", 300, 1500]]);
    expect(all[0]).toMatchObject({ ttft_p50_ms: 40, ttft_p95_ms: 100, cost: "0.0035" });
    const byModel = await analytics(account.owner.id, {
      account_id: account.id,
      from: "2026-10-01T00:00:00Z",
      to: "2026-10-20T00:00:00Z",
      bucket: "all",
      group_by: "model",
    });
    expect(byModel.map((r) => [r.group_value, r.requests])).toEqual([["claude", "2"], ["gpt-4o", "3"]]);
  });

  it("is planned for each call's arguments (no generic plan after five calls in a session)", async () => {
    const [fn] = await sql`
      select proconfig from pg_proc where oid = 'public.llm_analytics(uuid, timestamptz, timestamptz, text, text)'::regprocedure`;
    expect(fn.proconfig).toContain("plan_cache_mode=force_custom_plan");
  });
});

describe("llm_analytics: every grouping (week of 10-05: r1..r4)", () => {
  // Per group: requests, successes, errors, prompt tokens, cost, latency p50, latency p95, ttft p50.
  type Expect = [string, string, string, string, string, number, number, number | null];
  const r13: Expect = ["2", "2", "0", "300", "0.003", 100, 300, 20];
  const r24: Expect = ["2", "0", "1", "50", "0.0005", 200, 1000, 100];
  const r124: Expect = ["3", "1", "1", "150", "0.0015", 200, 1000, 20];
  const only3: Expect = ["1", "1", "0", "200", "0.002", 300, 300, 40];
  const only2: Expect = ["1", "0", "1", "0", "0", 200, 200, null];
  const only4: Expect = ["1", "0", "0", "50", "0.0005", 1000, 1000, 100];
  const cases: Array<[string, () => Record<string, Expect>]> = [
    ["model", () => ({ "gpt-4o": r124, claude: only3 })],
    ["provider", () => ({ openai: r124, anthropic: only3 })],
    ["user", () => ({ [account.owner.id]: r13, [member.id]: r24 })],
    ["end_user", () => ({ eu1: r13, eu2: only2, null: only4 })],
    ["feature", () => ({ mentor: r13, guru: only2, null: only4 })],
    ["agent_instance", () => ({ [instanceId]: r13, null: r24 })],
    ["api_key", () => ({ [keyId]: r124, null: only3 })],
    ["country", () => ({ DE: r13, US: only2, null: only4 })],
  ];
  for (const [groupBy, expected] of cases) {
    it(groupBy, async () => {
      const rows = await analytics(account.owner.id, {
        account_id: account.id,
        from: "2026-10-05T00:00:00Z",
        to: "2026-10-12T00:00:00Z",
        bucket: "week",
        group_by: groupBy,
      });
      const got = Object.fromEntries(
        rows.map((
          r,
        ) => [String(r.group_value), [
          r.requests,
          r.successes,
          r.errors,
          r.prompt_tokens,
          r.cost,
          r.latency_p50_ms,
          r.latency_p95_ms,
          r.ttft_p50_ms,
        ]]),
      );
      expect(got).toEqual(expected());
    });
  }
});

describe("llm_analytics: percentiles between bucket bounds, and bad input", () => {
  it("a latency between bounds reports its bucket's upper bound, capped by the largest value seen", async () => {
    const acct = await createAccount(sql);
    const base = { ...r1, instance: false, key: false, at: "2026-09-01T10:00:00Z" };
    await log(acct, [{ ...base, latency: 105 }, { ...base, latency: 130 }]);
    const [row] = await analytics(acct.owner.id, {
      account_id: acct.id,
      from: "2026-09-01T00:00:00Z",
      to: "2026-09-02T00:00:00Z",
    });
    // 105 lies in (100, 120]: p50 reports 120; 130 lies in (120, 150] but nothing exceeded 130.
    expect([row.latency_p50_ms, row.latency_p95_ms]).toEqual([120, 130]);
  });

  it("histograms add up the same whether calls come one per statement or many per statement", async () => {
    const acct = await createAccount(sql);
    const base = { ...r1, instance: false, key: false, at: "2026-09-02T10:00:00Z" };
    // Edge buckets included: 0 ms (the first), a bound (100), between bounds, above the last bound (overflow).
    const single = [0, 1, 100, 105, 2_000_000, 7].map((latency, i) => ({
      ...base,
      latency,
      ttft: i % 2 ? null : latency,
    }));
    for (const call of single) await log(acct, [call]);
    const batch = [3, 100, 2_500_000, 0].map((latency) => ({ ...base, latency, ttft: latency }));
    await log(acct, batch);
    const calls = [...single, ...batch];
    const [expected] = await sql`
      select private.latency_histogram(${calls.map((c) => c.latency)}::int[])::text as latency,
             private.latency_histogram(${calls.map((c) => c.ttft)}::int[])::text as ttft`;
    const rows = await sql`
      select dimension, latency_histogram::text as latency, ttft_histogram::text as ttft
        from public.llm_usage_hourly where account_id = ${acct.id} and dimension in ('all', 'model')`;
    expect(rows).toHaveLength(2);
    for (const row of rows) expect({ latency: row.latency, ttft: row.ttft }).toEqual(expected);
  });

  it("refuses an unknown bucket or grouping (22023)", async () => {
    const args = { account_id: account.id, from: "2026-10-05T00:00:00Z", to: "2026-10-06T00:00:00Z" };
    await expect(analytics(account.owner.id, { ...args, bucket: "month" })).rejects.toMatchObject({ code: "22023" });
    await expect(analytics(account.owner.id, { ...args, group_by: "prompt" })).rejects.toMatchObject({ code: "22023" });
  });

  it("another account's owner reads nothing of this account", async () => {
    const rows = await analytics(outsider.owner.id, {
      account_id: account.id,
      from: "2026-10-01T00:00:00Z",
      to: "2026-10-20T00:00:00Z",
    });
    expect(rows).toEqual([]);
  });
});

describe("llm_error_patterns", () => {
  it("groups normalised messages per model with counts and first/last seen", async () => {
    const acct = await createAccount(sql);
    const base = { ...r2, instance: false, key: false };
    await log(acct, [
      base,
      {
        ...base,
        at: "2026-10-06T12:00:00Z",
        errorMessage: "Request 9 failed for 11111111-2222-4333-8444-555555555555",
      },
      { ...base, at: "2026-10-06T13:00:00Z", errorCode: "rate_limited", errorMessage: "slow down" },
      { ...base, model: "claude", at: "2026-10-07T08:00:00Z" },
    ]);
    const rows = await asRole(sql, as(acct.owner.id), (tx) =>
      tx`
      select * from public.llm_error_patterns(${acct.id}::uuid, '2026-10-01T00:00:00Z', '2026-10-10T00:00:00Z')`, {
      commit: true,
    });
    expect(rows.map((r) => ({ ...r, first_seen: day(r.first_seen), last_seen: day(r.last_seen) }))).toEqual([
      {
        model_name: "claude",
        error_code: "upstream_error",
        message: "Request <n> failed for <id>",
        occurrences: "1",
        first_seen: "2026-10-07T08:00:00.000Z",
        last_seen: "2026-10-07T08:00:00.000Z",
      },
      {
        model_name: "gpt-4o",
        error_code: "upstream_error",
        message: "Request <n> failed for <id>",
        occurrences: "2",
        first_seen: "2026-10-05T10:45:00.000Z",
        last_seen: "2026-10-06T12:00:00.000Z",
      },
      {
        model_name: "gpt-4o",
        error_code: "rate_limited",
        message: "slow down",
        occurrences: "1",
        first_seen: "2026-10-06T13:00:00.000Z",
        last_seen: "2026-10-06T13:00:00.000Z",
      },
    ]);
    const top1 = await asRole(sql, as(acct.owner.id), (tx) =>
      tx`
      select model_name, error_code from public.llm_error_patterns(${acct.id}::uuid, '2026-10-01T00:00:00Z',
        '2026-10-10T00:00:00Z', 'gpt-4o', 1)`, { commit: true });
    expect(top1).toEqual([{ model_name: "gpt-4o", error_code: "upstream_error" }]);
  });
});
