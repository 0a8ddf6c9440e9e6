/**
 * The query string of `GET /interactions`, validated before anything reaches the database: each
 * filter of `public.get_ai_interactions` once, with the same bounds the RPC enforces (so its
 * 22023 errors are a second line, not the first), and no parameter the endpoint does not know
 * (a typo such as `model_name=` would otherwise silently widen the answer).
 */
import { z } from "zod";
import { badRequest } from "../_shared/http/errors.ts";
import { MAX_CONVERSATION_ID_CHARS, MAX_MODEL_CHARS } from "../_shared/http/limits.ts";
import { UUID } from "../_shared/http/limits.ts";

export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;
const MAX_INT4 = 2_147_483_647;

/** The RPC's cursor: "<epoch microseconds>.<row id>", as it hands them out (lower-case). */
const CURSOR = /^[0-9]{1,18}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A text filter compared for equality: non-empty, bounded, and free of NUL (which Postgres text cannot hold). */
const text = (max: number) =>
  z.string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes("\u0000"), "must not contain NUL characters");

const integer = (min: number, max: number) =>
  z.string()
    .regex(/^[0-9]{1,10}$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** RFC 3339 with an offset, or a date (midnight UTC), so the bound never depends on a session time zone. */
const INSTANT = "must be an ISO 8601 date-time with an offset (2026-11-01T00:00:00Z) or a date (2026-11-01)";
const instant = z.union([
  z.iso.datetime({ offset: true, error: INSTANT }),
  z.iso.date({ error: INSTANT }).transform((d) => `${d}T00:00:00Z`),
]);

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
  cursor: z.string().regex(CURSOR, "must be a next_cursor returned by this endpoint").optional(),
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
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(raw, name)) {
      throw badRequest(`Query parameter '${clipName(name)}' is given more than once`, clipName(name));
    }
    raw[name] = value;
  }
  const parsed = querySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      const name = clipName(issue.keys[0]);
      throw badRequest(`Unknown query parameter '${name}'`, name, "unknown_parameter");
    }
    const name = String(issue.path[0] ?? "");
    throw badRequest(`Invalid query parameter '${name}': ${issue.message}`, name || null);
  }
  const q = parsed.data;
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

/** A client-chosen parameter name echoed in an error: bounded, so a 3 KB name does not come back whole. */
function clipName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}
