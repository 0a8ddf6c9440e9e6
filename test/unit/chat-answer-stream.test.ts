import { describe, expect, it } from "vitest";
import { holdEnd, holdFrom } from "../../functions/_shared/gateway/answer-stream.ts";

const enc = new TextEncoder();
const SSE =
  'data: {"choices":[{"delta":{"content":"data: [DONE] is not the end"}}]}\n\ndata: {"choices":[]}\n\ndata: [DONE]\n\n';

/** Streams `text` split at `cuts`, and returns what came out before and after `beforeEnd` settled. */
async function run(text: string, cuts: number[]): Promise<{ before: string; after: string }> {
  const bytes = enc.encode(text);
  const bounds = [0, ...cuts, bytes.length];
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < bounds.length - 1; i++) c.enqueue(bytes.slice(bounds[i], bounds[i + 1]));
      c.close();
    },
  });
  let settled = false;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reader = holdEnd(source, () => gate.then(() => void (settled = true))).getReader();
  const dec = new TextDecoder();
  let before = "";
  let after = "";
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (settled) after += dec.decode(value);
      else before += dec.decode(value);
    }
  })();
  await new Promise((r) => setTimeout(r, 5));
  release();
  await pump;
  return { before, after };
}

describe("holdEnd", () => {
  it("passes everything but the [DONE] line through, and sends that only after the write", async () => {
    for (let cut = 1; cut < SSE.length; cut++) {
      const { before, after } = await run(SSE, [cut]);
      // Exactly the final line waits; the content that merely mentions [DONE] does not.
      expect(after).toBe("data: [DONE]\n\n");
      expect(before).toBe(SSE.slice(0, -after.length));
    }
  });

  it("holds nothing of a stream without [DONE]; its close still waits for the write", async () => {
    const text = 'data: {"a":1}\n\n';
    expect((await run(text, [3, 9])).before).toBe(text);
    expect(holdFrom(enc.encode("data: {}\n\ndata: [DO"), true)).toBe(10);
    expect(holdFrom(enc.encode("x data: [DONE]"), true)).toBe(14);
    expect(holdFrom(enc.encode("data: [DONE]"), false)).toBe(12);
  });
});
