import { describe, expect, it } from "vitest";
import { extractFileMetadata, REDACTED, redactText, redactValue, stripBinary } from "../../functions/_shared/redaction.ts";

describe("redactText: true positives", () => {
  it.each([
    ["mail me at jane.doe+work@example.co.uk today", `mail me at ${REDACTED.email} today`],
    ["Contact: JOHN_SMITH@Sub.Example.COM.", `Contact: ${REDACTED.email}.`],
    ["call +44 20 7946 0958 now", `call ${REDACTED.phone} now`],
    ["call +1 (415) 555-2671", `call ${REDACTED.phone}`],
    ["whatsapp +49-30-901820", `whatsapp ${REDACTED.phone}`],
    ["+33 6 12 34 56 78 is mine", `${REDACTED.phone} is mine`],
    ["US: (415) 555-2671 or 415-555-2671 or 415.555.2671", `US: ${REDACTED.phone} or ${REDACTED.phone} or ${REDACTED.phone}`],
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
  ])("%s", (input, expected) => {
    expect(redactText(input)).toBe(expected);
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
  ])("%s", (input) => {
    expect(redactText(input)).toBe(input);
  });
});

describe("redactValue", () => {
  it("redacts strings deep in objects and arrays, keeps structure and non-strings", () => {
    const input = {
      model: "gpt-4o",
      temperature: 0.2,
      messages: [
        { role: "user", content: "I am bob@example.com, call 415-555-2671" },
        { role: "user", content: [{ type: "text", text: "card 4242 4242 4242 4242" }, { type: "image_url", image_url: { url: "data:image/png;base64,c2stcHJvai1hYmNERUYxMjM0NTY3ODkwYWJjZEVGR0g=" } }] },
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
    const parts = (out.messages[1] as { content: any[] }).content;
    expect(parts[0]).toEqual({ type: "text", text: "look" });
    expect(parts[1].image_url).toEqual({ url: "[binary omitted: image/png, 3000 bytes]", detail: "high" });
    expect(parts[2].image_url.url).toBe("https://cdn.example.com/a.jpg");
    expect(parts[3].input_audio).toEqual({ data: "[binary omitted: unknown type, 600 bytes]", format: "wav" });
    expect(parts[4].file.file_data).toBe("[binary omitted: application/pdf, 8 bytes]");
    expect(JSON.stringify(out).length).toBeLessThan(1200);
    expect((messages[1].content as any[])[1].image_url.url).toBe(png); // input not mutated
  });
});
