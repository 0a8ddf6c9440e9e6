/**
 * Token estimates for when the provider reported no usage (a cut or cancelled stream).
 * gpt-tokenizer (o200k_base) is loaded lazily: its tables are large and most calls never need it.
 */
import type { NormalizedUsage } from "./usage.ts";

let counter: Promise<(text: string) => number> | undefined;

function loadCounter(): Promise<(text: string) => number> {
  counter ??= import("gpt-tokenizer").then((m) => (text: string) => m.countTokens(text));
  return counter;
}

/** Number of o200k_base tokens in `text`. */
export async function countTextTokens(text: string): Promise<number> {
  if (!text) return 0;
  return (await loadCounter())(text);
}

/** OpenAI's documented chat overhead: 3 tokens per message plus 3 priming the reply. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;

/**
 * Estimated prompt tokens of chat messages: text content, names, tool calls and tool results.
 * Images, audio and files are not counted (their token cost depends on the provider).
 */
export async function estimatePromptTokens(messages: readonly unknown[]): Promise<number> {
  const count = await loadCounter();
  let total = REPLY_PRIMING;
  for (const m of messages) {
    if (!m || typeof m !== "object") continue;
    const msg = m as Record<string, unknown>;
    total += PER_MESSAGE + count(messageText(msg));
  }
  return total;
}

/** What a call produced, as far as it got: the text, any reasoning, and tool calls. */
export interface ProducedOutput {
  text: string;
  reasoning?: string;
  toolCalls: readonly { function: { name: string; arguments: string } }[];
}

/** Usage as counted here (prompt from the messages, completion from the output), for calls the provider did not report. */
export async function estimateUsage(
  messages: readonly unknown[] | undefined,
  output: ProducedOutput,
): Promise<NormalizedUsage> {
  const reasoningText = output.reasoning ?? "";
  const toolText = output.toolCalls.map((t) => t.function.name + t.function.arguments).join("");
  const completion = await countTextTokens(output.text + reasoningText + toolText);
  const reasoning = await countTextTokens(reasoningText);
  const prompt = messages?.length ? await estimatePromptTokens(messages) : 0;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    cached_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_1h_tokens: 0,
    reasoning_tokens: reasoning,
    provider_cost: null,
    service_tier: null,
  };
}

function messageText(msg: Record<string, unknown>): string {
  const parts: string[] = [String(msg.role ?? "")];
  if (typeof msg.name === "string") parts.push(msg.name);
  const content = msg.content;
  if (typeof content === "string") parts.push(content);
  else if (Array.isArray(content)) {
    for (const p of content) {
      const part = p as Record<string, unknown> | null;
      if (part && typeof part.text === "string") parts.push(part.text);
    }
  }
  if (Array.isArray(msg.tool_calls)) {
    for (const c of msg.tool_calls) {
      const fn = (c as { function?: { name?: unknown; arguments?: unknown } })?.function;
      if (fn) parts.push(String(fn.name ?? ""), String(fn.arguments ?? ""));
    }
  }
  return parts.join("\n");
}
