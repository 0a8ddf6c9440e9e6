import { describe, expect, it, vi } from "vitest";
import { ApiError, asApiError, badRequest } from "../../functions/_shared/http/errors.ts";
import { callMetadata, readJsonBody, requestLimitBytes } from "../../functions/_shared/http/request.ts";

/** A request whose body arrives in chunks without a content-length, as a chunked upload does. */
function chunkedRequest(chunks: string[]): Request {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  return new Request("http://x/", { method: "POST", body, duplex: "half" } as RequestInit);
}

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(() => null, (e) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("readJsonBody", () => {
  it("parses a body with a declared length and one streamed in chunks", async () => {
    const declared = new Request("http://x/", { method: "POST", body: '{"a":1}' });
    expect(await readJsonBody(declared, 100)).toEqual({ a: 1 });
    expect(await readJsonBody(chunkedRequest(['{"a":', '"ü"}']), 100)).toEqual({ a: "ü" });
  });

  it("answers 413 for a declared length over the limit and for a chunked body that grows past it", async () => {
    const declared = new Request("http://x/", { method: "POST", body: "x".repeat(101) });
    expect((await rejection(readJsonBody(declared, 100))).status).toBe(413);
    expect((await rejection(readJsonBody(chunkedRequest(["x".repeat(60), "x".repeat(60)]), 100))).status).toBe(413);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const err = await rejection(readJsonBody(new Request("http://x/", { method: "POST", body: "{nope" }), 100));
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_json");
  });
});

describe("requestLimitBytes", () => {
  it("lets an account lower the global limit but never raise it", () => {
    const global = requestLimitBytes(null);
    expect(requestLimitBytes(1000)).toBe(1000);
    expect(requestLimitBytes(global * 2)).toBe(global);
  });
});

describe("callMetadata", () => {
  const req = (headers: Record<string, string>) => new Request("http://x/", { headers });

  it("reads the client address, the conversation id and custom properties", () => {
    const meta = callMetadata(
      req({
        "x-forwarded-for": "203.0.113.7, 10.0.0.1",
        "x-session-id": "conv-9",
        "x-metadata": '{"feature":"mentor"}',
        "cf-ipcountry": "FR",
      }),
      "127.0.0.1",
    );
    // No trusted proxy or geo header is configured: the forwarded headers are the client's own claims.
    expect(meta).toEqual({
      ip: "127.0.0.1",
      country: null,
      conversationId: "conv-9",
      properties: { feature: "mentor" },
    });
  });

  it("refuses x-metadata that is not a JSON object", () => {
    for (const bad of ["[1,2]", "not json", "42"]) {
      expect(() => callMetadata(req({ "x-metadata": bad }), null)).toThrow(ApiError);
    }
  });
});

describe("asApiError", () => {
  it("passes an ApiError through untouched and prints nothing", () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const err = badRequest("Bad field", "model");
    expect(asApiError(err, "llm-proxy r1")).toBe(err);
    expect(log).not.toHaveBeenCalled();
    log.mockRestore();
  });

  it("turns anything else into a 500 internal_error that hides the cause, printed with where it happened", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    for (const thrown of [new Error('relation "internal_table" does not exist'), "a string", null]) {
      const error = asApiError(thrown, "chat r2");
      expect(error.status).toBe(500);
      expect(error.toJSON()).toEqual({
        error: {
          message: "The gateway failed to process the request",
          type: "server_error",
          code: "internal_error",
          param: null,
        },
      });
      expect(await error.toResponse().text()).not.toContain("internal_table");
    }
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      'chat r2: relation "internal_table" does not exist',
      "chat r2: unexpected error",
      "chat r2: unexpected error",
    ]);
    log.mockRestore();
  });
});
