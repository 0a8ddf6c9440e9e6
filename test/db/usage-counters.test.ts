// private.reserve_usage is the one place function instances meet: each connection here stands for an
// instance reserving at the same moment. Whatever the interleaving, the grants never exceed a limit.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dbUrl } from "../helpers/stack.ts";

let sql: postgres.Sql;
let accountId: string;

beforeAll(async () => {
  sql = postgres(dbUrl(), { max: 20, onnotice: () => {} });
  const slug = `counters-${crypto.randomUUID().slice(0, 8)}`;
  [{ id: accountId }] = await sql`insert into public.accounts (name, slug) values (${slug}, ${slug}) returning id`;
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
});

interface Item {
  key: string;
  max_requests?: number | null;
  max_tokens?: number | null;
  max_cost_usd?: string | null;
  need_requests?: number;
  need_tokens?: number;
  need_cost_usd?: string;
  charge_tokens?: number;
  charge_cost_usd?: string;
}

const WINDOW = "2026-11-27T08:00:00.000Z";

async function reserveUsage(items: Item[]) {
  const full = items.map((i) => ({ account_id: accountId, window_start: WINDOW, ...i }));
  const [row] = await sql`select private.reserve_usage(${JSON.stringify(full)}::text::jsonb) as r`;
  return row.r as {
    ok: boolean;
    failed: string | null;
    items: {
      key: string;
      requests: number;
      tokens: number;
      cost_usd: string;
      granted_requests: number;
      granted_tokens: number;
    }[];
  };
}

describe("private.reserve_usage", () => {
  it("40 instances reserving at once against a limit of 10 are granted exactly 10 in total", async () => {
    const key = `test:${crypto.randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 40 }, () => reserveUsage([{ key, max_requests: 10, need_requests: 1 }])),
    );
    const granted = results.reduce((sum, r) => sum + Number(r.items[0].granted_requests), 0);
    expect(granted).toBe(10);
    expect(results.filter((r) => !r.ok).every((r) => r.failed === key && Number(r.items[0].requests) === 10)).toBe(
      true,
    );
    const [counter] = await sql`select requests from private.usage_counters where counter_key = ${key}`;
    expect(Number(counter.requests)).toBe(10);
  });

  it("grants all or nothing across limits, and applies charges even when it refuses", async () => {
    const roomy = `test:${crypto.randomUUID()}`;
    const tight = `test:${crypto.randomUUID()}`;
    const refused = await reserveUsage([
      { key: roomy, max_tokens: 1000, need_tokens: 100, charge_tokens: 30 },
      { key: tight, max_tokens: 50, need_tokens: 100 },
    ]);
    expect(refused.ok).toBe(false);
    expect(refused.failed).toBe(tight);
    const totals = Object.fromEntries(refused.items.map((i) => [i.key, Number(i.tokens)]));
    // Nothing granted on the limit that had room; the overrun charged all the same.
    expect(totals).toEqual({ [roomy]: 30, [tight]: 0 });
  });

  it("far from a limit adds a spare chunk (an eighth of what remains, at most 50 needs); near it, exactly the need", async () => {
    const key = `test:${crypto.randomUUID()}`;
    const far = await reserveUsage([{ key, max_cost_usd: "100", need_cost_usd: "0.5" }]);
    // 0.5 + min(25, (100 - 0.5) / 8 = 12.4375)
    expect(Number(far.items[0].cost_usd)).toBe(12.9375);
    const near = `test:${crypto.randomUUID()}`;
    const exact = await reserveUsage([{ key: near, max_requests: 5, need_requests: 1 }]);
    expect(Number(exact.items[0].granted_requests)).toBe(1);
  });

  it("settles real usage into the counter, refunds included, never below zero", async () => {
    const key = `test:${crypto.randomUUID()}`;
    await reserveUsage([{ key, max_tokens: 1000, need_tokens: 200 }]);
    const settle = (tokens: number) =>
      sql`select private.settle_usage(${
        JSON.stringify([{ key, window_start: WINDOW, tokens, cost_usd: "0" }])
      }::text::jsonb)`;
    const [{ tokens: before }] = await sql`select tokens from private.usage_counters where counter_key = ${key}`;
    await settle(-50);
    const [{ tokens: after }] = await sql`select tokens from private.usage_counters where counter_key = ${key}`;
    expect(Number(after)).toBe(Number(before) - 50);
    await settle(-1_000_000);
    const [{ tokens: floor }] = await sql`select tokens from private.usage_counters where counter_key = ${key}`;
    expect(Number(floor)).toBe(0);
  });
});
