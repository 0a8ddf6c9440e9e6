// A complete, valid ledger entry (llm_requests + ai_interactions rows) for tests that call the Ledger directly.
import type { LedgerEntry } from "../../functions/_shared/ledger.ts";

export function ledgerEntry(accountId: string, accountSlug: string): LedgerEntry {
  const id = crypto.randomUUID();
  const now = new Date().toISOString();
  return {
    llmRequest: {
      id, created_at: now, account_id: accountId, account_slug: accountSlug, session_id: null,
      agent_instance_id: null, agent_instance_slug: null, agent_type: null, user_id: null, api_key_id: null,
      end_user: null, conversation_id: null, properties: { k: "v" }, provider: "openrouter", model: "openai/gpt-4o-mini",
      is_stream: false, completion_status: "complete", http_status: 200, finish_reason: "stop", error_code: null,
      error_message: null, request_body: { messages: [] }, response_body: null, prompt_tokens: 3, completion_tokens: 4,
      total_tokens: 7, cached_tokens: 0, cache_creation_tokens: 0, reasoning_tokens: 0, usage_source: "provider",
      unit_cost_prompt: "0.00000015", unit_cost_completion: "0.0000006", unit_cost_cached: null,
      unit_cost_cache_creation: null, unit_cost_reasoning: null, computed_cost: "0.00000285", provider_cost: null,
      price_source: "model_prices", latency_ms: 12, time_to_first_token_ms: null, ip_address: "203.0.113.9",
    },
    interaction: {
      id: crypto.randomUUID(), timestamp: now, account_id: accountId, llm_request_id: id, request: { messages: [] },
      response: null, latency_ms: 12, error_code: null, error_message: null, model_name: "openai/gpt-4o-mini",
      user_id: null, file_metadata: [], status: "success", prompt_hash: "ab".repeat(32), ip_address: "203.0.113.9",
    },
  };
}
