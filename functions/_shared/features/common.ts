/**
 * What the feature endpoints (mentor, guru, twin) share: who may call, the call context, what is
 * stored of a text under the account's body settings, and how a forwarded call becomes a response.
 * The model call itself is the gateway's (providers, stream tee, redaction, pricing, ledger).
 */
import { authenticate } from "../auth/caller.ts";
import { holdEnd } from "../gateway/answer-stream.ts";
import { db } from "../runtime/db.ts";
import { env } from "../runtime/env.ts";
import { corsHeaders, isPreflight, preflightResponse } from "../http/cors.ts";
import { z } from "zod";
import {
  ApiError,
  asApiError,
  badRequest,
  fromZodError,
  jsonResponse,
  notFound,
  unauthorized,
} from "../http/errors.ts";
import {
  admitCall,
  type CallContext,
  type CallOutcome,
  type CallResult,
  failedCall,
  type FeatureHook,
  type LoggedRequest,
} from "../gateway/forward.ts";
import type { FeatureRow, FeatureTable } from "../ledger/writer.ts";
import type { Json } from "../runtime/schema.ts";
import { jsonDepthExceeds, MAX_CONVERSATION_ID_CHARS } from "../http/limits.ts";
import { type ChatCompletionRequest, type ChatMessage, parseChatCompletionRequest } from "../openai/chat-schema.ts";
import { redactText, redactValue } from "../privacy/redaction.ts";
import { checkJsonDepth, readJsonBody, requestLimitBytes } from "../http/request.ts";
import { clientAddress } from "../http/client-address.ts";
import { functionSubpath } from "../http/path.ts";

export type Feature = "mentor" | "guru" | "twin";

/** The model of a feature when the account configured none (routed like llm-proxy). */
export const defaultModel = (): string => env("AI_FEATURES_DEFAULT_MODEL") || "openai/gpt-4o-mini";

/** agent_type, twin_role, interaction_type: lower-case snake_case, as the tables check. */
export const SLUG = /^[a-z][a-z0-9_]{0,62}$/;
// deno-lint-ignore no-control-regex
const NUL = /\u0000/;

/** The longest question, prompt or reason accepted, in characters. */
const maxTextChars = (): number => Number(env("AI_FEATURES_MAX_TEXT_CHARS") ?? 8000);

/** A text field a client sent: non-empty when required, no NUL (Postgres refuses it), within the limit. */
export function checkText(value: string, field: string): string {
  if (NUL.test(value)) throw badRequest(`The ${field} contains a NUL character (\\u0000)`, field, "invalid_characters");
  if (value.length > maxTextChars()) {
    const message = `The ${field} is longer than ${maxTextChars()} characters`;
    throw new ApiError(413, message, "invalid_request_error", "text_too_long", field);
  }
  return value;
}

/** A client's conversation id, or a new one: the response names it so the next turn can follow. */
export function conversationIdOf(value: string | undefined | null): string {
  if (value === undefined || value === null) return crypto.randomUUID();
  if (value.length === 0 || value.length > MAX_CONVERSATION_ID_CHARS) {
    throw badRequest(`conversation_id must have 1 to ${MAX_CONVERSATION_ID_CHARS} characters`, "conversation_id");
  }
  return checkText(value, "conversation_id");
}

/**
 * A feature call starts like a proxy call: refused when the ledger is full, then authenticated.
 * Callers are signed-in users (the student or employee the row belongs to; featureHandler refuses
 * API keys, logged) with `use_agents`; the account is chosen as in llm-proxy (x-account-slug /
 * x-account-id when they have several).
 */
async function openFeatureCall(
  req: Request,
  requestId: string,
  remoteIp: string | null,
): Promise<CallContext> {
  const startedAt = performance.now();
  const receivedAt = new Date();
  admitCall();
  const caller = await authenticate(req, db());
  return {
    requestId,
    caller,
    receivedAt,
    startedAt,
    ip: clientAddress(req, remoteIp),
    conversationId: null,
    properties: {},
    clientSignal: req.signal,
  };
}

/** The request body as JSON, within the account's size limit and nesting depth. */
async function readFeatureBody(req: Request, ctx: CallContext): Promise<unknown> {
  const json = await readJsonBody(req, requestLimitBytes(ctx.caller.settings.max_request_bytes));
  checkJsonDepth(json);
  return json;
}

/**
 * Runs `handle` for an authenticated feature call; whatever it throws is answered in the OpenAI
 * error shape and logged (exactly one llm_requests row per answered call, refused ones included).
 */
async function loggedRefusals(
  ctx: CallContext,
  feature: Feature,
  body: () => unknown,
  handle: () => Promise<Response>,
): Promise<Response> {
  try {
    return await handle();
  } catch (err) {
    const error = internalError(ctx.requestId, feature, err);
    return failedCall(ctx, refusedRequest(body()), null, error).response;
  }
}

/** The shared catch-all, naming the feature in the 500's message. */
const internalError = (requestId: string, feature: Feature, err: unknown): ApiError =>
  asApiError(err, `${feature} ${requestId}`, `The ${feature} failed to process the request`);

function refusedRequest(json: unknown): LoggedRequest {
  const body = json === undefined ? null : jsonDepthExceeds(json) ? { omitted: "nested too deep" } : json as Json;
  return { model: "unknown", messages: [], stream: false, user: null, body };
}

/** A model request the feature built; a bad configuration (e.g. a model name) is the account's 500. */
export function modelRequest(body: Record<string, unknown>): ChatCompletionRequest {
  const parsed = parseChatCompletionRequest(body);
  if (!parsed.ok) {
    throw new ApiError(
      500,
      `The feature's configuration produced an invalid model request: ${parsed.error.message}`,
      "server_error",
      "invalid_feature_config",
      parsed.error.param,
    );
  }
  return parsed.value;
}

export const system = (content: string): ChatMessage => ({ role: "system", content });
export const user = (content: string): ChatMessage => ({ role: "user", content });
export const assistant = (content: string): ChatMessage => ({ role: "assistant", content });

/** What is stored of a client's text: redacted, or "" when the account does not log request bodies. */
export function storedRequestText(ctx: CallContext, text: string): string {
  return ctx.caller.settings.log_request_bodies ? redactText(text) : "";
}

/** What is stored of an answer: redacted, or "" when the account does not log response bodies. */
export function storedResponseText(ctx: CallContext, text: string): string {
  return ctx.caller.settings.log_response_bodies ? redactText(text) : "";
}

/** A JSON value stored under the request (or response) body setting; `{"omitted": true}` when off. */
export function storedJson(ctx: CallContext, value: Json, kind: "request" | "response"): Json {
  const on = kind === "request" ? ctx.caller.settings.log_request_bodies : ctx.caller.settings.log_response_bodies;
  return on ? redactValue(value) : { omitted: true };
}

/** How long an answer waits for its rows (AI_FEATURES_LOG_WAIT_MS, default 5000). */
const logWaitMs = (): number => Number(env("AI_FEATURES_LOG_WAIT_MS") ?? 5000);

/**
 * Settles when the call's rows are stored or after the wait, whichever is first: a database that is
 * slow or down delays the answer by at most that much (the rows still land once it is back).
 */
function storedOrLate(outcome: Promise<CallOutcome>): Promise<void> {
  return outcome.then((o) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, logWaitMs())));
    return Promise.race([o.logged, late]).finally(() => clearTimeout(timer));
  });
}

/**
 * The response to a forwarded feature call. A provider error comes back as the gateway answered it
 * (OpenAI shape, logged). Otherwise the answer is sent once its rows are stored (see storedOrLate),
 * so the ids in it can be used at once (rating, feedback): JSON via `body`, or the stream with its
 * end held back until then and `headers` carrying the ids.
 */
export async function featureResponse(
  forwarded: CallResult,
  stream: boolean,
  headers: Record<string, string>,
  body: (text: string) => Record<string, unknown>,
): Promise<Response> {
  const { response } = forwarded;
  if (!response.ok) return response;
  // Browsers read only the response headers CORS exposes: the ids are the point of these.
  const exposed = [corsHeaders["access-control-expose-headers"], ...Object.keys(headers)].join(", ");
  headers = { ...headers, "access-control-expose-headers": exposed };
  if (stream && response.body) {
    const out = new Response(holdEnd(response.body, () => storedOrLate(forwarded.outcome)), response);
    for (const [k, v] of Object.entries(headers)) out.headers.set(k, v);
    return out;
  }
  const outcome = await forwarded.outcome;
  await storedOrLate(forwarded.outcome);
  if (outcome.status === "error") {
    const error = outcome.error ?? { code: "upstream_error", message: "The model's answer was refused" };
    return new ApiError(502, error.message, "server_error", error.code).toResponse({
      "x-request-id": outcome.requestId,
    });
  }
  return jsonResponse({ ...body(outcome.text), request_id: outcome.requestId }, 200, {
    "x-request-id": outcome.requestId,
    ...headers,
  });
}

type Info = { remoteAddr?: { hostname?: string } };

/**
 * The HTTP shell of a feature function: CORS preflight, `POST /<feature>[/<tail>]`, the caller,
 * the body, and errors in the OpenAI shape. `run` gets the context, the path after the function's
 * name ("" or "/tail") and the parsed JSON body.
 */
export function featureHandler(
  feature: Feature,
  run: (ctx: CallContext, subpath: string, json: unknown) => Promise<Response>,
): (req: Request, info?: Info) => Promise<Response> {
  return async (req, info) => {
    if (isPreflight(req)) return preflightResponse(req);
    const requestId = crypto.randomUUID();
    try {
      const subpath = functionSubpath(new URL(req.url).pathname, feature);
      if (subpath === null || req.method !== "POST") {
        throw notFound(`Unknown route: ${req.method} ${new URL(req.url).pathname}`, "unknown_route");
      }
      const ctx = await openFeatureCall(req, requestId, info?.remoteAddr?.hostname ?? null);
      let json: unknown = undefined;
      return await loggedRefusals(ctx, feature, () => json, async () => {
        // Every feature row belongs to a user: an account API key is refused (and logged).
        if (!ctx.caller.userId) {
          throw unauthorized(
            "The AI features act for a signed-in user: send their Supabase JWT, not an API key",
            "user_required",
          );
        }
        json = await readFeatureBody(req, ctx);
        return await run(ctx, subpath, json);
      });
    } catch (err) {
      const error = internalError(requestId, feature, err);
      return error.toResponse({ "x-request-id": requestId });
    }
  };
}

/** The body of a feature call as `schema` reads it; a mismatch is a 400 naming the field. */
export function parseFeatureBody<T extends z.ZodType>(schema: T, json: unknown): z.infer<T> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

/** featureHandler for a feature answered only at its own path, its body read by `schema`. */
export function rootFeatureHandler<T extends z.ZodType>(
  feature: Feature,
  schema: T,
  run: (ctx: CallContext, body: z.infer<T>) => Promise<Response>,
): (req: Request, info?: Info) => Promise<Response> {
  return featureHandler(feature, (ctx, subpath, json) => {
    if (subpath !== "" && subpath !== "/") throw notFound(`Unknown route: POST /${feature}${subpath}`, "unknown_route");
    return run(ctx, parseFeatureBody(schema, json));
  });
}

/**
 * The hook of a feature whose row needs an answer (whole, or partial for a stream cut short): a failed
 * call has none for the row's NOT NULL answer column, so it is only in the ledger, with its error.
 */
export function answeredRowHook(table: FeatureTable, row: (answer: string) => FeatureRow["row"]): FeatureHook {
  return { row: ({ status, text }) => (status === "error" ? null : { table, row: row(text) }) };
}
