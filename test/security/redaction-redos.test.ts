// ReDoS: redaction runs on every stored string in the function's single thread, shared by every
// tenant, so each rule must be linear on hostile input. The corpus holds, at 1 MiB each, the
// strings that made the old patterns quadratic (or worse) and the worst cases of each new rule.
import { describe, expect, it } from "vitest";
import {
  MAX_REDACTED_CHARS,
  REDACTED,
  REDACTION_RULES,
  redactText,
} from "../../functions/_shared/privacy/redaction.ts";

const MIB = 1 << 20;
/** Generous: every rule takes a few ms here; the old email pattern took minutes at this size. */
const BOUND_MS = 500;

const fill = (unit: string, n = MIB): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** Deterministic noise over the characters the rules care about. */
function noise(n = MIB): string {
  const alphabet = "aA0@.-_ +()/=:\n\"'eyJ1sk-9BEGIN";
  let x = 2463534242;
  let out = "";
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out += alphabet[(x >>> 0) % alphabet.length];
  }
  return out;
}

const CORPUS: Record<string, string> = {
  // Defeated the old patterns: email (`[..]+@` from every start) and JWT (`\beyJ[..]{5,}\.` inside a run).
  "email: a…a@": fill("a", MIB - 1) + "@",
  "email: x@a…a": "x@" + fill("a", MIB - 2),
  "email: digits": fill("1"),
  "email: a.a.a…@": fill("a.", MIB - 1) + "@",
  "jwt: eyJ-eyJ-…": fill("eyJ-"),
  "jwt: eyJxxxxx.eyJ-…": "eyJxxxxx." + fill("eyJ-", MIB - 9),
  // Defeated the old international phone pattern (8.8 s: every way to split 30 digits into groups).
  "phone: +30 digits …": fill(" +123456789012345678901234567890"),
  "phone: + and groups": fill(" +1 (2) 3-4.5 6 7 8 9 0 1 2 3 4 5x"),
  // Worst cases of the other rules.
  "@@@…": fill("@"),
  "a@b a@b …": fill("a@b "),
  "domains a@b.c.d.e…": "a@" + fill("b.", MIB - 2),
  "pem: BEGIN without END": fill("-----BEGIN RSA PRIVATE KEY-----\n"),
  "pem: BEGIN almost": fill("-----BEGIN AAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAA PRIVATE KE"),
  "pem: END only": fill("-----END PRIVATE KEY-----"),
  "jwt: segments": fill("eyJaaaaa.eyJbbbbb."),
  "bearer: spaces": "Bearer" + fill(" ", MIB - 6),
  "bearer: repeated": fill("Bearer Bearer "),
  "aws assignment: spaces": "aws_secret_access_key=" + fill(" ", MIB - 22),
  "github: run then _": "ghp_" + fill("a", MIB - 5) + "_",
  "sk-: repeated": fill("sk-"),
  "presigned: repeated": fill("X-Amz-Signature="),
  "password: repeated": fill("password is "),
  "password: spaces": "password" + fill(" ", MIB - 8),
  "aws secret: 40-char runs": fill("AbCd1234/+AbCd1234/+AbCd1234/+AbCd1234/+ "),
  "aws secret: 41-char runs": fill("AbCd1234/+AbCd1234/+AbCd1234/+AbCd1234/+x "),
  "iban: groups": fill("GB82 WEST 1234 5698 7654 "),
  "iban: compact run": "GB82" + fill("A", MIB - 4),
  "iban: country codes": fill("AB12 "),
  "ssn: dashes": fill("123-45-"),
  "card: 1 1 1 …": fill("1 "),
  "card: 1-2-3 …": fill(" 1-2-3-4-5-6-7-8-9-0-1-2-3-4-5-6-7-8-9-0-1"),
  "card: dotted": fill("4012.8888."),
  "phone us: groups": fill("415-555-"),
  "phone uk: groups": fill("020 7946 "),
  "noise": noise(),
};

function time(fn: () => unknown): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe("redaction runs in linear time on hostile input", () => {
  it("corpus strings are 1 MiB", () => {
    for (const s of Object.values(CORPUS)) expect(s.length).toBeGreaterThanOrEqual(MIB);
  });

  it.each(REDACTION_RULES.map((r) => [r.name, r] as const))("rule %s: every corpus string in < 500 ms", (_, rule) => {
    const slow: string[] = [];
    for (const [name, input] of Object.entries(CORPUS)) {
      const ms = time(() => rule.redact(input));
      if (ms > BOUND_MS) slow.push(`${name}: ${ms.toFixed(0)} ms`);
    }
    expect(slow).toEqual([]);
  });

  it.each(Object.entries(CORPUS))("redactText(%s) in < 500 ms, capped with a marker", (_, input) => {
    let out = "";
    expect(time(() => (out = redactText(input, ["sk-configured-provider-key"])))).toBeLessThan(BOUND_MS);
    expect(out).toMatch(/\[TRUNCATED: \d+ chars\]$/);
  });
});

describe("the length cap", () => {
  it("redacts the head, drops the tail with its length, and cuts at whitespace", () => {
    const head = "mail jane@example.com ";
    const text = head + fill("word ", MAX_REDACTED_CHARS) + "tail-secret sk-proj-abcDEF1234567890abcdEFGH5678ijkl";
    const out = redactText(text, []);
    expect(out.startsWith(`mail ${REDACTED.email} word`)).toBe(true);
    expect(out).not.toContain("tail-secret");
    const dropped = Number(/\[TRUNCATED: (\d+) chars\]$/.exec(out)![1]);
    expect(out.length - `[TRUNCATED: ${dropped} chars]`.length + dropped).toBe(text.length);
    expect(out).toMatch(/word\[TRUNCATED/);
  });

  it("removes a configured key straddling the cut before cutting", () => {
    const key = "provider-key-0123456789";
    const text = fill("x", MAX_REDACTED_CHARS - 10) + key + " more";
    const out = redactText(text, [key]);
    expect(out).not.toContain("provider-key-01");
  });

  it("never splits a surrogate pair", () => {
    const out = redactText(fill("🚀", MAX_REDACTED_CHARS + 9), []);
    const body = out.replace(/\[TRUNCATED: \d+ chars\]$/, "");
    expect(body.length % 2).toBe(0);
    expect(body.endsWith("🚀")).toBe(true);
  });

  it("leaves strings under the cap whole", () => {
    const text = fill("word ", MAX_REDACTED_CHARS);
    expect(redactText(text, [])).toBe(text);
  });
});
