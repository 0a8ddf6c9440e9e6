import { describe, expect, it } from "vitest";
import {
  extractFileMetadata,
  MAY_NEED_REDACTION,
  REDACTED,
  REDACTION_RULES,
  redactText,
  redactValue,
  stripAndRedact,
  stripBinary,
  textFacts,
} from "../../functions/_shared/privacy/redaction.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

// Read once, on the first redaction: set before any test runs.
const CONFIGURED_KEY = "configured-compat-key-4f1d9a";
process.env.OPENAI_COMPAT_API_KEY = CONFIGURED_KEY;

const TRUE_POSITIVES: [string, string][] = [
  ["mail me at jane.doe+work@example.co.uk today", `mail me at ${REDACTED.email} today`],
  ["Contact: JOHN_SMITH@Sub.Example.COM.", `Contact: ${REDACTED.email}.`],
  ["call +44 20 7946 0958 now", `call ${REDACTED.phone} now`],
  ["call +1 (415) 555-2671", `call ${REDACTED.phone}`],
  ["whatsapp +49-30-901820", `whatsapp ${REDACTED.phone}`],
  ["+33 6 12 34 56 78 is mine", `${REDACTED.phone} is mine`],
  [
    "US: (415) 555-2671 or 415-555-2671 or 415.555.2671",
    `US: ${REDACTED.phone} or ${REDACTED.phone} or ${REDACTED.phone}`,
  ],
  ["toll free 1-800-555-0199.", `toll free ${REDACTED.phone}.`],
  ["card 4111 1111 1111 1111 exp 12/27", `card ${REDACTED.card} exp 12/27`],
  ["card 4111-1111-1111-1111", `card ${REDACTED.card}`],
  ["amex 378282246310005", `amex ${REDACTED.card}`],
  ["mc 5555555555554444 ok", `mc ${REDACTED.card} ok`],
  ["key sk-proj-abcDEF1234567890abcdEFGH5678ijkl", `key ${REDACTED.secret}`],
  ["sk-ant-api03-AbCdEf0123456789_AbCdEf0123456789-xyz", REDACTED.secret],
  ["OPENROUTER=sk-or-v1-0123456789abcdef0123456789abcdef", `OPENROUTER=${REDACTED.secret}`],
  ["Authorization: Bearer abc.def-ghi_jkl123", `Authorization: Bearer ${REDACTED.secret}`],
  [
    "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end",
    `token ${REDACTED.jwt} end`,
  ],
  ["aws AKIAIOSFODNN7EXAMPLE", `aws ${REDACTED.secret}`],
  ["aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", `aws_secret_access_key = ${REDACTED.secret}`],
  ["gh ghp_0123456789abcdefghijABCDEFGHIJ012345", `gh ${REDACTED.secret}`],
  ["our key sgw_7Hk2mPq9Xw3Lr8Tn4Vb6Yc1Zd5Fg0Jh2Ks4", `our key ${REDACTED.secret}`],
  // US SSNs: dashed, or labelled.
  ["SSN 123-45-6789.", `SSN ${REDACTED.ssn}.`],
  ["my social security number: 123456789", `my social security number: ${REDACTED.ssn}`],
  // IBANs (mod 97), grouped or compact, with a word or a look-alike group around them.
  ["IBAN GB82 WEST 1234 5698 7654 32 TO me", `IBAN ${REDACTED.iban} TO me`],
  ["pay DE89370400440532013000.", `pay ${REDACTED.iban}.`],
  ["NO9386011117947", REDACTED.iban],
  ["ref XX00 1234 FR14 2004 1010 0505 0001 3M02 606", `ref XX00 1234 ${REDACTED.iban}`],
  // PEM private keys, whole blocks, or to the end when cut off.
  [
    "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo\n-----END RSA PRIVATE KEY-----\nthanks",
    `key:\n${REDACTED.secret}\nthanks`,
  ],
  ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA", REDACTED.secret],
  ["-----BEGIN PRIVATE KEY----- MIIEvQIBADANBg -----END PRIVATE KEY----- and", `${REDACTED.secret} and`],
  // Bare 40-character AWS secret keys.
  ["secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", `secret ${REDACTED.secret} here`],
  ['"SecretAccessKey": "Je7MtGbClwBF2Zp9Utk/h3yCo8nvbEXAMPLEKEYz"', `"SecretAccessKey": "${REDACTED.secret}"`],
  // Passwords in prose and key-value form.
  ["my password is hunter2!", `my password is ${REDACTED.secret}`],
  ["Password: s3cr3t, thanks", `Password: ${REDACTED.secret}, thanks`],
  ['{"passwd": "abc123"}', `{"passwd": "${REDACTED.secret}"}`],
  ["login?user=bob&password=pa55word&next=/", `login?user=bob&password=${REDACTED.secret}&next=/`],
  ["the passphrase was correct-horse-battery", `the passphrase was ${REDACTED.secret}`],
  // UK national numbers.
  ["ring 020 7946 0958 today", `ring ${REDACTED.phone} today`],
  ["(020) 7946 0958", REDACTED.phone],
  ["0161 496 0000 or 07700 900123", `${REDACTED.phone} or ${REDACTED.phone}`],
  ["call +44 (0)20 7946 0958", `call ${REDACTED.phone}`],
  ["e164 +14155552671", `e164 ${REDACTED.phone}`],
  // Dotted card numbers, Luhn-checked like the others.
  ["card 4012.8888.8888.1881 exp", `card ${REDACTED.card} exp`],
  ["amex 3782.822463.10005", `amex ${REDACTED.card}`],
  // Presigned URL signatures and credentials.
  [
    "https://b.s3.amazonaws.com/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101%2Fs3&X-Amz-Signature=9f2c1e0d7b&x=1",
    `https://b.s3.amazonaws.com/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${REDACTED.secret}&X-Amz-Signature=${REDACTED.secret}&x=1`,
  ],
  ["x-amz-security-token=IQoJb3JpZ2luX2VjEJr//////////wEaCXVz", `x-amz-security-token=${REDACTED.secret}`],
  ["a@b@c.com", `a@${REDACTED.email}`],
  // Secrets written in letters alone (no digit or symbol for the pre-scan to see).
  ["Authorization: Bearer abcdefghijklmnop", `Authorization: Bearer ${REDACTED.secret}`],
  ["aws AKIAABCDEFGHIJKLMNOP", `aws ${REDACTED.secret}`],
  ["token eyJhbGciOi.eyJzdWIiOi.abcdef end", `token ${REDACTED.jwt} end`],
  ["google AIzaabcdefghijklmnopqrstuvwxyzABCDEFGHI", `google ${REDACTED.secret}`],
  ["my PASSWORD is hunter", `my PASSWORD is ${REDACTED.secret}`],
  // No more digits than the shape needs (the digit preconditions are tight here).
  ["(415) 555-2671", REDACTED.phone],
];

describe("redactText: true positives", () => {
  it.each(TRUE_POSITIVES)("%s", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it("a rule's precondition holds wherever the rule changes the text", () => {
    const missed: string[] = [];
    for (const [input] of TRUE_POSITIVES) {
      const facts = textFacts(input);
      for (const rule of REDACTION_RULES) {
        if (rule.redact(input) !== input && rule.applies && !rule.applies(input, facts)) {
          missed.push(`${rule.name}: ${input}`);
        }
      }
    }
    expect(missed).toEqual([]);
  });
});

describe("redactText: false positives stay untouched", () => {
  it.each([
    "Meeting on 2024-03-15 at 10:30",
    "Dates 15/03/2024, 03.15.2024 and 2024/03/15",
    "Order #123-456-78901 shipped",
    "Order id 1234567890123 (not Luhn)",
    "Tracking 4111111111111112",
    "Invoice INV-2024-000123, total $1,234.56 or €1.234,56",
    "Price 1234.5678 and 3,141,592",
    "UUID 123e4567-e89b-12d3-a456-426614174000",
    "Version 1.2.3, v10.15.7, build 20240315.1",
    "IP 192.168.100.254 and 10.0.0.1",
    "ISBN 978-3-16-148410-0",
    "timestamp 1710498600000",
    "coordinates 48.8566, 2.3522",
    "the sk-short key and a task-list-item",
    "math: 2+2=4, 10-5=5, 3*3=9",
    "Version 2.0.0-beta.1+build.5",
    "ratio 555-1234",
    // SSN look-alikes: never-issued areas, groups and serials; other dash shapes.
    "000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000",
    "part 123-45-67890 and 1234-56-7890",
    // IBAN look-alikes failing mod 97, lower case, too short.
    "GB82 WEST 1234 5698 7654 33",
    "ABCD1234EFGH5678 and gb82west12345698765432 and GB82 1234",
    // Not private keys.
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----",
    "-----BEGIN PUBLIC KEY----- MFkwEwYHKoZIzj0CAQYI -----END PUBLIC KEY-----",
    // 40-character tokens that are not AWS secrets: hex digests, words, longer base64.
    "commit 3f786850e387550fdab836ed7e6dc881de23001b",
    "SHA1 3F786850E387550FDAB836ED7E6DC881DE23001B",
    "ThisIsAVeryLongCamelCaseIdentifierNameXy ok",
    "blob QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9w",
    // Password prose.
    "Your password is too short",
    "The password is required, password: ********",
    "passwords are hashed; password_hash=x",
    // UK-like digit groups that are too short or too long, and dates.
    "room 020 7946 and code 0123 456",
    "invoice 01234 567890123",
    "on 03-15-2024 and 01.02.2024",
    // Dotted numbers failing Luhn, versions and decimals.
    "ref 4012.8888.8888.1882",
    "v2024.0315.1200.1 and 1234567890123.45",
    // Presigned-looking words without a value.
    "set the X-Amz-Signature header",
  ])("%s", (input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe("the pre-scan that skips the rules", () => {
  // Words that come close to what the rules look for, in letters and punctuation only.
  const words = [
    "Bearr",
    "bear",
    "eyj",
    "EYJ",
    "akia",
    "asia",
    "Asi",
    "AKI",
    "Aiza",
    "aIza",
    "pas",
    "PAS",
    "sk",
    "sgw",
    "ghp",
    "xoxb",
    "aws",
    "secret",
    "key",
    "token",
    "BEGIN",
    "PRIVATE",
    "KEY",
    "ssn",
    "IBAN",
    "GB",
    "WEST",
    "card",
    "ThisIsAVeryLongCamelCaseIdentifierNameXyz",
    "a",
    "the",
    "word",
    ".",
    ",",
    ":",
    ";",
    "!",
    "?",
    "'",
    '"',
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "<",
    ">",
    "#",
    "$",
    "%",
    "&",
    "*",
    "~",
    "|",
    "\\",
    " ",
    "\n",
    "\t",
  ];
  it("skips only text that no rule would change", () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 48271) % 2147483647), seed % n);
    let skipped = 0;
    const changed: string[] = [];
    for (let i = 0; i < 5000; i++) {
      let text = "";
      const n = 1 + rand(12);
      for (let j = 0; j < n; j++) text += words[rand(words.length)] + (rand(3) ? " " : "");
      if (MAY_NEED_REDACTION.test(text)) continue;
      skipped++;
      for (const rule of REDACTION_RULES) if (rule.redact(text) !== text) changed.push(`${rule.name}: ${text}`);
    }
    expect(changed).toEqual([]);
    expect(skipped).toBeGreaterThan(2500);
  });

  it("lets every true positive through to the rules", () => {
    for (
      const text of ["Bearer abcdefghijklmnop", "AKIAABCDEFGHIJKLMNOP", "eyJhbGciOi.eyJzdWIiOi.x", "pAsSwOrD is x"]
    ) {
      expect(MAY_NEED_REDACTION.test(text), text).toBe(true);
    }
  });
});

describe("redactValue", () => {
  it("copies only what changes and never modifies its input", () => {
    const clean = { model: "m", messages: [{ role: "user", content: "hello there" }], n: 1 };
    expect(redactValue(clean)).toBe(clean);
    const input = {
      a: { keep: ["plain", { x: "words" }] },
      b: [{ content: "mail jane@example.com" }, { content: "plain" }],
      k: "v",
    };
    const before = JSON.stringify(input);
    const out = redactValue(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(out).not.toBe(input);
    expect(out.a).toBe(input.a);
    expect(out.b).not.toBe(input.b);
    expect(out.b[1]).toBe(input.b[1]);
    expect(out).toEqual({ ...input, b: [{ content: `mail ${REDACTED.email}` }, { content: "plain" }] });
    expect(Object.keys(out)).toEqual(["a", "b", "k"]);
  });

  it("redacts strings deep in objects and arrays, keeps structure and non-strings", () => {
    const input = {
      model: "gpt-4o",
      temperature: 0.2,
      messages: [
        { role: "user", content: "I am bob@example.com, call 415-555-2671" },
        {
          role: "user",
          content: [{ type: "text", text: "card 4242 4242 4242 4242" }, {
            type: "image_url",
            image_url: { url: "data:image/png;base64,c2stcHJvai1hYmNERUYxMjM0NTY3ODkwYWJjZEVGR0g=" },
          }],
        },
      ],
      headers: { Authorization: "Bearer whatever", "x-api-key": "plain-looking" },
      flags: [true, null, 3],
    };
    const out = redactValue(input);
    expect(out).toEqual({
      model: "gpt-4o",
      temperature: 0.2,
      messages: [
        { role: "user", content: `I am ${REDACTED.email}, call ${REDACTED.phone}` },
        { role: "user", content: [{ type: "text", text: `card ${REDACTED.card}` }, input.messages[1].content[1]] },
      ],
      headers: { Authorization: REDACTED.secret, "x-api-key": REDACTED.secret },
      flags: [true, null, 3],
    });
    expect(input.messages[0].content).toContain("bob@example.com"); // input not mutated
    expect(() => JSON.parse(JSON.stringify(out))).not.toThrow();
  });
});

describe("binary stripping and file metadata", () => {
  const png = "data:image/png;base64," + "A".repeat(4000);
  const messages = [
    { role: "system", content: "be nice" },
    {
      role: "user",
      content: [
        { type: "text", text: "look" },
        { type: "image_url", image_url: { url: png, detail: "high" } },
        { type: "image_url", image_url: { url: "https://cdn.example.com/a.jpg" } },
        { type: "input_audio", input_audio: { data: "UklGRiQAAABXQVZF".repeat(50), format: "wav" } },
        { type: "file", file: { filename: "report.pdf", file_data: "data:application/pdf;base64,JVBERi0xLjQ=" } },
        { type: "file", file: { file_id: "file-abc" } },
      ],
    },
  ];

  it("extracts metadata without bytes", () => {
    expect(extractFileMetadata(messages)).toEqual([
      { type: "image", mime: "image/png", bytes: 3000, message_index: 1 },
      { type: "image", mime: null, bytes: null, url: "https://cdn.example.com/a.jpg", message_index: 1 },
      { type: "audio", mime: "audio/wav", bytes: 600, message_index: 1 },
      { type: "file", mime: "application/pdf", bytes: 8, name: "report.pdf", message_index: 1 },
      { type: "file", mime: null, bytes: null, file_id: "file-abc", message_index: 1 },
    ]);
  });

  it("replaces inline binary with placeholders and keeps everything else", () => {
    const out = stripBinary({ model: "m", messages });
    const parts = (out.messages[1] as { content: LooseObject[] }).content;
    expect(parts[0]).toEqual({ type: "text", text: "look" });
    expect(parts[1].image_url).toEqual({ url: "[binary omitted: image/png, 3000 bytes]", detail: "high" });
    expect(parts[2].image_url.url).toBe("https://cdn.example.com/a.jpg");
    expect(parts[3].input_audio).toEqual({ data: "[binary omitted: unknown type, 600 bytes]", format: "wav" });
    expect(parts[4].file.file_data).toBe("[binary omitted: application/pdf, 8 bytes]");
    expect(JSON.stringify(out).length).toBeLessThan(1200);
    expect((messages[1].content as LooseObject[])[1].image_url.url).toBe(png); // input not mutated
  });

  it("strips and redacts in one walk exactly as the two walks do", () => {
    const body = {
      model: "m",
      messages: [
        ...messages,
        { role: "user", content: "mail jane@example.com, card 4111 1111 1111 1111" },
        // A client-chosen mime type ends up in the placeholder: redacted there too.
        { role: "user", content: [{ type: "image_url", image_url: { url: "data:jane@example.com;base64,QUJD" } }] },
      ],
      api_key: "sk-whatever-it-looks-like",
      headers: { authorization: "data:text/plain;base64,QUJD" },
    };
    const out = stripAndRedact(body);
    expect(out).toEqual(redactValue(stripBinary(body)));
    expect(JSON.stringify(out)).not.toMatch(/jane@|4111|sk-whatever|QUJD/);
  });
});

describe("configured provider keys", () => {
  it("are removed by exact match wherever they appear", () => {
    const key = "provider-key-without-known-shape-0123";
    expect(redactText(`Incorrect API key provided: ${key}.${key}`, [key])).toBe(
      `Incorrect API key provided: ${REDACTED.secret}.${REDACTED.secret}`,
    );
  });

  it("come from the environment by default, and are removed from data: URLs too", () => {
    expect(redactText(`echo ${CONFIGURED_KEY}`)).toBe(`echo ${REDACTED.secret}`);
    expect(
      redactValue({ a: `data:text/plain;base64,${CONFIGURED_KEY}`, b: `data:,${CONFIGURED_KEY} jane@example.com` }),
    ).toEqual({
      a: `data:text/plain;base64,${REDACTED.secret}`,
      b: `data:,${REDACTED.secret} ${REDACTED.email}`,
    });
  });
});

describe("file metadata is safe to log", () => {
  it("drops query, fragment and credentials from URLs and redacts names and ids", () => {
    const messages = [{
      role: "user",
      content: [
        {
          type: "image_url",
          image_url: {
            url:
              "https://u:p@b.s3.amazonaws.com/up/jane@example.com/a.png?X-Amz-Signature=abc&X-Amz-Credential=AKIA#frag",
          },
        },
        {
          type: "file",
          file: { filename: "cv of jane.doe@example.com 020 7946 0958.pdf", file_id: "bob@example.com" },
        },
      ],
    }];
    expect(extractFileMetadata(messages)).toEqual([
      {
        type: "image",
        mime: null,
        bytes: null,
        url: `https://b.s3.amazonaws.com/up/${REDACTED.email}/a.png`,
        message_index: 0,
      },
      {
        type: "file",
        mime: null,
        bytes: null,
        name: `cv of ${REDACTED.email} ${REDACTED.phone}.pdf`,
        file_id: REDACTED.email,
        message_index: 0,
      },
    ]);
  });
});
