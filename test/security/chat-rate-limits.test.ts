// Chat abuse limits hold against a client that writes its own X-Forwarded-For and against
// signed-in users who are not members of the account; only members are exempt.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatBrowser, chatRows } from "../helpers/chat-browser.ts";
import { type FakeProvider, startFakeProvider } from "../helpers/fake-provider.ts";
import {
  addMember,
  createAccount,
  createInstance,
  createUser,
  type TestAccount,
  type TestInstance,
} from "../helpers/fixtures.ts";
import { adminSql, startFunctions, type TestFunctions } from "../helpers/stack.ts";

// An hour-long window, so no window boundary falls inside a test.
const LIMITS = {
  CHAT_RATE_LIMIT_PER_SESSION: "3",
  CHAT_RATE_LIMIT_PER_IP: "5",
  CHAT_RATE_LIMIT_PER_USER: "4",
  CHAT_RATE_LIMIT_WINDOW_SECONDS: "3600",
};

let sql: postgres.Sql;
let fake: FakeProvider;
/** No proxy configured (the local default): the socket address is the client. */
let direct: TestFunctions;
/** One trusted proxy in front (TRUSTED_PROXY_HOPS=1): the last X-Forwarded-For entry is the client. */
let proxied: TestFunctions;
let acme: TestAccount;
let chat: TestInstance;

let n = 0;
const randomIp = () => `198.51.${++n % 250}.${Math.floor(Math.random() * 250)}`;
// Addresses only this file uses: the rate-limit table is shared by every test file's server.
const realClient = `203.0.113.${Math.floor(Math.random() * 250)}`;

beforeAll(async () => {
  sql = adminSql();
  fake = await startFakeProvider();
  const env = {
    OPENROUTER_API_KEY: "sk-or-v1-test-key-limits-0123456789",
    OPENROUTER_BASE_URL: fake.openaiBaseUrl,
    ...LIMITS,
  };
  [direct, proxied] = await Promise.all([startFunctions(env), startFunctions({ ...env, TRUSTED_PROXY_HOPS: "1" })]);
  acme = await createAccount(sql);
  chat = await createInstance(sql, acme);
});

afterAll(async () => {
  await Promise.all([direct?.stop(), proxied?.stop()]);
  await fake?.stop();
  await sql?.end();
});

/** Sends fresh-session messages (no cookie) until one is refused; returns how many got through. */
async function untilLimited(next: () => ChatBrowser, max = 12): Promise<number> {
  for (let i = 0; i < max; i++) {
    const { res, body } = await next().send(acme.slug, chat.slug, `hello ${i}`);
    if (res.status === 429) {
      expect(body.error.code).toBe("rate_limit_exceeded");
      return i;
    }
    expect(res.status).toBe(200);
  }
  return max;
}

describe("chat rate limits", () => {
  it("a spoofed X-Forwarded-For does not open a new address bucket (no proxy configured)", async () => {
    const got = await untilLimited(() => {
      const b = new ChatBrowser(direct.url);
      b.localAddress = "127.0.0.23";
      b.forwardedFor = randomIp();
      return b;
    });
    expect(got).toBe(Number(LIMITS.CHAT_RATE_LIMIT_PER_IP));
  });

  it("behind a trusted proxy, only the proxy's entry counts, not what the client prepended", async () => {
    const before = await chatRows(sql, acme.id);
    const got = await untilLimited(() => {
      const b = new ChatBrowser(proxied.url);
      b.forwardedFor = `${randomIp()}, ${realClient}`;
      return b;
    });
    expect(got).toBe(Number(LIMITS.CHAT_RATE_LIMIT_PER_IP));
    // The refused call created no session.
    expect((await chatRows(sql, acme.id)).sessions).toBe(before.sessions + got);
  });

  it("a signed-in non-member is limited per user, whatever address they come from", async () => {
    const stranger = await createUser(sql, "stranger");
    const got = await untilLimited(() => {
      const b = new ChatBrowser(proxied.url);
      b.jwt = stranger.jwt;
      b.forwardedFor = randomIp();
      return b;
    });
    expect(got).toBe(Number(LIMITS.CHAT_RATE_LIMIT_PER_USER));
  });

  it("a signed-in non-member's session is limited like a visitor's", async () => {
    const stranger = await createUser(sql, "stranger");
    const b = new ChatBrowser(proxied.url);
    b.jwt = stranger.jwt;
    b.forwardedFor = randomIp();
    let got = 0;
    while ((await b.send(acme.slug, chat.slug, "again")).res.status === 200 && got < 10) got++;
    expect(got).toBe(Number(LIMITS.CHAT_RATE_LIMIT_PER_SESSION));
  });

  it("members of the account are not limited", async () => {
    const member = await addMember(sql, acme, "member");
    const b = new ChatBrowser(direct.url);
    b.jwt = member.jwt;
    for (let i = 0; i < 8; i++) expect((await b.send(acme.slug, chat.slug, `staff test ${i}`)).res.status).toBe(200);
  });
});
