/**
 * Errors in OpenAI's wire shape `{error:{message,type,code,param}}`, so the official SDKs raise
 * their own error classes (BadRequestError, RateLimitError, ...) for our failures too.
 */
import type { ZodError } from "zod";
import { corsHeaders } from "./cors.ts";

export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string | null; param: string | null };
}

/** An error that knows its HTTP status and renders as an OpenAI error body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toJSON(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, param: this.param } };
  }

  toResponse(extraHeaders?: Record<string, string>): Response {
    return jsonResponse(this.toJSON(), this.status, { ...this.headers, ...extraHeaders });
  }
}

/**
 * What a pure check or lookup returns: its value, or the ApiError the handler answers with. Only
 * the handler edge throws (`if (!r.ok) throw r.error`).
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/**
 * The handlers' catch-all: an ApiError as is; anything else is a bug, printed after `where` (the function and
 * request id) and answered as a 500 that says nothing more than `message`.
 */
export function asApiError(
  err: unknown,
  where: string,
  message = "The gateway failed to process the request",
): ApiError {
  if (err instanceof ApiError) return err;
  console.error(`${where}: ${err instanceof Error ? err.message : "unexpected error"}`);
  return new ApiError(500, message, "server_error", "internal_error");
}

/** JSON response with CORS headers; `headers` may add e.g. x-request-id or retry-after. */
export function jsonResponse(body: unknown, status = 200, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, "content-type": "application/json", ...headers },
  });
}

/** Renders a zod path the way a developer writes it: `messages[0].content[1].image_url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  errors?: IssueLike[][];
}

/**
 * A union failure ("Invalid input") says nothing useful; report instead the branch that got
 * furthest into the value (longest path, then a branch whose type matched but a check failed),
 * e.g. `messages[0].content[0].image_url.url` or "stop: at most 4 stop sequences".
 */
function resolveUnion(issue: IssueLike): IssueLike {
  if (issue.code !== "invalid_union" || !issue.errors?.length) return issue;
  let best: IssueLike | undefined;
  let bestScore = 0;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (!first) continue;
    const score = first.path.length * 2 + (first.code === "invalid_type" ? 0 : 1);
    if (score > bestScore) [best, bestScore] = [first, score];
  }
  if (!best) return issue;
  return resolveUnion({ ...best, path: [...issue.path, ...best.path] });
}

/** 400 with a message naming each bad field and what is wrong with it (at most 5 issues). */
export function fromZodError(err: ZodError): ApiError {
  const issues = (err.issues as unknown as IssueLike[]).slice(0, 5).map(resolveUnion);
  const parts = issues.map((i) => {
    const where = formatPath(i.path);
    return where ? `'${where}': ${i.message}` : i.message;
  });
  const more = err.issues.length > issues.length ? ` (and ${err.issues.length - issues.length} more)` : "";
  const param = issues[0] ? formatPath(issues[0].path) || null : null;
  return badRequest(`Invalid request body: ${parts.join("; ")}${more}`, param);
}

/** 503 for a database that cannot be reached, retryable in a second; `err` is logged after `where`. */
export function databaseUnavailable(err: unknown, where: string, message: string): ApiError {
  console.error(`${where}: ${err instanceof Error ? err.message : err}`);
  return new ApiError(503, message, "service_unavailable", "database_unavailable", null, { "retry-after": "1" });
}

export const badRequest = (message: string, param: string | null = null, code = "invalid_request"): ApiError =>
  new ApiError(400, message, "invalid_request_error", code, param);

export const unauthorized = (message = "Missing or invalid credentials", code = "invalid_api_key"): ApiError =>
  new ApiError(401, message, "authentication_error", code);

export const forbidden = (message = "You do not have access to this resource", code = "permission_denied"): ApiError =>
  new ApiError(403, message, "permission_error", code);

export const notFound = (message = "Not found", code = "not_found", param: string | null = null): ApiError =>
  new ApiError(404, message, "invalid_request_error", code, param);

export const payloadTooLarge = (limitBytes: number): ApiError =>
  new ApiError(
    413,
    `Request body exceeds the limit of ${limitBytes} bytes`,
    "invalid_request_error",
    "request_too_large",
  );

/** 429; `retryAfter` (seconds or an HTTP date, as the upstream sent it) becomes the retry-after header. */
export const rateLimited = (
  message = "Rate limit exceeded",
  retryAfter?: string | null,
  code = "rate_limit_exceeded",
): ApiError =>
  new ApiError(429, message, "rate_limit_error", code, null, retryAfter ? { "retry-after": retryAfter } : {});

export const badGateway = (message = "The upstream provider failed", code = "upstream_error"): ApiError =>
  new ApiError(502, message, "api_error", code);

export const gatewayTimeout = (message = "The upstream provider timed out", code = "upstream_timeout"): ApiError =>
  new ApiError(504, message, "timeout_error", code);
