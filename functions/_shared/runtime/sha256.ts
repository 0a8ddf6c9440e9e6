/**
 * Lowercase hex SHA-256 of UTF-8 text, for stored secrets (API keys, session keys, invitation
 * tokens) and prompt fingerprints. node:crypto (available in Deno and the Edge Runtime) hashes
 * synchronously in native code; Web Crypto's async digest cost ~15% of the proxy's CPU per call.
 */
import { createHash } from "node:crypto";

export function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
