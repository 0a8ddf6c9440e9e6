// The ledger's write path against real Postgres: batches, idempotent retries, dead letters.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger, type LedgerEntry } from "../../functions/_shared/ledger/writer.ts";
import { createAccount, type TestAccount } from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;
let account: TestAccount;

beforeAll(async () => {
  sql = adminSql();
  account = await createAccount(sql);
});
afterAll(() => sql.end());

const entry = (a: { id: string; slug: string } = account): LedgerEntry => ledgerEntry(a);

const stored = async (ids: string[]) =>
  (await sql`select count(*)::int as n from public.llm_requests where id = any(${ids})`)[0].n as number;

describe("Ledger", () => {
  it("writes concurrent calls in batches, every row exactly once, cost as exact numeric", async () => {
    const ledger = new Ledger(() => sql, { maxBatch: 25 });
    const entries = Array.from({ length: 60 }, () => entry());
    await Promise.all(entries.map((e) => ledger.record(e)));
    const ids = entries.map((e) => e.llmRequest.id);
    expect(await stored(ids)).toBe(60);
    const [row] = await sql`select computed_cost::text as cost, host(ip_address) as ip from public.llm_requests where id = ${ids[0]}`;
    expect(row).toEqual({ cost: "0.00000285", ip: "203.0.113.9" });
    const [{ n }] = await sql`select count(*)::int as n from public.ai_interactions where llm_request_id = any(${ids})`;
    expect(n).toBe(60);
  });

  it("is idempotent: the same rows recorded twice (a retry after a lost acknowledgement) land once", async () => {
    const ledger = new Ledger(() => sql);
    const e = entry();
    await ledger.record(e);
    await ledger.record(e);
    expect(await stored([e.llmRequest.id])).toBe(1);
  });

  it("moves a row Postgres rejects to the dead letters and still writes the rest of its batch", async () => {
    const errors: string[] = [];
    const ledger = new Ledger(() => sql, { onError: (m) => errors.push(m) });
    const good = [entry(), entry()];
    const bad = entry({ ...account, id: crypto.randomUUID() }); // no such account: a foreign key violation
    await Promise.all([...good, bad].map((e) => ledger.record(e)));
    expect(await stored(good.map((e) => e.llmRequest.id))).toBe(2);
    expect(await stored([bad.llmRequest.id])).toBe(0);
    const [dead] = await sql`select error, payload from private.ledger_dead_letters where request_id = ${bad.llmRequest.id}`;
    expect(dead.error).toMatch(/^23503/);
    expect(JSON.parse(dead.payload).llmRequest.id).toBe(bad.llmRequest.id);
    expect(errors.join("\n")).toContain(bad.llmRequest.id);
  });
});

describe("llm_usage_daily rollup", () => {
  it("adds every logged batch to the account's daily totals, cost exact, unpriced calls flagged", async () => {
    const fresh = await createAccount(sql);
    const ledger = new Ledger(() => sql);
    const priced = [entry(fresh), entry(fresh)];
    const unpriced = ledgerEntry(fresh, {
      llmRequest: { computed_cost: null, price_source: "unknown", unit_cost_prompt: null, unit_cost_completion: null },
    });
    await Promise.all(priced.map((e) => ledger.record(e)));
    await ledger.record(unpriced);
    const rows = await sql`
      select day::text, model, provider, request_count::int, total_tokens::int, computed_cost::text as cost,
             unpriced_count::int, latency_ms_sum::int
        from public.llm_usage_daily where account_id = ${fresh.id}`;
    expect(rows).toEqual([{
      day: new Date().toISOString().slice(0, 10), model: "openai/gpt-4o-mini", provider: "openrouter",
      request_count: 3, total_tokens: 21, cost: "0.00000570", unpriced_count: 1, latency_ms_sum: 36,
    }]);
  });
});
