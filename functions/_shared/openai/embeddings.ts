/**
 * `POST /v1/embeddings`: passed through to OpenAI-format providers (OpenRouter, OpenAI,
 * compatible servers). The ledger keeps the input (redacted like any body), the token counts
 * and the vectors' count and dimensions, never the vectors; the cost is the input tokens at the
 * model's `input_cost_per_token`.
 */
import { badRequest } from "../http/errors.ts";
import { envSnapshot } from "../runtime/env.ts";
import { type CallContext, type CallResult, failedCall, type LoggedRequest } from "../gateway/forward.ts";
import type { Json } from "../runtime/schema.ts";
import { passThrough } from "../gateway/passthrough.ts";
import { mapUpstreamError, parseUpstreamErrorBody, resolveProvider } from "../providers/index.ts";
import { normalizeOpenAIUsage } from "../billing/usage.ts";

const MAX_MODEL_LENGTH = 256;

function loggedEmbeddingRequest(json: unknown): LoggedRequest {
  const body = (json && typeof json === "object" ? json : {}) as Record<string, unknown>;
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return {
    model: typeof body.model === "string" ? body.model : "unknown",
    // Text inputs stand in for messages: prompt hash and token estimates read them.
    messages: inputs.map((i) => ({ role: "user", content: typeof i === "string" ? i : "" })),
    stream: false,
    user: typeof body.user === "string" ? body.user : null,
    body: body as Json,
  };
}

function validInput(input: unknown): boolean {
  if (typeof input === "string") return true;
  return Array.isArray(input) && input.length > 0 &&
    input.every((i) => typeof i === "string" || typeof i === "number" || Array.isArray(i));
}

/** The length of one vector: a float array, or base64 of float32s (`encoding_format: base64`). */
function dimensionsOf(embedding: unknown): number | null {
  if (Array.isArray(embedding)) return embedding.length;
  if (typeof embedding === "string") return Math.floor((embedding.replace(/=+$/, "").length * 3) / 4 / 4);
  return null;
}

export function forwardEmbeddings(ctx: CallContext, json: unknown): Promise<CallResult> | CallResult {
  const request = loggedEmbeddingRequest(json);
  const body = request.body as Record<string, unknown>;
  if (typeof body.model !== "string" || !body.model || body.model.length > MAX_MODEL_LENGTH) {
    const error = badRequest(`'model' must be a model name of 1 to ${MAX_MODEL_LENGTH} characters`, "model");
    return failedCall(ctx, request, null, error);
  }
  if (!validInput(body.input)) {
    const error = badRequest("'input' must be a string or a non-empty array of strings or tokens", "input");
    return failedCall(ctx, request, null, error);
  }
  const resolved = resolveProvider(body.model, envSnapshot());
  if (!resolved.ok) return failedCall(ctx, request, null, resolved.error);
  const { target } = resolved.value;
  if (target.provider === "anthropic") {
    const error = badRequest("Anthropic has no embeddings API; use an OpenAI-format provider", "model");
    return failedCall(ctx, request, target, error);
  }
  return passThrough(ctx, {
    request,
    target,
    stream: false,
    upstream: (signal) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
      const payload = JSON.stringify({ ...body, model: target.model });
      return new Request(`${target.baseUrl}/embeddings`, { method: "POST", headers, body: payload, signal });
    },
    normalizeError: (status, text, headers) =>
      mapUpstreamError(status, parseUpstreamErrorBody(text), headers, target.provider),
    parseAnswer: (answer) => {
      const a = (answer && typeof answer === "object" ? answer : {}) as Record<string, unknown>;
      const data = Array.isArray(a.data) ? (a.data as Array<Record<string, unknown>>) : [];
      const usage = normalizeOpenAIUsage(a.usage);
      return {
        usage,
        text: "",
        finishReason: null,
        logged: {
          object: "list",
          model: typeof a.model === "string" ? a.model : null,
          data: data.map((d) => ({ index: (d.index as number) ?? 0, dimensions: dimensionsOf(d.embedding) })),
          usage: (a.usage ?? null) as Json,
        },
      };
    },
  });
}
