/**
 * interactions: `GET /functions/v1/interactions`, the seed's `getAIInteractions` over HTTP. The
 * query string carries the filters of `public.get_ai_interactions` (see query.ts); the answer is
 * `{object: "list", data, next_cursor}`, newest first, `next_cursor` null on the last page.
 *
 * Signed-in users only, and the RPC runs inside `asUser`: row-level security answers exactly as for
 * a supabase-js `.rpc()` by the same user (view_history reads the account's rows; any other member,
 * e.g. a student, only their own). Account API keys are refused (401): a key acts for an account,
 * not a user, so there is no one for row-level security to scope to; a server reads the log with
 * the service role and `.rpc()` instead.
 */
import { type Reader, signedInReader } from "../_shared/auth/reader.ts";
import { isPreflight, preflightResponse } from "../_shared/http/cors.ts";
import { ApiError, asApiError, badRequest, jsonResponse, notFound } from "../_shared/http/errors.ts";
import { functionSubpath } from "../_shared/http/path.ts";
import { asUser } from "../_shared/runtime/db.ts";
import { type InteractionsQuery, parseInteractionsQuery } from "./query.ts";

export async function handler(req: Request): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  try {
    const { pathname, searchParams } = new URL(req.url);
    const path = functionSubpath(pathname, "interactions");
    if (path !== "" && path !== "/") throw notFound(`Unknown route: ${req.method} ${pathname}`, "unknown_route");
    if (req.method !== "GET") {
      const message = "Read interactions with GET";
      throw new ApiError(405, message, "invalid_request_error", "method_not_allowed", null, { allow: "GET" });
    }
    const reader = await signedInReader(
      req,
      "Reading interactions",
      "On a server, call get_ai_interactions with the service role instead.",
    );
    const query = parseInteractionsQuery(searchParams);
    return jsonResponse(await listInteractions(reader, query), 200, { "cache-control": "no-store" });
  } catch (err) {
    return asApiError(err, "interactions").toResponse();
  }
}

interface Page {
  object: "list";
  data: Record<string, unknown>[];
  next_cursor: string | null;
}

/**
 * One page through the RPC as the user. Rows are rendered by Postgres (`to_jsonb`), so timestamps
 * keep their microseconds and every field reads as PostgREST would render it.
 */
async function listInteractions(reader: Reader, q: InteractionsQuery): Promise<Page> {
  const rows = await asUser(reader.claims, (tx) =>
    tx<{ item: Record<string, unknown>; next_cursor: string }[]>`
    select to_jsonb(r) - 'next_cursor' as item, r.next_cursor
      from public.get_ai_interactions(
             account_id => ${reader.accountId}::uuid, user_id => ${q.userId}::uuid, status => ${q.status}::text,
             model => ${q.model}::text, provider => ${q.provider}::text, "from" => ${q.from}::timestamptz,
             "to" => ${q.to}::timestamptz, feature => ${q.feature}::text, conversation_id => ${q.conversationId}::text,
             min_latency_ms => ${q.minLatencyMs}::integer, "limit" => ${q.limit}::integer, cursor => ${q.cursor}::text
           ) r`).catch((err) => {
      // The RPC's own checks (invalid_parameter_value) are the caller's mistake, whatever slipped past query.ts.
      if ((err as { code?: string }).code === "22023") throw badRequest((err as Error).message);
      throw err;
    });
  const last = rows.at(-1);
  return {
    object: "list",
    data: rows.map((r) => r.item),
    next_cursor: rows.length === q.limit && last ? last.next_cursor : null,
  };
}
