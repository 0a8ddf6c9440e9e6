// Secrets and personal data stay out of answers and logs, end to end: the official openai SDK (or
// raw fetch, to see every byte) -> llm-proxy -> a hostile fake provider whose errors quote the key
// it was sent, a card number and an email; then the stored rows are read back.
import OpenAI from "openai";
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeProvider } from "../helpers/fake-provider.ts";
import { createAccount, createApiKey } from "../helpers/fixtures.ts";
import { ledgerRow } from "../helpers/ledger-row.ts";
import { allProvidersAt, proxyClient, startWithFakeProvider, stopStack, type TestFunctions } from "../helpers/stack.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

/** Keys with no recognisable shape: only the exact match of the configured secrets removes them. */
const KEYS = {
  OPENROUTER_API_KEY: "openrouter-plain-provider-secret-7Hq2",
  OPENAI_API_KEY: "openai-plain-provider-secret-9Vd4",
  ANTHROPIC_API_KEY: "anthropic-plain-provider-secret-3Kx8",
  OPENAI_COMPAT_API_KEY: "compat-plain-provider-secret-5Wm1",
};
const CARD = "4111 1111 1111 1111";
const EMAIL = "jane.doe@example.com";
const FORBIDDEN = [...Object.values(KEYS), CARD, EMAIL];
const REDACTED_ERROR = "Incorrect API key provided: [REDACTED_SECRET]. You sent [REDACTED_CARD] for [REDACTED_EMAIL].";

let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;
let apiKey: string;

beforeAll(async () => {
  ({ sql, fake, fns } = await startWithFakeProvider(
    (fake) => ({ ...KEYS, ...allProvidersAt(fake), OPENAI_COMPAT_BASE_URL: fake.openaiBaseUrl }),
    { errorMessage: `Incorrect API key provided: {key}. You sent ${CARD} for ${EMAIL}.` },
  ));
  apiKey = (await createApiKey(sql, await createAccount(sql))).key;
});

afterAll(() => stopStack({ sql, fake, fns }));

function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** Both ledger rows of a request, as stored, once the background write is done. */
async function storedRows(requestId: string | null, timeoutMs = 10_000) {
  const row = await ledgerRow(sql, requestId, {
    columns: sql`row_to_json(r.*) as request, row_to_json(i.*) as interaction`,
    timeoutMs,
  });
  return row as { request: LooseObject; interaction: LooseObject };
}

function expectClean(text: string, where: string): void {
  for (const s of FORBIDDEN) expect(text, `${where} must not contain ${s}`).not.toContain(s);
}

describe("upstream error text is redacted before the client sees it and before it is stored", () => {
  it.each([
    ["openai/gpt-4o-mini", "bad_request", 400],
    ["openai:gpt-4o-mini", "server_error", 502],
    ["anthropic:claude-sonnet-4-20250514", "bad_request", 400],
    ["compat:llama3.1:8b", "rate_limit", 429],
  ])("%s answering %s", async (model, scenario, status) => {
    const res = await post({ model, messages: [{ role: "user", content: `scenario:${scenario}` }] });
    expect(res.status).toBe(status);
    const text = await res.text();
    expectClean(text, "the answer");
    const error = JSON.parse(text).error;
    expect(error.message).toContain(REDACTED_ERROR);

    const { request, interaction } = await storedRows(res.headers.get("x-request-id"));
    expect(request.error_message).toBe(error.message);
    expect(interaction.error_message).toBe(error.message);
    expectClean(JSON.stringify([request, interaction]), "the stored rows");
  });

  const STREAMING = ["openai/gpt-4o-mini", "anthropic:claude-sonnet-4-20250514"];
  it.each(STREAMING)("%s: a mid-stream error event", async (model) => {
    const res = await post({ model, stream: true, messages: [{ role: "user", content: "scenario:error_event" }] });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(REDACTED_ERROR);
    expectClean(text, "the stream");

    const { request } = await storedRows(res.headers.get("x-request-id"));
    expect(request.completion_status).toBe("partial");
    expect(request.error_message).toContain("[REDACTED_SECRET]");
    expectClean(JSON.stringify(request), "the stored row");
  });

  it("the SDK's error for a redacted 400 carries no secret either", async () => {
    const client = proxyClient(fns, apiKey);
    const err = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "scenario:bad_request" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expectClean(String((err as Error).message), "the SDK error");
  });
});

describe("every client-chosen string is redacted before it is stored", () => {
  const BUCKET = "https://b.s3.amazonaws.com";
  it("the model name as the client wrote it", async () => {
    const res = await post({ model: `openai/${EMAIL}`, messages: [{ role: "user", content: "Hi" }] });
    expect(res.status).toBe(200);
    const { request, interaction } = await storedRows(res.headers.get("x-request-id"));
    expect(request.model).toBe("openai/[REDACTED_EMAIL]");
    expect(interaction.model_name).toBe("openai/[REDACTED_EMAIL]");
  });

  it("x-metadata, metadata, user, the conversation id and file URLs and names", async () => {
    const client = proxyClient(fns, apiKey, {
      "x-metadata": JSON.stringify({ contact: EMAIL, nested: { card: `pay with ${CARD}` } }),
      "x-session-id": `support:${EMAIL}`,
    });
    const { response } = await client.chat.completions
      .create({
        model: "openai/gpt-4o-mini",
        user: EMAIL,
        metadata: { customer: `call +44 20 7946 0958 or ${EMAIL}` },
        messages: [{
          role: "user",
          content: [
            { type: "text", text: "look" },
            { type: "image_url", image_url: { url: `${BUCKET}/u/${EMAIL}/a.png?X-Amz-Signature=deadbeefcafe&x=1` } },
            { type: "file", file: { filename: `cv ${EMAIL}.pdf`, file_id: "file-abc" } },
          ],
        }],
      })
      .withResponse();
    const { request, interaction } = await storedRows(response.headers.get("x-request-id"));
    expect(request.properties).toEqual({
      contact: "[REDACTED_EMAIL]",
      nested: { card: "pay with [REDACTED_CARD]" },
      customer: "call [REDACTED_PHONE] or [REDACTED_EMAIL]",
    });
    expect(request.end_user).toBe("[REDACTED_EMAIL]");
    expect(request.conversation_id).toBe("support:[REDACTED_EMAIL]");
    expect(interaction.file_metadata).toEqual([
      { type: "image", mime: null, bytes: null, url: `${BUCKET}/u/[REDACTED_EMAIL]/a.png`, message_index: 0 },
      { type: "file", mime: null, bytes: null, name: "cv [REDACTED_EMAIL]", file_id: "file-abc", message_index: 0 },
    ]);
    const stored = JSON.stringify([request, interaction]);
    expectClean(stored, "the stored rows");
    expect(stored).not.toContain("deadbeefcafe");
  });
});

describe("no tenant can slow down another through redaction", () => {
  it("/health stays fast while a 1 MiB hostile message is redacted", async () => {
    // The strings that made the old patterns quadratic (minutes each), and one past the length cap.
    const parts = [
      "a".repeat(250_000) + "@",
      "x@" + "a".repeat(250_000),
      "eyJ-".repeat(62_500),
      " +123456789012345678901234567890".repeat(4_000),
      `${EMAIL} ` + "b".repeat(300_000),
    ];
    const content = parts.map((text) => ({ type: "text", text }));
    const res = await post({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content }] });
    expect(res.status).toBe(200);
    await res.text();
    const requestId = res.headers.get("x-request-id");

    // Probe /health until the row is stored: every probe overlaps the redaction at some point.
    const latencies: number[] = [];
    let stored: Awaited<ReturnType<typeof storedRows>> | null = null;
    const deadline = Date.now() + 20_000;
    while (!stored && Date.now() < deadline) {
      const t = performance.now();
      const health = await fetch(`${fns.url}/health`);
      latencies.push(performance.now() - t);
      expect(health.status).toBe(200);
      await health.text();
      stored = await storedRows(requestId, 0).catch(() => null);
    }
    expect(stored, "the row is stored").not.toBeNull();
    expect(Math.max(...latencies)).toBeLessThan(1_000);

    const logged = stored!.interaction.request.messages[0].content; // the body's one copy
    expect(logged[4].text).toMatch(/^\[REDACTED_EMAIL\] b+\[TRUNCATED: \d+ chars\]$/);
    expect(logged[0].text).toBe(parts[0]);
  });
});
