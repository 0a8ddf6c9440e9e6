// Retention and monthly partitions: private.run_log_maintenance() removes what each account's
// retention_days has expired (whole partitions when every account allows, else batched deletes),
// keeps younger rows, other accounts' rows and every rollup, and never stops the ledger.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../functions/_shared/ledger/writer.ts";
import { createAccount, type TestAccount } from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { throwawayDatabase, type ThrowawayDb } from "../../scripts/lib/throwaway-db.ts";

// A database of its own: dropping and attaching partitions takes locks on the log tables that would
// make the other test files' reads and writes wait on (or deadlock with) this file's upkeep runs.
let db: ThrowawayDb;
let sql: postgres.Sql;
let a: TestAccount; // retention 30 days
let b: TestAccount; // keeps everything

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

async function logAt(acct: TestAccount, at: string, count = 1): Promise<string[]> {
  const ids: string[] = [];
  await sql.begin(async (tx) => {
    for (let i = 0; i < count; i++) {
      const [r] = await tx`
        insert into public.llm_requests (account_id, created_at, completion_status, model, total_tokens, latency_ms,
                                         computed_cost, price_source)
        values (${acct.id}, ${at}, 'complete', 'gpt-4o-mini', 10, 100, 0.001, 'model_prices') returning id`;
      await tx`
        insert into public.ai_interactions (account_id, "timestamp", llm_request_id, request, model_name)
        values (${acct.id}, ${at}, ${r.id}, ${tx.json({ messages: [] })}, 'gpt-4o-mini')`;
      ids.push(r.id as string);
    }
  });
  return ids;
}

const count = async (table: string, acct: TestAccount) =>
  (await sql.unsafe(`select count(*)::int as n from public.${table} where account_id = $1`, [acct.id]))[0].n as number;

const maintenance = async (batch = 5000) =>
  (await sql`select private.run_log_maintenance(${batch}) as r`)[0].r as Record<string, unknown>;

const rollups = async (acct: TestAccount) =>
  (await sql`
  select (select sum(request_count)::int from public.llm_usage_hourly
           where account_id = ${acct.id} and dimension = 'all') as hourly,
         (select sum(request_count)::int from public.llm_usage_daily where account_id = ${acct.id}) as daily`)[0];

beforeAll(async () => {
  db = await throwawayDatabase();
  sql = postgres(db.url, { max: 4, onnotice: () => {} });
  a = await createAccount(sql);
  b = await createAccount(sql);
  await sql`update public.account_settings set retention_days = 30 where account_id = ${a.id}`;
});
afterAll(async () => {
  await sql?.end();
  await db?.stop();
});

describe("partitions", () => {
  it("llm_requests and ai_interactions are partitioned by month, with partitions ahead of time", async () => {
    const rows = await sql`
      select p.relname as parent, count(*)::int as n,
             bool_or(c.relname = p.relname || '_'
                     || to_char(now() at time zone 'UTC' + interval '2 months', 'YYYY_MM')) as ahead
        from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
       where p.relname in ('llm_requests', 'ai_interactions') group by 1 order by 1`;
    expect(rows.map((r) => [r.parent, r.ahead])).toEqual([["ai_interactions", true], ["llm_requests", true]]);
    expect(rows.every((r) => r.n >= 5)).toBe(true);
  });

  it("a month that has ended is not created again (retention's drop of an empty month sticks)", async () => {
    // Rolled back: last month's partition is set aside as if retention had dropped it.
    const recreated = await sql.begin(async (tx) => {
      // Parent first, as inserts lock it (then the partition): other files keep logging meanwhile.
      await tx`lock table public.llm_requests in access exclusive mode`;
      const [{ name }] = await tx`
        select 'llm_requests_'
               || to_char(date_trunc('month', now() at time zone 'UTC') - interval '1 month', 'YYYY_MM') as name`;
      await tx`select private.create_log_partition('llm_requests', (now() - interval '1 month')::date)`;
      await tx.unsafe(`alter table public.llm_requests detach partition private.${name}`);
      await tx.unsafe(`alter table private.${name} rename to set_aside_${name}`);
      // Rows of that month waiting in the default partition would rightly bring it back.
      await tx`
        delete from private.llm_requests_default
         where created_at >= date_trunc('month', now() at time zone 'UTC') - interval '1 month'`;
      await tx`select private.ensure_log_partitions()`;
      const [{ t }] = await tx`select to_regclass(${`private.${name}`})::text as t`;
      throw Object.assign(new Error("rollback"), { recreated: t });
    }).catch((e: { recreated?: string | null }) => e.recreated);
    expect(recreated).toBeNull();
  });

  it("a back-dated row waits in the default partition, then moves to its own month", async () => {
    const [id] = await logAt(b, "2003-07-15T12:00:00Z");
    const where = async () =>
      (await sql`select tableoid::regclass::text as t from public.llm_requests where id = ${id}`)[0].t as string;
    expect(await where()).toBe("private.llm_requests_default");
    const before = await rollups(b);
    await maintenance();
    expect(await where()).toBe("private.llm_requests_2003_07");
    expect(await rollups(b)).toEqual(before);
  });
});

describe("retention", () => {
  it("deletes rows older than the account's retention and keeps the rest, the rollups and other accounts", async () => {
    await logAt(a, daysAgo(60), 2);
    const young = await logAt(a, daysAgo(10));
    await logAt(b, daysAgo(60));
    const [session] = await sql`
      insert into public.sessions (account_id, session_key) values (${a.id}, ${"ab".repeat(32)}) returning id`;
    await sql`
      insert into public.messages (session_id, account_id, role, content, created_at)
      values (${session.id}, ${a.id}, 'human', 'old', ${daysAgo(45)}),
             (${session.id}, ${a.id}, 'human', 'new', ${daysAgo(1)})`;
    await sql`
      insert into public.ai_mentor_chats (account_id, user_id, question, response, created_at)
      values (${a.id}, ${a.owner.id}, 'old question', 'old answer', ${daysAgo(45)}),
             (${a.id}, ${a.owner.id}, 'new question', 'new answer', ${daysAgo(1)})`;
    await sql`
      insert into public.guru_interactions (org_id, student_id, agent_type, input, output, model_used, created_at)
      values (${a.id}, ${a.owner.id}, 'career_guru', '{"q":1}', '{"a":1}', 'm', ${daysAgo(45)})`;
    await sql`
      insert into public.employee_twin_interactions (org_id, user_id, twin_role, interaction_type, prompt, response,
                                                     created_at)
      values (${a.id}, ${a.owner.id}, 'analyst', 'suggestion', 'old prompt', 'old answer', ${daysAgo(45)})`;
    const rollupsA = await rollups(a);
    const rollupsB = await rollups(b);

    await maintenance();

    expect((await sql`select id from public.llm_requests where account_id = ${a.id}`).map((r) => r.id)).toEqual(young);
    expect(await count("ai_interactions", a)).toBe(1);
    expect((await sql`select content from public.messages where session_id = ${session.id}`).map((r) => r.content))
      .toEqual(["new"]);
    expect(
      await sql`
      select question, response from public.ai_mentor_chats where account_id = ${a.id} order by created_at`,
    )
      .toEqual([{ question: "", response: "" }, { question: "new question", response: "new answer" }]);
    expect(await sql`select input, output from public.guru_interactions where org_id = ${a.id}`)
      .toEqual([{ input: {}, output: {} }]);
    expect(await sql`select prompt, response, context from public.employee_twin_interactions where org_id = ${a.id}`)
      .toEqual([{ prompt: null, response: "", context: null }]);
    // B keeps everything: its 60-day-old row (and the 2003 one) stay.
    expect(await count("llm_requests", b)).toBe(2);
    expect(await count("ai_interactions", b)).toBe(2);
    expect(await rollups(a)).toEqual(rollupsA);
    expect(await rollups(b)).toEqual(rollupsB);
  });

  it("drops a whole month once every account with rows in it has expired it", async () => {
    const c = await createAccount(sql);
    await sql`update public.account_settings set retention_days = 1 where account_id = ${c.id}`;
    await logAt(c, "2001-02-10T00:00:00Z", 3);
    const result = await maintenance();
    expect(result.partitions_dropped)
      .toEqual(expect.arrayContaining(["llm_requests_2001_02", "ai_interactions_2001_02"]));
    const [gone] = await sql`select to_regclass('private.llm_requests_2001_02') as t`;
    expect(gone.t).toBeNull();
    expect(await count("llm_requests", c)).toBe(0);
    // A month another account keeps (b's 2003-07 row, retention forever) is never dropped.
    const [kept] = await sql`select to_regclass('private.llm_requests_2003_07')::text as t`;
    expect(kept.t).toBe("private.llm_requests_2003_07");
  });

  it("is safe to run twice at once: the second caller returns without doing anything", async () => {
    const held = sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('private.run_log_maintenance'))`;
      const second = await maintenance();
      expect(second).toEqual({ skipped: true });
    });
    await held;
  });

  it("the ledger keeps logging while a purge deletes in batches", async () => {
    const d = await createAccount(sql);
    await sql`update public.account_settings set retention_days = 1 where account_id = ${d.id}`;
    await sql`
      insert into public.llm_requests (account_id, created_at, completion_status, model)
      select ${d.id}, now() - interval '3 days' - (g * interval '1 second'), 'complete', 'gpt-4o-mini'
        from generate_series(1, 3000) g`;
    const ledger = new Ledger(() => sql, { maxBatch: 10 });
    const entries = Array.from({ length: 100 }, () => ledgerEntry(b));
    const [purge] = await Promise.all([
      maintenance(50),
      Promise.all(entries.map((e) => ledger.record(e))),
    ]);
    expect((purge.purged as Record<string, number>).llm_requests).toBeGreaterThanOrEqual(1000);
    const [{ n }] = await sql`
      select count(*)::int as n from public.llm_requests where id = any(${entries.map((e) => e.llmRequest.id)})`;
    expect(n).toBe(100);
    expect(ledger.status().deadLettered).toBe(0);
    // 50 rows x 20 batches per run: the rest goes on the next runs.
    while ((await count("llm_requests", d)) > 0) await maintenance(1000);
    expect(await count("llm_requests", d)).toBe(0);
  });
});

describe("settings", () => {
  it("retention_days must be positive; account managers set it, plain members cannot", async () => {
    await expect(sql`update public.account_settings set retention_days = 0 where account_id = ${a.id}`)
      .rejects.toMatchObject({ code: "23514" });
    const [col] = await sql`
      select has_column_privilege('authenticated', 'public.account_settings', 'retention_days', 'update') as ok`;
    expect(col.ok).toBe(true);
  });
});
