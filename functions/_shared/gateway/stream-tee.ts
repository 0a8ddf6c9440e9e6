/**
 * The hot-path stream tee. Upstream SSE bytes go to the client as they arrive while a copy is
 * parsed (eventsource-parser) for usage, finish reason, the assembled answer, time to first
 * token and upstream errors. The gateway always asks upstream for usage (and OpenRouter for its
 * cost), so it hides what the client did not ask for: without `stream_options.include_usage`
 * the usage-only chunk (`choices: []`) and the `"usage":null` fields go; without OpenRouter's
 * `usage: {include: true}` the usage's cost fields go. An upstream error event is redacted
 * (providers quote the key they were sent and the request's content). Otherwise the bytes pass
 * unchanged. Events are forwarded whole (the current incomplete one is held back, never more), so
 * a stream the provider cuts can end with an OpenAI-style error chunk of its own.
 */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { redactText, redactValue } from "../privacy/redaction.ts";
import { estimateUsage } from "../billing/token-estimate.ts";
import { emptyUsage, type NormalizedUsage, normalizeOpenAIUsage } from "../billing/usage.ts";

export interface StreamTeeOptions {
  /** The client asked for `stream_options.include_usage`; when false the usage-only chunk is hidden. */
  clientWantsUsage: boolean;
  /** The client asked for OpenRouter's `usage.cost` (`usage: {include: true}`); default true. */
  clientWantsCost?: boolean;
  /**
   * Usage the provider reported before the stream ended (Anthropic's `message_start`), used for
   * the prompt side when the stream breaks before its final usage.
   */
  reportedUsage?: () => NormalizedUsage | null;
  /** `performance.now()` when the upstream request was sent; TTFT and duration count from it. */
  startedAt?: number;
  /** The request's messages, to estimate prompt tokens when the provider reports no usage. */
  messages?: readonly unknown[];
  /** Called once when the client cancels the stream: abort the upstream fetch here. */
  onCancel?: (reason: unknown) => void;
}

export interface AssembledToolCall {
  index: number;
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface StreamError {
  message: string;
  type: string | null;
  code: string | null;
}

/**
 * success: the provider finished (`[DONE]` seen, no error).
 * partial: the answer was cut after some output (client cancel, upstream cut or error mid-way).
 * error: the stream failed before any output.
 */
export type CompletionStatus = "success" | "partial" | "error";

export interface StreamResult {
  status: CompletionStatus;
  usage: NormalizedUsage;
  /** 'provider' when the provider sent usage, 'estimated' when counted with gpt-tokenizer. */
  usageSource: "provider" | "estimated";
  finishReason: string | null;
  /** Assistant text of choice 0. */
  text: string;
  /** Tool calls of choice 0, arguments concatenated from their streamed pieces. */
  toolCalls: AssembledToolCall[];
  /** Milliseconds from `startedAt` to the first content, reasoning or tool-call delta. */
  ttftMs: number | null;
  durationMs: number;
  doneSeen: boolean;
  clientCancelled: boolean;
  /** Upstream error event, transport failure, or a stream that ended without `[DONE]`. */
  error: StreamError | null;
  responseId: string | null;
  model: string | null;
  bytesReceived: number;
}

export interface TeedStream {
  /** The body for the client's Response. */
  stream: ReadableStream<Uint8Array>;
  /** Settles once the stream ended, failed or was cancelled; never rejects. */
  result: Promise<StreamResult>;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Finds SSE event boundaries (blank lines) in a byte stream, keeping its state across chunks.
 * Newlines are ASCII, so each complete event is also complete UTF-8.
 */
class EventFramer {
  private lineEmpty = true;
  private prevCR = false;

  /** Calls `onEnd(i)` with the offset just past each blank line found in `buf[from..]`. */
  scan(buf: Uint8Array, from: number, onEnd: (end: number) => void): void {
    if (!this.prevCR && buf.indexOf(CR, from) < 0) return this.scanLF(buf, from, onEnd);
    for (let i = from; i < buf.length; i++) {
      const b = buf[i];
      if (b === LF) {
        if (this.prevCR) {
          this.prevCR = false;
          continue;
        }
        if (this.lineEmpty) onEnd(i + 1);
        this.lineEmpty = true;
      } else if (b === CR) {
        if (this.lineEmpty) {
          if (buf[i + 1] === LF) i++;
          else this.prevCR = true;
          onEnd(i + 1);
        } else this.prevCR = true;
        this.lineEmpty = true;
      } else {
        this.prevCR = false;
        this.lineEmpty = false;
      }
    }
  }

  /** `scan` for text without CR (what providers send): native jumps from newline to newline. */
  private scanLF(buf: Uint8Array, from: number, onEnd: (end: number) => void): void {
    let pos = from;
    for (let i = buf.indexOf(LF, pos); i >= 0; i = buf.indexOf(LF, pos)) {
      if (i > pos) this.lineEmpty = false;
      if (this.lineEmpty) onEnd(i + 1);
      this.lineEmpty = true;
      pos = i + 1;
    }
    if (pos < buf.length) this.lineEmpty = false;
  }
}

interface Delta {
  content?: unknown;
  reasoning?: unknown;
  reasoning_content?: unknown;
  tool_calls?: Array<{ index?: number; id?: string; function?: { name?: string; arguments?: string } }>;
}

/** Accumulates what the log needs from parsed OpenAI chunks. */
class ChatStreamCollector {
  usage: NormalizedUsage | null = null;
  finishReason: string | null = null;
  text = "";
  reasoning = "";
  toolCalls: AssembledToolCall[] = [];
  firstTokenAt: number | null = null;
  doneSeen = false;
  error: StreamError | null = null;
  responseId: string | null = null;
  model: string | null = null;
  bytes = 0;
  clientCancelled = false;
  /** Set while parsing an event that is the usage-only chunk. */
  usageOnlyEvent = false;
  /** Set while parsing an error event that redaction changes: what the client gets instead. */
  redactedEvent: string | null = null;
  /** The JSON of the event just parsed when it carried a usage object (null otherwise). */
  usageEvent: Record<string, unknown> | null = null;

  onEvent = (ev: EventSourceMessage): void => {
    const data = ev.data;
    if (data === "[DONE]") {
      this.doneSeen = true;
      return;
    }
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(data);
    } catch {
      if (ev.event === "error") {
        this.error = { message: data, type: null, code: null };
        this.redactedEvent = redactEvent(ev, data, redactText(data));
      }
      return;
    }
    if (!obj || typeof obj !== "object") return;
    if (obj.error) {
      this.error = toStreamError(obj.error);
      this.redactedEvent = redactJsonEvent(ev, obj);
    }
    if (this.responseId === null && typeof obj.id === "string") this.responseId = obj.id;
    if (this.model === null && typeof obj.model === "string") this.model = obj.model;
    const choices = obj.choices as Array<Record<string, unknown>> | undefined;
    if (obj.usage) {
      this.usageEvent = obj;
      this.usage = normalizeOpenAIUsage(obj.usage, obj.service_tier);
      if (Array.isArray(choices) && choices.length === 0) this.usageOnlyEvent = true;
    }
    if (!Array.isArray(choices)) return;
    for (const c of choices) {
      if ((c.index ?? 0) !== 0) continue;
      if (typeof c.finish_reason === "string") {
        this.finishReason = c.finish_reason;
        if (c.finish_reason === "error" && !this.error) {
          this.error = { message: "upstream reported finish_reason 'error'", type: null, code: null };
        }
      }
      const delta = c.delta as Delta | undefined;
      if (delta) this.onDelta(delta);
    }
  };

  private onDelta(delta: Delta): void {
    let produced = false;
    if (typeof delta.content === "string" && delta.content) {
      this.text += delta.content;
      produced = true;
    }
    const reasoning = delta.reasoning ?? delta.reasoning_content;
    if (typeof reasoning === "string" && reasoning) {
      this.reasoning += reasoning;
      produced = true;
    }
    if (Array.isArray(delta.tool_calls)) {
      for (const tc of delta.tool_calls) {
        const index = tc.index ?? 0;
        let call = this.toolCalls.find((t) => t.index === index);
        if (!call) {
          call = { index, id: "", type: "function", function: { name: "", arguments: "" } };
          this.toolCalls.push(call);
        }
        if (tc.id) call.id = tc.id;
        if (tc.function?.name) call.function.name += tc.function.name;
        if (tc.function?.arguments) call.function.arguments += tc.function.arguments;
      }
      produced = true;
    }
    if (produced && this.firstTokenAt === null) this.firstTokenAt = performance.now();
  }

  private producedOutput(): boolean {
    return this.firstTokenAt !== null;
  }

  /** The gateway's own error for a stream that broke without the provider saying why (or null). */
  breakError(transportError: unknown): StreamError | null {
    if (this.error || this.clientCancelled) return null;
    const type = "upstream_error";
    if (transportError !== undefined) {
      return {
        message: `upstream connection failed: ${errorMessage(transportError)}`,
        type,
        code: "upstream_disconnected",
      };
    }
    if (!this.doneSeen) return { message: "upstream closed the stream before [DONE]", type, code: "stream_truncated" };
    return null;
  }

  async result(
    startedAt: number,
    transportError: unknown,
    messages: readonly unknown[] | undefined,
    estimate = true,
    reported: NormalizedUsage | null = null,
  ): Promise<StreamResult> {
    const error = this.error ?? this.breakError(transportError);
    let status: CompletionStatus;
    if (this.clientCancelled) status = "partial";
    else if (error) status = this.producedOutput() ? "partial" : "error";
    else status = "success";

    let usage = this.usage;
    const usageSource = usage ? "provider" : "estimated";
    if (!usage) {
      usage = estimate
        ? await estimateUsage(messages, { text: this.text, reasoning: this.reasoning, toolCalls: this.toolCalls })
        : emptyUsage();
      if (reported) usage = withReportedPrompt(reported, usage);
    }
    return {
      status,
      usage,
      usageSource,
      finishReason: this.finishReason,
      text: this.text,
      toolCalls: this.toolCalls,
      ttftMs: this.firstTokenAt === null ? null : round3(this.firstTokenAt - startedAt),
      durationMs: round3(performance.now() - startedAt),
      doneSeen: this.doneSeen,
      clientCancelled: this.clientCancelled,
      error,
      responseId: this.responseId,
      model: this.model,
      bytesReceived: this.bytes,
    };
  }
}

/**
 * The data of a complete event that is one `data:` line without CR (what providers send), or
 * null for any other shape, left to eventsource-parser. Gives what the parser would (it is
 * between events after each complete one), without its per-line work.
 */
function singleDataLine(text: string): string | null {
  const end = text.length - 2;
  if (!text.startsWith("data:") || text.indexOf("\n") !== end || text.charCodeAt(end + 1) !== LF) return null;
  return text.slice(text.charCodeAt(5) === 32 ? 6 : 5, end);
}

/** The provider's prompt-side numbers with the larger of its and our completion count. */
function withReportedPrompt(reported: NormalizedUsage, estimated: NormalizedUsage): NormalizedUsage {
  const completion = Math.max(reported.completion_tokens, estimated.completion_tokens);
  return {
    ...reported,
    completion_tokens: completion,
    total_tokens: reported.prompt_tokens + completion,
    reasoning_tokens: Math.max(reported.reasoning_tokens, estimated.reasoning_tokens),
  };
}

/** An OpenAI-style error chunk, what OpenAI and OpenRouter send when a stream fails mid-way. */
export function openAIErrorChunk(e: StreamError): string {
  const error = { message: e.message, type: e.type ?? "api_error", code: e.code, param: null };
  return `data: ${JSON.stringify({ error })}\n\n`;
}

const USAGE_NULL = /,"usage":null|"usage":null,?/g;
const utf8 = new TextEncoder();

/**
 * The event `text` without its `"usage":null` fields, as bytes. When each of the event's bytes
 * decoded to one UTF-16 unit (ASCII, the usual case), text offsets are byte offsets and the bytes
 * around the fields are copied instead of encoding the text again.
 */
function withoutUsageNull(text: string, buf: Uint8Array, start: number, end: number, slab: Slab): Uint8Array {
  if (end - start !== text.length) return utf8.encode(text.replace(USAGE_NULL, ""));
  const cuts: number[] = [];
  let removed = 0;
  for (let m = USAGE_NULL.exec(text); m !== null; m = USAGE_NULL.exec(text)) {
    cuts.push(m.index, m.index + m[0].length);
    removed += m[0].length;
  }
  const out = slab.alloc(text.length - removed);
  let from = 0;
  let at = 0;
  for (let i = 0; i < cuts.length; i += 2) {
    out.set(buf.subarray(start + from, start + cuts[i]), at);
    at += cuts[i] - from;
    from = cuts[i + 1];
  }
  out.set(buf.subarray(start + from, end), at);
  return out;
}
const COST_FIELDS = ["cost", "cost_details", "is_byok"];

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function toStreamError(e: unknown): StreamError {
  if (e && typeof e === "object") {
    const o = e as Record<string, unknown>;
    return {
      message: typeof o.message === "string" ? o.message : JSON.stringify(e),
      type: typeof o.type === "string" ? o.type : null,
      code: o.code === undefined || o.code === null ? null : String(o.code),
    };
  }
  return { message: String(e), type: null, code: null };
}

/** An error event's JSON redacted, or a fixed error when it is too deep to walk. */
function redactJsonEvent(ev: EventSourceMessage, obj: unknown): string | null {
  try {
    return redactEvent(ev, JSON.stringify(obj), JSON.stringify(redactValue(obj)));
  } catch {
    const error = { message: "The upstream provider reported an error", type: "upstream_error", code: null };
    return redactEvent(ev, "", JSON.stringify({ error }));
  }
}

/** The event re-written with `safe` as its data, or null when redaction changed nothing. */
function redactEvent(ev: EventSourceMessage, data: string, safe: string): string | null {
  if (safe === data) return null;
  const head = (ev.event ? `event: ${ev.event}\n` : "") + (ev.id !== undefined ? `id: ${ev.id}\n` : "");
  return `${head}${safe.split("\n").map((line) => `data: ${line}`).join("\n")}\n\n`;
}

/** Size of the one buffer a byte stream is read into (see `chunkReader`). */
const READ_BUFFER_BYTES = 16 * 1024;

interface ChunkReader {
  /** The next chunk; its bytes are valid only until the following `read`. */
  read(): Promise<ReadableStreamReadResult<Uint8Array>>;
  cancel(reason: unknown): Promise<void>;
}

/**
 * Reads a byte stream (a fetch body) into one reused buffer: a default reader of Deno's fetch
 * body allocates a fresh 64 KiB buffer per chunk, so every upstream chunk (an SSE event or two)
 * cost 64 KiB of garbage and kept it alive while the client's copy was queued. Other streams
 * (translated ones) are read as they come. A byte source must answer a read pending at its end
 * (`byobRequest.respond(0)` after `close()`, as the spec asks and fetch bodies and tee branches do).
 */
function chunkReader(stream: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = stream.getReader({ mode: "byob" });
  } catch {
    return stream.getReader();
  }
  let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
  return {
    async read() {
      const r = await byob.read(new Uint8Array(buffer));
      if (r.done) return { done: true, value: undefined };
      buffer = r.value.buffer as ArrayBuffer;
      return r as ReadableStreamReadResult<Uint8Array>;
    },
    cancel: (reason) => byob.cancel(reason),
  };
}

/** Size of the slab a stream's forwarded bytes are copied into (see `Slab`). */
const SLAB_BYTES = 4 * 1024;

/**
 * Hands out copies of forwarded bytes as views into one slab, a new slab when it is full: a fresh
 * ArrayBuffer per event (a few hundred bytes) cost more than copying the event. Views are never
 * written after they are handed out; a slab lives until the last of its chunks was sent.
 */
class Slab {
  private buf = new Uint8Array(SLAB_BYTES);
  private used = 0;

  /** `n` bytes no other chunk uses. */
  alloc(n: number): Uint8Array {
    if (n > SLAB_BYTES / 4) return new Uint8Array(n);
    if (this.used + n > SLAB_BYTES) {
      this.buf = new Uint8Array(SLAB_BYTES);
      this.used = 0;
    }
    const out = this.buf.subarray(this.used, this.used + n);
    this.used += n;
    return out;
  }

  copy(src: Uint8Array, from: number, to: number): Uint8Array {
    const out = this.alloc(to - from);
    out.set(src.subarray(from, to));
    return out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Tees an upstream OpenAI-format SSE body (Anthropic streams are translated to it first).
 * Cancelling the returned stream cancels the upstream reader and calls `onCancel`.
 */
export function teeChatStream(upstream: ReadableStream<Uint8Array>, opts: StreamTeeOptions): TeedStream {
  const startedAt = opts.startedAt ?? performance.now();
  const reader = chunkReader(upstream);
  const collector = new ChatStreamCollector();
  const parser = createParser({ onEvent: collector.onEvent });
  const hideUsage = !opts.clientWantsUsage;
  const hideCost = opts.clientWantsCost === false;
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  const framer = new EventFramer();
  const slab = new Slab();
  let pending: Uint8Array | null = null;
  let ended = false;

  let settle!: (r: StreamResult) => void;
  const result = new Promise<StreamResult>((resolve) => (settle = resolve));
  const finish = (transportError?: unknown): void => {
    if (ended) return;
    ended = true;
    const reported = opts.reportedUsage?.() ?? null;
    collector.result(startedAt, transportError, opts.messages, true, reported).then(settle, (e) =>
      // Estimation failing must not lose the log row: report what is known with zero usage.
      collector.result(startedAt, transportError ?? e, opts.messages, false, reported).then(settle));
  };

  /**
   * What the client gets instead of the event `text` (`buf[start..end]`): null to keep its bytes,
   * "" to drop the event.
   */
  const rewrite = (text: string, buf: Uint8Array, start: number, end: number): string | Uint8Array | null => {
    const parsed = collector.usageEvent;
    if (hideUsage && collector.usageOnlyEvent) return "";
    if (hideCost && parsed && COST_FIELDS.some((f) => f in (parsed.usage as Record<string, unknown>))) {
      const usage = { ...(parsed.usage as Record<string, unknown>) };
      for (const f of COST_FIELDS) delete usage[f];
      return `data: ${JSON.stringify({ ...parsed, usage })}\n\n`;
    }
    if (hideUsage && text.includes('"usage":null')) return withoutUsageNull(text, buf, start, end, slab);
    return null;
  };

  /** Forwards the complete events in `chunk`, rewritten as above; true if any bytes went out. */
  const forwardEvents = (chunk: Uint8Array, controller: ReadableStreamDefaultController<Uint8Array>): boolean => {
    const from = pending ? pending.length : 0;
    const buf = pending ? concat(pending, chunk) : chunk;
    pending = null;
    let segStart = 0;
    let keepFrom = 0;
    let sent = false;
    framer.scan(buf, from, (segEnd) => {
      collector.usageOnlyEvent = false;
      collector.redactedEvent = null;
      collector.usageEvent = null;
      const text = decoder.decode(buf.subarray(segStart, segEnd));
      // eventsource-parser waits for the byte after a CR (it may be CRLF); this segment is
      // complete, so unify line endings to make its event dispatch now.
      if (text.includes("\r")) parser.feed(text.replace(/\r\n?/g, "\n"));
      else {
        const data = singleDataLine(text);
        if (data === null) parser.feed(text);
        else collector.onEvent({ data });
      }
      const replacement = collector.redactedEvent ??
        (hideUsage || (hideCost && collector.usageEvent) ? rewrite(text, buf, segStart, segEnd) : null);
      if (replacement !== null) {
        if (segStart > keepFrom) controller.enqueue(slab.copy(buf, keepFrom, segStart));
        if (typeof replacement !== "string") controller.enqueue(replacement);
        else if (replacement) controller.enqueue(encoder.encode(replacement));
        sent ||= segStart > keepFrom || replacement.length > 0;
        keepFrom = segEnd;
      }
      segStart = segEnd;
    });
    // Copies: the chunk's buffer is read into again (chunkReader).
    if (segStart > keepFrom) {
      controller.enqueue(slab.copy(buf, keepFrom, segStart));
      sent = true;
    }
    if (segStart < buf.length) pending = buf.slice(segStart);
    return sent;
  };

  /** Ends the client's stream; a break the provider did not explain gets an error chunk first. */
  const end = (controller: ReadableStreamDefaultController<Uint8Array>, transportError?: unknown): void => {
    // Completes a trailing CR line ending; adds no event of its own.
    parser.feed("\n");
    const broken = collector.breakError(transportError);
    if (broken) controller.enqueue(encoder.encode(openAIErrorChunk(broken)));
    // A clean end may lack the final blank line; an incomplete event before a break is dropped.
    else if (pending) {
      // Not an event (no blank line ends it), but its bytes still must not carry a key.
      const tail = decoder.decode(pending);
      const safe = redactText(tail);
      controller.enqueue(safe === tail ? pending : encoder.encode(safe));
    }
    finish(transportError);
    controller.close();
  };

  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      // A pull that enqueues nothing is not called again, so read until bytes go out or the stream ends.
      for (;;) {
        let r: ReadableStreamReadResult<Uint8Array>;
        try {
          r = await reader.read();
        } catch (err) {
          if (ended) return;
          end(controller, err);
          return;
        }
        if (ended) return;
        if (r.done) {
          if (pending) parser.feed(decoder.decode(pending));
          end(controller);
          return;
        }
        const chunk = r.value;
        collector.bytes += chunk.byteLength;
        if (forwardEvents(chunk, controller)) return;
      }
    },
    cancel(reason) {
      if (ended) return;
      collector.clientCancelled = true;
      finish();
      opts.onCancel?.(reason);
      return reader.cancel(reason).catch(() => {});
    },
  });

  return { stream, result };
}
