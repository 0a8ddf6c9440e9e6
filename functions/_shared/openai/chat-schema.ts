/**
 * Zod schema of an OpenAI chat-completions request. It checks what the gateway relies on or
 * what users commonly get wrong, and passes every other field through untouched (looseObject),
 * so new OpenAI/OpenRouter parameters keep working without a gateway release.
 */
import { z } from "zod";
import { fromZodError, type Result } from "../http/errors.ts";
import { MAX_MODEL_CHARS, MAX_USER_CHARS } from "../http/limits.ts";

const nonEmpty = z.string().min(1, "must not be empty");

export const textPartSchema = z.looseObject({ type: z.literal("text"), text: z.string() });
export const imageUrlPartSchema = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.looseObject({ url: nonEmpty, detail: z.enum(["auto", "low", "high"]).optional() }),
});
export const inputAudioPartSchema = z.looseObject({
  type: z.literal("input_audio"),
  input_audio: z.looseObject({ data: nonEmpty, format: nonEmpty }),
});
export const filePartSchema = z.looseObject({
  type: z.literal("file"),
  file: z
    .looseObject({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() })
    .refine((f) => f.file_data !== undefined || f.file_id !== undefined, "needs file_data or file_id"),
});
const refusalPartSchema = z.looseObject({ type: z.literal("refusal"), refusal: z.string() });

export const userContentPartSchema = z.discriminatedUnion("type", [
  textPartSchema,
  imageUrlPartSchema,
  inputAudioPartSchema,
  filePartSchema,
]);

const textOnlyContent = z.union([z.string(), z.array(textPartSchema)]);

export const toolCallSchema = z.looseObject({
  id: nonEmpty,
  type: z.literal("function"),
  function: z.looseObject({ name: nonEmpty, arguments: z.string() }),
});

const systemMessage = z.looseObject({
  role: z.literal("system"),
  content: textOnlyContent,
  name: z.string().optional(),
});
const developerMessage = z.looseObject({
  role: z.literal("developer"),
  content: textOnlyContent,
  name: z.string().optional(),
});
const userMessage = z.looseObject({
  role: z.literal("user"),
  content: z.union([z.string(), z.array(userContentPartSchema).min(1, "must have at least one part")]),
  name: z.string().optional(),
});
const assistantMessage = z.looseObject({
  role: z.literal("assistant"),
  content: z.union([z.string(), z.array(z.discriminatedUnion("type", [textPartSchema, refusalPartSchema]))]).nullish(),
  name: z.string().optional(),
  refusal: z.string().nullish(),
  tool_calls: z.array(toolCallSchema).optional(),
  function_call: z.looseObject({ name: z.string(), arguments: z.string() }).nullish(),
});
const toolMessage = z.looseObject({ role: z.literal("tool"), content: textOnlyContent, tool_call_id: nonEmpty });
const functionMessage = z.looseObject({ role: z.literal("function"), content: z.string().nullable(), name: nonEmpty });

export const chatMessageSchema = z.discriminatedUnion("role", [
  systemMessage,
  developerMessage,
  userMessage,
  assistantMessage,
  toolMessage,
  functionMessage,
]);

type JsonSchemaField = z.ZodOptional<z.ZodRecord<z.ZodString, z.ZodUnknown>>;

/** A named JSON Schema, as a function tool and a json_schema response format define one (`schemaKey` differs). */
function schemaDefinition<K extends string>(schemaKey: K) {
  return z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 characters of a-z, A-Z, 0-9, _ or -"),
    description: z.string().optional(),
    ...({ [schemaKey]: z.record(z.string(), z.unknown()).optional() } as Record<K, JsonSchemaField>),
    strict: z.boolean().nullish(),
  });
}

export const functionToolSchema = z.looseObject({
  type: z.literal("function"),
  function: schemaDefinition("parameters"),
});
const customToolSchema = z.looseObject({ type: z.literal("custom"), custom: z.looseObject({ name: nonEmpty }) });
export const toolSchema = z.discriminatedUnion("type", [functionToolSchema, customToolSchema]);

export const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.looseObject({ type: z.literal("function"), function: z.looseObject({ name: nonEmpty }) }),
  z.looseObject({ type: z.literal("custom"), custom: z.looseObject({ name: nonEmpty }) }),
  z.looseObject({ type: z.literal("allowed_tools"), allowed_tools: z.looseObject({}) }),
]);

export const responseFormatSchema = z.discriminatedUnion("type", [
  z.looseObject({ type: z.literal("text") }),
  z.looseObject({ type: z.literal("json_object") }),
  z.looseObject({
    type: z.literal("json_schema"),
    json_schema: schemaDefinition("schema"),
  }),
]);

const positiveInt = z.number().int("must be an integer").positive("must be positive");

export const chatCompletionRequestSchema = z.looseObject({
  model: nonEmpty.max(MAX_MODEL_CHARS, `must be at most ${MAX_MODEL_CHARS} characters`),
  messages: z.array(chatMessageSchema).min(1, "must contain at least one message"),
  tools: z.array(toolSchema).optional(),
  tool_choice: toolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormatSchema.optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: positiveInt.nullish(),
  max_completion_tokens: positiveInt.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4, "at most 4 stop sequences")]).nullish(),
  seed: z.number().int().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
  user: z.string().max(MAX_USER_CHARS, `must be at most ${MAX_USER_CHARS} characters`).optional(),
  metadata: z.record(z.string().max(64), z.string().max(512)).nullish(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type UserContentPart = z.infer<typeof userContentPartSchema>;
export type ToolCall = z.infer<typeof toolCallSchema>;
export type Tool = z.infer<typeof toolSchema>;
export type ToolChoice = z.infer<typeof toolChoiceSchema>;
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/**
 * Validates a parsed JSON body; on failure returns a 400 ApiError saying which field is wrong.
 * The common request (text messages and a few scalar parameters) is recognised by a direct check
 * in a fraction of zod's time; anything else, every invalid body included, goes through the schema,
 * so errors always come from it. A body that passes the check is returned as is (zod would copy it).
 */
export function parseChatCompletionRequest(
  json: unknown,
): Result<ChatCompletionRequest> {
  if (isPlainRequest(json)) return { ok: true, value: json };
  const r = chatCompletionRequestSchema.safeParse(json);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: fromZodError(r.error) };
}

const SCHEMA_KEYS = new Set(Object.keys(chatCompletionRequestSchema.shape));
/** Message fields the schema checks beyond role, content and name: their messages go through zod. */
const CHECKED_MESSAGE_KEYS = new Set(["refusal", "tool_calls", "function_call", "tool_call_id"]);
const TEXT_ROLES = new Set(["system", "developer", "user", "assistant"]);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const nullOr = (v: unknown, check: (n: number) => boolean) => v === null || (typeof v === "number" && check(v));
const between = (min: number, max: number) => (n: number) => n >= min && n <= max;
const isPositiveInt = (n: number) => Number.isSafeInteger(n) && n > 0;

/** True only for a body the schema accepts unchanged; false sends it to zod (which may accept it too). */
function isPlainRequest(json: unknown): json is ChatCompletionRequest {
  if (!isRecord(json) || !Array.isArray(json.messages) || json.messages.length === 0) return false;
  for (const key in json) {
    const v = json[key];
    switch (key) {
      case "model":
        if (typeof v !== "string" || v.length === 0 || v.length > MAX_MODEL_CHARS) return false;
        break;
      case "messages":
        if (!(v as unknown[]).every(isTextMessage)) return false;
        break;
      case "stream":
        if (v !== null && typeof v !== "boolean") return false;
        break;
      case "stream_options":
        if (v !== null && !(isRecord(v) && (v.include_usage === undefined || typeof v.include_usage === "boolean"))) {
          return false;
        }
        break;
      case "max_tokens":
      case "max_completion_tokens":
        if (!nullOr(v, isPositiveInt)) return false;
        break;
      case "temperature":
        if (!nullOr(v, between(0, 2))) return false;
        break;
      case "top_p":
        if (!nullOr(v, between(0, 1))) return false;
        break;
      case "user":
        if (typeof v !== "string" || v.length > MAX_USER_CHARS) return false;
        break;
      default:
        // Other fields the schema knows are checked by it; the rest pass through untouched.
        if (SCHEMA_KEYS.has(key) || key === "__proto__") return false;
    }
  }
  return typeof json.model === "string";
}

function isTextMessage(m: unknown): boolean {
  if (!isRecord(m) || typeof m.role !== "string" || !TEXT_ROLES.has(m.role) || typeof m.content !== "string") {
    return false;
  }
  if (m.name !== undefined && typeof m.name !== "string") return false;
  for (const key in m) if (CHECKED_MESSAGE_KEYS.has(key) || key === "__proto__") return false;
  return true;
}
