import { describe, expect, it } from "vitest";
import { teeChatStream } from "../../functions/_shared/gateway/stream-tee.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

const ID = "chatcmpl-1";
const chunk = (delta: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}) =>
  `data: ${
    JSON.stringify({
      id: ID,
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o-mini",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: null,
      ...extra,
    })
  }\n\n`;
const USAGE = {
  prompt_tokens: 17,
  completion_tokens: 9,
  total_tokens: 26,
  prompt_tokens_details: { cached_tokens: 5 },
  completion_tokens_details: { reasoning_tokens: 3 },
  cost: 0.00001234,
};
const usageChunk = `data: ${
  JSON.stringify({
    id: ID,
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-4o-mini",
    choices: [],
    usage: USAGE,
  })
}\n\n`;

const ROLE = chunk({ role: "assistant", content: "", refusal: null });
const CONTENT = ["Grüß", " dich", " 👋🏽", " — ok"].map((c) => chunk({ content: c }));
const FINISH = chunk({}, "stop");
const DONE = "data: [DONE]\n\n";
const COMMENT = ": OPENROUTER PROCESSING\n\n";

/** What a client that did not ask for usage sees: no usage chunk, no `"usage":null` fields. */
const hidden = (text: string) => text.replace(/,"usage":null/g, "");
const fullStream = (withUsage: boolean) =>
  [COMMENT, ROLE, ...CONTENT, FINISH, ...(withUsage ? [usageChunk] : []), DONE].join("");

/** Splits bytes at the given cut points (positions in bytes). */
function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

function sourceOf(
  parts: Uint8Array[],
  opts: { endWith?: "close" | "error"; onCancel?: () => void } = {},
): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < parts.length) controller.enqueue(parts[i++]);
      else if (opts.endWith === "error") controller.error(new TypeError("terminated"));
      else controller.close();
    },
    cancel() {
      opts.onCancel?.();
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<{ text: string; chunks: number; error?: unknown }> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
    }
  } catch (error) {
    return { text: concatText(parts), chunks: parts.length, error };
  }
  return { text: concatText(parts), chunks: parts.length };
}

function concatText(parts: Uint8Array[]): string {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return dec.decode(all);
}

describe("teeChatStream", () => {
  const upstreamText = fullStream(true);
  const upstreamBytes = enc.encode(upstreamText);
  // Sizes that cut mid-line, mid-"data:", between \n\n, and inside multi-byte characters.
  const SIZES = [1, 2, 3, 5, 7, 13, 64, 100_000];

  it.each(SIZES)("hides exactly the usage chunk when the client did not ask (split every %i bytes)", async (size) => {
    const { stream, result } = teeChatStream(sourceOf(split(upstreamBytes, size)), { clientWantsUsage: false });
    const out = await readAll(stream);
    expect(out.text).toBe(hidden(fullStream(false)));
    const r = await result;
    expect(r.status).toBe("success");
    expect(r.usageSource).toBe("provider");
    expect(r.usage).toEqual({
      prompt_tokens: 17,
      completion_tokens: 9,
      total_tokens: 26,
      cached_tokens: 5,
      cache_creation_tokens: 0,
      cache_creation_1h_tokens: 0,
      reasoning_tokens: 3,
      provider_cost: "0.00001234",
      service_tier: null,
    });
    expect(r.text).toBe("Grüß dich 👋🏽 — ok");
    expect(r.finishReason).toBe("stop");
    expect(r.doneSeen).toBe(true);
    expect(r.responseId).toBe(ID);
    expect(r.bytesReceived).toBe(upstreamBytes.length);
  });

  it('removes a leading, a trailing and a mid-event `"usage":null` byte-exactly', async () => {
    const lead = `data: {"usage":null,"id":"${ID}","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n`;
    const trail = `data: {"id":"${ID}","choices":[{"index":0,"delta":{"content":"b"}}],"usage":null}\n\n`;
    const both = `data: {"usage":null,"id":"${ID}","usage":null,"choices":[{"index":0,"delta":{"content":"ü"}}]}\n\n`;
    const upstream = enc.encode([lead, trail, both, DONE].join(""));
    const { stream, result } = teeChatStream(sourceOf([upstream]), { clientWantsUsage: false });
    const out = await readAll(stream);
    expect(out.text).toBe(
      [
        `data: {"id":"${ID}","choices":[{"index":0,"delta":{"content":"a"}}]}\n\n`,
        `data: {"id":"${ID}","choices":[{"index":0,"delta":{"content":"b"}}]}\n\n`,
        `data: {"id":"${ID}","choices":[{"index":0,"delta":{"content":"ü"}}]}\n\n`,
        DONE,
      ].join(""),
    );
    expect((await result).text).toBe("abü");
  });

  it.each(SIZES)("passes every byte through when the client asked for usage (split every %i bytes)", async (size) => {
    const parts = split(upstreamBytes, size);
    const { stream, result } = teeChatStream(sourceOf(parts), { clientWantsUsage: true });
    const out = await readAll(stream);
    expect(out.text).toBe(upstreamText);
    // Forwarded by whole events (an error event may need redacting), never more than one write per event.
    expect(out.chunks).toBeLessThanOrEqual(Math.min(parts.length, upstreamText.split("\n\n").length - 1));
    const r = await result;
    expect(r.usage.prompt_tokens).toBe(17);
    expect(r.text).toBe("Grüß dich 👋🏽 — ok");
    expect(r.status).toBe("success");
  });

  // A fetch body is a byte stream: the tee reads it into one reused buffer, so what it forwarded
  // must be copies that later reads cannot overwrite (the client here keeps every chunk to the end).
  it.each([7, 1000, 40_000])("forwards intact copies from a byte stream (split every %i bytes)", async (size) => {
    const words = Array.from({ length: 400 }, (_, i) => ` w${i}`);
    const text = [ROLE, ...words.map((w) => chunk({ content: w })), FINISH, usageChunk, DONE].join("");
    const bytes = enc.encode(text);
    expect(bytes.length).toBeGreaterThan(3 * 16 * 1024);
    const parts = split(bytes, size);
    let i = 0;
    const source = new ReadableStream({
      type: "bytes",
      pull(controller) {
        if (i < parts.length) return controller.enqueue(parts[i++] as Uint8Array<ArrayBuffer>);
        // As a fetch body ends: a read waiting in its own buffer is answered with no bytes.
        controller.close();
        controller.byobRequest?.respond(0);
      },
    });
    const { stream, result } = teeChatStream(source, { clientWantsUsage: true });
    const out = await readAll(stream);
    expect(out.text).toBe(text);
    const r = await result;
    expect(r.text).toBe(words.join(""));
    expect(r.bytesReceived).toBe(bytes.length);
    expect(r.status).toBe("success");
  });

  it("forwards each event as soon as it is complete, before the upstream ends", async () => {
    let push!: (s: string) => void;
    const upstream = new ReadableStream<Uint8Array>({
      start(c) {
        push = (s) => c.enqueue(enc.encode(s));
      },
    });
    const { stream } = teeChatStream(upstream, { clientWantsUsage: false });
    const reader = stream.getReader();
    push(ROLE + CONTENT[0].slice(0, 10));
    expect(dec.decode((await reader.read()).value)).toBe(hidden(ROLE));
    push(CONTENT[0].slice(10));
    expect(dec.decode((await reader.read()).value)).toBe(hidden(CONTENT[0]));
    await reader.cancel();
  });

  it("handles CRLF and CR line endings", async () => {
    for (const eol of ["\r\n", "\r"]) {
      const text = fullStream(true).replace(/\n/g, eol);
      const expected = hidden(fullStream(false)).replace(/\n/g, eol);
      const { stream, result } = teeChatStream(sourceOf(split(enc.encode(text), 3)), { clientWantsUsage: false });
      expect((await readAll(stream)).text).toBe(expected);
      const r = await result;
      expect(r.usage.completion_tokens).toBe(9);
      expect(r.status).toBe("success");
    }
  });

  it("assembles tool calls streamed in pieces", async () => {
    const text = [
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "get_weather", arguments: "" } }],
      }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{"loc' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: 'ation":"Paris"}' } }] }),
      chunk({
        tool_calls: [{ index: 1, id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } }],
      }),
      chunk({}, "tool_calls"),
      usageChunk,
      DONE,
    ].join("");
    const { stream, result } = teeChatStream(sourceOf(split(enc.encode(text), 11)), { clientWantsUsage: true });
    await readAll(stream);
    const r = await result;
    expect(r.finishReason).toBe("tool_calls");
    expect(r.toolCalls).toEqual([
      {
        index: 0,
        id: "call_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"location":"Paris"}' },
      },
      { index: 1, id: "call_2", type: "function", function: { name: "get_time", arguments: "{}" } },
    ]);
    expect(r.ttftMs).not.toBeNull();
  });

  it("reports a stream cut after output as partial with estimated usage", async () => {
    const cut = [ROLE, ...CONTENT.slice(0, 2)].join("") + CONTENT[2].slice(0, 20);
    const messages = [{ role: "user", content: "Say hello in German, please." }];
    const { stream, result } = teeChatStream(sourceOf([enc.encode(cut)], { endWith: "error" }), {
      clientWantsUsage: false,
      messages,
    });
    const out = await readAll(stream);
    // The client sees the break as an OpenAI error chunk (the incomplete event is dropped), then the end.
    expect(out.error).toBeUndefined();
    expect(out.text).toBe(
      hidden([ROLE, ...CONTENT.slice(0, 2)].join("")) + `data: ${
        JSON.stringify({
          error: {
            message: "upstream connection failed: terminated",
            type: "upstream_error",
            code: "upstream_disconnected",
            param: null,
          },
        })
      }\n\n`,
    );
    const r = await result;
    expect(r.status).toBe("partial");
    expect(r.doneSeen).toBe(false);
    expect(r.usageSource).toBe("estimated");
    expect(r.text).toBe("Grüß dich");
    expect(r.usage.completion_tokens).toBeGreaterThan(0);
    expect(r.usage.prompt_tokens).toBeGreaterThan(6);
    expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens + r.usage.completion_tokens);
    expect(r.error?.code).toBe("upstream_disconnected");
  });

  it("reports a clean close without [DONE] as partial, and one without output as error", async () => {
    const a = teeChatStream(sourceOf([enc.encode(ROLE + CONTENT[0])]), { clientWantsUsage: true });
    const truncated = {
      message: "upstream closed the stream before [DONE]",
      type: "upstream_error",
      code: "stream_truncated",
      param: null,
    };
    expect((await readAll(a.stream)).text).toBe(
      ROLE + CONTENT[0] + `data: ${JSON.stringify({ error: truncated })}\n\n`,
    );
    expect((await a.result).status).toBe("partial");
    expect((await a.result).error?.code).toBe("stream_truncated");

    const b = teeChatStream(sourceOf([enc.encode(ROLE)]), { clientWantsUsage: true });
    await readAll(b.stream);
    expect((await b.result).status).toBe("error");
  });

  it("captures an upstream error event", async () => {
    const err = `data: ${
      JSON.stringify({ error: { message: "Overloaded", type: "overloaded_error", code: 529 } })
    }\n\n`;
    const { stream, result } = teeChatStream(sourceOf([enc.encode(ROLE + CONTENT[0] + err)]), {
      clientWantsUsage: false,
    });
    // The provider's own error chunk ends the stream; the gateway adds none.
    expect((await readAll(stream)).text).toBe(hidden(ROLE + CONTENT[0]) + err);
    const r = await result;
    expect(r.status).toBe("partial");
    expect(r.error).toEqual({ message: "Overloaded", type: "overloaded_error", code: "529" });
  });

  it("propagates a client cancel to the upstream and reports partial with tokens so far", async () => {
    let upstreamCancelled = false;
    let aborted: unknown;
    let sent = 0;
    const upstream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(enc.encode(chunk({ content: ` word${sent++}` })));
      },
      cancel() {
        upstreamCancelled = true;
      },
    });
    const { stream, result } = teeChatStream(upstream, {
      clientWantsUsage: false,
      messages: [{ role: "user", content: "count" }],
      onCancel: (reason) => (aborted = reason),
    });
    const reader = stream.getReader();
    await reader.read();
    await reader.read();
    await reader.cancel("client went away");
    const r = await result;
    expect(upstreamCancelled).toBe(true);
    expect(aborted).toBe("client went away");
    expect(r.status).toBe("partial");
    expect(r.clientCancelled).toBe(true);
    expect(r.text.startsWith(" word0 word1")).toBe(true);
    expect(r.usageSource).toBe("estimated");
    expect(r.usage.completion_tokens).toBeGreaterThanOrEqual(4);
    expect(r.error).toBeNull();
  });

  it("assembles text with escapes, quotes and JSON-looking content exactly", async () => {
    const tricky = ['He said "hi"\n', "back\\slash\\", ' {"usage":{"x":1},"error":1,"content":"no"}', " é🚀", 'tail "'];
    // Escape non-ASCII as \uXXXX too, as some providers do.
    const asJson = (t: string) =>
      JSON.stringify(t).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    const raw = tricky.map((t) =>
      `data: {"id":"${ID}","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":${
        asJson(t)
      }},"logprobs":null,"finish_reason":null}]}\n\n`
    );
    const text = [ROLE, ...raw, FINISH, DONE].join("");
    const { stream, result } = teeChatStream(sourceOf(split(enc.encode(text), 4)), { clientWantsUsage: false });
    expect((await readAll(stream)).text).toBe(hidden(text));
    const r = await result;
    expect(r.text).toBe(tricky.join(""));
    expect(r.error).toBeNull();
    expect(r.usageSource).toBe("estimated");
  });

  it("keeps provider usage when the upstream sends it in a chunk that also has choices", async () => {
    const mixed = chunk({}, "stop", { usage: USAGE });
    const { stream, result } = teeChatStream(sourceOf([enc.encode(ROLE + mixed + DONE)]), { clientWantsUsage: false });
    expect((await readAll(stream)).text).toBe(hidden(ROLE) + mixed + DONE);
    expect((await result).usage.total_tokens).toBe(26);
  });

  it("hides OpenRouter's cost fields when the client did not ask for them, and logs them anyway", async () => {
    const withCost = { ...USAGE, cost_details: { upstream_inference_cost: null }, is_byok: false };
    const costChunk = usageChunk.replace(JSON.stringify(USAGE), JSON.stringify(withCost));
    const text = [ROLE, CONTENT[0], FINISH, costChunk, DONE].join("");
    const { stream, result } = teeChatStream(sourceOf(split(enc.encode(text), 5)), {
      clientWantsUsage: true,
      clientWantsCost: false,
    });
    const out = await readAll(stream);
    const { cost: _cost, ...usageWithoutCost } = USAGE;
    expect(out.text).toBe(
      ROLE + CONTENT[0] + FINISH + usageChunk.replace(JSON.stringify(USAGE), JSON.stringify(usageWithoutCost)) + DONE,
    );
    expect((await result).usage.provider_cost).toBe("0.00001234");
  });

  it("uses the prompt numbers the provider reported before a break instead of an estimate", async () => {
    const reported = {
      prompt_tokens: 321,
      completion_tokens: 1,
      total_tokens: 322,
      cached_tokens: 300,
      cache_creation_tokens: 0,
      cache_creation_1h_tokens: 0,
      reasoning_tokens: 0,
      provider_cost: null,
      service_tier: null,
    };
    const { stream, result } = teeChatStream(sourceOf([enc.encode(ROLE + CONTENT[0] + CONTENT[1])]), {
      clientWantsUsage: false,
      messages: [{ role: "user", content: "hi" }],
      reportedUsage: () => reported,
    });
    await readAll(stream);
    const r = await result;
    expect(r.status).toBe("partial");
    expect(r.usage.prompt_tokens).toBe(321);
    expect(r.usage.cached_tokens).toBe(300);
    expect(r.usage.completion_tokens).toBeGreaterThan(1);
    expect(r.usage.total_tokens).toBe(321 + r.usage.completion_tokens);
  });
});
