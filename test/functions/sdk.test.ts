// Every SDK unchanged against llm-proxy: openai (embeddings, models, Responses), @anthropic-ai/sdk
// (Messages), and the Vercel AI SDK (@ai-sdk/openai's default Responses provider, embed, and
// @ai-sdk/anthropic). The fake provider speaks each wire format; each call's ledger row is checked.
import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { createOpenAI } from "@ai-sdk/openai";
import { embed } from "ai";
import OpenAI from "openai";
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeProvider, type FakeProvider } from "../helpers/fake-provider.ts";
import { createAccount, createApiKey, type TestAccount } from "../helpers/fixtures.ts";
import { adminSql, startFunctions, type TestFunctions } from "../helpers/stack.ts";
import { addDecimals, formatDecimal, mulInt, parseDecimal } from "../../functions/_shared/decimal.ts";

const prices = JSON.parse(readFileSync("supabase/model_prices.json", "utf8"));

/** Exact decimal cost from the price file. */
function expectedCost(priceKey: string, t: { prompt: number; completion: number; cached?: number; cacheWrite?: number }): string {
  const p = prices[priceKey];
  const d = (v: number | undefined, fallback: number) => parseDecimal(String(v ?? fallback));
  const cached = t.cached ?? 0;
  const written = t.cacheWrite ?? 0;
  return formatDecimal(addDecimals(
    mulInt(d(p.input_cost_per_token, 0), t.prompt - cached - written),
    mulInt(d(p.cache_read_input_token_cost, p.input_cost_per_token), cached),
    mulInt(d(p.cache_creation_input_token_cost, p.input_cost_per_token), written),
    mulInt(d(p.output_cost_per_token, 0), t.completion),
  ));
}

let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;
let account: TestAccount;
let apiKey: { id: string; key: string };
let openai: OpenAI;
let baseURL: string;

/** The ledger row of a request (by id), waiting for the asynchronous write. */
async function ledgerRow(requestId: string | null | undefined, timeoutMs = 10_000) {
  expect(requestId, "x-request-id header").toMatch(/^[0-9a-f-]{36}$/);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await sql`
      select r.*, r.computed_cost::text as cost, i.request as logged_request, i.response as logged_response
        from public.llm_requests r left join public.ai_interactions i on i.llm_request_id = r.id
       where r.id = ${requestId!}`;
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no llm_requests row for ${requestId}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The newest row of the test account, for SDKs that do not expose response headers. */
async function lastRow(after: Date) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [row] = await sql`select id from public.llm_requests where account_id = ${account.id} and created_at >= ${after}
                             order by created_at desc limit 1`;
    if (row) return ledgerRow(row.id);
    if (Date.now() > deadline) throw new Error("no new llm_requests row");
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  sql = adminSql();
  fake = await startFakeProvider();
  fns = await startFunctions({
    OPENROUTER_API_KEY: "sk-or-v1-test-openrouter-provider-key-0123456789",
    OPENAI_API_KEY: "sk-proj-test-openai-provider-key-0123456789abcdef",
    ANTHROPIC_API_KEY: "sk-ant-api03-test-anthropic-provider-key-0123456789",
    OPENROUTER_BASE_URL: fake.openaiBaseUrl,
    OPENAI_BASE_URL: fake.openaiBaseUrl,
    ANTHROPIC_BASE_URL: fake.url,
    UPSTREAM_TIMEOUT_MS: "3000",
  });
  account = await createAccount(sql);
  apiKey = await createApiKey(sql, account);
  baseURL = `${fns.url}/llm-proxy/v1`;
  openai = new OpenAI({ apiKey: apiKey.key, baseURL, maxRetries: 0 });
});

afterAll(async () => {
  await fns?.stop();
  await fake?.stop();
  await sql?.end();
});

describe("models", () => {
  it("lists ids that route as written, and retrieves one (openai SDK)", async () => {
    const ids = [];
    for await (const m of openai.models.list()) ids.push(m.id);
    // OpenRouter is the default provider: its ids go bare; others carry their routing prefix.
    expect(ids).toEqual(expect.arrayContaining(["openai/gpt-4o-mini", "openai:gpt-4o-mini", "anthropic:claude-sonnet-4-20250514"]));
    expect(ids).not.toContain("gpt-4o-mini");
    expect(ids.some((id) => id.startsWith("openrouter/"))).toBe(false);
    const model = await openai.models.retrieve("openai:gpt-4o-mini");
    expect(model).toMatchObject({ id: "openai:gpt-4o-mini", object: "model", owned_by: "openai" });
    const slashed = await openai.models.retrieve("openai/gpt-4o-mini");
    expect(slashed.id).toBe("openai/gpt-4o-mini");
    await expect(openai.models.retrieve("no-such-model")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers in Anthropic's shape to Anthropic clients (x-api-key)", async () => {
    const anthropic = new Anthropic({ apiKey: apiKey.key, baseURL: `${fns.url}/llm-proxy`, maxRetries: 0 });
    const ids = [];
    for await (const m of anthropic.models.list()) {
      expect(m.type).toBe("model");
      ids.push(m.id);
    }
    expect(ids).toContain("anthropic:claude-sonnet-4-20250514");
    const one = await anthropic.models.retrieve("anthropic:claude-sonnet-4-20250514");
    expect(one).toMatchObject({ type: "model", id: "anthropic:claude-sonnet-4-20250514" });
    await expect(anthropic.models.retrieve("nope")).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe("embeddings", () => {
  it("passes embeddings through (openai SDK), logs tokens and dimensions without vectors, prices them", async () => {
    const { data, response } = await openai.embeddings
      .create({ model: "openai:text-embedding-3-small", input: ["first text", "second text"], dimensions: 16 })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0].embedding).toHaveLength(16);
    expect(fake.requests.at(-1)!).toMatchObject({ path: "/v1/embeddings", body: { model: "text-embedding-3-small", dimensions: 16 } });
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row).toMatchObject({
      provider: "openai",
      model: "openai:text-embedding-3-small",
      completion_status: "complete",
      prompt_tokens: 21,
      completion_tokens: 0,
      usage_source: "provider",
      price_source: "model_prices",
    });
    expect(row.cost).toBe(expectedCost("text-embedding-3-small", { prompt: 21, completion: 0 }));
    expect(row.logged_response.data).toEqual([{ index: 0, dimensions: 16 }, { index: 1, dimensions: 16 }]);
    expect(JSON.stringify(row.logged_response)).not.toContain(String(data.data[0].embedding[1]));
    expect(row.logged_request.input).toEqual(["first text", "second text"]);
  });

  it("decodes base64 vectors (the openai SDK's default) for the logged dimensions", async () => {
    const { response } = await openai.embeddings.create({ model: "openai:text-embedding-3-small", input: "x" }).withResponse();
    const row = await ledgerRow(response.headers.get("x-request-id"));
    expect(row.logged_response.data).toEqual([{ index: 0, dimensions: 8 }]);
  });

  it("works with the AI SDK's embed()", async () => {
    const started = new Date();
    const provider = createOpenAI({ apiKey: apiKey.key, baseURL });
    const { embedding, usage } = await embed({ model: provider.embedding("openai:text-embedding-3-small"), value: "sunny day" });
    expect(embedding).toHaveLength(8);
    expect(usage.tokens).toBe(21);
    const row = await lastRow(started);
    expect(row).toMatchObject({ provider: "openai", prompt_tokens: 21, completion_status: "complete" });
  });

  it("refuses a bad body and an Anthropic model with a clear 400, logged", async () => {
    await expect(openai.embeddings.create({ model: "openai:text-embedding-3-small", input: [] })).rejects.toMatchObject({ status: 400, param: "input" });
    const err = await openai.embeddings.create({ model: "anthropic:claude-sonnet-4-20250514", input: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const row = await ledgerRow(err.headers.get("x-request-id"));
    expect(row).toMatchObject({ completion_status: "error", http_status: 400, provider: "anthropic" });
  });

  it("passes an upstream error through in OpenAI's shape", async () => {
    const err = await openai.embeddings
      .create({ model: "openai:text-embedding-3-small", input: "scenario:rate_limit" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get("retry-after")).toBe("7");
    expect((await ledgerRow(err.headers.get("x-request-id"))).http_status).toBe(429);
  });
});
