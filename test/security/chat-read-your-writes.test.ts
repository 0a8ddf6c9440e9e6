// Read your own writes: once a client has the whole answer (the stream's [DONE], or the JSON
// body), the history it asks for next includes that answer. The old background write lost the
// race about one time in three: looped, and made certain by holding the write back with a lock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatBrowser, type ChatStack, startChatStack } from "../helpers/chat-browser.ts";
import { answerText } from "../helpers/fake-provider.ts";
import { holdLock, waitFor } from "../helpers/fixtures.ts";
import { stopStack } from "../helpers/stack.ts";

const ROUNDS = 6;

let { sql, fake, fns, acme, chat } = {} as ChatStack;

beforeAll(async () => {
  ({ sql, fake, fns, acme, chat } = await startChatStack({
    OPENROUTER_API_KEY: "sk-or-v1-test-key-ryw-0123456789",
    CHAT_RATE_LIMIT_PER_SESSION: "100000",
  }));
});

afterAll(() => stopStack({ sql, fake, fns }));

const contents = async (browser: ChatBrowser) =>
  ((await browser.history(acme.slug, chat.slug)).body.messages as { role: string; content: string }[]).map((m) =>
    `${m.role}:${m.content}`
  );

/**
 * Holds a lock that makes inserts into messages wait (reads do not) until released, or 1.5 s at
 * most. An answer written after the client got it then certainly misses the history read.
 */
const lockMessages = () => holdLock(sql, (tx) => tx`lock table public.messages in share mode`, { maxMs: 1500 });

/** Reads a streamed answer up to its [DONE] line, the way a widget does, and leaves the stream open. */
async function readToDone(res: Response): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes("data: [DONE]")) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return { text, reader };
}

describe("chat history after an answer", () => {
  it("includes a streamed answer as soon as its [DONE] arrives", async () => {
    const browser = new ChatBrowser(fns.url);
    const expected: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const res = await browser.fetch(`chat/${acme.slug}/${chat.slug}`, {
        body: { message: `round ${i} chunks:8`, stream: true },
      });
      expect(res.status).toBe(200);
      // A widget stops reading at [DONE] and re-syncs at once, without waiting for the close.
      const { text, reader } = await readToDone(res);
      expect(text).toContain("data: [DONE]");
      expected.push(`human:round ${i} chunks:8`, `assistant:${answerText(8)}`);
      expect(await contents(browser)).toEqual(expected);
      await reader.cancel();
    }
  });

  it("includes a streamed answer even when its write is slow", async () => {
    const browser = new ChatBrowser(fns.url);
    const res = await browser.fetch(`chat/${acme.slug}/${chat.slug}`, {
      body: { message: "slow write chunks:4 delay:30", stream: true },
    });
    expect(res.status).toBe(200);
    const lock = await lockMessages();
    const { reader } = await readToDone(res);
    const history = await contents(browser);
    await lock.release();
    await reader.cancel();
    expect(history).toEqual(["human:slow write chunks:4 delay:30", `assistant:${answerText(4)}`]);
  });

  it("includes a JSON answer even when its write is slow", async () => {
    const browser = new ChatBrowser(fns.url);
    fake.setOptions({ delayMs: 400 });
    try {
      const seen = fake.requests.length;
      const sent = browser.send(acme.slug, chat.slug, "slow json write");
      // The turn is stored before the provider is called; lock while the provider thinks.
      await waitFor(() => fake.requests.length !== seen, { intervalMs: 5, what: "the provider call" });
      const lock = await lockMessages();
      expect((await sent).res.status).toBe(200);
      const history = await contents(browser);
      await lock.release();
      expect(history).toEqual(["human:slow json write", `assistant:${answerText(6)}`]);
    } finally {
      fake.reset();
    }
  });

  it("includes a JSON answer as soon as the response arrives", async () => {
    const browser = new ChatBrowser(fns.url);
    const expected: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const { res } = await browser.send(acme.slug, chat.slug, `json ${i}`);
      expect(res.status).toBe(200);
      expected.push(`human:json ${i}`, `assistant:${answerText(6)}`);
      expect(await contents(browser)).toEqual(expected);
    }
  });
});
