import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { promptHash, stableStringify } from "../../functions/_shared/ledger/fingerprint.ts";
import { sha256Hex } from "../../functions/_shared/runtime/sha256.ts";

describe("hashing", () => {
  it("sha256Hex matches node:crypto", async () => {
    for (const s of ["", "abc", "ünïcødé 🚀"]) {
      expect(await sha256Hex(s)).toBe(createHash("sha256").update(s, "utf8").digest("hex"));
    }
  });

  it("stableStringify sorts keys at every level and drops undefined", () => {
    expect(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("promptHash ignores key order, surrounding whitespace, line endings and text-part wrapping", async () => {
    const a = await promptHash([{ role: "user", content: "  Hello\r\nworld \n" }]);
    const b = await promptHash([{ content: [{ type: "text", text: "Hello\nworld" }], role: "user" }]);
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it("promptHash changes with content, role or tool calls", async () => {
    const base = await promptHash([{ role: "user", content: "hi" }]);
    expect(await promptHash([{ role: "user", content: "hi!" }])).not.toBe(base);
    expect(await promptHash([{ role: "system", content: "hi" }])).not.toBe(base);
    const t1 = await promptHash([{
      role: "assistant",
      content: null,
      tool_calls: [{ id: "1", type: "function", function: { name: "f", arguments: "{}" } }],
    }]);
    const t2 = await promptHash([{
      role: "assistant",
      content: null,
      tool_calls: [{ id: "1", type: "function", function: { name: "g", arguments: "{}" } }],
    }]);
    expect(t1).not.toBe(t2);
  });

  it("promptHash uses image metadata, not bytes", async () => {
    const msg = (
      url: string,
    ) => [{ role: "user", content: [{ type: "text", text: "what" }, { type: "image_url", image_url: { url } }] }];
    const same1 = await promptHash(msg("data:image/png;base64,AAAA"));
    const same2 = await promptHash(msg("data:image/png;base64,BBBB"));
    const bigger = await promptHash(msg("data:image/png;base64,AAAAAAAA"));
    const remote = await promptHash(msg("https://x/a.png"));
    expect(same1).toBe(same2);
    expect(bigger).not.toBe(same1);
    expect(remote).not.toBe(same1);
  });
});
