// Every authenticated llm-proxy call gets exactly one ledger row, whatever the input: hostile
// bodies (giant model names, NULs, deep JSON), hostile provider replies, and calls refused at the
// door. End to end: the official openai SDK (or fetch, for bodies the SDK cannot send) -> llm-proxy
// -> the fake provider; rows are read back and counted exactly.
import OpenAI from "openai";
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEPTH_PLACEHOLDER, MAX_MODEL_CHARS } from "../../functions/_shared/http/limits.ts";
import { answerText, deepJsonText, type FakeProvider, nulAnswerText } from "../helpers/fake-provider.ts";
import { createAccount, createApiKey, type TestAccount } from "../helpers/fixtures.ts";
import { ledgerRow } from "../helpers/ledger-row.ts";
import { proxyClient, startWithFakeProvider, stopStack, type TestFunctions } from "../helpers/stack.ts";

let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;
let account: TestAccount;
let key: string;
let otherAccount: TestAccount;
let otherKey: string;
let client: OpenAI;

const MODEL = "openai/gpt-4o-mini";

beforeAll(async () => {
  ({ sql, fake, fns } = await startWithFakeProvider({
    OPENROUTER_API_KEY: "sk-or-v1-security-logging-test-key-0123456789",
    MAX_REQUEST_BYTES: "100000",
  }));
  [account, otherAccount] = await Promise.all([createAccount(sql), createAccount(sql)]);
  [key, otherKey] = (await Promise.all([createApiKey(sql, account), createApiKey(sql, otherAccount)])).map((k) =>
    k.key
  );
  client = proxyClient(fns, key);
});

afterAll(() => stopStack({ sql, fake, fns }));

/**
 * The one llm_requests row of a call (and its ai_interactions twin), once the asynchronous write
 * landed; fails if there is none or more than one.
 */
async function theRow(requestId: string | null | undefined) {
  const row = await ledgerRow(sql, requestId, { columns: sql`r.*, r.request_body, r.response_body` });
  // Give a duplicate write the chance to show up before counting.
  await new Promise((r) => setTimeout(r, 100));
  const [{ requests, interactions, dead }] = await sql`
    select (select count(*)::int from public.llm_requests where id = ${requestId!}) as requests,
           (select count(*)::int from public.ai_interactions where llm_request_id = ${requestId!}) as interactions,
           (select count(*)::int from private.ledger_dead_letters where request_id = ${requestId!}) as dead`;
  expect({ requests, interactions, dead }).toEqual({ requests: 1, interactions: 1, dead: 0 });
  return row;
}

function post(body: string | null, headers: Record<string, string> = {}, apiKey = key): Promise<Response> {
  return fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
    body,
  });
}

const randomText = (n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000))).join("");

describe("security: one bad call never stops logging", () => {
  it("400 for a 3,000-character model before forwarding, logged once; others still logged", async () => {
    const forwarded = fake.requestCount();
    const model = randomText(3000);
    const err = await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] }).catch((
      e,
    ) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ type: "invalid_request_error", param: "model" });
    expect(err.error.message).toContain(`at most ${MAX_MODEL_CHARS} characters`);
    expect(fake.requestCount()).toBe(forwarded);
    const row = await theRow(err.requestID);
    expect(row).toMatchObject({
      account_id: account.id,
      http_status: 400,
      completion_status: "error",
      error_code: "invalid_request",
    });
    expect(row.model).toHaveLength(MAX_MODEL_CHARS);
    expect(row.model.startsWith(model.slice(0, MAX_MODEL_CHARS - 1))).toBe(true);

    const other = proxyClient(fns, otherKey);
    const { data, response } = await other.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "after the giant model" }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe(answerText(6));
    expect(await theRow(response.headers.get("x-request-id"))).toMatchObject({
      account_id: otherAccount.id,
      http_status: 200,
    });
  });
});

describe("security: NUL anywhere is stored, not lost", () => {
  it("logs once a call with NUL in user, metadata, a message and an extra field (stored as U+FFFD)", async () => {
    const { data, response } = await client.chat.completions
      .create({
        model: MODEL,
        user: "end\u0000user",
        metadata: { tag: "v\u0000" },
        messages: [{ role: "user", content: "hello\u0000 there" }],
        x_extra: { "k\u0000": ["\u0000"] },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(data.choices[0].message.content).toBe(answerText(6));
    const row = await theRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({ http_status: 200, completion_status: "complete", end_user: "end\ufffduser" });
    expect(row.properties).toEqual({ tag: "v\ufffd" });
    expect(row.request_body.messages).toEqual([{ role: "user", content: "hello\ufffd there" }]);
    expect(row.request_body.x_extra).toEqual({ "k\ufffd": ["\ufffd"] });
  });

  it("logs once a reply with NUL (non-stream and stream); the client gets it untouched", async () => {
    const messages = [{ role: "user" as const, content: "scenario:nul_reply" }];
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(data.choices[0].message.content).toBe(nulAnswerText(6));
    const row = await theRow(response.headers.get("x-request-id"));
    expect(row.response_body.choices[0].message.content).toBe(nulAnswerText(6).replaceAll("\u0000", "\ufffd"));
    expect(row.response_body.x_note).toBe("nul\ufffdhere");

    const stream = await client.chat.completions.create({ model: MODEL, messages, stream: true }).withResponse();
    let text = "";
    for await (const chunk of stream.data) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(nulAnswerText(6));
    const streamed = await theRow(stream.response.headers.get("x-request-id"));
    expect(streamed).toMatchObject({ is_stream: true, completion_status: "complete" });
    expect(streamed.response_body.choices[0].message.content).toBe(nulAnswerText(6).replaceAll("\u0000", "\ufffd"));
  });
});

describe("security: deep JSON", () => {
  for (const levels of [2_000, 10_000]) {
    it(`400 for an extra field ${levels} levels deep, before forwarding, logged once`, async () => {
      const forwarded = fake.requestCount();
      // Written as text: the SDK's JSON.stringify would overflow on it before sending.
      const res = await post(
        `{"model":"${MODEL}","messages":[{"role":"user","content":"hi"}],"x_deep":${deepJsonText(levels)}}`,
      );
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatchObject({ type: "invalid_request_error", code: "json_too_deep" });
      expect(fake.requestCount()).toBe(forwarded);
      const row = await theRow(res.headers.get("x-request-id"));
      expect(row).toMatchObject({ http_status: 400, error_code: "json_too_deep", model: "unknown" });
    });
  }

  it("answers and logs once a provider reply nested 10,000 levels deep, cut in the stored copy", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: "scenario:deep_reply" }] })
      .withResponse();
    expect(data.choices[0].message.content).toBe(answerText(6));
    const row = await theRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({ http_status: 200, completion_status: "complete" });
    let v = row.response_body.x_deep;
    while (typeof v === "object") v = v.a;
    expect(v).toBe(DEPTH_PLACEHOLDER);
  });
});

describe("security: every authenticated call gets exactly one row, refused ones included", () => {
  const valid = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
  const cases: Array<
    { name: string; body: string | null; headers?: Record<string, string>; status: number; code: string }
  > = [
    { name: "invalid JSON", body: "{not json", status: 400, code: "invalid_json" },
    {
      name: "a message with tool_calls: [null]",
      body: JSON.stringify({ model: MODEL, messages: [{ role: "assistant", content: "x", tool_calls: [null] }] }),
      status: 400,
      code: "invalid_request",
    },
    { name: "an empty body", body: null, status: 400, code: "empty_body" },
    { name: "a blank body", body: " \n", status: 400, code: "empty_body" },
    {
      name: "a body over the limit (413)",
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "x".repeat(200_000) }] }),
      status: 413,
      code: "request_too_large",
    },
    {
      name: "x-metadata that is not a JSON object",
      body: valid,
      headers: { "x-metadata": "[1,2" },
      status: 400,
      code: "invalid_metadata",
    },
    {
      name: "x-metadata over 4 KiB",
      body: valid,
      headers: { "x-metadata": JSON.stringify({ k: "v".repeat(5000) }) },
      status: 400,
      code: "invalid_metadata",
    },
    {
      name: "x-metadata nested 1,000 deep",
      body: valid,
      headers: { "x-metadata": `{"a":${"[".repeat(1000)}${"]".repeat(1000)}}` },
      status: 400,
      code: "invalid_metadata",
    },
    {
      name: "an x-session-id of 3,000 characters",
      body: valid,
      headers: { "x-session-id": "s".repeat(3000) },
      status: 400,
      code: "header_too_long",
    },
    {
      name: "an x-conversation-id of 3,000 characters",
      body: valid,
      headers: { "x-conversation-id": "c".repeat(3000) },
      status: 400,
      code: "header_too_long",
    },
  ];
  for (const c of cases) {
    it(`${c.status} for ${c.name}, in OpenAI's error shape, logged once`, async () => {
      const forwarded = fake.requestCount();
      const res = await post(c.body, c.headers);
      expect(res.status).toBe(c.status);
      const body = await res.json();
      expect(body.error).toMatchObject({ code: c.code, type: "invalid_request_error" });
      expect(typeof body.error.message).toBe("string");
      expect(fake.requestCount()).toBe(forwarded);
      const row = await theRow(res.headers.get("x-request-id"));
      expect(row).toMatchObject({
        account_id: account.id,
        http_status: c.status,
        error_code: c.code,
        completion_status: "error",
      });
    });
  }
});

describe("security: account headers no account can match", () => {
  it("400 for an x-account-slug of 3,000 characters, before the credential is looked up", async () => {
    const forwarded = fake.requestCount();
    const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    const res = await post(body, { "x-account-slug": "a".repeat(3000) });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: "header_too_long", param: "x-account-slug" });
    expect(fake.requestCount()).toBe(forwarded);
  });
});
