/**
 * The query string of `GET /interactions`, validated before anything reaches the database: each
 * filter of `public.get_ai_interactions` once, with the same bounds the RPC enforces (so its
 * 22023 errors are a second line, not the first), and no parameter the endpoint does not know
 * (a typo such as `model_name=` would otherwise silently widen the answer).
 */
import { z } from "zod";
import { cursor, instant, integer, parseQueryString } from "../_shared/http/query-string.ts";
import { MAX_CONVERSATION_ID_CHARS, MAX_MODEL_CHARS, UUID } from "../_shared/http/limits.ts";

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;
const MAX_INT4 = 2_147_483_647;

/** A text filter compared for equality: non-empty and bounded (NUL is refused for every parameter). */
const text = (max: number) =>
  z.string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`);

const querySchema = z.strictObject({
  user_id: z.string().regex(UUID, "must be a user id (uuid)").optional(),
  status: z.enum(["success", "error", "partial"], { error: "must be success, error or partial" }).optional(),
  model: text(MAX_MODEL_CHARS).optional(),
  provider: text(MAX_MODEL_CHARS).optional(),
  from: instant.optional(),
  to: instant.optional(),
  feature: text(MAX_MODEL_CHARS).optional(),
  conversation_id: text(MAX_CONVERSATION_ID_CHARS).optional(),
  min_latency_ms: integer(0, MAX_INT4).optional(),
  limit: integer(1, MAX_LIMIT).optional(),
  cursor: cursor.optional(),
}).refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
  message: "must not be after 'to'",
  path: ["from"],
});

export interface InteractionsQuery {
  userId: string | null;
  status: string | null;
  model: string | null;
  provider: string | null;
  from: string | null;
  to: string | null;
  feature: string | null;
  conversationId: string | null;
  minLatencyMs: number | null;
  limit: number;
  cursor: string | null;
}

/** The filters of a query string; 400 in OpenAI's shape naming the first bad parameter. */
export function parseInteractionsQuery(params: URLSearchParams): InteractionsQuery {
  const q = parseQueryString(params, querySchema);
  return {
    userId: q.user_id?.toLowerCase() ?? null,
    status: q.status ?? null,
    model: q.model ?? null,
    provider: q.provider ?? null,
    from: q.from ?? null,
    to: q.to ?? null,
    feature: q.feature ?? null,
    conversationId: q.conversation_id ?? null,
    minLatencyMs: q.min_latency_ms ?? null,
    limit: q.limit ?? DEFAULT_LIMIT,
    cursor: q.cursor ?? null,
  };
}
