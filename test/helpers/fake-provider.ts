/**
 * A fake LLM provider speaking the real wire formats, for tests and the benchmark:
 * - OpenAI / OpenRouter: `POST /v1/chat/completions` (and `/chat/completions`), `GET /v1/models`.
 *   Streams end with `data: [DONE]`; the usage-only chunk (`choices: []`) is sent only when
 *   `stream_options.include_usage` was requested; `usage.cost` only when `usage.include` was.
 * - OpenAI Responses: `POST /v1/responses`, JSON or `response.*` SSE events with usage, `error` events.
 * - OpenAI embeddings: `POST /v1/embeddings` (float arrays or base64, `dimensions`, usage).
 * - Anthropic: `POST /v1/messages`, JSON or named SSE events, Anthropic's error shape.
 *
 * Behaviour per request: header `x-fake-scenario: <name>` or `scenario:<name>` in the last user
 * message. Knobs in the same text (`chunks:5 delay:20 cut:3`) or headers (`x-fake-chunks`,
 * `x-fake-delay-ms`, `x-fake-cut-after`) override the server options for that request. `fails:N`
 * applies a failing scenario to the first N requests with the same last user message only (the next
 * ones answer normally: a retry or a fallback succeeds); `retry_after:S` sets rate_limit's retry-after.
 * Scenarios: normal, tools, slow, cut, truncate, rate_limit, server_error, unauthorized, hang,
 * stall, error_event, bad_request, context_length, and the hostile replies nul_reply, deep_reply (see `Scenario`).
 * Option `errorMessage` makes every error hostile: it replaces their text, with `{key}` standing
 * for the API key the request carried.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

export type Scenario =
  /** A text answer of `chunks` pieces. */
  | "normal"
  /** A tool call whose arguments stream in several pieces. */
  | "tools"
  /** Like normal with `chunkDelayMs` (default 50 ms when 0) between chunks. */
  | "slow"
  /** Stream: the socket is destroyed after `cutAfter` content chunks (no [DONE], no usage). */
  | "cut"
  /** Stream: the response ends cleanly after `cutAfter` chunks, without [DONE] or usage. */
  | "truncate"
  /** 429 with `retry-after: 7`. */
  | "rate_limit"
  /** 500. */
  | "server_error"
  /** 401 (bad provider key). */
  | "unauthorized"
  /** Never answers (for timeouts). */
  | "hang"
  /** Stream: sends headers and one chunk, then nothing. */
  | "stall"
  /** Stream: an error event after `cutAfter` chunks. */
  | "error_event"
  /** OpenAI format: every content piece ends with a NUL (U+0000), and an extra field holds one. */
  | "nul_reply"
  /** OpenAI format, non-stream: an extra field nested `DEEP_REPLY_LEVELS` deep. */
  | "deep_reply"
  /** 400 invalid_request_error (passed on to the client). */
  | "bad_request"
  /** Anthropic: a thinking block (with its signature) before the text. */
  | "thinking"
  /** 400: the prompt exceeds the model's context window (OpenAI `context_length_exceeded`). */
  | "context_length";

const SCENARIOS = new Set<Scenario>([
  "normal",
  "tools",
  "slow",
  "cut",
  "truncate",
  "rate_limit",
  "server_error",
  "unauthorized",
  "hang",
  "stall",
  "error_event",
  "nul_reply",
  "deep_reply",
  "bad_request",
  "thinking",
  "context_length",
]);

export const DEEP_REPLY_LEVELS = 10_000;

/** `{"a":{"a":...1...}}`, `levels` deep, built without recursion. */
export function deepJson(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

/** The JSON text of `deepJson(levels)`, written directly: JSON.stringify may overflow the stack on it. */
export const deepJsonText = (levels: number): string => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;

export interface FakeProviderOptions {
  /** Content chunks in a streamed answer (also the number of words in a non-stream one). */
  chunks: number;
  /** Delay between streamed chunks. */
  chunkDelayMs: number;
  /** Delay before the response starts (time to first byte). */
  delayMs: number;
  /** Content chunks sent before `cut`, `truncate` and `error_event` break the stream. */
  cutAfter: number;
  /** Usage reported. For Anthropic, promptTokens is `input_tokens` (cache tokens come on top). */
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  cacheCreationTokens: number;
  /**
   * Anthropic: of cacheCreationTokens, those written with the one-hour lifetime; when > 0 the usage
   * carries the `cache_creation: {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}` split.
   */
  cacheCreation1hTokens: number;
  reasoningTokens: number;
  /**
   * Anthropic stream: `message_delta` usage is `output` (output_tokens only, like Anthropic) or
   * `nulls` (input and cache counts restated as null, as some Anthropic-format servers send).
   */
  deltaUsage: "output" | "nulls";
  /** OpenRouter-style `usage.cost` in USD, sent when the request has `usage.include`. */
  cost: number;
  /**
   * OpenRouter BYOK: the call ran on the account's own provider key; `usage.is_byok` and
   * `usage.cost_details.upstream_inference_cost` (USD) are sent with the cost. Null: not BYOK.
   */
  byokUpstreamCost: number | null;
  /** Keep every request for assertions (off for the benchmark). */
  record: boolean;
  /** Listen port; 0 picks a free one. */
  port: number;
  /** Replaces the text of every error (status or stream event); `{key}` becomes the key the request carried. */
  errorMessage: string | null;
  /** OpenAI format: the answer's text instead of the words (streamed in `chunks` slices), e.g. a JSON reply. */
  replyText: string | null;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The parsed JSON body ({} when the request had none). */
  body: LooseObject;
  scenario: Scenario;
}

export interface FakeProvider {
  /** `http://127.0.0.1:<port>`: Anthropic base URL (the adapter appends /v1/messages). */
  url: string;
  /** `${url}/v1`: OpenAI-format base URL (chat/completions is appended). */
  openaiBaseUrl: string;
  port: number;
  requests: RecordedRequest[];
  /** Requests answered or being answered, counted even when `record` is off. */
  requestCount(): number;
  setOptions(patch: Partial<FakeProviderOptions>): void;
  /** Forgets recorded requests and restores the options given at start. */
  reset(): void;
  stop(): Promise<void>;
}

const DEFAULTS: FakeProviderOptions = {
  chunks: 6,
  chunkDelayMs: 0,
  delayMs: 0,
  cutAfter: 2,
  promptTokens: 21,
  completionTokens: 6,
  cachedTokens: 0,
  cacheCreationTokens: 0,
  cacheCreation1hTokens: 0,
  reasoningTokens: 0,
  deltaUsage: "output",
  cost: 0.0000123,
  byokUpstreamCost: null,
  record: true,
  port: 0,
  errorMessage: null,
  replyText: null,
};

/** Words of the answer; includes multi-byte characters so UTF-8 splitting gets exercised. */
const WORDS = ["Hello", " from", " the", " fake", " provider", " — ", "ünïcødé", " ✓", " 🚀", " done."];
export const answerText = (chunks: number): string =>
  Array.from({ length: chunks }, (_, i) => WORDS[i % WORDS.length]).join("");
/** The answer of `nul_reply`: each piece followed by a NUL. */
export const nulAnswerText = (chunks: number): string =>
  Array.from({ length: chunks }, (_, i) => `${WORDS[i % WORDS.length]}\u0000`).join("");
const word = (i: number, scenario: Scenario) => WORDS[i % WORDS.length] + (scenario === "nul_reply" ? "\u0000" : "");
export const THINKING_TEXT = "The user greets me; answer kindly.";
export const TOOL_ARGUMENT_PIECES = ['{"loc', 'ation": "Par', 'is", "unit":', ' "celsius"}'];

/** `text` in `n` consecutive slices (code points kept whole). */
function slices(text: string, n: number): string[] {
  const chars = [...text];
  const size = Math.max(1, Math.ceil(chars.length / Math.max(1, n)));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(""));
  return out;
}

const sleep = (ms: number) => (ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve());

interface RequestPlan {
  scenario: Scenario;
  opts: FakeProviderOptions;
  /** `opts.errorMessage` with the request's key in it, or null. */
  hostileError: string | null;
  /** retry-after of rate_limit, in seconds. */
  retryAfter: string;
}

function lastUserText(body: LooseObject | null): string {
  if (typeof body?.input === "string") return body.input;
  // Chat and Anthropic `messages`, or Responses `input` items.
  const msgs = Array.isArray(body?.messages) ? body.messages : Array.isArray(body?.input) ? body.input : [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    if (msgs[i]?.role !== "user") continue;
    const c = msgs[i].content;
    if (typeof c === "string") return c;
    if (Array.isArray(c)) return c.map((p: LooseObject) => (typeof p?.text === "string" ? p.text : "")).join(" ");
  }
  return "";
}

const CHUNKS_KNOB = /\bchunks:(\d+)/;
const DELAY_KNOB = /\bdelay:(\d+)/;
const CUT_KNOB = /\bcut:(\d+)/;
const SCENARIO_KNOB = /\bscenario:([a-z_]+)/;
const FAILS_KNOB = /\bfails:(\d+)/;
const RETRY_AFTER_KNOB = /\bretry_after:(\d+)/;

function plan(
  req: http.IncomingMessage,
  body: LooseObject | null,
  base: FakeProviderOptions,
  seen: Map<string, number>,
): RequestPlan {
  const text = lastUserText(body);
  const opts = { ...base };
  const knob = (re: RegExp, header: string): number | undefined => {
    const h = req.headers[header];
    if (typeof h === "string") return Number(h);
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  opts.chunks = knob(CHUNKS_KNOB, "x-fake-chunks") ?? opts.chunks;
  opts.chunkDelayMs = knob(DELAY_KNOB, "x-fake-delay-ms") ?? opts.chunkDelayMs;
  opts.cutAfter = knob(CUT_KNOB, "x-fake-cut-after") ?? opts.cutAfter;
  const named = (req.headers["x-fake-scenario"] as string | undefined) ?? SCENARIO_KNOB.exec(text)?.[1];
  let scenario = named && SCENARIOS.has(named as Scenario) ? (named as Scenario) : "normal";
  const fails = FAILS_KNOB.exec(text);
  if (fails) {
    const count = seen.get(text) ?? 0;
    seen.set(text, count + 1);
    if (count >= Number(fails[1])) scenario = "normal";
  }
  if (scenario === "slow" && opts.chunkDelayMs === 0) opts.chunkDelayMs = 50;
  const key = String(req.headers["x-api-key"] ?? req.headers.authorization ?? "").replace(/^Bearer /, "");
  const retryAfter = RETRY_AFTER_KNOB.exec(text)?.[1] ?? "7";
  return { scenario, opts, hostileError: opts.errorMessage?.replaceAll("{key}", key) ?? null, retryAfter };
}

// ---------- OpenAI format ----------

function openaiUsage(o: FakeProviderOptions, withCost: boolean): Record<string, unknown> {
  const usage: Record<string, unknown> = {
    prompt_tokens: o.promptTokens,
    completion_tokens: o.completionTokens,
    total_tokens: o.promptTokens + o.completionTokens,
    prompt_tokens_details: { cached_tokens: o.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: o.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  if (withCost) usage.cost = o.cost;
  if (withCost && o.byokUpstreamCost !== null) {
    usage.is_byok = true;
    usage.cost_details = { upstream_inference_cost: o.byokUpstreamCost };
  }
  return usage;
}

function openaiError(
  res: http.ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { message, type, param: null, code } });
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(body);
}

function failIfScenario(
  res: http.ServerResponse,
  { scenario, hostileError, retryAfter }: RequestPlan,
  anthropic: boolean,
): boolean {
  const fail = (status: number, text: string, oType: string, aType: string, headers?: Record<string, string>) => {
    const message = hostileError ?? text;
    if (anthropic) {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify({ type: "error", error: { type: aType, message } }));
    } else openaiError(res, status, message, oType, oType === "requests" ? "rate_limit_exceeded" : null, headers);
  };
  switch (scenario) {
    case "rate_limit":
      fail(429, "Rate limit reached for requests", "requests", "rate_limit_error", { "retry-after": retryAfter });
      return true;
    case "server_error":
      fail(500, "The server had an error while processing your request.", "server_error", "api_error");
      return true;
    case "unauthorized":
      fail(401, "Incorrect API key provided.", "invalid_request_error", "authentication_error");
      return true;
    case "bad_request":
      fail(400, "Invalid value for 'messages'.", "invalid_request_error", "invalid_request_error");
      return true;
    case "context_length":
      if (anthropic) fail(400, "prompt is too long: 200001 tokens > 200000 maximum", "", "invalid_request_error");
      else {openaiError(
          res,
          400,
          "This model's maximum context length is 128000 tokens.",
          "invalid_request_error",
          "context_length_exceeded",
        );}
      return true;
    case "hang":
      return true;
    default:
      return false;
  }
}

async function handleOpenAI(res: http.ServerResponse, body: LooseObject | null, plan: RequestPlan): Promise<void> {
  const { scenario, opts, hostileError } = plan;
  if (failIfScenario(res, plan, false)) return;
  const id = "chatcmpl-fake" + Math.random().toString(36).slice(2, 10);
  const created = Math.floor(Date.now() / 1000);
  const model = String(body?.model ?? "fake-model");
  const withCost = body?.usage?.include === true;
  const toolName = body?.tools?.[0]?.function?.name ?? "get_weather";
  // OpenAI reports the tier it ran the call in: flex or priority when asked for, else default.
  const serviceTier = ["flex", "priority", "scale"].includes(body?.service_tier) ? body!.service_tier : "default";

  if (!body?.stream) {
    const message: Record<string, unknown> = scenario === "tools"
      ? {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [{
          id: "call_fake_1",
          type: "function",
          function: { name: toolName, arguments: TOOL_ARGUMENT_PIECES.join("") },
        }],
      }
      : {
        role: "assistant",
        content: scenario === "nul_reply" ? nulAnswerText(opts.chunks) : opts.replyText ?? answerText(opts.chunks),
        refusal: null,
        annotations: [],
      };
    const hostile = scenario === "nul_reply"
      ? { x_note: "nul\u0000here" }
      : scenario === "deep_reply"
      ? { x_deep: "$deep" }
      : {};
    const out = JSON.stringify({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: scenario === "tools" ? "tool_calls" : "stop" }],
      usage: openaiUsage(opts, withCost),
      service_tier: serviceTier,
      system_fingerprint: "fp_fake",
      ...hostile,
    }).replace('"x_deep":"$deep"', `"x_deep":${deepJsonText(DEEP_REPLY_LEVELS)}`);
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
    res.end(out);
    return;
  }

  const includeUsage = body?.stream_options?.include_usage === true;
  const chunk = (choices: unknown[], extra?: Record<string, unknown>): string =>
    `data: ${
      JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        service_tier: serviceTier,
        system_fingerprint: "fp_fake",
        choices,
        ...(includeUsage ? { usage: null } : {}),
        ...extra,
      })
    }\n\n`;
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);

  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const pieces: string[] = scenario === "tools"
    ? [
      delta({
        role: "assistant",
        content: null,
        tool_calls: [{ index: 0, id: "call_fake_1", type: "function", function: { name: toolName, arguments: "" } }],
        refusal: null,
      }),
      ...TOOL_ARGUMENT_PIECES.map((a) => delta({ tool_calls: [{ index: 0, function: { arguments: a } }] })),
    ]
    : [
      delta({ role: "assistant", content: "", refusal: null }),
      ...(opts.replyText === null
        ? Array.from({ length: opts.chunks }, (_, i) => delta({ content: word(i, scenario) }))
        : slices(opts.replyText, opts.chunks).map((content) => delta({ content }))),
    ];
  await streamPieces(
    res,
    pieces,
    scenario,
    opts,
    () => delta({ content: "" }),
    () =>
      `data: ${
        JSON.stringify({
          error: {
            message: hostileError ?? "The server had an error while processing your request.",
            type: "server_error",
            param: null,
            code: null,
          },
        })
      }\n\n`,
  );
  if (res.destroyed || res.writableEnded) return;
  res.write(delta({}, scenario === "tools" ? "tool_calls" : "stop"));
  if (includeUsage) res.write(chunk([], { usage: openaiUsage(opts, withCost) }));
  res.end("data: [DONE]\n\n");
}

/**
 * Writes the pieces (first piece = role chunk, not counted as content) honouring the delay and
 * the breaking scenarios. Leaves the response open for the caller to finish when not broken.
 */
async function streamPieces(
  res: http.ServerResponse,
  pieces: string[],
  scenario: Scenario,
  opts: FakeProviderOptions,
  stallPiece: () => string,
  errorPiece: () => string,
): Promise<void> {
  const breaks = scenario === "cut" || scenario === "truncate" || scenario === "error_event";
  for (let i = 0; i < pieces.length; i++) {
    if (res.destroyed) return;
    if (breaks && i === opts.cutAfter + 1) {
      // Let what was written reach the client first, then drop the connection mid-body.
      if (scenario === "cut") {
        await new Promise<void>((r) => res.write("", () => r())).then(() => res.socket?.destroy());
      } else if (scenario === "truncate") res.end();
      else res.end(errorPiece());
      return;
    }
    if (scenario === "stall" && i === 2) {
      res.write(stallPiece());
      return;
    }
    res.write(pieces[i]);
    if (opts.chunkDelayMs > 0 && i > 0) await sleep(opts.chunkDelayMs);
  }
}

// ---------- Anthropic format ----------

function anthropicUsage(o: FakeProviderOptions, output: number): Record<string, unknown> {
  return {
    input_tokens: o.promptTokens,
    cache_creation_input_tokens: o.cacheCreationTokens,
    cache_read_input_tokens: o.cachedTokens,
    ...(o.cacheCreation1hTokens > 0
      ? {
        cache_creation: {
          ephemeral_5m_input_tokens: o.cacheCreationTokens - o.cacheCreation1hTokens,
          ephemeral_1h_input_tokens: o.cacheCreation1hTokens,
        },
      }
      : {}),
    output_tokens: output,
    service_tier: "standard",
  };
}

async function handleAnthropic(res: http.ServerResponse, body: LooseObject | null, plan: RequestPlan): Promise<void> {
  const { scenario, opts, hostileError } = plan;
  if (failIfScenario(res, plan, true)) return;
  const id = "msg_fake" + Math.random().toString(36).slice(2, 10);
  const model = String(body?.model ?? "claude-fake");
  const toolName = body?.tools?.[0]?.name ?? "get_weather";
  const tools = scenario === "tools";
  const thinking = scenario === "thinking";
  const textIndex = thinking ? 1 : 0;

  if (!body?.stream) {
    const content = tools
      ? [{ type: "text", text: "Let me check." }, {
        type: "tool_use",
        id: "toolu_fake_1",
        name: toolName,
        input: JSON.parse(TOOL_ARGUMENT_PIECES.join("")),
      }]
      : [
        ...(thinking ? [{ type: "thinking", thinking: THINKING_TEXT, signature: "sig_fake" }] : []),
        { type: "text", text: answerText(opts.chunks) },
      ];
    const out = JSON.stringify({
      id,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: tools ? "tool_use" : "end_turn",
      stop_sequence: null,
      usage: anthropicUsage(opts, opts.completionTokens),
    });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
    res.end(out);
    return;
  }

  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  const start = ev("message_start", {
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: anthropicUsage(opts, 1),
    },
  }) +
    (thinking
      ? ev("content_block_start", { index: 0, content_block: { type: "thinking", thinking: "", signature: "" } }) +
        ev("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: THINKING_TEXT } }) +
        ev("content_block_delta", { index: 0, delta: { type: "signature_delta", signature: "sig_fake" } }) +
        ev("content_block_stop", { index: 0 })
      : "") +
    ev("content_block_start", { index: textIndex, content_block: { type: "text", text: "" } }) +
    ev("ping", {});
  const pieces = tools
    ? [
      start,
      ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: "Let me check." } }),
      ev("content_block_stop", { index: 0 }) +
      ev("content_block_start", {
        index: 1,
        content_block: { type: "tool_use", id: "toolu_fake_1", name: toolName, input: {} },
      }) +
      ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: "" } }),
      ...TOOL_ARGUMENT_PIECES.map((p) =>
        ev("content_block_delta", { index: 1, delta: { type: "input_json_delta", partial_json: p } })
      ),
    ]
    : [
      start,
      ...Array.from(
        { length: opts.chunks },
        (_, i) =>
          ev("content_block_delta", { index: textIndex, delta: { type: "text_delta", text: WORDS[i % WORDS.length] } }),
      ),
    ];
  await streamPieces(
    res,
    pieces,
    scenario,
    opts,
    () => ev("ping", {}),
    () => ev("error", { error: { type: "overloaded_error", message: hostileError ?? "Overloaded" } }),
  );
  if (res.destroyed || res.writableEnded) return;
  res.write(ev("content_block_stop", { index: tools ? 1 : textIndex }));
  res.write(
    ev("message_delta", {
      delta: { stop_reason: tools ? "tool_use" : "end_turn", stop_sequence: null },
      usage: deltaUsage(opts),
    }),
  );
  res.end(ev("message_stop", {}));
}

function deltaUsage(o: FakeProviderOptions): Record<string, unknown> {
  if (o.deltaUsage === "output") return { output_tokens: o.completionTokens };
  return {
    input_tokens: null,
    cache_creation_input_tokens: null,
    cache_read_input_tokens: null,
    output_tokens: o.completionTokens,
  };
}

// ---------- OpenAI Responses ----------

function responsesUsage(o: FakeProviderOptions, withCost: boolean): Record<string, unknown> {
  const usage: Record<string, unknown> = {
    input_tokens: o.promptTokens,
    input_tokens_details: { cached_tokens: o.cachedTokens },
    output_tokens: o.completionTokens,
    output_tokens_details: { reasoning_tokens: o.reasoningTokens },
    total_tokens: o.promptTokens + o.completionTokens,
  };
  if (withCost) usage.cost = o.cost;
  return usage;
}

async function handleResponses(res: http.ServerResponse, body: LooseObject | null, plan: RequestPlan): Promise<void> {
  if (failIfScenario(res, plan, false)) return;
  const { scenario, opts } = plan;
  const id = "resp_fake" + Math.random().toString(36).slice(2, 10);
  const msgId = "msg_fake" + Math.random().toString(36).slice(2, 10);
  const model = String(body?.model ?? "fake-model");
  const tools = scenario === "tools";
  const toolName = body?.tools?.[0]?.name ?? "get_weather";
  const text = answerText(opts.chunks);
  const messageItem = (content: string) => ({
    type: "message",
    id: msgId,
    status: "completed",
    role: "assistant",
    content: [{ type: "output_text", text: content, annotations: [], logprobs: [] }],
  });
  const callItem = (args: string) => ({
    type: "function_call",
    id: "fc_fake_1",
    call_id: "call_fake_1",
    name: toolName,
    arguments: args,
    status: "completed",
  });
  const response = (status: string, output: unknown[], usage: unknown) => ({
    id,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status,
    error: null,
    incomplete_details: null,
    instructions: body?.instructions ?? null,
    model,
    output,
    parallel_tool_calls: true,
    previous_response_id: body?.previous_response_id ?? null,
    store: body?.store ?? true,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: body?.tools ?? [],
    top_p: 1,
    truncation: "disabled",
    usage,
    metadata: {},
  });
  const withCost = body?.usage?.include === true;

  if (!body?.stream) {
    const out = JSON.stringify(
      response(
        "completed",
        [tools ? callItem(TOOL_ARGUMENT_PIECES.join("")) : messageItem(text)],
        responsesUsage(opts, withCost),
      ),
    );
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
    res.end(out);
    return;
  }
  let seq = 0;
  const ev = (type: string, data: Record<string, unknown>) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
  const start = ev("response.created", { response: response("in_progress", [], null) }) +
    ev("response.in_progress", { response: response("in_progress", [], null) });
  const pieces = tools
    ? [
      start + ev("response.output_item.added", { output_index: 0, item: { ...callItem(""), status: "in_progress" } }),
      ...TOOL_ARGUMENT_PIECES.map((d) =>
        ev("response.function_call_arguments.delta", { item_id: "fc_fake_1", output_index: 0, delta: d })
      ),
    ]
    : [
      start +
      ev("response.output_item.added", {
        output_index: 0,
        item: { ...messageItem(""), status: "in_progress", content: [] },
      }) +
      ev("response.content_part.added", {
        item_id: msgId,
        output_index: 0,
        content_index: 0,
        part: { type: "output_text", text: "", annotations: [] },
      }),
      ...Array.from(
        { length: opts.chunks },
        (_, i) =>
          ev("response.output_text.delta", {
            item_id: msgId,
            output_index: 0,
            content_index: 0,
            delta: WORDS[i % WORDS.length],
            logprobs: [],
          }),
      ),
    ];
  await streamPieces(
    res,
    pieces,
    scenario,
    opts,
    () => "",
    () =>
      ev("error", {
        code: "server_error",
        message: "The server had an error while processing your request.",
        param: null,
      }),
  );
  if (res.destroyed || res.writableEnded) return;
  const item = tools ? callItem(TOOL_ARGUMENT_PIECES.join("")) : messageItem(text);
  if (tools) {
    res.write(
      ev("response.function_call_arguments.done", {
        item_id: "fc_fake_1",
        output_index: 0,
        arguments: TOOL_ARGUMENT_PIECES.join(""),
      }),
    );
  } else {
    res.write(
      ev("response.output_text.done", { item_id: msgId, output_index: 0, content_index: 0, text, logprobs: [] }),
    );
    res.write(
      ev("response.content_part.done", {
        item_id: msgId,
        output_index: 0,
        content_index: 0,
        part: messageItem(text).content[0],
      }),
    );
  }
  res.write(ev("response.output_item.done", { output_index: 0, item }));
  res.end(ev("response.completed", { response: response("completed", [item], responsesUsage(opts, withCost)) }));
}

// ---------- OpenAI embeddings ----------

function handleEmbeddings(res: http.ServerResponse, body: LooseObject | null, plan: RequestPlan): void {
  if (failIfScenario(res, plan, false)) return;
  const { opts } = plan;
  const inputs = Array.isArray(body?.input) ? body.input : [body?.input];
  const dimensions = typeof body?.dimensions === "number" ? body.dimensions : 8;
  const vector = (i: number) => Array.from({ length: dimensions }, (_, j) => Math.round(Math.sin(i + j) * 1e6) / 1e6);
  const encode = (v: number[]) => Buffer.from(new Float32Array(v).buffer).toString("base64");
  const data = inputs.map((_: unknown, i: number) => ({
    object: "embedding",
    index: i,
    embedding: body?.encoding_format === "base64" ? encode(vector(i)) : vector(i),
  }));
  const out = JSON.stringify({
    object: "list",
    data,
    model: String(body?.model ?? "fake-embedding"),
    usage: { prompt_tokens: opts.promptTokens, total_tokens: opts.promptTokens },
  });
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(out) });
  res.end(out);
}

function handleModels(res: http.ServerResponse): void {
  const ids = ["gpt-4o-mini", "gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4"];
  const out = JSON.stringify({
    object: "list",
    data: ids.map((id) => ({ id, object: "model", created: 1721172741, owned_by: "fake" })),
  });
  res.writeHead(200, { "content-type": "application/json" });
  res.end(out);
}

/** Starts the fake provider on 127.0.0.1. */
export async function startFakeProvider(initial: Partial<FakeProviderOptions> = {}): Promise<FakeProvider> {
  const startOptions = { ...DEFAULTS, ...initial };
  let options = { ...startOptions };
  const requests: RecordedRequest[] = [];
  let count = 0;
  const seen = new Map<string, number>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      count++;
      const path = (req.url ?? "/").split("?")[0];
      let body: LooseObject | null = null;
      if (chunks.length) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          openaiError(res, 400, "We could not parse the JSON body of your request.", "invalid_request_error", null);
          return;
        }
      }
      const p = plan(req, body, options, seen);
      if (options.record) {
        requests.push({
          method: req.method ?? "GET",
          path,
          headers: req.headers,
          body: body ?? {},
          scenario: p.scenario,
        });
      }
      const run = async () => {
        await sleep(p.opts.delayMs);
        if (req.method === "GET" && (path === "/v1/models" || path === "/models")) return handleModels(res);
        if (req.method === "POST" && (path === "/v1/chat/completions" || path === "/chat/completions")) {
          return handleOpenAI(res, body, p);
        }
        if (req.method === "POST" && path === "/v1/messages") return handleAnthropic(res, body, p);
        if (req.method === "POST" && path === "/v1/messages/count_tokens") {
          res.writeHead(200, { "content-type": "application/json" });
          return res.end(JSON.stringify({ input_tokens: p.opts.promptTokens }));
        }
        if (req.method === "POST" && (path === "/v1/embeddings" || path === "/embeddings")) {
          return handleEmbeddings(res, body, p);
        }
        if (req.method === "POST" && (path === "/v1/responses" || path === "/responses")) {
          return handleResponses(res, body, p);
        }
        openaiError(res, 404, `Unknown route ${req.method} ${path}`, "invalid_request_error", "unknown_url");
      };
      run().catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    port,
    requests,
    requestCount: () => count,
    setOptions(patch) {
      options = { ...options, ...patch };
    },
    reset() {
      requests.length = 0;
      seen.clear();
      options = { ...startOptions };
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
