/**
 * What `POST /ingest` accepts: one interaction or an array of them, in the shape of the seed's
 * `logAIInteraction` plus the attribution the gateway records for proxied calls. Objects are strict:
 * a misspelt field (`latencyMs`) is a 400, not a silently missing value.
 */
import { z } from "zod";
import { badRequest, fromZodError } from "../_shared/http/errors.ts";
import { MAX_CONVERSATION_ID_CHARS, MAX_METADATA_BYTES, MAX_MODEL_CHARS } from "../_shared/http/limits.ts";

export const MAX_BATCH = 1000;
/** Idempotency keys are hashed into the row ids, never stored; the cap only bounds the work. */
export const MAX_IDEMPOTENCY_KEY_CHARS = 256;
/** Error codes are identifiers (`rate_limit_exceeded`), grouped by in analytics. */
const MAX_ERROR_CODE_CHARS = 256;
/** Token counts this large are nonsense, and two of them still fit the ledger's integer columns. */
const MAX_TOKENS = 1_000_000_000;
/** Reported timestamps may run ahead of ours by clock skew, not more. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const tokens = z.int().min(0).max(MAX_TOKENS);
const identifier = (max: number) => z.string().min(1, "must not be empty").max(max, `at most ${max} characters`);

const usageSchema = z.strictObject({
  prompt_tokens: tokens,
  completion_tokens: tokens,
  total_tokens: tokens.optional(),
  cached_tokens: tokens.optional(),
  cache_creation_tokens: tokens.optional(),
  reasoning_tokens: tokens.optional(),
}).superRefine((u, ctx) => {
  if ((u.cached_tokens ?? 0) + (u.cache_creation_tokens ?? 0) > u.prompt_tokens) {
    const message = "cached and cache-write tokens are part of prompt_tokens";
    ctx.addIssue({ code: "custom", path: ["cached_tokens"], message });
  }
  if ((u.reasoning_tokens ?? 0) > u.completion_tokens) {
    const message = "reasoning tokens are part of completion_tokens";
    ctx.addIssue({ code: "custom", path: ["reasoning_tokens"], message });
  }
});

const propertiesSchema = z.record(z.string(), z.json()).refine(
  (p) => new TextEncoder().encode(JSON.stringify(p)).byteLength <= MAX_METADATA_BYTES,
  `at most ${MAX_METADATA_BYTES} bytes of JSON`,
);

const timestampSchema = z.iso.datetime({ offset: true }).refine(
  (t) => Date.parse(t) <= Date.now() + MAX_CLOCK_SKEW_MS,
  "must not be in the future",
);

export const interactionSchema = z.strictObject({
  request: z.json().refine((v) => v !== null, "is required (the request sent to the model)"),
  response: z.json().optional(),
  latency_ms: z.int().min(0).max(2_147_483_647).nullable().optional(),
  error_code: identifier(MAX_ERROR_CODE_CHARS).nullable().optional(),
  error_message: z.string().nullable().optional(),
  model_name: identifier(MAX_MODEL_CHARS),
  user_id: z.guid().nullable().optional(),
  file_metadata: z.json().optional(),
  status: z.enum(["success", "error", "partial"]).default("success"),
  timestamp: timestampSchema.optional(),
  provider: identifier(MAX_MODEL_CHARS).optional(),
  usage: usageSchema.nullable().optional(),
  properties: propertiesSchema.optional(),
  conversation_id: identifier(MAX_CONVERSATION_ID_CHARS).nullable().optional(),
  idempotency_key: identifier(MAX_IDEMPOTENCY_KEY_CHARS).optional(),
});

export type Interaction = z.infer<typeof interactionSchema>;

const batchSchema = z.array(interactionSchema)
  .min(1, "send at least one interaction")
  .max(MAX_BATCH, `at most ${MAX_BATCH} interactions per request`);

/** The body as a list of interactions, and whether it was one object (answered as one object). */
export function parseIngestBody(json: unknown): { items: Interaction[]; single: boolean } {
  if (json === null || typeof json !== "object") {
    throw badRequest("The body must be an interaction object or an array of them", null, "invalid_request");
  }
  const single = !Array.isArray(json);
  const parsed = single ? interactionSchema.safeParse(json) : batchSchema.safeParse(json);
  if (!parsed.success) throw fromZodError(parsed.error);
  return { items: single ? [parsed.data as Interaction] : parsed.data as Interaction[], single };
}
