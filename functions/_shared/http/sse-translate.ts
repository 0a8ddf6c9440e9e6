/**
 * The plumbing the stream translators share (Anthropic -> OpenAI chunks, OpenAI chunks -> Anthropic
 * events, Responses events -> chat chunks): parse an SSE body event by event and re-encode what a
 * writer emits for each, as the bytes arrive.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import type { LooseObject } from "../runtime/loose-object.ts";

/** `writer(emit)` returns the handler of each upstream event; it calls `emit` with the SSE text to send. */
export function translateSse(
  body: ReadableStream<Uint8Array>,
  writer: (emit: (text: string) => void) => (ev: EventSourceMessage) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let out: TransformStreamDefaultController<Uint8Array>;
  const parser = createParser({ onEvent: writer((text) => out.enqueue(encoder.encode(text))) });
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      start(controller) {
        out = controller;
      },
      transform(chunk) {
        parser.feed(decoder.decode(chunk, { stream: true }));
      },
    }),
  );
}

/** An event's data as a JSON object; null when it is anything else (the translators skip those). */
export function eventObject(ev: EventSourceMessage): LooseObject | null {
  try {
    const data = JSON.parse(ev.data);
    return data !== null && typeof data === "object" ? data : null;
  } catch {
    return null;
  }
}
