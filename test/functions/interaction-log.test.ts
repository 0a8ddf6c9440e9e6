// End to end: a call through llm-proxy (official openai SDK, fake provider) lands in the interaction
// log with what the query RPC, analytics and geography need: provider, conversation, properties and
// the country from the platform's geo header (GEO_COUNTRY_HEADER), encrypted when the account asks.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, asRole, encryptPayloads, waitFor } from "../helpers/fixtures.ts";
import { type ApiKeyStack, PROVIDER_KEYS, startWithApiKey, stopStack } from "../helpers/stack.ts";

let { sql, fake, fns, account, client } = {} as ApiKeyStack;

/** The ai_interactions row of a call, once the asynchronous write landed. */
const interaction = (requestId: string | null) =>
  waitFor(async () => (await sql`select * from public.ai_interactions where llm_request_id = ${requestId!}`)[0], {
    what: `the ai_interactions row of ${requestId}`,
  });

beforeAll(async () => {
  ({ sql, fake, fns, account, client } = await startWithApiKey({
    OPENROUTER_API_KEY: PROVIDER_KEYS.OPENROUTER_API_KEY,
    GEO_COUNTRY_HEADER: "cf-ipcountry",
  }));
});

afterAll(() => stopStack({ sql, fake, fns }));

describe("llm-proxy -> interaction log", () => {
  it("stores provider, conversation, properties and the geo header's country on both rows", async () => {
    const { response } = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] }, {
        headers: { "cf-ipcountry": "de", "x-session-id": "conv-e2e", "x-metadata": '{"feature":"mentor"}' },
      })
      .withResponse();
    const requestId = response.headers.get("x-request-id");
    const row = await interaction(requestId);
    expect(row).toMatchObject({
      provider: "openrouter",
      conversation_id: "conv-e2e",
      properties: { feature: "mentor" },
      country: "DE",
    });
    const [request] = await sql`select country from public.llm_requests where id = ${requestId!}`;
    expect(request.country).toBe("DE");
    const page = await asRole(sql, as(account.owner.id), (tx) =>
      tx`
      select id from public.get_ai_interactions(${account.id}::uuid, feature => 'mentor', conversation_id => 'conv-e2e',
                                                provider => 'openrouter')`, { commit: true });
    expect(page.map((r) => r.id)).toEqual([row.id]);
  });

  it("an encrypting account's call is stored as envelopes and read back in plaintext by its owner", async () => {
    await encryptPayloads(sql, account);
    const { response } = await client.chat.completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "the secret word is marmalade" }] })
      .withResponse();
    const row = await interaction(response.headers.get("x-request-id"));
    expect(row.request).toMatchObject({ $encrypted: "pgp_sym_aes256" });
    expect(JSON.stringify(row.request)).not.toContain("marmalade");
    const [view] = await asRole(
      sql,
      as(account.owner.id),
      (tx) => tx`select request from public.ai_interactions_decrypted where id = ${row.id}`,
      { commit: true },
    );
    expect(JSON.stringify(view.request)).toContain("marmalade");
  });
});
