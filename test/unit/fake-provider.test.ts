import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { answerText, type FakeProvider, startFakeProvider } from "../helpers/fake-provider.ts";

let fake: FakeProvider;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeProvider({ promptTokens: 33, completionTokens: 6, cachedTokens: 11, reasoningTokens: 2 });
  client = new OpenAI({ apiKey: "sk-test", baseURL: fake.openaiBaseUrl, maxRetries: 0 });
});
afterAll(() => fake.stop());
beforeEach(() => fake.reset());

describe("fake provider speaks the real OpenAI wire format (official SDK as client)", () => {
  it("non-stream completion with detailed usage", async () => {
    const res = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0].message.content).toBe(answerText(6));
    expect(res.choices[0].finish_reason).toBe("stop");
    expect(res.usage).toMatchObject({ prompt_tokens: 33, completion_tokens: 6, total_tokens: 39 });
    expect(res.usage?.prompt_tokens_details?.cached_tokens).toBe(11);
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(2);
    expect(fake.requests[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", scenario: "normal" });
    expect(fake.requests[0].headers.authorization).toBe("Bearer sk-test");
  });

  it("stream with include_usage ends with the usage-only chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi chunks:4" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    const chunks = [];
    for await (const c of stream) {
      chunks.push(c);
      text += c.choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe(answerText(4));
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage?.prompt_tokens).toBe(33);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe("stop");
  });

  it("stream without include_usage has no usage chunk; usage.include adds cost", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.every((c) => c.choices.length === 1 && !c.usage)).toBe(true);

    const withCost = await client.chat.completions.create({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      // OpenRouter's usage accounting flag
      ...({ usage: { include: true } } as object),
    });
    expect((withCost.usage as unknown as { cost: number }).cost).toBe(0.0000123);
  });

  it("reports the service tier asked for, and OpenRouter's BYOK cost details", async () => {
    const flex = await client.chat.completions.create({
      model: "o4-mini",
      messages: [{ role: "user", content: "hi" }],
      service_tier: "flex",
    });
    expect(flex.service_tier).toBe("flex");
    const auto = await client.chat.completions.create({
      model: "o4-mini",
      messages: [{ role: "user", content: "hi" }],
      service_tier: "auto",
    });
    expect(auto.service_tier).toBe("default");
    fake.setOptions({ cost: 0.0000075, byokUpstreamCost: 0.00015 });
    const body = { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], usage: { include: true } };
    const res =
      await (await fetch(`${fake.openaiBaseUrl}/chat/completions`, { method: "POST", body: JSON.stringify(body) }))
        .json();
    expect(res.usage).toMatchObject({
      cost: 0.0000075,
      is_byok: true,
      cost_details: { upstream_inference_cost: 0.00015 },
    });
  });

  it("streams a tool call with arguments in pieces", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "scenario:tools" }],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }],
      stream: true,
    });
    let args = "";
    let name = "";
    let finish = "";
    for await (const c of stream) {
      const tc = c.choices[0]?.delta?.tool_calls?.[0];
      if (tc?.function?.name) name = tc.function.name;
      args += tc?.function?.arguments ?? "";
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe("lookup");
    expect(JSON.parse(args)).toEqual({ location: "Paris", unit: "celsius" });
    expect(finish).toBe("tool_calls");
  });

  it("errors map to the SDK's error classes, 429 with retry-after", async () => {
    const call = (scenario: string) =>
      client.chat.completions.create({ model: "m", messages: [{ role: "user", content: `scenario:${scenario}` }] });
    const rl = await call("rate_limit").catch((e) => e);
    expect(rl).toBeInstanceOf(OpenAI.RateLimitError);
    expect(rl.headers.get("retry-after")).toBe("7");
    expect(await call("server_error").catch((e) => e)).toBeInstanceOf(OpenAI.InternalServerError);
    expect(await call("unauthorized").catch((e) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("a cut stream fails in the SDK; a mid-stream error event raises APIError", async () => {
    const cut = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "scenario:cut cut:2" }],
      stream: true,
    });
    let received = "";
    const err = await (async () => {
      for await (const c of cut) received += c.choices[0]?.delta?.content ?? "";
    })().catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(received).toBe(answerText(2));

    const evt = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "scenario:error_event" }],
      stream: true,
    });
    const apiErr = await (async () => {
      for await (const _ of evt);
    })().catch((e) => e);
    expect(apiErr).toBeInstanceOf(OpenAI.APIError);
  });

  it("hang never answers (the client times out) and GET /v1/models lists models", async () => {
    const t0 = Date.now();
    const err = await client.chat.completions
      .create({ model: "m", messages: [{ role: "user", content: "scenario:hang" }] }, { timeout: 200 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain("gpt-4o-mini");
  });

  it("slow streams space their chunks; the header selects the scenario too", async () => {
    const t0 = Date.now();
    const stream = await client.chat.completions.create(
      { model: "m", messages: [{ role: "user", content: "hi" }], stream: true },
      { headers: { "x-fake-scenario": "slow", "x-fake-chunks": "3", "x-fake-delay-ms": "40" } },
    );
    let text = "";
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
    expect(text).toBe(answerText(3));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    expect(fake.requests[0].scenario).toBe("slow");
  });
});

describe("fake provider speaks the Anthropic Messages format", () => {
  const post = (body: Record<string, unknown>) =>
    fetch(`${fake.url}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-3-5-haiku-20241022", max_tokens: 100, ...body }),
    });

  it("non-stream message with cache usage", async () => {
    const res = await (await post({ messages: [{ role: "user", content: "hi" }] })).json();
    expect(res).toMatchObject({
      type: "message",
      role: "assistant",
      stop_reason: "end_turn",
      usage: { input_tokens: 33, cache_read_input_tokens: 11, output_tokens: 6 },
    });
    expect(res.content[0].text).toBe(answerText(6));
  });

  it("named stream events in order", async () => {
    const text = await (await post({ messages: [{ role: "user", content: "scenario:tools" }], stream: true })).text();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names[0]).toBe("message_start");
    expect(names).toContain("ping");
    expect(names.filter((n) => n === "content_block_start")).toHaveLength(2);
    expect(names.slice(-2)).toEqual(["message_delta", "message_stop"]);
    expect(text).toContain('"type":"input_json_delta"');
  });

  it("splits cache writes by lifetime and can restate counts as null in message_delta", async () => {
    fake.setOptions({ cacheCreationTokens: 300, cacheCreation1hTokens: 200, deltaUsage: "nulls" });
    const res = await (await post({ messages: [{ role: "user", content: "hi" }] })).json();
    expect(res.usage).toMatchObject({
      cache_creation_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 },
    });
    const text = await (await post({ messages: [{ role: "user", content: "hi" }], stream: true })).text();
    const delta = JSON.parse(/event: message_delta\ndata: (.*)/.exec(text)![1]);
    expect(delta.usage).toEqual({
      input_tokens: null,
      cache_creation_input_tokens: null,
      cache_read_input_tokens: null,
      output_tokens: 6,
    });
  });

  it("errors in Anthropic's shape", async () => {
    const res = await post({ messages: [{ role: "user", content: "scenario:rate_limit" }] });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(await res.json()).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: "Rate limit reached for requests" },
    });
  });
});

describe("fake provider speaks the Responses, embeddings and Anthropic formats (official SDKs as clients)", () => {
  it("Responses: non-stream and stream with usage, as the openai SDK reads them", async () => {
    const res = await client.responses.create({ model: "gpt-4o-mini", input: "hi chunks:3" });
    expect(res.output_text).toBe(answerText(3));
    expect(res.usage).toMatchObject({
      input_tokens: 33,
      output_tokens: 6,
      input_tokens_details: { cached_tokens: 11 },
      output_tokens_details: { reasoning_tokens: 2 },
    });
    const final = await client.responses.stream({ model: "gpt-4o-mini", input: "hi chunks:4" }).finalResponse();
    // The stream helper's final response has no output_text shortcut (SDK behaviour): read the item.
    expect(final.output[0]).toMatchObject({ type: "message", content: [{ type: "output_text", text: answerText(4) }] });
    expect(final.usage?.total_tokens).toBe(39);
  });

  it("embeddings: float arrays and base64, with usage", async () => {
    const floats = await client.embeddings.create({
      model: "text-embedding-3-small",
      input: ["a", "b"],
      dimensions: 4,
      encoding_format: "float",
    });
    expect(floats.data.map((d) => d.embedding.length)).toEqual([4, 4]);
    expect(floats.usage).toEqual({ prompt_tokens: 33, total_tokens: 33 });
    const base64 = await client.embeddings.create({ model: "text-embedding-3-small", input: "a" });
    expect(base64.data[0].embedding).toHaveLength(8);
  });

  it("Anthropic: thinking blocks with signatures, streamed", async () => {
    const { default: Anthropic } = await import("@anthropic-ai/sdk");
    const anthropic = new Anthropic({ apiKey: "sk-ant-test", baseURL: fake.url, maxRetries: 0 });
    const final = await anthropic.messages
      .stream({
        model: "claude-x",
        max_tokens: 10,
        messages: [{ role: "user", content: "scenario:thinking chunks:2" }],
      })
      .finalMessage();
    expect(final.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    expect(final.usage).toMatchObject({ input_tokens: 33, output_tokens: 6, cache_read_input_tokens: 11 });
  });
});
