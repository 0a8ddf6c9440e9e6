import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  addDecimals,
  decimalFromNumber,
  formatDecimal,
  mulInt,
  parseDecimal,
} from "../../functions/_shared/billing/decimal.ts";
import { computeCost, loadPriceTable, type ModelPrice, priceFromEntry } from "../../functions/_shared/billing/cost.ts";
import { priceIn } from "../helpers/prices.ts";

const usage = (p: Partial<Parameters<typeof computeCost>[0]> = {}) => ({
  prompt_tokens: 0,
  completion_tokens: 0,
  cached_tokens: 0,
  cache_creation_tokens: 0,
  reasoning_tokens: 0,
  ...p,
});

describe("decimal", () => {
  it.each([
    ["2.5e-06", "0.0000025"],
    ["1e-05", "0.00001"],
    ["1.875E-05", "0.00001875"],
    ["0.15", "0.15"],
    ["3", "3"],
    ["1.5e2", "150"],
    ["-2.50", "-2.5"],
    [".5", "0.5"],
    ["0", "0"],
  ])("parses %s exactly", (text, expected) => {
    expect(formatDecimal(parseDecimal(text))).toBe(expected);
  });

  it("rejects text that is not a number", () => {
    for (const bad of ["", "abc", "1e", "1.2.3", "e5", "0x10"]) expect(() => parseDecimal(bad)).toThrow();
  });

  it("adds exactly where floats do not", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(formatDecimal(addDecimals(parseDecimal("0.1"), parseDecimal("0.2")))).toBe("0.3");
  });

  it("recovers the written decimal of every JSON number with <= 15 significant digits", () => {
    const written = [
      "2.5e-06",
      "1.5e-07",
      "7.5e-08",
      "1.875e-05",
      "3.75e-06",
      "2.1875e-06",
      "5.46875e-07",
      "0.000123456789012345",
      "1.23456789012345e-10",
    ];
    for (const text of written) {
      const fromJson = decimalFromNumber(JSON.parse(text));
      expect(formatDecimal(fromJson)).toBe(formatDecimal(parseDecimal(text)));
    }
  });

  it("refuses numbers whose written digits cannot be recovered", () => {
    expect(() => decimalFromNumber(JSON.parse("0.12345678901234567"))).toThrow(/15 significant digits/);
    expect(formatDecimal(decimalFromNumber(0.1 + 0.2, false))).toBe("0.30000000000000004");
  });

  it("multiplies by huge token counts without losing digits", () => {
    expect(formatDecimal(mulInt(parseDecimal("2.5e-06"), 123_456_789_012))).toBe("308641.97253");
  });
});

describe("price table", () => {
  const table = loadPriceTable(readFileSync(new URL("../../supabase/model_prices.json", import.meta.url), "utf8"));

  it("loads the shipped LiteLLM-format file with exact decimals", () => {
    const p = priceIn(table, "gpt-4o-mini")!;
    expect(p).toMatchObject({
      input_cost_per_token: "0.00000015",
      output_cost_per_token: "0.0000006",
      cache_read_input_token_cost: "0.000000075",
      provider: "openai",
    });
    expect(priceIn(table, "claude-opus-4-20250514")!.cache_creation_input_token_cost).toBe("0.00001875");
    for (
      const m of [
        "gpt-4o",
        "gpt-4.1",
        "gpt-4.1-mini",
        "o3-mini",
        "o4-mini",
        "claude-3-5-haiku-20241022",
        "claude-3-7-sonnet-20250219",
        "claude-sonnet-4-20250514",
      ]
    ) {
      expect(priceIn(table, m), m).not.toBeNull();
    }
  });

  it("finds OpenRouter ids under LiteLLM's openrouter/ prefix", () => {
    expect(priceIn(table, "openai/gpt-4o-mini", "openrouter")!.model).toBe("openrouter/openai/gpt-4o-mini");
    expect(priceIn(table, "anthropic/claude-sonnet-4", "openrouter")).not.toBeNull();
    expect(priceIn(table, "meta-llama/llama-3.1-8b-instruct", "openrouter")).not.toBeNull();
    expect(priceIn(table, "google/gemini-2.0-flash-001", "openrouter")).not.toBeNull();
    // A provider prefix that has no entry falls back to the bare name.
    expect(priceIn(table, "gpt-4o", "openai")!.model).toBe("gpt-4o");
  });

  it("skips sample_spec and entries without per-token prices, keeps string prices as written", () => {
    const t = loadPriceTable({
      sample_spec: { input_cost_per_token: 0, output_cost_per_token: 0 },
      "dall-e-3": { output_cost_per_image: 0.04, litellm_provider: "openai" },
      custom: { input_cost_per_token: "0.0000001234567890123456789", output_cost_per_token: 1e-6 },
    });
    expect([...t.keys()]).toEqual(["custom"]);
    expect(t.get("custom")!.input_cost_per_token).toBe("0.0000001234567890123456789");
    expect(t.get("custom")!.output_cost_per_token).toBe("0.000001");
  });
});

/** Claude Sonnet's base per-token prices, the entry the long-context and cache-key cases extend. */
const SONNET_BASE = { input_cost_per_token: 3e-6, output_cost_per_token: 1.5e-5 };

describe("computeCost", () => {
  const price = (p: Partial<ModelPrice>): ModelPrice => ({
    ...priceFromEntry("m", { input_cost_per_token: 2.5e-6, output_cost_per_token: 1e-5 })!,
    ...p,
  });

  it("prices plain input and output exactly (beyond 1e-9)", () => {
    const c = computeCost(usage({ prompt_tokens: 1234, completion_tokens: 567 }), price({}));
    // 1234 * 0.0000025 + 567 * 0.00001 = 0.003085 + 0.00567
    expect(c.total).toBe("0.008755");
    expect(c.priced).toBe(true);
    const tiny = computeCost(
      usage({ prompt_tokens: 1, completion_tokens: 1 }),
      price({ input_cost_per_token: "1.5e-07", output_cost_per_token: "6e-07" }),
    );
    expect(tiny.total).toBe("0.00000075");
    const odd = computeCost(
      usage({ prompt_tokens: 7, completion_tokens: 3 }),
      price({ input_cost_per_token: "1.23456789e-11", output_cost_per_token: "9.87654321e-13" }),
    );
    // 7 * 1.23456789e-11 + 3 * 9.87654321e-13 = 8.64197523e-11 + 2.962962963e-12
    expect(odd.total).toBe("0.000000000089382715263");
  });

  it("bills cached tokens at the cache-read price and not again at the input price", () => {
    const c = computeCost(
      usage({ prompt_tokens: 1000, cached_tokens: 800, completion_tokens: 10 }),
      price({ cache_read_input_token_cost: "1.25e-06" }),
    );
    expect(c.input).toBe("0.0005"); // 200 * 2.5e-6
    expect(c.cache_read).toBe("0.001"); // 800 * 1.25e-6
    expect(c.output).toBe("0.0001");
    expect(c.total).toBe("0.0016");
  });

  it("bills cache creation tokens at the creation price (Anthropic)", () => {
    const p = price({
      input_cost_per_token: "3e-06",
      output_cost_per_token: "1.5e-05",
      cache_read_input_token_cost: "3e-07",
      cache_creation_input_token_cost: "3.75e-06",
    });
    // prompt_tokens includes reads and writes: 100 plain + 2000 read + 500 written
    const c = computeCost(
      usage({ prompt_tokens: 2600, cached_tokens: 2000, cache_creation_tokens: 500, completion_tokens: 50 }),
      p,
    );
    expect(c.input).toBe("0.0003");
    expect(c.cache_read).toBe("0.0006");
    expect(c.cache_creation).toBe("0.001875");
    expect(c.output).toBe("0.00075");
    expect(c.total).toBe("0.003525");
  });

  it("bills a missing cache price at the input price only visibly, as an estimate", () => {
    const c = computeCost(usage({ prompt_tokens: 100, cached_tokens: 40 }), price({}));
    expect(c.total).toBe("0.00025");
    expect(c.fallback).toBe("estimate");
    expect(computeCost(usage({ prompt_tokens: 100 }), price({})).fallback).toBeNull();
  });

  it("fills a missing Anthropic cache price by Anthropic's published multipliers, marked as a rule", () => {
    const p = price({ model: "claude-x", provider: "anthropic", input_cost_per_token: "3e-06" });
    const c = computeCost(
      usage({ prompt_tokens: 1000, cached_tokens: 100, cache_creation_tokens: 300, cache_creation_1h_tokens: 200 }),
      p,
    );
    // 600 * 3e-6 + 100 * 3e-7 + 100 * 3.75e-6 + 200 * 6e-6
    expect(c.total).toBe("0.003405");
    expect(c.fallback).toBe("rule");
    expect(c.rates).toMatchObject({
      cache_read: "0.0000003",
      cache_creation: "0.00000375",
      cache_creation_1h: "0.000006",
    });
  });

  it("bills a service tier without its own prices at the standard price, marked as an estimate", () => {
    const c = computeCost(usage({ prompt_tokens: 1000, completion_tokens: 100, service_tier: "flex" }), price({}));
    expect(c.total).toBe("0.0035");
    expect(c.fallback).toBe("estimate");
    const batch = price({ input_cost_per_token_batches: "1.25e-06", output_cost_per_token_batches: "5e-06" });
    expect(computeCost(usage({ prompt_tokens: 1000, completion_tokens: 100, service_tier: "batch" }), batch).total)
      .toBe("0.00175");
    expect(computeCost(usage({ prompt_tokens: 1000, completion_tokens: 100, service_tier: "default" }), batch).fallback)
      .toBeNull();
  });

  it("switches to the long-context prices only above the threshold", () => {
    const p = priceFromEntry("claude", {
      ...SONNET_BASE,
      cache_read_input_token_cost: 3e-7,
      input_cost_per_token_above_200k_tokens: 6e-6,
      output_cost_per_token_above_200k_tokens: 2.25e-5,
      cache_read_input_token_cost_above_200k_tokens: 6e-7,
      litellm_provider: "anthropic",
    })!;
    expect(p.tier_threshold_tokens).toBe(200000);
    expect(computeCost(usage({ prompt_tokens: 200000 }), p).total).toBe("0.6");
    // 200001 tokens, 1 read from cache: the whole call at the higher tier.
    expect(computeCost(usage({ prompt_tokens: 200001, cached_tokens: 1 }), p).total).toBe("1.2000006");
  });

  it("reads one-hour cache, tier and deprecation keys from a LiteLLM entry", () => {
    const p = priceFromEntry("x", {
      ...SONNET_BASE,
      cache_creation_input_token_cost_above_1hr: 6e-6,
      input_cost_per_token_flex: 5.5e-7,
      output_cost_per_token_priority: 1.7e-5,
      deprecation_date: "2026-02-19",
    })!;
    expect(p).toMatchObject({
      cache_creation_input_token_cost_above_1hr: "0.000006",
      input_cost_per_token_flex: "0.00000055",
      output_cost_per_token_priority: "0.000017",
      deprecation_date: "2026-02-19",
      tier_threshold_tokens: null,
    });
  });

  it("bills reasoning tokens at the reasoning price without double counting", () => {
    const p = price({ output_cost_per_reasoning_token: "0.00002" });
    const c = computeCost(usage({ completion_tokens: 100, reasoning_tokens: 60 }), p);
    expect(c.output).toBe("0.0004"); // 40 * 1e-5
    expect(c.reasoning).toBe("0.0012"); // 60 * 2e-5
    expect(c.total).toBe("0.0016");
    // Without a reasoning price reasoning tokens are ordinary output tokens.
    expect(computeCost(usage({ completion_tokens: 100, reasoning_tokens: 60 }), price({})).total).toBe("0.001");
  });

  it("returns null, never 0, for an unknown model", () => {
    const c = computeCost(usage({ prompt_tokens: 10, completion_tokens: 10 }), null);
    expect(c.total).toBeNull();
    expect(c.priced).toBe(false);
  });

  it("returns 0 for a known model with no tokens", () => {
    expect(computeCost(usage(), price({})).total).toBe("0");
  });

  it("reads exponent-notation prices from LiteLLM JSON entries", () => {
    const p = priceFromEntry(
      "x",
      JSON.parse('{"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1E-5, "litellm_provider": "openai"}'),
    )!;
    expect(p.input_cost_per_token).toBe("0.0000025");
    expect(p.output_cost_per_token).toBe("0.00001");
    expect(computeCost(usage({ prompt_tokens: 3, completion_tokens: 3 }), p).total).toBe("0.0000375");
  });
});
