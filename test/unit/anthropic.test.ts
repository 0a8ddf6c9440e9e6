import { describe, expect, it } from "vitest";
import { ApiError } from "../../functions/_shared/http/errors.ts";
import { chatCompletionRequestSchema } from "../../functions/_shared/openai/chat-schema.ts";
import {
  anthropicAdapter,
  anthropicToOpenAIStream,
  fromAnthropicResponse,
  toAnthropicRequest,
} from "../../functions/_shared/providers/index.ts";
import { teeChatStream } from "../../functions/_shared/gateway/stream-tee.ts";
import { byteStream } from "../helpers/streams.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

const req = (body: Record<string, unknown>) =>
  chatCompletionRequestSchema.parse({ model: "anthropic:claude-sonnet-4-20250514", ...body });

describe("OpenAI request -> Anthropic Messages", () => {
  it("maps system, tools, tool calls, tool results, images, stops and sampling", () => {
    const body = req({
      messages: [
        { role: "system", content: "You are terse." },
        {
          role: "developer",
          content: [{ type: "text", text: "Use metric units.", cache_control: { type: "ephemeral" } }],
        },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          ],
        },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [{
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          }],
        },
        { role: "tool", tool_call_id: "call_1", content: "18C" },
        { role: "user", content: "Thanks" },
      ],
      tools: [{
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather",
          parameters: { type: "object", properties: { city: { type: "string" } } },
        },
      }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      parallel_tool_calls: false,
      stop: "END",
      temperature: 1.7,
      top_p: 0.9,
      user: "end-user-42",
      top_k: 5,
      stream: true,
    });
    expect(toAnthropicRequest(body, "claude-sonnet-4-20250514")).toEqual({
      model: "claude-sonnet-4-20250514",
      max_tokens: 4096,
      stream: true,
      system: [{ type: "text", text: "You are terse." }, {
        type: "text",
        text: "Use metric units.",
        cache_control: { type: "ephemeral" },
      }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here?" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
            { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Checking." },
            { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "call_1", content: "18C" },
            { type: "text", text: "Thanks" },
          ],
        },
      ],
      tools: [{
        name: "get_weather",
        description: "Weather",
        input_schema: { type: "object", properties: { city: { type: "string" } } },
      }],
      tool_choice: { type: "tool", name: "get_weather", disable_parallel_tool_use: true },
      stop_sequences: ["END"],
      temperature: 1,
      top_p: 0.9,
      metadata: { user_id: "end-user-42" },
      top_k: 5,
    });
  });

  it("takes max_completion_tokens, then max_tokens, and maps tool_choice strings", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    const a = toAnthropicRequest(
      req({
        messages: [{ role: "user", content: "x" }],
        max_tokens: 50,
        max_completion_tokens: 70,
        tools,
        tool_choice: "required",
      }),
      "m",
    );
    expect(a.max_tokens).toBe(70);
    expect(a.tool_choice).toEqual({ type: "any" });
    expect(a.tools).toEqual([{ name: "f", input_schema: { type: "object", properties: {} } }]);
    const b = toAnthropicRequest(
      req({ messages: [{ role: "user", content: "x" }], max_tokens: 50, tools, tool_choice: "none" }),
      "m",
    );
    expect(b.max_tokens).toBe(50);
    expect(b.tool_choice).toEqual({ type: "none" });
  });

  it("rejects input Anthropic cannot take with a 400 naming the field", () => {
    const audio = req({
      messages: [{ role: "user", content: [{ type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }] }],
    });
    expect(() => toAnthropicRequest(audio, "m")).toThrow(ApiError);
    try {
      toAnthropicRequest(audio, "m");
    } catch (e) {
      expect((e as ApiError).status).toBe(400);
      expect((e as ApiError).param).toBe("messages[0].content[0]");
    }
    const badArgs = req({
      messages: [{
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{not json" } }],
      }],
    });
    expect(() => toAnthropicRequest(badArgs, "m")).toThrow(/JSON object/);
  });

  it("builds the upstream request with Anthropic's headers", () => {
    const call = anthropicAdapter.buildRequest(
      req({ messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } }),
      {
        provider: "anthropic",
        requestedModel: "anthropic:claude-3-5-haiku-20241022",
        model: "claude-3-5-haiku-20241022",
        baseUrl: "http://127.0.0.1:9",
        apiKey: "sk-ant-test",
      },
    );
    expect(call.request.url).toBe("http://127.0.0.1:9/v1/messages");
    expect(call.request.init.headers["x-api-key"]).toBe("sk-ant-test");
    expect(call.request.init.headers["anthropic-version"]).toBe("2023-06-01");
    expect(call.clientWantsUsage).toBe(true);
    expect(JSON.parse(call.request.init.body).model).toBe("claude-3-5-haiku-20241022");
  });
});

describe("Anthropic response -> OpenAI chat.completion", () => {
  it("maps text, tool use, stop reason and usage with cache tokens", () => {
    const n = fromAnthropicResponse({
      id: "msg_1",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-20250514",
      content: [
        { type: "text", text: "Let me look." },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use",
      usage: { input_tokens: 100, output_tokens: 30, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 },
    });
    expect(n.finishReason).toBe("tool_calls");
    expect(n.body.choices).toEqual([
      {
        index: 0,
        message: {
          role: "assistant",
          content: "Let me look.",
          refusal: null,
          tool_calls: [{
            id: "toolu_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          }],
        },
        logprobs: null,
        finish_reason: "tool_calls",
      },
    ]);
    expect(n.body.usage).toMatchObject({
      prompt_tokens: 1300,
      completion_tokens: 30,
      total_tokens: 1330,
      prompt_tokens_details: { cached_tokens: 1000 },
    });
    expect(n.usage).toMatchObject({
      prompt_tokens: 1300,
      cached_tokens: 1000,
      cache_creation_tokens: 200,
      completion_tokens: 30,
    });
  });

  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["tool_use", "tool_calls"],
  ])("maps stop_reason %s to %s", (reason, finish) => {
    expect(fromAnthropicResponse({ content: [], stop_reason: reason, usage: {} }).finishReason).toBe(finish);
  });

  it("maps Anthropic errors to OpenAI errors with the right status", () => {
    const h = new Headers({ "retry-after": "12" });
    const rl = anthropicAdapter.normalizeError(
      429,
      JSON.stringify({ type: "error", error: { type: "rate_limit_error", message: "Slow down" } }),
      h,
    );
    expect(rl.status).toBe(429);
    expect(rl.headers["retry-after"]).toBe("12");
    expect(rl.toJSON().error.message).toContain("Slow down");
    const bad = anthropicAdapter.normalizeError(
      400,
      JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "max_tokens: too big" } }),
      new Headers(),
    );
    expect(bad.status).toBe(400);
    expect(bad.toJSON().error.type).toBe("invalid_request_error");
    expect(anthropicAdapter.normalizeError(401, "{}", new Headers()).status).toBe(502);
    expect(
      anthropicAdapter.normalizeError(
        529,
        JSON.stringify({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
        new Headers(),
      ).status,
    ).toBe(502);
  });
});

const ev = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

async function sseEvents(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const text = await new Response(stream).text();
  return text.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
}

describe("Anthropic stream -> OpenAI chunks", () => {
  const events = [
    ev("message_start", {
      message: {
        id: "msg_9",
        model: "claude-sonnet-4-20250514",
        content: [],
        usage: { input_tokens: 40, cache_read_input_tokens: 10, cache_creation_input_tokens: 0, output_tokens: 1 },
      },
    }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
    ev("ping", {}),
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Héllo" } }),
    ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: " wörld" } }),
    ev("content_block_stop", { index: 0 }),
    ev("content_block_start", {
      index: 1,
      content_block: { type: "tool_use", id: "toolu_7", name: "lookup", input: {} },
    }),
    ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "" } }),
    ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: '{"q":' } }),
    ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: '"x"}' } }),
    ev("content_block_stop", { index: 1 }),
    ev("message_delta", { delta: { stop_reason: "tool_use", stop_sequence: null }, usage: { output_tokens: 25 } }),
    ev("message_stop", {}),
  ].join("");

  it.each([1, 7, 64, 10_000])("translates every event, split every %i bytes", async (size) => {
    const out = await sseEvents(anthropicToOpenAIStream(byteStream(events, size)));
    expect(out[out.length - 1]).toBe("[DONE]");
    const chunks = out.slice(0, -1).map((s) => JSON.parse(s));
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && c.id === "msg_9")).toBe(true);
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "" });
    expect(chunks.map((c) => c.choices[0]?.delta?.content).filter(Boolean).join("")).toBe("Héllo wörld");
    const toolDeltas = chunks.flatMap((c) => c.choices[0]?.delta?.tool_calls ?? []);
    expect(toolDeltas[0]).toEqual({
      index: 0,
      id: "toolu_7",
      type: "function",
      function: { name: "lookup", arguments: "" },
    });
    expect(toolDeltas.slice(1).map((t: LooseObject) => t.function.arguments).join("")).toBe('{"q":"x"}');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish.choices[0].finish_reason).toBe("tool_calls");
    const usage = chunks[chunks.length - 1];
    expect(usage.choices).toEqual([]);
    expect(usage.usage).toMatchObject({
      prompt_tokens: 50,
      completion_tokens: 25,
      total_tokens: 75,
      prompt_tokens_details: { cached_tokens: 10 },
    });
  });

  it("feeds the tee: tool call assembled, usage from the provider, usage chunk hidden", async () => {
    const { stream, result } = teeChatStream(anthropicToOpenAIStream(byteStream(events, 5)), {
      clientWantsUsage: false,
    });
    const out = await sseEvents(stream);
    expect(out.some((e) => e.includes('"choices":[]'))).toBe(false);
    const r = await result;
    expect(r.status).toBe("success");
    expect(r.usageSource).toBe("provider");
    expect(r.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 25, cached_tokens: 10 });
    expect(r.text).toBe("Héllo wörld");
    expect(r.toolCalls[0].function).toEqual({ name: "lookup", arguments: '{"q":"x"}' });
  });

  it("turns an error event into an OpenAI error chunk without [DONE]", async () => {
    const broken = events.slice(0, events.indexOf("event: content_block_stop")) +
      ev("error", { error: { type: "overloaded_error", message: "Overloaded" } });
    const { stream, result } = teeChatStream(anthropicToOpenAIStream(byteStream(broken, 9)), {
      clientWantsUsage: true,
    });
    const out = await sseEvents(stream);
    expect(out).not.toContain("[DONE]");
    expect(JSON.parse(out[out.length - 1])).toEqual({
      error: { message: "Overloaded", type: "overloaded_error", code: "overloaded_error", param: null },
    });
    const r = await result;
    expect(r.status).toBe("partial");
    expect(r.error?.message).toBe("Overloaded");
  });
});
