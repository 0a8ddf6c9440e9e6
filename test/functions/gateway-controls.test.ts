// Gateway controls end to end: the official openai SDK -> llm-proxy -> the fake provider, with the
// limits, retries and key restrictions configured in Postgres, and the ledger read back.
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  addDecimals,
  type Decimal,
  formatDecimal,
  mulInt,
  parseDecimal,
} from "../../functions/_shared/billing/decimal.ts";
import { estimatePromptTokens } from "../../functions/_shared/billing/token-estimate.ts";
import {
  addMember,
  as,
  asRole,
  createAccount,
  createApiKey,
  createInstance,
  type TestAccount,
  type Tx,
  waitFor,
} from "../helpers/fixtures.ts";
import {
  allProvidersAt,
  type FakeProviderStack,
  PROVIDER_KEYS,
  proxyClient,
  startWithFakeProvider,
  stopStack,
} from "../helpers/stack.ts";

let { sql, fake, fns } = {} as FakeProviderStack;

const MODEL = "openai/gpt-4o-mini";
const HI = [{ role: "user" as const, content: "Hi" }];
// openrouter/openai/gpt-4o-mini in supabase/model_prices.json; the fake reports 21 + 6 tokens.
const INPUT = parseDecimal("0.00000015");
const OUTPUT = parseDecimal("0.0000006");
const cost = (prompt: number, completion: number): Decimal =>
  addDecimals(mulInt(INPUT, prompt), mulInt(OUTPUT, completion));

const sdk = (key: string, headers: Record<string, string> = {}): OpenAI => proxyClient(fns, key, headers);

interface Answer {
  status: number;
  headers: Headers;
  code: string | null;
  requestId: string | null;
}

/** One call through the SDK, its status and headers whether it succeeded or not. */
async function call(
  client: OpenAI,
  body: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {},
): Promise<Answer> {
  try {
    const { response } = await client.chat.completions
      .create({ model: MODEL, messages: HI, ...body, stream: false })
      .withResponse();
    return {
      status: response.status,
      headers: response.headers,
      code: null,
      requestId: response.headers.get("x-request-id"),
    };
  } catch (err) {
    if (!(err instanceof APIError) || !err.headers) throw err;
    const headers = err.headers as Headers;
    return {
      status: err.status ?? 0,
      headers,
      code: (err.code as string | null) ?? null,
      requestId: headers.get("x-request-id"),
    };
  }
}

/** The account's ledger rows, once `count` of them are written. */
function rows(accountId: string, count: number) {
  return waitFor(async () => {
    const found = await sql`
      select id, http_status, error_code, provider, model, total_tokens, computed_cost::text as cost, attempt_count,
             attempts, models_tried
        from public.llm_requests where account_id = ${accountId} order by created_at`;
    return found.length >= count && found;
  }, { what: `${count} ledger rows for ${accountId}` });
}

/** A fresh account and one API key of it: each test gets its own limits and counters. */
async function keyedAccount() {
  const account = await createAccount(sql);
  return { account, key: await createApiKey(sql, account) };
}

/** `fn` as the account's owner would run it through PostgREST, committed. */
const asOwner = <T>(account: TestAccount, fn: (tx: Tx) => Promise<T>) =>
  asRole(sql, as(account.owner.id), fn, { commit: true });

/** The operator lifts the account's concurrency cap (its tier's is 5), for tests of other limits. */
async function manyInFlight(account: TestAccount) {
  await sql`update public.account_settings set max_concurrent_calls = 100 where account_id = ${account.id}`;
}

async function operatorLimit(account: TestAccount, limit: Record<string, unknown>) {
  await sql`insert into public.usage_limits ${sql({ account_id: account.id, set_by: "operator", ...limit })}`;
}

beforeAll(async () => {
  ({ sql, fake, fns } = await startWithFakeProvider((fake) => ({
    ...PROVIDER_KEYS,
    ...allProvidersAt(fake),
    RETRY_BASE_DELAY_MS: "20",
    UPSTREAM_TIMEOUT_MS: "10000",
  })));
});

beforeEach(() => fake.reset());

afterAll(() => stopStack({ sql, fake, fns }));

describe("usage limits: exact under concurrency", () => {
  it("with a limit of N requests and 4N concurrent calls, exactly N are forwarded", async () => {
    const { account, key } = await keyedAccount();
    await asOwner(account, (tx) =>
      tx`
      insert into public.usage_limits (account_id, scope, subject, period, max_requests)
      values (${account.id}, 'api_key', ${key.id}, 'minute', 5)`);
    await manyInFlight(account);
    fake.setOptions({ delayMs: 300 });
    const before = fake.requestCount();
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(sdk(key.key))));
    expect(fake.requestCount() - before).toBe(5);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(15);
    for (const a of refused) {
      expect(a.code).toBe("rate_limit_exceeded");
      expect(Number(a.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(Number(a.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(a.headers.get("x-ratelimit-limit-requests")).toBe("5");
      expect(a.headers.get("x-ratelimit-remaining-requests")).toBe("0");
      expect(a.headers.get("x-ratelimit-reset-requests")).toMatch(/^(\d+m)?\d+s$/);
    }
    // Every answered call has its row, the refusals included.
    const logged = await rows(account.id, 20);
    expect(logged.filter((r) => r.http_status === 429 && r.error_code === "rate_limit_exceeded")).toHaveLength(15);
    expect(logged.filter((r) => r.http_status === 200)).toHaveLength(5);
    expect(logged.filter((r) => r.http_status === 429).every((r) => r.attempt_count === 0)).toBe(true);
  });

  it("with a token limit, exactly the calls whose bound fits are forwarded; settlement refunds the rest", async () => {
    const { account, key } = await keyedAccount();
    const bound = (await estimatePromptTokens(HI)) + 30;
    expect(bound).toBeGreaterThan(27);
    const limit = 4 * bound - 1;
    await asOwner(account, (tx) =>
      tx`
      insert into public.usage_limits (account_id, scope, period, max_tokens)
      values (${account.id}, 'account', 'hour', ${limit})`);
    await manyInFlight(account);
    fake.setOptions({ delayMs: 300 });
    const before = fake.requestCount();
    const answers = await Promise.all(Array.from({ length: 12 }, () => call(sdk(key.key), { max_tokens: 30 })));
    expect(fake.requestCount() - before).toBe(3);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(3);
    for (const a of ok) expect(a.headers.get("x-ratelimit-limit-tokens")).toBe(String(limit));
    const refused = answers.filter((a) => a.status === 429);
    expect(
      refused.every((a) =>
        a.code === "rate_limit_exceeded" && a.headers.get("x-ratelimit-limit-tokens") === String(limit)
      ),
    )
      .toBe(true);
    const logged = await rows(account.id, 12);
    const used = logged.reduce<number>((sum, r) => sum + Number(r.total_tokens ?? 0), 0);
    expect(used).toBe(3 * 27);
    expect(used).toBeLessThanOrEqual(limit);
    // The reservations were bounds: once settled, what the three calls did not use is free again.
    fake.setOptions({ delayMs: 0 });
    await new Promise((r) => setTimeout(r, 300));
    expect((await call(sdk(key.key), { max_tokens: 30 })).status).toBe(200);
  });

  it("with a USD limit, recorded spend exceeds it by no more than the settlement of the calls in flight", async () => {
    const { account, key } = await keyedAccount();
    const prompt = await estimatePromptTokens(HI);
    const estimate = cost(prompt, 3);
    const actual = cost(21, 6);
    const limit = mulInt(estimate, 10);
    await operatorLimit(account, { scope: "account", period: "day", max_cost_usd: formatDecimal(limit) });
    await manyInFlight(account);
    fake.setOptions({ delayMs: 300 });
    const before = fake.requestCount();
    // max_tokens 3 bounds each call's reservation; the fake ignores it and answers 6 tokens, so
    // every call in flight overruns its reservation by actual - estimate.
    const answers = await Promise.all(Array.from({ length: 40 }, () => call(sdk(key.key), { max_tokens: 3 })));
    const forwarded = fake.requestCount() - before;
    expect(forwarded).toBe(10);
    expect(answers.filter((a) => a.status === 429).every((a) => a.code === "budget_exceeded")).toBe(true);
    const logged = await rows(account.id, 40);
    const spent = logged.reduce<Decimal>((sum, r) => addDecimals(sum, parseDecimal(r.cost ?? "0")), parseDecimal("0"));
    const bound = addDecimals(
      limit,
      mulInt(addDecimals(actual, { units: -estimate.units, scale: estimate.scale }), forwarded),
    );
    expect(formatDecimal(spent)).toBe(formatDecimal(mulInt(actual, 10)));
    // spent <= limit + forwarded * (actual - estimate): here exactly equal, the worst case.
    expect(addDecimals(bound, { units: -spent.units, scale: spent.scale }).units >= 0n).toBe(true);
    expect(spent.units * 10n ** BigInt(limit.scale) > limit.units * 10n ** BigInt(spent.scale)).toBe(true);
    // Each overrun was settled into the counter, which now holds the real spend.
    fake.setOptions({ delayMs: 0 });
    await new Promise((r) => setTimeout(r, 300));
    const [counter] = await sql`
      select c.cost_usd::text as cost from private.usage_counters c
        join public.usage_limits l on c.counter_key = l.id || ':'
       where l.account_id = ${account.id}`;
    expect(formatDecimal(parseDecimal(counter.cost))).toBe(formatDecimal(spent));
    const next = await call(sdk(key.key), { max_tokens: 3 });
    expect(next.status).toBe(429);
    expect(next.code).toBe("budget_exceeded");
  });
});

describe("usage limits: tiers, scopes and who sets them", () => {
  it("a free account is capped by its tier without configuration; an operator limit replaces the tier's", async () => {
    const { account, key } = await keyedAccount();
    const first = await call(sdk(key.key));
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("60");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("59");
    // Changes reach the proxy's caches by notification, within moments.
    const limitBecomes = async (value: string) => {
      let answer = await call(sdk(key.key));
      for (const deadline = Date.now() + 3000; Date.now() < deadline;) {
        if (answer.headers.get("x-ratelimit-limit-requests") === value) break;
        await new Promise((r) => setTimeout(r, 50));
        answer = await call(sdk(key.key));
      }
      return answer;
    };
    await sql`update public.accounts set subscription_tier = 'standard' where id = ${account.id}`;
    expect((await limitBecomes("600")).headers.get("x-ratelimit-limit-requests")).toBe("600");
    await operatorLimit(account, { scope: "account", period: "minute", max_requests: 2 });
    const capped = await limitBecomes("2");
    expect(capped.status).toBe(200);
    expect(capped.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(capped.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    expect((await call(sdk(key.key))).status).toBe(200);
    const refused = await call(sdk(key.key));
    expect(refused.status).toBe(429);
    expect(refused.code).toBe("rate_limit_exceeded");
  });

  it("an end user's limit counts that end user only", async () => {
    const { account, key } = await keyedAccount();
    await asOwner(account, (tx) =>
      tx`
      insert into public.usage_limits (account_id, scope, period, max_requests)
      values (${account.id}, 'end_user', 'hour', 1)`);
    expect((await call(sdk(key.key), { user: "alice" })).status).toBe(200);
    expect((await call(sdk(key.key), { user: "alice" })).status).toBe(429);
    expect((await call(sdk(key.key), { user: "bob" })).status).toBe(200);
    expect((await call(sdk(key.key))).status).toBe(200);
  });

  it("owners and admins add limits, but cannot touch the operator's; members cannot add any", async () => {
    const account = await createAccount(sql);
    const admin = await addMember(sql, account, "admin");
    const member = await addMember(sql, account, "member");
    await operatorLimit(account, { scope: "account", period: "month", max_cost_usd: "10" });
    const [mine] = await asRole(sql, as(admin.id), (tx) =>
      tx`
      insert into public.usage_limits (account_id, scope, period, max_requests)
      values (${account.id}, 'account', 'day', 10)
      returning set_by, created_by`, { commit: true });
    expect(mine).toEqual({ set_by: "account", created_by: admin.id });
    await expect(asRole(sql, as(admin.id), (tx) =>
      tx`
      insert into public.usage_limits (account_id, scope, period, max_requests, set_by)
      values (${account.id}, 'account', 'day', 10, 'operator')`, { commit: true })).rejects.toThrow(
        /permission denied/,
      );
    const changed = await asRole(sql, as(admin.id), (tx) =>
      tx`
      update public.usage_limits set max_cost_usd = 1000
       where account_id = ${account.id} and set_by = 'operator' returning id`, { commit: true });
    expect(changed).toHaveLength(0);
    const removed = await asRole(sql, as(admin.id), (tx) =>
      tx`
      delete from public.usage_limits where account_id = ${account.id} and set_by = 'operator' returning id`, {
      commit: true,
    });
    expect(removed).toHaveLength(0);
    await expect(asRole(sql, as(member.id), (tx) =>
      tx`
      insert into public.usage_limits (account_id, scope, period, max_requests)
      values (${account.id}, 'account', 'day', 10)`, { commit: true }))
      .rejects.toThrow(/row-level security/);
  });
});

describe("concurrency cap", () => {
  it("caps an account's calls in flight at its tier's default, and frees the slots when calls end", async () => {
    const { account, key } = await keyedAccount();
    fake.setOptions({ delayMs: 300 });
    const before = fake.requestCount();
    const answers = await Promise.all(Array.from({ length: 8 }, () => call(sdk(key.key))));
    expect(fake.requestCount() - before).toBe(5);
    const refused = answers.filter((a) => a.status === 429);
    expect(refused).toHaveLength(3);
    expect(refused.every((a) => a.code === "concurrency_limit_exceeded" && a.headers.get("retry-after") === "1")).toBe(
      true,
    );
    fake.setOptions({ delayMs: 0 });
    expect((await call(sdk(key.key))).status).toBe(200);
    expect((await rows(account.id, 9)).filter((r) => r.error_code === "concurrency_limit_exceeded")).toHaveLength(3);
  });

  it("uses the operator's per-account setting over the tier's, streams included", async () => {
    const { account, key } = await keyedAccount();
    await sql`update public.account_settings set max_concurrent_calls = 1 where account_id = ${account.id}`;
    const stream = await sdk(key.key).chat.completions.create({
      model: MODEL,
      messages: [{ role: "user", content: "slow delay:100" }],
      stream: true,
    });
    // The stream holds its slot until its last byte.
    expect((await call(sdk(key.key))).code).toBe("concurrency_limit_exceeded");
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toContain("Hello");
    await new Promise((r) => setTimeout(r, 50));
    expect((await call(sdk(key.key))).status).toBe(200);
  });
});

describe("retries", () => {
  it("retries an upstream 429 after its retry-after and logs one row with both attempts", async () => {
    const { account, key } = await keyedAccount();
    const before = fake.requestCount();
    const started = Date.now();
    const answer = await call(sdk(key.key), {
      messages: [{ role: "user", content: "scenario:rate_limit fails:1 retry_after:1 one" }],
    });
    expect(answer.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const [row] = await rows(account.id, 1);
    expect(row.attempt_count).toBe(2);
    expect(row.attempts.map((a: { status: number }) => a.status)).toEqual([429, 200]);
    expect(fake.requestCount() - before).toBe(2);
  });

  it("retries 5xx at most x-max-retries times, then passes the failure on", async () => {
    const { account, key } = await keyedAccount();
    const before = fake.requestCount();
    const answer = await call(sdk(key.key, { "x-max-retries": "1" }), {
      messages: [{ role: "user", content: "scenario:server_error two" }],
    });
    expect(answer.status).toBeGreaterThanOrEqual(500);
    const [row] = await rows(account.id, 1);
    expect(row.attempts.map((a: { status: number }) => a.status)).toEqual([500, 500]);
    expect(fake.requestCount() - before).toBe(2);
  });

  it("uses the account's max_retries, and never retries a 400", async () => {
    const { account, key } = await keyedAccount();
    await sql`update public.account_settings set max_retries = 0 where account_id = ${account.id}`;
    const before = fake.requestCount();
    await call(sdk(key.key), { messages: [{ role: "user", content: "scenario:server_error three" }] });
    await call(sdk(key.key, { "x-max-retries": "3" }), {
      messages: [{ role: "user", content: "scenario:bad_request four" }],
    });
    const logged = await rows(account.id, 2);
    expect(logged.map((r) => r.attempt_count)).toEqual([1, 1]);
    expect(fake.requestCount() - before).toBe(2);
  });

  it("refuses a malformed x-max-retries with a 400", async () => {
    const { key } = await keyedAccount();
    const before = fake.requestCount();
    const answer = await call(sdk(key.key, { "x-max-retries": "99" }));
    expect(answer.status).toBe(400);
    expect(answer.code).toBe("invalid_header");
    expect(fake.requestCount() - before).toBe(0);
  });
});

describe("fallbacks", () => {
  const CLAUDE = "anthropic:claude-sonnet-4-20250514";

  it("falls back to another provider's model after a retryable failure; logs the serving model at its price", async () => {
    const { account, key } = await keyedAccount();
    const before = fake.requestCount();
    // `fallbacks` is LiteLLM's body field; the SDK passes unknown fields through.
    const extra = { fallbacks: [CLAUDE] } as Record<string, unknown>;
    const { data } = await sdk(key.key, { "x-max-retries": "0" }).chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "scenario:server_error fails:1 five" }], ...extra })
      .withResponse();
    expect(data.choices[0].message.content).toContain("Hello");
    expect(fake.requestCount() - before).toBe(2);
    const sent = fake.requests.slice(-2);
    expect(sent.map((r) => r.path)).toEqual(["/v1/chat/completions", "/v1/messages"]);
    expect(sent.every((r) => !("fallbacks" in r.body))).toBe(true);
    const [row] = await rows(account.id, 1);
    expect(row).toMatchObject({
      http_status: 200,
      provider: "anthropic",
      model: CLAUDE,
      models_tried: [MODEL, CLAUDE],
    });
    expect(row.attempts.map((a: { status: number; provider: string }) => [a.provider, a.status]))
      .toEqual([["openrouter", 500], ["anthropic", 200]]);
    // 21 input tokens at $3/M and 6 output tokens at $15/M: Claude's price, not gpt-4o-mini's.
    expect(row.cost).toBe("0.000153");
  });

  it("uses the account's fallbacks on a context-window error; passes a plain 400 on without falling back", async () => {
    const { account, key } = await keyedAccount();
    await sql`update public.account_settings set fallback_models = ${[CLAUDE]} where account_id = ${account.id}`;
    const before = fake.requestCount();
    const ok = await call(sdk(key.key), {
      messages: [{ role: "user", content: "scenario:context_length fails:1 six" }],
    });
    expect(ok.status).toBe(200);
    const refused = await call(sdk(key.key), { messages: [{ role: "user", content: "scenario:bad_request seven" }] });
    expect(refused.status).toBe(400);
    expect(fake.requestCount() - before).toBe(3);
    const logged = await rows(account.id, 2);
    expect(logged.map((r) => r.model)).toEqual([CLAUDE, MODEL]);
  });

  it("refuses malformed fallbacks, and fallbacks outside the key's model list", async () => {
    const { account, key } = await keyedAccount();
    // Restricted before the key's first use, so no cached lookup of it predates the change.
    await asOwner(account, (tx) => tx`update public.api_keys set allowed_models = ${[MODEL]} where id = ${key.id}`);
    const bad = await call(sdk(key.key), { ...({ fallbacks: "openai:gpt-4o" } as Record<string, unknown>) });
    expect(bad.status).toBe(400);
    expect(bad.code).toBe("invalid_fallbacks");
    const outside = await call(sdk(key.key), { ...({ fallbacks: [CLAUDE] } as Record<string, unknown>) });
    expect(outside.status).toBe(403);
    expect(outside.code).toBe("model_not_allowed");
  });
});

describe("API key expiry and model allowlist", () => {
  it("refuses an expired key with 401 and a model outside the key's list with 403", async () => {
    const { account, key } = await keyedAccount();
    await asOwner(account, (tx) =>
      tx`
      update public.api_keys set allowed_models = ${[MODEL]} where id = ${key.id}`);
    const before = fake.requestCount();
    expect((await call(sdk(key.key))).status).toBe(200);
    expect(fake.requestCount() - before).toBe(1);
    const other = await call(sdk(key.key), { model: "openai/gpt-4o" });
    expect(other.status).toBe(403);
    expect(other.code).toBe("model_not_allowed");
    const logged = await rows(account.id, 2);
    expect(logged.map((r) => r.http_status).sort()).toEqual([200, 403]);

    await asOwner(account, (tx) =>
      tx`
      update public.api_keys set expires_at = now() - interval '1 second' where id = ${key.id}`);
    // The change reaches the proxy's key cache by notification, within moments (not the cache's TTL).
    let expired = await call(sdk(key.key));
    for (const deadline = Date.now() + 3000; expired.status === 200 && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 50));
      expired = await call(sdk(key.key));
    }
    expect(expired.status).toBe(401);
    expect(expired.code).toBe("api_key_expired");
  });
});

describe("agent attribution", () => {
  it("x-agent-instance fills the row's agent columns, stamps last_used_at and writes the agent rows", async () => {
    const { account, key } = await keyedAccount();
    const instance = await createInstance(sql, account, { agentType: "research", template: "simple_research" });
    const answer = await call(sdk(key.key, { "x-agent-instance": instance.slug }));
    expect(answer.status).toBe(200);
    const [row] = await rows(account.id, 1);
    const [attributed] = await sql`
      select agent_instance_id, agent_instance_slug, agent_type from public.llm_requests where id = ${row.id}`;
    expect(attributed).toEqual({
      agent_instance_id: instance.id,
      agent_instance_slug: instance.slug,
      agent_type: "research",
    });
    const [perf] = await sql`
      select request_type, status from public.agent_performance_metrics where agent_instance_id = ${instance.id}`;
    expect(perf).toEqual({ request_type: "chat", status: "success" });
    const [usage] = await sql`
      select request_count, total_tokens, total_cost::text as cost from public.agent_usage_log
       where agent_instance_id = ${instance.id}`;
    expect(usage).toEqual({ request_count: 1, total_tokens: 27, cost: row.cost });
    const [used] = await sql`select last_used_at from public.agent_instances where id = ${instance.id}`;
    expect(used.last_used_at).not.toBeNull();
  });

  it("uses the instance's fallbacks for its calls, before the account's", async () => {
    const { account, key } = await keyedAccount();
    const claude = "anthropic:claude-sonnet-4-20250514";
    await sql`update public.account_settings set fallback_models = ${[
      "openai:gpt-4o",
    ]} where account_id = ${account.id}`;
    const instance = await createInstance(sql, account, { config: { model: MODEL, fallbacks: [claude] } });
    const answer = await call(sdk(key.key, { "x-agent-instance": instance.slug, "x-max-retries": "0" }), {
      messages: [{ role: "user", content: "scenario:server_error fails:1 eight" }],
    });
    expect(answer.status).toBe(200);
    const [row] = await rows(account.id, 1);
    expect(row).toMatchObject({ model: claude, models_tried: [MODEL, claude] });
  });

  it("refuses an unknown, malformed, inactive or other tenant's instance, and logs the refusal", async () => {
    const account = await createAccount(sql);
    const other = await createAccount(sql);
    const key = await createApiKey(sql, account);
    const theirs = await createInstance(sql, other);
    const paused = await createInstance(sql, account, { status: "inactive" });
    const before = fake.requestCount();
    const unknown = await call(sdk(key.key, { "x-agent-instance": theirs.slug }));
    expect([unknown.status, unknown.code]).toEqual([404, "instance_not_found"]);
    const malformed = await call(sdk(key.key, { "x-agent-instance": "Not A Slug" }));
    expect([malformed.status, malformed.code]).toEqual([400, "invalid_header"]);
    const inactive = await call(sdk(key.key, { "x-agent-instance": paused.slug }));
    expect([inactive.status, inactive.code]).toEqual([409, "instance_inactive"]);
    expect(fake.requestCount() - before).toBe(0);
    expect((await rows(account.id, 3)).map((r) => r.http_status).sort()).toEqual([400, 404, 409]);
  });
});

describe("response cache", () => {
  /** Waits until the account has `count` cache entries (they are stored after the answer). */
  async function cached(accountId: string, count: number) {
    const deadline = Date.now() + 5000;
    for (;;) {
      const [{ n }] = await sql`select count(*)::int as n from private.response_cache where account_id = ${accountId}`;
      if (n >= count) return;
      if (Date.now() > deadline) throw new Error(`${n} of ${count} cache entries`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("replays a JSON answer on a hit (x-cache: HIT), logged with cost 0 and the cost it saved", async () => {
    const { account, key } = await keyedAccount();
    const client = sdk(key.key, { "x-cache-ttl": "60" });
    const before = fake.requestCount();
    const first = await client.chat.completions.create({ model: MODEL, messages: HI, user: "a" }).withResponse();
    expect(first.response.headers.get("x-cache")).toBe("MISS");
    await cached(account.id, 1);
    // `user` does not change the answer: still a hit.
    const second = await client.chat.completions.create({ model: MODEL, messages: HI, user: "b" }).withResponse();
    expect(second.response.headers.get("x-cache")).toBe("HIT");
    expect(second.data).toEqual(first.data);
    expect(fake.requestCount() - before).toBe(1);
    const [miss, hit] = await rows(account.id, 2);
    const [flags] = await sql`
      select cache_hit, cost_saved::text as saved, completion_status from public.llm_requests where id = ${hit.id}`;
    expect(flags).toEqual({ cache_hit: true, saved: miss.cost, completion_status: "complete" });
    expect(hit).toMatchObject({ http_status: 200, cost: "0", total_tokens: 0, attempt_count: 0 });
    expect(Number(miss.cost)).toBeGreaterThan(0);
    // A parameter that changes the answer misses.
    const warmer = await client.chat.completions.create({ model: MODEL, messages: HI, temperature: 1.5 })
      .withResponse();
    expect(warmer.response.headers.get("x-cache")).toBe("MISS");
    expect(fake.requestCount() - before).toBe(2);
  });

  it("replays a stream as a stream", async () => {
    const { account, key } = await keyedAccount();
    const client = sdk(key.key, { "x-cache-ttl": "60" });
    const before = fake.requestCount();
    const read = async () => {
      const { data, response } = await client.chat.completions
        .create({ model: MODEL, messages: HI, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const chunk of data) chunks.push(chunk);
      return { chunks, cache: response.headers.get("x-cache"), type: response.headers.get("content-type") };
    };
    const first = await read();
    await cached(account.id, 1);
    const second = await read();
    expect([first.cache, second.cache]).toEqual(["MISS", "HIT"]);
    expect(second.type).toContain("text/event-stream");
    expect(second.chunks.length).toBeGreaterThan(2);
    expect(second.chunks).toEqual(first.chunks);
    expect(fake.requestCount() - before).toBe(1);
    const [, hit] = await rows(account.id, 2);
    expect(hit.cost).toBe("0");
  });

  it("a stream the client abandons is cancelled upstream as without the cache, and not stored", async () => {
    const { account, key } = await keyedAccount();
    const abort = new AbortController();
    const stream = await sdk(key.key, { "x-cache-ttl": "60" }).chat.completions.create(
      { model: MODEL, messages: [{ role: "user", content: "scenario:slow chunks:40 delay:50" }], stream: true },
      { signal: abort.signal },
    );
    let seen = 0;
    // The SDK ends the iteration quietly (or throws) once aborted.
    await (async () => {
      for await (const _ of stream) if (++seen === 2) abort.abort();
    })().catch(() => undefined);
    expect(seen).toBe(2);
    const [row] = await rows(account.id, 1);
    const [status] = await sql`select completion_status, error_code from public.llm_requests where id = ${row.id}`;
    expect(status).toEqual({ completion_status: "partial", error_code: "client_disconnected" });
    const [{ n }] = await sql`select count(*)::int as n from private.response_cache where account_id = ${account.id}`;
    expect(n).toBe(0);
  });

  it("is per account, follows the account setting, and x-cache-ttl: 0 bypasses it", async () => {
    const account = await createAccount(sql);
    const other = await createAccount(sql);
    const key = await createApiKey(sql, account);
    const otherKey = await createApiKey(sql, other);
    await sql`update public.account_settings set cache_ttl_seconds = 300 where account_id = ${account.id}`;
    const before = fake.requestCount();
    expect((await call(sdk(key.key))).headers.get("x-cache")).toBe("MISS");
    await cached(account.id, 1);
    expect((await call(sdk(key.key))).headers.get("x-cache")).toBe("HIT");
    expect((await call(sdk(key.key, { "x-cache-ttl": "0" }))).headers.get("x-cache")).toBeNull();
    expect((await call(sdk(otherKey.key, { "x-cache-ttl": "60" }))).headers.get("x-cache")).toBe("MISS");
    expect(fake.requestCount() - before).toBe(3);
    const bad = await call(sdk(key.key, { "x-cache-ttl": "soon" }));
    expect([bad.status, bad.code]).toEqual([400, "invalid_header"]);
  });
});

describe("limits on every endpoint", () => {
  it("embeddings, Responses and Anthropic Messages count against the same request budget", async () => {
    const { account, key } = await keyedAccount();
    await operatorLimit(account, { scope: "account", period: "minute", max_requests: 2 });
    const before = fake.requestCount();
    const client = sdk(key.key);
    const embedded = await client.embeddings.create({ model: "openai:text-embedding-3-small", input: "hi" })
      .withResponse();
    expect(embedded.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");
    await client.responses.create({ model: MODEL, input: "hi" });
    const messages = await fetch(`${fns.url}/llm-proxy/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": key.key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: MODEL, max_tokens: 16, messages: HI }),
    });
    expect(messages.status).toBe(429);
    expect(((await messages.json()) as { type: string }).type).toBe("error");
    expect(fake.requestCount() - before).toBe(2);
    const logged = await rows(account.id, 3);
    expect(logged.map((r) => r.http_status)).toEqual([200, 200, 429]);
  });
});
