// Gateway controls under attack: tenants loosening their own caps, reaching another tenant's limits,
// keys or cached answers, and hostile identifiers in the places limits and caches key on.
import { APIError } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addMember, as, asRole, createAccount, createApiKey, type TestAccount } from "../helpers/fixtures.ts";
import { type FakeProviderStack, proxyClient, startWithFakeProvider, stopStack } from "../helpers/stack.ts";

let { sql, fake, fns } = {} as FakeProviderStack;
let a: TestAccount;
let b: TestAccount;

const MODEL = "openai/gpt-4o-mini";

beforeAll(async () => {
  ({ sql, fake, fns } = await startWithFakeProvider({ OPENROUTER_API_KEY: "sk-or-v1-test-sec-0123456789" }));
  [a, b] = await Promise.all([createAccount(sql), createAccount(sql)]);
});

afterAll(() => stopStack({ sql, fake, fns }));

async function status(key: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const client = proxyClient(fns, key, headers);
  try {
    const { response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "Hi" }], ...body })
      .withResponse();
    return { status: response.status, code: null as string | null, cache: response.headers.get("x-cache") };
  } catch (err) {
    if (!(err instanceof APIError)) throw err;
    return { status: err.status ?? 0, code: (err.code as string | null) ?? null, cache: null };
  }
}

describe("tenants cannot loosen or reach others' controls", () => {
  it("an owner cannot raise operator caps, the concurrency cap, or the tier tables", async () => {
    await sql`insert into public.usage_limits (account_id, scope, period, max_requests, set_by)
              values (${a.id}, 'account', 'month', 1000, 'operator')`;
    const raised = await asRole(
      sql,
      as(a.owner.id),
      (tx) =>
        tx`
      update public.usage_limits set max_requests = 1000000 where account_id = ${a.id} and set_by = 'operator' returning id`,
      { commit: true },
    );
    expect(raised).toHaveLength(0);
    await expect(asRole(sql, as(a.owner.id), (tx) =>
      tx`
      update public.usage_limits set set_by = 'account' where account_id = ${a.id}`, { commit: true })).rejects.toThrow(
        /permission denied/,
      );
    await expect(asRole(sql, as(a.owner.id), (tx) =>
      tx`
      update public.account_settings set max_concurrent_calls = 100000 where account_id = ${a.id}`, { commit: true }))
      .rejects.toThrow(/permission denied/);
    await expect(asRole(sql, as(a.owner.id), (tx) =>
      tx`
      update public.tier_limits set max_requests = 1000000 where tier = 'free'`, { commit: true })).rejects.toThrow(
        /permission denied/,
      );
    await expect(asRole(sql, as(a.owner.id), (tx) =>
      tx`
      select * from private.usage_counters`, { commit: true })).rejects.toThrow(/permission denied/);
    await expect(asRole(sql, as(a.owner.id), (tx) =>
      tx`
      select private.reserve_usage('[]'::jsonb)`, { commit: true })).rejects.toThrow(/permission denied/);
  });

  it("an admin of one account cannot set limits on, or restrict the keys of, another", async () => {
    const admin = await addMember(sql, a, "admin");
    await expect(asRole(
      sql,
      as(admin.id),
      (tx) =>
        tx`
      insert into public.usage_limits (account_id, scope, period, max_requests) values (${b.id}, 'account', 'day', 0)`,
      { commit: true },
    ))
      .rejects.toThrow(/row-level security/);
    const keyOfB = await createApiKey(sql, b);
    const touched = await asRole(sql, as(admin.id), (tx) =>
      tx`
      update public.api_keys set expires_at = now(), allowed_models = ${[
        "none",
      ]} where id = ${keyOfB.id} returning id`, { commit: true });
    expect(touched).toHaveLength(0);
    expect((await status(keyOfB.key, {})).status).toBe(200);
  });

  it("one tenant's cached answer is never served to another, even for an identical request", async () => {
    const keyA = await createApiKey(sql, a);
    const keyB = await createApiKey(sql, b);
    const body = { messages: [{ role: "user", content: "a secret only A asked about" }] };
    expect((await status(keyA.key, body, { "x-cache-ttl": "600" })).cache).toBe("MISS");
    for (const deadline = Date.now() + 5000; Date.now() < deadline;) {
      const [{ n }] = await sql`select count(*)::int as n from private.response_cache where account_id = ${a.id}`;
      if (n > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await status(keyA.key, body, { "x-cache-ttl": "600" })).cache).toBe("HIT");
    expect((await status(keyB.key, body, { "x-cache-ttl": "600" })).cache).toBe("MISS");
  });
});

describe("hostile identifiers", () => {
  it("end users with NUL bytes, regex metacharacters and 512 characters are counted apart, exactly", async () => {
    const account = await createAccount(sql);
    const key = await createApiKey(sql, account);
    await asRole(
      sql,
      as(account.owner.id),
      (tx) =>
        tx`
      insert into public.usage_limits (account_id, scope, period, max_requests) values (${account.id}, 'end_user', 'day', 1)`,
      { commit: true },
    );
    const hostile = ["a\u0000b", "(a+)+$", "x".repeat(512), "x".repeat(511) + "y", "🚀\ud83d"];
    for (const user of hostile) expect((await status(key.key, { user })).status).toBe(200);
    for (const user of hostile) expect((await status(key.key, { user })).code).toBe("rate_limit_exceeded");
    // 513 characters is refused at the door, before any limit is counted.
    expect((await status(key.key, { user: "x".repeat(513) })).status).toBe(400);
  });

  it("refuses a 3 KB subject, a negative limit, and a limit that limits nothing", async () => {
    for (
      const row of [
        { scope: "end_user", subject: "x".repeat(3000), max_requests: 1 },
        { scope: "account", subject: null, max_requests: -1 },
        { scope: "account", subject: null, max_requests: null },
        { scope: "account", subject: "someone", max_requests: 1 },
      ]
    ) {
      await expect(asRole(sql, as(a.owner.id), (tx) =>
        tx`
        insert into public.usage_limits (account_id, scope, subject, period, max_requests)
        values (${a.id}, ${row.scope}, ${row.subject}, 'day', ${row.max_requests})`, { commit: true })).rejects.toThrow(
          /check constraint/,
        );
    }
  });

  it("hostile x-agent-instance, x-cache-ttl, x-max-retries and fallbacks are 400s, never forwarded", async () => {
    const key = await createApiKey(sql, a);
    const before = fake.requestCount();
    const cases: Array<[Record<string, unknown>, Record<string, string>]> = [
      [{}, { "x-agent-instance": "x".repeat(3000) }],
      [{}, { "x-agent-instance": "../../etc" }],
      [{}, { "x-cache-ttl": "9".repeat(400) }],
      [{}, { "x-max-retries": "1e9" }],
      [{ fallbacks: ["m".repeat(3000)] }, {}],
      [{ fallbacks: { $ne: null } }, {}],
    ];
    for (const [body, headers] of cases) expect((await status(key.key, body, headers)).status).toBe(400);
    expect(fake.requestCount() - before).toBe(0);
  });
});
