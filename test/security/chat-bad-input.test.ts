// Bad input to the chat is the client's mistake: a clear 400/401 in the API's error shape, never
// a 500, and nothing written (no session, no message).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJwt } from "../../scripts/lib/keys.ts";
import { ChatBrowser, chatRows, type ChatStack, startChatStack } from "../helpers/chat-browser.ts";
import { stopStack } from "../helpers/stack.ts";

let { sql, fake, fns, acme, chat } = {} as ChatStack;

beforeAll(async () => {
  ({ sql, fake, fns, acme, chat } = await startChatStack({
    OPENROUTER_API_KEY: "sk-or-v1-test-key-badinput-0123456789",
  }));
});

afterAll(() => stopStack({ sql, fake, fns }));

/** Runs `call`, expects its status and error code, and that the account gained no rows. */
async function refused(call: () => Promise<Response>, status: number, code: string): Promise<void> {
  const before = await chatRows(sql, acme.id);
  const res = await call();
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(body.error).toMatchObject({ code });
  expect(typeof body.error.message).toBe("string");
  expect(await chatRows(sql, acme.id)).toEqual(before);
}

/** A chat browser whose token verifies, for the subject `sub` (which may name no user, or not be a UUID). */
async function signedInAs(sub: string): Promise<ChatBrowser> {
  const browser = new ChatBrowser(fns.url);
  browser.jwt = await signJwt({ sub, role: "authenticated", aud: "authenticated" });
  return browser;
}

describe("chat bad input", () => {
  it("malformed percent-encoding and control characters in the path are 400", async () => {
    const browser = new ChatBrowser(fns.url);
    const paths = [
      `chat/%E0%A4%A/${chat.slug}`,
      `chat/${acme.slug}/%ZZ`,
      `chat/${acme.slug}/${chat.slug}%00`,
      `chat/${acme.slug}%00/${chat.slug}`,
      `chat/${acme.slug}/%0A${chat.slug}`,
    ];
    for (const path of paths) {
      await refused(() => browser.fetch(path, { body: { message: "hi" } }), 400, "invalid_path");
      await refused(() => browser.fetch(`${path}/history`), 400, "invalid_path");
    }
  });

  it("a NUL character in a message or a tool result is 400, and no session is created", async () => {
    const browser = new ChatBrowser(fns.url);
    const post = (body: unknown) => () => browser.fetch(`chat/${acme.slug}/${chat.slug}`, { body });
    await refused(post({ message: "hello\u0000world" }), 400, "invalid_characters");
    await refused(
      post({ message: "hi", tool_results: [{ tool_call_id: "call_1", content: "x\u0000" }] }),
      400,
      "invalid_characters",
    );
    await refused(post({ tool_results: [{ tool_call_id: "call_\u0000", content: "ok" }] }), 400, "invalid_characters");
    expect(browser.key(acme.slug)).toBeUndefined();
  });

  it("a valid JWT whose user has no users row is 401", async () => {
    const browser = await signedInAs(crypto.randomUUID());
    await refused(
      () => browser.fetch(`chat/${acme.slug}/${chat.slug}`, { body: { message: "hi" } }),
      401,
      "unknown_user",
    );
  });

  it("a JWT whose subject is not a UUID is 401, on every route", async () => {
    const browser = await signedInAs("not-a-uuid");
    await refused(
      () => browser.fetch(`chat/${acme.slug}/${chat.slug}`, { body: { message: "hi" } }),
      401,
      "invalid_token",
    );
    await refused(() => browser.fetch(`chat/${acme.slug}/${chat.slug}/history`), 401, "invalid_token");
    await refused(() => browser.fetch("chat/sessions"), 401, "invalid_token");
  });
});
