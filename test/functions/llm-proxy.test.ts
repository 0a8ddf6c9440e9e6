// End to end: the official openai SDK -> functions server (llm-proxy) -> fake provider speaking the
// real OpenAI / Anthropic wire formats; then the ledger rows are read back and checked exactly.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from "jose";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerText } from "../helpers/fake-provider.ts";
import { addMember, createAccount, createApiKey, createUser, waitFor } from "../helpers/fixtures.ts";
import { ledgerRow as readLedgerRow } from "../helpers/ledger-row.ts";
import { expectedCost } from "../helpers/prices.ts";
import {
  allProvidersAt,
  type ApiKeyStack,
  PROVIDER_KEYS,
  proxyClient,
  startWithApiKey,
  stopStack,
} from "../helpers/stack.ts";
import { formatDecimal, parseDecimal } from "../../functions/_shared/billing/decimal.ts";

let { sql, fake, fns, account, apiKey, client } = {} as ApiKeyStack;
/** A stand-in for the project's JWKS endpoint (Supabase's asymmetric JWT signing keys). */
let jwks: http.Server;
let signingKey: CryptoKey;

/** The ledger row of a request with its cost and OpenRouter's as text and its interaction row as JSON. */
const ledgerRow = (requestId: string | null) =>
  readLedgerRow(sql, requestId, {
    columns: sql`r.*, r.request_body, r.response_body, r.computed_cost::text as cost,
                 r.provider_cost::text as provider_cost_text, row_to_json(i.*) as interaction`,
  });

const sdk = (apiKeyOrJwt: string, headers: Record<string, string> = {}) => proxyClient(fns, apiKeyOrJwt, headers);

/** A streamed call of one user message through the SDK: the chunks and the HTTP response. */
async function streamChat(model: string, content: string) {
  const { data, response } = await client.chat.completions
    .create({ model, messages: [{ role: "user", content }], stream: true })
    .withResponse();
  return { stream: data, streamResponse: response };
}

beforeAll(async () => {
  const pair = await generateKeyPair("ES256");
  signingKey = pair.privateKey;
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "test-key-1", alg: "ES256", use: "sig" };
  jwks = http.createServer((_, res) =>
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [publicJwk] }))
  );
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  ({ sql, fake, fns, account, apiKey, client } = await startWithApiKey((fake) => ({
    SUPABASE_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/auth/v1/.well-known/jwks.json`,
    ...PROVIDER_KEYS,
    ...allProvidersAt(fake),
    UPSTREAM_TIMEOUT_MS: "1500",
    MAX_REQUEST_BYTES: "200000",
  })));
});

afterAll(async () => {
  await stopStack({ sql, fake, fns });
  jwks?.close();
});

describe("llm-proxy: OpenAI-compatible calls through the SDK", () => {
  it("answers a non-stream call and logs exact tokens and cost", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }], user: "end-user-42" })
      .withResponse();
    expect(data.choices[0].message.content).toBe(answerText(6));
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({
      account_id: account.id,
      account_slug: account.slug,
      api_key_id: apiKey.id,
      provider: "openrouter",
      model: "openai/gpt-4o-mini",
      completion_status: "complete",
      is_stream: false,
      prompt_tokens: 21,
      completion_tokens: 6,
      total_tokens: 27,
      usage_source: "provider",
      price_source: "model_prices",
      end_user: "end-user-42",
      http_status: 200,
    });
    expect(row.cost).toBe(expectedCost("openrouter/openai/gpt-4o-mini", { prompt: 21, completion: 6 }));
    // OpenRouter's own figure (usage.cost), asked for with usage.include, is stored beside ours.
    expect(row.provider_cost_text).toBe("0.0000123");
    expect(fake.requests.at(-1)!.body.usage).toEqual({ include: true });
    expect(row.interaction).toMatchObject({
      status: "success",
      model_name: "openai/gpt-4o-mini",
      llm_request_id: row.id,
    });
    expect(row.interaction.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("streams the answer, hides the usage chunk it asked for, and logs the stream's usage", async () => {
    const { stream, streamResponse } = await streamChat("openai/gpt-4o-mini", "stream please chunks:20");
    let text = "";
    let sawUsage = false;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) sawUsage = true;
    }
    expect(text).toBe(answerText(20));
    expect(sawUsage).toBe(false);
    expect(fake.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    const row = await ledgerRow(streamResponse.headers.get("x-request-id"));
    expect(row).toMatchObject({
      completion_status: "complete",
      is_stream: true,
      prompt_tokens: 21,
      completion_tokens: 6,
      usage_source: "provider",
      finish_reason: "stop",
    });
    expect(row.time_to_first_token_ms).toBeGreaterThanOrEqual(0);
    expect(row.cost).toBe(expectedCost("openrouter/openai/gpt-4o-mini", { prompt: 21, completion: 6 }));
    expect(row.response_body.choices[0].message.content).toBe(answerText(20));
  });

  it("passes the usage chunk through when the client asked for it", async () => {
    const { data: stream } = await client.chat.completions.create({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
      stream: true,
      stream_options: { include_usage: true },
    }).withResponse();
    const usages = [];
    for await (const chunk of stream) if (chunk.usage) usages.push(chunk.usage);
    expect(usages).toHaveLength(1);
    expect(usages[0]).toMatchObject({ prompt_tokens: 21, completion_tokens: 6, total_tokens: 27 });
  });

  it("streams tool calls and passes tools through untouched", async () => {
    const tools = [{
      type: "function" as const,
      function: { name: "get_weather", parameters: { type: "object", properties: { location: { type: "string" } } } },
    }];
    const { data: stream, response: streamResponse } = await client.chat.completions.create({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "Weather in Paris? scenario:tools" }],
      tools,
      stream: true,
    }).withResponse();
    let args = "";
    for await (const chunk of stream) args += chunk.choices[0]?.delta?.tool_calls?.[0]?.function?.arguments ?? "";
    expect(JSON.parse(args)).toEqual({ location: "Paris", unit: "celsius" });
    expect(fake.requests.at(-1)!.body.tools).toEqual(tools);
    const row = await ledgerRow(streamResponse.headers.get("x-request-id"));
    expect(row.finish_reason).toBe("tool_calls");
    expect(row.response_body.choices[0].message.tool_calls[0].function.name).toBe("get_weather");
  });

  it("logs a stream the client aborts as partial with the tokens seen so far", async () => {
    const controller = new AbortController();
    const { data: stream, response: streamResponse } = await client.chat.completions.create(
      {
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: "scenario:slow chunks:40 delay:30" }],
        stream: true,
      },
      { signal: controller.signal },
    ).withResponse();
    const requestId = streamResponse.headers.get("x-request-id");
    let received = 0;
    try {
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) received++;
        if (received === 3) controller.abort();
      }
    } catch {
      // Depending on timing the SDK ends the iteration or throws an abort error: both are fine.
    }
    expect(received).toBeLessThan(40);
    const row = await ledgerRow(requestId);
    expect(row.completion_status).toBe("partial");
    expect(row.error_code).toBe("client_disconnected");
    expect(row.usage_source).toBe("estimated");
    expect(row.completion_tokens).toBeGreaterThan(0);
    expect(row.prompt_tokens).toBeGreaterThan(0);
    expect(row.cost).not.toBeNull();
  });

  it("logs a stream the upstream cuts mid-way as partial, and the client sees the cut", async () => {
    const { stream, streamResponse } = await streamChat("openai/gpt-4o-mini", "scenario:cut cut:3");
    const requestId = streamResponse.headers.get("x-request-id");
    let text = "";
    await expect(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    }).rejects.toThrow();
    expect(text).toBe(answerText(3));
    const row = await ledgerRow(requestId);
    expect(row.completion_status).toBe("partial");
    expect(row.error_code).not.toBeNull();
    expect(row.usage_source).toBe("estimated");
  });
});

describe("llm-proxy: streams the provider breaks, and what the client did not ask for", () => {
  /** A raw streamed call: the exact bytes the client gets, and the request id. */
  async function rawStream(body: Record<string, unknown>) {
    const res = await fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey.key}`, "content-type": "application/json" },
      body: JSON.stringify({ stream: true, ...body }),
    });
    return { status: res.status, text: await res.text(), requestId: res.headers.get("x-request-id") };
  }
  const events = (text: string) => text.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));

  it.each(["truncate", "cut"])(
    "ends a stream the provider %ss with an OpenAI error chunk; the SDK throws",
    async (scenario) => {
      const raw = await rawStream({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: `scenario:${scenario} cut:3` }],
      });
      expect(raw.status).toBe(200);
      const last = JSON.parse(events(raw.text).at(-1)!);
      expect(last.error).toMatchObject({
        type: "upstream_error",
        code: scenario === "cut" ? "upstream_disconnected" : "stream_truncated",
      });
      expect(raw.text).not.toContain("data: [DONE]");
      const row = await ledgerRow(raw.requestId);
      expect(row).toMatchObject({
        completion_status: "partial",
        error_code: last.error.code,
        usage_source: "estimated",
      });

      const stream = await client.chat.completions.create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: `scenario:${scenario} cut:3` }],
        stream: true,
      });
      let text = "";
      await expect(async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      }).rejects.toThrow(OpenAI.APIError);
      expect(text).toBe(answerText(3));
    },
  );

  it("logs a cut Anthropic stream with the provider's prompt tokens from message_start", async () => {
    const raw = await rawStream({
      model: "anthropic:claude-sonnet-4-20250514",
      messages: [{ role: "user", content: "scenario:truncate cut:3" }],
    });
    expect(JSON.parse(events(raw.text).at(-1)!).error.code).toBe("stream_truncated");
    const row = await ledgerRow(raw.requestId);
    expect(row).toMatchObject({
      provider: "anthropic",
      completion_status: "partial",
      prompt_tokens: 21,
      error_code: "stream_truncated",
    });
    expect(row.completion_tokens).toBeGreaterThan(0);
  });

  it("hides usage fields and the usage chunk unless asked, and passes them through when asked", async () => {
    const plain = await rawStream({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
    expect(plain.text).not.toContain('"usage"');
    expect(plain.text.endsWith("data: [DONE]\n\n")).toBe(true);
    const asked = await rawStream({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
      stream_options: { include_usage: true },
    });
    expect(asked.text).toContain('"usage":null');
    const usage = JSON.parse(events(asked.text).at(-2)!).usage;
    expect(usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 6 });
    // The gateway asked OpenRouter for its cost; the client did not.
    expect(usage.cost).toBeUndefined();
    expect(fake.requests.at(-1)!.body.usage).toEqual({ include: true });
  });

  it("returns OpenRouter's usage.cost only to a client that asked for it", async () => {
    const plain = await client.chat.completions.create({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(plain.usage).toMatchObject({ prompt_tokens: 21 });
    expect((plain.usage as unknown as Record<string, unknown>).cost).toBeUndefined();
    const asked = await client.chat.completions.create({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "Hi" }],
      usage: { include: true },
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);
    expect((asked.usage as unknown as Record<string, unknown>).cost).toBe(0.0000123);
  });
});

describe("llm-proxy: Anthropic through the OpenAI format", () => {
  it("translates a non-stream call and prices cache tokens exactly", async () => {
    fake.setOptions({ cachedTokens: 100, cacheCreationTokens: 40 });
    try {
      const { data, response } = await client.chat.completions
        .create({
          model: "anthropic:claude-sonnet-4-20250514",
          messages: [{ role: "system", content: "Be brief" }, { role: "user", content: "Hi" }],
        })
        .withResponse();
      expect(data.choices[0].message.content).toBe(answerText(6));
      expect(data.object).toBe("chat.completion");
      const sent = fake.requests.at(-1)!;
      expect(sent.path).toBe("/v1/messages");
      expect(sent.body.system).toBeDefined();
      expect(sent.headers["x-api-key"]).toBe(PROVIDER_KEYS.ANTHROPIC_API_KEY);
      const row = await ledgerRow(response.headers.get("x-request-id"));
      // Anthropic's input_tokens exclude cache reads and writes; OpenAI's prompt_tokens include them.
      expect(row).toMatchObject({
        provider: "anthropic",
        prompt_tokens: 161,
        completion_tokens: 6,
        cached_tokens: 100,
        cache_creation_tokens: 40,
      });
      expect(row.cost).toBe(
        expectedCost("claude-sonnet-4-20250514", { prompt: 161, completion: 6, cached: 100, cacheWrite: 40 }),
      );
    } finally {
      fake.reset();
    }
  });

  it("input Anthropic cannot take is the client's 400, logged, not a 502", async () => {
    const err = await client.chat.completions.create({
      model: "anthropic:claude-sonnet-4-20250514",
      messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:image/png,not-base64" } }] }],
    }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ param: "messages[0].content[0]" });
    const row = await ledgerRow(err.headers.get("x-request-id"));
    expect(row).toMatchObject({ provider: "anthropic", http_status: 400, completion_status: "error" });
  });

  it("translates a stream into OpenAI chunks", async () => {
    const { stream, streamResponse } = await streamChat("anthropic:claude-sonnet-4-20250514", "Hi chunks:8");
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(answerText(8));
    const row = await ledgerRow(streamResponse.headers.get("x-request-id"));
    expect(row).toMatchObject({
      provider: "anthropic",
      completion_status: "complete",
      prompt_tokens: 21,
      completion_tokens: 6,
      usage_source: "provider",
    });
  });
});

describe("llm-proxy: errors in OpenAI's shape, and failed calls logged", () => {
  it("401 without credentials and with a revoked key (refused at once)", async () => {
    await expect(sdk("").chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] }))
      .rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const key = await createApiKey(sql, account, "to revoke");
    const keyed = sdk(key.key);
    await keyed.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
    await sql`update public.api_keys set revoked_at = now() where id = ${key.id}`;
    // The key is cached for 30 s; the revocation's notification must evict it within moments.
    const outcome = await waitFor(async () => {
      const o: unknown = await keyed.chat.completions
        .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
        .catch((e) => e);
      return o instanceof OpenAI.AuthenticationError && o;
    }, { timeoutMs: 1000, what: "the revoked key's 401" });
    expect(outcome).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("400 names the invalid field, and the rejected call is logged", async () => {
    const err = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }], temperature: 7 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.error).toMatchObject({ type: "invalid_request_error", param: "temperature" });
    const row = await ledgerRow(err.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "error", http_status: 400 });
  });

  it("404 for an unknown route, 413 for a body over the limit", async () => {
    const auth = { authorization: `Bearer ${apiKey.key}`, "content-type": "application/json" };
    const notFound = await fetch(`${fns.url}/llm-proxy/v1/audio/speech`, { method: "POST", headers: auth, body: "{}" });
    expect(notFound.status).toBe(404);
    expect((await notFound.json()).error.code).toBe("unknown_route");
    // Anthropic clients (anthropic-version) get Anthropic's error shape.
    const anthropicHeaders = { ...auth, "anthropic-version": "2023-06-01" };
    const anthropic404 = await fetch(`${fns.url}/llm-proxy/v1/audio/speech`, {
      method: "POST",
      headers: anthropicHeaders,
      body: "{}",
    });
    expect(await anthropic404.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const big = JSON.stringify({
      model: "openai/gpt-4o-mini",
      messages: [{ role: "user", content: "x".repeat(300_000) }],
    });
    const tooLarge = await fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
      method: "POST",
      headers: auth,
      body: big,
    });
    expect(tooLarge.status).toBe(413);
    expect((await tooLarge.json()).error.type).toBeTruthy();
  });

  it("passes an upstream 429 through with retry-after, and logs it", async () => {
    const err = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "scenario:rate_limit" }] })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get("retry-after")).toBe("7");
    const row = await ledgerRow(err.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "error", http_status: 429 });
  });

  it("502 when the upstream fails, 504 when it does not answer in time", async () => {
    const failed = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "scenario:server_error" }] })
      .catch((e) => e);
    expect(failed.status).toBe(502);
    const timedOut = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "scenario:hang" }] })
      .catch((e) => e);
    expect(timedOut.status).toBe(504);
    const row = await ledgerRow(timedOut.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "error", http_status: 504, error_code: "upstream_timeout" });
  });

  it("answers CORS preflights for browser apps", async () => {
    const res = await fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-headers")).toContain("authorization");
  });
});

describe("llm-proxy: users, accounts and permissions", () => {
  it("accepts a member's JWT and attributes the call to the user", async () => {
    const member = await addMember(sql, account, "member");
    const { response } = await sdk(member.jwt).chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({ user_id: member.id, api_key_id: null, account_id: account.id });
  });

  it("accepts a JWT signed with the project's asymmetric key (JWKS)", async () => {
    const member = await addMember(sql, account, "member");
    const token = await new SignJWT({ sub: member.id, role: "authenticated", aud: "authenticated" })
      .setProtectedHeader({ alg: "ES256", kid: "test-key-1" })
      .setExpirationTime("5m")
      .sign(signingKey);
    const { response } = await sdk(token).chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] })
      .withResponse();
    expect((await ledgerRow(response.headers.get("x-request-id"))).user_id).toBe(member.id);
    const forged = await new SignJWT({ sub: member.id, role: "authenticated" })
      .setProtectedHeader({ alg: "ES256", kid: "test-key-1" })
      .setExpirationTime("5m")
      .sign((await generateKeyPair("ES256")).privateKey);
    await expect(
      sdk(forged).chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    )
      .rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it("403 for a viewer (no use_agents)", async () => {
    const viewer = await addMember(sql, account, "viewer");
    await expect(
      sdk(viewer.jwt).chat.completions.create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: "x" }],
      }),
    )
      .rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
  });

  it("a user in two accounts picks one with x-account-slug", async () => {
    const user = await createUser(sql, "multi");
    const second = await createAccount(sql);
    await addMember(sql, account, "member", user);
    await addMember(sql, second, "member", user);
    await expect(
      sdk(user.jwt).chat.completions.create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: "x" }],
      }),
    )
      .rejects.toBeInstanceOf(OpenAI.BadRequestError);
    const { response } = await sdk(user.jwt, { "x-account-slug": second.slug }).chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      .withResponse();
    expect((await ledgerRow(response.headers.get("x-request-id"))).account_id).toBe(second.id);
  });
});

describe("llm-proxy: what the ledger keeps", () => {
  it("redacts PII and secrets, strips image bytes, never stores credentials", async () => {
    const image = `data:image/png;base64,${"iVBORw0KGgo".repeat(20)}`;
    const { response } = await client.chat.completions.create({
      model: "openai/gpt-4o-mini",
      messages: [{
        role: "user",
        content: [
          {
            type: "text",
            text: "Mail jane.doe@example.com, card 4111 1111 1111 1111, key sk-proj-abcdefghijklmnopqrstuvwxyz123456",
          },
          { type: "image_url", image_url: { url: image } },
        ],
      }],
    }).withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    const stored = JSON.stringify(row.request_body) + JSON.stringify(row.interaction);
    expect(stored).toContain("[REDACTED_EMAIL]");
    expect(stored).toContain("[REDACTED_CARD]");
    expect(stored).not.toContain("jane.doe@example.com");
    expect(stored).not.toContain("4111 1111 1111 1111");
    expect(stored).not.toContain("iVBORw0KGgo".repeat(20));
    expect(stored).not.toContain(apiKey.key);
    expect(row.interaction.file_metadata).toEqual([expect.objectContaining({ type: "image", mime: "image/png" })]);
    // The provider got the real content; the gateway logs and function output hold no secret.
    expect(JSON.stringify(fake.requests.at(-1)!.body)).toContain("jane.doe@example.com");
    for (const secret of [...Object.values(PROVIDER_KEYS), apiKey.key]) expect(fns.logs()).not.toContain(secret);
  });

  it("stores custom properties, the conversation id and the end user", async () => {
    const { response } = await sdk(apiKey.key, {
      "x-session-id": "conv-1",
      "x-metadata": JSON.stringify({ feature: "mentor", tier: "pro" }),
    })
      .chat.completions.create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: "x" }],
        metadata: { course: "sql-101" },
      })
      .withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row.conversation_id).toBe("conv-1");
    expect(row.properties).toEqual({ feature: "mentor", tier: "pro", course: "sql-101" });
  });

  it("an unknown model is logged with cost null and flagged, never 0", async () => {
    const { response } = await client.chat.completions
      .create({ model: "openai:model-nobody-prices", messages: [{ role: "user", content: "x" }] })
      .withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({ provider: "openai", price_source: "unknown", computed_cost: null, prompt_tokens: 21 });
  });

  it("prices with the account's own override, keyed by the model as the client writes it", async () => {
    const custom = await createAccount(sql);
    const key = await createApiKey(sql, custom);
    await sql`insert into public.account_model_prices (account_id, model, input_cost_per_token, output_cost_per_token)
              values (${custom.id}, 'openai/gpt-4o-mini', '0.000001', '0.000002')`;
    const { response } = await sdk(key.key).chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] })
      .withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row.price_source).toBe("account_override");
    // 21 prompt tokens x 0.000001 + 6 completion tokens x 0.000002, exactly.
    expect(formatDecimal(parseDecimal(row.cost))).toBe("0.000033");
  });

  it("honours an account's setting to omit bodies from logs", async () => {
    const quiet = await createAccount(sql);
    const key = await createApiKey(sql, quiet);
    await sql`update public.account_settings set log_request_bodies = false, log_response_bodies = false
               where account_id = ${quiet.id}`;
    const { response } = await sdk(key.key).chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "secret plans" }] })
      .withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row.request_body).toBeNull();
    expect(row.response_body).toBeNull();
    expect(JSON.stringify(row.interaction)).not.toContain("secret plans");
    expect(row.prompt_tokens).toBe(21);
  });

  it("lists models", async () => {
    const models = [];
    for await (const m of client.models.list()) models.push(m.id);
    // Each id routes as written: OpenAI's and Anthropic's models carry their routing prefix.
    expect(models).toContain("openai:gpt-4o-mini");
    expect(models).toContain("anthropic:claude-sonnet-4-20250514");
    expect(models).toContain("openai/gpt-4o-mini");
  });
});
