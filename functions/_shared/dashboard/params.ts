/**
 * The dashboard's query parameters (ranges, pages, breakdown dimensions), parsed by the shared
 * strict query-string rules (http/query-string.ts), and the ranges and days its charts cover.
 */
import { z } from "zod";
import { badRequest } from "../http/errors.ts";
import { cursor, instant, integer, parseQueryString } from "../http/query-string.ts";

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

export const rangeParams = { from: instant.optional(), to: instant.optional() };
export const pageParams = {
  limit: integer(1, 200).optional(),
  cursor: cursor.optional(),
};
export const dimensionParam = {
  dimension: z.enum(DIMENSIONS, { error: `must be one of ${DIMENSIONS.join(", ")}` }),
};

/** A query string against `shape`; 400 naming the first bad, unknown or repeated parameter. */
export function parseQuery<S extends z.ZodRawShape>(params: URLSearchParams, shape: S): z.infer<z.ZodObject<S>> {
  return parseQueryString(params, z.strictObject(shape)) as z.infer<z.ZodObject<S>>;
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
