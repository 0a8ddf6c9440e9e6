/**
 * Anthropic streaming events -> OpenAI `chat.completion.chunk` SSE, so the rest of the gateway
 * (and the client) sees one format. Always ends with the usage-only chunk and `data: [DONE]`
 * on `message_stop`; an `error` event becomes an OpenAI-style `{"error":{...}}` chunk without
 * `[DONE]`, and a stream cut before `message_stop` simply ends, which the tee reports.
 */
import type { EventSourceMessage } from "eventsource-parser";
import { eventObject, translateSse } from "../http/sse-translate.ts";
import { type NormalizedUsage, normalizeOpenAIUsage } from "../billing/usage.ts";
import { anthropicUsageToOpenAI, mapStopReason } from "./anthropic-mapping.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

/** An event from upstream read field by field without a schema, or a chunk field built for the client. */

class AnthropicChunkWriter {
  private id = "";
  private model = "";
  private readonly created = Math.floor(Date.now() / 1000);
  private usage: LooseObject = {};
  private finishReason: string | null = null;
  /** Anthropic content-block index -> OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();

  constructor(
    private readonly emit: (line: string) => void,
    private readonly onUsage?: (usage: NormalizedUsage) => void,
  ) {}

  /** One `chat.completion.chunk` event with this message's id, time and model. */
  private event(fields: Record<string, LooseObject>): string {
    return `data: ${
      JSON.stringify({
        id: this.id,
        object: "chat.completion.chunk",
        created: this.created,
        model: this.model,
        ...fields,
      })
    }\n\n`;
  }

  private chunk(delta: LooseObject, finishReason: string | null = null): void {
    this.emit(this.event({ choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] }));
  }

  onEvent = (ev: EventSourceMessage): void => {
    const data = eventObject(ev);
    if (!data) return;
    switch (data.type) {
      case "message_start": {
        const m = data.message ?? {};
        this.id = m.id ?? "";
        this.model = m.model ?? "";
        this.usage = { ...m.usage };
        // The prompt side is final here; a stream cut later still logs the provider's numbers.
        if (m.usage) this.onUsage?.(normalizeOpenAIUsage(anthropicUsageToOpenAI(m.usage))!);
        this.chunk({ role: "assistant", content: "" });
        break;
      }
      case "content_block_start": {
        const block = data.content_block ?? {};
        if (block.type === "tool_use") {
          const index = this.toolIndex.size;
          this.toolIndex.set(data.index, index);
          this.chunk({
            tool_calls: [{ index, id: block.id, type: "function", function: { name: block.name, arguments: "" } }],
          });
        } else if (block.type === "text" && block.text) this.chunk({ content: block.text });
        break;
      }
      case "content_block_delta": {
        const d = data.delta ?? {};
        if (d.type === "text_delta") this.chunk({ content: d.text });
        else if (d.type === "input_json_delta" && d.partial_json) {
          const index = this.toolIndex.get(data.index) ?? 0;
          this.chunk({ tool_calls: [{ index, function: { arguments: d.partial_json } }] });
        } else if (d.type === "thinking_delta") this.chunk({ reasoning_content: d.thinking });
        break;
      }
      case "message_delta": {
        // message_delta usage is cumulative; it may also restate input and cache counts, or send
        // them as null (OpenAI-compatible Anthropic-format servers): a null never erases a count.
        for (const [k, v] of Object.entries(data.usage ?? {})) if (v !== null && v !== undefined) this.usage[k] = v;
        this.finishReason = mapStopReason(data.delta?.stop_reason);
        if (this.finishReason) this.chunk({}, this.finishReason);
        break;
      }
      case "message_stop":
        this.emit(
          `${this.event({ choices: [], usage: anthropicUsageToOpenAI(this.usage) as LooseObject })}data: [DONE]\n\n`,
        );
        break;
      case "error": {
        const e = data.error ?? {};
        this.emit(
          `data: ${
            JSON.stringify({
              error: {
                message: e.message ?? "upstream error",
                type: e.type ?? "api_error",
                code: e.type ?? null,
                param: null,
              },
            })
          }\n\n`,
        );
        break;
      }
        // ping, content_block_stop and unknown future events carry nothing for the client.
    }
  };
}

/** Translates an Anthropic SSE body to OpenAI SSE bytes. */
export function anthropicToOpenAIStream(
  body: ReadableStream<Uint8Array>,
  onUsage?: (usage: NormalizedUsage) => void,
): ReadableStream<Uint8Array> {
  return translateSse(body, (emit) => new AnthropicChunkWriter(emit, onUsage).onEvent);
}
