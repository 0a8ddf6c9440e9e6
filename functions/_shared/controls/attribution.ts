/**
 * `x-agent-instance: <instance_slug>` on llm-proxy: the call is made for one of the account's agent
 * instances, and is logged as chat logs its calls (agent_instance_id/slug/type on the row, an
 * agent_performance_metrics row, and agent_usage_log when the call belongs to a chat session).
 * The instance's last_used_at is stamped at most once a minute per function instance.
 */
import type { Caller } from "../auth/caller.ts";
import { TtlCache } from "../runtime/cache.ts";
import type { Sql } from "../runtime/db.ts";
import { env } from "../runtime/env.ts";
import { ApiError, badRequest, notFound } from "../http/errors.ts";
import { type CallContext, runInBackground } from "../gateway/forward.ts";

interface InstanceRow {
  id: string;
  instance_slug: string;
  agent_type: string;
  status: string;
  fallbacks: unknown;
}

export interface Agent {
  agent: NonNullable<CallContext["agent"]>;
  /** The instance's `config.fallbacks`, when it is a list of model names. */
  fallbacks: string[] | null;
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const MAX_SLUG_CHARS = 100;

const instanceCache = new TtlCache<InstanceRow | null>(Number(env("CHAT_INSTANCE_CACHE_TTL_MS") ?? 30_000));

/** The agent the header names, or null without the header; 400/404/409 for a bad, unknown or inactive one. */
export async function agentOf(sql: Sql, caller: Caller, req: Request): Promise<Agent | null> {
  const slug = req.headers.get("x-agent-instance");
  if (slug === null) return null;
  if (slug.length > MAX_SLUG_CHARS || !SLUG.test(slug)) {
    throw badRequest(
      "x-agent-instance must be an instance slug (lowercase letters, digits and dashes)",
      "x-agent-instance",
      "invalid_header",
    );
  }
  const row = await instanceCache.get(`${caller.accountId}/${slug}`, async () => {
    const [found] = await sql<InstanceRow[]>`
      select id, instance_slug, agent_type, status, config -> 'fallbacks' as fallbacks from public.agent_instances
       where account_id = ${caller.accountId} and instance_slug = ${slug}`;
    return found ?? null;
  });
  if (!row) {
    throw notFound(
      `No agent instance '${slug}' in account ${caller.accountSlug}`,
      "instance_not_found",
      "x-agent-instance",
    );
  }
  if (row.status !== "active") {
    throw new ApiError(409, `Agent instance '${slug}' is ${row.status}`, "invalid_request_error", "instance_inactive");
  }
  stampUsed(sql, row.id);
  const fallbacks = Array.isArray(row.fallbacks) && row.fallbacks.every((m) => typeof m === "string")
    ? row.fallbacks as string[]
    : null;
  return {
    agent: { sessionId: null, instanceId: row.id, instanceSlug: row.instance_slug, agentType: row.agent_type },
    fallbacks,
  };
}

const stamped = new Map<string, number>();

/** Stamps last_used_at off the response path, at most once a minute per instance here. */
function stampUsed(sql: Sql, instanceId: string): void {
  const now = Date.now();
  if ((stamped.get(instanceId) ?? 0) > now - 60_000) return;
  if (stamped.size >= 10_000) stamped.clear();
  stamped.set(instanceId, now);
  const update = sql`
    update public.agent_instances set last_used_at = now()
     where id = ${instanceId} and (last_used_at is null or last_used_at < now() - interval '1 minute')`
    .then(
      () => undefined,
      (err) => console.error(`[agent] last_used_at not stamped: ${err instanceof Error ? err.message : err}`),
    );
  runInBackground(update);
}
