// POST /functions/v1/ingest end to end: calls an app made outside the gateway, recorded in the same
// ledger rows as proxied calls (redacted, fingerprinted, priced), idempotently, batch all or nothing.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promptHash } from "../../functions/_shared/ledger/fingerprint.ts";
import { addMember, tag } from "../helpers/fixtures.ts";
import { createTenant, postIngest } from "../helpers/ingest.ts";
import { startWithSql, stopStack, type TestFunctions } from "../helpers/stack.ts";

const PROVIDER_KEY = "sk-or-v1-test-openrouter-provider-key-0123456789";

let sql: postgres.Sql;
let fns: TestFunctions;

beforeAll(async () => {
  // The longest linger: ingest answers once its rows are stored, so its batches must not linger at all.
  ({ sql, fns } = await startWithSql({ OPENROUTER_API_KEY: PROVIDER_KEY, LEDGER_LINGER_MS: "1000" }));
});

afterAll(() => stopStack({ sql, fns }));

const tenant = () => createTenant(sql);
const ingest = (credential: string, body: unknown) => postIngest(fns, credential, body);

async function counts(accountId: string): Promise<{ requests: number; interactions: number }> {
  const [row] = await sql`
    select (select count(*)::int from public.llm_requests where account_id = ${accountId}) as requests,
           (select count(*)::int from public.ai_interactions where account_id = ${accountId}) as interactions`;
  return { requests: row.requests, interactions: row.interactions };
}

const seedCall = (n = 0) => ({
  request: { prompt: `What is the capital of France? (${n})` },
  response: { text: "Paris." },
  latency_ms: 1234,
  model_name: "claude-3",
  status: "success",
});

describe("ingest", () => {
  it("answers without waiting for the ledger's linger (its rows are written at once)", async () => {
    const t = await tenant();
    const started = performance.now();
    const { status } = await ingest(t.key, seedCall());
    expect(status).toBe(201);
    // The stack lingers 1,000 ms before writing an ordinary batch.
    expect(performance.now() - started).toBeLessThan(800);
    expect(await counts(t.account.id)).toEqual({ requests: 1, interactions: 1 });
  });

  it("records one interaction in the seed's logAIInteraction shape, before answering", async () => {
    const t = await tenant();
    const timestamp = "2026-11-20T10:15:00.000Z";
    const { status, json } = await ingest(t.key, {
      ...seedCall(),
      timestamp,
      provider: "anthropic",
      conversation_id: "conv-1",
      properties: { feature: "summaries" },
    });
    expect(status).toBe(201);
    expect(json).toEqual({ id: expect.any(String), interaction_id: expect.any(String), duplicate: false });
    // Synchronous: the rows are there as soon as the answer is.
    const [request] = await sql`
      select r.account_id, r.api_key_id, r.user_id, r.model, r.provider, r.completion_status, r.http_status,
             r.latency_ms, r.created_at, r.conversation_id, r.properties, r.prompt_tokens, r.computed_cost,
             r.price_source, r.request_body
        from public.llm_requests r where r.id = ${json.id}`;
    expect(request).toMatchObject({
      account_id: t.account.id,
      user_id: null,
      model: "claude-3",
      provider: "anthropic",
      completion_status: "complete",
      http_status: null,
      latency_ms: 1234,
      conversation_id: "conv-1",
      properties: { feature: "summaries", source: "ingest" },
      prompt_tokens: null,
      computed_cost: null,
      price_source: "unknown",
      request_body: { prompt: "What is the capital of France? (0)" },
    });
    expect(request.api_key_id).not.toBeNull();
    expect(new Date(request.created_at).toISOString()).toBe(timestamp);
    const [interaction] = await sql`
      select llm_request_id, request, response, latency_ms, model_name, status, prompt_hash, "timestamp", error_code
        from public.ai_interactions where id = ${json.interaction_id}`;
    expect(interaction).toMatchObject({
      llm_request_id: json.id,
      request: { prompt: "What is the capital of France? (0)" },
      response: { text: "Paris." },
      latency_ms: 1234,
      model_name: "claude-3",
      status: "success",
      error_code: null,
      // The same prompt sent through the gateway as one user message hashes the same.
      prompt_hash: promptHash([{ role: "user", content: "What is the capital of France? (0)" }]),
    });
    expect(new Date(interaction.timestamp).toISOString()).toBe(timestamp);
  });

  it("records a batch of 1,000 (errors and chat messages with files included), in order", async () => {
    const t = await tenant();
    const items = Array.from({ length: 1000 }, (_, i) =>
      i % 10 === 0
        ? {
          request: {
            messages: [
              { role: "user", content: [{ type: "image_url", image_url: { url: "https://img.test/a.png?sig=x" } }] },
            ],
          },
          error_code: "rate_limit_exceeded",
          error_message: "Too many requests",
          latency_ms: i,
          model_name: "gpt-4o",
          status: "error",
          idempotency_key: `call-${i}`,
        }
        : { ...seedCall(i), idempotency_key: `call-${i}` });
    const { status, json } = await ingest(t.key, items);
    expect(status).toBe(201);
    expect(json.data).toHaveLength(1000);
    expect(json.data.map((d: { index: number }) => d.index)).toEqual(items.map((_, i) => i));
    expect(new Set(json.data.map((d: { id: string }) => d.id)).size).toBe(1000);
    expect(await counts(t.account.id)).toEqual({ requests: 1000, interactions: 1000 });
    const [errors] = await sql`
      select count(*)::int as n from public.ai_interactions
       where account_id = ${t.account.id} and status = 'error' and error_code = 'rate_limit_exceeded'`;
    expect(errors.n).toBe(100);
    const [withFile] = await sql`
      select file_metadata from public.ai_interactions where id = ${json.data[10].interaction_id}`;
    expect(withFile.file_metadata).toEqual([
      { type: "image", mime: null, bytes: null, url: "https://img.test/a.png", message_index: 0 },
    ]);
  });

  it("writes an interaction once per idempotency key and answers with the same ids", async () => {
    const t = await tenant();
    const batch = [{ ...seedCall(1), idempotency_key: "k1" }, { ...seedCall(2), idempotency_key: "k2" }];
    const first = await ingest(t.key, batch);
    expect(first.status).toBe(201);
    const again = await ingest(t.key, batch);
    expect(again.status).toBe(200);
    expect(again.json.data.map((d: { id: string }) => d.id)).toEqual(first.json.data.map((d: { id: string }) => d.id));
    expect(again.json.data.map((d: { interaction_id: string }) => d.interaction_id))
      .toEqual(first.json.data.map((d: { interaction_id: string }) => d.interaction_id));
    expect(again.json.data.every((d: { duplicate: boolean }) => d.duplicate)).toBe(true);
    // A key repeated inside one batch is written once too; a new key in a re-send is written.
    const mixed = await ingest(t.key, [
      { ...seedCall(3), idempotency_key: "k3" },
      { ...seedCall(4), idempotency_key: "k3" },
      batch[0],
    ]);
    expect(mixed.status).toBe(201);
    expect(mixed.json.data.map((d: { duplicate: boolean }) => d.duplicate)).toEqual([false, true, true]);
    expect(mixed.json.data[1].id).toBe(mixed.json.data[0].id);
    expect(await counts(t.account.id)).toEqual({ requests: 3, interactions: 3 });
    // The first write wins.
    const [kept] = await sql`
      select request from public.ai_interactions where id = ${mixed.json.data[0].interaction_id}`;
    expect(kept.request).toEqual(seedCall(3).request);
    // Another account's same key is another interaction.
    const other = await tenant();
    const theirs = await ingest(other.key, batch[0]);
    expect(theirs.status).toBe(201);
    expect(theirs.json.id).not.toBe(first.json.data[0].id);
  });

  it("refuses a batch with one bad item (400 naming its index) and writes nothing", async () => {
    const t = await tenant();
    const items = Array.from({ length: 5 }, (_, i) => seedCall(i)) as Record<string, unknown>[];
    items[3] = { ...items[3], latency_ms: "fast" };
    const { status, json } = await ingest(t.key, items);
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param: "[3].latency_ms" });
    expect(json.error.message).toContain("[3].latency_ms");
    // A misspelt field is an error too, not a silently missing value.
    const typo = await ingest(t.key, [seedCall(), { ...seedCall(), latencyMs: 5 }]);
    expect(typo.status).toBe(400);
    expect(typo.json.error.message).toContain("latencyMs");
    expect(typo.json.error.param).toBe("[1]");
    const noRequest = await ingest(t.key, [seedCall(), seedCall(), { ...seedCall(), request: null }]);
    expect(noRequest.status).toBe(400);
    expect(noRequest.json.error.param).toBe("[2].request");
    const tooMany = await ingest(t.key, Array.from({ length: 1001 }, (_, i) => seedCall(i)));
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.error.message).toContain("at most 1000");
    expect(await counts(t.account.id)).toEqual({ requests: 0, interactions: 0 });
  });

  it("accepts users of the caller's account and refuses another account's user (nothing written)", async () => {
    const t = await tenant();
    const member = await addMember(sql, t.account, "member");
    const outsider = await tenant();
    const refused = await ingest(t.key, [
      { ...seedCall(0), user_id: member.id },
      { ...seedCall(1), user_id: outsider.account.owner.id },
    ]);
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ param: "[1].user_id", code: "user_not_in_account" });
    expect(await counts(t.account.id)).toEqual({ requests: 0, interactions: 0 });

    const accepted = await ingest(t.key, { ...seedCall(0), user_id: member.id.toUpperCase() });
    expect(accepted.status).toBe(201);
    const [row] = await sql`select user_id from public.ai_interactions where id = ${accepted.json.interaction_id}`;
    expect(row.user_id).toBe(member.id);
  });

  it("prices reported usage exactly from the account's override or model_prices, and never guesses", async () => {
    const t = await tenant();
    const overridden = `ingest-override-${tag()}`;
    await sql`
      insert into public.account_model_prices
             (account_id, model, input_cost_per_token, output_cost_per_token, cache_read_input_token_cost)
      values (${t.account.id}, ${overridden}, 0.0000025, 0.00001, 0.00000125)`;
    const global = `ingest-global-${tag()}`;
    await sql`
      insert into public.model_prices (model, litellm_provider, input_cost_per_token, output_cost_per_token)
      values (${`acme/${global}`}, 'acme', 0.000003, 0.000015)`;
    const usage = { prompt_tokens: 1000, completion_tokens: 500, cached_tokens: 200, reasoning_tokens: 100 };
    const { json } = await ingest(t.key, [
      { ...seedCall(), model_name: overridden, usage },
      { ...seedCall(), model_name: global, provider: "acme", usage: { prompt_tokens: 1000, completion_tokens: 500 } },
      { ...seedCall(), model_name: `ingest-unpriced-${tag()}`, usage },
      { ...seedCall(), model_name: overridden },
    ]);
    const rows = await Promise.all(json.data.map(async ({ id }: { id: string }) => {
      const [r] = await sql`
        select computed_cost::text as cost, price_source, prompt_tokens, completion_tokens, total_tokens,
               cached_tokens, reasoning_tokens, usage_source, unit_cost_prompt::text as unit_prompt
          from public.llm_requests where id = ${id}`;
      return r;
    }));
    // 800 input x 0.0000025 + 200 cached x 0.00000125 + 500 output x 0.00001 (no reasoning price).
    expect(Number(rows[0].cost)).toBe(0.00725);
    expect(rows[0]).toMatchObject({
      price_source: "account_override",
      prompt_tokens: 1000,
      completion_tokens: 500,
      total_tokens: 1500,
      cached_tokens: 200,
      reasoning_tokens: 100,
      usage_source: "provider",
    });
    const [exact] = await sql`
      select computed_cost = 0.00725 as ok from public.llm_requests where id = ${json.data[0].id}`;
    expect(exact.ok).toBe(true);
    // 1000 x 0.000003 + 500 x 0.000015, from the provider-qualified model_prices key.
    const [globalExact] = await sql`
      select computed_cost = 0.0105 as ok from public.llm_requests where id = ${json.data[1].id}`;
    expect(globalExact.ok).toBe(true);
    expect(rows[1]).toMatchObject({
      price_source: "model_prices",
      unit_prompt: expect.stringMatching(/^0\.0000030*$/),
    });
    // Usage of a model without a price, or a priced model without usage: cost unknown, never 0.
    expect(rows[2]).toMatchObject({ cost: null, price_source: "unknown", prompt_tokens: 1000 });
    expect(rows[3]).toMatchObject({ cost: null, price_source: "unknown", prompt_tokens: null, usage_source: null });
  });

  it("redacts emails and keys in every client string: request, response, error, properties, ids", async () => {
    const t = await tenant();
    const email = `jane.doe.${tag()}@example.com`;
    const { status, json } = await ingest(t.key, {
      request: { messages: [{ role: "user", content: `Mail ${email} with key ${PROVIDER_KEY}` }] },
      response: { text: `Sent to ${email}` },
      error_code: "upstream_error",
      error_message: `Provider refused key ${PROVIDER_KEY} for ${email}`,
      model_name: "gpt-4o",
      status: "error",
      conversation_id: email,
      properties: { owner: email, nested: { api_key: "plain-value-123456" } },
      file_metadata: [{ type: "file", name: `${email}.pdf` }],
    });
    expect(status).toBe(201);
    const [stored] = await sql`
      select (select row_to_json(r)::text from public.llm_requests r where r.id = ${json.id}) as request,
             (select row_to_json(i)::text from public.ai_interactions i
               where i.id = ${json.interaction_id}) as interaction`;
    for (const text of [stored.request, stored.interaction]) {
      expect(text).not.toContain(email);
      expect(text).not.toContain(PROVIDER_KEY);
      expect(text).not.toContain("plain-value-123456");
      expect(text).toContain("[REDACTED_EMAIL]");
    }
    expect(stored.interaction).toContain("[REDACTED_SECRET]");
    const [row] = await sql`select error_message, properties from public.llm_requests where id = ${json.id}`;
    expect(row.error_message).toBe("Provider refused key [REDACTED_SECRET] for [REDACTED_EMAIL]");
    expect(row.properties).toEqual({
      owner: "[REDACTED_EMAIL]",
      nested: { api_key: "[REDACTED_SECRET]" },
      source: "ingest",
    });
  });

  it("authenticates like llm-proxy: API key or x-api-key, a member's JWT; not a viewer or nobody", async () => {
    const t = await tenant();
    const viaHeader = await fetch(`${fns.url}/ingest`, {
      method: "POST",
      headers: { "x-api-key": t.key, "content-type": "application/json" },
      body: JSON.stringify(seedCall()),
    });
    expect(viaHeader.status).toBe(201);

    const member = await addMember(sql, t.account, "member");
    const byJwt = await ingest(member.jwt, seedCall());
    expect(byJwt.status).toBe(201);
    const [row] = await sql`select user_id, api_key_id from public.llm_requests where id = ${byJwt.json.id}`;
    expect(row).toEqual({ user_id: member.id, api_key_id: null });

    const viewer = await addMember(sql, t.account, "viewer");
    const refused = await ingest(viewer.jwt, seedCall());
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("permission_denied");
    const anonymous = await fetch(`${fns.url}/ingest`, { method: "POST", body: JSON.stringify(seedCall()) });
    expect(anonymous.status).toBe(401);
    const bogus = await ingest("sgw_not-a-real-key", seedCall());
    expect(bogus.status).toBe(401);
    expect(await counts(t.account.id)).toEqual({ requests: 2, interactions: 2 });
  });

  it("answers other methods, paths and bodies with OpenAI-shaped errors", async () => {
    const t = await tenant();
    const auth = { authorization: `Bearer ${t.key}` };
    const get = await fetch(`${fns.url}/ingest`, { headers: auth });
    expect(get.status).toBe(405);
    expect((await get.json()).error.code).toBe("method_not_allowed");
    const elsewhere = await fetch(`${fns.url}/ingest/batch`, { method: "POST", headers: auth, body: "{}" });
    expect(elsewhere.status).toBe(404);
    expect((await elsewhere.json()).error.code).toBe("unknown_route");
    for (const [body, code] of [["42", "invalid_request"], ["{not json", "invalid_json"], ["", "empty_body"]]) {
      const res = await ingest(t.key, body);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe(code);
    }
    expect(await counts(t.account.id)).toEqual({ requests: 0, interactions: 0 });
  });
});
