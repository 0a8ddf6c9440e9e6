import { describe, expect, it } from "vitest";
import { preflightResponse } from "../../functions/_shared/http/cors.ts";
import {
  badGateway,
  gatewayTimeout,
  jsonResponse,
  notFound,
  payloadTooLarge,
  rateLimited,
  unauthorized,
} from "../../functions/_shared/http/errors.ts";
import { chatCompletionRequestSchema, parseChatCompletionRequest } from "../../functions/_shared/openai/chat-schema.ts";
import { fromZodError } from "../../functions/_shared/http/errors.ts";
import { MAX_MODEL_CHARS, MAX_USER_CHARS } from "../../functions/_shared/http/limits.ts";

const ok = (body: unknown) => {
  const r = parseChatCompletionRequest(body);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const fail = (body: unknown) => {
  const r = parseChatCompletionRequest(body);
  if (r.ok) throw new Error("expected a validation error");
  return r.error;
};

describe("chat completions schema", () => {
  it("accepts the full OpenAI message union and passes unknown fields through untouched", () => {
    const body = {
      model: "gpt-4o",
      messages: [
        { role: "developer", content: "rules" },
        { role: "system", content: [{ type: "text", text: "sys" }] },
        {
          role: "user",
          content: [
            { type: "text", text: "what is this" },
            { type: "image_url", image_url: { url: "https://x/y.png", detail: "low" } },
            { type: "input_audio", input_audio: { data: "AAAA", format: "mp3" } },
            { type: "file", file: { file_id: "file-1" } },
          ],
          name: "bob",
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }],
          audio: { id: "a1" },
        },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" }, strict: true } }],
      tool_choice: "auto",
      response_format: {
        type: "json_schema",
        json_schema: { name: "answer", schema: { type: "object" }, strict: true },
      },
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 100,
      temperature: 0,
      user: "u1",
      metadata: { team: "sales" },
      reasoning_effort: "low",
      prediction: { type: "content", content: "x" },
      provider: { order: ["openai"] },
    };
    expect(ok(body)).toEqual(body);
  });

  it.each([
    [{ messages: [{ role: "user", content: "x" }] }, "'model'", "model"],
    [{ model: "m", messages: [] }, "'messages': must contain at least one message", "messages"],
    [{ model: "m", messages: [{ role: "robot", content: "x" }] }, "'messages[0].role'", "messages[0].role"],
    [
      { model: "m", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "" } }] }] },
      "'messages[0].content[0].image_url.url': must not be empty",
      "messages[0].content[0].image_url.url",
    ],
    [
      { model: "m", messages: [{ role: "tool", content: "x" }] },
      "'messages[0].tool_call_id'",
      "messages[0].tool_call_id",
    ],
    [{ model: "m", messages: [{ role: "user", content: "x" }], temperature: 2.5 }, "'temperature'", "temperature"],
    [
      { model: "m", messages: [{ role: "user", content: "x" }], max_tokens: 0 },
      "'max_tokens': must be positive",
      "max_tokens",
    ],
    [
      {
        model: "m",
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "function", function: { name: "bad name!" } }],
      },
      "'tools[0].function.name'",
      "tools[0].function.name",
    ],
    [
      { model: "m", messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema" } },
      "'response_format.json_schema'",
      "response_format.json_schema",
    ],
    [
      { model: "m", messages: [{ role: "user", content: "x" }], stop: ["a", "b", "c", "d", "e"] },
      "at most 4 stop sequences",
      "stop",
    ],
    [{ model: "m", messages: [{ role: "user", content: "x" }], stream: "yes" }, "'stream'", "stream"],
  ])("rejects %j naming the field", (body, message, param) => {
    const err = fail(body);
    expect(err.status).toBe(400);
    expect(err.message).toContain(message);
    expect(err.param).toBe(param);
    expect(err.toJSON().error.type).toBe("invalid_request_error");
  });

  it("rejects a non-object body", () => {
    expect(fail("hello").message).toMatch(/expected object/);
  });
});

describe("OpenAI-shape errors and CORS", () => {
  it("renders every helper as {error:{message,type,code,param}} with its status", async () => {
    const cases = [
      [unauthorized(), 401, "authentication_error"],
      [notFound("no such route"), 404, "invalid_request_error"],
      [payloadTooLarge(1024), 413, "invalid_request_error"],
      [rateLimited("slow down", "7"), 429, "rate_limit_error"],
      [badGateway(), 502, "api_error"],
      [gatewayTimeout(), 504, "timeout_error"],
    ] as const;
    for (const [err, status, type] of cases) {
      const res = err.toResponse({ "x-request-id": "req_1" });
      expect(res.status).toBe(status);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("x-request-id")).toBe("req_1");
      const body = await res.json();
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(body.error.type).toBe(type);
    }
    expect(rateLimited("x", "7").toResponse().headers.get("retry-after")).toBe("7");
    expect(payloadTooLarge(1024).message).toContain("1024");
  });

  it("jsonResponse sets content type and exposes x-request-id", () => {
    const res = jsonResponse({ a: 1 }, 201);
    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
  });

  it("answers preflights echoing requested headers", () => {
    const res = preflightResponse(
      new Request("http://x/", {
        method: "OPTIONS",
        headers: { "access-control-request-headers": "authorization, x-stainless-foo" },
      }),
    );
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-headers")).toBe("authorization, x-stainless-foo");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    const bare = preflightResponse(new Request("http://x/", { method: "OPTIONS" }));
    expect(bare.headers.get("access-control-allow-headers")).toContain("authorization");
  });
});

describe("chat completions: the direct check of plain requests agrees with the schema", () => {
  const base = () => ({
    model: "gpt-4o-mini",
    messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi", name: "ann" }],
  });
  const values: unknown[] = [
    undefined,
    null,
    true,
    0,
    -1,
    0.5,
    1,
    1.5,
    2,
    2.0001,
    -2.5,
    129,
    2 ** 53,
    "",
    "x",
    "x".repeat(MAX_MODEL_CHARS + 1),
    "x".repeat(MAX_USER_CHARS + 1),
    [],
    ["a"],
    {},
    { include_usage: true },
    { include_usage: "yes" },
  ];
  const fields = [
    "model",
    "messages",
    "stream",
    "stream_options",
    "max_tokens",
    "max_completion_tokens",
    "temperature",
    "top_p",
    "user",
    "n",
    "metadata",
    "seed",
    "unknown_field",
  ];
  const messageVariants: unknown[] = [
    { role: "assistant", content: "ok" },
    { role: "assistant", content: null },
    { role: "assistant", content: "ok", refusal: 1 },
    { role: "assistant", content: "ok", tool_calls: [] },
    { role: "tool", content: "x" },
    { role: "user", content: "" },
    { role: "user", content: 1 },
    { role: "user", content: "x", name: 1 },
    { role: "user", content: "x", extra: { any: 1 } },
    { role: "other", content: "x" },
    { content: "x" },
    ["user", "x"],
    null,
  ];
  const cases: unknown[] = [
    null,
    [],
    "text",
    base(),
    { ...base(), messages: [] },
    JSON.parse('{"model":"m","messages":[{"role":"user","content":"x"}],"__proto__":{"model":1}}'),
    ...fields.flatMap((field) => values.map((v) => ({ ...base(), [field]: v }))),
    ...messageVariants.map((m) => ({ ...base(), messages: [...base().messages, m] })),
  ];

  it("accepts exactly what zod accepts, with the same value, and leaves every error to zod", () => {
    let plainAccepted = 0;
    for (const body of cases) {
      const ours = parseChatCompletionRequest(body);
      const zods = chatCompletionRequestSchema.safeParse(body);
      expect(ours.ok, JSON.stringify(body)?.slice(0, 200)).toBe(zods.success);
      if (ours.ok && zods.success) {
        expect(ours.value).toEqual(zods.data);
        if (ours.value === body) plainAccepted++;
      }
      if (!ours.ok && !zods.success) expect(ours.error.toJSON()).toEqual(fromZodError(zods.error).toJSON());
    }
    // The direct check must actually take the common requests (a check that never matched would pass the above).
    expect(plainAccepted).toBeGreaterThan(40);
  });
});
