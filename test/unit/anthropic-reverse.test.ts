import { describe, expect, it } from "vitest";
import {
  chatCompletionToMessage,
  chatStreamToMessagesStream,
  messagesToChatRequest,
} from "../../functions/_shared/providers/anthropic-reverse.ts";
import { parseChatCompletionRequest } from "../../functions/_shared/openai/chat-schema.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

const enc = new TextEncoder();

function source(text: string): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      // Split mid-event to exercise the parser's buffering.
      for (let i = 0; i < text.length; i += 17) c.enqueue(enc.encode(text.slice(i, i + 17)));
      c.close();
    },
  });
}

async function events(stream: ReadableStream<Uint8Array>): Promise<Array<{ event: string; data: LooseObject }>> {
  const text = await new Response(stream).text();
  return text.split("\n\n").filter(Boolean).map((e) => {
    const [ev, data] = e.split("\n");
    return { event: ev.replace("event: ", ""), data: JSON.parse(data.replace("data: ", "")) };
  });
}

describe("Anthropic Messages -> OpenAI chat request", () => {
  it("maps system with cache_control, images, documents, tools, tool_choice, stop, user and thinking", () => {
    const req = messagesToChatRequest({
      model: "openrouter:anthropic/claude-sonnet-4",
      max_tokens: 100,
      system: [{ type: "text", text: "Be brief", cache_control: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Look" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: "AAAA" } },
            { type: "image", source: { type: "url", url: "https://example.test/a.png" } },
            { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBE" } },
          ],
        },
        {
          role: "assistant",
          content: [{ type: "thinking", thinking: "hmm", signature: "s" }, { type: "text", text: "ok" }],
        },
      ],
      tools: [{ name: "f", description: "d", input_schema: { type: "object", properties: {} } }],
      tool_choice: { type: "tool", name: "f", disable_parallel_tool_use: true },
      stop_sequences: ["END"],
      metadata: { user_id: "u1" },
      thinking: { type: "enabled", budget_tokens: 2048 },
      top_k: 5,
      temperature: 0.5,
      stream: true,
    }, "openrouter");
    expect(req).toEqual({
      model: "openrouter:anthropic/claude-sonnet-4",
      max_tokens: 100,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.5,
      stop: ["END"],
      user: "u1",
      messages: [
        { role: "system", content: [{ type: "text", text: "Be brief", cache_control: { type: "ephemeral" } }] },
        {
          role: "user",
          content: [
            { type: "text", text: "Look" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
            { type: "image_url", image_url: { url: "https://example.test/a.png" } },
            { type: "file", file: { filename: "document.pdf", file_data: "data:application/pdf;base64,JVBE" } },
          ],
        },
        { role: "assistant", content: "ok" },
      ],
      tools: [{
        type: "function",
        function: { name: "f", description: "d", parameters: { type: "object", properties: {} } },
      }],
      tool_choice: { type: "function", function: { name: "f" } },
      parallel_tool_calls: false,
      top_k: 5,
      reasoning: { max_tokens: 2048 },
    });
    expect(parseChatCompletionRequest(req).ok).toBe(true);
  });

  it("keeps cache_control only for OpenRouter, which takes it; drops top_k and thinking elsewhere", () => {
    const body = {
      model: "m",
      max_tokens: 1,
      system: [{ type: "text", text: "S", cache_control: { type: "ephemeral" } }],
      messages: [{ role: "user", content: [{ type: "text", text: "x", cache_control: { type: "ephemeral" } }] }],
      top_k: 3,
      thinking: { type: "enabled", budget_tokens: 1024 },
    };
    expect(messagesToChatRequest(body, "openai")).toEqual({
      model: "m",
      max_tokens: 1,
      messages: [{ role: "system", content: [{ type: "text", text: "S" }] }, {
        role: "user",
        content: [{ type: "text", text: "x" }],
      }],
    });
    expect(messagesToChatRequest(body, "openrouter").messages[1].content[0].cache_control).toEqual({
      type: "ephemeral",
    });
  });

  it("refuses Anthropic server tools and unknown blocks with a 400", () => {
    const base = { model: "m", max_tokens: 1, messages: [{ role: "user", content: "x" }] };
    expect(() =>
      messagesToChatRequest({ ...base, tools: [{ type: "web_search_20250305", name: "web_search" }] }, "openai")
    )
      .toThrow(/server tool/);
    expect(() =>
      messagesToChatRequest({ ...base, messages: [{ role: "user", content: [{ type: "search_result" }] }] }, "openai")
    )
      .toThrow(/search_result/);
  });
});

describe("OpenAI answers -> Anthropic", () => {
  it("maps a completion with reasoning, text and tool calls, and usage without cache tokens in input_tokens", () => {
    const message = chatCompletionToMessage({
      id: "chatcmpl-1",
      choices: [{
        index: 0,
        finish_reason: "tool_calls",
        message: {
          role: "assistant",
          content: "Checking",
          reasoning: "think",
          tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
        },
      }],
      usage: {
        prompt_tokens: 100,
        completion_tokens: 9,
        prompt_tokens_details: { cached_tokens: 60, cache_write_tokens: 10 },
      },
    }, "openai/gpt-4o");
    expect(message).toEqual({
      id: "chatcmpl-1",
      type: "message",
      role: "assistant",
      model: "openai/gpt-4o",
      content: [
        { type: "thinking", thinking: "think", signature: "" },
        { type: "text", text: "Checking" },
        { type: "tool_use", id: "c1", name: "f", input: { a: 1 } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 30, cache_creation_input_tokens: 10, cache_read_input_tokens: 60, output_tokens: 9 },
    });
  });

  it("streams reasoning, text and a tool call as Anthropic events, usage in message_delta", async () => {
    const chunk = (delta: object, finish: string | null = null) =>
      `data: ${JSON.stringify({ id: "c", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const text = chunk({ role: "assistant", reasoning: "th" }) + chunk({ content: "Hi" }) +
      chunk({ tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"a"' } }] }) +
      chunk({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }) + chunk({}, "tool_calls") +
      `data: ${
        JSON.stringify({ id: "c", choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } })
      }\n\ndata: [DONE]\n\n`;
    const out = await events(chatStreamToMessagesStream(source(text), "m"));
    expect(out.map((e) => e.event)).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(out[2].data.content_block).toEqual({ type: "thinking", thinking: "", signature: "" });
    expect(out[6].data).toMatchObject({ index: 1, delta: { type: "text_delta", text: "Hi" } });
    expect(out[8].data).toMatchObject({
      index: 2,
      content_block: { type: "tool_use", id: "call_1", name: "f", input: {} },
    });
    expect(out[12].data).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3 },
    });
  });

  it("turns an OpenAI error chunk into Anthropic's error event and stops", async () => {
    const text =
      `data: ${
        JSON.stringify({ id: "c", choices: [{ index: 0, delta: { content: "a" }, finish_reason: null }] })
      }\n\n` +
      `data: ${JSON.stringify({ error: { message: "cut", type: "upstream_error", code: "stream_truncated" } })}\n\n`;
    const out = await events(chatStreamToMessagesStream(source(text), "m"));
    expect(out.at(-1)).toEqual({
      event: "error",
      data: { type: "error", error: { type: "api_error", message: "cut" } },
    });
    expect(out.map((e) => e.event)).not.toContain("message_stop");
  });
});
