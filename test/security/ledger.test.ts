// The ledger under hostile rows, against real Postgres: one unstorable row never stalls anyone's
// logging, NUL and lone surrogates never make a row unstorable, dead letters hold any payload,
// only a lost connection is "database down", and the backlog is bounded.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger, type LedgerEntry } from "../../functions/_shared/ledger/writer.ts";
import { DEPTH_PLACEHOLDER, MAX_JSON_DEPTH } from "../../functions/_shared/http/limits.ts";
import { deepJson } from "../helpers/fake-provider.ts";
import { createAccount, type TestAccount, waitFor } from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;
/** Nothing listens on port 1: every statement fails with ECONNREFUSED. */
let down: postgres.Sql;
let account: TestAccount;
let other: TestAccount;

beforeAll(async () => {
  sql = adminSql();
  down = postgres("postgresql://postgres:postgres@127.0.0.1:1/postgres", { max: 1, connect_timeout: 2 });
  [account, other] = await Promise.all([createAccount(sql), createAccount(sql)]);
});
afterAll(async () => {
  await down.end({ timeout: 1 });
  await sql.end();
});

const entry = (a = account): LedgerEntry => ledgerEntry(a);

const stored = async (ids: string[]) =>
  (await sql`select count(*)::int as n from public.llm_requests where id = any(${ids})`)[0].n as number;

const deadLetters = (id: string) =>
  sql`select error, payload from private.ledger_dead_letters where request_id = ${id}`;

/** Fails instead of hanging when the ledger never settles (the old ledger retried bad rows forever). */
function settled<T>(p: Promise<T>, ms = 15_000): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`ledger did not settle within ${ms} ms`)), ms)),
  ]);
}

/** 3,000 random CJK characters (9 KB of UTF-8 that does not compress): too big for a btree index entry. */
const giantModel = () =>
  Array.from({ length: 3000 }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))).join("");

describe("ledger: one bad row never stops logging", () => {
  it("splits a batch around a row Postgres refuses (54000): others land, it is dead-lettered", async () => {
    const errors: string[] = [];
    const ledger = new Ledger(() => sql, { retryDelaysMs: [20], onError: (m) => errors.push(m) });
    const good = Array.from({ length: 7 }, () => entry());
    const bad = entry();
    bad.llmRequest.model = giantModel();
    bad.interaction!.model_name = bad.llmRequest.model;
    await settled(Promise.all([...good.slice(0, 3), bad, ...good.slice(3)].map((e) => ledger.record(e))));

    expect(await stored(good.map((e) => e.llmRequest.id))).toBe(7);
    expect(await stored([bad.llmRequest.id])).toBe(0);
    const dead = await deadLetters(bad.llmRequest.id);
    expect(dead).toHaveLength(1);
    expect(dead[0].error).toMatch(/^54000/);
    expect(JSON.parse(dead[0].payload).llmRequest.model).toBe(bad.llmRequest.model);
    // Queued as its JSON text only (nothing to escape): the dead letter is still the whole entry.
    expect(JSON.parse(dead[0].payload)).toEqual({ feature: null, ...JSON.parse(JSON.stringify(bad)) });
    expect(ledger.status()).toMatchObject({ backlog: 0, deadLettered: 1, lost: 0, full: false });

    // The ledger keeps going: a later call of another account is logged.
    const later = entry(other);
    await settled(ledger.record(later));
    expect(await stored([later.llmRequest.id])).toBe(1);
    expect(errors.join("\n")).not.toMatch(/database unavailable/);
  });

  it("stores NUL and lone surrogates anywhere in a row as U+FFFD: exactly one row, nothing dead-lettered", async () => {
    const ledger = new Ledger(() => sql, { retryDelaysMs: [20] });
    const e = entry();
    Object.assign(e.llmRequest, {
      end_user: "end\u0000user",
      conversation_id: "conv\u0000",
      properties: { "k\u0000": "v\u0000", lone: "\ud800x" },
      error_message: "oops\u0000",
      completion_status: "error",
    });
    // The bodies' one copy is the interaction's; llm_requests.request_body / response_body read it.
    Object.assign(e.interaction!, {
      request: {
        messages: [{ role: "user", content: "hi\u0000 there" }],
        x_extra: { "\u0000": ["\u0000"] },
        literal: "\\u0000",
      },
      response: { choices: [{ message: { content: "answer\u0000" } }], pair: "🚀" },
      error_message: "oops\u0000",
    });
    await settled(ledger.record(e));

    const rows = await sql`
      select r.end_user, r.conversation_id, r.properties, r.request_body, r.response_body, r.error_message
        from public.llm_requests r where r.id = ${e.llmRequest.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual({
      end_user: "end\ufffduser",
      conversation_id: "conv\ufffd",
      properties: { "k\ufffd": "v\ufffd", lone: "\ufffdx" },
      // A backslash followed by the text u0000 is not a NUL and stays as written.
      request_body: {
        messages: [{ role: "user", content: "hi\ufffd there" }],
        x_extra: { "\ufffd": ["\ufffd"] },
        literal: "\\u0000",
      },
      response_body: { choices: [{ message: { content: "answer\ufffd" } }], pair: "🚀" },
      error_message: "oops\ufffd",
    });
    const [{ n }] =
      await sql`select count(*)::int as n from public.ai_interactions where llm_request_id = ${e.llmRequest.id}`;
    expect(n).toBe(1);
    expect(await deadLetters(e.llmRequest.id)).toHaveLength(0);
  });

  it("dead-letters any payload: a row with NULs (kept escaped) and 5,000-deep JSON (cut, marked)", async () => {
    const ledger = new Ledger(() => sql, { retryDelaysMs: [20], onError: () => {} });
    const bad = entry();
    bad.llmRequest.account_id = crypto.randomUUID(); // no such account: a foreign key violation
    bad.interaction!.account_id = bad.llmRequest.account_id;
    bad.llmRequest.properties = { nul: "a\u0000b" };
    bad.interaction!.request = { deep: deepJson(5000) } as never;
    await settled(ledger.record(bad));
    const dead = await deadLetters(bad.llmRequest.id);
    expect(dead).toHaveLength(1);
    const payload = JSON.parse(dead[0].payload);
    expect(payload.llmRequest.properties.nul).toBe("a\u0000b");
    // Too deep for JSON.stringify's recursion here: stored down to MAX_JSON_DEPTH, then marked.
    let depth = 0;
    let v = payload.interaction.request.deep;
    for (; typeof v === "object"; v = v.a) depth++;
    expect(depth).toBe(MAX_JSON_DEPTH - 3);
    expect(v).toBe(DEPTH_PLACEHOLDER);
    expect(ledger.status()).toMatchObject({ backlog: 0, deadLettered: 1, lost: 0 });
  });
  it("dead-letters a row too deep to encode as JSON alone; the rest of its batch lands", async () => {
    const errors: string[] = [];
    const ledger = new Ledger(() => sql, { retryDelaysMs: [20], onError: (m) => errors.push(m) });
    const good = [entry(), entry()];
    const deep = entry();
    deep.interaction!.response = { deep: deepJson(5000) } as never;
    await settled(Promise.all([good[0], deep, good[1]].map((e) => ledger.record(e))));
    expect(await stored(good.map((e) => e.llmRequest.id))).toBe(2);
    expect(await stored([deep.llmRequest.id])).toBe(0);
    expect(await deadLetters(deep.llmRequest.id)).toHaveLength(1);
    expect(errors.join("\n")).toContain(deep.llmRequest.id);
    expect(ledger.status()).toMatchObject({ backlog: 0, deadLettered: 1, lost: 0 });
  });
});

describe("ledger: only a lost connection is 'database down'", () => {
  it("keeps rows queued while the connection is refused, writes them once it is back", async () => {
    const errors: string[] = [];
    let current = down;
    const ledger = new Ledger(() => current, { retryDelaysMs: [50], onError: (m) => errors.push(m) });
    const e = entry();
    const done = ledger.record(e);
    await waitFor(() => errors.some((m) => m.includes("database unavailable")), {
      intervalMs: 20,
      what: "the ledger to report the database unavailable",
    });
    expect(errors.join("\n")).toMatch(/database unavailable.*ECONNREFUSED/);
    expect(ledger.status()).toMatchObject({ backlog: 1, deadLettered: 0 });
    current = sql;
    await settled(done);
    expect(await stored([e.llmRequest.id])).toBe(1);
    expect(await deadLetters(e.llmRequest.id)).toHaveLength(0);
  });

  it("retries a server shutting down (57P01) but dead-letters any other error", async () => {
    const failures = [{ code: "57P01", message: "terminating connection due to administrator command" }];
    const flaky = new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === "unsafe" && failures.length > 0) {
          const failure = failures.shift()!;
          return () => Promise.reject(Object.assign(new Error(failure.message), { code: failure.code }));
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const ledger = new Ledger(() => flaky, { retryDelaysMs: [20], onError: () => {} });
    const first = entry();
    await settled(ledger.record(first));
    expect(await stored([first.llmRequest.id])).toBe(1);
    expect(ledger.status().deadLettered).toBe(0);

    // An internal error (XX000) is no outage: the row goes to dead letters instead of blocking.
    failures.push({ code: "XX000", message: "unexpected internal error" });
    const second = entry();
    await settled(ledger.record(second));
    const dead = await deadLetters(second.llmRequest.id);
    expect(dead.map((d) => d.error)).toEqual(["XX000: unexpected internal error"]);
  });

  it("tries a batch again after a deadlock or lock timeout instead of dead-lettering its rows", async () => {
    const failures = [
      { code: "40P01", message: "deadlock detected" },
      { code: "55P03", message: "canceling statement due to lock timeout" },
    ];
    const flaky = new Proxy(sql, {
      get(target, prop, receiver) {
        if (prop === "unsafe" && failures.length > 0) {
          const failure = failures.shift()!;
          return () => Promise.reject(Object.assign(new Error(failure.message), { code: failure.code }));
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const ledger = new Ledger(() => flaky, { retryDelaysMs: [20], onError: () => {} });
    const rows = [entry(), entry()];
    await settled(Promise.all(rows.map((e) => ledger.record(e))));
    expect(await stored(rows.map((e) => e.llmRequest.id))).toBe(2);
    expect(ledger.status().deadLettered).toBe(0);
    expect(await deadLetters(rows[0].llmRequest.id)).toHaveLength(0);
  });
});

describe("ledger: bounded backlog", () => {
  it("is full once the backlog reaches its limit, and not once it drains", async () => {
    let current = down;
    const ledger = new Ledger(() => current, { maxBacklog: 3, retryDelaysMs: [50], onError: () => {} });
    const entries = [entry(), entry(), entry()];
    const done = entries.slice(0, 2).map((e) => ledger.record(e));
    expect(ledger.full).toBe(false);
    done.push(ledger.record(entries[2]));
    expect(ledger.full).toBe(true);
    expect(ledger.status()).toMatchObject({ backlog: 3, maxBacklog: 3, full: true });
    current = sql;
    await settled(Promise.all(done));
    expect(ledger.status()).toMatchObject({ backlog: 0, full: false, stalled: false });
    expect(await stored(entries.map((e) => e.llmRequest.id))).toBe(3);
  });

  it("reports a stall when rows are queued and nothing has been stored for a while", async () => {
    let current = down;
    const ledger = new Ledger(() => current, { stallAfterMs: 100, retryDelaysMs: [20], onError: () => {} });
    const done = ledger.record(entry());
    expect(ledger.status().stalled).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(ledger.status().stalled).toBe(true);
    current = sql;
    await settled(done);
    expect(ledger.status().stalled).toBe(false);
  });
});
