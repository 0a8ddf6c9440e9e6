/**
 * Chat sessions by cookie, and the abuse limits that come with anonymous access.
 *
 * A browser's session key is 256 random bits (base64url) in an HttpOnly, Secure, SameSite=None,
 * Partitioned cookie named per account, so one browser talking to two accounts' widgets keeps a
 * session with each. A key is honoured only by its own account, only while the session has been
 * active within the idle timeout, and never for someone else: a session a signed-in user started
 * is resumed only by that user (a visitor on a shared computer after sign-out gets a new one).
 * The database keeps only the key's SHA-256, so whoever reads the sessions table cannot replay it.
 */
import type { Sql } from "../_shared/runtime/db.ts";
import type { Row } from "../_shared/runtime/schema.ts";
import { env } from "../_shared/runtime/env.ts";
import { rateLimited, unauthorized } from "../_shared/http/errors.ts";
import { sha256Hex } from "../_shared/runtime/sha256.ts";

export interface ChatSession {
  id: string;
  key: string;
  created: boolean;
}

const num = (name: string, fallback: number) => {
  const value = Number(env(name));
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

export const idleMinutes = () => num("CHAT_SESSION_IDLE_MINUTES", 60);

export function cookieName(accountSlug: string): string {
  return `chat_session_${accountSlug}`;
}

/** A new session key: 32 bytes from the CSPRNG, base64url without padding (43 characters). */
export function newSessionKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const KEY_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** The session key the browser sent for this account, if it is well formed. */
export function sessionKeyFrom(req: Request, accountSlug: string): string | null {
  const name = cookieName(accountSlug);
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const value = part.slice(eq + 1).trim();
      return KEY_FORMAT.test(value) ? value : null;
    }
  }
  return null;
}

/** Set-Cookie for a session; it lives as long as the idle timeout and slides with each message. */
export function sessionCookie(accountSlug: string, key: string): string {
  return `${cookieName(accountSlug)}=${key}; Max-Age=${
    idleMinutes() * 60
  }; Path=/; HttpOnly; Secure; SameSite=None; Partitioned`;
}

/** What the database stores of a session key (the cookie's value): its SHA-256, lowercase hex. */
export function storedKey(key: string): string {
  return sha256Hex(key);
}

/**
 * Expired counter windows are purged past this age, not past the caller's own window: servers
 * configured with different windows share the counter table, and one must not purge another's
 * live window (which would reset its counts).
 */
const MAX_WINDOW_SECONDS = 86_400;

export interface Limits {
  windowSeconds: number;
  perSession: number;
  perIp: number;
  perUser: number;
}

export function limitsFromEnv(): Limits {
  return {
    windowSeconds: Math.min(num("CHAT_RATE_LIMIT_WINDOW_SECONDS", 60), MAX_WINDOW_SECONDS),
    perSession: num("CHAT_RATE_LIMIT_PER_SESSION", 20),
    perIp: num("CHAT_RATE_LIMIT_PER_IP", 60),
    perUser: num("CHAT_RATE_LIMIT_PER_USER", 60),
  };
}

/**
 * Whether a signed-in user is a member of the account (members skip the abuse limits). A valid JWT
 * whose user has no profile row (deleted, or never synced from auth.users) is refused: sessions
 * reference users, so nothing can be stored for it.
 */
export async function memberOfAccount(sql: Sql, accountId: string, userId: string): Promise<boolean> {
  const [row] = await sql<{ known: boolean; member: boolean }[]>`
    select exists (select 1 from public.users where id = ${userId}) as known,
           exists (select 1 from public.user_roles where user_id = ${userId} and account_id = ${accountId}) as member`;
  if (!row.known) throw unauthorized("This token's user no longer exists; sign in again", "unknown_user");
  return row.member;
}

/**
 * Finds or starts the session for a message, and counts the message against the abuse limits,
 * in one statement (one round trip):
 * 1. the IP's hit (and a signed-in user's) is counted first, so a flood is refused before it
 *    creates sessions;
 * 2. the session is resumed (account, key, idle timeout and user checked; activity stamped), or
 *    created unless the IP or user is over its limit;
 * 3. the session's hit is counted; a few expired counter windows are purged on the way.
 * Only members of the account (`exempt`: its own staff testing their agents) skip the limits; any
 * other signed-in user is limited like a visitor and, whatever address they use, per user.
 */
export async function openSession(
  sql: Sql,
  a: {
    accountId: string;
    accountSlug: string;
    instanceId: string;
    userId: string | null;
    exempt: boolean;
    key: string | null;
    ip: string | null;
    metadata: Record<string, string>;
  },
  limits: Limits,
): Promise<ChatSession> {
  const limited = !a.exempt;
  const windowMs = limits.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(Date.now() / windowMs) * windowMs);
  const newKey = newSessionKey();
  type Opened = {
    id: Row<"sessions">["id"] | null;
    created: boolean | null;
    ip_hits: number | null;
    user_hits: number | null;
    session_hits: number | null;
  };
  const [row] = await sql<Opened[]>`
    with ip as (
      insert into private.chat_rate_limits as r (bucket, window_start)
      select 'ip:' || ${a.ip}::text, ${windowStart} where ${limited} and ${a.ip}::text is not null
      on conflict (bucket, window_start) do update set hits = r.hits + 1
      returning hits
    ), usr as (
      insert into private.chat_rate_limits as r (bucket, window_start)
      select 'u:' || ${a.userId}::text, ${windowStart} where ${limited} and ${a.userId}::text is not null
      on conflict (bucket, window_start) do update set hits = r.hits + 1
      returning hits
    ), found as (
      update public.sessions s
         set last_activity_at = now(), agent_instance_id = ${a.instanceId}, user_id = coalesce(s.user_id, ${a.userId}::uuid)
       where s.session_key = ${a.key === null ? null : storedKey(a.key)}::text and s.account_id = ${a.accountId}
         and s.last_activity_at > now() - make_interval(mins => ${idleMinutes()})
         and (s.user_id is null or s.user_id = ${a.userId}::uuid)
      returning s.id, false as created
    ), created as (
      insert into public.sessions (account_id, account_slug, agent_instance_id, user_id, session_key, metadata)
      select ${a.accountId}, ${a.accountSlug}, ${a.instanceId}, ${a.userId}::uuid, ${storedKey(newKey)}, ${
    sql.json(a.metadata)
  }
       where not exists (select 1 from found)
         and coalesce((select hits from ip), 0) <= ${limits.perIp}
         and coalesce((select hits from usr), 0) <= ${limits.perUser}
      returning id, true as created
    ), opened as (
      select * from found union all select * from created
    ), session_hit as (
      insert into private.chat_rate_limits as r (bucket, window_start)
      select 's:' || id, ${windowStart} from opened where ${limited}
      on conflict (bucket, window_start) do update set hits = r.hits + 1
      returning hits
    ), purged as (
      delete from private.chat_rate_limits
       where ctid = any(array(select ctid from private.chat_rate_limits
                               where window_start < ${windowStart}::timestamptz - make_interval(secs => ${MAX_WINDOW_SECONDS})
                               limit 20))
    )
    select o.id, o.created, (select hits from ip) as ip_hits, (select hits from usr) as user_hits,
           (select hits from session_hit) as session_hits
      from (select 1) one left join opened o on true`;
  const retryAfter = String(Math.max(1, Math.ceil((windowStart.getTime() + windowMs - Date.now()) / 1000)));
  if ((row.ip_hits ?? 0) > limits.perIp) {
    throw rateLimited(`Too many messages from this address; retry in ${retryAfter} s`, retryAfter);
  }
  if ((row.user_hits ?? 0) > limits.perUser) {
    throw rateLimited(`Too many messages from this user; retry in ${retryAfter} s`, retryAfter);
  }
  if ((row.session_hits ?? 0) > limits.perSession) {
    throw rateLimited(`Too many messages in this conversation; retry in ${retryAfter} s`, retryAfter);
  }
  return { id: row.id!, key: row.created ? newKey : a.key!, created: row.created! };
}

/**
 * The session a browser's cookie points at, for reading its history: same checks as resuming,
 * but nothing is created or stamped.
 */
export async function findSession(
  sql: Sql,
  accountId: string,
  key: string | null,
  userId: string | null,
): Promise<string | null> {
  if (!key) return null;
  const [row] = await sql<Pick<Row<"sessions">, "id">[]>`
    select id from public.sessions
     where session_key = ${storedKey(key)} and account_id = ${accountId}
       and last_activity_at > now() - make_interval(mins => ${idleMinutes()})
       and (user_id is null or user_id = ${userId}::uuid)`;
  return row?.id ?? null;
}
