// A provider whose answer contains NUL characters (which Postgres refuses in text and jsonb): the
// visitor gets the answer, and the conversation still stores it (NUL as U+FFFD), streamed or not.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatBrowser } from "../helpers/chat-browser.ts";
import { createAccount, createInstance, type TestAccount, type TestInstance } from "../helpers/fixtures.ts";
import { adminSql, startFunctions, type TestFunctions } from "../helpers/stack.ts";

const ANSWER = "bad\u0000byte";

let sql: postgres.Sql;
let provider: http.Server;
let fns: TestFunctions;
let acme: TestAccount;
let chat: TestInstance;

/** Just enough of OpenAI's chat completions API, answering ANSWER. */
function startNulProvider(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw);
      const base = { id: "chatcmpl-nul", created: 1, model: body.model };
      const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
      if (!body.stream) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({
          ...base,
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: ANSWER }, finish_reason: "stop" }],
          usage,
        }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream" });
      const chunk = (choices: unknown[], extra = {}) =>
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices, ...extra })}\n\n`;
      res.write(chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]));
      res.write(chunk([{ index: 0, delta: { content: ANSWER }, finish_reason: null }]));
      res.write(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
      res.write(chunk([], { usage }));
      res.end("data: [DONE]\n\n");
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

beforeAll(async () => {
  sql = adminSql();
  provider = await startNulProvider();
  fns = await startFunctions({
    OPENROUTER_API_KEY: "sk-or-v1-test-key-nul-0123456789",
    OPENROUTER_BASE_URL: `http://127.0.0.1:${(provider.address() as AddressInfo).port}/v1`,
    CHAT_RATE_LIMIT_PER_IP: "100000",
  });
  acme = await createAccount(sql);
  chat = await createInstance(sql, acme);
});

afterAll(async () => {
  await fns?.stop();
  await new Promise((r) => provider?.close(r));
  await sql?.end();
});

describe("chat: a provider answering NUL characters", () => {
  it("stores the answer with U+FFFD in place of NUL, streamed or not", async () => {
    const browser = new ChatBrowser(fns.url);
    const json = await browser.send(acme.slug, chat.slug, "hello");
    expect(json.res.status).toBe(200);
    expect(json.body.choices[0].message.content).toBe(ANSWER);
    const streamed = await browser.fetch(`chat/${acme.slug}/${chat.slug}`, {
      body: { message: "again", stream: true },
    });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toContain("data: [DONE]");
    const history = await browser.history(acme.slug, chat.slug);
    expect(history.body.messages.map((m: { role: string; content: string }) => `${m.role}:${m.content}`)).toEqual([
      "human:hello",
      "assistant:bad\ufffdbyte",
      "human:again",
      "assistant:bad\ufffdbyte",
    ]);
  });
});
