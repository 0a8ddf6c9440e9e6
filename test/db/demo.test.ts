// The dashboard's demo data (scripts/lib/demo.ts): written once through the ledger, found again instead of
// duplicated, rebuilt by a reset, varied enough for every chart, and invisible across its two accounts.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoData, seedDemo } from "../../scripts/lib/demo.ts";
import { as, asRole, rpcRows } from "../helpers/fixtures.ts";
import { adminSql, dbUrl } from "../helpers/stack.ts";

const CALLS = 400;
let sql: postgres.Sql;
let demo: DemoData;

beforeAll(async () => {
  sql = adminSql();
  demo = await seedDemo(dbUrl(), { reset: true, calls: CALLS });
}, 120_000);
afterAll(() => sql.end());

const count = async (query: postgres.PendingQuery<{ n: number }[]>) => (await query)[0].n;

describe("demo seed", () => {
  it("writes the calls through the ledger: one llm_requests and one ai_interactions row each, rolled up", async () => {
    expect(demo.created).toBe(true);
    const id = demo.accounts.demo.id;
    expect(await count(sql`select count(*)::int as n from public.llm_requests where account_id = ${id}`)).toBe(CALLS);
    expect(await count(sql`select count(*)::int as n from public.ai_interactions where account_id = ${id}`)).toBe(
      CALLS,
    );
    expect(
      await count(sql`select sum(request_count)::int as n from public.llm_usage_daily where account_id = ${id}`),
    ).toBe(CALLS);
    const [mix] = await sql`
      select count(distinct model)::int as models, count(distinct provider)::int as providers,
             count(distinct country)::int as countries, count(distinct user_id)::int as users,
             count(distinct end_user)::int as end_users, count(distinct api_key_id)::int as keys,
             count(distinct agent_instance_id)::int as instances, count(distinct properties ->> 'feature')::int as features,
             count(*) filter (where completion_status = 'error')::int as errors,
             count(*) filter (where time_to_first_token_ms is not null)::int as streams,
             count(*) filter (where computed_cost > 0)::int as priced,
             max(created_at) <= now() and min(created_at) >= now() - interval '30 days' as last_30_days
        from public.llm_requests where account_id = ${id}`;
    expect(mix).toMatchObject({ providers: 3, keys: 2, instances: 2, features: 5, last_30_days: true });
    expect(mix.models).toBeGreaterThanOrEqual(6);
    expect(mix.countries).toBeGreaterThanOrEqual(6);
    expect(mix.users).toBeGreaterThanOrEqual(5);
    expect(mix.end_users).toBeGreaterThanOrEqual(10);
    expect(mix.errors).toBeGreaterThan(0);
    expect(mix.streams).toBeGreaterThan(CALLS / 4);
    expect(mix.priced).toBeGreaterThan(CALLS * 0.9);
  });

  it("has feature rows linked to their calls, ratings, an escalated chat for the reviewer, and sessions", async () => {
    const id = demo.accounts.demo.id;
    const [f] = await sql`
      select (select count(*)::int from public.ai_mentor_chats c join public.llm_requests r on r.id = c.llm_request_id
               where c.account_id = ${id}) as mentor,
             (select count(*)::int from public.ai_mentor_chats where account_id = ${id} and student_rating is not null)
               as rated,
             (select count(*)::int from public.guru_interactions where org_id = ${id}) as guru,
             (select count(*)::int from public.employee_twin_interactions where org_id = ${id}) as twin,
             (select count(*)::int from public.sessions where account_id = ${id}) as sessions,
             (select count(*)::int from public.messages where account_id = ${id}) as messages,
             (select count(*)::int from public.profiles where account_id = ${id}) as profiles`;
    expect(f.mentor).toBeGreaterThan(20);
    expect(f.rated).toBeGreaterThan(0);
    expect(f.guru).toBeGreaterThan(0);
    expect(f.twin).toBeGreaterThan(0);
    expect(f.sessions).toBeGreaterThan(10);
    expect(f.messages).toBeGreaterThan(f.sessions);
    expect(f.profiles).toBeGreaterThan(0);
    const queue = await asRole(
      sql,
      as(demo.reviewerUser),
      (tx) => tx`select escalated_to_trainer from public.mentor_review_queue where account_id = ${id}`,
    );
    expect(queue.some((q) => q.escalated_to_trainer)).toBe(true);
  });

  it("the other account's viewer sees none of the demo account's rows, and their own", async () => {
    const range = { account_id: demo.accounts.demo.id, from: new Date(Date.now() - 40 * 86_400_000), to: new Date() };
    expect(await rpcRows(sql, as(demo.otherViewer), "llm_analytics", range)).toEqual([]);
    const own = await rpcRows(sql, as(demo.otherViewer), "llm_analytics", {
      ...range,
      account_id: demo.accounts.other.id,
      bucket: "all",
    });
    expect(Number(own[0].requests)).toBe(
      await count(sql`select count(*)::int as n from public.llm_requests where account_id = ${demo.accounts.other.id}`),
    );
  });

  it("finds the demo instead of writing it again, and a reset rebuilds it", async () => {
    const again = await seedDemo(dbUrl(), { calls: CALLS });
    expect(again.created).toBe(false);
    expect(again.accounts).toEqual(demo.accounts);
    expect(again.demoUser).toEqual(demo.demoUser);
    const reset = await seedDemo(dbUrl(), { reset: true, calls: 50 });
    expect(reset.created).toBe(true);
    expect(reset.accounts.demo.id).not.toBe(demo.accounts.demo.id);
    const n = await count(
      sql`select count(*)::int as n from public.llm_requests where account_id = ${reset.accounts.demo.id}`,
    );
    expect(n).toBe(50);
    expect(await count(sql`select count(*)::int as n from public.accounts where slug in ('demo', 'other')`)).toBe(2);
    const token = await reset.mintJwt(reset.demoUser);
    expect(token.split(".")).toHaveLength(3);
    // An account that merely takes the slug is neither adopted nor deleted without a reset.
    await sql`delete from auth.users where id = ${reset.otherViewer.id}`;
    await expect(seedDemo(dbUrl(), { calls: 50 })).rejects.toThrow(/demo:reset/);
    expect(await count(sql`select count(*)::int as n from public.accounts where slug in ('demo', 'other')`)).toBe(2);
  }, 60_000);
});
