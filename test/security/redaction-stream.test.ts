// Mid-stream upstream error events reach the client through the tee: their text is redacted
// (providers quote the key they were sent and the request's content), other events are untouched.
import { describe, expect, it } from "vitest";
import { REDACTED } from "../../functions/_shared/privacy/redaction.ts";
import { teeChatStream } from "../../functions/_shared/gateway/stream-tee.ts";
import { byteStream } from "../helpers/streams.ts";

const dec = new TextDecoder();
const KEY = "sk-proj-upstreamEchoedKey0123456789abcdef";
const chunk = (extra: object) => JSON.stringify({ id: "c1", object: "chat.completion.chunk", ...extra });
const CONTENT_CHOICE = { index: 0, delta: { content: "mail me: a@b.co" }, finish_reason: null };
const CONTENT = `data: ${chunk({ choices: [CONTENT_CHOICE] })}\n\n`;

async function run(text: string, size: number, clientWantsUsage: boolean) {
  const { stream, result } = teeChatStream(byteStream(text, size), { clientWantsUsage });
  let out = "";
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out += dec.decode(r.value, { stream: true });
  return { out, result: await result };
}

describe("upstream error events are redacted before the client sees them", () => {
  const message = `Invalid key ${KEY} for jane@example.com, card 4111 1111 1111 1111`;
  const error = { error: { message, type: "server_error", code: null } };
  const errorChoice = { index: 0, delta: { content: "" }, finish_reason: "error" };
  const cases = [
    ["an OpenAI-style error chunk", `data: ${JSON.stringify(error)}\n\n`],
    ["an OpenRouter-style chunk with error and choices", `data: ${chunk({ ...error, choices: [errorChoice] })}\n\n`],
    ["a named non-JSON error event", `event: error\ndata: upstream failed: ${KEY}\ndata: contact jane@example.com\n\n`],
    ["an unterminated error at the end", `data: ${JSON.stringify(error)}`],
  ] as const;

  for (const [name, errorEvent] of cases) {
    for (const size of [1, 7, 64, 100_000]) {
      for (const usage of [true, false]) {
        it(`${name} (chunks of ${size}, include_usage ${usage})`, async () => {
          const { out, result } = await run(CONTENT + errorEvent, size, usage);
          expect(out.startsWith(CONTENT)).toBe(true); // other events pass untouched
          expect(out).not.toContain(KEY);
          expect(out).not.toContain("jane@example.com");
          expect(out).not.toContain("4111 1111 1111 1111");
          if (!name.includes("unterminated")) {
            expect(out).toContain(REDACTED.secret);
            expect(out).toContain(REDACTED.email);
            expect(out.endsWith("\n\n")).toBe(true);
            expect(result.error).not.toBeNull();
          }
          if (errorEvent.startsWith("data: {") && errorEvent.endsWith("\n\n")) {
            const redacted = JSON.parse(out.slice(CONTENT.length + "data: ".length));
            const expected = `Invalid key ${REDACTED.secret} for ${REDACTED.email}, card ${REDACTED.card}`;
            expect(redacted.error.message).toBe(expected);
          }
        });
      }
    }
  }

  it("keeps an error event that needs no redaction byte for byte", async () => {
    const plain = `data: {"error": {"message": "Overloaded", "type": "overloaded_error"}}\n\n`;
    const { out, result } = await run(CONTENT + plain, 5, true);
    expect(out).toBe(CONTENT + plain);
    expect(result.error?.message).toBe("Overloaded");
  });
});

describe("an error event too deep to redact", () => {
  it("is replaced by a fixed error, and the stream still ends with a result", async () => {
    const depth = 100_000;
    const deep = `data: {"error": {"message": "${KEY}", "detail": ${"[".repeat(depth)}${"]".repeat(depth)}}}\n\n`;
    const { out, result } = await run(CONTENT + deep, 4096, false);
    expect(out).not.toContain(KEY);
    expect(out.slice(CONTENT.length)).toBe(
      `data: ${
        JSON.stringify({
          error: { message: "The upstream provider reported an error", type: "upstream_error", code: null },
        })
      }\n\n`,
    );
    expect(result.status).toBe("partial");
  });
});
