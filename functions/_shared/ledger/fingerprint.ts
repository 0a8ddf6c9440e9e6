/** Prompt fingerprints for deduplication and analytics. */
import { sha256Hex } from "../runtime/sha256.ts";
import { base64ByteLength, parseDataUrl } from "../openai/data-url.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

/** JSON with object keys sorted at every level, so equal values serialize identically. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(",")}}`;
}

const normText = (s: string): string => s.replace(/\r\n?/g, "\n").trim();

function normPart(p: LooseObject): unknown {
  switch (p?.type) {
    case "text":
      return { type: "text", text: normText(String(p.text ?? "")) };
    case "image_url": {
      const url = String(p.image_url?.url ?? "");
      const data = parseDataUrl(url);
      return data ? { type: "image", mime: data.mime, bytes: base64ByteLength(data.data) } : { type: "image", url };
    }
    case "input_audio":
      return {
        type: "audio",
        format: p.input_audio?.format,
        bytes: base64ByteLength(String(p.input_audio?.data ?? "")),
      };
    case "file": {
      const data = typeof p.file?.file_data === "string" ? parseDataUrl(p.file.file_data) : null;
      return {
        type: "file",
        name: p.file?.filename,
        file_id: p.file?.file_id,
        mime: data?.mime,
        bytes: data ? base64ByteLength(data.data) : undefined,
      };
    }
    default:
      return p;
  }
}

/** Text-only part lists become one string, so `"hi"` and `[{type:'text',text:'hi'}]` hash the same. */
function normContent(content: unknown): unknown {
  if (typeof content === "string") return normText(content);
  if (!Array.isArray(content)) return content ?? null;
  if (content.every((p) => p?.type === "text")) return normText(content.map((p) => String(p.text ?? "")).join("\n"));
  return content.map(normPart);
}

/**
 * SHA-256 hex of the normalized messages: role, content (whitespace trimmed, line endings
 * unified, images/audio/files replaced by their metadata), name, tool calls and tool call id;
 * serialized with sorted keys. Other per-message fields do not change the hash.
 */
export function promptHash(messages: readonly unknown[]): string {
  return sha256Hex(`[${messages.map(normalizedMessageJson).join(",")}]`);
}

/**
 * `stableStringify` of the normalized message { role, content, name, tool_call_id, tool_calls },
 * written directly in sorted key order (a third of the time of building and sorting the object).
 */
function normalizedMessageJson(m: unknown): string {
  const msg = (m ?? {}) as LooseObject;
  let json = `{"content":${stableStringify(normContent(msg.content))}`;
  if (msg.name !== undefined) json += `,"name":${stableStringify(msg.name)}`;
  if (msg.role !== undefined) json += `,"role":${stableStringify(msg.role)}`;
  if (msg.tool_call_id !== undefined) json += `,"tool_call_id":${stableStringify(msg.tool_call_id)}`;
  if (Array.isArray(msg.tool_calls)) {
    const calls = msg.tool_calls.map((c: LooseObject) => ({
      id: c.id,
      name: c.function?.name,
      arguments: c.function?.arguments,
    }));
    json += `,"tool_calls":${stableStringify(calls)}`;
  }
  return `${json}}`;
}
