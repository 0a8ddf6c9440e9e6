/**
 * PII and secret redaction for everything the ledger stores, plus stripping of file/image bytes.
 * The logging layer runs `stripBinary` first (bytes never reach the log; `extractFileMetadata`
 * records what was attached), then `redactValue`. The conversation store is not redacted.
 *
 * Input is hostile, so every rule runs in linear time: regexes can only start at the beginning
 * of a token (a lookbehind or a literal prefix), their repeated classes cannot overlap what
 * follows them, and the shapes that cannot be written that way (emails, PEM blocks) are scanned
 * by hand around their anchors (`@`, `-----BEGIN `). `test/security/redaction-redos.test.ts`
 * times every rule on 1 MiB of input built to defeat it.
 */
import { base64ByteLength, parseDataUrl } from "../openai/data-url.ts";
import { envSnapshot } from "../runtime/env.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

export const REDACTED = {
  email: "[REDACTED_EMAIL]",
  phone: "[REDACTED_PHONE]",
  card: "[REDACTED_CARD]",
  secret: "[REDACTED_SECRET]",
  jwt: "[REDACTED_JWT]",
  ssn: "[REDACTED_SSN]",
  iban: "[REDACTED_IBAN]",
} as const;

/**
 * Longest string redacted as such: 256 KiB of UTF-16 code units. Past it, the head is redacted
 * and the rest replaced by `[TRUNCATED: N chars]`. The log is an audit record, not a replay:
 * keeping the tail unredacted would leak it, and redacting it would let one caller spend the
 * function's CPU (shared by every tenant) on megabytes per string. The head is cut back to its
 * last whitespace (within 4 KiB) so that a token split by the cut, half a key or card number,
 * is dropped rather than kept unrecognised.
 */
export const MAX_REDACTED_CHARS = 256 * 1024;
const CUT_BACKOFF = 4096;

/** Provider keys the gateway is configured with: removed by exact match wherever they appear. */
const PROVIDER_KEY_ENVS = ["OPENROUTER_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_COMPAT_API_KEY"];
/** Shorter "keys" (a placeholder for a local server) would shred ordinary text. */
const MIN_SECRET_LENGTH = 8;

let configured: readonly string[] | null = null;
export function providerSecrets(): readonly string[] {
  configured ??= PROVIDER_KEY_ENVS.map((name) => envSnapshot()[name]?.trim() ?? "")
    .filter((s) => s.length >= MIN_SECRET_LENGTH);
  return configured;
}

/** Replaces every exact occurrence of each secret (plain substring search: linear). */
export function removeSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length >= MIN_SECRET_LENGTH && out.includes(s)) out = out.split(s).join(REDACTED.secret);
  }
  return out;
}

/** What redactText counts once per string, for the rules' cheap preconditions. */
export interface TextFacts {
  /** ASCII digits in the text (redaction only removes digits, so this stays an upper bound). */
  digits: number;
}

export interface RedactionRule {
  name: string;
  redact(text: string): string;
  /**
   * False when no match is possible: something every match contains is absent (a literal prefix,
   * enough digits). Checked by redactText before the rule's regex scans the text.
   */
  applies?(text: string, facts: TextFacts): boolean;
}

type Replacement = string | ((m: string, ...groups: string[]) => string);

const rx = (
  name: string,
  re: RegExp,
  replacement: Replacement,
  applies?: RedactionRule["applies"],
): RedactionRule => ({
  name,
  redact: (text) => text.replace(re, replacement as (m: string, ...g: string[]) => string),
  applies,
});

const has = (...literals: string[]) => (text: string): boolean => literals.some((l) => text.includes(l));
const hasIgnoringCase = (re: RegExp) => (text: string): boolean => re.test(text);
const digitsAtLeast = (n: number) => (_: string, facts: TextFacts): boolean => facts.digits >= n;

// ---------- secrets ----------

const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END = /-----END (?:[A-Z0-9]{1,16} ){0,3}PRIVATE KEY(?: BLOCK)?-----/g;

/** PEM private key blocks, scanned from each BEGIN to its END (one pass; a lazy `.*?` would not be). */
function redactPem(text: string): string {
  if (!text.includes("PRIVATE KEY")) return text;
  let out = "";
  let copied = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    out += text.slice(copied, m.index) + REDACTED.secret;
    PEM_END.lastIndex = m.index + m[0].length;
    const end = PEM_END.exec(text);
    // A block cut off before its END is still a key: everything after BEGIN goes.
    copied = end ? end.index + end[0].length : text.length;
    if (!end) break;
    PEM_BEGIN.lastIndex = copied;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * A bare AWS secret access key: exactly 40 base64 characters standing alone, with at least two
 * upper-case letters, two lower-case letters and two digits or `/` `+`. Hex digests (git SHA-1s)
 * and words lack one of the three; longer base64 runs are not standing alone.
 */
function looksLikeAwsSecret(s: string): boolean {
  let upper = 0;
  let lower = 0;
  let other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isUpper(c)) upper++;
    else if (isLower(c)) lower++;
    else other++;
  }
  return upper >= 2 && lower >= 2 && other >= 2;
}

/** Values that follow "password is" in ordinary prose, not passwords. */
const PASSWORD_PROSE = new Set([
  "a",
  "an",
  "the",
  "is",
  "not",
  "required",
  "incorrect",
  "invalid",
  "wrong",
  "missing",
  "empty",
  "too",
  "set",
  "reset",
  "changed",
  "expired",
  "correct",
  "valid",
  "weak",
  "strong",
  "must",
  "should",
  "will",
  "has",
  "been",
  "needed",
  "protected",
  "hidden",
  "null",
  "none",
  "undefined",
  "your",
  "my",
  "their",
  "his",
  "her",
  "case",
  "sensitive",
  "case-sensitive",
  "optional",
  "mandatory",
  "new",
  "same",
  "different",
  "stored",
  "encrypted",
]);

function redactPasswordValue(m: string, key: string, between: string, value: string): string {
  const v = value.toLowerCase();
  if (PASSWORD_PROSE.has(v) || /^[*x•]+$/.test(v) || value.startsWith("[REDACTED")) return m;
  return `${key}${between}${REDACTED.secret}`;
}

// ---------- emails ----------

/** Characters of an email's local part: [A-Za-z0-9._%+-]. */
const LOCAL_CHAR = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-") LOCAL_CHAR[c.charCodeAt(0)] = 1;
const isLetter = (c: number) => isUpper(c) || isLower(c);
const isLabelChar = (c: number) => isLetter(c) || isDigit(c) || c === 45; /* - */
/** RFC 1035's limit; also what bounds the forward scan from each `@`. */
const MAX_DOMAIN = 255;

/**
 * End (exclusive) of the longest `label(.label)*.tld` at `from`, where tld is 2+ letters; -1 if
 * none. Same matches as /[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/ without backtracking.
 */
function domainEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_DOMAIN);
  let best = -1;
  let labelLen = 0;
  let leadingLetters = 0;
  let dotted = false;
  for (let i = from; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (labelLen === 0) break;
      dotted = true;
      labelLen = 0;
      leadingLetters = 0;
    } else if (isLabelChar(c)) {
      if (leadingLetters === labelLen && isLetter(c)) {
        leadingLetters++;
        if (dotted && leadingLetters >= 2) best = i + 1;
      }
      labelLen++;
    } else break;
  }
  return best;
}

/**
 * Emails, found around each `@`: the local part is read backwards and never past the previous
 * `@` or match, the domain forwards for at most 255 characters, so every character is read at
 * most twice whatever the input (a regex starting at every local-part character is quadratic).
 */
function redactEmails(text: string): string {
  let at = text.indexOf("@");
  if (at < 0) return text;
  let out = "";
  let copied = 0;
  let floor = 0;
  while (at >= 0) {
    let start = at;
    while (start > floor) {
      const c = text.charCodeAt(start - 1);
      if (c >= 128 || !LOCAL_CHAR[c]) break;
      start--;
    }
    const end = start < at ? domainEnd(text, at + 1) : -1;
    if (end > 0) {
      out += text.slice(copied, start) + REDACTED.email;
      copied = floor = end;
      at = text.indexOf("@", end);
    } else {
      floor = at + 1;
      at = text.indexOf("@", at + 1);
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

// ---------- numbers ----------

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

function digitsOf(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) if (isDigit(s.charCodeAt(i))) out += s[i];
  return out;
}

const cardIfLuhn = (m: string): string => {
  const digits = digitsOf(m);
  return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? REDACTED.card : m;
};

const phoneIfDigits = (min: number, max: number) => (m: string): string => {
  const n = digitsOf(m).length;
  return n >= min && n <= max ? REDACTED.phone : m;
};

/** Adds a character to a remainder mod 97, letters counting as 10..35 (ISO 13616). */
const mod97 = (rem: number, c: number): number => (isDigit(c) ? (rem * 10 + c - 48) % 97 : (rem * 100 + c - 55) % 97);

/**
 * The valid IBAN within a candidate of at most 9 groups: a following word or a preceding
 * look-alike group may have been read with it, so every start and end at a group boundary is
 * tried, the longest valid one kept. The check (the first four characters moved to the end,
 * mod 97 = 1) is carried along each start in one pass.
 */
function redactIban(m: string): string {
  for (let start = 0; start >= 0; start = nextGroup(m, start)) {
    if (!isUpper(m.charCodeAt(start)) || !isUpper(m.charCodeAt(start + 1))) continue;
    if (!isDigit(m.charCodeAt(start + 2)) || !isDigit(m.charCodeAt(start + 3))) continue;
    const moved = fourAsNumber(m, start);
    let rem = 0;
    let len = 4;
    let best = -1;
    for (let i = start + 4; i <= m.length && len <= 34; i++) {
      const c = i < m.length ? m.charCodeAt(i) : 32;
      if (c === 32) {
        // The four moved characters are six digits once the two letters are converted.
        if (len >= 15 && (rem * 1_000_000 + moved) % 97 === 1) best = i;
        continue;
      }
      rem = mod97(rem, c);
      len++;
    }
    if (best > 0) return m.slice(0, start) + REDACTED.iban + m.slice(best);
  }
  return m;
}

function nextGroup(m: string, from: number): number {
  const space = m.indexOf(" ", from);
  return space < 0 ? -1 : space + 1;
}

function fourAsNumber(m: string, start: number): number {
  const letters = (m.charCodeAt(start) - 55) * 100 + m.charCodeAt(start + 1) - 55;
  return letters * 100 + (m.charCodeAt(start + 2) - 48) * 10 + m.charCodeAt(start + 3) - 48;
}

/**
 * Every rule, in order: secrets first (they contain digit runs the number rules must not see),
 * then emails and the number shapes. Exported for the ReDoS corpus test.
 */
export const REDACTION_RULES: readonly RedactionRule[] = [
  { name: "pem_private_key", redact: redactPem },
  rx("jwt", /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED.jwt, has("eyJ")),
  rx(
    "bearer",
    /\bBearer\s{1,16}[A-Za-z0-9._~+/=-]{8,}/gi,
    `Bearer ${REDACTED.secret}`,
    hasIgnoringCase(/bearer/i),
  ),
  // OpenAI (sk-, sk-proj-, sk-svcacct-), Anthropic (sk-ant-...), OpenRouter (sk-or-v1-...).
  rx("sk_key", /\bsk-[A-Za-z0-9_-]{20,}/g, REDACTED.secret, has("sk-")),
  // This gateway's own API keys.
  rx("gateway_key", /\bsgw_[A-Za-z0-9]{20,}/g, REDACTED.secret, has("sgw_")),
  rx("aws_access_key_id", /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, REDACTED.secret, has("AKIA", "ASIA")),
  rx(
    "aws_secret_assignment",
    /(aws_secret_access_key["']?\s{0,16}[=:]\s{0,16}["']?)[A-Za-z0-9/+=]{40}/gi,
    `$1${REDACTED.secret}`,
    hasIgnoringCase(/aws_secret_access_key/i),
  ),
  rx(
    "github_token",
    /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b/g,
    REDACTED.secret,
    has("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
  ),
  rx("github_pat", /\bgithub_pat_[A-Za-z0-9_]{22,}/g, REDACTED.secret, has("github_pat_")),
  rx("slack_token", /\bxox[abpors]-[A-Za-z0-9-]{10,}/g, REDACTED.secret, has("xox")),
  rx("stripe_key", /\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, REDACTED.secret, has("k_live_", "k_test_")),
  rx("google_api_key", /\bAIza[0-9A-Za-z_-]{35}\b/g, REDACTED.secret, has("AIza")),
  // Presigned URLs (S3, GCS): the signature and the (session) credentials grant access until expiry.
  rx(
    "presigned_signature",
    /\b(X-(?:Amz-(?:Signature|Credential|Security-Token)|Goog-(?:Signature|Credential))=)[^&\s"'#<>]+/gi,
    `$1${REDACTED.secret}`,
    has("="),
  ),
  // "password is hunter2", "password: hunter2", `"passwd"="hunter2"`: the value goes, prose stays.
  rx(
    "password_phrase",
    /\b(pass(?:word|wd|phrase|code))\b(["']?(?:\s{0,8}[:=]|\s{1,8}(?:is|was)\b:?)\s{0,8}["']?)([^\s"'`,;&<>]{1,256})/gi,
    redactPasswordValue,
    hasIgnoringCase(/pass/i),
  ),
  rx(
    "aws_secret_key",
    /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    (m) => (looksLikeAwsSecret(m) ? REDACTED.secret : m),
    (text) => text.length >= 40,
  ),
  { name: "email", redact: redactEmails },
  // 15-34 characters, printed compact or in groups of four; checked with ISO 13616's mod 97.
  rx(
    "iban",
    /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/g,
    redactIban,
    digitsAtLeast(2),
  ),
  // US SSN, dashed; area 000, 666 and 9xx, group 00 and serial 0000 are never issued.
  rx("ssn", /(?<![\w-])(?!000|666|9)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])/g, REDACTED.ssn, digitsAtLeast(9)),
  rx(
    "ssn_labelled",
    /\b(ssn|social security (?:number|no\.?))(\s{0,4}[:#]?\s{0,4})\d{9}(?!\d)/gi,
    `$1$2${REDACTED.ssn}`,
    digitsAtLeast(9),
  ),
  /** 13-19 digits, optionally grouped by single spaces or dashes; Luhn-valid only. */
  rx("card", /(?<![\w.-])\d(?:[ -]?\d){12,18}(?![\w-]|\.\d)/g, cardIfLuhn, digitsAtLeast(13)),
  /** Dotted groups as printed on cards (4.4.4.4, 4.6.5, 4.4.4.4.3); Luhn-valid only. */
  rx(
    "card_dotted",
    /(?<![\w.-])\d{4}\.\d{4,6}\.\d{4,5}(?:\.\d{1,4}){0,2}(?![\w-]|\.\d)/g,
    cardIfLuhn,
    digitsAtLeast(12),
  ),
  /**
   * International: `+`, then digit runs separated by one space, dot or dash, or in parentheses
   * ("+44 20 7946 0958", "+1 (415) 555-2671", "+44 (0)20 …", "+14155552671"), 8-15 digits in all
   * (E.164). Each digit run is read whole ((?!\d)), so there is one way to split the input.
   */
  rx(
    "phone_international",
    /(?<![\w+])\+\d{1,15}(?!\d)(?:[ .-]?\(\d{1,4}\)|[ .-]\d{1,12}(?!\d)|(?<=\))\d{1,12}(?!\d)){0,7}(?![\w-]|\.\d)/g,
    phoneIfDigits(8, 15),
    digitsAtLeast(8),
  ),
  /** North American: 3-3-4 digits with separators, optional +1/1 and (area code). */
  rx(
    "phone_us",
    /(?<![\w.+-])(?:1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|\.\d)/g,
    REDACTED.phone,
    digitsAtLeast(10),
  ),
  /** UK national: 0 and area code, then groups ("020 7946 0958", "0161 496 0000", "07700 900123"), 10-11 digits. */
  rx(
    "phone_uk",
    /(?<![\w.+(-])(?:\(0\d{2,4}\)|0\d{2,4}(?!\d))[ -]\d{3,6}(?!\d)(?:[ -]\d{3,4}(?!\d))?(?![\w-]|\.\d)/g,
    phoneIfDigits(10, 11),
    digitsAtLeast(10),
  ),
];

/** Counts once what the rules' preconditions ask. */
export function textFacts(text: string): TextFacts {
  let digits = 0;
  for (let i = 0; i < text.length; i++) if (isDigit(text.charCodeAt(i))) digits++;
  return { digits };
}

/**
 * What every rule above needs somewhere in a match: a digit or one of `@ _ = / + -`, or a literal
 * that may be written in letters alone (a JWT's `eyJ`, AWS and Google key prefixes, "Bearer" and
 * "pass…" in either case). Text without any of them (most prose, roles, ids of letters) cannot be
 * changed by a rule, so one scan replaces the rules' twenty. A new rule must keep this true;
 * `test/unit/redaction.test.ts` checks it against every rule.
 */
export const MAY_NEED_REDACTION = /[0-9@_=/+-]|eyJ|AKIA|ASIA|AIza|[Bb][Ee][Aa][Rr][Ee][Rr]|[Pp][Aa][Ss][Ss]/;

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;

/** Index of the last ASCII whitespace in text[from..to), or -1. */
function lastSpace(text: string, to: number, from: number): number {
  for (let i = to - 1; i >= from; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) return i;
  }
  return -1;
}

/**
 * Redacts the configured provider keys (exact match), then secrets, emails, SSNs, IBANs, card
 * numbers (Luhn-valid only) and phone numbers. Strings past `MAX_REDACTED_CHARS` are truncated.
 * Separators are required in phone numbers, so ids and plain digit runs are left alone; dates,
 * versions, prices and UUIDs do not have these shapes, and neighbouring word characters (or a
 * dot or dash and a digit) disqualify a match as part of a longer token.
 */
export function redactText(text: string, secrets: readonly string[] = providerSecrets()): string {
  if (text.length < 6) return text;
  let out = removeSecrets(text, secrets);
  let dropped = 0;
  if (out.length > MAX_REDACTED_CHARS) {
    let cut = MAX_REDACTED_CHARS;
    const space = lastSpace(out, cut, cut - CUT_BACKOFF);
    if (space >= 0) cut = space;
    else if (isHighSurrogate(out.charCodeAt(cut - 1))) cut--;
    dropped = out.length - cut;
    out = out.slice(0, cut);
  }
  if (MAY_NEED_REDACTION.test(out)) {
    const facts = textFacts(out);
    for (const rule of REDACTION_RULES) if (!rule.applies || rule.applies(out, facts)) out = rule.redact(out);
  }
  return dropped ? `${out}[TRUNCATED: ${dropped} chars]` : out;
}

/** Keys whose string values are secrets whatever they look like. */
const SECRET_KEY =
  /^(?:authorization|proxy-authorization|x-api-key|api[-_]?key|apikey|password|passwd|secret|client[-_]?secret|access[-_]?token|refresh[-_]?token)$/i;

/**
 * Deep redaction of a JSON value: every string in objects and arrays. Base64 `data:` URLs are
 * left as they are but for provider keys (strip them with `stripBinary` first); values under
 * secret-named keys are replaced.
 */
export function redactValue<T>(value: T): T {
  return mapStrings(value, redactString) as T;
}

function redactString(value: string, key: string | undefined): string {
  if (key !== undefined && SECRET_KEY.test(key)) return REDACTED.secret;
  return parseDataUrl(value)?.base64 ? removeSecrets(value, providerSecrets()) : redactText(value);
}

/**
 * A JSON value with every string `s` replaced by `fn(s, the object key it stands under)`. Only the
 * containers on the path to a changed string are copied; the rest is the input itself (most bodies
 * have nothing to redact, and every call's bodies go through here). The input is never modified.
 */
function mapStrings(value: unknown, fn: (s: string, key: string | undefined) => unknown, key?: string): unknown {
  if (typeof value === "string") return fn(value, key);
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const mapped = mapStrings(value[i], fn);
      if (out) out.push(mapped);
      else if (mapped !== value[i]) (out = value.slice(0, i)).push(mapped);
    }
    return out ?? value;
  }
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    let out: Record<string, unknown> | null = null;
    for (let i = 0; i < entries.length; i++) {
      const [k, v] = entries[i];
      const mapped = mapStrings(v, fn, k);
      if (!out && mapped !== v) {
        out = {};
        for (let j = 0; j < i; j++) out[entries[j][0]] = entries[j][1];
      }
      if (out) out[k] = mapped;
    }
    return out ?? value;
  }
  return value;
}

export interface FileMetadata {
  type: "image" | "audio" | "file";
  mime: string | null;
  /** Decoded size of inline data; null for URLs and file ids. */
  bytes: number | null;
  /** The client's file name, redacted. */
  name?: string;
  /** Remote URL (never a data: URL) without query, fragment or credentials (presigned signatures), redacted. */
  url?: string;
  file_id?: string;
  /** Index of the message carrying it. */
  message_index: number;
}

/** Scheme and authority with credentials (`user:pass@`), to drop them. */
const URL_USERINFO = /^([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)[^/?#@]*@/;

/** A remote URL as the log keeps it: no query or fragment (presigned signatures), no credentials. */
export function loggedUrl(url: string): string {
  const end = url.search(/[?#]/);
  return redactText((end < 0 ? url : url.slice(0, end)).replace(URL_USERINFO, "$1"));
}

/** What files, images and audio the messages carry, without their bytes; names and URLs redacted. */
export function extractFileMetadata(messages: readonly unknown[]): FileMetadata[] {
  const out: FileMetadata[] = [];
  messages.forEach((m, message_index) => {
    const content = (m as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) return;
    for (const p of content) {
      const part = p as LooseObject | null;
      if (!part) continue;
      if (part.type === "image_url" && typeof part.image_url?.url === "string") {
        const url: string = part.image_url.url;
        const data = parseDataUrl(url);
        out.push(
          data
            ? {
              type: "image",
              mime: data.mime,
              bytes: data.base64 ? base64ByteLength(data.data) : data.data.length,
              message_index,
            }
            : { type: "image", mime: null, bytes: null, url: loggedUrl(url), message_index },
        );
      } else if (part.type === "input_audio" && typeof part.input_audio?.data === "string") {
        const format = part.input_audio.format;
        out.push({
          type: "audio",
          mime: format ? `audio/${format}` : null,
          bytes: base64ByteLength(part.input_audio.data),
          message_index,
        });
      } else if (part.type === "file" && part.file) {
        const f = part.file;
        const data = typeof f.file_data === "string" ? parseDataUrl(f.file_data) : null;
        const meta: FileMetadata = { type: "file", mime: data?.mime ?? null, bytes: null, message_index };
        if (typeof f.file_data === "string") {
          meta.bytes = data
            ? (data.base64 ? base64ByteLength(data.data) : data.data.length)
            : base64ByteLength(f.file_data);
        }
        if (typeof f.filename === "string") meta.name = redactText(f.filename);
        if (typeof f.file_id === "string") meta.file_id = redactText(f.file_id);
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
  return mapStrings(body, stripString) as T;
}

/** `redactValue(stripBinary(body))` in one walk and one copy: what the ledger keeps of a body. */
export function stripAndRedact<T>(body: T): T {
  // The placeholder is redacted too: its mime type is the client's.
  return mapStrings(body, (s, key) => redactString(stripString(s, key), key)) as T;
}

function stripString(value: string, key: string | undefined): string {
  const data = parseDataUrl(value);
  if (data?.base64) return placeholder(data.mime, base64ByteLength(data.data));
  if ((key === "data" || key === "file_data") && value.length > 64 && LONG_BASE64.test(value)) {
    return placeholder(null, base64ByteLength(value));
  }
  if (value.length >= 1024 && LONG_BASE64.test(value)) return placeholder(null, base64ByteLength(value));
  return value;
}
