// Synthetic ledger entries shaped like the proxy's (functions/_shared/gateway/forward.ts), for the logging benchmark:
// the shared test builder with a realistic mentor exchange, rotating models and every other call streamed.
import type { LedgerEntry } from "../../functions/_shared/ledger/writer.ts";
import { ledgerEntry } from "../../test/helpers/ledger-entry.ts";

const MODELS = ["openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-sonnet-4", "google/gemini-2.5-flash"];

export function entry(
  i: number,
  f: { accountId: string; slug: string; userId: string; keyId: string | null },
): LedgerEntry {
  const id = crypto.randomUUID();
  const model = MODELS[i % MODELS.length];
  const stream = i % 2 === 0;
  const request = {
    model,
    stream,
    messages: [
      { role: "system", content: "You are the academy mentor. Answer briefly and cite the lesson." },
      {
        role: "user",
        content: `Question ${i}: how do I compute the derivative of x^2 sin(x)? My email is [REDACTED_EMAIL].`,
      },
    ],
  };
  const response = {
    id: "chatcmpl-" + id.slice(0, 12),
    model,
    choices: [{
      index: 0,
      finish_reason: "stop",
      message: { role: "assistant", content: "Use the product rule: 2x sin(x) + x^2 cos(x)." },
    }],
  };
  return ledgerEntry({ id: f.accountId, slug: f.slug }, {
    llmRequest: {
      id,
      user_id: f.userId,
      api_key_id: f.keyId,
      properties: i % 5 === 0 ? { feature: "mentor" } : {},
      model,
      is_stream: stream,
      prompt_tokens: 42,
      completion_tokens: 18,
      total_tokens: 60,
      cache_creation_tokens: null,
      unit_cost_cached: "0.000000075",
      computed_cost: "0.0000171",
      latency_ms: 180 + (i % 400),
      time_to_first_token_ms: stream ? 90 : null,
      ip_address: "127.0.0.1",
    },
    interaction: { request, response, file_metadata: null, prompt_hash: null },
  });
}
