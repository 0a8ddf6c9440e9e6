/**
 * Who is calling and on behalf of which account. A caller presents either a Supabase user JWT or
 * an account API key; the result names the account, the user or key, and the account's logging
 * settings. Lookups are cached (see cache.ts) so an authorized call normally costs no round trip.
 */
import type { Sql } from "./db.ts";
import { credentialKind, hashApiKey, type JwtVerification, jwtVerifierFromEnv, requestCredential } from "./auth.ts";
import { TtlCache } from "./cache.ts";
import { env, envSnapshot } from "./env.ts";
import { ApiError, badRequest, forbidden, unauthorized } from "./errors.ts";

export interface AccountSettings {
  log_request_bodies: boolean;
  log_response_bodies: boolean;
  max_request_bytes: number | null;
}

export interface Caller {
  accountId: string;
  accountSlug: string;
  userId: string | null;
  apiKeyId: string | null;
  settings: AccountSettings;
}

export interface Membership {
  account_id: string;
  account_slug: string;
  account_status: string;
  can_use_agents: boolean;
  log_request_bodies: boolean | null;
  log_response_bodies: boolean | null;
  max_request_bytes: number | null;
}

interface KeyRow extends Membership {
  api_key_id: string;
}

const cacheTtlMs = () => Number(env("AUTH_CACHE_TTL_MS") ?? 30_000);

const keyCache = new TtlCache<KeyRow | null>(cacheTtlMs());
const membershipCache = new TtlCache<Membership[]>(cacheTtlMs());

function settingsOf(m: Membership): AccountSettings {
  return {
    log_request_bodies: m.log_request_bodies ?? true,
    log_response_bodies: m.log_response_bodies ?? true,
    max_request_bytes: m.max_request_bytes,
  };
}

/** The account behind an API key hash; null when unknown or revoked. */
export function lookupApiKey(sql: Sql, keyHash: string): Promise<KeyRow | null> {
  return keyCache.get(keyHash, async () => {
    const [row] = await sql<KeyRow[]>`
      select k.id as api_key_id, a.id as account_id, a.slug as account_slug, a.status as account_status,
             true as can_use_agents, s.log_request_bodies, s.log_response_bodies, s.max_request_bytes
        from public.api_keys k
        join public.accounts a on a.id = k.account_id
        left join public.account_settings s on s.account_id = a.id
       where k.key_hash = ${keyHash} and k.revoked_at is null`;
    return row ?? null;
  });
}

/** Every account a user belongs to, with whether their role allows `use_agents`. */
export function lookupMemberships(sql: Sql, userId: string): Promise<Membership[]> {
  return membershipCache.get(userId, () =>
    sql<Membership[]>`
      select a.id as account_id, a.slug as account_slug, a.status as account_status,
             coalesce((r.permissions ->> 'all')::boolean, false)
               or coalesce((r.permissions ->> 'use_agents')::boolean, false) as can_use_agents,
             s.log_request_bodies, s.log_response_bodies, s.max_request_bytes
        from public.user_roles ur
        join public.roles r on r.id = ur.role_id
        join public.accounts a on a.id = ur.account_id
        left join public.account_settings s on s.account_id = a.id
       where ur.user_id = ${userId}`.then((rows) => [...rows])
  );
}

function requireActive(m: Membership): ApiError | null {
  if (m.account_status !== "active") return forbidden(`Account ${m.account_slug} is ${m.account_status}`, "account_inactive");
  return null;
}

export function callerFromApiKey(row: KeyRow | null): Caller | ApiError {
  if (!row) return unauthorized("Invalid or revoked API key", "invalid_api_key");
  const inactive = requireActive(row);
  if (inactive) return inactive;
  return { accountId: row.account_id, accountSlug: row.account_slug, userId: null, apiKeyId: row.api_key_id, settings: settingsOf(row) };
}

/**
 * Picks the account for a signed-in user: the one named by `x-account-id` / `x-account-slug`, or
 * their only account. The user needs `use_agents` there.
 */
export function callerFromMemberships(
  userId: string,
  memberships: Membership[],
  selector: { id: string | null; slug: string | null },
): Caller | ApiError {
  let chosen: Membership | undefined;
  if (selector.id || selector.slug) {
    chosen = memberships.find((m) => (selector.id ? m.account_id === selector.id : m.account_slug === selector.slug));
    if (!chosen) return forbidden("You are not a member of the requested account", "not_a_member");
  } else if (memberships.length === 1) {
    chosen = memberships[0];
  } else if (memberships.length === 0) {
    return forbidden("You are not a member of any account", "not_a_member");
  } else {
    return badRequest(
      "You belong to several accounts: choose one with the x-account-id or x-account-slug header",
      "x-account-id",
      "account_required",
    );
  }
  const inactive = requireActive(chosen);
  if (inactive) return inactive;
  if (!chosen.can_use_agents) {
    return forbidden(`Your role in account ${chosen.account_slug} does not allow using agents (use_agents)`, "permission_denied");
  }
  return { accountId: chosen.account_id, accountSlug: chosen.account_slug, userId, apiKeyId: null, settings: settingsOf(chosen) };
}

/** Credentials can't be checked without the database (and nothing is cached): 503, retryable. */
function databaseUnavailable(err: unknown): never {
  console.error(`[access] credential lookup failed: ${err instanceof Error ? err.message : err}`);
  throw new ApiError(503, "The gateway cannot verify credentials right now; retry shortly", "service_unavailable", "database_unavailable", null, { "retry-after": "1" });
}

let verifier: ReturnType<typeof jwtVerifierFromEnv> | null = null;

/** Verifies a Supabase user JWT with the project's keys (SUPABASE_JWT_SECRET, JWKS). */
export function verifyUserJwt(token: string): Promise<JwtVerification> {
  verifier ??= jwtVerifierFromEnv(envSnapshot());
  return verifier(token);
}

/**
 * Authenticates a request (Authorization: Bearer or x-api-key: <user JWT | account API key>) and resolves the
 * account it acts for. Throws an ApiError (401/403/400) the handler renders as is.
 */
export async function authenticate(req: Request, sql: Sql): Promise<Caller> {
  const token = requestCredential(req.headers);
  if (!token) {
    throw unauthorized("Missing credentials: send Authorization: Bearer <user JWT or API key> (or x-api-key)", "missing_api_key");
  }
  let caller: Caller | ApiError;
  if (credentialKind(token) === "api_key") {
    caller = callerFromApiKey(await lookupApiKey(sql, hashApiKey(token)).catch(databaseUnavailable));
  } else {
    const verified = await verifyUserJwt(token);
    if (!verified.ok) throw unauthorized(verified.message, verified.reason === "expired" ? "token_expired" : "invalid_token");
    const memberships = await lookupMemberships(sql, verified.claims.sub).catch(databaseUnavailable);
    caller = callerFromMemberships(verified.claims.sub, memberships, {
      id: req.headers.get("x-account-id"),
      slug: req.headers.get("x-account-slug"),
    });
  }
  if (caller instanceof Error) throw caller;
  return caller;
}
