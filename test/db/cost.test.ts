// llm_requests' billing columns and the llm_cost_discrepancies view, run as PostgREST would run them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSql } from "../helpers/stack.ts";
import { as, asRole, attempt, createAccount, type Sql } from "../helpers/fixtures.ts";

let sql: Sql;

beforeAll(() => {
  sql = adminSql();
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
});

async function call(accountId: string, computed: string | null, provider: string | null): Promise<string> {
  const [row] = await sql`
    insert into public.llm_requests (account_id, completion_status, model, computed_cost, provider_cost, price_source)
    values (${accountId}, 'complete', 'openai/gpt-4o-mini', ${computed}, ${provider},
            ${computed === null ? "unknown" : "model_prices"}) returning id`;
  return row.id;
}

describe("billing figure and cost discrepancies", () => {
  it("bills the provider's own figure where there is one, and lists only the account's calls beyond 1%", async () => {
    const [accountA, accountB] = [await createAccount(sql), await createAccount(sql)];
    const [a, b] = [accountA.id, accountB.id];
    const off = await call(a, "0.00021", "0.00015"); // 40% above OpenRouter's bill
    const close = await call(a, "0.0001501", "0.00015"); // within 1%
    const ours = await call(a, "0.0025", null); // OpenAI: no provider figure
    const unknown = await call(a, null, "0.00015"); // unpriced model: nothing to compare
    const otherAccount = await call(b, "0.002", "0.001");

    const rows = await sql`select id, billed_cost::text, cost_difference::text from public.llm_requests
                            where id in ${sql([off, close, ours, unknown])} order by computed_cost nulls last`;
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.billed_cost, r.cost_difference]]))).toEqual({
      [off]: ["0.00015", "0.00006"],
      [close]: ["0.00015", "0.0000001"],
      [ours]: ["0.0025", null],
      [unknown]: ["0.00015", null],
    });

    const seen = await asRole(sql, as(accountA.owner), (tx) => tx`select id from public.llm_cost_discrepancies`);
    expect(seen.map((r) => r.id)).toEqual([off]);
    const seenByB = await asRole(sql, as(accountB.owner), (tx) => tx`select id from public.llm_cost_discrepancies`);
    expect(seenByB.map((r) => r.id)).toEqual([otherAccount]);
    const anon = await attempt(sql, { role: "anon" }, (tx) => tx`select id from public.llm_cost_discrepancies`);
    expect(anon).toMatchObject({ ok: false, code: "42501" });
  });
});
