// A database that cannot keep up must never turn into unbounded memory: once the ledger's backlog
// reaches LEDGER_MAX_BACKLOG, llm-proxy refuses new calls (503, OpenAI's shape, nothing forwarded)
// and /health says degraded, reporting the backlog and the dead letters. Here the ledger is held
// up by a row lock on this test's API key (its batch also stamps the key's last_used_at), which
// stalls this account's writes only.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerText } from "../helpers/fake-provider.ts";
import { holdLock, waitFor } from "../helpers/fixtures.ts";
import { type ApiKeyStack, startWithApiKey, stopStack } from "../helpers/stack.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

let { sql, fake, fns, account, apiKey, client } = {} as ApiKeyStack;

const MAX_BACKLOG = 3;

beforeAll(async () => {
  ({ sql, fake, fns, account, apiKey, client } = await startWithApiKey({
    OPENROUTER_API_KEY: "sk-or-v1-security-backlog-test-key-0123456789",
    LEDGER_MAX_BACKLOG: String(MAX_BACKLOG),
  }));
});

afterAll(() => stopStack({ sql, fake, fns }));

async function health(): Promise<{ status: number; body: LooseObject }> {
  const res = await fetch(`${fns.url}/health`);
  return { status: res.status, body: await res.json() };
}

/** `read()` once `done` holds for it (at most 15 s). */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  return (await waitFor(async () => {
    const value = await read();
    return done(value) && { value };
  }, { timeoutMs: 15_000, what })).value;
}

const call = (content: string) =>
  client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content }] });

describe("security: the ledger's backlog is bounded", () => {
  it("503 for new calls once the backlog is full, degraded /health, recovery once it drains", async () => {
    const before = await health();
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({
      status: "ok",
      ledger: { backlog: 0, max_backlog: MAX_BACKLOG, full: false, stalled: false },
    });
    expect(before.body.ledger.dead_letters).toEqual(expect.any(Number));

    const lock = await holdLock(sql, (tx) => tx`select 1 from public.api_keys where id = ${apiKey.id} for update`);
    try {
      for (let i = 0; i < MAX_BACKLOG; i++) {
        expect((await call(`queued ${i}`)).choices[0].message.content).toBe(answerText(6));
      }
      const full = await until(health, (h) => h.body.ledger.backlog >= MAX_BACKLOG, "a full backlog");
      expect(full.status).toBe(503);
      expect(full.body).toMatchObject({
        status: "degraded",
        database: { reachable: true },
        ledger: { backlog: MAX_BACKLOG, full: true },
      });

      const forwarded = fake.requestCount();
      const err = await call("one too many").catch((e) => e);
      expect(err).toBeInstanceOf(OpenAI.InternalServerError);
      expect(err.status).toBe(503);
      expect(err.error).toMatchObject({ code: "ledger_backlog_full", type: "server_error" });
      expect(err.headers.get("retry-after")).toBe("5");
      expect(fake.requestCount()).toBe(forwarded);
    } finally {
      await lock.release();
    }

    const drained = await until(health, (h) => h.body.ledger.backlog === 0, "the backlog to drain");
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ status: "ok", ledger: { full: false } });
    expect((await call("after the drain")).choices[0].message.content).toBe(answerText(6));
    const rows = await until(
      async () =>
        (await sql`select count(*)::int as n from public.llm_requests where account_id = ${account.id}`)[0].n as number,
      (n) => n >= MAX_BACKLOG + 1,
      "the rows",
    );
    // Exactly one row per answered call; the refused call has none.
    await new Promise((r) => setTimeout(r, 200));
    const [{ n }] = await sql`select count(*)::int as n from public.llm_requests where account_id = ${account.id}`;
    expect([rows, n]).toEqual([MAX_BACKLOG + 1, MAX_BACKLOG + 1]);
  });

  it("reports the dead-letter count from the database", async () => {
    const [{ dead }] = await sql`select count(*)::int as dead from private.ledger_dead_letters`;
    const { body } = await health();
    // Other suites may dead-letter rows meanwhile, never remove them.
    expect(body.ledger.dead_letters).toBeGreaterThanOrEqual(dead);
    const [{ after }] = await sql`select count(*)::int as after from private.ledger_dead_letters`;
    expect(body.ledger.dead_letters).toBeLessThanOrEqual(after);
  });
});
