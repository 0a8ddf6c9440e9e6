/**
 * PII and secret redaction for logged bodies, plus stripping of file/image bytes.
 * The logging layer runs `stripBinary` first (bytes never reach the log; `extractFileMetadata`
 * records what was attached), then `redactValue`. The conversation store is not redacted.
 */
import { base64ByteLength, parseDataUrl } from "./data-url.ts";

export const REDACTED = {
  email: "[REDACTED_EMAIL]",
  phone: "[REDACTED_PHONE]",
  card: "[REDACTED_CARD]",
  secret: "[REDACTED_SECRET]",
  jwt: "[REDACTED_JWT]",
} as const;

/** Secrets first: they contain digit runs the phone and card rules must not see. */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED.jwt],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi, `Bearer ${REDACTED.secret}`],
  // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-...), OpenRouter (sk-or-v1-...).
  [/\bsk-[A-Za-z0-9_-]{20,}/g, REDACTED.secret],
  // This gateway's own API keys.
  [/\bsgw_[A-Za-z0-9]{20,}/g, REDACTED.secret],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED.secret],
  [/(aws_secret_access_key\s*[=:]\s*["']?)[A-Za-z0-9/+=]{40}/gi, `$1${REDACTED.secret}`],
  [/\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b/g, REDACTED.secret],
  [/\bgithub_pat_[A-Za-z0-9_]{22,}/g, REDACTED.secret],
  [/\bxox[abpors]-[A-Za-z0-9-]{10,}/g, REDACTED.secret],
  [/\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, REDACTED.secret],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, REDACTED.secret],
];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

/**
 * Phone numbers, conservatively:
 * - international: `+` and country code, then digit groups separated by space, dot or dash
 *   (or parentheses), 8-15 digits in all (E.164);
 * - North American: 3-3-4 digits with separators, optional +1/1 and (area code).
 * Separators are required, so ids and plain digit runs are left alone; dates (4-2-2),
 * versions (1.2.3), prices and UUIDs do not have these shapes. Neighbouring word characters,
 * dots+digits or dashes+digits disqualify a match (part of a longer token).
 */
const PHONE_INTL = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?![\w-]|\.\d)/g;
const PHONE_US = /(?<![\w.+-])(?:1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|\.\d)/g;

/** 13-19 digits, optionally grouped by single spaces or dashes. */
const CARD = /(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)/g;

function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

function redactCards(text: string): string {
  return text.replace(CARD, (m) => {
    const digits = m.replace(/[ -]/g, "");
    return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? REDACTED.card : m;
  });
}

function digitCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++;
  return n;
}

/** Redacts secrets, emails, card numbers (Luhn-valid only) and phone numbers in a string. */
export function redactText(text: string): string {
  if (text.length < 6) return text;
  let out = text;
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  if (out.includes("@")) out = out.replace(EMAIL, REDACTED.email);
  out = redactCards(out);
  out = out.replace(PHONE_INTL, (m) => {
    const n = digitCount(m);
    return n >= 8 && n <= 15 ? REDACTED.phone : m;
  });
  out = out.replace(PHONE_US, REDACTED.phone);
  return out;
}

/** Keys whose string values are secrets whatever they look like. */
const SECRET_KEY = /^(?:authorization|proxy-authorization|x-api-key|api[-_]?key|apikey|password|passwd|secret|client[-_]?secret|access[-_]?token|refresh[-_]?token)$/i;

/**
 * Deep redaction of a JSON value: every string in objects and arrays. `data:` URLs are left
 * as they are (strip them with `stripBinary` first); values under secret-named keys are replaced.
 */
export function redactValue<T>(value: T): T {
  return redactDeep(value, undefined) as T;
}

function redactDeep(value: unknown, key: string | undefined): unknown {
  if (typeof value === "string") {
    if (key !== undefined && SECRET_KEY.test(key)) return REDACTED.secret;
    return value.startsWith("data:") ? value : redactText(value);
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, undefined));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, k);
    return out;
  }
  return value;
}

export interface FileMetadata {
  type: "image" | "audio" | "file";
  mime: string | null;
  /** Decoded size of inline data; null for URLs and file ids. */
  bytes: number | null;
  name?: string;
  /** Remote URL (never a data: URL). */
  url?: string;
  file_id?: string;
  /** Index of the message carrying it. */
  message_index: number;
}

/** What files, images and audio the messages carry, without their bytes. */
export function extractFileMetadata(messages: readonly unknown[]): FileMetadata[] {
  const out: FileMetadata[] = [];
  messages.forEach((m, message_index) => {
    const content = (m as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) return;
    for (const p of content) {
      const part = p as Record<string, any> | null;
      if (!part) continue;
      if (part.type === "image_url" && typeof part.image_url?.url === "string") {
        const url: string = part.image_url.url;
        const data = parseDataUrl(url);
        out.push(
          data
            ? { type: "image", mime: data.mime, bytes: data.base64 ? base64ByteLength(data.data) : data.data.length, message_index }
            : { type: "image", mime: null, bytes: null, url, message_index },
        );
      } else if (part.type === "input_audio" && typeof part.input_audio?.data === "string") {
        const format = part.input_audio.format;
        out.push({ type: "audio", mime: format ? `audio/${format}` : null, bytes: base64ByteLength(part.input_audio.data), message_index });
      } else if (part.type === "file" && part.file) {
        const f = part.file;
        const data = typeof f.file_data === "string" ? parseDataUrl(f.file_data) : null;
        const meta: FileMetadata = { type: "file", mime: data?.mime ?? null, bytes: null, message_index };
        if (typeof f.file_data === "string") meta.bytes = data ? (data.base64 ? base64ByteLength(data.data) : data.data.length) : base64ByteLength(f.file_data);
        if (typeof f.filename === "string") meta.name = f.filename;
        if (typeof f.file_id === "string") meta.file_id = f.file_id;
        out.push(meta);
      }
    }
  });
  return out;
}

const LONG_BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}$/;

function placeholder(mime: string | null, bytes: number): string {
  return `[binary omitted: ${mime ?? "unknown type"}, ${bytes} bytes]`;
}

/**
 * A copy of a request/response body with inline binary replaced by a short placeholder:
 * base64 `data:` URLs anywhere, `input_audio.data`, `file.file_data`, and any other string of
 * 1024+ characters that is pure base64.
 */
export function stripBinary<T>(body: T): T {
  return stripDeep(body, undefined) as T;
}

function stripDeep(value: unknown, key: string | undefined): unknown {
  if (typeof value === "string") {
    const data = parseDataUrl(value);
    if (data?.base64) return placeholder(data.mime, base64ByteLength(data.data));
    if ((key === "data" || key === "file_data") && value.length > 64 && LONG_BASE64.test(value)) {
      return placeholder(null, base64ByteLength(value));
    }
    if (value.length >= 1024 && LONG_BASE64.test(value)) return placeholder(null, base64ByteLength(value));
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => stripDeep(v, undefined));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = stripDeep(v, k);
    return out;
  }
  return value;
}
