// End to end: a browser (fetch + a cookie jar) -> functions server (chat) -> fake provider; then
// the conversation, profile and ledger rows are read back, as the server and through RLS.
import { createHash } from "node:crypto";
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepCookies } from "../helpers/chat-browser.ts";
import { answerText, type FakeProvider } from "../helpers/fake-provider.ts";
import {
  addMember,
  as,
  asRole,
  createAccount,
  createInstance,
  createUser,
  type TestAccount,
  type TestInstance,
  type TestUser,
  waitFor,
} from "../helpers/fixtures.ts";
import { startWithFakeProvider, stopStack, type TestFunctions } from "../helpers/stack.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;
let acme: TestAccount;
let demo: TestAccount;
let support: TestInstance;
let sales: TestInstance;
let demoChat: TestInstance;

const SYSTEM_PROMPT = "You are Acme's support agent.";
const LIMITS = { perSession: 6, perIp: 10 };

let ipCounter = 0;

/** A browser: one cookie jar, one client address, an origin; optionally signed in. */
class Browser {
  cookies = new Map<string, string>();
  ip = `10.9.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;
  constructor(public jwt: string | null = null, public origin = "https://shop.example") {}

  async fetch(
    path: string,
    init: { method?: string; body?: unknown; signal?: AbortSignal; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { origin: this.origin, "x-forwarded-for": this.ip, ...init.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (this.jwt) headers.authorization = `Bearer ${this.jwt}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(`${fns.url}/${path}`, {
      method: init.method ?? (init.body === undefined ? "GET" : "POST"),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
    keepCookies(this.cookies, res);
    return res;
  }

  async send(account: TestAccount, instance: TestInstance, message: string, extra: Record<string, unknown> = {}) {
    const res = await this.fetch(`chat/${account.slug}/${instance.slug}`, { body: { message, ...extra } });
    return { res, body: await res.json() };
  }

  async history(account: TestAccount, instance: TestInstance, query = "") {
    const res = await this.fetch(`chat/${account.slug}/${instance.slug}/history${query}`);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      messages: { id: string; role: string; content: string; metadata: LooseObject }[];
      has_more: boolean;
    };
  }

  key(account: TestAccount): string | undefined {
    return this.cookies.get(`chat_session_${account.slug}`);
  }
}

/** Sessions are stored under the SHA-256 of their cookie value. */
const keyHash = (key: string) => createHash("sha256").update(key).digest("hex");
const sessionOf = async (key: string) =>
  (await sql`select * from public.sessions where session_key = ${keyHash(key)}`)[0];
const messagesOf = (sessionId: string) =>
  sql`select role, content, metadata, agent_instance_id from public.messages where session_id = ${sessionId} order by created_at, id`;

beforeAll(async () => {
  ({ sql, fake, fns } = await startWithFakeProvider({
    OPENROUTER_API_KEY: "sk-or-v1-test-openrouter-provider-key-0123456789",
    CHAT_RATE_LIMIT_PER_SESSION: String(LIMITS.perSession),
    CHAT_RATE_LIMIT_PER_IP: String(LIMITS.perIp),
    CHAT_MAX_MESSAGE_CHARS: "500",
    CHAT_SESSION_IDLE_MINUTES: "30",
    // The test client plays the one trusted proxy: its X-Forwarded-For entry is each browser's address.
    TRUSTED_PROXY_HOPS: "1",
  }));
  acme = await createAccount(sql);
  demo = await createAccount(sql);
  support = await createInstance(sql, acme, {
    config: { model: "openai/gpt-4o-mini", system_prompt: SYSTEM_PROMPT, history_limit: 4, temperature: 0.2 },
  });
  sales = await createInstance(sql, acme, {
    template: "sales",
    agentType: "sales_agent",
    config: { model: "openai/gpt-4o-mini", products: ["SmartFresh", "Solar Panel"], services: ["Installation"] },
  });
  demoChat = await createInstance(sql, demo);
});

afterAll(() => stopStack({ sql, fake, fns }));

describe("chat: sessions by cookie", () => {
  it("starts a session, sets the cookie, resumes it and pages its history", async () => {
    const browser = new Browser();
    const first = await browser.send(acme, support, "Hello there");
    expect(first.res.status).toBe(200);
    expect(first.body.choices[0].message.content).toBe(answerText(6));
    const setCookie = first.res.headers.getSetCookie()[0];
    expect(setCookie).toMatch(new RegExp(`^chat_session_${acme.slug}=[A-Za-z0-9_-]{43}; `));
    for (const attr of ["HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/", "Max-Age=1800"]) {
      expect(setCookie).toContain(attr);
    }
    // No allowed_origins: any page may read the answer, but not with the visitor's cookie.
    expect(first.res.headers.get("access-control-allow-origin")).toBe("*");
    expect(first.res.headers.get("access-control-allow-credentials")).toBeNull();
    const key = browser.key(acme)!;

    const second = await browser.send(acme, support, "And again");
    expect(second.res.status).toBe(200);
    expect(browser.key(acme)).toBe(key);
    // The model saw the system prompt, the first exchange and the new message.
    expect(fake.requests.at(-1)!.body.messages).toEqual([
      { role: "system", content: SYSTEM_PROMPT },
      { role: "user", content: "Hello there" },
      { role: "assistant", content: answerText(6) },
      { role: "user", content: "And again" },
    ]);
    expect(fake.requests.at(-1)!.body.temperature).toBe(0.2);

    const session = await sessionOf(key);
    expect(session).toMatchObject({
      account_id: acme.id,
      account_slug: acme.slug,
      agent_instance_id: support.id,
      user_id: null,
      is_anonymous: true,
    });
    const rows = await waitFor(async () => {
      const r = await messagesOf(session.id);
      return r.length === 5 && r;
    }, { what: "the second answer" });
    expect(rows.map((r) => r.role)).toEqual(["system", "human", "assistant", "human", "assistant"]);
    expect(rows[0].content).toBe(SYSTEM_PROMPT);
    expect(rows[2].metadata).toMatchObject({ model: "openai/gpt-4o-mini", finish_reason: "stop" });

    const all = await browser.history(acme, support);
    expect(all.messages.map((m) => [m.role, m.content])).toEqual([
      ["human", "Hello there"],
      ["assistant", answerText(6)],
      ["human", "And again"],
      ["assistant", answerText(6)],
    ]);
    const newest = await browser.history(acme, support, "?limit=3");
    expect(newest.has_more).toBe(true);
    expect(newest.messages.map((m) => m.content)).toEqual([answerText(6), "And again", answerText(6)]);
    const older = await browser.history(acme, support, `?limit=3&before=${newest.messages[0].id}`);
    expect(older).toMatchObject({ has_more: false, messages: [{ role: "human", content: "Hello there" }] });
  });

  it("counts every call in llm_requests, agent_performance_metrics and one aggregated agent_usage_log row", async () => {
    const browser = new Browser();
    for (const m of ["one", "two", "three"]) expect((await browser.send(acme, support, m)).res.status).toBe(200);
    const session = await sessionOf(browser.key(acme)!);
    const requests = await waitFor(async () => {
      const r =
        await sql`select *, computed_cost::text as cost from public.llm_requests where session_id = ${session.id} order by created_at`;
      return r.length === 3 && r;
    }, { what: "three ledger rows" });
    for (const r of requests) {
      expect(r).toMatchObject({
        account_id: acme.id,
        account_slug: acme.slug,
        agent_instance_id: support.id,
        agent_instance_slug: support.slug,
        agent_type: "simple_chat",
        provider: "openrouter",
        model: "openai/gpt-4o-mini",
        completion_status: "complete",
        prompt_tokens: 21,
        completion_tokens: 6,
        total_tokens: 27,
        is_stream: false,
      });
      expect(r.cost).toMatch(/^0\.\d+$/);
    }
    const perf =
      await sql`select * from public.agent_performance_metrics where agent_instance_id = ${support.id} and created_at >= ${
        requests[0].created_at
      }`;
    expect(perf.filter((p) => requests.some((r) => r.created_at.getTime() === p.created_at.getTime()))).toHaveLength(3);
    for (const p of perf) expect(p).toMatchObject({ account_id: acme.id, request_type: "chat", status: "success" });
    const usage =
      await sql`select request_count, total_tokens, total_cost::text as total_cost from public.agent_usage_log where session_id = ${session.id}`;
    const [{ sum }] =
      await sql`select sum(computed_cost)::text as sum from public.llm_requests where session_id = ${session.id}`;
    expect(usage).toEqual([{ request_count: 3, total_tokens: 81, total_cost: sum }]);
    const [instance] = await sql`select last_used_at from public.agent_instances where id = ${support.id}`;
    expect(instance.last_used_at).not.toBeNull();
  });

  it("never resumes another account's session key: a new session, nothing shown", async () => {
    const browser = new Browser();
    await browser.send(acme, support, "secret acme conversation");
    const acmeKey = browser.key(acme)!;
    // The acme key presented under demo's cookie name, as a tampering client would.
    const thief = new Browser();
    thief.cookies.set(`chat_session_${demo.slug}`, acmeKey);
    expect((await thief.history(demo, demoChat)).messages).toEqual([]);
    const { res } = await thief.send(demo, demoChat, "hi demo");
    expect(res.status).toBe(200);
    expect(thief.key(demo)).not.toBe(acmeKey);
    const demoSession = await sessionOf(thief.key(demo)!);
    expect(demoSession.account_id).toBe(demo.id);
    expect((await thief.history(demo, demoChat)).messages.map((m) => m.content)).toEqual(["hi demo", answerText(6)]);
    expect(fake.requests.at(-1)!.body.messages.some((m: LooseObject) => String(m.content).includes("secret"))).toBe(
      false,
    );
    // The same browser keeps its own session with each account.
    await browser.send(demo, demoChat, "hello demo");
    expect(browser.key(acme)).toBe(acmeKey);
    expect((await browser.history(acme, support)).messages[0].content).toBe("secret acme conversation");
  });

  it("starts a new session after the idle timeout", async () => {
    const browser = new Browser();
    await browser.send(acme, support, "before lunch");
    const key = browser.key(acme)!;
    await sql`update public.sessions set last_activity_at = now() - interval '31 minutes' where session_key = ${
      keyHash(key)
    }`;
    expect((await browser.history(acme, support)).messages).toEqual([]);
    await browser.send(acme, support, "after lunch");
    expect(browser.key(acme)).not.toBe(key);
    expect(fake.requests.at(-1)!.body.messages).toEqual([{ role: "system", content: SYSTEM_PROMPT }, {
      role: "user",
      content: "after lunch",
    }]);
  });

  it("sends at most history_limit messages of context", async () => {
    const browser = new Browser();
    for (let i = 1; i <= 4; i++) await browser.send(acme, support, `message ${i}`);
    const sent = fake.requests.at(-1)!.body.messages;
    // history_limit 4: the system prompt, the 4 most recent stored messages, this message.
    expect(sent.map((m: LooseObject) => m.content)).toEqual([
      SYSTEM_PROMPT,
      "message 2",
      answerText(6),
      "message 3",
      answerText(6),
      "message 4",
    ]);
  });
});

describe("chat: streaming", () => {
  it("streams the answer and stores it whole", async () => {
    const browser = new Browser();
    const res = await browser.fetch(`chat/${acme.slug}/${support.slug}`, {
      body: { message: "stream it chunks:25", stream: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(browser.key(acme)).toBeDefined();
    let text = "";
    for (const line of (await res.text()).split("\n")) {
      if (!line.startsWith("data: {")) continue;
      text += JSON.parse(line.slice(6)).choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe(answerText(25));
    const session = await sessionOf(browser.key(acme)!);
    const assistant = await waitFor(async () => (await messagesOf(session.id)).find((m) => m.role === "assistant"), {
      what: "the streamed answer",
    });
    expect(assistant.content).toBe(answerText(25));
    expect(assistant.metadata.partial).toBeUndefined();
    const [perf] = await waitFor(async () => {
      const r = await sql`select p.request_type, p.status from public.llm_requests r
                            join public.agent_performance_metrics p on p.agent_instance_id = r.agent_instance_id and p.created_at = r.created_at
                           where r.session_id = ${session.id}`;
      return r.length === 1 && r;
    }, { what: "metrics" });
    expect(perf).toEqual({ request_type: "stream", status: "success" });
  });

  it("stores an aborted stream as partial", async () => {
    const browser = new Browser();
    const abort = new AbortController();
    const res = await browser.fetch(`chat/${acme.slug}/${support.slug}`, {
      body: { message: "scenario:slow chunks:40 delay:40", stream: true },
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    let received = "";
    while (!received.includes(" fake")) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the stream ended before it was aborted: ${received}`);
      received += new TextDecoder().decode(value);
    }
    abort.abort();
    const session = await sessionOf(browser.key(acme)!);
    const assistant = await waitFor(async () => (await messagesOf(session.id)).find((m) => m.role === "assistant"), {
      what: "the partial answer",
    });
    expect(assistant.metadata).toMatchObject({ partial: true, error_code: "client_disconnected" });
    expect(assistant.content.length).toBeGreaterThan(0);
    expect(answerText(40).startsWith(assistant.content)).toBe(true);
    expect(assistant.content).not.toBe(answerText(40));
    const [row] = await waitFor(async () => {
      const r = await sql`select completion_status from public.llm_requests where session_id = ${session.id}`;
      return r.length === 1 && r;
    }, { what: "the ledger row" });
    expect(row.completion_status).toBe("partial");
  });
});

describe("chat: tools", () => {
  it("stores tool calls and the page's tool results as role tool, and sends them back to the model", async () => {
    const tools = await createInstance(sql, acme, { config: { model: "openai/gpt-4o-mini", tools: ["get_weather"] } });
    const browser = new Browser();
    const { body } = await browser.send(acme, tools, "weather in Paris? scenario:tools");
    const call = body.choices[0].message.tool_calls[0];
    expect(call.function.name).toBe("get_weather");
    expect(fake.requests.at(-1)!.body.tools).toEqual([{
      type: "function",
      function: { name: "get_weather", parameters: { type: "object" } },
    }]);
    const session = await sessionOf(browser.key(acme)!);
    await waitFor(async () => (await messagesOf(session.id)).some((m) => m.role === "tool"), { what: "the tool call" });

    const next = await browser.fetch(`chat/${acme.slug}/${tools.slug}`, {
      // The fake provider picks its scenario from the last user message: this one gets a text answer.
      body: {
        tool_results: [{ tool_call_id: call.id, content: "18C, cloudy", execution_time_ms: 120 }],
        message: "And tomorrow?",
      },
    });
    expect(next.status).toBe(200);
    const [user, assistant, tool, followUp] = fake.requests.at(-1)!.body.messages.slice(-4);
    expect(user).toEqual({ role: "user", content: "weather in Paris? scenario:tools" });
    expect(assistant).toMatchObject({
      role: "assistant",
      content: null,
      tool_calls: [{ id: call.id, type: "function", function: { name: "get_weather" } }],
    });
    // Stored as JSON (the seed's `input`), so the arguments come back equal, not byte-identical.
    expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual(JSON.parse(call.function.arguments));
    expect(tool).toEqual({ role: "tool", tool_call_id: call.id, content: "18C, cloudy" });
    expect(followUp).toEqual({ role: "user", content: "And tomorrow?" });
    const rows = await waitFor(async () => {
      const r = await messagesOf(session.id);
      return r.length === 5 && r;
    }, { what: "the final answer" });
    expect(rows.map((r) => [r.role, r.metadata.tool_type ?? null])).toEqual([
      ["human", null],
      ["tool", "call"],
      ["tool", "result"],
      ["human", null],
      ["assistant", null],
    ]);
    expect(rows[1].metadata).toMatchObject({
      tool_name: "get_weather",
      tool_id: call.id,
      input: { location: "Paris", unit: "celsius" },
    });
    expect(rows[2].metadata).toEqual({
      tool_type: "result",
      tool_call_id: call.id,
      status: "success",
      execution_time_ms: 120,
    });
    const perf = await waitFor(async () => {
      const r =
        await sql`select p.request_type from public.agent_performance_metrics p where p.agent_instance_id = ${tools.id} order by created_at`;
      return r.length === 2 && r;
    }, { what: "metrics" });
    expect(perf.map((p) => p.request_type)).toEqual(["tool_call", "chat"]);
  });
});

describe("chat: customer profiles", () => {
  it("builds the profile over several messages and marks the session as identified", async () => {
    const browser = new Browser();
    await browser.send(acme, sales, "Hi, my name is jane doe");
    const session = await sessionOf(browser.key(acme)!);
    await browser.send(acme, sales, "I'm interested in SmartFresh. I live at 12 Oak Street, Austin, TX 78701");
    await browser.send(
      acme,
      sales,
      "Also solar panels and installation; reach me at Jane@Example.com or 512-555-0199, I prefer email",
    );
    await browser.send(acme, sales, "smartfresh again, and my name is Jane Q Doe");
    const profile = await waitFor(async () => {
      const [p] = await sql`select * from public.profiles where session_id = ${session.id}`;
      return p?.customer_name === "Jane Q Doe" && p?.email && p;
    }, { what: "the whole profile" });
    expect(profile).toMatchObject({
      account_id: acme.id,
      customer_name: "Jane Q Doe",
      email: "jane@example.com",
      phone: "+15125550199",
      address_street: "12 Oak Street",
      address_city: "Austin",
      address_state: "TX",
      address_zip: "78701",
      products_of_interest: ["SmartFresh", "Solar Panel"],
      services_of_interest: ["Installation"],
      preferences: { contact_method: "email" },
    });
    expect(await sessionOf(browser.key(acme)!)).toMatchObject({ email: "jane@example.com", is_anonymous: false });
  });

  it("records an email collision with another session of the account, for review", async () => {
    const email = `returning-${crypto.randomUUID().slice(0, 6)}@example.com`;
    const laptop = new Browser();
    const phone = new Browser();
    await laptop.send(acme, sales, `my email is ${email}`);
    const first = await sessionOf(laptop.key(acme)!);
    await waitFor(
      async () => (await sql`select 1 from public.profiles where session_id = ${first.id} and email = ${email}`).length,
      { what: "the first profile" },
    );
    await phone.send(acme, sales, `it's me again, ${email.toUpperCase()}`);
    const second = await sessionOf(phone.key(acme)!);
    const [collision] = await waitFor(async () => {
      const r = await sql`select * from public.profile_email_collisions where session_id = ${second.id}`;
      return r.length > 0 && r;
    }, { what: "the collision" });
    expect(collision).toMatchObject({ account_id: acme.id, email, other_session_id: first.id, reviewed_at: null });
    // The same email in another account is not a collision.
    const other = new Browser();
    await other.send(demo, demoChat, `hello, ${email}`);
    const demoSession = await sessionOf(other.key(demo)!);
    await waitFor(async () => (await sql`select 1 from public.profiles where session_id = ${demoSession.id}`).length, {
      what: "demo's profile",
    });
    expect(await sql`select 1 from public.profile_email_collisions where session_id = ${demoSession.id}`).toHaveLength(
      0,
    );
  });
});

describe("chat: instances and errors", () => {
  it("404 for an unknown account or instance, 409 for an inactive one", async () => {
    const inactive = await createInstance(sql, acme, { status: "inactive" });
    const browser = new Browser();
    const unknown = await browser.send(acme, { id: "", slug: "no-such-agent" }, "hi");
    expect(unknown.res.status).toBe(404);
    expect(unknown.body.error.code).toBe("instance_not_found");
    expect((await browser.send({ ...acme, slug: "no-such-account" }, support, "hi")).res.status).toBe(404);
    const refused = await browser.send(acme, inactive, "hi");
    expect(refused.res.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "instance_inactive",
      message: `Agent instance '${inactive.slug}' is inactive`,
    });
    expect(browser.cookies.size).toBe(0);
  });

  it("an invalid config is a clear error naming the field, and nothing is written", async () => {
    const broken = await createInstance(sql, acme, { config: { model: "openai/gpt-4o-mini", temperature: 7 } });
    const before = fake.requestCount();
    const { res, body } = await new Browser().send(acme, broken, "hi");
    expect(res.status).toBe(500);
    expect(body.error).toMatchObject({ type: "server_error", code: "invalid_instance_config", param: "temperature" });
    expect(body.error.message).toContain("'temperature': 7 is greater than 2");
    expect(fake.requestCount()).toBe(before);
    expect(await sql`select 1 from public.sessions where agent_instance_id = ${broken.id}`).toHaveLength(0);
  });

  it("rejects oversized and empty messages before writing anything", async () => {
    const browser = new Browser();
    const big = await browser.send(acme, support, "x".repeat(501));
    expect(big.res.status).toBe(413);
    expect(big.body.error).toMatchObject({ code: "message_too_long", param: "message" });
    expect((await browser.send(acme, support, "   ")).res.status).toBe(400);
    expect(browser.cookies.size).toBe(0);
  });

  it("rate-limits an anonymous session, then its address, with retry-after", async () => {
    const browser = new Browser();
    for (let i = 0; i < LIMITS.perSession; i++) {
      expect((await browser.send(acme, support, `m${i}`)).res.status).toBe(200);
    }
    const limited = await browser.send(acme, support, "one more");
    expect(limited.res.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limit_exceeded");
    expect(Number(limited.res.headers.get("retry-after"))).toBeGreaterThan(0);

    // Dropping the cookie starts new sessions, until the address itself is over its limit.
    const sessions = async () =>
      (await sql`select count(*)::int as n from public.sessions where account_id = ${acme.id}`)[0].n;
    for (let i = LIMITS.perSession + 1; i < LIMITS.perIp; i++) {
      browser.cookies.clear();
      expect((await browser.send(acme, support, "fresh start")).res.status).toBe(200);
    }
    browser.cookies.clear();
    const before = await sessions();
    const flooded = await browser.send(acme, support, "fresh start");
    expect(flooded.res.status).toBe(429);
    expect(await sessions()).toBe(before);
  });
});

describe("chat: CORS for embedded widgets", () => {
  it("answers preflights: credentials for a listed origin, a wildcard without them otherwise", async () => {
    const listed = await createInstance(sql, acme, {
      config: { model: "openai/gpt-4o-mini", allowed_origins: ["https://shop.example"] },
    });
    const preflight = (instance: TestInstance) =>
      fetch(`${fns.url}/chat/${acme.slug}/${instance.slug}`, {
        method: "OPTIONS",
        headers: {
          origin: "https://shop.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      });
    const res = await preflight(listed);
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-headers")).toBe("content-type");
    const open = await preflight(support);
    expect(open.headers.get("access-control-allow-origin")).toBe("*");
    expect(open.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("an instance with allowed_origins refuses other pages", async () => {
    const locked = await createInstance(sql, acme, {
      config: { model: "openai/gpt-4o-mini", allowed_origins: ["https://allowed.example"] },
    });
    const ok = await new Browser(null, "https://allowed.example").send(acme, locked, "hi");
    expect(ok.res.status).toBe(200);
    const refused = await new Browser(null, "https://evil.example").send(acme, locked, "hi");
    expect(refused.res.status).toBe(403);
    expect(refused.body.error.code).toBe("origin_not_allowed");
    expect(refused.res.headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("chat: signed-in users and row-level security", () => {
  let member: TestUser;

  it("attaches a signed-in user's sessions to them and lists them across devices", async () => {
    member = await addMember(sql, acme, "member");
    const laptop = new Browser(member.jwt);
    const phone = new Browser(member.jwt);
    await laptop.send(acme, support, "from my laptop");
    await phone.send(acme, support, "from my phone");
    const laptopSession = await sessionOf(laptop.key(acme)!);
    expect(laptopSession.user_id).toBe(member.id);

    const res = await phone.fetch("chat/sessions");
    expect(res.status).toBe(200);
    const { sessions } = await res.json();
    expect(sessions.map((s: LooseObject) => s.last_message).sort()).toEqual(["from my laptop", "from my phone"]);
    expect(sessions[0]).toMatchObject({ account_slug: acme.slug, instance_slug: support.slug, message_count: 2 });
    // The phone reads the laptop's conversation by id.
    const other = await phone.history(acme, support, `?session_id=${laptopSession.id}`);
    expect(other.messages.map((m) => m.content)).toEqual(["from my laptop", answerText(6)]);
    expect((await new Browser().fetch("chat/sessions")).status).toBe(401);

    // Signed out, the same browser does not get the user's session back.
    laptop.jwt = null;
    expect((await laptop.history(acme, support)).messages).toEqual([]);
    await laptop.send(acme, support, "anonymous now");
    expect((await sessionOf(laptop.key(acme)!)).user_id).toBeNull();
  });

  it("members read their account's sessions, messages and profiles only", async () => {
    const visitor = new Browser();
    await visitor.send(demo, demoChat, "demo secret, my email is demo-visitor@example.com");
    const demoSession = await sessionOf(visitor.key(demo)!);
    await waitFor(async () => (await sql`select 1 from public.profiles where session_id = ${demoSession.id}`).length, {
      what: "demo profile",
    });
    const viewer = await addMember(sql, acme, "viewer");
    const seen = await asRole(sql, as(viewer), async (tx) => ({
      sessions: await tx`select account_id from public.sessions`,
      messages: await tx`select account_id, content from public.messages`,
      profiles: await tx`select account_id from public.profiles`,
      usage: await tx`select account_id from public.agent_usage_log`,
    }));
    expect(seen.sessions.length).toBeGreaterThan(0);
    expect(seen.messages.length).toBeGreaterThan(0);
    for (const rows of Object.values(seen)) expect(rows.every((r: LooseObject) => r.account_id === acme.id)).toBe(true);
    expect(seen.messages.some((m) => m.content.includes("demo secret"))).toBe(false);

    // Demo's owner sees demo's conversation, and nothing of acme's.
    const demoView = await asRole(sql, as(demo.owner), (tx) => tx`select account_id, content from public.messages`);
    expect(demoView.some((m) => m.content.includes("demo secret"))).toBe(true);
    expect(demoView.every((m) => m.account_id === demo.id)).toBe(true);

    // An outsider sees nothing, even with the session id.
    const outsider = await createUser(sql, "outsider");
    const none = await asRole(
      sql,
      as(outsider),
      (tx) => tx`select 1 from public.messages where session_id = ${demoSession.id}`,
    );
    expect(none).toHaveLength(0);
  });
});
