// Synthetic ledger entries shaped like the proxy's (functions/_shared/gateway.ts), for the logging benchmark.
import type { LedgerEntry } from "../../functions/_shared/ledger.ts";

const MODELS = ["openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash"];

export function entry(i: number, f: { accountId: string; slug: string; userId: string; keyId: string | null }): LedgerEntry {
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  const model = MODELS[i % MODELS.length];
  const stream = i % 2 === 0;
  const request = {
    model,
    stream,
    messages: [
      { role: "system", content: "You are the academy mentor. Answer briefly and cite the lesson." },
      { role: "user", content: `Question ${i}: how do I compute the derivative of x^2 sin(x)? My email is [REDACTED_EMAIL].` },
    ],
  };
  const response = {
    id: "chatcmpl-" + id.slice(0, 12),
    model,
    choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content: "Use the product rule: 2x sin(x) + x^2 cos(x)." } }],
  };
  return {
    llmRequest: {
      id, created_at: now, account_id: f.accountId, account_slug: f.slug, session_id: null, agent_instance_id: null,
      agent_instance_slug: null, agent_type: null, user_id: f.userId, api_key_id: f.keyId, end_user: null,
      conversation_id: null, properties: i % 5 === 0 ? { feature: "mentor" } : {}, provider: "openrouter", model,
      is_stream: stream, completion_status: "complete", http_status: 200, finish_reason: "stop", error_code: null,
      error_message: null, request_body: request, response_body: response, prompt_tokens: 42, completion_tokens: 18,
      total_tokens: 60, cached_tokens: 0, cache_creation_tokens: null, reasoning_tokens: 0, usage_source: "provider",
      unit_cost_prompt: "0.00000015", unit_cost_completion: "0.0000006", unit_cost_cached: "0.000000075",
      unit_cost_cache_creation: null, unit_cost_reasoning: null, computed_cost: "0.0000171", provider_cost: null,
      price_source: "model_prices", latency_ms: 180 + (i % 400), time_to_first_token_ms: stream ? 90 : null,
      ip_address: "127.0.0.1", country: null,
    },
    interaction: {
      id: crypto.randomUUID(), timestamp: now, account_id: f.accountId, llm_request_id: id, request, response,
      latency_ms: 180 + (i % 400), error_code: null, error_message: null, model_name: model, user_id: f.userId,
      file_metadata: null, status: "success", prompt_hash: null, ip_address: "127.0.0.1", provider: "openrouter",
      conversation_id: null, properties: i % 5 === 0 ? { feature: "mentor" } : {}, country: null,
    },
  };
}

