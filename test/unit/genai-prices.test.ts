// @pydantic/genai-prices as the second price source: its data as model_prices rows, and where it
// disagrees with the shipped LiteLLM-format file.
import type { ModelInfo } from "@pydantic/genai-prices";
import { describe, expect, it } from "vitest";
import { computeCost } from "../../functions/_shared/billing/cost.ts";
import { entryFromGenai, genaiPriceFor, genaiPriceRows } from "../../scripts/lib/genai-prices.ts";
import { comparePrices, DEFAULT_PRICES_FILE, priceRowsFromFile } from "../../scripts/lib/prices.ts";

describe("genai-prices as model_prices rows", () => {
  it("converts per-million prices exactly, with the long-context tier and the prices now in force", () => {
    const model: ModelInfo = {
      id: "m",
      match: { equals: "m" },
      context_window: 400000,
      prices: [
        { prices: { input_mtok: 9, output_mtok: 9 } },
        {
          constraint: { type: "start_date", start_date: "2026-01-01" },
          prices: {
            input_mtok: { base: 2.5, tiers: [{ start: 272000, price: 5 }] } as never,
            output_mtok: { base: 15, tiers: [{ start: 272000, price: 22.5 }] } as never,
            cache_read_mtok: 0.25,
          },
        },
        { constraint: { type: "start_date", start_date: "2099-01-01" }, prices: { input_mtok: 1, output_mtok: 1 } },
      ],
    };
    expect(entryFromGenai(model, "openai", new Date("2026-06-01"))).toMatchObject({
      input_cost_per_token: "0.0000025",
      output_cost_per_token: "0.000015",
      cache_read_input_token_cost: "0.00000025",
      tier_threshold_tokens: 272000,
      "input_cost_per_token@above": "0.000005",
      max_input_tokens: 400000,
    });
    expect(entryFromGenai(model, "openai", new Date("2025-06-01"))).toMatchObject({ input_cost_per_token: "0.000009" });
  });

  it("keys the routed providers' models like LiteLLM, under every exact alias", () => {
    const rows = new Map(genaiPriceRows().map((r) => [r.price.model, r.price]));
    expect(rows.size).toBeGreaterThan(500);
    expect(rows.get("o4-mini-2025-04-16")).toMatchObject({ provider: "openai", input_cost_per_token: "0.0000011" });
    expect(rows.get("claude-sonnet-4-0")).toMatchObject({ cache_creation_input_token_cost_above_1hr: "0.000006" });
    expect(rows.get("openrouter/openai/gpt-4o-mini")).toMatchObject({ cache_read_input_token_cost: "0.000000075" });
    // A model only the LiteLLM file names (dated id) is found by genai-prices' own prefix rules.
    expect(genaiPriceFor("claude-sonnet-4-20250514", "anthropic")?.input_cost_per_token).toBe("0.000003");
  });

  it("prices the issue's one-hour cache write the same from either source", () => {
    const usage = {
      prompt_tokens: 1010,
      completion_tokens: 0,
      cached_tokens: 0,
      cache_creation_tokens: 1000,
      cache_creation_1h_tokens: 1000,
      reasoning_tokens: 0,
    };
    expect(computeCost(usage, genaiPriceFor("claude-sonnet-4-20250514", "anthropic")).total).toBe("0.00603");
  });

  it("reports where the shipped file and genai-prices disagree", () => {
    const d = comparePrices(priceRowsFromFile(DEFAULT_PRICES_FILE), genaiPriceRows());
    const at = (model: string, field: string) => d.find((x) => x.model === model && x.field === field);
    // genai-prices has no service-tier prices and no >200k tier for Claude Sonnet 4 ...
    expect(at("o4-mini", "input_cost_per_token_flex")).toEqual({
      model: "o4-mini",
      field: "input_cost_per_token_flex",
      litellm: "0.00000055",
      genai: null,
    });
    expect(at("openrouter/anthropic/claude-sonnet-4", "tier_threshold_tokens")).toMatchObject({
      litellm: 200000,
      genai: null,
    });
    // ... and a newer OpenRouter price for Llama 3.1 8B.
    expect(at("openrouter/meta-llama/llama-3.1-8b-instruct", "input_cost_per_token")).toMatchObject({
      litellm: "0.00000006",
      genai: "0.00000002",
    });
    // Where both price a model, the standard prices agree.
    expect(
      d.filter((x) => x.field === "input_cost_per_token" || x.field === "cache_read_input_token_cost").map((x) =>
        x.model
      ),
    )
      .toEqual(["openrouter/meta-llama/llama-3.1-8b-instruct"]);
  });
});
