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

  it("promptHash stays the hash already stored for these prompts (values pinned from the first implementation)", () => {
    const prompts = [
      [{ role: "system", content: "You are a concise assistant." }, {
        role: "user",
        content: "Say hello to the benchmark in five words.",
      }],
      [{
        role: "user",
        content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }],
        name: "ann",
      }],
      [
        {
          role: "assistant",
          content: null,
          tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: '{"x":1}' } }],
        },
        { role: "tool", content: "42", tool_call_id: "c1" },
      ],
      [null, { content: "no role" }, {
        role: "user",
        content: { odd: true, z: [1, { b: 2, a: 1 }] },
        extra: "ignored",
      }],
    ];
    expect(prompts.map((p) => promptHash(p))).toEqual([
      "b853d155fbd40ac2c183db78ccdb10425cdfdd009c8a5dc16c3248d0810e1412",
      "c099d84154bbc35e35e9dda011500cd0f259575d6859a63714f640b0ac57da57",
      "fc612ba5ea7372caa194c1c69ee082ac89abde50d1a182455052a0f58ba30763",
      "0839886d0d90aae7a8feb33c51e14a02b75f4f93484ebef472e108c8a16e782b",
    ]);
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
