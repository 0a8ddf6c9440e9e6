/**
 * llm-proxy calls that feed a feature: `x-feature: mentor|guru|twin` plus `x-feature-context` (a JSON
 * object: course_id, topic_id, conversation_id, agent_type, twin_role, interaction_type, context)
 * make the call store the same feature row as the feature's endpoint. The question / input / prompt
 * is the last user message; for the mentor, the earlier user/assistant pairs are its context.
 * The client chose the messages, so nothing is checked against a guru's schema here.
 */
import { badRequest } from "../http/errors.ts";
import type { CallContext, FeatureHook } from "../gateway/forward.ts";
import type { Json } from "../runtime/schema.ts";
import { jsonDepthExceeds, MAX_METADATA_BYTES } from "../http/limits.ts";
import type { ChatCompletionRequest } from "../openai/chat-schema.ts";
import { conversationIdOf, SLUG } from "./common.ts";
import { UUID } from "../http/limits.ts";
import { guruHook } from "./guru.ts";
import { mentorHook, type Turn } from "./mentor.ts";
import { twinHook } from "./twin.ts";

const FEATURES = new Set(["mentor", "guru", "twin"]);

const contextError = (message: string) => badRequest(message, "x-feature-context", "invalid_feature_context");

function featureContext(raw: string | null): Record<string, Json> {
  if (raw === null) return {};
  if (new TextEncoder().encode(raw).byteLength > MAX_METADATA_BYTES) {
    throw contextError(`The x-feature-context header is larger than ${MAX_METADATA_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw contextError("The x-feature-context header must be a JSON object");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed) || jsonDepthExceeds(parsed)) {
    throw contextError("The x-feature-context header must be a JSON object");
  }
  return parsed as Record<string, Json>;
}

function optional(ctx: Record<string, Json>, key: string, pattern: RegExp): string | null {
  const value = ctx[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || !pattern.test(value)) throw contextError(`x-feature-context.${key} is not valid`);
  return value;
}

function required(ctx: Record<string, Json>, key: string): string {
  const value = optional(ctx, key, SLUG);
  if (value === null) throw contextError(`x-feature-context needs ${key} (lower-case snake_case)`);
  return value;
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => (p && typeof p === "object" && typeof p.text === "string" ? p.text : "")).join("");
}

/** The last user message's text and the user/assistant pairs before it. */
function conversation(body: ChatCompletionRequest): { last: string; turns: Turn[] } {
  const messages = body.messages as { role: string; content?: unknown }[];
  const lastIndex = messages.findLastIndex((m) => m.role === "user");
  const turns: Turn[] = [];
  for (let i = 0; i < lastIndex; i++) {
    if (messages[i].role === "user" && messages[i + 1]?.role === "assistant") {
      turns.push({ question: textOf(messages[i].content), response: textOf(messages[i + 1].content) });
    }
  }
  return { last: lastIndex < 0 ? "" : textOf(messages[lastIndex].content), turns };
}

const asObject = (text: string): Json => {
  try {
    const v = JSON.parse(text);
    return v && typeof v === "object" && !Array.isArray(v) ? v : { text };
  } catch {
    return { text };
  }
};

/** The feature hook the headers ask for; undefined without `x-feature`. Throws 400 for bad headers. */
export function proxyFeature(req: Request, ctx: CallContext, body: ChatCompletionRequest): FeatureHook | undefined {
  const feature = req.headers.get("x-feature");
  if (feature === null) return undefined;
  if (!FEATURES.has(feature)) {
    throw badRequest("x-feature must be mentor, guru or twin", "x-feature", "invalid_feature");
  }
  if (!ctx.caller.userId) {
    throw badRequest(
      "Feature rows belong to a signed-in user: call with their JWT, not an API key",
      "x-feature",
      "user_required",
    );
  }
  const context = featureContext(req.headers.get("x-feature-context"));
  const { last, turns } = conversation(body);
  const conversationId = ctx.conversationId ?? conversationIdOf(optional(context, "conversation_id", /^.+$/s));
  ctx.conversationId = conversationId;
  ctx.properties = { ...ctx.properties, feature };
  const id = crypto.randomUUID();
  if (feature === "mentor") {
    if (!last.trim()) {
      throw badRequest("x-feature mentor needs a user message (the question)", "messages", "invalid_request");
    }
    return mentorHook(ctx, {
      id,
      question: last,
      courseId: optional(context, "course_id", UUID),
      topicId: optional(context, "topic_id", UUID),
      conversationId,
      context: turns,
      variantId: null,
    });
  }
  if (feature === "guru") {
    return guruHook(ctx, {
      id,
      agentType: required(context, "agent_type"),
      conversationId,
      input: asObject(last),
      outputSchema: null,
    });
  }
  const extra = context.context;
  return twinHook(ctx, {
    id,
    twinRole: required(context, "twin_role"),
    interactionType: required(context, "interaction_type"),
    prompt: last || null,
    context: extra && typeof extra === "object" && !Array.isArray(extra) ? extra : {},
  });
}
