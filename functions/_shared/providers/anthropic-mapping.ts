/** Anthropic -> OpenAI mappings shared by the response and stream translations. */

const FINISH_REASONS: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  pause_turn: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

/** Anthropic stop_reason as an OpenAI finish_reason. */
export function mapStopReason(reason: unknown): string | null {
  if (typeof reason !== "string") return null;
  return FINISH_REASONS[reason] ?? "stop";
}

/**
 * Anthropic usage in OpenAI shape. Anthropic's input_tokens exclude cache reads and writes;
 * OpenAI's prompt_tokens include them, with reads as `cached_tokens` (and writes reported as
 * OpenRouter does, `cache_write_tokens`). When Anthropic splits writes by lifetime
 * (`cache_creation.ephemeral_1h_input_tokens`), the one-hour part is kept as `cache_write_1h_tokens`
 * since it is priced differently.
 */
export function anthropicUsageToOpenAI(u: Record<string, unknown> | undefined): Record<string, unknown> {
  const n = (v: unknown): number => (typeof v === "number" ? v : 0);
  const read = n(u?.cache_read_input_tokens);
  const write = n(u?.cache_creation_input_tokens);
  const prompt = n(u?.input_tokens) + read + write;
  const completion = n(u?.output_tokens);
  const split = u?.cache_creation as Record<string, unknown> | null | undefined;
  const details: Record<string, number> = { cached_tokens: read, cache_write_tokens: write };
  if (split && typeof split === "object") details.cache_write_1h_tokens = n(split.ephemeral_1h_input_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: details,
    completion_tokens_details: { reasoning_tokens: 0 },
  };
}
