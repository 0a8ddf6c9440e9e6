// Cost end to end: each call of test/helpers/cost-cases.ts through llm-proxy (official openai
// SDK) against the fake provider, streamed and not; the logged computed_cost is the exact bill.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COST_CASES } from "../helpers/cost-cases.ts";
import { ledgerRow as readLedgerRow } from "../helpers/ledger-row.ts";
import { allProvidersAt, type ApiKeyStack, PROVIDER_KEYS, startWithApiKey, stopStack } from "../helpers/stack.ts";

let { sql, fake, fns, client } = {} as ApiKeyStack;

beforeAll(async () => {
  ({ sql, fake, fns, client } = await startWithApiKey((fake) => ({ ...PROVIDER_KEYS, ...allProvidersAt(fake) })));
});

afterAll(() => stopStack({ sql, fake, fns }));

const ledgerRow = (requestId: string | null) =>
  readLedgerRow(sql, requestId, {
    columns: sql`r.prompt_tokens, r.cached_tokens, r.cache_creation_tokens, r.cache_creation_1h_tokens,
                 r.service_tier, r.price_source, r.computed_cost::text, r.provider_cost::text, r.billed_cost::text,
                 r.cost_difference::text`,
  });

/** One call through the proxy; returns its x-request-id once the answer has been read to the end. */
async function call(model: string, body: Record<string, unknown>, stream: boolean): Promise<string | null> {
  const params = { model, messages: [{ role: "user" as const, content: "Hi" }], ...body };
  if (!stream) {
    const { response } = await client.chat.completions.create({ ...params, stream: false }).withResponse();
    return response.headers.get("x-request-id");
  }
  const { data, response } = await client.chat.completions.create({ ...params, stream: true }).withResponse();
  for await (const chunk of data) void chunk;
  return response.headers.get("x-request-id");
}

describe("llm-proxy logs the provider's bill as computed_cost", () => {
  for (const stream of [false, true]) {
    it.each(COST_CASES.map((c) => [c.name, c] as const))(`%s (${stream ? "stream" : "non-stream"})`, async (_, c) => {
      fake.setOptions(c.fake);
      try {
        const row = await ledgerRow(await call(c.model, c.body ?? {}, stream));
        expect(row.prompt_tokens).toBe(c.promptTokens);
        expect(row.computed_cost).toBe(c.cost);
        expect(row.price_source).toBe("model_prices");
        if (c.serviceTier) expect(row.service_tier).toBe(c.serviceTier);
        if (c.model.startsWith("openrouter:")) {
          // OpenRouter reports its own bill: it is the billing figure, and ours agrees with it.
          expect(row.provider_cost).toBe(c.cost);
          expect(row.billed_cost).toBe(c.cost);
          expect(Number(row.cost_difference)).toBe(0);
        } else {
          expect(row.provider_cost).toBeNull();
          expect(row.billed_cost).toBe(c.cost);
        }
      } finally {
        fake.reset();
      }
    });
  }

  it("bills a BYOK OpenRouter call as OpenRouter's fee plus the upstream cost, and lists a mismatch", async () => {
    // 1000 in (800 cached) + 100 out of openai/gpt-4o-mini on the account's own key: the model costs
    // 0.00015 upstream, OpenRouter charges a 5% fee (0.0000075) on its credits.
    fake.setOptions({
      promptTokens: 1000,
      cachedTokens: 800,
      completionTokens: 100,
      cost: 0.0000075,
      byokUpstreamCost: 0.00015,
    });
    try {
      const id = await call("openrouter:openai/gpt-4o-mini", {}, false);
      const row = await ledgerRow(id);
      expect(row).toMatchObject({
        computed_cost: "0.00015",
        provider_cost: "0.0001575",
        billed_cost: "0.0001575",
        cost_difference: "-0.0000075",
      });
      // The fee is 5% of the bill, beyond the view's 1% tolerance: the call is easy to find.
      const listed = await sql`select computed_cost::text from public.llm_cost_discrepancies where id = ${id!}`;
      expect(listed).toEqual([{ computed_cost: "0.00015" }]);
    } finally {
      fake.reset();
    }
  });

  it("keeps calls within the tolerance out of llm_cost_discrepancies", async () => {
    fake.setOptions({ promptTokens: 1000, cachedTokens: 800, completionTokens: 100, cost: 0.0001501 });
    try {
      const id = await call("openrouter:openai/gpt-4o-mini", {}, false);
      expect((await ledgerRow(id)).cost_difference).toBe("-0.0000001");
      expect(await sql`select 1 from public.llm_cost_discrepancies where id = ${id!}`).toHaveLength(0);
    } finally {
      fake.reset();
    }
  });

  it("marks a cost whose cache price was stood in for, instead of hiding it", async () => {
    // The fixture has no cache price for llama-3.1-8b on OpenRouter and no published rule applies.
    fake.setOptions({ promptTokens: 1000, cachedTokens: 500, completionTokens: 10 });
    try {
      const row = await ledgerRow(await call("openrouter:meta-llama/llama-3.1-8b-instruct", {}, false));
      expect(row).toMatchObject({ computed_cost: "0.0000606", price_source: "model_prices+estimate" });
    } finally {
      fake.reset();
    }
  });
});
