import { describe, expect, it } from "vitest";
import { isConnectionError, storableEscapes, storableText } from "../../functions/_shared/ledger/writer.ts";
import { capDepth, DEPTH_PLACEHOLDER, jsonDepthExceeds } from "../../functions/_shared/http/limits.ts";

describe("storableEscapes", () => {
  it("turns NUL and lone surrogates into U+FFFD in values and keys, leaving everything else as written", () => {
    const value = {
      "k\u0000": "a\u0000b",
      backslashThenNul: "\\\u0000",
      literal: "\\u0000",
      doubleLiteral: "\\\\u0000",
      pair: "🚀",
      loneHigh: "x\ud800",
      loneLow: "\udc00y",
      reversed: "\udc00\ud800",
      controls: "\u0001\n\t",
    };
    expect(JSON.parse(storableEscapes(JSON.stringify(value)))).toEqual({
      "k\ufffd": "a\ufffdb",
      backslashThenNul: "\\\ufffd",
      literal: "\\u0000",
      doubleLiteral: "\\\\u0000",
      pair: "🚀",
      loneHigh: "x\ufffd",
      loneLow: "\ufffdy",
      reversed: "\ufffd\ufffd",
      controls: "\u0001\n\t",
    });
  });

  it("is the plain JSON text when there is nothing to replace", () => {
    const value = { a: [1, "two", { three: null }], b: "ünïcødé ✓" };
    expect(storableEscapes(JSON.stringify(value))).toBe(JSON.stringify(value));
  });
});

describe("storableText", () => {
  it("replaces NUL and lone surrogates, keeps pairs", () => {
    expect(storableText("a\u0000b\ud800c🚀\udfff")).toBe("a\ufffdb\ufffdc🚀\ufffd");
  });
});

describe("isConnectionError", () => {
  it("is true only for a lost or refused connection", () => {
    const err = (code: string, name = "Error") => Object.assign(new Error("x"), { code, name });
    for (
      const code of [
        "ECONNREFUSED",
        "ECONNRESET",
        "CONNECTION_CLOSED",
        "CONNECT_TIMEOUT",
        "08006",
        "08001",
        "57P01",
        "57P03",
      ]
    ) {
      expect(isConnectionError(err(code)), code).toBe(true);
    }
    expect(isConnectionError(Object.assign(new Error("x"), { name: "ConnectionRefused" }))).toBe(true);
    for (const code of ["54000", "22P05", "23503", "42P01", "XX000", "57014", "40P01"]) {
      expect(isConnectionError(err(code)), code).toBe(false);
    }
    expect(isConnectionError(new RangeError("Maximum call stack size exceeded"))).toBe(false);
    expect(isConnectionError(null)).toBe(false);
  });
});

describe("JSON depth", () => {
  it("measures any depth without recursion and cuts a copy at the limit", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? { a: deep } : [deep];
    expect(jsonDepthExceeds(deep)).toBe(true);
    expect(jsonDepthExceeds({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(jsonDepthExceeds({ a: [{ b: 1 }] }, 2)).toBe(true);
    const cut = capDepth({ keep: 1, deep: { a: { b: { c: 1 } } } }, 3);
    expect(cut).toEqual({ keep: 1, deep: { a: { b: DEPTH_PLACEHOLDER } } });
    const shallow = { a: [1, 2] };
    expect(capDepth(shallow)).toBe(shallow);
  });
});
