// Each call's raw provider usage, priced from the fixture price file, gives the exact bill.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { computeCost, loadPriceTable } from "../../functions/_shared/billing/cost.ts";
import { priceIn } from "../helpers/prices.ts";
import { anthropicToOpenAIStream } from "../../functions/_shared/providers/anthropic-stream.ts";
import { anthropicUsageToOpenAI } from "../../functions/_shared/providers/anthropic-mapping.ts";
import { splitModel } from "../../functions/_shared/providers/routing.ts";
import { type NormalizedUsage, normalizeOpenAIUsage } from "../../functions/_shared/billing/usage.ts";
import { COST_CASES, type CostCase } from "../helpers/cost-cases.ts";

const table = loadPriceTable(readFileSync(new URL("../../supabase/model_prices.json", import.meta.url), "utf8"));

const ev = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** The usage the gateway gets from an Anthropic stream: message_start's usage, then message_delta's. */
async function anthropicStreamUsage(
  start: Record<string, unknown>,
  delta: Record<string, unknown>,
): Promise<NormalizedUsage> {
  const text = ev("message_start", { message: { id: "msg_1", model: "m", content: [], usage: start } }) +
    ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: delta }) +
    ev("message_stop", {});
  const body = new Response(text).body!;
  const out = await new Response(anthropicToOpenAIStream(body)).text();
  const chunk = out.split("\n\n").map((e) => e.replace(/^data: /, "")).filter((e) => e.startsWith("{"))
    .map((e) => JSON.parse(e)).find((c) => c.usage);
  return normalizeOpenAIUsage(chunk.usage)!;
}

function usageOf(c: CostCase): NormalizedUsage | Promise<NormalizedUsage> {
  if (c.model.startsWith("anthropic:")) {
    if (c.deltaUsage) return anthropicStreamUsage(c.usage, c.deltaUsage);
    return normalizeOpenAIUsage(anthropicUsageToOpenAI(c.usage))!;
  }
  return normalizeOpenAIUsage(c.usage, c.serviceTier)!;
}

describe("cost equals the provider's bill", () => {
  it.each(COST_CASES.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    const usage = await usageOf(c);
    expect(usage.prompt_tokens).toBe(c.promptTokens);
    const { provider, model } = splitModel(c.model);
    const price = priceIn(table, model, provider);
    const cost = computeCost(usage, price);
    // Canonical decimal text on both sides: equal strings are equal to the last digit (well within 1e-9).
    expect(cost.total).toBe(c.cost);
    expect(cost.fallback).toBeNull();
  });

  it("merges a stream's message_delta usage field by field, a null never erasing a count", async () => {
    const usage = await anthropicStreamUsage(
      { input_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 500, output_tokens: 1 },
      { input_tokens: 120, cache_read_input_tokens: null, output_tokens: 50 },
    );
    expect(usage).toMatchObject({
      prompt_tokens: 2620,
      cached_tokens: 2000,
      cache_creation_tokens: 500,
      completion_tokens: 50,
    });
  });
});
