/**
 * twin: an employee's AI twin. `POST /twin` with
 * `{twin_role, interaction_type, prompt?, context?, stream?}` by a signed-in user (use_agents).
 * Answers `{id, response, request_id}`, or OpenAI-format SSE with x-request-id and
 * x-twin-interaction-id headers.
 */
import { z } from "zod";
import { checkText, rootFeatureHandler, SLUG } from "../_shared/features/common.ts";
import { askTwin } from "../_shared/features/twin.ts";
import type { Json } from "../_shared/runtime/schema.ts";

const slug = z.string().regex(SLUG, "must be lower-case snake_case");

const bodySchema = z.object({
  twin_role: slug,
  interaction_type: slug,
  prompt: z.string().nullish(),
  context: z.record(z.string(), z.unknown()).optional(),
  stream: z.boolean().optional(),
});

export const handler = rootFeatureHandler("twin", bodySchema, (ctx, body) =>
  askTwin(ctx, {
    twinRole: body.twin_role,
    interactionType: body.interaction_type,
    prompt: body.prompt?.trim() ? checkText(body.prompt, "prompt") : null,
    context: (body.context ?? {}) as Record<string, Json>,
    stream: body.stream === true,
  }));
