/**
 * Records reported interactions as ledger rows, the way the gateway records the calls it forwards
 * (ledger/entry.ts), through the same ledger. Ingested rows carry `properties.source = 'ingest'`.
 * The batch is checked as a whole before anything is queued: a client-supplied user must belong to
 * the caller's account (one query for the batch).
 *
 * Idempotency: an interaction with an idempotency key gets ids derived from (account, key), so a
 * re-sent interaction maps onto the rows already stored (the ledger inserts with `on conflict do
 * nothing`) and is answered with the same ids; the first write wins.
 */
import type { Caller } from "../_shared/auth/caller.ts";
import { priceKeys, type ResolvedPrice, resolvePrice } from "../_shared/billing/price-lookup.ts";
import type { NormalizedUsage } from "../_shared/billing/usage.ts";
import { badRequest, databaseUnavailable as unavailable } from "../_shared/http/errors.ts";
import { recordEntry } from "../_shared/gateway/forward.ts";
import { buildLedgerEntry } from "../_shared/ledger/entry.ts";
import type { Json } from "../_shared/runtime/schema.ts";
import type { Sql } from "../_shared/runtime/db.ts";
import { sha256Hex } from "../_shared/runtime/sha256.ts";
import type { Interaction } from "./schema.ts";

export interface Ingested {
  /** The llm_requests row. */
  id: string;
  /** The ai_interactions row. */
  interaction_id: string;
  /** The idempotency key was seen before (or earlier in this batch): nothing new was written. */
  duplicate: boolean;
}

const UNPRICED: Promise<ResolvedPrice> = Promise.resolve({ price: null, source: "unknown" });

export async function ingestInteractions(
  sql: Sql,
  caller: Caller,
  items: Interaction[],
  single: boolean,
): Promise<Ingested[]> {
  await checkUsers(sql, caller.accountId, items, single);
  const ids = items.map((item) => rowIds(caller.accountId, item.idempotency_key));
  const keyed = ids.filter((i) => i.keyed).map((i) => i.id);
  const stored = new Set(
    keyed.length === 0 ? [] : (await sql<{ id: string }[]>`
      select id from public.llm_requests where id = any(${keyed}::uuid[])`.catch(databaseUnavailable)).map((r) => r.id),
  );
  const receivedAt = new Date();
  const prices = new Map<string, Promise<ResolvedPrice>>();
  const fresh: { item: Interaction; id: string; interactionId: string }[] = [];
  const answers = items.map((item, i) => {
    const { id, interactionId } = ids[i];
    const duplicate = stored.has(id);
    if (!duplicate) {
      stored.add(id);
      fresh.push({ item, id, interactionId });
    }
    return { id, interaction_id: interactionId, duplicate };
  });
  const priced = await Promise.all(fresh.map(({ item }) => {
    if (!item.usage) return UNPRICED;
    const keys = item.provider ? priceKeys(item.provider, item.model_name, item.model_name) : [item.model_name];
    const cacheKey = keys.join("\n");
    if (!prices.has(cacheKey)) {
      prices.set(cacheKey, resolvePrice(sql, caller.accountId, keys).catch(databaseUnavailable));
    }
    return prices.get(cacheKey)!;
  }));
  await Promise.all(fresh.map(({ item, id, interactionId }, i) => {
    const hasError = item.error_code != null || item.error_message != null;
    return recordEntry(
      buildLedgerEntry({
        requestId: id,
        interactionId,
        at: item.timestamp ? new Date(item.timestamp) : receivedAt,
        caller,
        userId: item.user_id?.toLowerCase() ?? caller.userId,
        endUser: null,
        conversationId: item.conversation_id ?? null,
        properties: { ...item.properties, source: "ingest" },
        provider: item.provider ?? "unknown",
        model: item.model_name,
        isStream: false,
        status: item.status === "success" ? "complete" : item.status,
        httpStatus: null,
        finishReason: null,
        error: hasError ? { code: item.error_code ?? null, message: item.error_message ?? null } : null,
        requestBody: item.request as Json,
        responseBody: (item.response ?? null) as Json | null,
        messages: promptMessages(item.request as Json),
        fileMetadata: item.file_metadata as Json | undefined,
        usage: item.usage ? normalizedUsage(item.usage) : null,
        usageSource: item.usage ? "provider" : null,
        price: priced[i],
        latencyMs: item.latency_ms ?? null,
        ttftMs: null,
        ip: null,
      }),
      { awaited: true },
    ); // ingest answers once its rows are stored: no linger
  }));
  return answers;
}

/** 400 naming the first interaction whose user is not a member of the account; one query for the batch. */
async function checkUsers(sql: Sql, accountId: string, items: Interaction[], single: boolean): Promise<void> {
  const wanted = [...new Set(items.flatMap((i) => (i.user_id ? [i.user_id.toLowerCase()] : [])))];
  if (wanted.length === 0) return;
  const members = new Set((await sql<{ user_id: string }[]>`
    select distinct user_id from public.user_roles
     where account_id = ${accountId} and user_id = any(${wanted}::uuid[])`.catch(databaseUnavailable))
    .map((r) => r.user_id));
  const bad = items.findIndex((i) => i.user_id && !members.has(i.user_id.toLowerCase()));
  if (bad < 0) return;
  const param = single ? "user_id" : `[${bad}].user_id`;
  throw badRequest(`'${param}': the user is not a member of this account`, param, "user_not_in_account");
}

/**
 * The ids of an interaction's rows: random without an idempotency key, else derived from the
 * account and the key (SHA-256, laid out as an RFC 9562 version 8 UUID), so they are stable.
 */
function rowIds(accountId: string, key: string | undefined): { id: string; interactionId: string; keyed: boolean } {
  if (key === undefined) return { id: crypto.randomUUID(), interactionId: crypto.randomUUID(), keyed: false };
  return {
    id: hashUuid(`ingest llm_requests\n${accountId}\n${key}`),
    interactionId: hashUuid(`ingest ai_interactions\n${accountId}\n${key}`),
    keyed: true,
  };
}

function hashUuid(name: string): string {
  const h = sha256Hex(name).slice(0, 32).split("");
  h[12] = "8";
  h[16] = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  const hex = h.join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The messages the prompt hash covers: an OpenAI- or Anthropic-style `messages` array, or a
 * `prompt`/`input` string as one user message (hashing like the same prompt sent through the
 * gateway); null for any other request shape.
 */
function promptMessages(request: Json): unknown[] | null {
  if (typeof request === "string") return [{ role: "user", content: request }];
  if (request === null || typeof request !== "object" || Array.isArray(request)) return null;
  if (Array.isArray(request.messages)) return request.messages;
  for (const field of ["prompt", "input"]) {
    const text = request[field];
    if (typeof text === "string") return [{ role: "user", content: text }];
  }
  return null;
}

function normalizedUsage(u: NonNullable<Interaction["usage"]>): NormalizedUsage {
  return {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens,
    cached_tokens: u.cached_tokens ?? 0,
    cache_creation_tokens: u.cache_creation_tokens ?? 0,
    cache_creation_1h_tokens: 0,
    reasoning_tokens: u.reasoning_tokens ?? 0,
    provider_cost: null,
    service_tier: null,
  };
}

/** The database is unreachable: nothing was written, and the client may retry (ids are stable). */
function databaseUnavailable(err: unknown): never {
  throw unavailable(err, "[ingest] database error", "Interactions cannot be recorded right now; retry shortly");
}
