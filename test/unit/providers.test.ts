import { describe, expect, it } from "vitest";
import { chatCompletionRequestSchema } from "../../functions/_shared/openai/chat-schema.ts";
import {
  openAICompatibleAdapter,
  PROVIDER_ROUTES,
  resolveProvider,
  splitModel,
} from "../../functions/_shared/providers/index.ts";

const env = {
  OPENROUTER_API_KEY: "sk-or-v1-test",
  OPENAI_API_KEY: "sk-test",
  ANTHROPIC_API_KEY: "sk-ant-test",
  OPENAI_COMPAT_BASE_URL: "http://127.0.0.1:11434/v1/",
};

describe("model routing", () => {
  it.each([
    ["openai/gpt-4o-mini", "openrouter", "openai/gpt-4o-mini"],
    ["anthropic/claude-sonnet-4", "openrouter", "anthropic/claude-sonnet-4"],
    ["meta-llama/llama-3.1-8b-instruct:free", "openrouter", "meta-llama/llama-3.1-8b-instruct:free"],
    ["gpt-4o", "openrouter", "gpt-4o"],
    ["openrouter:openai/gpt-4o", "openrouter", "openai/gpt-4o"],
    ["openai:gpt-4o-mini", "openai", "gpt-4o-mini"],
    ["anthropic:claude-3-5-haiku-20241022", "anthropic", "claude-3-5-haiku-20241022"],
    ["compat:llama3.1:8b", "compat", "llama3.1:8b"],
    ["llama3.1:8b", "openrouter", "llama3.1:8b"],
    ["unknown:thing", "openrouter", "unknown:thing"],
  ])("%s -> %s receives %s", (model, provider, upstream) => {
    expect(splitModel(model)).toEqual({ provider, model: upstream });
    const r = resolveProvider(model, env);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.target.provider).toBe(provider);
      expect(r.value.target.model).toBe(upstream);
      expect(r.value.target.requestedModel).toBe(model);
      expect(r.value.adapter.provider).toBe(provider);
    }
  });

  it("takes base URLs and keys from env, with vendor defaults", () => {
    const r = resolveProvider("compat:qwen", env);
    expect(r.ok && r.value.target).toMatchObject({ baseUrl: "http://127.0.0.1:11434/v1", apiKey: null });
    const o = resolveProvider("openai:gpt-4o", { ...env, OPENAI_BASE_URL: "http://127.0.0.1:5/v1" });
    expect(o.ok && o.value.target).toMatchObject({ baseUrl: "http://127.0.0.1:5/v1", apiKey: "sk-test" });
    const d = resolveProvider("x/y", env);
    expect(d.ok && d.value.target.baseUrl).toBe("https://openrouter.ai/api/v1");
  });

  it("uses LLM_DEFAULT_PROVIDER for unprefixed models", () => {
    const r = resolveProvider("gpt-4o", { ...env, LLM_DEFAULT_PROVIDER: "openai" });
    expect(r.ok && r.value.target.provider).toBe("openai");
  });

  it("answers 404 model_not_found when the provider is not configured", () => {
    const r = resolveProvider("anthropic:claude-3-7-sonnet-20250219", { OPENROUTER_API_KEY: "k" });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.status).toBe(404);
      expect(r.error.code).toBe("model_not_found");
      expect(r.error.message).not.toContain("sk-");
    }
    expect(resolveProvider("compat:x", env).ok).toBe(true);
    expect(resolveProvider("compat:x", {}).ok).toBe(false);
  });

  it("routes the README table's examples to the model each provider receives", () => {
    expect(PROVIDER_ROUTES.map((r) => r.provider).sort()).toEqual(["anthropic", "compat", "openai", "openrouter"]);
    const examples: Array<[string, string, string]> = [
      ["openai/gpt-4o-mini", "openrouter", "openai/gpt-4o-mini"],
      ["openrouter:openai/gpt-4o-mini", "openrouter", "openai/gpt-4o-mini"],
      ["openai:gpt-4o-mini", "openai", "gpt-4o-mini"],
      ["anthropic:claude-sonnet-4-20250514", "anthropic", "claude-sonnet-4-20250514"],
      ["compat:llama3.1:8b", "compat", "llama3.1:8b"],
    ];
    const all = Object.fromEntries(PROVIDER_ROUTES.flatMap((r) => [[r.apiKeyEnv, "k"], [r.baseUrlEnv, "http://h/v1"]]));
    for (const [model, provider, upstream] of examples) {
      const res = resolveProvider(model, { ...env, ...all });
      expect(res.ok && [res.value.target.provider, res.value.target.model], model).toEqual([provider, upstream]);
    }
  });
});

describe("OpenAI-format upstream requests", () => {
  const target = (provider: "openrouter" | "openai") => ({
    provider,
    requestedModel: "m",
    model: "openai/gpt-4o-mini",
    baseUrl: "http://up/v1",
    apiKey: "key",
  });

  it("asks for usage on streams, remembers what the client asked, passes unknown fields", () => {
    const body = chatCompletionRequestSchema.parse({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      plugins: [{ id: "web" }],
      reasoning: { effort: "low" },
    });
    const call = openAICompatibleAdapter("openrouter").buildRequest(body, target("openrouter"));
    expect(call.clientWantsUsage).toBe(false);
    expect(call.stream).toBe(true);
    expect(call.request.url).toBe("http://up/v1/chat/completions");
    expect(call.request.init.headers.authorization).toBe("Bearer key");
    const sent = JSON.parse(call.request.init.body);
    expect(sent).toEqual({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      plugins: [{ id: "web" }],
      reasoning: { effort: "low" },
      stream_options: { include_usage: true },
      usage: { include: true },
    });
  });

  it("does not add stream_options to non-stream calls or usage accounting outside OpenRouter", () => {
    const body = chatCompletionRequestSchema.parse({
      model: "openai:gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      stream_options: null,
    });
    const call = openAICompatibleAdapter("openai").buildRequest(body, { ...target("openai"), model: "gpt-4o" });
    const sent = JSON.parse(call.request.init.body);
    expect(sent.stream_options).toBeNull();
    expect(sent.usage).toBeUndefined();
    expect(sent.model).toBe("gpt-4o");
    const streamed = openAICompatibleAdapter("openai").buildRequest({
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    }, target("openai"));
    expect(streamed.clientWantsUsage).toBe(true);
  });

  it("maps upstream errors: 429 keeps retry-after, provider auth failures become 502", () => {
    const a = openAICompatibleAdapter("openai");
    const rl = a.normalizeError(
      429,
      JSON.stringify({ error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }),
      new Headers({ "retry-after": "7" }),
    );
    expect(rl.status).toBe(429);
    expect(rl.headers).toEqual({ "retry-after": "7" });
    expect(a.normalizeError(401, JSON.stringify({ error: { message: "Incorrect API key" } }), new Headers()).status)
      .toBe(502);
    expect(
      a.normalizeError(
        404,
        JSON.stringify({ error: { message: "no such model", code: "model_not_found" } }),
        new Headers(),
      ).status,
    ).toBe(404);
    expect(a.normalizeError(500, "<html>oops</html>", new Headers()).toJSON().error.message).toContain("oops");
  });
});
