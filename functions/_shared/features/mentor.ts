/**
 * The academy's AI mentor: a student's question, answered with the account's mentor prompt (an A/B
 * variant when the account runs some), earlier turns of the conversation as context, and one
 * ai_mentor_chats row stored with the call's ledger rows.
 */
import type { Sql } from "../runtime/db.ts";
import { db } from "../runtime/db.ts";
import { env } from "../runtime/env.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { type CallContext, type FeatureHook, forwardChatCompletion } from "../gateway/forward.ts";
import { sha256Hex } from "../runtime/sha256.ts";
import type { Json } from "../runtime/schema.ts";
import type { ChatMessage } from "../openai/chat-schema.ts";
import { countTextTokens } from "../billing/token-estimate.ts";
import {
  answeredRowHook,
  assistant,
  defaultModel,
  featureResponse,
  modelRequest,
  storedRequestText,
  storedResponseText,
  system,
  user,
} from "./common.ts";

export const BUILT_IN_MENTOR_PROMPT = "You are the AI mentor of an online academy. Answer the student's question " +
  "clearly and encouragingly, explain the reasoning, and suggest a next step. If you are not sure, say so.";

/**
 * The question as people mean it: Unicode-normalised (NFKC), lower-cased, punctuation and symbols
 * removed, whitespace collapsed. "What is RLS?" and "  what is rls " are the same question.
 */
export function normaliseQuestion(question: string): string {
  return question.normalize("NFKC").toLowerCase().replace(/[\p{P}\p{S}]+/gu, " ").replace(/\s+/gu, " ").trim();
}

/** ai_mentor_chats.question_hash: SHA-256 hex of the normalised question. */
export const questionHash = (question: string): string => sha256Hex(normaliseQuestion(question));

export interface Variant {
  id: string;
  system_prompt: string;
  weight: number;
}

/**
 * The student's A/B variant: the one they last got while it is still active (sticky across weight
 * changes), else a weighted pick by a hash of (account, student), so the same student always lands
 * in the same bucket and students split by weight. Null when the account runs no variant.
 */
export function pickVariant(
  variants: Variant[],
  accountId: string,
  studentId: string,
  last: string | null,
): Variant | null {
  const live = variants.filter((v) => v.weight > 0).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (live.length === 0) return null;
  const kept = live.find((v) => v.id === last);
  if (kept) return kept;
  const total = live.reduce((sum, v) => sum + v.weight, 0);
  // 48 bits of the hash give a uniform point in [0, total).
  const point = (parseInt(sha256Hex(`${accountId}:${studentId}`).slice(0, 12), 16) / 2 ** 48) * total;
  let acc = 0;
  for (const v of live) {
    acc += v.weight;
    if (point < acc) return v;
  }
  return live[live.length - 1];
}

export interface Turn {
  question: string;
  response: string;
}

/**
 * The most recent earlier turns whose text fits `budget` tokens, oldest first. Turns stored empty
 * (an account that does not log bodies) carry nothing and are left out.
 */
export async function fitContext(turns: Turn[], budget: number): Promise<Turn[]> {
  const kept: Turn[] = [];
  let used = 0;
  for (const turn of [...turns].reverse()) {
    if (!turn.question || !turn.response) continue;
    const cost = (await countTextTokens(turn.question)) + (await countTextTokens(turn.response)) + 8;
    if (used + cost > budget) break;
    used += cost;
    kept.unshift(turn);
  }
  return kept;
}

export const contextMessages = (turns: Turn[]): ChatMessage[] =>
  turns.flatMap((t) => [user(t.question), assistant(t.response)]);

export interface MentorRowInput {
  id: string;
  question: string;
  courseId: string | null;
  topicId: string | null;
  conversationId: string;
  context: Turn[];
  variantId: string | null;
}

/** The feature hook of a mentor call: an answer becomes an ai_mentor_chats row. */
export function mentorHook(ctx: CallContext, m: MentorRowInput): FeatureHook {
  return answeredRowHook("ai_mentor_chats", (text) => ({
    id: m.id,
    account_id: ctx.caller.accountId,
    user_id: ctx.caller.userId,
    course_id: m.courseId,
    topic_id: m.topicId,
    conversation_id: m.conversationId,
    question: storedRequestText(ctx, m.question),
    response: storedResponseText(ctx, text),
    conversation_context: m.context.map((t) => ({
      question: storedRequestText(ctx, t.question),
      response: storedResponseText(ctx, t.response),
    })) as Json,
    prompt_variant_id: m.variantId,
    question_hash: questionHash(m.question),
    llm_request_id: ctx.requestId,
  }));
}

interface MentorConfig {
  system_prompt: string | null;
  model: string | null;
  context_tokens: number | null;
  variants: Variant[];
  last_variant: string | null;
  course_title: string | null;
  topic_title: string | null;
  course_ok: boolean;
  topic_ok: boolean;
  turns: Turn[];
}

/** Everything a mentor call needs from the database, in one round trip. */
async function loadConfig(
  sql: Sql,
  accountId: string,
  userId: string,
  courseId: string | null,
  topicId: string | null,
  conversationId: string,
): Promise<MentorConfig> {
  const [row] = await sql<MentorConfig[]>`
    select s.system_prompt, s.model, s.context_tokens,
           coalesce((select json_agg(json_build_object('id', v.id, 'system_prompt', v.system_prompt,
                                                        'weight', v.weight))
                       from public.ai_prompt_variants v
                      where v.account_id = ${accountId} and v.is_active and v.weight > 0), '[]') as variants,
           (select c.prompt_variant_id from public.ai_mentor_chats c
             where c.account_id = ${accountId} and c.user_id = ${userId} and c.prompt_variant_id is not null
             order by c.created_at desc limit 1) as last_variant,
           co.title as course_title, t.title as topic_title,
           (${courseId}::uuid is null or co.id is not null) as course_ok,
           (${topicId}::uuid is null or t.id is not null) as topic_ok,
           coalesce((select json_agg(json_build_object('question', x.question, 'response', x.response)
                                     order by x.created_at)
                       from (select question, response, created_at from public.ai_mentor_chats c
                              where c.account_id = ${accountId} and c.user_id = ${userId}
                                and c.conversation_id = ${conversationId}
                              order by c.created_at desc limit 50) x), '[]') as turns
      from (select 1) one
      left join public.mentor_settings s on s.account_id = ${accountId}
      left join public.courses co on co.id = ${courseId}::uuid and co.account_id = ${accountId}
      left join public.module_topics t on t.id = ${topicId}::uuid and t.account_id = ${accountId}
                                      and (${courseId}::uuid is null or t.course_id = ${courseId}::uuid)`;
  return row;
}

export interface MentorQuestion {
  question: string;
  courseId: string | null;
  topicId: string | null;
  conversationId: string;
  stream: boolean;
}

const contextBudget = (configured: number | null): number =>
  configured ?? Number(env("AI_FEATURES_CONTEXT_TOKENS") ?? 2000);

/** Answers a student's question (JSON or SSE); the ids come back in the body or in headers. */
export async function askMentor(ctx: CallContext, q: MentorQuestion): Promise<Response> {
  const userId = ctx.caller.userId!;
  const config = await loadConfig(db(), ctx.caller.accountId, userId, q.courseId, q.topicId, q.conversationId);
  if (!config.course_ok) throw notFound("No such course in this account", "unknown_course", "course_id");
  if (!config.topic_ok) {
    throw badRequest("No such topic in this account (or not in this course)", "topic_id", "unknown_topic");
  }
  const variant = pickVariant(config.variants, ctx.caller.accountId, userId, config.last_variant);
  const prompt = variant?.system_prompt ?? config.system_prompt ?? BUILT_IN_MENTOR_PROMPT;
  const where = [
    config.course_title && `Course: ${config.course_title}`,
    config.topic_title && `Topic: ${config.topic_title}`,
  ]
    .filter(Boolean).join("\n");
  const context = await fitContext(config.turns, contextBudget(config.context_tokens));
  const request = modelRequest({
    model: config.model ?? defaultModel(),
    messages: [system(where ? `${prompt}\n\n${where}` : prompt), ...contextMessages(context), user(q.question)],
    stream: q.stream,
  });
  const id = crypto.randomUUID();
  ctx.conversationId = q.conversationId;
  ctx.properties = { feature: "mentor", ...(variant ? { prompt_variant_id: variant.id } : {}) };
  ctx.feature = mentorHook(ctx, {
    id,
    question: q.question,
    courseId: q.courseId,
    topicId: q.topicId,
    conversationId: q.conversationId,
    context,
    variantId: variant?.id ?? null,
  });
  const forwarded = await forwardChatCompletion(ctx, request);
  const headers: Record<string, string> = {
    "x-mentor-chat-id": id,
    "x-conversation-id": encodeURIComponent(q.conversationId),
  };
  if (variant) headers["x-prompt-variant-id"] = variant.id;
  return featureResponse(forwarded, q.stream, headers, (answer) => ({
    id,
    answer,
    conversation_id: q.conversationId,
    prompt_variant_id: variant?.id ?? null,
  }));
}
