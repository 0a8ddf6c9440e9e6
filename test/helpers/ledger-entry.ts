// The one builder of ledger rows for tests and benchmarks: a complete, valid entry (llm_requests row and its
// ai_interactions twin), typed by the ledger's row types (derived from types/database.ts), so a renamed column
// fails to compile here too; the fields a caller cares about are overridden.
import type { AiInteractionRow, LedgerEntry, LlmRequestRow } from "../../functions/_shared/ledger/writer.ts";

export interface LedgerEntryOverrides {
  llmRequest?: Partial<LlmRequestRow>;
  /** Applied after the interaction is derived from the (overridden) llm_requests row. */
  interaction?: Partial<AiInteractionRow>;
}

/**
 * A priced, completed, non-streamed call of `account` (3 + 4 tokens at gpt-4o-mini's price). The interaction
 * mirrors the request row (id, time, model, user, latency, address) unless overridden, and holds the call's bodies
 * (their one copy: llm_requests.request_body / response_body read them).
 */
export function ledgerEntry(account: { id: string; slug: string }, overrides: LedgerEntryOverrides = {}): LedgerEntry {
  const llmRequest: LlmRequestRow = {
    id: crypto.randomUUID(),
    created_at: new Date().toISOString(),
    account_id: account.id,
    account_slug: account.slug,
    session_id: null,
    agent_instance_id: null,
    agent_instance_slug: null,
    agent_type: null,
    user_id: null,
    api_key_id: null,
    end_user: null,
    conversation_id: null,
    properties: { k: "v" },
    provider: "openrouter",
    model: "openai/gpt-4o-mini",
    is_stream: false,
    completion_status: "complete",
    http_status: 200,
    finish_reason: "stop",
    error_code: null,
    error_message: null,
    prompt_tokens: 3,
    completion_tokens: 4,
    total_tokens: 7,
    cached_tokens: 0,
    cache_creation_tokens: 0,
    cache_creation_1h_tokens: null,
    reasoning_tokens: 0,
    usage_source: "provider",
    unit_cost_prompt: "0.00000015",
    unit_cost_completion: "0.0000006",
    unit_cost_cached: null,
    unit_cost_cache_creation: null,
    unit_cost_cache_creation_1h: null,
    unit_cost_reasoning: null,
    computed_cost: "0.00000285",
    provider_cost: null,
    price_source: "model_prices",
    service_tier: null,
    latency_ms: 12,
    time_to_first_token_ms: null,
    attempt_count: null,
    attempts: null,
    models_tried: null,
    cache_hit: false,
    cost_saved: null,
    ip_address: "203.0.113.9",
    country: null,
    ...overrides.llmRequest,
  };
  const interaction: AiInteractionRow = {
    id: crypto.randomUUID(),
    timestamp: llmRequest.created_at,
    account_id: llmRequest.account_id,
    llm_request_id: llmRequest.id,
    request: { messages: [] },
    response: null,
    latency_ms: llmRequest.latency_ms,
    error_code: llmRequest.error_code,
    error_message: llmRequest.error_message,
    model_name: llmRequest.model,
    user_id: llmRequest.user_id,
    file_metadata: [],
    status: "success",
    prompt_hash: "ab".repeat(32),
    ip_address: llmRequest.ip_address,
    provider: llmRequest.provider,
    conversation_id: llmRequest.conversation_id,
    properties: llmRequest.properties,
    country: llmRequest.country,
    ...overrides.interaction,
  };
  return { llmRequest, interaction };
}
