/**
 * dashboard: the read API of the dashboard app (`/functions/v1/dashboard/<route>`, routes in
 * README.md, "The dashboard API"). Signed-in users only; every query runs inside `asUser`, so
 * row-level security answers exactly as for supabase-js by the same user, and the account is the one
 * named by x-account-id / x-account-slug (403 for a non-member). API keys are refused (401).
 * Charts read the rollups (functions/_shared/dashboard/analytics.ts), never the raw ledger.
 */
import { type Reader, signedInReader, signedInUser } from "../_shared/auth/reader.ts";
import { myAccounts } from "../_shared/dashboard/accounts.ts";
import { breakdown, errors, overview } from "../_shared/dashboard/analytics.ts";
import { feedback, MAX_RESOLUTION_CHARS, resolveChat, reviewQueue } from "../_shared/dashboard/feedback.ts";
import {
  daysOf,
  dimensionParam,
  pageParams,
  parseQuery,
  rangeParams,
  resolveRange,
} from "../_shared/dashboard/params.ts";
import { requestDetail } from "../_shared/dashboard/requests.ts";
import { listSessions, sessionDetail } from "../_shared/dashboard/sessions.ts";
import { isPreflight, preflightResponse } from "../_shared/http/cors.ts";
import { ApiError, asApiError, badRequest, jsonResponse, notFound } from "../_shared/http/errors.ts";
import { UUID } from "../_shared/http/limits.ts";
import { functionSubpath } from "../_shared/http/path.ts";
import { readJsonBody } from "../_shared/http/request.ts";
import { asUser } from "../_shared/runtime/db.ts";

const WHAT = "The dashboard";
const HINT = "Sign in to the dashboard as a user of the account.";
const NO_STORE = { "cache-control": "no-store" };
/** A resolve body is one short note. */
const MAX_BODY_BYTES = 16 * 1024;

export async function handler(req: Request): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  try {
    const { pathname, searchParams } = new URL(req.url);
    const path = functionSubpath(pathname, "dashboard") ?? "";
    return jsonResponse(await route(req, path, searchParams), 200, NO_STORE);
  } catch (err) {
    return asApiError(err, "dashboard").toResponse();
  }
}

async function route(req: Request, path: string, params: URLSearchParams): Promise<unknown> {
  const parts = path.split("/").filter((p) => p !== "");
  const [head, id, action] = parts;
  const method = req.method;
  if (parts.length === 1 && head === "accounts") {
    allow(method, "GET");
    parseQuery(params, {});
    const claims = await signedInUser(req, WHAT, HINT);
    return { data: await asUser(claims, (tx) => myAccounts(tx)) };
  }
  if (parts.length === 1 && head === "overview") {
    allow(method, "GET");
    const { range, previous } = resolveRange(parseQuery(params, rangeParams));
    return read(req, (tx, r) => overview(tx, r.accountId, range, previous));
  }
  if (parts.length === 1 && head === "breakdown") {
    allow(method, "GET");
    const q = parseQuery(params, { ...rangeParams, ...dimensionParam });
    const { range } = resolveRange(q);
    return read(req, (tx, r) => breakdown(tx, r.accountId, range, q.dimension, daysOf(range)));
  }
  if (parts.length === 1 && head === "errors") {
    allow(method, "GET");
    const { range } = resolveRange(parseQuery(params, rangeParams));
    return read(req, async (tx, r) => ({ data: await errors(tx, r.accountId, range) }));
  }
  if (parts.length === 1 && head === "feedback") {
    allow(method, "GET");
    const { range } = resolveRange(parseQuery(params, rangeParams));
    return read(req, async (tx, r) => ({ data: await feedback(tx, r.accountId, range) }));
  }
  if (parts.length === 1 && head === "review-queue") {
    allow(method, "GET");
    parseQuery(params, {});
    return read(req, (tx, r) => reviewQueue(tx, r.accountId));
  }
  if (parts.length === 3 && head === "review-queue" && action === "resolve") {
    allow(method, "POST");
    parseQuery(params, {});
    const chatId = uuidParam(id, "chat");
    const reader = await signedInReader(req, WHAT, HINT);
    const resolution = parseResolution(await readJsonBody(req, MAX_BODY_BYTES));
    return { data: await asUser(reader.claims, (tx) => resolveChat(tx, reader.accountId, chatId, resolution)) };
  }
  if (parts.length === 1 && head === "sessions") {
    allow(method, "GET");
    const q = parseQuery(params, pageParams);
    return read(req, (tx, r) => listSessions(tx, r.accountId, q.limit ?? 50, q.cursor ?? null));
  }
  if (parts.length === 2 && head === "sessions") {
    allow(method, "GET");
    parseQuery(params, {});
    const sessionId = uuidParam(id, "session");
    return read(req, async (tx, r) => ({ data: found(await sessionDetail(tx, r.accountId, sessionId), "session") }));
  }
  if (parts.length === 2 && head === "requests") {
    allow(method, "GET");
    parseQuery(params, {});
    const requestId = uuidParam(id, "request");
    return read(req, async (tx, r) => ({ data: found(await requestDetail(tx, r.accountId, requestId), "request") }));
  }
  throw notFound(`Unknown route: ${method} ${clip(path || "/")}`, "unknown_route");
}

type Tx = Parameters<Parameters<typeof asUser>[1]>[0];

/** Authenticates the reader and runs `fn` as them in one transaction. */
async function read<T>(req: Request, fn: (tx: Tx, reader: Reader) => Promise<T>): Promise<T> {
  const reader = await signedInReader(req, WHAT, HINT);
  return asUser(reader.claims, (tx) => fn(tx, reader));
}

function allow(method: string, allowed: "GET" | "POST"): void {
  if (method !== allowed) {
    throw new ApiError(405, `Use ${allowed} here`, "invalid_request_error", "method_not_allowed", null, {
      allow: allowed,
    });
  }
}

/** A path id: a UUID, or 404 (an id that cannot exist is as unknown as one that does not). */
function uuidParam(value: string | undefined, what: string): string {
  if (!value || !UUID.test(value)) throw notFound(`No such ${what}`, `${what}_not_found`);
  return value.toLowerCase();
}

function found<T>(value: T | null, what: string): T {
  if (value === null) throw notFound(`No such ${what} in this account`, `${what}_not_found`);
  return value;
}

function parseResolution(body: unknown): string {
  const resolution = (body as { resolution?: unknown } | null)?.resolution;
  if (typeof resolution !== "string" || resolution.trim() === "") {
    throw badRequest('Send {"resolution": "what was done"}', "resolution");
  }
  if (resolution.length > MAX_RESOLUTION_CHARS) {
    throw badRequest(`'resolution' is limited to ${MAX_RESOLUTION_CHARS} characters`, "resolution");
  }
  if (resolution.includes("\u0000")) throw badRequest("'resolution' must not contain NUL characters", "resolution");
  return resolution;
}

const clip = (s: string) => (s.length > 64 ? `${s.slice(0, 64)}…` : s);
