/**
 * What llm-proxy checks between a valid request and forwarding it: the API key's model allowlist,
 * then the usage limits (reserve an estimate, settle the real usage when the call is over).
 */
import type { Caller } from "../auth/caller.ts";
import type { Sql } from "../runtime/db.ts";
import { parseDecimal, ZERO } from "../billing/decimal.ts";
import { envSnapshot } from "../runtime/env.ts";
import { forbidden } from "../http/errors.ts";
import type { CallOutcome } from "../gateway/forward.ts";
import { isConnectionError } from "../ledger/writer.ts";
import type { ChatCompletionRequest } from "../openai/chat-schema.ts";
import { priceKeys, resolvePrice } from "../billing/price-lookup.ts";
import { computeCost } from "../billing/cost.ts";
import { resolveProvider } from "../providers/index.ts";
import { estimatePromptTokens } from "../billing/token-estimate.ts";
import { emptyUsage } from "../billing/usage.ts";
import { acquireSlot, loadConcurrencyCap } from "./concurrency.ts";
import {
  applicable,
  countsCost,
  countsTokens,
  loadLimits,
  type Need,
  type Reservation,
  reserve,
  settle,
} from "./limits.ts";
import type { LooseObject } from "../runtime/loose-object.ts";

/** Completion bound when the request sets no max_tokens and the model's maximum output is unknown. */
const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

/** 403 when the caller's API key may not call one of `models` (the requested one and its fallbacks). */
export function checkModelAllowed(caller: Caller, models: string[]): void {
  const refused = caller.allowedModels && models.find((m) => !caller.allowedModels!.includes(m));
  if (refused) {
    throw forbidden(
      `This API key may not call model '${refused}'; it may call: ${caller.allowedModels!.join(", ")}`,
      "model_not_allowed",
    );
  }
}

/**
 * The body of another endpoint (embeddings, Responses, Anthropic Messages) as the chat `admit`
 * estimates: the same model, one message holding the body's input (`messages` or `input`), bounded by
 * its output limit (none for embeddings).
 */
export function asChatForLimits(json: unknown, opts: { embeddings?: boolean } = {}): ChatCompletionRequest {
  const b = (json ?? {}) as LooseObject;
  const input = b.messages ?? b.input ?? "";
  return {
    model: typeof b.model === "string" ? b.model : "",
    messages: [{ role: "user", content: typeof input === "string" ? input : JSON.stringify(input) }],
    max_tokens: opts.embeddings ? 0 : b.max_tokens ?? b.max_output_tokens ?? undefined,
    user: typeof b.user === "string" ? b.user : undefined,
  } as ChatCompletionRequest;
}

/**
 * The most a call can use: its prompt tokens (counted here) plus the completion bound
 * (max_completion_tokens, max_tokens, the model's maximum output, else 4096) per choice; its cost
 * at the model's price (0 when the price is unknown: such a call is logged with an unknown cost).
 */
export async function estimateNeed(
  sql: Sql,
  caller: Caller,
  body: ChatCompletionRequest,
  tokens: boolean,
  cost: boolean,
): Promise<Need> {
  if (!tokens && !cost) return { requests: 1, tokens: 0, cost: ZERO };
  const resolved = resolveProvider(body.model, envSnapshot());
  const price = resolved.ok
    ? (await resolvePrice(
      sql,
      caller.accountId,
      priceKeys(resolved.value.target.provider, resolved.value.target.model, body.model),
    )
      .catch(() => null))?.price ?? null
    : null;
  const prompt = await promptBound(body.messages);
  const bound = body.max_completion_tokens ?? body.max_tokens ?? price?.max_output_tokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
  const completion = bound * (body.n ?? 1);
  let need = ZERO;
  if (cost && price) {
    const usage = {
      ...emptyUsage(),
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    };
    const total = computeCost(usage, price).total;
    need = total === null ? ZERO : parseDecimal(total);
  }
  return { requests: 1, tokens: prompt + completion, cost: need };
}

/** A fallback value for a lookup that failed because Postgres is unreachable; other errors propagate. */
const unlessDown = <T>(fallback: T) => (err: unknown): T => {
  if (!isConnectionError(err)) throw err;
  return fallback;
};

/** Prompts longer than this are bounded by their size instead of tokenized (see promptBound). */
const TOKENIZE_MAX_CHARS = 32_768;

/**
 * The prompt's tokens: counted (o200k_base) for a prompt of normal size; for a longer one, its
 * UTF-8 size in bytes, which no tokenizer exceeds. Tokenizing a megabyte would hold this worker's
 * CPU for seconds, slowing every other tenant's calls; the over-reservation is refunded at settlement.
 */
async function promptBound(messages: readonly unknown[]): Promise<number> {
  const json = JSON.stringify(messages);
  if (json.length > TOKENIZE_MAX_CHARS) return new TextEncoder().encode(json).length;
  return await estimatePromptTokens(messages);
}

/**
 * Reserves the call against every limit that applies (429 when one would be exceeded) and returns
 * the x-ratelimit-* headers and a function that settles the reservation with the call's outcome.
 */
export async function admit(
  sql: Sql,
  caller: Caller,
  body: ChatCompletionRequest,
): Promise<{ headers: Record<string, string>; settle: (outcome: Promise<CallOutcome>) => void }> {
  const release = acquireSlot(
    caller.accountId,
    await loadConcurrencyCap(sql, caller.accountId).catch(unlessDown(null)),
  );
  let reservation: Reservation;
  try {
    const endUser = typeof body.user === "string" ? body.user : null;
    const limits = applicable(await loadLimits(sql, caller.accountId), caller, endUser);
    const need = await estimateNeed(sql, caller, body, countsTokens(limits), countsCost(limits));
    reservation = await reserve(sql, caller.accountId, limits, need);
  } catch (err) {
    release();
    // Limits cannot be checked while Postgres is unreachable: calls go on (the ledger queues their
    // rows) rather than the database taking the gateway down with it.
    if (!isConnectionError(err)) throw err;
    console.error(`[limits] database unreachable, call not counted: ${err instanceof Error ? err.message : err}`);
    return { headers: {}, settle: () => {} };
  }
  return {
    headers: reservation.headers,
    settle: (outcome) =>
      void outcome.then(
        (o) => settle(sql, reservation, o.usage.total_tokens, o.cost === null ? null : parseDecimal(o.cost)),
        () => settle(sql, reservation, 0, null),
      ).finally(release),
  };
}
