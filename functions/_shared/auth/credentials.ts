/**
 * Caller credentials: Supabase user JWTs (HS256 project secret, or the project's asymmetric
 * signing keys via JWKS) and account API keys (`sgw_…`, stored as SHA-256 hex).
 */
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";
import { sha256Hex } from "../runtime/sha256.ts";
import { UUID } from "../http/limits.ts";

export interface JwtClaims extends JWTPayload {
  sub: string;
  role?: string;
  email?: string;
  phone?: string;
  aal?: string;
  session_id?: string;
  is_anonymous?: boolean;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

export type AuthFailureReason =
  | "malformed"
  | "expired"
  | "invalid_signature"
  | "unsupported_alg"
  | "no_key"
  | "jwks_unavailable"
  | "anon_role"
  | "no_subject"
  | "invalid_claims";

export type JwtVerification =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: AuthFailureReason; message: string };

export interface JwtVerifierConfig {
  /** Legacy HS256 project secret (SUPABASE_JWT_SECRET). */
  jwtSecret?: string;
  /** JWKS endpoint for asymmetric keys; default `${supabaseUrl}/auth/v1/.well-known/jwks.json`. */
  jwksUrl?: string;
  supabaseUrl?: string;
  /** Seconds of clock skew tolerated on exp/nbf (default 5). */
  clockToleranceSec?: number;
  /** When set (SUPABASE_JWT_ISSUER, e.g. `https://<ref>.supabase.co/auth/v1`), `iss` must equal it. */
  issuer?: string;
}

/** Supabase Auth's audience for signed-in users' access tokens. */
const USER_AUDIENCE = "authenticated";

const ASYMMETRIC_ALGS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** One key set per URL for the process: jose caches and refreshes keys inside it. */
const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function remoteJwks(url: string): ReturnType<typeof createRemoteJWKSet> {
  let set = jwksCache.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url), { timeoutDuration: 3000, cooldownDuration: 30_000, cacheMaxAge: 600_000 });
    jwksCache.set(url, set);
  }
  return set;
}

function failure(reason: AuthFailureReason, message: string): JwtVerification {
  return { ok: false, reason, message };
}

function joseFailure(err: unknown): JwtVerification {
  const code = (err as { code?: string })?.code;
  switch (code) {
    case "ERR_JWT_EXPIRED":
      return failure("expired", "JWT has expired");
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return failure("invalid_signature", "JWT signature is invalid");
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return failure("invalid_signature", "JWT was not signed by a key of this project");
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return failure("unsupported_alg", "JWT algorithm is not allowed");
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
      return failure("jwks_unavailable", "Signing keys could not be fetched");
    case "ERR_JWT_CLAIM_VALIDATION_FAILED":
      return failure("invalid_claims", `JWT claim check failed: ${(err as Error).message}`);
    default:
      if (err instanceof TypeError || code === "ERR_JOSE_GENERIC") {
        return failure("jwks_unavailable", "Signing keys could not be fetched");
      }
      return failure("malformed", "JWT is malformed");
  }
}

/**
 * Returns a verifier for user JWTs. The token's `alg` header picks the key: HS256 uses the
 * project secret, asymmetric algorithms the JWKS. Expired tokens, the `anon` role, tokens for
 * another audience than `authenticated` (or another issuer, when one is configured) and tokens
 * whose subject is not a user id (a UUID) are rejected: the proxy acts for a user.
 */
export function createJwtVerifier(config: JwtVerifierConfig): (token: string) => Promise<JwtVerification> {
  const secret = config.jwtSecret ? new TextEncoder().encode(config.jwtSecret) : null;
  const jwksUrl = config.jwksUrl ??
    (config.supabaseUrl ? `${config.supabaseUrl.replace(/\/+$/, "")}/auth/v1/.well-known/jwks.json` : null);
  const clockTolerance = config.clockToleranceSec ?? 5;

  return async (token: string): Promise<JwtVerification> => {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return failure("malformed", "JWT is malformed");
    }
    let payload: JWTPayload;
    try {
      if (alg === "HS256") {
        if (!secret) return failure("no_key", "HS256 tokens are not accepted: no JWT secret configured");
        ({ payload } = await jwtVerify(token, secret, { algorithms: ["HS256"], clockTolerance }));
      } else if (alg && ASYMMETRIC_ALGS.includes(alg)) {
        if (!jwksUrl) return failure("no_key", "Asymmetric tokens are not accepted: no JWKS URL configured");
        ({ payload } = await jwtVerify(token, remoteJwks(jwksUrl), { algorithms: [alg], clockTolerance }));
      } else {
        return failure("unsupported_alg", `JWT algorithm '${alg}' is not accepted`);
      }
    } catch (err) {
      return joseFailure(err);
    }
    if (payload.exp === undefined) return failure("invalid_claims", "JWT has no expiry");
    if (payload.role === "anon") return failure("anon_role", "The anon key is not a user session; sign in first");
    const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.includes(USER_AUDIENCE)) return failure("invalid_claims", `JWT audience must be '${USER_AUDIENCE}'`);
    if (config.issuer && payload.iss !== config.issuer) {
      return failure("invalid_claims", "JWT was issued by another issuer");
    }
    if (typeof payload.sub !== "string" || !payload.sub) return failure("no_subject", "JWT has no subject (user id)");
    if (!UUID.test(payload.sub)) return failure("invalid_claims", "JWT subject is not a user id");
    return { ok: true, claims: payload as JwtClaims };
  };
}

/** Verifier configured from SUPABASE_JWT_SECRET, SUPABASE_JWKS_URL, SUPABASE_URL and SUPABASE_JWT_ISSUER. */
export function jwtVerifierFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): (token: string) => Promise<JwtVerification> {
  return createJwtVerifier({
    jwtSecret: env.SUPABASE_JWT_SECRET,
    jwksUrl: env.SUPABASE_JWKS_URL,
    supabaseUrl: env.SUPABASE_URL,
    issuer: env.SUPABASE_JWT_ISSUER || undefined,
  });
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/**
 * The credential a request carries: `Authorization: Bearer <token>` (OpenAI clients), else
 * `x-api-key: <token>` (Anthropic clients send their key there).
 */
export function requestCredential(headers: Headers): string | null {
  return bearerToken(headers.get("authorization")) ?? (headers.get("x-api-key")?.trim() || null);
}

// ---------- API keys ----------

export const API_KEY_PREFIX = "sgw_";
// Keys are minted only by the database (private.generate_api_key; format in supabase/README.md):
// `sgw_` + 40 base62 characters. The check admits 32 or more so a longer future format still parses.
const API_KEY_FORMAT = /^sgw_[0-9A-Za-z]{32,}$/;

export function isApiKeyFormat(token: string): boolean {
  return API_KEY_FORMAT.test(token);
}

/** Three base64url segments, the first a JSON header: a JWT (not verified). */
export function looksLikeJwt(token: string): boolean {
  return /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token);
}

/** Which kind of bearer credential this is, by shape alone. */
export function credentialKind(token: string): "api_key" | "jwt" | "unknown" {
  if (token.startsWith(API_KEY_PREFIX)) return "api_key";
  if (looksLikeJwt(token)) return "jwt";
  return "unknown";
}

/** The part of a key shown in UIs and stored in clear: `sgw_` + 8 characters. */
export function apiKeyDisplayPrefix(key: string): string {
  return key.slice(0, 12);
}

/** SHA-256 hex of the key, as stored; keys are random enough that no salt is needed. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}
