// A bounded soak: a few hundred llm-proxy calls over two accounts, mixing hostile bodies (NULs,
// JSON nested thousands deep, 3,000-character model names, invalid JSON) with hostile provider
// replies (NULs, deep JSON, cut streams, errors that echo the provider key). Every call must end
// with exactly one ledger row, nothing may land in the dead letters (all of it could be stored),
// and the provider key must appear in no answer and nowhere in the database.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deepJsonText, type FakeProvider } from "../helpers/fake-provider.ts";
import { createAccount, createApiKey, type TestAccount, waitFor } from "../helpers/fixtures.ts";
import { startWithFakeProvider, stopStack, type TestFunctions } from "../helpers/stack.ts";

let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;
const tenants: Array<{ account: TestAccount; key: string }> = [];

const CALLS = 240;
const CONCURRENCY = 8;
const MODEL = "openai/gpt-4o-mini";
const PROVIDER_KEY = "sk-or-v1-security-soak-test-key-0123456789";
const SHAPES = 12;

beforeAll(async () => {
  // Every provider error quotes the key it was sent, as some upstream errors do.
  ({ sql, fake, fns } = await startWithFakeProvider(
    { OPENROUTER_API_KEY: PROVIDER_KEY },
    { errorMessage: "Invalid request for key {key}" },
  ));
  for (let i = 0; i < 2; i++) {
    const account = await createAccount(sql);
    // 120 calls a minute each: above the free tier's request limit, which is not what this soaks.
    await sql`update public.accounts set subscription_tier = 'enterprise' where id = ${account.id}`;
    tenants.push({ account, key: (await createApiKey(sql, account)).key });
  }
});

afterAll(() => stopStack({ sql, fake, fns }));

const giantModel = () =>
  Array.from({ length: 3000 }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))).join("");

/** The body of call `i`: one of `SHAPES` hostile or ordinary shapes. */
function body(i: number): string {
  const chat = (content: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ model: MODEL, messages: [{ role: "user", content }], ...extra });
  switch (i % SHAPES) {
    case 0:
      return chat(`plain ${i}`);
    case 1:
      return chat(`plain stream ${i}`, { stream: true });
    case 2:
      return chat(`nul\u0000 in the message ${i}`, { stream: true, user: "u\u0000", metadata: { k: "\u0000" } });
    case 3:
      return chat("scenario:nul_reply");
    case 4:
      return chat("scenario:nul_reply", { stream: true });
    case 5:
      return chat("scenario:deep_reply");
    case 6:
      return chat("giant model", { model: giantModel() });
    case 7:
      return `{"model":"${MODEL}","messages":[{"role":"user","content":"deep"}],"x":${deepJsonText(3000)}}`;
    case 8:
      return chat("scenario:cut cut:2", { stream: true });
    case 9:
      return chat("scenario:bad_request");
    case 10:
      return chat("scenario:error_event cut:2", { stream: true });
    default:
      return "{not json";
  }
}

async function call(i: number): Promise<{ requestId: string | null; status: number; text: string }> {
  const { key } = tenants[i % 2];
  const res = await fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body(i),
  });
  // A cut stream may end the body with an error; the call was still answered.
  const text = await res.text().catch(() => "");
  return { requestId: res.headers.get("x-request-id"), status: res.status, text };
}

describe("security: soak", () => {
  it(`${CALLS} hostile calls over two accounts: exactly one row each, no dead letters`, async () => {
    const results: Array<{ requestId: string | null; status: number; text: string }> = [];
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) results.push(await call(next++));
    }));
    expect(results).toHaveLength(CALLS);
    const ids = results.map((r) => r.requestId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(CALLS);
    // Of the shapes, three are refused at the door (giant model, deep body, invalid JSON) and one
    // by the provider (its 400 passed on).
    expect(results.filter((r) => r.status === 400)).toHaveLength(CALLS * 4 / SHAPES);
    expect(results.filter((r) => r.status === 200)).toHaveLength(CALLS * 8 / SHAPES);
    expect(results.filter((r) => r.text.includes(PROVIDER_KEY))).toEqual([]);

    const accountIds = tenants.map((t) => t.account.id);
    const count = async () =>
      (await sql`select count(*)::int as n from public.llm_requests where account_id = any(${accountIds})`)[0]
        .n as number;
    await waitFor(async () => (await count()) >= CALLS, { timeoutMs: 30_000, intervalMs: 100, what: "every row" });
    await new Promise((r) => setTimeout(r, 200));

    const rows = await sql`
      select r.id, r.account_id, r.http_status, (select count(*)::int from public.ai_interactions i where i.llm_request_id = r.id) as interactions
        from public.llm_requests r where r.account_id = any(${accountIds})`;
    expect(rows).toHaveLength(CALLS);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(ids));
    expect(rows.every((r) => r.interactions === 1)).toBe(true);
    const byId = new Map(results.map((r) => [r.requestId, r.status]));
    expect(rows.every((r) => r.http_status === byId.get(r.id))).toBe(true);
    expect(rows.filter((r) => r.account_id === accountIds[0])).toHaveLength(CALLS / 2);
    const [{ dead }] =
      await sql`select count(*)::int as dead from private.ledger_dead_letters where request_id = any(${ids as string[]})`;
    expect(dead).toBe(0);
    // The provider's error text reached the ledger (redacted), never the key itself.
    const [{ echoed, leaked }] = await sql`
      select count(*) filter (where r.error_message like 'Invalid request for key%')::int as echoed,
             count(*) filter (where r::text like ${"%" + PROVIDER_KEY + "%"}
                                 or exists (select 1 from public.ai_interactions i
                                             where i.llm_request_id = r.id and i::text like ${
      "%" + PROVIDER_KEY + "%"
    }))::int
               as leaked
        from public.llm_requests r where r.account_id = any(${accountIds})`;
    expect(echoed).toBeGreaterThan(0);
    expect(leaked).toBe(0);
    const [{ deadLeaked }] = await sql`
      select count(*)::int as "deadLeaked" from private.ledger_dead_letters where payload like ${
      "%" + PROVIDER_KEY + "%"
    }`;
    expect(deadLeaked).toBe(0);
  });
});
