/**
 * chat: the backend of embeddable agent chat widgets (the Salient chat data flow: sessions, messages, profiles).
 *
 *   POST /chat/{account_slug}/{instance_slug}           {message?, tool_results?, stream?}
 *   GET  /chat/{account_slug}/{instance_slug}/history   ?before=<message id>&limit=&session_id=
 *   GET  /chat/sessions                                 (signed-in user: their sessions, any device)
 *
 * Visitors are anonymous (a session cookie) or signed in (Authorization: Bearer <user JWT>). The
 * model call goes through the shared gateway core (providers, pricing, ledger); this file only
 * adds the conversation around it: session, stored messages, context, profile.
 *
 * Settings (env): CHAT_SESSION_IDLE_MINUTES (60), CHAT_MAX_MESSAGE_CHARS (4000),
 * CHAT_RATE_LIMIT_PER_SESSION (20), CHAT_RATE_LIMIT_PER_IP (60), CHAT_RATE_LIMIT_PER_USER (60),
 * CHAT_RATE_LIMIT_WINDOW_SECONDS (60), CLIENT_IP_HEADER / TRUSTED_PROXY_HOPS (_shared/http/client-address.ts),
 * CHAT_DEFAULT_CONTEXT_TOKENS (8192, when the model's window is not in the price catalog),
 * CHAT_INSTANCE_CACHE_TTL_MS (30000).
 */
import { z } from "zod";
import { type Caller, verifyUserJwt } from "../_shared/auth/caller.ts";
import { bearerToken, credentialKind, type JwtClaims } from "../_shared/auth/credentials.ts";
import { isPreflight, preflightResponse } from "../_shared/http/cors.ts";
import { asUser, db } from "../_shared/runtime/db.ts";
import { env } from "../_shared/runtime/env.ts";
import {
  ApiError,
  asApiError,
  badRequest,
  forbidden,
  fromZodError,
  jsonResponse,
  notFound,
  unauthorized,
} from "../_shared/http/errors.ts";
import {
  admitCall,
  type CallContext,
  type CallOutcome,
  forwardChatCompletion,
  runInBackground,
} from "../_shared/gateway/forward.ts";
import { type ChatMessage, parseChatCompletionRequest } from "../_shared/openai/chat-schema.ts";
import { extractProfile, isEmptyProfile } from "./profile-extraction.ts";
import { callMetadata, readJsonBody, requestLimitBytes } from "../_shared/http/request.ts";
import { functionSubpath } from "../_shared/http/path.ts";
import {
  fitHistory,
  type NewMessage,
  readHistory,
  storeAnswer,
  storeTurn,
  toChatMessages,
  toolCallMessage,
  toolResultMessage,
} from "./conversation.ts";
import { holdEnd } from "../_shared/gateway/answer-stream.ts";
import { type ChatInstance, type InstanceConfig, resolveInstance } from "./instance.ts";
import { mergeProfile } from "./profile.ts";
import { findSession, limitsFromEnv, memberOfAccount, openSession, sessionCookie, sessionKeyFrom } from "./session.ts";
import { UUID } from "../_shared/http/limits.ts";

type Info = { remoteAddr?: { hostname?: string } };

export async function handler(req: Request, info?: Info): Promise<Response> {
  // Until the instance says otherwise, pages may read answers but never with the visitor's cookie.
  const cors: Cors = { origin: req.headers.get("origin"), access: "public" };
  if (isPreflight(req)) return withCors(await preflight(req, cors), cors);
  const requestId = crypto.randomUUID();
  const headers = { "x-request-id": requestId };
  let response: Response;
  try {
    response = await route(req, requestId, info, cors);
  } catch (err) {
    response = asApiError(err, `chat ${requestId}`).toResponse(headers);
  }
  return withCors(response, cors);
}

/**
 * The path's segments, decoded. Malformed percent-encoding and control characters (NUL among
 * them, which Postgres refuses in text) are the client's mistake: 400, before anything is read.
 */
function pathParts(url: URL): string[] {
  return (functionSubpath(url.pathname, "chat") ?? "").split("/").filter(Boolean).map((segment) => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw badRequest(
        `The path segment '${segment.slice(0, 100)}' has malformed percent-encoding`,
        null,
        "invalid_path",
      );
    }
    if (CONTROL.test(decoded)) throw badRequest("The path must not contain control characters", null, "invalid_path");
    return decoded;
  });
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

async function route(req: Request, requestId: string, info: Info | undefined, cors: Cors): Promise<Response> {
  const url = new URL(req.url);
  const parts = pathParts(url);
  const [account, instance, tail] = parts;
  if (parts.length === 1 && account === "sessions" && req.method === "GET") return await listSessions(req);
  if (parts.length === 2 && req.method === "POST") {
    return await postMessage(req, account, instance, requestId, info, cors);
  }
  if (parts.length === 3 && tail === "history" && req.method === "GET") {
    return await history(req, url, account, instance, cors);
  }
  throw notFound(`Unknown route: ${req.method} ${url.pathname}`, "unknown_route");
}

// ---------------------------------------------------------------------------------------------
// CORS for an embedded widget. The session travels in a cookie, so a page that may send it gets
// its origin echoed with Allow-Credentials (browsers refuse a wildcard with credentials). Only
// the origins an instance lists in `allowed_origins` get that; any other page (all of them when
// the list is empty) may read answers without credentials (`*`), so no site can read or continue
// a visitor's conversation; an instance with a list gives unlisted origins no CORS headers at all.
// ---------------------------------------------------------------------------------------------

interface Cors {
  origin: string | null;
  access: "credentials" | "public" | "none";
}

function withCors(res: Response, cors: Cors): Response {
  res.headers.delete("access-control-allow-origin");
  res.headers.delete("access-control-allow-credentials");
  res.headers.append("vary", "origin");
  if (cors.access === "public") res.headers.set("access-control-allow-origin", "*");
  if (cors.access === "credentials" && cors.origin) {
    res.headers.set("access-control-allow-origin", cors.origin);
    res.headers.set("access-control-allow-credentials", "true");
  }
  return res;
}

/** Sets what the instance allows this page; refuses (403) an origin its `allowed_origins` leaves out. */
function checkOrigin(config: InstanceConfig | null, cors: Cors): void {
  const allowed = config?.allowed_origins;
  if (!cors.origin || !allowed?.length) return;
  if (allowed.includes(cors.origin)) {
    cors.access = "credentials";
    return;
  }
  cors.access = "none";
  throw forbidden(`This chat is not embeddable on ${cors.origin}`, "origin_not_allowed");
}

/** A preflight answers for the instance the path names, with the access its origin list gives. */
async function preflight(req: Request, cors: Cors): Promise<Response> {
  try {
    const [account, instance] = pathParts(new URL(req.url));
    if (account && instance && account !== "sessions") {
      const resolved = await openInstance(account, instance);
      checkOrigin(resolved.config.ok ? resolved.config.value : null, cors);
    }
  } catch {
    // Unknown or refused: the access set so far stands (none for a refused origin).
  }
  return preflightResponse(req);
}

// ---------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------

/**
 * The signed-in user, or null for an anonymous visitor. The project's anon key (what supabase-js
 * sends before sign-in) counts as anonymous; any other credential must be a valid user JWT.
 */
async function optionalUser(req: Request): Promise<JwtClaims | null> {
  const token = bearerToken(req.headers.get("authorization"));
  if (!token) return null;
  if (credentialKind(token) !== "jwt") {
    throw unauthorized("Send a Supabase user JWT, or no Authorization header", "invalid_token");
  }
  const verified = await verifyUserJwt(token);
  // The verifier already refuses a subject that is not a user id (a UUID).
  if (verified.ok) return verified.claims;
  if (verified.reason === "anon_role") return null;
  throw unauthorized(verified.message, verified.reason === "expired" ? "token_expired" : "invalid_token");
}

function openInstance(account: string, instance: string): Promise<ChatInstance> {
  return resolveInstance(db(), account, instance);
}

// ---------------------------------------------------------------------------------------------
// POST /chat/{account}/{instance}
// ---------------------------------------------------------------------------------------------

const bodySchema = z
  .object({
    message: z.string().optional(),
    stream: z.boolean().optional(),
    tool_results: z
      .array(z.object({
        tool_call_id: z.string().min(1).max(200),
        content: z.string(),
        status: z.enum(["success", "error"]).optional(),
        execution_time_ms: z.number().nonnegative().optional(),
      }))
      .max(32)
      .optional(),
  })
  .refine((b) => Boolean(b.message?.trim() || b.tool_results?.length), {
    message: "Send a non-empty 'message' (or 'tool_results')",
    path: ["message"],
  });

const maxMessageChars = () => Number(env("CHAT_MAX_MESSAGE_CHARS") ?? 4000);

/** A message or tool result Postgres can store (no NUL) and within the size limit. */
function checkText(text: string, field: string): void {
  if (text.includes("\u0000")) {
    throw badRequest(`The ${field} contains a NUL character (\\u0000)`, field, "invalid_characters");
  }
  const max = maxMessageChars();
  // Characters as people count them (code points); the UTF-16 length is an upper bound of that.
  if (text.length <= max) return;
  const chars = [...text].length;
  if (chars > max) {
    throw new ApiError(
      413,
      `The ${field} has ${chars} characters; the limit is ${max}`,
      "invalid_request_error",
      "message_too_long",
      field,
    );
  }
}

async function postMessage(
  req: Request,
  accountSlug: string,
  instanceSlug: string,
  requestId: string,
  info: Info | undefined,
  cors: Cors,
): Promise<Response> {
  admitCall();
  const startedAt = performance.now();
  const receivedAt = new Date();
  const instance = await openInstance(accountSlug, instanceSlug);
  checkOrigin(instance.config.ok ? instance.config.value : null, cors);
  if (!instance.config.ok) {
    console.error(`chat ${requestId}: ${instance.config.error.message}`);
    throw instance.config.error;
  }
  const config = instance.config.value;
  const user = await optionalUser(req);
  const parsed = bodySchema.safeParse(await readJsonBody(req, requestLimitBytes(instance.settings.max_request_bytes)));
  if (!parsed.success) throw fromZodError(parsed.error);
  const body = parsed.data;
  const message = body.message?.trim() ? body.message : null;
  if (message) checkText(message, "message");
  body.tool_results?.forEach((r, i) => {
    checkText(r.content, `tool_results[${i}].content`);
    checkText(r.tool_call_id, `tool_results[${i}].tool_call_id`);
  });

  const ip = callMetadata(req, info?.remoteAddr?.hostname ?? null).ip;
  const exempt = user ? await memberOfAccount(db(), instance.accountId, user.sub) : false;
  const session = await openSession(db(), {
    accountId: instance.accountId,
    accountSlug: instance.accountSlug,
    instanceId: instance.instanceId,
    userId: user?.sub ?? null,
    exempt,
    key: sessionKeyFrom(req, instance.accountSlug),
    ip,
    metadata: sessionMetadata(req),
  }, limitsFromEnv());

  const incoming: NewMessage[] = [
    ...(body.tool_results ?? []).map(toolResultMessage),
    ...(message ? [{ role: "human" as const, content: message, metadata: {} }] : []),
  ];
  const recent = await storeTurn(
    db(),
    session.id,
    instance.instanceId,
    config.system_prompt ?? null,
    incoming,
    config.history_limit ?? 20,
  );
  if (message) learnFromMessage(session.id, message, config);

  const system: ChatMessage[] = config.system_prompt ? [{ role: "system", content: config.system_prompt }] : [];
  const fixed = [...(config.system_prompt ? [{ role: "system", content: config.system_prompt }] : []), ...incoming];
  const history = await fitHistory(fixed, recent, contextBudget(instance, config));
  const request = parseChatCompletionRequest({
    model: config.model,
    messages: [...system, ...toChatMessages([...history, ...incoming])],
    stream: body.stream === true,
    ...(config.temperature !== undefined ? { temperature: config.temperature } : {}),
    ...(config.max_tokens !== undefined ? { max_tokens: config.max_tokens } : {}),
    // Tools are offered by name; the embedding page runs them and sends back `tool_results`.
    ...(config.tools?.length
      ? {
        tools: config.tools.map((name) => ({ type: "function", function: { name, parameters: { type: "object" } } })),
      }
      : {}),
  });
  if (!request.ok) {
    throw new ApiError(
      500,
      `Agent instance '${instanceSlug}' produced an invalid model request: ${request.error.message}`,
      "server_error",
      "invalid_instance_config",
      request.error.param,
    );
  }

  const caller: Caller = {
    accountId: instance.accountId,
    accountSlug: instance.accountSlug,
    userId: user?.sub ?? null,
    apiKeyId: null,
    settings: instance.settings,
  };
  const ctx: CallContext = {
    requestId,
    caller,
    receivedAt,
    startedAt,
    ip,
    conversationId: null,
    properties: {},
    clientSignal: req.signal,
    agent: {
      sessionId: session.id,
      instanceId: instance.instanceId,
      instanceSlug: instance.instanceSlug,
      agentType: instance.agentType,
    },
  };
  const forwarded = await forwardChatCompletion(ctx, request.value);
  const stored = forwarded.outcome.then((o) =>
    storeAnswer(db(), session.id, instance.instanceId, answerMessages(o, config.model))
  )
    .catch((err) => console.error(`chat ${requestId}: answer not stored: ${err instanceof Error ? err.message : err}`));
  runInBackground(stored);
  // The client has the answer once the stream ends or the JSON arrives: history must have it by then.
  const streamed = request.value.stream && forwarded.response.ok && forwarded.response.body;
  const response = streamed
    ? new Response(holdEnd(streamed, () => stored), forwarded.response)
    : (await stored, forwarded.response);
  response.headers.append("set-cookie", sessionCookie(instance.accountSlug, session.key));
  return response;
}

function sessionMetadata(req: Request): Record<string, string> {
  const meta: Record<string, string> = {};
  const origin = req.headers.get("origin");
  const agent = req.headers.get("user-agent");
  if (origin) meta.origin = origin.slice(0, 200);
  if (agent) meta.user_agent = agent.slice(0, 300);
  return meta;
}

/** Profile fields the message reveals, merged in the background while the model answers. */
function learnFromMessage(sessionId: string, message: string, config: InstanceConfig): void {
  const fields = extractProfile(message, { products: config.products, services: config.services });
  if (isEmptyProfile(fields)) return;
  runInBackground(
    mergeProfile(db(), sessionId, fields).catch((err) =>
      console.error(`chat: profile of session ${sessionId} not updated: ${err instanceof Error ? err.message : err}`)
    ),
  );
}

/**
 * Tokens the stored history may use: the model's input window (from the price catalog, else
 * CHAT_DEFAULT_CONTEXT_TOKENS) less the room kept for the answer.
 */
function contextBudget(instance: ChatInstance, config: InstanceConfig): number {
  const window = instance.contextWindow ?? Number(env("CHAT_DEFAULT_CONTEXT_TOKENS") ?? 8192);
  return Math.max(0, window - (config.max_tokens ?? 1024));
}

/** What to store of a finished call: the text (whole, or marked partial) and each completed tool call. */
function answerMessages(o: CallOutcome, model: string): NewMessage[] {
  if (o.status === "error") return [];
  const out: NewMessage[] = [];
  const calls = o.status === "complete" ? o.toolCalls : [];
  if (o.text || !calls.length) {
    const metadata: Record<string, string | boolean | null> = {
      llm_request_id: o.requestId,
      model,
      finish_reason: o.finishReason,
    };
    if (o.status === "partial") Object.assign(metadata, { partial: true, error_code: o.error?.code ?? null });
    if (o.text || o.status === "complete") out.push({ role: "assistant", content: o.text, metadata });
  }
  for (const call of calls) out.push(toolCallMessage(call, o.requestId));
  return out;
}

// ---------------------------------------------------------------------------------------------
// GET /chat/{account}/{instance}/history
// ---------------------------------------------------------------------------------------------

async function history(
  req: Request,
  url: URL,
  accountSlug: string,
  instanceSlug: string,
  cors: Cors,
): Promise<Response> {
  const instance = await openInstance(accountSlug, instanceSlug);
  checkOrigin(instance.config.ok ? instance.config.value : null, cors);
  const user = await optionalUser(req);
  const before = url.searchParams.get("before");
  if (before && !UUID.test(before)) throw badRequest("'before' must be a message id", "before");
  const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 50) || 50, 1), 200);
  const sessionId = url.searchParams.get("session_id");
  const empty = { messages: [], has_more: false };

  if (sessionId) {
    // Another device's session: signed-in users only, and only what RLS lets them read.
    if (!user) throw unauthorized("Sign in to read a session by id", "missing_api_key");
    if (!UUID.test(sessionId)) throw badRequest("'session_id' must be a session id", "session_id");
    return jsonResponse(
      await asUser(user, async (tx) => {
        const [visible] =
          await tx`select 1 from public.sessions where id = ${sessionId} and account_id = ${instance.accountId} and user_id = ${user.sub}`;
        return visible ? readHistory(tx, sessionId, before, limit) : empty;
      }),
    );
  }
  const id = await findSession(db(), instance.accountId, sessionKeyFrom(req, instance.accountSlug), user?.sub ?? null);
  return jsonResponse(id ? await readHistory(db(), id, before, limit) : empty);
}

// ---------------------------------------------------------------------------------------------
// GET /chat/sessions
// ---------------------------------------------------------------------------------------------

/** The signed-in user's sessions across devices, read through RLS as that user (newest first). */
async function listSessions(req: Request): Promise<Response> {
  const user = await optionalUser(req);
  if (!user) throw unauthorized("Sign in to list your chat sessions", "missing_api_key");
  const sessions = await asUser(user, (tx) =>
    tx`
    select s.id, s.account_slug, i.instance_slug, i.display_name, s.created_at, s.last_activity_at,
           (select count(*)::int from public.messages m where m.session_id = s.id and m.role in ('human', 'assistant')) as message_count,
           (select m.content from public.messages m where m.session_id = s.id and m.role = 'human'
             order by m.created_at desc limit 1) as last_message
      from public.sessions s
      left join public.agent_instances i on i.id = s.agent_instance_id
     where s.user_id = ${user.sub}
     order by s.last_activity_at desc
     limit 100`);
  return jsonResponse({ sessions });
}
