/**
 * The dashboard's query strings, validated before anything reaches the database: known parameters
 * only (a typo is a 400, not a silently wider answer), each at most once, bounded, free of NUL.
 * Errors name the parameter in the API's shape; a client-chosen name echoed back is clipped.
 */
import { z } from "zod";
import { badRequest } from "../http/errors.ts";

export const DIMENSIONS = [
  "model",
  "provider",
  "user",
  "end_user",
  "feature",
  "agent_instance",
  "api_key",
  "country",
] as const;
export type Dimension = typeof DIMENSIONS[number];

/** The longest range a chart asks for: a year of days keeps every answer a few hundred rows per series. */
export const MAX_RANGE_DAYS = 366;
export const DEFAULT_RANGE_DAYS = 30;
const DAY_MS = 86_400_000;

const INSTANT = "must be an ISO 8601 date-time with an offset (2026-11-01T00:00:00Z) or a date (2026-11-01)";
const instant = z.string().max(40, INSTANT).pipe(z.union([
  z.iso.datetime({ offset: true, error: INSTANT }),
  z.iso.date({ error: INSTANT }).transform((d) => `${d}T00:00:00Z`),
]));

const integer = (min: number, max: number) =>
  z.string()
    .regex(/^[0-9]{1,6}$/, "must be a whole number")
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

/** An opaque keyset cursor this API handed out: "<epoch microseconds>.<uuid>". */
const CURSOR = /^[0-9]{1,18}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const rangeParams = { from: instant.optional(), to: instant.optional() };
export const pageParams = {
  limit: integer(1, 200).optional(),
  cursor: z.string().max(80).regex(CURSOR, "must be a next_cursor returned by this endpoint").optional(),
};
export const dimensionParam = {
  dimension: z.enum(DIMENSIONS, { error: `must be one of ${DIMENSIONS.join(", ")}` }),
};

/** A query string against `shape`; 400 naming the first bad, unknown or repeated parameter. */
export function parseQuery<S extends z.ZodRawShape>(params: URLSearchParams, shape: S): z.infer<z.ZodObject<S>> {
  const raw: Record<string, string> = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(raw, name)) {
      throw badRequest(`Query parameter '${clipName(name)}' is given more than once`, clipName(name));
    }
    if (value.includes("\u0000")) throw badRequest(`Query parameter '${clipName(name)}' contains NUL`, clipName(name));
    raw[name] = value;
  }
  const parsed = z.strictObject(shape).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      const name = clipName(issue.keys[0]);
      throw badRequest(`Unknown query parameter '${name}'`, name, "unknown_parameter");
    }
    const name = String(issue.path[0] ?? "");
    throw badRequest(`Invalid query parameter '${name}': ${issue.message}`, name || null);
  }
  return parsed.data as z.infer<z.ZodObject<S>>;
}

export interface Range {
  from: Date;
  to: Date;
}

/**
 * `from`/`to` (default: the 30 days ending now), checked to be in order and at most a year apart,
 * and the previous period of the same length ending where this one starts (for comparisons).
 */
export function resolveRange(q: { from?: string; to?: string }, now = new Date()): { range: Range; previous: Range } {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
  if (from.getTime() >= to.getTime()) throw badRequest("Invalid query parameter 'from': must be before 'to'", "from");
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw badRequest(`Invalid query parameter 'from': the range is limited to ${MAX_RANGE_DAYS} days`, "from");
  }
  const span = to.getTime() - from.getTime();
  return { range: { from, to }, previous: { from: new Date(from.getTime() - span), to: from } };
}

/** The UTC days a range touches, as "YYYY-MM-DD", in order (the x axis of every daily series). */
export function daysOf(range: Range): string[] {
  const days: string[] = [];
  const last = range.to.getTime() - 1;
  for (let t = Date.UTC(range.from.getUTCFullYear(), range.from.getUTCMonth(), range.from.getUTCDate()); t <= last;) {
    days.push(new Date(t).toISOString().slice(0, 10));
    t += DAY_MS;
  }
  return days;
}

/** A client-chosen parameter name echoed in an error: bounded, so a 3 KB name does not come back whole. */
function clipName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 64)}…` : name;
}
