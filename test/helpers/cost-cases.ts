/**
 * Calls whose recorded cost must equal the provider's bill: each as the provider's raw usage,
 * the fake provider's knobs that make it send that usage, and the exact cost. The unit test prices
 * the raw usage; the end-to-end test sends the call through llm-proxy and reads the logged cost.
 */
import type { FakeProviderOptions } from "./fake-provider.ts";

export interface CostCase {
  name: string;
  /** Model as the client sends it (provider prefix routes it). */
  model: string;
  /** Extra request body fields (service_tier). */
  body?: Record<string, unknown>;
  /** Anthropic `usage` (message_start and non-stream) or OpenAI-format `usage`, as the provider sends it. */
  usage: Record<string, unknown>;
  /** Anthropic stream only: the usage of `message_delta` (cumulative, may restate counts as null). */
  deltaUsage?: Record<string, unknown>;
  /** OpenAI-format only: the response's `service_tier`. */
  serviceTier?: string;
  fake: Partial<FakeProviderOptions>;
  cost: string;
  /** What the gateway recorded before one-hour cache writes, tiers and null-safe usage were priced. */
  oldCost: string;
  promptTokens: number;
}

export const COST_CASES: CostCase[] = [
  {
    name: "Claude Sonnet 4, one-hour cache write",
    model: "anthropic:claude-sonnet-4-20250514",
    usage: {
      input_tokens: 10,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1000 },
      output_tokens: 0,
    },
    fake: {
      promptTokens: 10,
      cacheCreationTokens: 1000,
      cacheCreation1hTokens: 1000,
      cachedTokens: 0,
      completionTokens: 0,
    },
    cost: "0.00603",
    oldCost: "0.00378",
    promptTokens: 1010,
  },
  {
    name: "Anthropic stream, message_delta restating counts as null",
    model: "anthropic:claude-sonnet-4-20250514",
    usage: { input_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 500, output_tokens: 1 },
    deltaUsage: {
      input_tokens: null,
      cache_read_input_tokens: null,
      cache_creation_input_tokens: null,
      output_tokens: 50,
    },
    fake: {
      promptTokens: 100,
      cachedTokens: 2000,
      cacheCreationTokens: 500,
      completionTokens: 50,
      deltaUsage: "nulls",
    },
    cost: "0.003525",
    oldCost: "0.00075",
    promptTokens: 2600,
  },
  {
    name: "Anthropic cache read + write + input billed once",
    model: "anthropic:claude-sonnet-4-20250514",
    usage: { input_tokens: 100, cache_read_input_tokens: 2000, cache_creation_input_tokens: 500, output_tokens: 50 },
    fake: { promptTokens: 100, cachedTokens: 2000, cacheCreationTokens: 500, completionTokens: 50 },
    cost: "0.003525",
    oldCost: "0.003525",
    promptTokens: 2600,
  },
  {
    name: "OpenRouter openai/gpt-4o-mini with cached tokens",
    model: "openrouter:openai/gpt-4o-mini",
    usage: {
      prompt_tokens: 1000,
      completion_tokens: 100,
      total_tokens: 1100,
      prompt_tokens_details: { cached_tokens: 800 },
      cost: 0.00015,
    },
    fake: { promptTokens: 1000, cachedTokens: 800, completionTokens: 100, cost: 0.00015 },
    cost: "0.00015",
    oldCost: "0.00021",
    promptTokens: 1000,
  },
  {
    name: "OpenRouter anthropic/claude-sonnet-4, 250k prompt (above-200k tier)",
    model: "openrouter:anthropic/claude-sonnet-4",
    usage: { prompt_tokens: 250000, completion_tokens: 1000, total_tokens: 251000 },
    fake: { promptTokens: 250000, completionTokens: 1000, cost: 1.5225 },
    cost: "1.5225",
    oldCost: "0.765",
    promptTokens: 250000,
  },
  {
    name: "OpenAI o4-mini, service_tier flex",
    model: "openai:o4-mini",
    body: { service_tier: "flex" },
    usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
    serviceTier: "flex",
    fake: { promptTokens: 1000, completionTokens: 500 },
    cost: "0.00165",
    oldCost: "0.0033",
    promptTokens: 1000,
  },
  {
    name: "OpenAI gpt-4o, service_tier priority",
    model: "openai:gpt-4o",
    body: { service_tier: "priority" },
    usage: { prompt_tokens: 1000, completion_tokens: 100, total_tokens: 1100 },
    serviceTier: "priority",
    fake: { promptTokens: 1000, completionTokens: 100 },
    cost: "0.00595",
    oldCost: "0.0035",
    promptTokens: 1000,
  },
  {
    name: "OpenAI gpt-4o with cached tokens",
    model: "openai:gpt-4o",
    usage: {
      prompt_tokens: 1000,
      completion_tokens: 100,
      total_tokens: 1100,
      prompt_tokens_details: { cached_tokens: 800 },
    },
    fake: { promptTokens: 1000, cachedTokens: 800, completionTokens: 100 },
    cost: "0.0025",
    oldCost: "0.0025",
    promptTokens: 1000,
  },
  {
    name: "OpenAI o4-mini, reasoning not double counted",
    model: "openai:o4-mini",
    usage: {
      prompt_tokens: 1000,
      completion_tokens: 500,
      total_tokens: 1500,
      completion_tokens_details: { reasoning_tokens: 400 },
    },
    fake: { promptTokens: 1000, completionTokens: 500, reasoningTokens: 400 },
    cost: "0.0033",
    oldCost: "0.0033",
    promptTokens: 1000,
  },
];
