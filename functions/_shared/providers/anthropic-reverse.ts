/**
 * The reverse of anthropic.ts: an Anthropic Messages request for an OpenAI-format provider.
 * The request becomes an OpenAI chat completion, the answer an Anthropic `message`, and the
 * stream Anthropic's events (message_start, ping, content_block_start/delta/stop, message_delta,
 * message_stop, error), so Anthropic clients can use every model the gateway routes.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { eventObject, translateSse } from "../http/sse-translate.ts";
import { badRequest } from "../http/errors.ts";
import { anthropicErrorType } from "../anthropic/errors.ts";
import type { ProviderName } from "./types.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

type Obj = LooseObject;

const STOP_REASONS: Record<string, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  content_filter: "refusal",
};

/** OpenAI finish_reason as an Anthropic stop_reason. */
export function toStopReason(finish: unknown): string | null {
  return typeof finish === "string" ? STOP_REASONS[finish] ?? "end_turn" : null;
}

/** OpenAI usage as Anthropic's: its input_tokens exclude cache reads and writes. */
export function toAnthropicUsage(u: Obj | null | undefined): Obj {
  const n = (v: unknown): number => (typeof v === "number" ? v : 0);
  const read = n(u?.prompt_tokens_details?.cached_tokens);
  const write = n(u?.prompt_tokens_details?.cache_write_tokens ?? u?.prompt_tokens_details?.cache_creation_tokens);
  return {
    input_tokens: Math.max(0, n(u?.prompt_tokens) - read - write),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    output_tokens: n(u?.completion_tokens),
  };
}

const withCache = (
  part: Obj,
  block: Obj,
): Obj => (block.cache_control ? { ...part, cache_control: block.cache_control } : part);

function sourceUrl(source: Obj, param: string): string {
  if (source?.type === "base64") return `data:${source.media_type};base64,${source.data}`;
  if (source?.type === "url" && typeof source.url === "string") return source.url;
  throw badRequest("Only base64 and url sources can be sent to this provider", param);
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.filter((b) => b?.type === "text").map((b) => b.text).join("");
}

function userParts(blocks: Obj[], index: number, out: Obj[]): void {
  const parts: Obj[] = [];
  blocks.forEach((b, j) => {
    const param = `messages[${index}].content[${j}]`;
    switch (b.type) {
      case "text":
        parts.push(withCache({ type: "text", text: b.text }, b));
        break;
      case "image":
        parts.push({ type: "image_url", image_url: { url: sourceUrl(b.source, param) } });
        break;
      case "document":
        parts.push({
          type: "file",
          file: { filename: b.title ?? "document.pdf", file_data: sourceUrl(b.source, param) },
        });
        break;
      case "tool_result":
        // OpenAI wants tool results as their own messages, answering the assistant's calls first.
        out.push({
          role: "tool",
          tool_call_id: b.tool_use_id,
          content: textOf(b.content) || (b.is_error ? "error" : ""),
        });
        break;
      default:
        throw badRequest(`Content of type '${b.type}' cannot be sent to this provider`, param);
    }
  });
  if (parts.length) out.push({ role: "user", content: parts });
}

function assistantMessage(blocks: Obj[]): Obj | null {
  let text = "";
  const calls: Obj[] = [];
  for (const b of blocks) {
    if (b.type === "text") text += b.text;
    else if (b.type === "tool_use") {
      calls.push({ id: b.id, type: "function", function: { name: b.name, arguments: JSON.stringify(b.input ?? {}) } });
    }
    // Thinking blocks are the provider's own; OpenAI-format providers take none back.
  }
  if (!text && !calls.length) return null;
  return { role: "assistant", content: text || null, ...(calls.length ? { tool_calls: calls } : {}) };
}

function toolChoice(choice: Obj | undefined): Obj {
  const out: Obj = {};
  if (!choice) return out;
  if (choice.type === "auto") out.tool_choice = "auto";
  else if (choice.type === "any") out.tool_choice = "required";
  else if (choice.type === "none") out.tool_choice = "none";
  else if (choice.type === "tool") out.tool_choice = { type: "function", function: { name: choice.name } };
  if (choice.disable_parallel_tool_use === true) out.parallel_tool_calls = false;
  return out;
}

/** An Anthropic Messages body as an OpenAI chat completion body for `provider`. */
export function messagesToChatRequest(body: Obj, provider: ProviderName): Obj {
  const messages: Obj[] = [];
  if (typeof body.system === "string" && body.system) messages.push({ role: "system", content: body.system });
  else if (Array.isArray(body.system) && body.system.length) {
    messages.push({
      role: "system",
      content: body.system.map((b: Obj) => withCache({ type: "text", text: b.text }, b)),
    });
  }
  (body.messages as Obj[]).forEach((m, i) => {
    const blocks: Obj[] = typeof m.content === "string" ? [{ type: "text", text: m.content }] : m.content;
    if (m.role === "user") userParts(blocks, i, messages);
    else {
      const msg = assistantMessage(blocks);
      if (msg) messages.push(msg);
    }
  });
  const req: Obj = { model: body.model, messages, max_tokens: body.max_tokens };
  // The stream's final message_delta carries the usage, so the translation needs the usage chunk.
  if (body.stream === true) Object.assign(req, { stream: true, stream_options: { include_usage: true } });
  for (const key of ["temperature", "top_p"]) if (typeof body[key] === "number") req[key] = body[key];
  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length) req.stop = body.stop_sequences;
  if (typeof body.metadata?.user_id === "string") req.user = body.metadata.user_id;
  if (Array.isArray(body.tools) && body.tools.length) {
    req.tools = body.tools.map((t: Obj, i: number) => {
      if (!t.input_schema) {
        throw badRequest(`Tool '${t.name ?? i}' is an Anthropic server tool, not available here`, `tools[${i}]`);
      }
      const fn: Obj = { name: t.name, parameters: t.input_schema };
      if (t.description) fn.description = t.description;
      return { type: "function", function: fn };
    });
    Object.assign(req, toolChoice(body.tool_choice));
  }
  if (provider !== "openrouter") {
    // Only OpenRouter takes Anthropic-style cache_control on parts; OpenAI refuses unknown fields.
    for (const m of messages) {
      if (Array.isArray(m.content)) m.content = m.content.map(({ cache_control: _cache, ...part }: Obj) => part);
    }
  }
  if (provider === "openrouter") {
    if (typeof body.top_k === "number") req.top_k = body.top_k;
    // OpenRouter's reasoning budget is Anthropic's thinking budget.
    if (body.thinking?.type === "enabled") req.reasoning = { max_tokens: body.thinking.budget_tokens };
  }
  return req;
}

/** An OpenAI `chat.completion` as an Anthropic `message` (the model as the client named it). */
export function chatCompletionToMessage(completion: Obj, model: string): Obj {
  const choice = completion.choices?.[0] ?? {};
  const msg = choice.message ?? {};
  const content: Obj[] = [];
  const reasoning = msg.reasoning ?? msg.reasoning_content;
  if (typeof reasoning === "string" && reasoning) {
    content.push({ type: "thinking", thinking: reasoning, signature: "" });
  }
  if (typeof msg.content === "string" && msg.content) content.push({ type: "text", text: msg.content });
  for (const call of msg.tool_calls ?? []) {
    let input: unknown = {};
    try {
      input = JSON.parse(call.function?.arguments || "{}");
    } catch {
      input = { arguments: call.function?.arguments };
    }
    content.push({ type: "tool_use", id: call.id, name: call.function?.name, input });
  }
  return {
    id: completion.id,
    type: "message",
    role: "assistant",
    model,
    content,
    stop_reason: toStopReason(choice.finish_reason) ?? "end_turn",
    stop_sequence: null,
    usage: toAnthropicUsage(completion.usage),
  };
}

const ANTHROPIC_ERROR_TYPES = new Set([
  "invalid_request_error",
  "authentication_error",
  "permission_error",
  "not_found_error",
  "request_too_large",
  "rate_limit_error",
  "api_error",
  "overloaded_error",
]);

const event = (type: string, data: Obj): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** Writes Anthropic events for OpenAI chunks; one instance per stream. */
class MessageEventWriter {
  private started = false;
  private blockIndex = -1;
  private open: "text" | "thinking" | "tool_use" | null = null;
  private readonly toolBlocks = new Map<number, number>();
  private stopReason: string | null = null;
  private usage: Obj | null = null;
  private finished = false;

  constructor(private readonly model: string, private readonly emit: (s: string) => void) {}

  private start(id: string): void {
    if (this.started) return;
    this.started = true;
    const usage = { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
    const message = {
      id,
      type: "message",
      role: "assistant",
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    };
    this.emit(event("message_start", { message }) + event("ping", {}));
  }

  private close(): void {
    if (this.open) this.emit(event("content_block_stop", { index: this.blockIndex }));
    this.open = null;
  }

  private openBlock(kind: "text" | "thinking", block: Obj): void {
    if (this.open === kind) return;
    this.close();
    this.blockIndex++;
    this.open = kind;
    this.emit(event("content_block_start", { index: this.blockIndex, content_block: block }));
  }

  onEvent = (ev: EventSourceMessage): void => {
    if (this.finished) return;
    if (ev.data === "[DONE]") return this.finish();
    const chunk = eventObject(ev);
    if (!chunk) return;
    if (chunk.error) return this.fail(chunk.error);
    this.start(chunk.id ?? "msg_gateway");
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const delta = choice.delta ?? {};
    const reasoning = delta.reasoning ?? delta.reasoning_content;
    if (typeof reasoning === "string" && reasoning) {
      this.openBlock("thinking", { type: "thinking", thinking: "", signature: "" });
      this.emit(
        event("content_block_delta", {
          index: this.blockIndex,
          delta: { type: "thinking_delta", thinking: reasoning },
        }),
      );
    }
    if (typeof delta.content === "string" && delta.content) {
      this.openBlock("text", { type: "text", text: "" });
      this.emit(
        event("content_block_delta", { index: this.blockIndex, delta: { type: "text_delta", text: delta.content } }),
      );
    }
    for (const tc of delta.tool_calls ?? []) this.toolDelta(tc);
    if (choice.finish_reason) this.stopReason = toStopReason(choice.finish_reason);
  };

  private toolDelta(tc: Obj): void {
    const index = tc.index ?? 0;
    if (!this.toolBlocks.has(index)) {
      this.close();
      this.blockIndex++;
      this.open = "tool_use";
      this.toolBlocks.set(index, this.blockIndex);
      const block = { type: "tool_use", id: tc.id ?? `toolu_${index}`, name: tc.function?.name ?? "", input: {} };
      this.emit(event("content_block_start", { index: this.blockIndex, content_block: block }));
    }
    const args = tc.function?.arguments;
    if (typeof args === "string" && args) {
      const delta = { type: "input_json_delta", partial_json: args };
      this.emit(event("content_block_delta", { index: this.toolBlocks.get(index), delta }));
    }
  }

  private finish(): void {
    this.start("msg_gateway");
    this.close();
    this.finished = true;
    const delta = { stop_reason: this.stopReason ?? "end_turn", stop_sequence: null };
    this.emit(event("message_delta", { delta, usage: toAnthropicUsage(this.usage) }) + event("message_stop", {}));
  }

  private fail(error: Obj): void {
    this.finished = true;
    const type = ANTHROPIC_ERROR_TYPES.has(error.type) ? error.type : anthropicErrorType(502);
    this.emit(event("error", { error: { type, message: error.message ?? "upstream error" } }));
  }
}

/** Translates OpenAI chat SSE bytes (as the gateway tee forwards them) to Anthropic's events. */
export function chatStreamToMessagesStream(
  body: ReadableStream<Uint8Array>,
  model: string,
): ReadableStream<Uint8Array> {
  return translateSse(body, (emit) => new MessageEventWriter(model, emit).onEvent);
}
