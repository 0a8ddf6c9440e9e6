// Every SDK unchanged against llm-proxy: openai (embeddings, models, Responses), @anthropic-ai/sdk
// (Messages), and the Vercel AI SDK (@ai-sdk/openai's default Responses provider, embed, and
// @ai-sdk/anthropic). The fake provider speaks each wire format; each call's ledger row is checked.
import Anthropic from "@anthropic-ai/sdk";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { embed, generateText, streamText } from "ai";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerText, THINKING_TEXT } from "../helpers/fake-provider.ts";
import { waitFor } from "../helpers/fixtures.ts";
import { ledgerRow as readLedgerRow } from "../helpers/ledger-row.ts";
import { expectedCost } from "../helpers/prices.ts";
import { allProvidersAt, type ApiKeyStack, PROVIDER_KEYS, startWithApiKey, stopStack } from "../helpers/stack.ts";

let { sql, fake, fns, account, apiKey, client: openai } = {} as ApiKeyStack;
let baseURL: string;

/** The ledger row of a request (by id), with the stored request and response bodies. */
const ledgerRow = (requestId: string | null | undefined) =>
  readLedgerRow(sql, requestId, {
    columns: sql`r.*, r.computed_cost::text as cost, i.request as logged_request, i.response as logged_response`,
  });

/**
 * The ledger row of a stream `provider` answered completely with the fake's usage (21 prompt, 6 completion
 * tokens), checked, and priced as `priceKey`.
 */
async function completeStreamRow(response: Response, provider: string, priceKey: string) {
  const row = await ledgerRow(response.headers.get("x-request-id"));
  expect(row).toMatchObject({
    provider,
    is_stream: true,
    completion_status: "complete",
    prompt_tokens: 21,
    completion_tokens: 6,
  });
  expect(row.cost).toBe(expectedCost(priceKey, { prompt: 21, completion: 6 }));
  return row;
}

/** The newest row of the test account, for SDKs that do not expose response headers. */
async function lastRow(after: Date) {
  const row = await waitFor(async () => {
    const [row] =
      await sql`select id from public.llm_requests where account_id = ${account.id} and created_at >= ${after}
                             order by created_at desc limit 1`;
    return row;
  }, { what: "a new llm_requests row" });
  return ledgerRow(row.id);
}

beforeAll(async () => {
  ({ sql, fake, fns, account, apiKey, client: openai } = await startWithApiKey((fake) => ({
    ...PROVIDER_KEYS,
    ...allProvidersAt(fake),
    UPSTREAM_TIMEOUT_MS: "3000",
  })));
  baseURL = `${fns.url}/llm-proxy/v1`;
});

afterAll(() => stopStack({ sql, fake, fns }));

describe("models", () => {
  it("lists ids that route as written, and retrieves one (openai SDK)", async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    // OpenRouter is the default provider: its ids go bare; others carry their routing prefix.
    expect(ids).toEqual(
      expect.arrayContaining(["openai/gpt-4o-mini", "openai:gpt-4o-mini", "anthropic:claude-sonnet-4-20250514"]),
    );
    expect(ids).not.toContain("gpt-4o-mini");
    expect(ids.some((id) => id.startsWith("openrouter/"))).toBe(false);
    const model = await openai.models.retrieve("openai:gpt-4o-mini");
    expect(model).toMatchObject({ id: "openai:gpt-4o-mini", object: "model", owned_by: "openai" });
    const slashed = await openai.models.retrieve("openai/gpt-4o-mini");
    expect(slashed.id).toBe("openai/gpt-4o-mini");
    await expect(openai.models.retrieve("no-such-model")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    const malformed = await fetch(`${baseURL}/models/%E0%A4%A`, { headers: { authorization: `Bearer ${apiKey.key}` } });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe("invalid_model_id");
  });

  it("answers in Anthropic's shape to Anthropic clients (x-api-key)", async () => {
    const anthropic = new Anthropic({ apiKey: apiKey.key, baseURL: `${fns.url}/llm-proxy`, maxRetries: 0 });
    const ids = [];
    for await (const m of anthropic.models.list()) {
      expect(m.type).toBe("model");
      ids.push(m.id);
    }
    expect(ids).toContain("anthropic:claude-sonnet-4-20250514");
    const one = await anthropic.models.retrieve("anthropic:claude-sonnet-4-20250514");
    expect(one).toMatchObject({ type: "model", id: "anthropic:claude-sonnet-4-20250514" });
    await expect(anthropic.models.retrieve("nope")).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe("embeddings", () => {
  it("passes embeddings through (openai SDK), logs tokens and dimensions without vectors, prices them", async () => {
    const { data, response } = await openai.embeddings
      .create({ model: "openai:text-embedding-3-small", input: ["first text", "second text"], dimensions: 16 })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0].embedding).toHaveLength(16);
    expect(fake.requests.at(-1)!).toMatchObject({
      path: "/v1/embeddings",
      body: { model: "text-embedding-3-small", dimensions: 16 },
    });
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({
      provider: "openai",
      model: "openai:text-embedding-3-small",
      completion_status: "complete",
      prompt_tokens: 21,
      completion_tokens: 0,
      usage_source: "provider",
      price_source: "model_prices",
    });
    expect(row.cost).toBe(expectedCost("text-embedding-3-small", { prompt: 21, completion: 0 }));
    expect(row.logged_response.data).toEqual([{ index: 0, dimensions: 16 }, { index: 1, dimensions: 16 }]);
    expect(JSON.stringify(row.logged_response)).not.toContain(String(data.data[0].embedding[1]));
    expect(row.logged_request.input).toEqual(["first text", "second text"]);
  });

  it("decodes base64 vectors (the openai SDK's default) for the logged dimensions", async () => {
    const { response } = await openai.embeddings.create({ model: "openai:text-embedding-3-small", input: "x" })
      .withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row.logged_response.data).toEqual([{ index: 0, dimensions: 8 }]);
  });

  it("works with the AI SDK's embed()", async () => {
    const started = new Date();
    const provider = createOpenAI({ apiKey: apiKey.key, baseURL });
    const { embedding, usage } = await embed({
      model: provider.embedding("openai:text-embedding-3-small"),
      value: "sunny day",
    });
    expect(embedding).toHaveLength(8);
    expect(usage.tokens).toBe(21);
    const row = await lastRow(started);
    expect(row).toMatchObject({ provider: "openai", prompt_tokens: 21, completion_status: "complete" });
  });

  it("refuses a bad body and an Anthropic model with a clear 400, logged", async () => {
    await expect(openai.embeddings.create({ model: "openai:text-embedding-3-small", input: [] })).rejects.toMatchObject(
      { status: 400, param: "input" },
    );
    const err = await openai.embeddings.create({ model: "anthropic:claude-sonnet-4-20250514", input: "x" }).catch((e) =>
      e
    );
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const row = await ledgerRow(err.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "error", http_status: 400, provider: "anthropic" });
  });

  it("passes an upstream error through in OpenAI's shape", async () => {
    const err = await openai.embeddings
      .create({ model: "openai:text-embedding-3-small", input: "scenario:rate_limit" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get("retry-after")).toBe("7");
    expect((await ledgerRow(err.headers.get("x-request-id"))).http_status).toBe(429);
  });
});

describe("Anthropic Messages (@anthropic-ai/sdk, x-api-key)", () => {
  const CLAUDE = "anthropic:claude-sonnet-4-20250514";
  const anthropic = () => new Anthropic({ apiKey: apiKey.key, baseURL: `${fns.url}/llm-proxy`, maxRetries: 0 });
  /** A streamed Messages call to CLAUDE without the SDK, to see the raw events. */
  const streamRaw = (content: string) =>
    fetch(`${fns.url}/llm-proxy/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": apiKey.key, "anthropic-version": "2023-06-01", "content-type": "application/json" },
      body: JSON.stringify({ model: CLAUDE, max_tokens: 50, stream: true, messages: [{ role: "user", content }] }),
    });

  it("create: passes through natively with system, images, cache_control and beta headers; exact row", async () => {
    fake.setOptions({ cachedTokens: 100, cacheCreationTokens: 40 });
    try {
      const { data, response } = await anthropic().messages.create({
        model: CLAUDE,
        max_tokens: 300,
        system: [{ type: "text", text: "Be brief", cache_control: { type: "ephemeral" } }],
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
          ],
        }],
      }, { headers: { "anthropic-beta": "prompt-caching-2024-07-31", "anthropic-version": "2024-10-22" } })
        .withResponse();
      expect(data.content).toEqual([{ type: "text", text: answerText(6) }]);
      expect(data.usage).toMatchObject({
        input_tokens: 21,
        cache_read_input_tokens: 100,
        cache_creation_input_tokens: 40,
      });
      const sent = fake.requests.at(-1)!;
      expect(sent.path).toBe("/v1/messages");
      expect(sent.body.model).toBe("claude-sonnet-4-20250514");
      expect(sent.body.system[0].cache_control).toEqual({ type: "ephemeral" });
      expect(sent.body.messages[0].content[1].type).toBe("image");
      expect(sent.headers["anthropic-version"]).toBe("2024-10-22");
      expect(sent.headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
      expect(sent.headers["x-api-key"]).toBe("sk-ant-api03-test-anthropic-provider-key-0123456789");
      const row = await ledgerRow(response.headers.get("x-request-id"));
      expect(row).toMatchObject({
        provider: "anthropic",
        model: CLAUDE,
        completion_status: "complete",
        is_stream: false,
        prompt_tokens: 161,
        completion_tokens: 6,
        cached_tokens: 100,
        cache_creation_tokens: 40,
        usage_source: "provider",
      });
      expect(row.cost).toBe(
        expectedCost("claude-sonnet-4-20250514", { prompt: 161, completion: 6, cached: 100, cacheWrite: 40 }),
      );
      expect(row.logged_response.type).toBe("message");
    } finally {
      fake.reset();
    }
  });

  it("stream: every event passes through, usage logged", async () => {
    const events: string[] = [];
    const stream = anthropic().messages.stream({
      model: CLAUDE,
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi chunks:5" }],
    });
    for await (const ev of stream) events.push(ev.type);
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: answerText(5) }]);
    expect(final.usage.output_tokens).toBe(6);
    expect(events[0]).toBe("message_start");
    expect(events).toEqual(
      expect.arrayContaining([
        "content_block_start",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
      ]),
    );
    const { response } = await stream.withResponse();
    await completeStreamRow(response, "anthropic", "claude-sonnet-4-20250514");
  });

  it("a stream the client aborts is logged as partial (client_disconnected)", async () => {
    const stream = anthropic().messages.stream({
      model: CLAUDE,
      max_tokens: 100,
      messages: [{ role: "user", content: "scenario:slow chunks:40 delay:30" }],
    });
    let deltas = 0;
    stream.on("text", () => {
      if (++deltas === 3) stream.abort();
    });
    await stream.done().catch(() => {});
    const { response } = await stream.withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "partial", error_code: "client_disconnected", prompt_tokens: 21 });
    expect(deltas).toBeLessThan(40);
  });

  it("thinking blocks and their signatures pass through, streamed and not", async () => {
    const body = {
      model: CLAUDE,
      max_tokens: 2000,
      thinking: { type: "enabled" as const, budget_tokens: 1024 },
      messages: [{ role: "user" as const, content: "scenario:thinking chunks:2" }],
    };
    const message = await anthropic().messages.create(body);
    expect(message.content[0]).toEqual({ type: "thinking", thinking: THINKING_TEXT, signature: "sig_fake" });
    expect(fake.requests.at(-1)!.body.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
    const final = await anthropic().messages.stream(body).finalMessage();
    expect(final.content).toEqual([
      { type: "thinking", thinking: THINKING_TEXT, signature: "sig_fake" },
      { type: "text", text: answerText(2) },
    ]);
  });

  it("tools: a tool_use answer streams and assembles", async () => {
    const stream = anthropic().messages.stream({
      model: CLAUDE,
      max_tokens: 100,
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { location: { type: "string" } } } }],
      messages: [{ role: "user", content: "Weather? scenario:tools" }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content.find((b) => b.type === "tool_use")).toMatchObject({
      name: "get_weather",
      input: { location: "Paris", unit: "celsius" },
    });
  });

  it("count_tokens: Anthropic's count, and an estimate for other providers", async () => {
    const native = await anthropic().messages.countTokens({
      model: CLAUDE,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(native.input_tokens).toBe(21);
    expect(fake.requests.at(-1)!.path).toBe("/v1/messages/count_tokens");
    const estimate = await anthropic().messages.countTokens({
      model: "openai:gpt-4o-mini",
      messages: [{ role: "user", content: "Hi there" }],
    });
    expect(estimate.input_tokens).toBeGreaterThan(2);
  });

  it("a stream the provider cuts ends with an error event; the SDK throws; the row is partial with provider prompt tokens", async () => {
    const res = await streamRaw("scenario:cut cut:2");
    const text = await res.text();
    expect(text).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"api_error","message":"upstream connection failed[^\n]*\n\n$/,
    );
    expect(text).not.toContain("message_stop");
    const row = await ledgerRow(res.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "partial", error_code: "upstream_disconnected", prompt_tokens: 21 });

    const stream = anthropic().messages.stream({
      model: CLAUDE,
      max_tokens: 50,
      messages: [{ role: "user", content: "scenario:truncate cut:2" }],
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });

  it("the provider's own mid-stream error event reaches the client once, and the row keeps its type", async () => {
    const res = await streamRaw("scenario:error_event cut:2");
    const text = await res.text();
    expect(text.match(/event: error/g)).toHaveLength(1);
    expect(text).toContain('"type":"overloaded_error"');
    const row = await ledgerRow(res.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "partial", error_code: "overloaded_error", prompt_tokens: 21 });
  });

  it("errors come back in Anthropic's shape with the SDK's error classes", async () => {
    await expect(
      anthropic().messages.create({
        model: CLAUDE,
        max_tokens: 10,
        messages: [{ role: "user", content: "scenario:rate_limit" }],
      }),
    )
      .rejects.toBeInstanceOf(Anthropic.RateLimitError);
    const bad = await anthropic().messages.create({ model: CLAUDE, max_tokens: 10, messages: [] }).catch((e) => e);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bad.error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect((await ledgerRow(bad.headers.get("x-request-id"))).http_status).toBe(400);
    const noKey = new Anthropic({ apiKey: "sgw_wrong", baseURL: `${fns.url}/llm-proxy`, maxRetries: 0 });
    await expect(noKey.messages.create({ model: CLAUDE, max_tokens: 10, messages: [{ role: "user", content: "x" }] }))
      .rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });

  it("translates to an OpenAI-format provider: create, tools and stream", async () => {
    const { data, response } = await anthropic().messages.create({
      model: "openai/gpt-4o-mini",
      max_tokens: 64,
      system: "Be brief",
      messages: [{ role: "user", content: "Hi" }],
    }).withResponse();
    expect(data).toMatchObject({
      type: "message",
      role: "assistant",
      model: "openai/gpt-4o-mini",
      stop_reason: "end_turn",
    });
    expect(data.content).toEqual([{ type: "text", text: answerText(6) }]);
    expect(data.usage).toMatchObject({ input_tokens: 21, output_tokens: 6 });
    const sent = fake.requests.at(-1)!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.body.messages).toEqual([{ role: "system", content: "Be brief" }, {
      role: "user",
      content: [{ type: "text", text: "Hi" }],
    }]);
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({
      provider: "openrouter",
      prompt_tokens: 21,
      completion_tokens: 6,
      completion_status: "complete",
    });
    expect(row.cost).toBe(expectedCost("openrouter/openai/gpt-4o-mini", { prompt: 21, completion: 6 }));
    // The ledger keeps the request as the client sent it (Anthropic's format).
    expect(row.logged_request).toMatchObject({ system: "Be brief", max_tokens: 64 });

    const tools = await anthropic().messages.create({
      model: "openai:gpt-4o-mini",
      max_tokens: 64,
      tools: [{ name: "get_weather", input_schema: { type: "object", properties: { location: { type: "string" } } } }],
      tool_choice: { type: "any" },
      messages: [
        { role: "user", content: "Weather? scenario:tools" },
      ],
    });
    expect(tools.stop_reason).toBe("tool_use");
    expect(tools.content[0]).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { location: "Paris", unit: "celsius" },
    });
    expect(fake.requests.at(-1)!.body.tool_choice).toBe("required");

    const stream = anthropic().messages.stream({
      model: "openai/gpt-4o-mini",
      max_tokens: 64,
      messages: [{ role: "user", content: "Hi chunks:7" }],
    });
    const final = await stream.finalMessage();
    expect(final.content).toEqual([{ type: "text", text: answerText(7) }]);
    expect(final.usage.output_tokens).toBe(6);
    const { response: streamed } = await stream.withResponse();
    const streamRow = await ledgerRow(streamed.headers.get("x-request-id"));
    expect(streamRow).toMatchObject({
      is_stream: true,
      completion_status: "complete",
      prompt_tokens: 21,
      completion_tokens: 6,
    });
  });

  it("translates a tool result turn and a cut stream from an OpenAI-format provider", async () => {
    await anthropic().messages.create({
      model: "openai:gpt-4o-mini",
      max_tokens: 64,
      messages: [
        { role: "user", content: "Weather in Paris?" },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } }],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "21C" }, { type: "text", text: "And?" }],
        },
      ],
    });
    expect(fake.requests.at(-1)!.body.messages).toEqual([
      { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "toolu_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"location":"Paris"}' },
        }],
      },
      { role: "tool", tool_call_id: "toolu_1", content: "21C" },
      { role: "user", content: [{ type: "text", text: "And?" }] },
    ]);
    const stream = anthropic().messages.stream({
      model: "openai:gpt-4o-mini",
      max_tokens: 64,
      messages: [{ role: "user", content: "scenario:cut cut:2" }],
    });
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
  });
});

describe("Responses (openai SDK)", () => {
  /** A streamed Responses call without the SDK, to see the raw events. */
  const streamRaw = (input: string) =>
    fetch(`${baseURL}/responses`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai:gpt-4o-mini", input, stream: true }),
    });

  it("create: passes through with previous_response_id; usage with cached and reasoning tokens priced", async () => {
    fake.setOptions({ cachedTokens: 8, reasoningTokens: 2 });
    try {
      const { data, response } = await openai.responses
        .create({
          model: "openai:gpt-4o-mini",
          input: "Hi",
          instructions: "Be brief",
          previous_response_id: "resp_prev_1",
        })
        .withResponse();
      expect(data.output_text).toBe(answerText(6));
      expect(data.usage).toMatchObject({ input_tokens: 21, output_tokens: 6 });
      const sent = fake.requests.at(-1)!;
      expect(sent).toMatchObject({
        path: "/v1/responses",
        body: { model: "gpt-4o-mini", previous_response_id: "resp_prev_1" },
      });
      const row = await ledgerRow(response.headers.get("x-request-id"));
      expect(row).toMatchObject({
        provider: "openai",
        model: "openai:gpt-4o-mini",
        completion_status: "complete",
        finish_reason: "stop",
        prompt_tokens: 21,
        completion_tokens: 6,
        cached_tokens: 8,
        reasoning_tokens: 2,
        usage_source: "provider",
      });
      expect(row.cost).toBe(expectedCost("gpt-4o-mini", { prompt: 21, completion: 6, cached: 8 }));
      expect(row.logged_response.object).toBe("response");
    } finally {
      fake.reset();
    }
  });

  it("stream: response.* events pass through; the row has the final usage", async () => {
    const { data: stream, response } = await openai.responses
      .create({ model: "openai/gpt-4o-mini", input: [{ role: "user", content: "Hi chunks:9" }], stream: true })
      .withResponse();
    const types: string[] = [];
    let text = "";
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === "response.output_text.delta") text += ev.delta;
    }
    expect(text).toBe(answerText(9));
    expect(types[0]).toBe("response.created");
    expect(types.at(-1)).toBe("response.completed");
    const row = await completeStreamRow(response, "openrouter", "openrouter/openai/gpt-4o-mini");
    expect(row.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
  });

  it("stream helper: function calls assemble", async () => {
    const stream = openai.responses.stream({
      model: "openai:gpt-4o-mini",
      input: "Weather? scenario:tools",
      tools: [{ type: "function", name: "get_weather", parameters: { type: "object", properties: {} }, strict: false }],
    });
    const final = await stream.finalResponse();
    const call = final.output.find((i) => i.type === "function_call");
    expect(call).toMatchObject({ name: "get_weather", arguments: '{"location": "Paris", "unit": "celsius"}' });
  });

  it("a cut stream ends with an error event and a partial row", async () => {
    const res = await streamRaw("scenario:truncate cut:2");
    const text = await res.text();
    expect(text.endsWith(`event: error\ndata: ${
      JSON.stringify({
        type: "error",
        code: "stream_truncated",
        message: "upstream closed the stream before [DONE]",
        param: null,
      })
    }\n\n`)).toBe(true);
    expect(text).not.toContain("response.completed");
    const row = await ledgerRow(res.headers.get("x-request-id"));
    expect(row).toMatchObject({
      completion_status: "partial",
      error_code: "stream_truncated",
      usage_source: "estimated",
    });
  });

  it("an upstream error event passes through as sent (no second error), the row is partial", async () => {
    const res = await streamRaw("scenario:error_event cut:2");
    const text = await res.text();
    const errors = text.split("\n\n").filter((e) => e.startsWith("event: error"));
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0].split("data: ")[1])).toMatchObject({ type: "error", code: "server_error" });
    const row = await ledgerRow(res.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "partial", error_code: "server_error" });
  });

  it("504 when the provider does not answer in time, 502 when it fails; both logged", async () => {
    const slow = await openai.responses.create({ model: "openai:gpt-4o-mini", input: "scenario:hang" }).catch((e) => e);
    expect(slow.status).toBe(504);
    expect((await ledgerRow(slow.headers.get("x-request-id"))).error_code).toBe("upstream_timeout");
    const failed = await openai.responses.create({ model: "openai:gpt-4o-mini", input: "scenario:server_error" }).catch(
      (e) => e,
    );
    expect(failed.status).toBe(502);
    expect((await ledgerRow(failed.headers.get("x-request-id"))).http_status).toBe(502);
  });

  it("refuses Anthropic models with a clear 400", async () => {
    await expect(openai.responses.create({ model: "anthropic:claude-sonnet-4-20250514", input: "x" })).rejects
      .toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("Vercel AI SDK", () => {
  it("the default OpenAI provider (Responses): generateText and streamText", async () => {
    const provider = createOpenAI({ apiKey: apiKey.key, baseURL });
    const started = new Date();
    const { text, usage } = await generateText({ model: provider("openai:gpt-4o-mini"), prompt: "Hi" });
    expect(text).toBe(answerText(6));
    expect(usage).toMatchObject({ inputTokens: 21, outputTokens: 6 });
    expect(fake.requests.at(-1)!.path).toBe("/v1/responses");
    expect(await lastRow(started)).toMatchObject({
      prompt_tokens: 21,
      completion_tokens: 6,
      completion_status: "complete",
    });

    const streamed = streamText({ model: provider("openai:gpt-4o-mini"), prompt: "Hi chunks:4" });
    let out = "";
    for await (const delta of streamed.textStream) out += delta;
    expect(out).toBe(answerText(4));
    expect((await streamed.usage).outputTokens).toBe(6);
  });

  it("the Anthropic provider pointed at the gateway: generateText and streamText", async () => {
    const provider = createAnthropic({ apiKey: apiKey.key, baseURL });
    const started = new Date();
    const { text } = await generateText({ model: provider("anthropic:claude-sonnet-4-20250514"), prompt: "Hi" });
    expect(text).toBe(answerText(6));
    expect(fake.requests.at(-1)!.path).toBe("/v1/messages");
    expect(await lastRow(started)).toMatchObject({ provider: "anthropic", prompt_tokens: 21, completion_tokens: 6 });

    const streamed = streamText({ model: provider("anthropic:claude-sonnet-4-20250514"), prompt: "Hi chunks:3" });
    let out = "";
    for await (const delta of streamed.textStream) out += delta;
    expect(out).toBe(answerText(3));
  });
});
