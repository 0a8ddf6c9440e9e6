/** Reading what a client sent beyond the body's schema: size limits, JSON, attribution headers. */
import { clientAddress, clientCountry } from "./client-address.ts";
import { badRequest, payloadTooLarge } from "./errors.ts";
import { env } from "../runtime/env.ts";
import type { Json } from "../runtime/schema.ts";
import { jsonDepthExceeds, MAX_CONVERSATION_ID_CHARS, MAX_JSON_DEPTH, MAX_METADATA_BYTES } from "./limits.ts";

const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/** The body limit: MAX_REQUEST_BYTES (default 10 MiB), lowered by an account's own setting. */
export function requestLimitBytes(accountLimit: number | null): number {
  const global = Number(env("MAX_REQUEST_BYTES") ?? DEFAULT_MAX_REQUEST_BYTES);
  return accountLimit && accountLimit > 0 ? Math.min(global, accountLimit) : global;
}

/** Reads and parses a JSON body, refusing (413) once it exceeds `limit` bytes without reading the rest. */
export async function readJsonBody(req: Request, limit: number): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? "NaN");
  if (declared > limit) throw payloadTooLarge(limit);
  // A declared length is enforced by HTTP itself: read the body natively, the fast path. (Reading
  // `req.body` first would build a JS stream for it and take text() off that path; an empty
  // body is refused by parseJson.)
  if (Number.isFinite(declared)) return parseJson(await req.text());
  if (!req.body) throw emptyBody();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    bytes.set(c, offset);
    offset += c.byteLength;
  }
  return parseJson(new TextDecoder().decode(bytes));
}

const emptyBody = () => badRequest("The request has no body; send a JSON object", null, "empty_body");

function parseJson(text: string): unknown {
  if (text.trim() === "") throw emptyBody();
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON", null, "invalid_json");
  }
}

export interface CallMetadata {
  ip: string | null;
  /** From the platform's geo header (GEO_COUNTRY_HEADER); null leaves it to the IP lookup in the database. */
  country: string | null;
  conversationId: string | null;
  properties: Record<string, Json>;
}

/** 400 when a header the gateway stores or looks up is longer than its limit (see limits.ts). */
export function checkLength(req: Request, header: string, max: number): void {
  const value = req.headers.get(header);
  if (value !== null && value.length > max) {
    throw badRequest(`The ${header} header is longer than ${max} characters`, header, "header_too_long");
  }
}

/**
 * Attribution from headers: the client IP (the trusted address, see client-address.ts), a conversation id (`x-session-id`,
 * or `x-conversation-id`), and custom properties for analytics (`x-metadata`: a JSON object).
 * Over-long values are refused (400), never cut silently.
 */
export function callMetadata(req: Request, remoteIp: string | null): CallMetadata {
  for (const header of ["x-session-id", "x-conversation-id"]) checkLength(req, header, MAX_CONVERSATION_ID_CHARS);
  const conversationId = req.headers.get("x-session-id") ?? req.headers.get("x-conversation-id");
  let properties: Record<string, Json> = {};
  const raw = req.headers.get("x-metadata");
  if (raw) {
    if (new TextEncoder().encode(raw).byteLength > MAX_METADATA_BYTES) {
      const message = `The x-metadata header is larger than ${MAX_METADATA_BYTES} bytes`;
      throw badRequest(message, "x-metadata", "invalid_metadata");
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw badRequest("The x-metadata header must be a JSON object", "x-metadata", "invalid_metadata");
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw badRequest("The x-metadata header must be a JSON object", "x-metadata", "invalid_metadata");
    }
    if (jsonDepthExceeds(parsed)) {
      const message = `The x-metadata header nests deeper than ${MAX_JSON_DEPTH} levels`;
      throw badRequest(message, "x-metadata", "invalid_metadata");
    }
    properties = parsed as Record<string, Json>;
  }
  return { ip: clientAddress(req, remoteIp), country: clientCountry(req), conversationId, properties };
}

/** 400 for a body nested deeper than MAX_JSON_DEPTH, before it is forwarded or walked. */
export function checkJsonDepth(json: unknown): void {
  if (jsonDepthExceeds(json)) {
    throw badRequest(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`, null, "json_too_deep");
  }
}
