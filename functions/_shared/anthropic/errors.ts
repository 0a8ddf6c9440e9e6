/** Errors in Anthropic's wire shape `{type:"error", error:{type, message}}`, for Anthropic clients. */
import type { ApiError } from "../http/errors.ts";
import { corsHeaders } from "../http/cors.ts";

/** Anthropic's error type for an HTTP status (its SDK maps statuses, the type is for humans). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

export function anthropicErrorBody(error: ApiError): Record<string, unknown> {
  return { type: "error", error: { type: anthropicErrorType(error.status), message: error.message } };
}

export function anthropicErrorResponse(error: ApiError, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(anthropicErrorBody(error)), {
    status: error.status,
    headers: { ...corsHeaders, "content-type": "application/json", ...error.headers, ...headers },
  });
}

/** The SSE `error` event Anthropic ends a failed stream with. */
export function anthropicErrorEvent(type: string, message: string): string {
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}\n\n`;
}
