/**
 * Who is calling and on behalf of which account. A caller presents either a Supabase user JWT or
 * an account API key; the result names the account, the user or key, and the account's logging
 * settings. Lookups are cached (see runtime/cache.ts) so an authorized call normally costs no round trip.
 */
import type { Sql } from "../runtime/db.ts";
import type { Row } from "../runtime/schema.ts";
import {
  credentialKind,
  hashApiKey,
  type JwtClaims,
  type JwtVerification,
  jwtVerifierFromEnv,
  requestCredential,
} from "./credentials.ts";
import { TtlCache } from "../runtime/cache.ts";
import { env, envSnapshot } from "../runtime/env.ts";
import {
  ApiError,
  badRequest,
  databaseUnavailable as unavailable,
  forbidden,
  type Result,
  unauthorized,
} from "../http/errors.ts";
import { MAX_ACCOUNT_HEADER_CHARS } from "../http/limits.ts";
import { checkLength } from "../http/request.ts";

export interface AccountSettings {
  log_request_bodies: boolean;
  log_response_bodies: boolean;
  max_request_bytes: number | null;
  /** Upstream retries (null or absent = the default); see controls/retry.ts. */
  max_retries?: number | null;
  /** Models tried when the requested one fails (null or absent = none). */
  fallback_models?: string[] | null;
  /** Seconds llm-proxy caches answers (null, 0 or absent = only with x-cache-ttl). */
  cache_ttl_seconds?: number | null;
}

export interface Caller {
  accountId: string;
  accountSlug: string;
  userId: string | null;
  apiKeyId: string | null;
  settings: AccountSettings;
  /** Models the API key may call (null = any). */
  allowedModels?: string[] | null;
}

/** An account and its settings (left-joined: null without a settings row), as the lookups below read them. */
export interface Membership {
  account_id: Row<"accounts">["id"];
  account_slug: Row<"accounts">["slug"];
  account_status: Row<"accounts">["status"];
  can_use_agents: boolean;
  log_request_bodies: Row<"account_settings">["log_request_bodies"] | null;
  log_response_bodies: Row<"account_settings">["log_response_bodies"] | null;
  max_request_bytes: Row<"account_settings">["max_request_bytes"];
  max_retries: Row<"account_settings">["max_retries"];
  fallback_models: Row<"account_settings">["fallback_models"];
  cache_ttl_seconds: Row<"account_settings">["cache_ttl_seconds"];
}

interface KeyRow extends Membership {
  api_key_id: Row<"api_keys">["id"];
  expires_at: Date | null;
  allowed_models: Row<"api_keys">["allowed_models"];
  /** users.status of the key's creator; null when the key has no creator (removed users' keys are revoked). */
  creator_status: Row<"users">["status"] | null;
}

/** A signed-in user: their users.status and every account they belong to. */
export interface UserAccess {
  status: string;
  memberships: Membership[];
}

const cacheTtlMs = () => Number(env("AUTH_CACHE_TTL_MS") ?? 30_000);

const keyCache = new TtlCache<KeyRow | null>(cacheTtlMs());
const userCache = new TtlCache<UserAccess | null>(cacheTtlMs());

function settingsOf(m: Membership): AccountSettings {
  return {
    log_request_bodies: m.log_request_bodies ?? true,
    log_response_bodies: m.log_response_bodies ?? true,
    max_request_bytes: m.max_request_bytes,
    max_retries: m.max_retries,
    fallback_models: m.fallback_models,
    cache_ttl_seconds: m.cache_ttl_seconds,
  };
}

/** The account behind an API key hash; null when unknown or revoked. */
export function lookupApiKey(sql: Sql, keyHash: string): Promise<KeyRow | null> {
  return keyCache.get(keyHash, async () => {
    const [row] = await sql<KeyRow[]>`
      select k.id as api_key_id, a.id as account_id, a.slug as account_slug, a.status as account_status,
             true as can_use_agents, s.log_request_bodies, s.log_response_bodies, s.max_request_bytes,
             s.max_retries, s.fallback_models, s.cache_ttl_seconds, c.status as creator_status, k.expires_at,
             k.allowed_models
        from public.api_keys k
        join public.accounts a on a.id = k.account_id
        left join public.account_settings s on s.account_id = a.id
        left join public.users c on c.id = k.created_by
       where k.key_hash = ${keyHash} and k.revoked_at is null`;
    return row ?? null;
  });
}

/**
 * The user's status and every account they belong to, with whether their role allows `use_agents`
 * (cumulatively: private.role_permissions); null when the user has no users row.
 */
export function lookupUser(sql: Sql, userId: string): Promise<UserAccess | null> {
  return userCache.get(userId, async () => {
    // One round trip: a user without memberships comes back as one row with a null account.
    const rows = await sql<(Membership & { user_status: Row<"users">["status"] })[]>`
      select u.status as user_status, a.id as account_id, a.slug as account_slug, a.status as account_status,
             private.role_permissions(r.name) ?| array['all', 'use_agents'] as can_use_agents,
             s.log_request_bodies, s.log_response_bodies, s.max_request_bytes, s.max_retries, s.fallback_models,
             s.cache_ttl_seconds
        from public.users u
        left join public.user_roles ur on ur.user_id = u.id
        left join public.roles r on r.id = ur.role_id
        left join public.accounts a on a.id = ur.account_id
        left join public.account_settings s on s.account_id = a.id
       where u.id = ${userId}`;
    if (rows.length === 0) return null;
    const memberships = rows.filter((m) => m.account_id !== null).map(({ user_status: _, ...m }) => m);
    return { status: rows[0].user_status, memberships };
  });
}

function requireActive(m: Membership): ApiError | null {
  if (m.account_status !== "active") {
    return forbidden(`Account ${m.account_slug} is ${m.account_status}`, "account_inactive");
  }
  return null;
}

/**
 * An API key acts for its own account only: naming another one with `x-account-id` /
 * `x-account-slug` is refused rather than silently ignored. A key whose creator is suspended or
 * deleted is refused too (the creator may still hold it); it works again if they are reactivated.
 */
export function callerFromApiKey(row: KeyRow | null, selector: AccountSelector): Result<Caller> {
  if (!row) return { ok: false, error: unauthorized("Invalid or revoked API key", "invalid_api_key") };
  if (row.expires_at !== null && new Date(row.expires_at).getTime() <= Date.now()) {
    return {
      ok: false,
      error: unauthorized(`This API key expired at ${new Date(row.expires_at).toISOString()}`, "api_key_expired"),
    };
  }
  const otherId = selector.id && selector.id.toLowerCase() !== row.account_id;
  if (otherId || (selector.slug && selector.slug !== row.account_slug)) {
    return {
      ok: false,
      error: forbidden("This API key belongs to another account than the one requested", "account_mismatch"),
    };
  }
  const inactive = requireActive(row);
  if (inactive) return { ok: false, error: inactive };
  if (row.creator_status !== null && row.creator_status !== "active") {
    return {
      ok: false,
      error: forbidden(`The user who created this API key is ${row.creator_status}`, "api_key_creator_inactive"),
    };
  }
  return {
    ok: true,
    value: {
      accountId: row.account_id,
      accountSlug: row.account_slug,
      userId: null,
      apiKeyId: row.api_key_id,
      settings: settingsOf(row),
      allowedModels: row.allowed_models,
    },
  };
}

export interface AccountSelector {
  id: string | null;
  slug: string | null;
}

/**
 * Picks the account for a signed-in user: the one named by `x-account-id` / `x-account-slug`, or
 * their only account. The user must exist and be active, and needs `use_agents` there unless `need` is
 * "membership" (readers whose rows row-level security scopes, like the interactions endpoint).
 */
export function callerFromUser(
  userId: string,
  user: UserAccess | null,
  selector: AccountSelector,
  need: "use_agents" | "membership" = "use_agents",
): Result<Caller> {
  if (!user) {
    return {
      ok: false,
      error: unauthorized("The user of this token does not exist (deleted?); sign in again", "user_not_found"),
    };
  }
  if (user.status !== "active") {
    return { ok: false, error: forbidden(`Your user is ${user.status}`, `user_${user.status}`) };
  }
  const { memberships } = user;
  let chosen: Membership | undefined;
  if (selector.id || selector.slug) {
    chosen = memberships.find((m) => (selector.id ? m.account_id === selector.id : m.account_slug === selector.slug));
    if (!chosen) {
      return { ok: false, error: forbidden("You are not a member of the requested account", "not_a_member") };
    }
  } else if (memberships.length === 1) {
    chosen = memberships[0];
  } else if (memberships.length === 0) {
    return { ok: false, error: forbidden("You are not a member of any account", "not_a_member") };
  } else {
    return {
      ok: false,
      error: badRequest(
        "You belong to several accounts: choose one with the x-account-id or x-account-slug header",
        "x-account-id",
        "account_required",
      ),
    };
  }
  const inactive = requireActive(chosen);
  if (inactive) return { ok: false, error: inactive };
  if (need === "use_agents" && !chosen.can_use_agents) {
    return {
      ok: false,
      error: forbidden(
        `Your role in account ${chosen.account_slug} does not allow using agents (use_agents)`,
        "permission_denied",
      ),
    };
  }
  return {
    ok: true,
    value: {
      accountId: chosen.account_id,
      accountSlug: chosen.account_slug,
      userId,
      apiKeyId: null,
      settings: settingsOf(chosen),
    },
  };
}

/** Credentials can't be checked without the database (and nothing is cached): 503, retryable. */
function databaseUnavailable(err: unknown): never {
  throw unavailable(
    err,
    "[access] credential lookup failed",
    "The gateway cannot verify credentials right now; retry shortly",
  );
}

let verifier: ReturnType<typeof jwtVerifierFromEnv> | null = null;

/** Verifies a Supabase user JWT with the project's keys (SUPABASE_JWT_SECRET, JWKS). */
export function verifyUserJwt(token: string): Promise<JwtVerification> {
  verifier ??= jwtVerifierFromEnv(envSnapshot());
  return verifier(token);
}

/** The account a request names (x-account-id / x-account-slug); over-long values are refused first. */
function accountSelector(req: Request): AccountSelector {
  // Before any lookup: an account header no account can match is a malformed request, not a 403.
  for (const header of ["x-account-slug", "x-account-id"]) checkLength(req, header, MAX_ACCOUNT_HEADER_CHARS);
  return { id: req.headers.get("x-account-id"), slug: req.headers.get("x-account-slug") };
}

async function userCaller(
  sql: Sql,
  token: string,
  selector: AccountSelector,
  need: "use_agents" | "membership",
): Promise<{ caller: Caller; claims: JwtClaims }> {
  const verified = await verifyUserJwt(token);
  if (!verified.ok) {
    throw unauthorized(verified.message, verified.reason === "expired" ? "token_expired" : "invalid_token");
  }
  const user = await lookupUser(sql, verified.claims.sub).catch(databaseUnavailable);
  const caller = callerFromUser(verified.claims.sub, user, selector, need);
  if (!caller.ok) throw caller.error;
  return { caller: caller.value, claims: verified.claims };
}

/**
 * Authenticates a user JWT (`token`, already told apart from an API key) and resolves the account the
 * request names, for readers that need the user's claims (to run as them under RLS) and only membership.
 */
export function authenticateUser(
  req: Request,
  sql: Sql,
  token: string,
  need: "use_agents" | "membership" = "use_agents",
): Promise<{ caller: Caller; claims: JwtClaims }> {
  return userCaller(sql, token, accountSelector(req), need);
}

/**
 * Authenticates a request (Authorization: Bearer or x-api-key: <user JWT | account API key>) and resolves the
 * account it acts for. Throws an ApiError (401/403/400) the handler renders as is.
 */
export async function authenticate(req: Request, sql: Sql): Promise<Caller> {
  const token = requestCredential(req.headers);
  if (!token) {
    throw unauthorized(
      "Missing credentials: send Authorization: Bearer <user JWT or API key> (or x-api-key)",
      "missing_api_key",
    );
  }
  const selector = accountSelector(req);
  if (credentialKind(token) !== "api_key") return (await userCaller(sql, token, selector, "use_agents")).caller;
  const caller = callerFromApiKey(await lookupApiKey(sql, hashApiKey(token)).catch(databaseUnavailable), selector);
  if (!caller.ok) throw caller.error;
  return caller.value;
}
