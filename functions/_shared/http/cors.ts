/**
 * CORS for browser apps calling the gateway directly (supabase-js, the openai SDK with
 * `dangerouslyAllowBrowser`). Requests carry credentials in the Authorization header, not
 * cookies, so a wildcard origin is safe.
 */

/** Headers a browser may send; `authorization` must be listed by name (a `*` does not cover it). */
const DEFAULT_ALLOWED_HEADERS = [
  "authorization",
  "apikey",
  "content-type",
  "x-client-info",
  "x-account-id",
  "x-account-slug",
  "x-session-id",
  "x-request-id",
  "x-metadata",
  "x-api-key",
  "anthropic-version",
  "anthropic-beta",
  "anthropic-dangerous-direct-browser-access",
  "openai-organization",
  "openai-project",
  "x-stainless-arch",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-package-version",
  "x-stainless-retry-count",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-timeout",
].join(", ");

/** CORS headers added to every response, so browsers can read bodies and these response headers. */
export const corsHeaders: Readonly<Record<string, string>> = Object.freeze({
  "access-control-allow-origin": "*",
  "access-control-expose-headers": "x-request-id, retry-after",
});

/**
 * Answers a preflight. The requested headers are echoed back so new SDK headers never break
 * browsers; the default list applies when the browser sent none.
 */
export function preflightResponse(req: Request): Response {
  const requested = req.headers.get("access-control-request-headers");
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders,
      "access-control-allow-methods": "GET, POST, OPTIONS",
      "access-control-allow-headers": requested || DEFAULT_ALLOWED_HEADERS,
      "access-control-max-age": "86400",
      vary: "access-control-request-headers",
    },
  });
}

/** True for a CORS preflight request. */
export function isPreflight(req: Request): boolean {
  return req.method === "OPTIONS";
}
