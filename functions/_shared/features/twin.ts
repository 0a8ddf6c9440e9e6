/**
 * The employee's AI twin: answers in a role (twin_roles) for a kind of interaction
 * (twin_interaction_types), one employee_twin_interactions row per answered call.
 */
import type { Sql } from "../runtime/db.ts";
import { db } from "../runtime/db.ts";
import { notFound } from "../http/errors.ts";
import { type CallContext, type FeatureHook, forwardChatCompletion } from "../gateway/forward.ts";
import type { Json } from "../runtime/schema.ts";
import {
  answeredRowHook,
  defaultModel,
  featureResponse,
  modelRequest,
  storedJson,
  storedRequestText,
  storedResponseText,
  system,
  user,
} from "./common.ts";

interface TwinConfig {
  roles_configured: boolean;
  types_configured: boolean;
  system_prompt: string | null;
  model: string | null;
  instructions: string | null;
}

/**
 * The role's prompt and model and the type's instructions. An account that configured no roles
 * (types) gets every role (type) with a built-in prompt; one with rows only those (404 otherwise).
 */
async function loadTwin(sql: Sql, accountId: string, role: string, type: string): Promise<TwinConfig> {
  const [row] = await sql<TwinConfig[]>`
    select exists (select 1 from public.twin_roles where account_id = ${accountId}) as roles_configured,
           exists (select 1 from public.twin_interaction_types where account_id = ${accountId}) as types_configured,
           r.system_prompt, r.model, t.instructions
      from (select 1) one
      left join public.twin_roles r on r.account_id = ${accountId} and r.twin_role = ${role}
      left join public.twin_interaction_types t on t.account_id = ${accountId} and t.interaction_type = ${type}`;
  if (row.roles_configured && row.system_prompt === null) {
    throw notFound(`This account has no twin role '${role}'`, "unknown_twin_role", "twin_role");
  }
  if (row.types_configured && row.instructions === null) {
    throw notFound(
      `This account has no twin interaction type '${type}'`,
      "unknown_interaction_type",
      "interaction_type",
    );
  }
  return row;
}

const builtInPrompt = (role: string) =>
  `You are the AI twin of an employee working as ${role.replace(/_/g, " ")}. Help them the way they would ` +
  "help themselves: concise, practical, in their voice.";
const builtInInstructions = (type: string) => `This interaction is a ${type.replace(/_/g, " ")}.`;

export interface TwinRowInput {
  id: string;
  twinRole: string;
  interactionType: string;
  prompt: string | null;
  context: Json;
}

/** The feature hook of a twin call: an answer becomes an employee_twin_interactions row. */
export function twinHook(ctx: CallContext, t: TwinRowInput): FeatureHook {
  return answeredRowHook("employee_twin_interactions", (text) => ({
    id: t.id,
    org_id: ctx.caller.accountId,
    user_id: ctx.caller.userId,
    twin_role: t.twinRole,
    interaction_type: t.interactionType,
    prompt: t.prompt === null ? null : storedRequestText(ctx, t.prompt),
    response: storedResponseText(ctx, text),
    context: storedJson(ctx, t.context, "request"),
    llm_request_id: ctx.requestId,
  }));
}

export interface TwinRequest {
  twinRole: string;
  interactionType: string;
  prompt: string | null;
  context: Record<string, Json>;
  stream: boolean;
}

/** Asks the twin; `{id, response, request_id}` or, streamed, SSE with x-twin-interaction-id. */
export async function askTwin(ctx: CallContext, t: TwinRequest): Promise<Response> {
  const config = await loadTwin(db(), ctx.caller.accountId, t.twinRole, t.interactionType);
  const prompt = `${config.system_prompt ?? builtInPrompt(t.twinRole)}\n\n${
    config.instructions ?? builtInInstructions(t.interactionType)
  }`;
  const context = Object.keys(t.context).length ? [system(`Context (JSON): ${JSON.stringify(t.context)}`)] : [];
  const request = modelRequest({
    model: config.model ?? defaultModel(),
    messages: [system(prompt), ...context, user(t.prompt ?? `Give me a ${t.interactionType.replace(/_/g, " ")}.`)],
    stream: t.stream,
  });
  const id = crypto.randomUUID();
  ctx.properties = { feature: "twin", twin_role: t.twinRole, interaction_type: t.interactionType };
  ctx.feature = twinHook(ctx, {
    id,
    twinRole: t.twinRole,
    interactionType: t.interactionType,
    prompt: t.prompt,
    context: t.context,
  });
  const forwarded = await forwardChatCompletion(ctx, request);
  return featureResponse(forwarded, t.stream, { "x-twin-interaction-id": id }, (response) => ({ id, response }));
}
