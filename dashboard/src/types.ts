/** Wire shapes of the dashboard API (README.md "The dashboard API"; served by functions/dashboard). snake_case as sent. */
import type { Totals } from "../../functions/_shared/dashboard/analytics.ts";

// The server's own type (a type-only import: nothing of the server enters the bundle).
export type { Totals };

export interface Account {
  id: string;
  slug: string;
  name: string;
  role: string;
  permissions: string[];
}

export interface Overview {
  range: { from: string; to: string };
  previous_range: { from: string; to: string };
  totals: Totals;
  previous_totals: Totals;
  daily: { day: string; model: string | null; cost_usd: string; requests: number; errors: number }[];
  latency_daily: {
    day: string;
    p50_latency_ms: number | null;
    p95_latency_ms: number | null;
    p50_ttft_ms: number | null;
    p95_ttft_ms: number | null;
  }[];
}

export interface BreakdownRow {
  key: string | null;
  label: string;
  requests: number;
  errors: number;
  error_rate: number;
  cost_usd: string;
  prompt_tokens: number;
  completion_tokens: number;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  sparkline: number[];
}

export interface Interaction {
  id: string;
  timestamp: string;
  user_id: string | null;
  status: string;
  model_name: string | null;
  provider: string | null;
  latency_ms: number | null;
  error_code: string | null;
  error_message: string | null;
  properties: Record<string, unknown> | null;
  conversation_id: string | null;
  country: string | null;
  llm_request_id: string | null;
}

export interface RequestDetail {
  id: string;
  timestamp: string;
  llm_request_id: string | null;
  user_id: string | null;
  status: string;
  model: string | null;
  provider: string | null;
  latency_ms: number | null;
  ttft_ms: number | null;
  is_stream: boolean | null;
  http_status: number | null;
  finish_reason: string | null;
  end_user: string | null;
  api_key_id: string | null;
  agent_instance_slug: string | null;
  cache_hit: boolean | null;
  attempts: number | null;
  country: string | null;
  conversation_id: string | null;
  error: { code: string | null; message: string | null } | null;
  request: unknown;
  response: unknown;
  properties: Record<string, unknown> | null;
  tokens: {
    prompt: number | null;
    completion: number | null;
    total: number | null;
    cached: number | null;
    cache_creation: number | null;
    reasoning: number | null;
    source: string | null;
  } | null;
  cost_usd: string | null;
  provider_cost_usd: string | null;
  price: Record<string, string | null> | null;
  links: {
    session_id: string | null;
    conversation_id: string | null;
    feature: { kind: string | null; id: string | null } | null;
  } | null;
}

export interface SessionItem {
  id: string;
  started_at: string;
  last_message_at: string | null;
  message_count: number;
  visitor: unknown;
  agent_instance: unknown;
  status: string | null;
}

export interface SessionDetail {
  session: Record<string, unknown>;
  messages: { role: string; content: unknown; created_at: string }[];
  profile: Record<string, unknown> | null;
}

export interface Feedback {
  mentor: {
    ratings: { count: number; average: number | null; distribution: Record<string, number> | number[] };
    variants: Record<string, unknown>[];
  };
  guru: Record<string, unknown>[];
  twin: Record<string, unknown>[];
}

export interface ReviewItem {
  id: string;
  kind: string;
  created_at: string;
  reason: string | null;
  student: unknown;
  question: string | null;
  answer: string | null;
  flagged_for_review: boolean;
  escalated_to_trainer: boolean;
}

export interface ErrorRow {
  code: string | null;
  message: string | null;
  count: number;
  first_seen: string;
  last_seen: string;
  model: string | null;
  provider?: string | null;
}
