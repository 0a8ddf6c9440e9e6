/**
 * mentor: the academy's AI mentor. `POST /mentor` with
 * `{question, course_id?, topic_id?, conversation_id?, stream?}` by a signed-in student (use_agents).
 * Answers `{id, answer, conversation_id, request_id, prompt_variant_id}`, or OpenAI-format SSE with
 * the ids in headers (x-request-id, x-mentor-chat-id, x-conversation-id, x-prompt-variant-id).
 */
import { z } from "zod";
import { checkText, conversationIdOf, rootFeatureHandler } from "../_shared/features/common.ts";
import { UUID } from "../_shared/http/limits.ts";
import { askMentor } from "../_shared/features/mentor.ts";

const bodySchema = z.object({
  question: z.string().refine((q) => q.trim().length > 0, "must not be empty"),
  course_id: z.string().regex(UUID, "must be a course id (uuid)").nullish(),
  topic_id: z.string().regex(UUID, "must be a topic id (uuid)").nullish(),
  conversation_id: z.string().nullish(),
  stream: z.boolean().optional(),
});

export const handler = rootFeatureHandler("mentor", bodySchema, (ctx, body) =>
  askMentor(ctx, {
    question: checkText(body.question, "question"),
    courseId: body.course_id ?? null,
    topicId: body.topic_id ?? null,
    conversationId: conversationIdOf(body.conversation_id),
    stream: body.stream === true,
  }));
