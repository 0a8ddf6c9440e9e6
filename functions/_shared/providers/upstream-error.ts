/** Maps an upstream HTTP failure to the status and OpenAI error our client should see. */
import { ApiError, badGateway, rateLimited } from "../http/errors.ts";
import { redactText } from "../privacy/redaction.ts";

export interface UpstreamErrorInfo {
  message: string | null;
  type: string | null;
  code: string | null;
  param: string | null;
}

/**
 * - 400/404/413/422 are the caller's request: passed on (422 as 400) with the provider's message.
 * - 401/403 mean the gateway's provider key was refused: that is our failure, so 502, never a
 *   401 that would make the client think its own key is wrong.
 * - 429 is passed on with its retry-after.
 * - Anything else (5xx, Anthropic's 529 overloaded) is a 502.
 * The provider's text is echoed only redacted: providers quote the key they were sent and the
 * request's content (cards, emails) in their errors.
 */
export function mapUpstreamError(status: number, raw: UpstreamErrorInfo, headers: Headers, provider: string): ApiError {
  const info = redactInfo(raw);
  const msg = info.message ?? `HTTP ${status}`;
  if (status === 429) {
    return rateLimited(
      `Upstream rate limit (${provider}): ${msg}`,
      headers.get("retry-after"),
      info.code ?? "rate_limit_exceeded",
    );
  }
  if (status === 401 || status === 403) {
    return badGateway(`The upstream provider (${provider}) rejected the gateway's credentials`, "upstream_auth_failed");
  }
  if (status === 400 || status === 404 || status === 413 || status === 422) {
    return new ApiError(
      status === 422 ? 400 : status,
      `Upstream provider (${provider}): ${msg}`,
      info.type ?? "invalid_request_error",
      info.code ?? (status === 404 ? "model_not_found" : "upstream_invalid_request"),
      info.param,
    );
  }
  return badGateway(`Upstream provider (${provider}) failed with HTTP ${status}: ${msg}`, "upstream_error");
}

function redactInfo(info: UpstreamErrorInfo): UpstreamErrorInfo {
  const r = (s: string | null) => (s === null ? null : redactText(s));
  return { message: r(info.message), type: r(info.type), code: r(info.code), param: r(info.param) };
}

/** Reads `{error:{message,type,code,param}}` (OpenAI) or `{type:'error',error:{type,message}}` (Anthropic). */
export function parseUpstreamErrorBody(text: string): UpstreamErrorInfo {
  const info: UpstreamErrorInfo = { message: null, type: null, code: null, param: null };
  try {
    const json = JSON.parse(text) as { error?: unknown; message?: unknown };
    const e = json.error;
    if (e && typeof e === "object") {
      const o = e as Record<string, unknown>;
      if (typeof o.message === "string") info.message = o.message;
      if (typeof o.type === "string") info.type = o.type;
      if (o.code !== undefined && o.code !== null) info.code = String(o.code);
      if (typeof o.param === "string") info.param = o.param;
    } else if (typeof e === "string") info.message = e;
    else if (typeof json.message === "string") info.message = json.message;
  } catch {
    if (text.trim()) info.message = text.trim().slice(0, 500);
  }
  return info;
}
