/**
 * Query strings of the read endpoints (interactions, dashboard), validated before anything reaches
 * the database: known parameters only (a typo such as `model_name=` would otherwise silently widen
 * the answer), each at most once, free of NUL (which Postgres text cannot hold). Errors name the
 * parameter in the API's shape; a client-chosen name echoed back is clipped.
 */
import { z } from "zod";
import { badRequest } from "./errors.ts";

/** RFC 3339 with an offset, or a date (midnight UTC), so a bound never depends on a session time zone. */
const INSTANT = "must be an ISO 8601 date-time with an offset (2026-11-01T00:00:00Z) or a date (2026-11-01)";
export const instant = z.string().max(40, INSTANT).pipe(z.union([
  z.iso.datetime({ offset: true, error: INSTANT }),
  z.iso.date({ error: INSTANT }).transform((d) => `${d}T00:00:00Z`),
]));

export const integer = (min: number, max: number) =>
  z.string()
    .regex(/^[0-9]{1,10}$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** A keyset cursor as the endpoints hand them out: "<epoch microseconds>.<row id>" (lower-case). */
export const cursor = z.string()
  .max(80)
  .regex(
    /^[0-9]{1,18}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    "must be a next_cursor returned by this endpoint",
  );

/** A query string against `schema` (a strict object); 400 naming the first bad, unknown or repeated parameter. */
export function parseQueryString<T>(params: URLSearchParams, schema: z.ZodType<T>): T {
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(raw, name)) {
      throw badRequest(`Query parameter '${clipName(name)}' is given more than once`, clipName(name));
    }
    if (value.includes("\u0000")) throw badRequest(`Query parameter '${clipName(name)}' contains NUL`, clipName(name));
    raw[name] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      const name = clipName(issue.keys[0]);
      throw badRequest(`Unknown query parameter '${name}'`, name, "unknown_parameter");
    }
    const name = String(issue.path[0] ?? "");
    throw badRequest(`Invalid query parameter '${name}': ${issue.message}`, name || null);
  }
  return parsed.data;
}

/** A client-chosen parameter name echoed in an error: bounded, so a 3 KB name does not come back whole. */
function clipName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}
