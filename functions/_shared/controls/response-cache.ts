/**
 * llm-proxy's exact-match response cache (private.response_cache), opt-in per request
 * (`x-cache-ttl: <seconds>`) or per account (account_settings.cache_ttl_seconds). An entry is the
 * bytes the client received for a complete answer, keyed by account and the normalised request, and
 * replayed as they were: a JSON body as JSON, a stream as a stream.
 */
import type { Sql } from "../runtime/db.ts";
import { env } from "../runtime/env.ts";
import { badRequest } from "../http/errors.ts";
import { stableStringify } from "../ledger/fingerprint.ts";
import { sha256Hex } from "../runtime/sha256.ts";
import {
  answerFromCache,
  type CallContext,
  type CallOutcome,
  forwardChatCompletion,
  runInBackground,
} from "../gateway/forward.ts";
import type { ChatCompletionRequest } from "../openai/chat-schema.ts";

export const MAX_CACHE_TTL_SECONDS = 604_800;
const maxEntryBytes = () => Number(env("RESPONSE_CACHE_MAX_ENTRY_BYTES") ?? 1_048_576);
const maxEntries = () => Number(env("RESPONSE_CACHE_MAX_ENTRIES") ?? 1000);

/** Seconds to cache this call's answer: `x-cache-ttl` (0 turns it off), else the account's; null = no caching. */
export function cacheTtl(req: Request, accountTtl: number | null | undefined): number | null {
  const raw = req.headers.get("x-cache-ttl");
  if (raw === null) return accountTtl ? accountTtl : null;
  if (!/^\d{1,7}$/.test(raw.trim()) || Number(raw) > MAX_CACHE_TTL_SECONDS) {
    throw badRequest(
      `x-cache-ttl must be a number of seconds from 0 to ${MAX_CACHE_TTL_SECONDS}`,
      "x-cache-ttl",
      "invalid_header",
    );
  }
  return Number(raw) === 0 ? null : Number(raw);
}

/**
 * SHA-256 of the request without what cannot change the answer (`user`, `metadata`), keys sorted.
 * `stream` and `stream_options` stay in: they change the bytes the client gets.
 */
export function cacheKey(body: ChatCompletionRequest): string {
  const { user: _user, metadata: _metadata, ...rest } = body;
  return sha256Hex(stableStringify({ ...rest, stream: body.stream === true }));
}

export interface CacheEntry {
  contentType: string;
  body: string;
  model: string;
  costSaved: string | null;
}

export async function lookup(sql: Sql, accountId: string, key: string): Promise<CacheEntry | null> {
  const [row] = await sql<{ content_type: string; body: string; model: string; cost: string | null }[]>`
    select content_type, body, model, cost_usd::text as cost from private.response_cache
     where account_id = ${accountId} and cache_key = ${key} and expires_at > now()`;
  return row ? { contentType: row.content_type, body: row.body, model: row.model, costSaved: row.cost } : null;
}

/**
 * The response to hand the client, its bytes kept as they pass; once the call ended complete, they
 * are stored (off the response path). A body over the size bound is not kept. The client going away
 * cancels the answer as without the cache.
 */
export function storeOnCompletion(
  sql: Sql,
  accountId: string,
  key: string,
  ttlSeconds: number,
  response: Response,
  outcome: Promise<CallOutcome>,
  model: () => string,
): { response: Response; stored: Promise<void> } {
  if (response.status !== 200 || !response.body) return { response, stored: Promise.resolve() };
  const kept = keepText(response.body, maxEntryBytes());
  const stored = (async () => {
    const text = await kept.text;
    const done = await outcome;
    if (text === null || done.status !== "complete") return;
    await sql`
      with stored as (
        insert into private.response_cache (account_id, cache_key, content_type, body, model, cost_usd, expires_at)
        values (${accountId}, ${key}, ${response.headers.get("content-type") ?? "application/json"},
                ${text}, ${model()}, ${done.cost}, now() + make_interval(secs => ${ttlSeconds}))
        on conflict (account_id, cache_key) do update
           set content_type = excluded.content_type, body = excluded.body, model = excluded.model,
               cost_usd = excluded.cost_usd, created_at = now(), expires_at = excluded.expires_at
        returning 1
      )
      delete from private.response_cache c
       where c.account_id = ${accountId}
         and (c.expires_at <= now()
              or c.cache_key in (select o.cache_key from private.response_cache o where o.account_id = ${accountId}
                                  order by o.created_at desc offset ${maxEntries() - 1}))`;
  })().catch((err) => console.error(`[cache] answer not stored: ${err instanceof Error ? err.message : err}`));
  return { response: new Response(kept.stream, { status: response.status, headers: response.headers }), stored };
}

/**
 * A stream passing `source` through, and its text once it ended (null when it broke, was cancelled
 * or exceeded `max` bytes).
 */
function keepText(source: ReadableStream<Uint8Array>, max: number): {
  stream: ReadableStream<Uint8Array>;
  text: Promise<string | null>;
} {
  const reader = source.getReader();
  const decoder = new TextDecoder();
  let kept = "";
  let size = 0;
  let resolve!: (v: string | null) => void;
  const text = new Promise<string | null>((r) => (resolve = r));
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          resolve(size > max ? null : kept + decoder.decode());
          return;
        }
        size += value.byteLength;
        kept = size > max ? "" : kept + decoder.decode(value, { stream: true });
        controller.enqueue(value);
      } catch (err) {
        resolve(null);
        controller.error(err);
      }
    },
    cancel(reason) {
      resolve(null);
      return reader.cancel(reason);
    },
  });
  return { stream, text };
}

/**
 * Answers from the cache (`x-cache: HIT`) or forwards and keeps the answer (`x-cache: MISS`).
 * The cache lookup is the one round trip an opted-in call pays before it is answered.
 */
export async function forwardCached(
  sql: Sql,
  ctx: CallContext,
  body: ChatCompletionRequest,
  ttlSeconds: number,
): Promise<{ response: Response; outcome: Promise<CallOutcome> }> {
  const key = cacheKey(body);
  const accountId = ctx.caller.accountId;
  const hit = await lookup(sql, accountId, key).catch((err) => {
    console.error(`[cache] lookup failed, forwarding: ${err instanceof Error ? err.message : err}`);
    return null;
  });
  ctx.extraHeaders = { ...ctx.extraHeaders, "x-cache": hit ? "HIT" : "MISS" };
  if (hit) return answerFromCache(ctx, body, hit);
  const { response, outcome } = await forwardChatCompletion(ctx, body);
  const kept = storeOnCompletion(
    sql,
    accountId,
    key,
    ttlSeconds,
    response,
    outcome,
    () => ctx.modelsTried?.at(-1) ?? body.model,
  );
  runInBackground(kept.stored);
  return { response: kept.response, outcome };
}
