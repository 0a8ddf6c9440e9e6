/**
 * Anthropic Messages API adapter: OpenAI chat requests are translated to `POST /v1/messages`
 * and answers back to OpenAI `chat.completion` (streams: see anthropic-stream.ts).
 */
import { type ApiError, badRequest } from "../http/errors.ts";
import { parseDataUrl } from "../openai/data-url.ts";
import type { ChatCompletionRequest, ChatMessage } from "../openai/chat-schema.ts";
import type { AssembledToolCall } from "../gateway/stream-tee.ts";
import { normalizeOpenAIUsage } from "../billing/usage.ts";
import { anthropicToOpenAIStream } from "./anthropic-stream.ts";
import { anthropicUsageToOpenAI, mapStopReason } from "./anthropic-mapping.ts";
import type { NormalizedCompletion, ProviderAdapter, ProviderTarget, UpstreamCall } from "./types.ts";
import { mapUpstreamError, parseUpstreamErrorBody } from "./upstream-error.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

export const ANTHROPIC_VERSION = "2023-06-01";
/** Anthropic requires max_tokens; OpenAI does not. Used when the client sent neither limit. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
/** Anthropic-native fields a client may add to an OpenAI body and that are forwarded as is. */
const NATIVE_PASSTHROUGH = ["top_k", "thinking", "service_tier"] as const;

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: "user" | "assistant";
  content: Block[];
}

function textBlock(text: string, extra?: Record<string, unknown>): Block {
  const block: Block = { type: "text", text };
  if (extra?.cache_control) block.cache_control = extra.cache_control;
  return block;
}

/** OpenAI string-or-text-parts content as Anthropic text blocks (cache_control kept). */
function textBlocks(content: unknown): Block[] {
  if (typeof content === "string") return content ? [textBlock(content)] : [];
  if (!Array.isArray(content)) return [];
  return content
    .filter((p) => p && (p.type === "text" || p.type === "refusal"))
    .map((p) => textBlock(p.type === "text" ? p.text : p.refusal, p));
}

function imageBlock(url: string, param: string): Block {
  const data = parseDataUrl(url);
  if (!data) return { type: "image", source: { type: "url", url } };
  if (!data.base64) throw badRequest("Image data URLs must be base64-encoded", param);
  return { type: "image", source: { type: "base64", media_type: data.mime, data: data.data } };
}

function userBlocks(content: unknown, index: number): Block[] {
  if (typeof content === "string") return [textBlock(content)];
  const blocks: Block[] = [];
  (content as Array<LooseObject>).forEach((part, j) => {
    const param = `messages[${index}].content[${j}]`;
    switch (part.type) {
      case "text":
        blocks.push(textBlock(part.text, part));
        break;
      case "image_url":
        blocks.push(imageBlock(part.image_url.url, param));
        break;
      case "file": {
        const data = typeof part.file.file_data === "string" ? parseDataUrl(part.file.file_data) : null;
        if (!data?.base64) throw badRequest("Anthropic models take files only as base64 data URLs in file_data", param);
        blocks.push({ type: "document", source: { type: "base64", media_type: data.mime, data: data.data } });
        break;
      }
      default:
        throw badRequest(`Anthropic models do not accept '${part.type}' content`, param);
    }
  });
  return blocks;
}

function toolUseBlocks(msg: LooseObject, index: number): Block[] {
  return (msg.tool_calls ?? []).map((call: LooseObject, j: number) => {
    let input: unknown = {};
    if (call.function.arguments) {
      try {
        input = JSON.parse(call.function.arguments);
      } catch {
        throw badRequest(
          "Tool call arguments must be a JSON object",
          `messages[${index}].tool_calls[${j}].function.arguments`,
        );
      }
    }
    return { type: "tool_use", id: call.id, name: call.function.name, input };
  });
}

function toolResultContent(content: unknown): string | Block[] {
  return typeof content === "string" ? content : textBlocks(content);
}

/** Splits system/developer messages into `system` and converts the rest, merging same-role turns. */
function convertMessages(messages: ChatMessage[]): { system: Block[]; messages: AnthropicMessage[] } {
  const system: Block[] = [];
  const out: AnthropicMessage[] = [];
  const push = (role: "user" | "assistant", blocks: Block[]): void => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    // Anthropic wants alternating turns and all tool results of a turn in one user message.
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  messages.forEach((m, i) => {
    const msg = m as LooseObject;
    switch (m.role) {
      case "system":
      case "developer":
        system.push(...textBlocks(msg.content));
        break;
      case "user":
        push("user", userBlocks(msg.content, i));
        break;
      case "assistant":
        push("assistant", [...textBlocks(msg.content), ...toolUseBlocks(msg, i)]);
        break;
      case "tool":
        push("user", [{ type: "tool_result", tool_use_id: msg.tool_call_id, content: toolResultContent(msg.content) }]);
        break;
      case "function":
        throw badRequest(
          "Role 'function' is deprecated and not supported for Anthropic models; use tools",
          `messages[${i}].role`,
        );
    }
  });
  return { system, messages: out };
}

function convertToolChoice(choice: unknown, parallel: boolean | undefined): Block | undefined {
  let out: Block | undefined;
  if (choice === "auto") out = { type: "auto" };
  else if (choice === "required") out = { type: "any" };
  else if (choice === "none") out = { type: "none" };
  else if (choice && typeof choice === "object" && (choice as Block).type === "function") {
    out = { type: "tool", name: ((choice as Block).function as Block).name };
  }
  if (parallel === false) {
    out ??= { type: "auto" };
    if (out.type !== "none") out.disable_parallel_tool_use = true;
  }
  return out;
}

/**
 * The Messages API body for an OpenAI chat request. Temperature is capped at 1 (Anthropic's
 * range is 0..1, OpenAI's 0..2); `user` becomes `metadata.user_id`.
 */
export function toAnthropicRequest(body: ChatCompletionRequest, model: string): Record<string, unknown> {
  const { system, messages } = convertMessages(body.messages);
  const req: Record<string, unknown> = {
    model,
    max_tokens: body.max_completion_tokens ?? body.max_tokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system.length) req.system = system;
  if (body.stream) req.stream = true;
  if (typeof body.temperature === "number") req.temperature = Math.min(body.temperature, 1);
  if (typeof body.top_p === "number") req.top_p = body.top_p;
  if (body.stop) req.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (body.user) req.metadata = { user_id: body.user };
  if (body.tools?.length) {
    req.tools = body.tools.map((t, i) => {
      if (t.type !== "function") throw badRequest("Anthropic models accept only function tools", `tools[${i}].type`);
      return {
        name: t.function.name,
        ...(t.function.description ? { description: t.function.description } : {}),
        input_schema: t.function.parameters ?? { type: "object", properties: {} },
      };
    });
  }
  const toolChoice = convertToolChoice(body.tool_choice, body.parallel_tool_calls);
  if (toolChoice && body.tools?.length) req.tool_choice = toolChoice;
  for (const key of NATIVE_PASSTHROUGH) if (body[key] !== undefined) req[key] = body[key];
  return req;
}

/** A Messages API answer as an OpenAI `chat.completion`. */
export function fromAnthropicResponse(json: unknown): NormalizedCompletion {
  const msg = (json ?? {}) as LooseObject;
  const blocks: Block[] = Array.isArray(msg.content) ? msg.content : [];
  let text = "";
  let reasoning = "";
  const tool_calls: AssembledToolCall[] = [];
  for (const b of blocks) {
    if (b.type === "text") text += b.text as string;
    else if (b.type === "thinking") reasoning += b.thinking as string;
    else if (b.type === "tool_use") {
      tool_calls.push({
        index: tool_calls.length,
        id: b.id as string,
        type: "function",
        function: { name: b.name as string, arguments: JSON.stringify(b.input ?? {}) },
      });
    }
  }
  const finish_reason = mapStopReason(msg.stop_reason);
  const usage = anthropicUsageToOpenAI(msg.usage);
  const message: Record<string, unknown> = { role: "assistant", content: text || null, refusal: null };
  if (reasoning) message.reasoning_content = reasoning;
  if (tool_calls.length) message.tool_calls = tool_calls.map(({ index: _index, ...call }) => call);
  const body = {
    id: msg.id,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: msg.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason }],
    usage,
  };
  return { body, usage: normalizeOpenAIUsage(usage), finishReason: finish_reason, text, toolCalls: tool_calls };
}

export function buildAnthropicRequest(
  body: ChatCompletionRequest,
  target: ProviderTarget,
  signal?: AbortSignal,
): UpstreamCall {
  const stream = body.stream === true;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "anthropic-version": ANTHROPIC_VERSION,
  };
  if (target.apiKey) headers["x-api-key"] = target.apiKey;
  if (stream) headers.accept = "text/event-stream";
  return {
    request: {
      url: `${target.baseUrl}/v1/messages`,
      init: { method: "POST", headers, body: JSON.stringify(toAnthropicRequest(body, target.model)), signal },
    },
    stream,
    clientWantsUsage: body.stream_options?.include_usage === true,
    clientWantsCost: true,
  };
}

export const anthropicAdapter: ProviderAdapter = {
  provider: "anthropic",
  buildRequest: buildAnthropicRequest,
  normalizeResponse: fromAnthropicResponse,
  toOpenAIStream: anthropicToOpenAIStream,
  normalizeError: (status: number, text: string, headers: Headers): ApiError =>
    mapUpstreamError(status, parseUpstreamErrorBody(text), headers, "anthropic"),
};
