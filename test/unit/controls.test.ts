// Gateway controls, the parts that need no database: windows, headers, retry-after, cache keys,
// fallbacks, and the in-memory allowance that spares a round trip per call far from a limit.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Caller } from "../../functions/_shared/auth/caller.ts";
import { isContextWindowError, takeFallbacks } from "../../functions/_shared/controls/fallback.ts";
import {
  applicable,
  formatReset,
  type LimitRow,
  reserve,
  resetLeases,
  windowOf,
} from "../../functions/_shared/controls/limits.ts";
import { cacheKey, cacheTtl } from "../../functions/_shared/controls/response-cache.ts";
import { maxRetriesHeader, retryAfterMs } from "../../functions/_shared/controls/retry.ts";
import type { Sql } from "../../functions/_shared/runtime/db.ts";
import { ZERO } from "../../functions/_shared/billing/decimal.ts";
import { ApiError } from "../../functions/_shared/http/errors.ts";
import type { ChatCompletionRequest } from "../../functions/_shared/openai/chat-schema.ts";

const caller: Caller = {
  accountId: "00000000-0000-0000-0000-00000000000a",
  accountSlug: "a",
  userId: null,
  apiKeyId: "00000000-0000-0000-0000-0000000000k1",
  settings: { log_request_bodies: true, log_response_bodies: true, max_request_bytes: null },
};

describe("windows and reset headers", () => {
  it("aligns windows to UTC minutes, hours, days and calendar months", () => {
    const t = Date.UTC(2026, 1, 28, 23, 59, 30, 500);
    expect(windowOf("minute", t)).toEqual({ start: Date.UTC(2026, 1, 28, 23, 59), end: Date.UTC(2026, 2, 1, 0, 0) });
    expect(windowOf("hour", t).start).toBe(Date.UTC(2026, 1, 28, 23));
    expect(windowOf("day", t)).toEqual({ start: Date.UTC(2026, 1, 28), end: Date.UTC(2026, 2, 1) });
    expect(windowOf("month", t)).toEqual({ start: Date.UTC(2026, 1, 1), end: Date.UTC(2026, 2, 1) });
    expect(windowOf("month", Date.UTC(2026, 11, 31, 12)).end).toBe(Date.UTC(2027, 0, 1));
  });

  it("formats resets like OpenAI", () => {
    expect(formatReset(400)).toBe("1s");
    expect(formatReset(59_000)).toBe("59s");
    expect(formatReset(360_000)).toBe("6m0s");
    expect(formatReset(3_723_000)).toBe("1h2m3s");
    expect(formatReset(2 * 86_400_000 + 1000)).toBe("2d0h0m1s");
  });
});

describe("which limits apply", () => {
  const row = (r: Partial<LimitRow>): LimitRow => ({
    id: "l1",
    scope: "account",
    subject: null,
    period: "minute",
    max_requests: "5",
    max_tokens: null,
    max_cost_usd: null,
    ...r,
  });

  it("keys each limit by its row and subject; tier defaults by account", () => {
    const limits = applicable(
      [
        row({ id: null }),
        row({ id: "k", scope: "api_key", subject: caller.apiKeyId }),
        row({ id: "other", scope: "api_key", subject: "another-key" }),
        row({ id: "u", scope: "user" }),
        row({ id: "e", scope: "end_user" }),
        row({ id: "e2", scope: "end_user", subject: "bob" }),
      ],
      caller,
      "alice",
    );
    expect(limits.map((l) => l.key)).toEqual([
      `tier:minute:${caller.accountId}`,
      `k:${caller.apiKeyId}`,
      `e:${createHash("sha256").update("alice").digest("hex")}`,
    ]);
    expect(applicable([row({ id: "e2", scope: "end_user", subject: "bob" })], caller, "bob")).toHaveLength(1);
  });
});

/**
 * A stand-in for private.reserve_usage with its grant rule (need, plus an eighth of what would
 * remain, at most 50 needs), counting round trips.
 */
function fakeDb() {
  const counters = new Map<string, number>();
  let trips = 0;
  const sql = ((_strings: TemplateStringsArray, items: string) => {
    trips++;
    const parsed = JSON.parse(items) as { key: string; max_requests: number; need_requests: number }[];
    const fits = parsed.every((i) => (counters.get(i.key) ?? 0) + i.need_requests <= i.max_requests);
    const out = parsed.map((i) => {
      const used = counters.get(i.key) ?? 0;
      const grant = fits
        ? i.need_requests +
          Math.min(i.need_requests * 50, Math.max(0, Math.floor((i.max_requests - used - i.need_requests) / 8)))
        : 0;
      counters.set(i.key, used + grant);
      return {
        key: i.key,
        requests: String(used + grant),
        tokens: "0",
        cost_usd: "0",
        granted_requests: String(grant),
        granted_tokens: "0",
        granted_cost_usd: "0",
      };
    });
    return Promise.resolve([{ result: { ok: fits, failed: fits ? null : parsed[0].key, items: out } }]);
  }) as unknown as Sql;
  return { sql, trips: () => trips, used: (key: string) => counters.get(key) ?? 0 };
}

describe("reservations", () => {
  const need = { requests: 1, tokens: 0, cost: ZERO };
  const limitOf = (max: number) =>
    applicable(
      [{
        id: `l-${max}`,
        scope: "account",
        subject: null,
        period: "day",
        max_requests: String(max),
        max_tokens: null,
        max_cost_usd: null,
      }],
      caller,
      null,
    );

  it("far from the limit, most calls are served from memory; near it, each reserves; never past it", async () => {
    resetLeases();
    const db = fakeDb();
    const limits = limitOf(1000);
    for (let i = 0; i < 1000; i++) await reserve(db.sql, caller.accountId, limits, need);
    expect(db.used(limits[0].key)).toBe(1000);
    // 1000 calls, 46 round trips: a spare chunk of up to 50 calls far from the limit, less and less near it.
    expect(db.trips()).toBe(46);
    for (let i = 0; i < 3; i++) {
      const refused = await reserve(db.sql, caller.accountId, limits, need).catch((e) => e);
      expect(refused).toBeInstanceOf(ApiError);
      expect((refused as ApiError).code).toBe("rate_limit_exceeded");
      expect((refused as ApiError).headers["retry-after"]).toMatch(/^\d+$/);
    }
    expect(db.used(limits[0].key)).toBe(1000);
  });

  it("the first call far from a limit takes a spare chunk, so the next ones need no round trip", async () => {
    resetLeases();
    const db = fakeDb();
    const limits = limitOf(100_000);
    for (let i = 0; i < 51; i++) await reserve(db.sql, caller.accountId, limits, need);
    expect(db.trips()).toBe(1);
    await reserve(db.sql, caller.accountId, limits, need);
    expect(db.trips()).toBe(2);
  });

  it("reports the tightest request limit in OpenAI's headers", async () => {
    resetLeases();
    const db = fakeDb();
    const { headers } = await reserve(db.sql, caller.accountId, limitOf(10), need);
    expect(headers["x-ratelimit-limit-requests"]).toBe("10");
    expect(headers["x-ratelimit-remaining-requests"]).toBe("9");
    expect(headers["x-ratelimit-reset-requests"]).toMatch(/^(\d+h)?(\d+m)?\d+s$/);
  });
});

describe("retries", () => {
  it("reads retry-after-ms, retry-after seconds and dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    const now = Date.parse("2026-11-27T08:00:00Z");
    expect(retryAfterMs(new Headers({ "retry-after": "Fri, 27 Nov 2026 08:00:03 GMT" }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeNull();
    expect(retryAfterMs(new Headers())).toBeNull();
  });

  it("accepts x-max-retries 0-5 only", () => {
    const req = (v: string) => new Request("http://x/", { headers: { "x-max-retries": v } });
    expect(maxRetriesHeader(req("0"))).toBe(0);
    expect(maxRetriesHeader(req("5"))).toBe(5);
    for (const bad of ["6", "-1", "1.5", "two", "99"]) expect(() => maxRetriesHeader(req(bad))).toThrow(ApiError);
    expect(maxRetriesHeader(new Request("http://x/"))).toBeNull();
  });
});

describe("fallbacks", () => {
  const body = { model: "m", messages: [{ role: "user", content: "x" }] } as ChatCompletionRequest;

  it("takes the field out of the body and validates it", () => {
    const taken = takeFallbacks({ ...body, fallbacks: ["anthropic:claude-x"] } as ChatCompletionRequest);
    expect(taken).toEqual({ body, fallbacks: ["anthropic:claude-x"] });
    expect(takeFallbacks(body)).toEqual({ body, fallbacks: null });
    for (const bad of ["x", [1], [""], ["a".repeat(257)], Array(6).fill("m")]) {
      expect(() => takeFallbacks({ ...body, fallbacks: bad } as ChatCompletionRequest)).toThrow(ApiError);
    }
  });

  it("recognises context-window errors of OpenAI, Anthropic and OpenRouter", () => {
    expect(isContextWindowError(400, '{"error":{"code":"context_length_exceeded"}}')).toBe(true);
    expect(isContextWindowError(400, "prompt is too long: 200001 tokens > 200000 maximum")).toBe(true);
    expect(isContextWindowError(400, "This endpoint's maximum context length is 8192 tokens")).toBe(true);
    expect(isContextWindowError(400, "Invalid value for 'messages'.")).toBe(false);
    expect(isContextWindowError(500, "context_length_exceeded")).toBe(false);
  });
});

describe("response cache keys", () => {
  const base = { model: "m", messages: [{ role: "user", content: "x" }], temperature: 0.2 } as ChatCompletionRequest;

  it("ignore key order, user and metadata, and keep everything that changes the answer", () => {
    const key = cacheKey(base);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKey({ temperature: 0.2, messages: base.messages, model: "m" } as ChatCompletionRequest)).toBe(
      key,
    );
    expect(cacheKey({ ...base, user: "u", metadata: { a: "b" } })).toBe(key);
    expect(cacheKey({ ...base, stream: false })).toBe(key);
    expect(cacheKey({ ...base, temperature: 0.3 })).not.toBe(key);
    expect(cacheKey({ ...base, stream: true })).not.toBe(key);
    expect(cacheKey({ ...base, tools: [{ type: "function", function: { name: "f" } }] } as ChatCompletionRequest))
      .not.toBe(key);
  });

  it("x-cache-ttl overrides the account's setting; 0 turns caching off", () => {
    const req = (v?: string) => new Request("http://x/", { headers: v === undefined ? {} : { "x-cache-ttl": v } });
    expect(cacheTtl(req(), null)).toBeNull();
    expect(cacheTtl(req(), 300)).toBe(300);
    expect(cacheTtl(req("60"), null)).toBe(60);
    expect(cacheTtl(req("0"), 300)).toBeNull();
    for (const bad of ["-1", "1e3", "604801", "soon"]) expect(() => cacheTtl(req(bad), null)).toThrow(ApiError);
  });
});
