/**
 * ingest: `POST /functions/v1/ingest` records AI calls an app made outside the gateway (the seed's
 * `logAIInteraction`), one interaction or an array of up to 1,000, in the same ledger as proxied
 * calls. Callers authenticate as for llm-proxy (account API key, or a user JWT with `use_agents`).
 * The answer waits until the rows are stored: 201 with their ids (200 when every interaction was a
 * re-send of one already stored), so a client that got an answer knows its log is durable.
 */
import { authenticate } from "../_shared/auth/caller.ts";
import { isPreflight, preflightResponse } from "../_shared/http/cors.ts";
import { ApiError, jsonResponse, notFound } from "../_shared/http/errors.ts";
import { functionSubpath } from "../_shared/http/path.ts";
import { checkJsonDepth, readJsonBody, requestLimitBytes } from "../_shared/http/request.ts";
import { admitCall } from "../_shared/gateway/forward.ts";
import { db } from "../_shared/runtime/db.ts";
import { ingestInteractions } from "./record.ts";
import { parseIngestBody } from "./schema.ts";

export async function handler(req: Request): Promise<Response> {
  if (isPreflight(req)) return preflightResponse(req);
  try {
    const { pathname } = new URL(req.url);
    const path = functionSubpath(pathname, "ingest");
    if (path !== "" && path !== "/") throw notFound(`Unknown route: ${req.method} ${pathname}`, "unknown_route");
    if (req.method !== "POST") {
      const message = "Send interactions with POST";
      throw new ApiError(405, message, "invalid_request_error", "method_not_allowed", null, { allow: "POST" });
    }
    admitCall();
    const caller = await authenticate(req, db());
    const json = await readJsonBody(req, requestLimitBytes(caller.settings.max_request_bytes));
    checkJsonDepth(json);
    const { items, single } = parseIngestBody(json);
    const ingested = await ingestInteractions(db(), caller, items, single);
    const status = ingested.some((i) => !i.duplicate) ? 201 : 200;
    const body = single ? ingested[0] : { object: "list", data: ingested.map((i, index) => ({ index, ...i })) };
    return jsonResponse(body, status);
  } catch (err) {
    return asApiError(err).toResponse();
  }
}

/** An ApiError as is; anything else is a bug: printed, and answered as a 500 that says nothing more. */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  console.error(`ingest: ${err instanceof Error ? err.message : "unexpected error"}`);
  return new ApiError(500, "The gateway failed to process the request", "server_error", "internal_error");
}
