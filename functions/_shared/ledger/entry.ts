/**
 * The ledger rows of one finished call, built the same way for calls the gateway forwarded
 * (gateway/forward.ts `record`) and calls an app reports itself (the ingest function): every string
 * the client or provider chose is redacted, bodies are kept per the account's settings with binary
 * stripped and depth capped, the prompt is fingerprinted and the call priced.
 */
import type { Caller } from "../auth/caller.ts";
import { computeCost } from "../billing/cost.ts";
import type { ResolvedPrice } from "../billing/price-lookup.ts";
import { emptyUsage, type NormalizedUsage } from "../billing/usage.ts";
import { capDepth } from "../http/limits.ts";
import { extractFileMetadata, redactText, redactValue, stripAndRedact } from "../privacy/redaction.ts";
import { promptHash } from "./fingerprint.ts";
import { type AiInteractionRow, type LedgerEntry, type LlmRequestRow, priceSourceOf } from "./writer.ts";
import type { Json } from "../runtime/schema.ts";

export interface CallRecord {
  requestId: string;
  interactionId: string;
  at: Date;
  /** Account, API key and logging settings. */
  caller: Caller;
  userId: string | null;
  agent?: { sessionId: string | null; instanceId: string; instanceSlug: string; agentType: string };
  endUser: string | null;
  conversationId: string | null;
  properties: Record<string, Json>;
  provider: string;
  model: string;
  isStream: boolean;
  status: "complete" | "partial" | "error";
  httpStatus: number | null;
  finishReason: string | null;
  error: { code: string | null; message: string | null } | null;
  requestBody: Json | null;
  responseBody: Json | null;
  /** The prompt's messages, for its hash and file metadata; null when the request has none to hash. */
  messages: readonly unknown[] | null;
  /** File metadata the caller reported itself; derived from `messages` when absent. */
  fileMetadata?: Json | null;
  /** Null when the call's usage is unknown: no tokens, and no cost (never 0). */
  usage: NormalizedUsage | null;
  usageSource: "provider" | "estimated" | null;
  price: ResolvedPrice;
  latencyMs: number | null;
  ttftMs: number | null;
  ip: string | null;
  /** Country from the platform's geo header; null lets the database derive it from the address. */
  country?: string | null;
  /** Upstream attempts in order (retries, fallbacks); null when unknown (calls reported to ingest). */
  attempts?: Json[] | null;
  /** The models tried in order, when there were fallbacks to try. */
  modelsTried?: string[] | null;
  /** Set when the answer was replayed from the response cache. */
  cacheHit?: { costSaved: string | null } | null;
}

const redactNullable = (s: string | null): string | null => (s === null ? null : redactText(s));

export function buildLedgerEntry(r: CallRecord): LedgerEntry {
  const breakdown = computeCost(r.usage ?? emptyUsage(), r.usage ? r.price.price : null);
  const rates = breakdown.rates;
  const error = r.error && { code: redactNullable(r.error.code), message: redactNullable(r.error.message) };
  const model = redactText(r.model);
  const settings = r.caller.settings;
  // Depth is capped first: a provider's reply can nest without limit, and the walks are recursive.
  const requestBody = settings.log_request_bodies && r.requestBody !== null
    ? stripAndRedact(capDepth(r.requestBody))
    : null;
  const responseBody = settings.log_response_bodies && r.responseBody !== null
    ? redactValue(capDepth(r.responseBody))
    : null;
  const fileMetadata = r.fileMetadata != null
    ? stripAndRedact(capDepth(r.fileMetadata))
    : r.messages
    ? extractFileMetadata(r.messages) as unknown as Json
    : null;
  const usage = r.usage;
  const llmRequest: LlmRequestRow = {
    id: r.requestId,
    created_at: r.at.toISOString(),
    account_id: r.caller.accountId,
    account_slug: r.caller.accountSlug,
    session_id: r.agent?.sessionId ?? null,
    agent_instance_id: r.agent?.instanceId ?? null,
    agent_instance_slug: r.agent?.instanceSlug ?? null,
    agent_type: r.agent?.agentType ?? null,
    user_id: r.userId,
    api_key_id: r.caller.apiKeyId,
    end_user: redactNullable(r.endUser),
    conversation_id: redactNullable(r.conversationId),
    properties: redactValue(r.properties),
    provider: r.provider,
    model,
    is_stream: r.isStream,
    completion_status: r.status,
    http_status: r.httpStatus,
    finish_reason: redactNullable(r.finishReason),
    error_code: error?.code ?? null,
    error_message: error?.message ?? null,
    prompt_tokens: usage?.prompt_tokens ?? null,
    completion_tokens: usage?.completion_tokens ?? null,
    total_tokens: usage?.total_tokens ?? null,
    cached_tokens: usage?.cached_tokens ?? null,
    cache_creation_tokens: usage?.cache_creation_tokens ?? null,
    reasoning_tokens: usage?.reasoning_tokens ?? null,
    usage_source: r.usageSource,
    unit_cost_prompt: rates?.input ?? null,
    unit_cost_completion: rates?.output ?? null,
    unit_cost_cached: rates?.cache_read ?? null,
    unit_cost_cache_creation: rates?.cache_creation ?? null,
    unit_cost_cache_creation_1h: rates?.cache_creation_1h ?? null,
    unit_cost_reasoning: rates?.reasoning ?? null,
    computed_cost: breakdown.total,
    provider_cost: usage?.provider_cost ?? null,
    price_source: breakdown.priced ? priceSourceOf(r.price.source, breakdown.fallback) : "unknown",
    cache_creation_1h_tokens: usage?.cache_creation_1h_tokens ?? null,
    service_tier: usage?.service_tier ?? null,
    latency_ms: r.latencyMs,
    time_to_first_token_ms: r.ttftMs,
    ip_address: r.ip,
    country: r.country ?? null,
    attempt_count: r.attempts ? r.attempts.length : null,
    attempts: r.attempts ?? null,
    models_tried: r.modelsTried ?? null,
    cache_hit: !!r.cacheHit,
    cost_saved: r.cacheHit?.costSaved ?? null,
  };
  const interaction: AiInteractionRow = {
    id: r.interactionId,
    timestamp: r.at.toISOString(),
    account_id: r.caller.accountId,
    llm_request_id: r.requestId,
    request: requestBody ?? { omitted: true },
    response: responseBody,
    latency_ms: r.latencyMs,
    error_code: error?.code ?? null,
    error_message: error?.message ?? null,
    model_name: model,
    user_id: r.userId,
    file_metadata: fileMetadata,
    status: r.status === "complete" ? "success" : r.status,
    prompt_hash: r.messages ? promptHash(r.messages) : null,
    ip_address: r.ip,
    provider: llmRequest.provider,
    conversation_id: llmRequest.conversation_id,
    properties: llmRequest.properties,
    country: llmRequest.country,
  };
  return { llmRequest, interaction };
}
