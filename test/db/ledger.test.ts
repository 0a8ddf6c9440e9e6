// The ledger's write path against real Postgres: batches, idempotent retries, dead letters.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FeatureRow, Ledger, type LedgerEntry } from "../../functions/_shared/ledger/writer.ts";
import { createAccount, createUser, type TestAccount } from "../helpers/fixtures.ts";
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

// Statements the ledger sends, counted through a wrapper of the real connection.
function counted(): { sql: () => postgres.Sql; statements: () => number } {
  let n = 0;
  const wrapper = new Proxy(sql, {
    get: (target, prop) =>
      prop === "unsafe"
        ? (...args: Parameters<postgres.Sql["unsafe"]>) => (n++, target.unsafe(...args))
        : Reflect.get(target, prop),
  });
  return { sql: () => wrapper, statements: () => n };
}

/** "stored" when the write settles within 5 s, "late" otherwise (a lingering batch would wait a minute). */
const storedOrLate = (write: Promise<unknown>) =>
  Promise.race([write.then(() => "stored"), new Promise((r) => setTimeout(() => r("late"), 5_000))]);

describe("Ledger", () => {
  it("writes concurrent calls in batches, every row exactly once, cost as exact numeric", async () => {
    const ledger = new Ledger(() => sql, { maxBatch: 25 });
    const entries = Array.from({ length: 60 }, () => entry());
    await Promise.all(entries.map((e) => ledger.record(e)));
    const ids = entries.map((e) => e.llmRequest.id);
    expect(await stored(ids)).toBe(60);
    const [row] =
      await sql`select computed_cost::text as cost, host(ip_address) as ip from public.llm_requests where id = ${
        ids[0]
      }`;
    expect(row).toEqual({ cost: "0.00000285", ip: "203.0.113.9" });
    const [{ n }] = await sql`select count(*)::int as n from public.ai_interactions where llm_request_id = any(${ids})`;
    expect(n).toBe(60);
  });

  it("lingers: calls finishing a few milliseconds apart share one statement", async () => {
    const c = counted();
    const ledger = new Ledger(c.sql, { lingerMs: 500 });
    const entries = Array.from({ length: 5 }, () => entry());
    const done: Promise<void>[] = [];
    for (const e of entries) {
      done.push(ledger.record(e));
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(done);
    expect(await stored(entries.map((e) => e.llmRequest.id))).toBe(5);
    expect(c.statements()).toBe(1);
  });

  it("lingers after a batch too: rows queued while a statement runs wait for the next few", async () => {
    const later: Promise<void>[] = [];
    let ledger: Ledger | null = null;
    let n = 0;
    const wrapper = new Proxy(sql, {
      get: (target, prop) =>
        prop === "unsafe"
          ? (...args: Parameters<postgres.Sql["unsafe"]>) => {
            // While the first statement runs, one call finishes now and one 50 ms later.
            if (n++ === 0 && ledger) {
              const l = ledger;
              later.push(l.record(entry()), new Promise((r) => setTimeout(r, 50)).then(() => l.record(entry())));
            }
            return target.unsafe(...args);
          }
          : Reflect.get(target, prop),
    });
    ledger = new Ledger(() => wrapper, { lingerMs: 300 });
    await ledger.record(entry());
    await Promise.all(later);
    expect(later).toHaveLength(2);
    expect(n).toBe(2);
  });

  it("writes a full batch at once instead of lingering", async () => {
    const c = counted();
    const ledger = new Ledger(c.sql, { lingerMs: 60_000, maxBatch: 3 });
    const entries = Array.from({ length: 3 }, () => entry());
    await Promise.all(entries.map((e) => ledger.record(e)));
    expect(await stored(entries.map((e) => e.llmRequest.id))).toBe(3);
    expect(c.statements()).toBe(1);
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
    const [dead] =
      await sql`select error, payload from private.ledger_dead_letters where request_id = ${bad.llmRequest.id}`;
    expect(dead.error).toMatch(/^23503/);
    expect(JSON.parse(dead.payload).llmRequest.id).toBe(bad.llmRequest.id);
    expect(errors.join("\n")).toContain(bad.llmRequest.id);
  });
});

describe("feature rows in the ledger batch", () => {
  /** An entry whose call fed each feature table once. */
  function featureEntries(userId: string, cost: string | null, courseId: string | null = null): LedgerEntry[] {
    const rows: FeatureRow[] = [
      {
        table: "ai_mentor_chats",
        row: {
          id: crypto.randomUUID(),
          account_id: account.id,
          user_id: userId,
          question: "Q",
          response: "A",
          question_hash: "h",
          course_id: courseId,
          conversation_id: "c",
        },
      },
      {
        table: "guru_interactions",
        row: {
          id: crypto.randomUUID(),
          org_id: account.id,
          student_id: userId,
          agent_type: "tech_guru",
          input: { q: 1 },
          output: { a: 1 },
        },
      },
      {
        table: "employee_twin_interactions",
        row: {
          id: crypto.randomUUID(),
          org_id: account.id,
          user_id: userId,
          twin_role: "analyst",
          interaction_type: "tip",
          response: "R",
        },
      },
    ];
    return rows.map((feature) => {
      const e = entry();
      e.llmRequest.computed_cost = cost;
      e.llmRequest.latency_ms = 321;
      e.llmRequest.user_id = userId;
      feature.row.llm_request_id = e.llmRequest.id;
      return { ...e, feature };
    });
  }

  function featureRows(entries: LedgerEntry[]) {
    const ids = entries.map((e) => e.llmRequest.id);
    return sql`
      select 'mentor' as kind, model, tokens_used, cost_usd::text as cost, response_time_ms as latency, course_id
        from public.ai_mentor_chats where llm_request_id = any(${ids})
      union all
      select 'guru', model_used, tokens_used, cost_usd::text, latency_ms, null from public.guru_interactions
       where llm_request_id = any(${ids})
      union all
      select 'twin', model_used, tokens_used, cost_usd::text, latency_ms, null from public.employee_twin_interactions
       where llm_request_id = any(${ids})
      order by 1`;
  }

  it("stores them in the same single statement, with the ledger row's model, tokens, cost and latency", async () => {
    const user = await createUser(sql);
    const c = counted();
    const ledger = new Ledger(c.sql);
    const entries = featureEntries(user.id, "0.00000285");
    await Promise.all(entries.map((e) => ledger.record(e)));
    expect(c.statements()).toBe(1);
    const expected = { model: "openai/gpt-4o-mini", tokens_used: 7, cost: "0.00000285", latency: 321 };
    expect(await featureRows(entries)).toEqual([
      { kind: "guru", ...expected, course_id: null },
      { kind: "mentor", ...expected, course_id: null },
      { kind: "twin", ...expected, course_id: null },
    ]);
  });

  it("writes a batch holding a feature row at once (its function answers only once it is stored)", async () => {
    const user = await createUser(sql);
    const c = counted();
    const ledger = new Ledger(c.sql, { lingerMs: 60_000 });
    const plain = entry();
    // The plain row lingers until the feature row arrives, then both go in one statement.
    expect(await storedOrLate(Promise.all([ledger.record(plain), ledger.record(featureEntries(user.id, "0.1")[0])])))
      .toBe("stored");
    expect(c.statements()).toBe(1);
  });

  it("writes an awaited row at once (its caller, e.g. ingest, answers only once it is stored)", async () => {
    const ledger = new Ledger(() => sql, { lingerMs: 60_000 });
    expect(await storedOrLate(ledger.record(entry(), { awaited: true }))).toBe("stored");
  });

  it("keeps an unknown cost unknown (null, never 0), and a retried batch adds no second row", async () => {
    const user = await createUser(sql);
    const ledger = new Ledger(() => sql);
    const entries = featureEntries(user.id, null);
    await Promise.all(entries.map((e) => ledger.record(e)));
    await Promise.all(entries.map((e) => ledger.record(e)));
    const rows = await featureRows(entries);
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.cost)).toEqual([null, null, null]);
  });

  it("a reference to another account's course becomes null instead of failing the call's rows", async () => {
    const user = await createUser(sql);
    const other = await createAccount(sql);
    const [course] =
      await sql`insert into public.courses (account_id, title) values (${other.id}, 'theirs') returning id`;
    const ledger = new Ledger(() => sql);
    const [mentor] = featureEntries(user.id, "0.1", course.id);
    await ledger.record(mentor);
    expect(await stored([mentor.llmRequest.id])).toBe(1);
    expect((await featureRows([mentor]))[0]).toMatchObject({ kind: "mentor", course_id: null });
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
      day: new Date().toISOString().slice(0, 10),
      model: "openai/gpt-4o-mini",
      provider: "openrouter",
      request_count: 3,
      total_tokens: 21,
      cost: "0.00000570",
      unpriced_count: 1,
      latency_ms_sum: 36,
    }]);
  });
});
