/**
 * The conversation store (public.messages) and the context sent to the model.
 *
 * Roles follow the seed: human, assistant, system (the instance's prompt, stored once per session
 * and instance), developer, and tool for both tool calls and tool results, told apart by
 * metadata (`tool_type` call|result). Rows written by one statement get created_at a microsecond
 * apart from the statement's time (the system prompt first), so their order never depends on
 * evaluation order or equal clocks.
 */
import type postgres from "postgres";
import type { CompleteInsert, Json, Refine, Row } from "../_shared/runtime/schema.ts";
import type { ChatMessage } from "../_shared/openai/chat-schema.ts";
import type { Sql } from "../_shared/runtime/db.ts";
import type { AssembledToolCall } from "../_shared/gateway/stream-tee.ts";
import { countTextTokens } from "../_shared/billing/token-estimate.ts";

export type Role = "human" | "assistant" | "system" | "tool" | "developer";

/** A public.messages row as the chat reads it (created_at as text). */
export type StoredMessage = Refine<Pick<Row<"messages">, "id" | "role" | "content" | "metadata" | "created_at">, {
  role: Role;
  metadata: Record<string, Json>;
}>;

export type NewMessage = Refine<Pick<CompleteInsert<"messages">, "role" | "content" | "metadata">, {
  role: Role;
  metadata: Record<string, Json>;
}>;

/**
 * Rows as JSON for the insert statements, with NUL (which Postgres refuses in text and jsonb)
 * replaced by U+FFFD: a provider's answer containing one is still stored, not lost.
 */
export function storableJson(rows: NewMessage[]): string {
  return JSON.stringify(rows).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1\\ufffd");
}

export interface ToolResult {
  tool_call_id: string;
  content: string;
  status?: "success" | "error";
  execution_time_ms?: number;
}

export function toolResultMessage(r: ToolResult): NewMessage {
  const metadata: Record<string, Json> = {
    tool_type: "result",
    tool_call_id: r.tool_call_id,
    status: r.status ?? "success",
  };
  if (r.execution_time_ms !== undefined) metadata.execution_time_ms = r.execution_time_ms;
  return { role: "tool", content: r.content, metadata };
}

/** The seed's tool-call shape; `input` is the parsed arguments (the raw text when they aren't JSON). */
export function toolCallMessage(call: AssembledToolCall, requestId: string): NewMessage {
  let input: Json;
  try {
    input = JSON.parse(call.function.arguments || "{}");
  } catch {
    input = call.function.arguments;
  }
  return {
    role: "tool",
    content: `${call.function.name}(${call.function.arguments})`,
    metadata: { tool_type: "call", tool_name: call.function.name, tool_id: call.id, input, llm_request_id: requestId },
  };
}

/**
 * Stores the visitor's turn (tool results first, then the message), the system prompt if this
 * session has not stored this instance's yet, and reads back the most recent history, all in one
 * statement. The history is read from the statement's snapshot, so it excludes this turn.
 */
export async function storeTurn(
  sql: Sql,
  sessionId: string,
  instanceId: string,
  systemPrompt: string | null,
  incoming: NewMessage[],
  historyLimit: number,
): Promise<StoredMessage[]> {
  const rows = await sql<StoredMessage[]>`
    with system_prompt as (
      insert into public.messages (session_id, agent_instance_id, role, content, created_at)
      select ${sessionId}, ${instanceId}, 'system', ${systemPrompt}::text, now()
       where ${systemPrompt}::text is not null
         and not exists (select 1 from public.messages m
                          where m.session_id = ${sessionId} and m.agent_instance_id = ${instanceId} and m.role = 'system')
    ), turn as (
      insert into public.messages (session_id, agent_instance_id, role, content, metadata, created_at)
      select ${sessionId}, ${instanceId}, t.role, t.content, coalesce(t.metadata, '{}'),
             now() + (t.ord * interval '1 microsecond')
        from rows from (jsonb_to_recordset(${
    storableJson(incoming)
  }::text::jsonb) as (role varchar, content text, metadata jsonb))
             with ordinality as t(role, content, metadata, ord)
    )
    select id, role, content, metadata, created_at::text
      from (select * from public.messages
             where session_id = ${sessionId} and role <> 'system'
             order by created_at desc, id desc
             limit ${historyLimit}) recent
     order by created_at, id`;
  return [...rows];
}

/**
 * Stores what the model answered: its text (unless it only called tools) and each tool call; and
 * stamps the instance as used (at most once a minute, to spare the row). One statement.
 */
export async function storeAnswer(
  sql: Sql,
  sessionId: string,
  instanceId: string,
  messages: NewMessage[],
): Promise<void> {
  await sql`
    with answer as (
      insert into public.messages (session_id, agent_instance_id, role, content, metadata, created_at)
      select ${sessionId}, ${instanceId}, t.role, t.content, t.metadata, now() + (t.ord * interval '1 microsecond')
        from rows from (jsonb_to_recordset(${
    storableJson(messages)
  }::text::jsonb) as (role varchar, content text, metadata jsonb))
             with ordinality as t(role, content, metadata, ord)
    )
    update public.agent_instances set last_used_at = now()
     where id = ${instanceId} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}

export interface HistoryPage {
  messages: Refine<StoredMessage, { role: "human" | "assistant" }>[];
  has_more: boolean;
}

/** A page of the human/assistant messages, oldest first, ending before the message `before` (id). */
export async function readHistory(
  sql: postgres.ISql,
  sessionId: string,
  before: string | null,
  limit: number,
): Promise<HistoryPage> {
  const rows = await sql<HistoryPage["messages"]>`
    select id, role, content, metadata, created_at::text
      from public.messages m
     where m.session_id = ${sessionId} and m.role in ('human', 'assistant')
       and (${before}::uuid is null
            or (m.created_at, m.id) < (select b.created_at, b.id from public.messages b
                                        where b.id = ${before}::uuid and b.session_id = ${sessionId}))
     order by m.created_at desc, m.id desc
     limit ${limit + 1}`;
  const page = rows.slice(0, limit).reverse();
  return { messages: page, has_more: rows.length > limit };
}

// ---------------------------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------------------------

/** OpenAI's documented per-message overhead, as tokens.ts counts it. */
const PER_MESSAGE_TOKENS = 3;

const utf8 = new TextEncoder();

type Countable = { role: string; content: string };

const tokensOf = async (m: Countable) => (await countTextTokens(`${m.role}\n${m.content}`)) + PER_MESSAGE_TOKENS;

/**
 * The newest `history` messages that fit `budget` tokens beside the `fixed` ones (system prompt,
 * this turn), oldest first. Every o200k token covers at least one UTF-8 byte, so when the bytes
 * fit the tokens do too, and the tokenizer (large, loaded lazily) isn't needed at all.
 */
export async function fitHistory<T extends Countable>(fixed: Countable[], history: T[], budget: number): Promise<T[]> {
  const bytes = (m: Countable) => utf8.encode(m.content).length + m.role.length + 1 + PER_MESSAGE_TOKENS;
  if ([...fixed, ...history].reduce((n, m) => n + bytes(m), 0) <= budget) return history;
  let used = 0;
  for (const m of fixed) used += await tokensOf(m);
  let first = history.length;
  while (first > 0) {
    const tokens = await tokensOf(history[first - 1]);
    if (used + tokens > budget) break;
    used += tokens;
    first--;
  }
  return history.slice(first);
}

type AssistantMessage = Extract<ChatMessage, { role: "assistant" }>;

/**
 * Stored rows to OpenAI chat messages: human -> user, assistant and developer as they are, tool
 * calls -> `tool_calls` on the assistant message of their model call, tool results -> tool.
 * Tool calls without a result in the context (never answered, or trimmed away) and results
 * without their call are dropped: providers reject either.
 */
export function toChatMessages(
  rows: { role: string; content: string; metadata: Record<string, Json> }[],
): ChatMessage[] {
  const answered = new Set(
    rows.filter((r) => r.metadata.tool_type === "result").map((r) => String(r.metadata.tool_call_id)),
  );
  const called = new Set<string>();
  const out: ChatMessage[] = [];
  // The assistant message of the model call being read, which its tool calls attach to.
  let turn: { message: AssistantMessage; requestId: Json | undefined } | null = null;
  for (const r of rows) {
    const m = r.metadata;
    if (r.role === "tool" && m.tool_type === "call") {
      if (!answered.has(String(m.tool_id))) continue;
      const call = {
        id: String(m.tool_id),
        type: "function" as const,
        function: {
          name: String(m.tool_name),
          arguments: typeof m.input === "string" ? m.input : JSON.stringify(m.input ?? {}),
        },
      };
      called.add(call.id);
      if (turn && turn.requestId !== undefined && turn.requestId === m.llm_request_id) {
        (turn.message.tool_calls ??= []).push(call);
      } else {
        const message: AssistantMessage = { role: "assistant", content: null, tool_calls: [call] };
        out.push(message);
        turn = { message, requestId: m.llm_request_id };
      }
      continue;
    }
    turn = null;
    if (r.role === "human") out.push({ role: "user", content: r.content });
    else if (r.role === "developer") out.push({ role: "developer", content: r.content });
    else if (r.role === "assistant") {
      const message: AssistantMessage = { role: "assistant", content: r.content };
      out.push(message);
      turn = { message, requestId: m.llm_request_id };
    } else if (r.role === "tool" && m.tool_type === "result" && called.has(String(m.tool_call_id))) {
      out.push({ role: "tool", tool_call_id: String(m.tool_call_id), content: r.content });
    }
  }
  return out;
}
