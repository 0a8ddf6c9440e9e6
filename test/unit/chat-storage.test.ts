import { describe, expect, it } from "vitest";
import { storableJson } from "../../functions/chat/conversation.ts";

describe("storableJson", () => {
  it("replaces NUL characters, and only them, with U+FFFD", () => {
    const rows = [
      {
        role: "assistant" as const,
        content: "a\u0000b \\u0000 \\\u0000",
        metadata: { k: "\u0000", nested: ["x\u0000"] },
      },
    ];
    const parsed = JSON.parse(storableJson(rows));
    expect(parsed).toEqual([{
      role: "assistant",
      content: "a\ufffdb \\u0000 \\\ufffd",
      metadata: { k: "\ufffd", nested: ["x\ufffd"] },
    }]);
  });
});
