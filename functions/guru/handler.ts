/**
 * guru: AI gurus with structured input and output. `POST /guru/{agent_type}` with
 * `{input: {...}, conversation_id?}` by a signed-in student (use_agents). Answers
 * `{id, output, conversation_id, request_id}`; a reply that does not match the guru's output
 * schema is a 502 `invalid_guru_output` (logged). Not streamed: the output is checked first.
 */
import { z } from "zod";
import { badRequest, notFound } from "../_shared/http/errors.ts";
import { conversationIdOf, featureHandler, parseFeatureBody, SLUG } from "../_shared/features/common.ts";
import { askGuru } from "../_shared/features/guru.ts";
import type { Json } from "../_shared/runtime/schema.ts";

const bodySchema = z.object({
  input: z.record(z.string(), z.unknown()),
  conversation_id: z.string().nullish(),
  stream: z.boolean().optional(),
});

export const handler = featureHandler("guru", (ctx, subpath, json) => {
  const agentType = /^\/([^/]+)\/?$/.exec(subpath)?.[1];
  if (!agentType) throw notFound("Name the guru: POST /guru/{agent_type}", "unknown_route");
  if (!SLUG.test(agentType)) {
    throw badRequest("agent_type must be lower-case snake_case (e.g. career_guru)", "agent_type", "invalid_agent_type");
  }
  const body = parseFeatureBody(bodySchema, json);
  if (body.stream) {
    throw badRequest(
      "A guru's output is checked against its schema before it is sent: it is not streamed",
      "stream",
      "stream_not_supported",
    );
  }
  return askGuru(ctx, {
    agentType,
    input: body.input as Record<string, Json>,
    conversationId: conversationIdOf(body.conversation_id),
  });
});
