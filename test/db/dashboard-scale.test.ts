// The dashboard overview on the rollup of a very large account: calls in every hour of two months, eight
// models, every latency bucket touched (denser than any real account: a 10M-row ledger's largest account
// fills at most this many rollup rows). The overview reads only rollups, so this is its worst case whatever
// the ledger's size. The bound is generous (the one second; ~0.1 s measured): it catches a query
// that scales with the data, such as the generic plan llm_analytics fell into from its sixth call (1.6 s).
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { overview } from "../../functions/_shared/dashboard/analytics.ts";
import { resolveRange } from "../../functions/_shared/dashboard/params.ts";
import { as, asRole, createAccount, type TestAccount } from "../helpers/fixtures.ts";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;
let account: TestAccount;
const MODELS = 8;
const HOURLY_CALLS = 140;

beforeAll(async () => {
  sql = adminSql();
  account = await createAccount(sql);
  // Rollup rows as the llm_requests trigger would leave them for ~200k calls over 60 days.
  await sql`
    insert into public.llm_usage_hourly (account_id, hour, dimension, value, request_count, success_count,
      error_count, prompt_tokens, completion_tokens, computed_cost, latency_count, latency_ms_sum, latency_ms_max,
      latency_histogram, ttft_count, ttft_ms_sum, ttft_ms_max, ttft_histogram)
    select ${account.id}, h, d.dimension, d.value, ${HOURLY_CALLS}, ${HOURLY_CALLS} - 5, 5, 100000, 50000, 0.5,
           ${HOURLY_CALLS}, 140000, 90000, (select array_agg((random() * 10)::bigint) from generate_series(1, 60)),
           80, 20000, 9000, (select array_agg((random() * 5)::bigint) from generate_series(1, 60))
      from generate_series(date_trunc('hour', now() - interval '60 days'), now(), interval '1 hour') h
     cross join (select 'all' as dimension, null::text as value
                 union all select 'model', 'model-' || m from generate_series(1, ${MODELS}) m) d`;
  await sql`analyze public.llm_usage_hourly`;
});
afterAll(() => sql.end());

describe("dashboard overview at scale", () => {
  it("stays under a second on every call of a session, not only the first ones", async () => {
    const times = await asRole(sql, as(account.owner), async (tx) => {
      const ms: number[] = [];
      for (let i = 0; i < 8; i++) {
        const { range, previous } = resolveRange({});
        const t0 = performance.now();
        const o = await overview(tx, account.id, range, previous);
        ms.push(performance.now() - t0);
        expect(o.daily.length).toBeGreaterThanOrEqual(30 * MODELS);
        expect(o.totals.requests).toBeGreaterThan(30 * 24 * HOURLY_CALLS - 2 * HOURLY_CALLS);
      }
      return ms;
    });
    expect(Math.max(...times.slice(1))).toBeLessThan(1000);
  });
});
