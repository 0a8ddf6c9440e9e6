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

/** Validates a parsed JSON body; on failure returns a 400 ApiError saying which field is wrong. */
export function parseChatCompletionRequest(
  json: unknown,
): Result<ChatCompletionRequest> {
  const r = chatCompletionRequestSchema.safeParse(json);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: fromZodError(r.error) };
}
