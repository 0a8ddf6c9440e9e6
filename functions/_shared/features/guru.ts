/**
 * AI gurus: domain agents (career_guru, tech_guru, ...) that take structured input and answer with
 * structured output. The account's guru_agents row gives the prompt, model and both JSON Schemas;
 * the model is asked for `response_format: json_schema`, and the reply is checked against the
 * output schema before it is returned or stored: a reply that fails is an error (502), logged.
 */
import { type Schema, Validator } from "@cfworker/json-schema";
import type { Sql } from "../runtime/db.ts";
import { db } from "../runtime/db.ts";
import { badRequest, notFound } from "../http/errors.ts";
import { type CallContext, type FeatureHook, forwardChatCompletion } from "../gateway/forward.ts";
import type { Json } from "../runtime/schema.ts";
import { defaultModel, featureResponse, modelRequest, storedJson, system, user } from "./common.ts";

export interface GuruConfig {
  system_prompt: string;
  model: string | null;
  input_schema: Schema;
  output_schema: Schema;
}

/** The output schema of a built-in guru: one text answer. */
export const BUILT_IN_OUTPUT_SCHEMA: Schema = {
  type: "object",
  properties: { answer: { type: "string" } },
  required: ["answer"],
  additionalProperties: false,
};

/** The guru of an account that configured none: every agent_type, a generic prompt, a text answer. */
export function builtInGuru(agentType: string): GuruConfig {
  const name = agentType.replace(/_/g, " ");
  return {
    system_prompt: `You are ${name}, an expert who guides students. The student's input is JSON. ` +
      "Answer with JSON only, following the response schema.",
    model: null,
    input_schema: { type: "object" },
    output_schema: BUILT_IN_OUTPUT_SCHEMA,
  };
}

/**
 * The account's guru of this type; an account without any guru_agents row gets the built-in guru
 * for every type, one with rows only its active types (404 otherwise).
 */
export async function loadGuru(sql: Sql, accountId: string, agentType: string): Promise<GuruConfig> {
  const [row] = await sql<{ configured: boolean; guru: GuruConfig | null }[]>`
    select exists (select 1 from public.guru_agents where account_id = ${accountId}) as configured,
           (select json_build_object('system_prompt', g.system_prompt, 'model', g.model,
                                     'input_schema', g.input_schema, 'output_schema', g.output_schema)
              from public.guru_agents g
             where g.account_id = ${accountId} and g.agent_type = ${agentType} and g.is_active) as guru`;
  if (row.guru) return row.guru;
  if (row.configured) throw notFound(`This account has no guru '${agentType}'`, "unknown_guru", "agent_type");
  return builtInGuru(agentType);
}

/** The first problems of `value` against `schema`, or null when it conforms. */
export function schemaProblems(schema: Schema, value: unknown): string | null {
  const result = new Validator(schema, "2020-12", false).validate(value);
  if (result.valid) return null;
  return result.errors.filter((e) => e.keyword !== "properties").slice(0, 3)
    .map((e) => `${e.instanceLocation}: ${e.error}`).join("; ") || "does not match the schema";
}

/** The JSON a reply's text holds, or undefined when it is not JSON. */
export function parseReply(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether a reply conforms: the code and message of the error when it does not. */
export function checkReply(schema: Schema, text: string): { code: string; message: string } | null {
  const output = parseReply(text);
  if (output === undefined) return { code: "invalid_guru_output", message: "The guru's reply is not JSON" };
  const problems = schemaProblems(schema, output);
  return problems
    ? { code: "invalid_guru_output", message: `The guru's reply does not match its output schema: ${problems}` }
    : null;
}

export interface GuruRowInput {
  id: string;
  agentType: string;
  conversationId: string;
  input: Json;
  /** Checks the reply (endpoint); llm-proxy calls store what came back without a check. */
  outputSchema: Schema | null;
}

/**
 * The feature hook of a guru call: a complete reply (that conforms, when there is a schema) becomes
 * a guru_interactions row; a failed or non-conforming call has no output for the NOT NULL `output`
 * and is only in the ledger, with its error.
 */
export function guruHook(ctx: CallContext, g: GuruRowInput): FeatureHook {
  return {
    check: g.outputSchema ? (text) => checkReply(g.outputSchema!, text) : undefined,
    row: ({ status, text }) => {
      if (status !== "complete") return null;
      const parsed = parseReply(text);
      const output = (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed))
        ? parsed as Json
        : { text };
      return {
        table: "guru_interactions",
        row: {
          id: g.id,
          org_id: ctx.caller.accountId,
          student_id: ctx.caller.userId,
          agent_type: g.agentType,
          conversation_id: g.conversationId,
          input: storedJson(ctx, g.input, "request"),
          output: storedJson(ctx, output, "response"),
          llm_request_id: ctx.requestId,
        },
      };
    },
  };
}

export interface GuruQuestion {
  agentType: string;
  input: Record<string, Json>;
  conversationId: string;
}

/** Asks a guru; answers `{id, output, conversation_id, request_id}` or an error (502 for a bad reply). */
export async function askGuru(ctx: CallContext, q: GuruQuestion): Promise<Response> {
  const guru = await loadGuru(db(), ctx.caller.accountId, q.agentType);
  const problems = schemaProblems(guru.input_schema, q.input);
  if (problems) {
    throw badRequest(`The input does not match the guru's input schema: ${problems}`, "input", "invalid_input");
  }
  const request = modelRequest({
    model: guru.model ?? defaultModel(),
    messages: [system(guru.system_prompt), user(JSON.stringify(q.input))],
    response_format: { type: "json_schema", json_schema: { name: q.agentType, schema: guru.output_schema } },
  });
  const id = crypto.randomUUID();
  ctx.conversationId = q.conversationId;
  ctx.properties = { feature: "guru", agent_type: q.agentType };
  ctx.feature = guruHook(ctx, {
    id,
    agentType: q.agentType,
    conversationId: q.conversationId,
    input: q.input,
    outputSchema: guru.output_schema,
  });
  const forwarded = await forwardChatCompletion(ctx, request);
  return featureResponse(forwarded, false, { "x-guru-interaction-id": id }, (text) => ({
    id,
    output: parseReply(text),
    conversation_id: q.conversationId,
  }));
}
