// CORS of the cookie-authenticated chat: only origins an instance lists get credentials; any other
// page (every page, by default) may not send or read with the visitor's cookie. That holds for
// answers, errors (404) and preflights alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatBrowser, type ChatStack, startChatStack } from "../helpers/chat-browser.ts";
import { createInstance, type TestInstance } from "../helpers/fixtures.ts";
import { stopStack } from "../helpers/stack.ts";

const EVIL = "https://evil.example";
const SHOP = "https://shop.example";

let { sql, fake, fns, acme, chat: open } = {} as ChatStack;
let locked: TestInstance;

beforeAll(async () => {
  ({ sql, fake, fns, acme, chat: open } = await startChatStack({
    OPENROUTER_API_KEY: "sk-or-v1-test-key-cors-0123456789",
  }));
  locked = await createInstance(sql, acme, { config: { model: "openai/gpt-4o-mini", allowed_origins: [SHOP] } });
});

afterAll(() => stopStack({ sql, fake, fns }));

const preflight = (path: string, origin: string) =>
  fetch(`${fns.url}/${path}`, {
    method: "OPTIONS",
    headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
  });

const credentials = (res: Response) => res.headers.get("access-control-allow-credentials");
const allowOrigin = (res: Response) => res.headers.get("access-control-allow-origin");

describe("chat CORS", () => {
  it("without allowed_origins, no page gets credentials: answers, history and preflights", async () => {
    const page = new ChatBrowser(fns.url, EVIL);
    const sent = await page.send(acme.slug, open.slug, "hi");
    expect(sent.res.status).toBe(200);
    expect(credentials(sent.res)).toBeNull();
    expect(allowOrigin(sent.res)).toBe("*");
    const history = await page.history(acme.slug, open.slug);
    expect(credentials(history.res)).toBeNull();
    expect(allowOrigin(history.res)).not.toBe(EVIL);
    const pre = await preflight(`chat/${acme.slug}/${open.slug}`, EVIL);
    expect(credentials(pre)).toBeNull();
    expect(allowOrigin(pre)).not.toBe(EVIL);
  });

  it("no credentials on errors: unknown instances, unknown routes, their preflights", async () => {
    for (const path of [`chat/${acme.slug}/nope`, "chat/no-such-account/x", "chat/a/b/c/d"]) {
      const res = await new ChatBrowser(fns.url, EVIL).fetch(path, { body: { message: "hi" } });
      expect(res.status).toBe(404);
      expect(credentials(res)).toBeNull();
      expect(allowOrigin(res)).not.toBe(EVIL);
      const pre = await preflight(path, EVIL);
      expect(credentials(pre)).toBeNull();
      expect(allowOrigin(pre)).not.toBe(EVIL);
    }
  });

  it("a restricted instance gives an unlisted origin nothing, even on its preflight", async () => {
    const pre = await preflight(`chat/${acme.slug}/${locked.slug}`, EVIL);
    expect(allowOrigin(pre)).toBeNull();
    expect(credentials(pre)).toBeNull();
    const refused = await new ChatBrowser(fns.url, EVIL).send(acme.slug, locked.slug, "hi");
    expect(refused.res.status).toBe(403);
    expect(allowOrigin(refused.res)).toBeNull();
  });

  it("a listed origin gets its origin echoed with credentials", async () => {
    const pre = await preflight(`chat/${acme.slug}/${locked.slug}`, SHOP);
    expect(allowOrigin(pre)).toBe(SHOP);
    expect(credentials(pre)).toBe("true");
    const sent = await new ChatBrowser(fns.url, SHOP).send(acme.slug, locked.slug, "hi");
    expect(sent.res.status).toBe(200);
    expect(allowOrigin(sent.res)).toBe(SHOP);
    expect(credentials(sent.res)).toBe("true");
    expect(sent.res.headers.get("vary")).toContain("origin");
  });
});
