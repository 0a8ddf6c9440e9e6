// A browser for the chat function: one cookie jar, an origin, optionally a signed-in user's JWT and
// an X-Forwarded-For value (what a client or a proxy in front of the function wrote).
import { createHash } from "node:crypto";
import { request } from "node:http";
import type postgres from "postgres";
import { createAccount, createInstance, type TestAccount, type TestInstance } from "./fixtures.ts";
import { type FakeProviderStack, startWithFakeProvider, stopStack } from "./stack.ts";

/** Stores the cookies a response sets in a browser's jar (name -> value; attributes are not kept). */
export function keepCookies(jar: Map<string, string>, res: Response): void {
  for (const cookie of res.headers.getSetCookie()) {
    const [pair] = cookie.split(";");
    const eq = pair.indexOf("=");
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

export class ChatBrowser {
  cookies = new Map<string, string>();
  jwt: string | null = null;
  forwardedFor: string | null = null;
  /** The socket's own address (any of 127.0.0.0/8), so a test owns its address's rate-limit bucket. */
  localAddress: string | null = null;

  constructor(readonly baseUrl: string, readonly origin = "https://shop.example") {}

  async fetch(
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { origin: this.origin, ...init.headers };
    if (this.forwardedFor) headers["x-forwarded-for"] = this.forwardedFor;
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (this.jwt) headers.authorization = `Bearer ${this.jwt}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const method = init.method ?? (init.body === undefined ? "GET" : "POST");
    const body = init.body === undefined
      ? undefined
      : typeof init.body === "string"
      ? init.body
      : JSON.stringify(init.body);
    const url = `${this.baseUrl}/${path}`;
    const res = this.localAddress
      ? await fetchFrom(this.localAddress, url, method, headers, body)
      : await fetch(url, { method, headers, body });
    keepCookies(this.cookies, res);
    return res;
  }

  async send(accountSlug: string, instanceSlug: string, message: string, extra: Record<string, unknown> = {}) {
    const res = await this.fetch(`chat/${accountSlug}/${instanceSlug}`, { body: { message, ...extra } });
    return { res, body: await res.json() };
  }

  async history(accountSlug: string, instanceSlug: string) {
    const res = await this.fetch(`chat/${accountSlug}/${instanceSlug}/history`);
    return { res, body: await res.json() };
  }

  key(accountSlug: string): string | undefined {
    return this.cookies.get(`chat_session_${accountSlug}`);
  }
}

/** fetch() from a given local address (node:http; the global fetch cannot bind one). */
function fetchFrom(
  localAddress: string,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const out = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.append(name, v);
        }
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode, headers: out }));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Sessions and messages an account has: a refused call must leave both unchanged. */
export async function chatRows(sql: postgres.Sql, accountId: string): Promise<{ sessions: number; messages: number }> {
  const [row] = await sql`
    select (select count(*)::int from public.sessions where account_id = ${accountId}) as sessions,
           (select count(*)::int from public.messages where account_id = ${accountId}) as messages`;
  return { sessions: row.sessions, messages: row.messages };
}

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

export interface ChatStack extends FakeProviderStack {
  acme: TestAccount;
  /** A chat instance of `acme` with the template's defaults. */
  chat: TestInstance;
}

/**
 * The stack for a chat test file: startWithFakeProvider(env) and an account with one chat instance. The
 * per-address limit is lifted unless `env` sets it: every test file talks from 127.0.0.1.
 */
export async function startChatStack(env: Record<string, string>): Promise<ChatStack> {
  const stack = await startWithFakeProvider({ CHAT_RATE_LIMIT_PER_IP: "100000", ...env });
  try {
    const acme = await createAccount(stack.sql);
    return { ...stack, acme, chat: await createInstance(stack.sql, acme) };
  } catch (err) {
    await stopStack(stack);
    throw err;
  }
}
