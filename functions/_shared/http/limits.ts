/**
 * Limits on what a client may send, defined once. Each one keeps a stored row storable (a btree
 * index entry must fit in a third of a page, ~2,700 bytes) or a walk over the value bounded, and is
 * checked at the door with a 400 before anything is forwarded.
 */

/** An id a client names (an account, user, course, message ...): a UUID in any case. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Longest model name. Real ids are well under 100 characters; 256 keeps the model indexes small. */
export const MAX_MODEL_CHARS = 256;

/** Longest end-user id (body `user`); indexed per account. */
export const MAX_USER_CHARS = 512;

/** Longest conversation id (`x-session-id` / `x-conversation-id`); indexed per account. */
export const MAX_CONVERSATION_ID_CHARS = 256;

/** Longest account slug or id a caller may name (`x-account-slug` / `x-account-id`). */
export const MAX_ACCOUNT_HEADER_CHARS = 128;

/** Largest `x-metadata` header; properties are meant for a few analytics tags, not payloads. */
export const MAX_METADATA_BYTES = 4096;

/**
 * Deepest JSON nesting accepted in a body or `x-metadata`, and kept in a stored body. Real requests
 * (messages, content parts, tool JSON schemas) stay far below it; hostile input thousands of levels
 * deep would otherwise overflow the stack of every recursive walk (redaction, serialization,
 * Postgres' jsonb parser).
 */
export const MAX_JSON_DEPTH = 64;

/** Whether `value` nests deeper than `max` levels (a scalar is depth 0); iterative, so any depth is safe. */
export function jsonDepthExceeds(value: unknown, max = MAX_JSON_DEPTH): boolean {
  if (value === null || typeof value !== "object") return false;
  // Containers only, with their depth in a parallel stack (no pair allocated per node: every
  // request body is walked).
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

export const DEPTH_PLACEHOLDER = `[omitted: nested deeper than ${MAX_JSON_DEPTH} levels]`;

/**
 * A copy of `value` whose containers deeper than `max` levels are replaced by a placeholder
 * string, built iteratively. For what is stored of a reply the gateway cannot refuse (a
 * provider's), so the walks that follow (redaction, serialization) stay bounded.
 */
export function capDepth<T>(value: T, max = MAX_JSON_DEPTH): T {
  if (!jsonDepthExceeds(value, max)) return value;
  const root: { v: unknown } = { v: undefined };
  const work: Array<[unknown, Record<string | number, unknown>, string | number, number]> = [[value, root, "v", 0]];
  while (work.length > 0) {
    const [v, parent, key, depth] = work.pop()!;
    if (v === null || typeof v !== "object") {
      parent[key] = v;
    } else if (depth + 1 > max) {
      parent[key] = DEPTH_PLACEHOLDER;
    } else {
      const copy: Record<string | number, unknown> = Array.isArray(v) ? new Array(v.length) as never : {};
      parent[key] = copy;
      for (const [k, child] of Object.entries(v)) work.push([child, copy, Array.isArray(v) ? Number(k) : k, depth + 1]);
    }
  }
  return root.v as T;
}

/** The first `max` characters of `s`, marked when something was cut (for refused calls' log rows). */
export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
