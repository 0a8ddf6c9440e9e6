// Pure parts of the chat function: config validation, session keys and cookies, context building.
import { describe, expect, it } from "vitest";
import { fitHistory, toChatMessages, toolCallMessage, toolResultMessage } from "../../functions/chat/conversation.ts";
import type { Schema } from "@cfworker/json-schema";
import { validateConfig } from "../../functions/chat/instance.ts";
import { newSessionKey, sessionCookie, sessionKeyFrom } from "../../functions/chat/session.ts";

const schema: Schema = {
  type: "object",
  properties: {
    model: { type: "string", minLength: 1 },
    temperature: { type: "number", minimum: 0, maximum: 2 },
    history_limit: { type: "integer", minimum: 0 },
  },
  required: ["model"],
  additionalProperties: false,
};

describe("validateConfig", () => {
  it("accepts a valid config", () => {
    expect(validateConfig("a", { model: "m", temperature: 1 }, schema, "simple_chat")).toEqual({
      ok: true,
      value: { model: "m", temperature: 1 },
    });
  });

  it("names the bad field and the template", () => {
    const r = validateConfig("support", { model: "m", temperature: 7 }, schema, "simple_chat");
    if (r.ok) throw new Error("expected invalid");
    expect(r.error.status).toBe(500);
    expect(r.error.code).toBe("invalid_instance_config");
    expect(r.error.param).toBe("temperature");
    expect(r.error.message).toContain("'support'");
    expect(r.error.message).toContain("template simple_chat");
    expect(r.error.message).toContain("'temperature': 7 is greater than 2");
  });

  it("reports unknown keys and a missing model", () => {
    const r = validateConfig("a", { modle: "m" }, schema, "simple_chat");
    if (r.ok) throw new Error("expected invalid");
    expect(r.error.message).toMatch(/required property "model"/);
    expect(r.error.message).toMatch(/"modle"/);
  });

  it("needs a model even without a template", () => {
    expect(validateConfig("a", {}, null, null).ok).toBe(false);
  });
});

describe("session keys and cookies", () => {
  it("keys are 256 random bits, base64url", () => {
    const keys = new Set(Array.from({ length: 100 }, newSessionKey));
    expect(keys.size).toBe(100);
    for (const k of keys) expect(k).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("reads only this account's cookie, and only a well-formed key", () => {
    const key = newSessionKey();
    const req = (cookie: string) => new Request("http://x/", { headers: { cookie } });
    expect(sessionKeyFrom(req(`other=1; chat_session_acme=${key}`), "acme")).toBe(key);
    expect(sessionKeyFrom(req(`chat_session_demo=${key}`), "acme")).toBeNull();
    expect(sessionKeyFrom(req("chat_session_acme=short"), "acme")).toBeNull();
  });

  it("sets a cross-site, script-proof cookie", () => {
    const cookie = sessionCookie("acme", "k");
    for (const attr of ["HttpOnly", "Secure", "SameSite=None", "Partitioned", "Path=/", "Max-Age=3600"]) {
      expect(cookie).toContain(attr);
    }
  });
});

const msg = (role: string, content: string, metadata: Record<string, unknown> = {}) => ({
  role,
  content,
  metadata: metadata as never,
});

describe("fitHistory", () => {
  const history = Array.from(
    { length: 10 },
    (_, i) => msg(i % 2 ? "assistant" : "human", `message number ${i} `.repeat(20)),
  );

  it("keeps everything when the bytes fit", async () => {
    expect(await fitHistory([msg("human", "hi")], history, 100_000)).toHaveLength(10);
  });

  it("keeps the newest messages that fit the token budget beside the fixed ones", async () => {
    const fitted = await fitHistory([msg("system", "Be brief.")], history, 400);
    expect(fitted.length).toBeGreaterThan(0);
    expect(fitted.length).toBeLessThan(10);
    expect(fitted.at(-1)).toBe(history.at(-1));
  });

  it("keeps nothing when the fixed messages use the whole budget", async () => {
    expect(await fitHistory([msg("human", "word ".repeat(500))], history, 100)).toEqual([]);
  });
});

describe("toChatMessages", () => {
  const call = toolCallMessage({
    index: 0,
    id: "call_1",
    type: "function",
    function: { name: "get_weather", arguments: '{"location":"SF"}' },
  }, "req-1");
  const result = toolResultMessage({ tool_call_id: "call_1", content: "68F", execution_time_ms: 245 });

  it("stores tool calls and results in the seed's shape", () => {
    expect(call).toEqual({
      role: "tool",
      content: 'get_weather({"location":"SF"})',
      metadata: {
        tool_type: "call",
        tool_name: "get_weather",
        tool_id: "call_1",
        input: { location: "SF" },
        llm_request_id: "req-1",
      },
    });
    expect(result.metadata).toEqual({
      tool_type: "result",
      tool_call_id: "call_1",
      status: "success",
      execution_time_ms: 245,
    });
  });

  it("maps roles and attaches tool calls to their model call's assistant message", () => {
    const rows = [
      msg("human", "weather?"),
      msg("assistant", "Let me check.", { llm_request_id: "req-1" }),
      call,
      result,
      msg("developer", "Answer in Celsius."),
      msg("assistant", "It's 20C."),
    ];
    expect(toChatMessages(rows)).toEqual([
      { role: "user", content: "weather?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"location":"SF"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_1", content: "68F" },
      { role: "developer", content: "Answer in Celsius." },
      { role: "assistant", content: "It's 20C." },
    ]);
  });

  it("drops unanswered calls and orphan results", () => {
    expect(toChatMessages([msg("human", "a"), call, msg("human", "b")])).toEqual([
      { role: "user", content: "a" },
      { role: "user", content: "b" },
    ]);
    expect(toChatMessages([result, msg("human", "b")])).toEqual([{ role: "user", content: "b" }]);
  });
});
