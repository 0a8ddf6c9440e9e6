// The documented reads of the ledger stay index-backed with the indexes the ledger keeps (every index
// costs each logged call a write, so the migrations keep only those a read or a cascade needs). With
// sequential scans, bitmap scans and sorts priced out, the plan names the index that serves each read
// in its order; get_ai_interactions' filters are checked in interactions-query.test.ts.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, type TestAccount } from "../helpers/fixtures.ts";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;
let account: TestAccount;

beforeAll(async () => {
  sql = adminSql();
  account = await createAccount(sql);
});
afterAll(() => sql.end());

async function plan(query: string, params: unknown[]): Promise<string> {
  return await sql.begin(async (tx) => {
    await tx.unsafe(`set local enable_seqscan = off; set local enable_bitmapscan = off; set local enable_sort = off`);
    const rows = await tx.unsafe(`explain ${query}`, params as postgres.ParameterOrJSON<never>[]);
    return rows.map((r) => r["QUERY PLAN"] as string).join("\n");
  });
}

const since = "2026-10-01T00:00:00Z";

// [what, query, index name fragment (partitions name their copies after the columns)]
const cases: Array<[string, string, string]> = [
  [
    "README: an account's latest calls since a date (supabase-js .eq/.gte/.order/.limit)",
    `select id, created_at, model, total_tokens, computed_cost, completion_status from public.llm_requests
      where account_id = $1 and created_at >= $2 order by created_at desc limit 50`,
    "_account_id_created_at_",
  ],
  [
    "an account's cost per day from raw calls (analytics bench b'')",
    `select date_trunc('day', created_at) as day, sum(computed_cost) from public.llm_requests
      where account_id = $1 and created_at >= $2 group by 1`,
    "_account_id_created_at_",
  ],
  [
    "an account's calls of one model over a window (covered: model is in the index)",
    `select created_at, latency_ms from public.llm_requests
      where account_id = $1 and created_at >= $2 and model = 'gpt-4o' order by created_at desc limit 50`,
    "_account_id_created_at_",
  ],
  [
    "an account's failed calls, newest first",
    `select id, created_at, error_code from public.llm_requests
      where account_id = $1 and created_at >= $2 and completion_status = 'error' order by created_at desc limit 50`,
    "_account_id_created_at_",
  ],
  [
    "the latest calls under RLS without an account filter",
    `select id from public.llm_requests order by created_at desc limit 50`,
    "_created_at_idx",
  ],
  [
    "llm_requests.request_body: the call's interaction by llm_request_id",
    `select i.request from public.ai_interactions i where i.llm_request_id = $1 limit 1`,
    "_llm_request_id_idx",
  ],
  [
    "llm_analytics: the hourly rollup of an account, one dimension, a window",
    `select * from public.llm_usage_hourly where account_id = $1 and dimension = 'model' and hour >= $2`,
    "llm_usage_hourly_key",
  ],
  [
    "the 30-day cost chart from llm_usage_daily",
    `select day, sum(computed_cost) from public.llm_usage_daily where account_id = $1 and day >= $2::date group by day`,
    "llm_usage_daily_account_day_model_key",
  ],
];

describe("ledger reads are index-backed", () => {
  for (const [what, query, index] of cases) {
    it(`${what}: ${index}`, async () => {
      // $1 is the account, $2 the start of the window; a query passes the ones it uses.
      const used = Math.max(0, ...[...query.matchAll(/\$(\d)/g)].map((m) => Number(m[1])));
      const params = [account.id, since].slice(0, used);
      const text = await plan(query, params);
      expect(text).toMatch(/Index (Only )?Scan/);
      expect(text).not.toMatch(/Seq Scan/);
      expect(text).toContain(index);
    });
  }
});
