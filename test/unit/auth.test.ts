import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiKeyDisplayPrefix,
  bearerToken,
  createJwtVerifier,
  credentialKind,
  hashApiKey,
  isApiKeyFormat,
  jwtVerifierFromEnv,
  looksLikeJwt,
  requestCredential,
} from "../../functions/_shared/auth/credentials.ts";

const SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";
const now = () => Math.floor(Date.now() / 1000);

function hs256(claims: Record<string, unknown>, secret = SECRET, exp: number | null = now() + 3600): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" }).setIssuedAt();
  if (exp !== null) jwt.setExpirationTime(exp);
  return jwt.sign(new TextEncoder().encode(secret));
}

describe("HS256 user JWTs", () => {
  const verify = createJwtVerifier({ jwtSecret: SECRET });
  const user = {
    sub: "8d0fd2b3-9ca9-4d6c-8e6e-7c1d5c1e9a10",
    role: "authenticated",
    email: "a@b.co",
    aud: "authenticated",
  };

  it("accepts a valid token and returns its claims", async () => {
    const r = await verify(await hs256(user));
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.claims).toMatchObject(user);
  });

  it("rejects expired, wrong-secret, anon, subject-less, expiry-less and garbage tokens", async () => {
    expect(await verify(await hs256(user, SECRET, now() - 60))).toMatchObject({ ok: false, reason: "expired" });
    expect(await verify(await hs256(user, "another-secret-another-secret-another-secret"))).toMatchObject({
      ok: false,
      reason: "invalid_signature",
    });
    expect(await verify(await hs256({ role: "anon", iss: "supabase" }))).toMatchObject({
      ok: false,
      reason: "anon_role",
    });
    expect(await verify(await hs256({ role: "service_role", aud: "authenticated" })))
      .toMatchObject({ ok: false, reason: "no_subject" });
    expect(await verify(await hs256(user, SECRET, null))).toMatchObject({ ok: false, reason: "invalid_claims" });
    expect(await verify("not.a.jwt")).toMatchObject({ ok: false, reason: "malformed" });
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${
      Buffer.from(JSON.stringify(user)).toString("base64url")
    }.`;
    expect(await verify(none)).toMatchObject({ ok: false, reason: "unsupported_alg" });
  });

  it("rejects another audience, a non-UUID subject, and (when configured) another issuer", async () => {
    const refused = { ok: false, reason: "invalid_claims" };
    expect(await verify(await hs256({ ...user, aud: "anon" }))).toMatchObject(refused);
    const { aud: _aud, ...noAudience } = user;
    expect(await verify(await hs256(noAudience))).toMatchObject(refused);
    expect(await verify(await hs256({ ...user, aud: ["authenticated", "other"] }))).toMatchObject({ ok: true });
    expect(await verify(await hs256({ ...user, sub: "not-a-uuid" }))).toMatchObject(refused);
    const issuer = "https://ref.supabase.co/auth/v1";
    const strict = jwtVerifierFromEnv({ SUPABASE_JWT_SECRET: SECRET, SUPABASE_JWT_ISSUER: issuer });
    expect(await strict(await hs256({ ...user, iss: issuer }))).toMatchObject({ ok: true });
    expect(await strict(await hs256({ ...user, iss: "https://evil.example/auth/v1" }))).toMatchObject(refused);
    expect(await strict(await hs256(user))).toMatchObject(refused);
  });

  it("without a secret configured, HS256 tokens are refused", async () => {
    expect(await createJwtVerifier({})(await hs256(user))).toMatchObject({ ok: false, reason: "no_key" });
  });
});

describe("asymmetric user JWTs via JWKS", () => {
  let server: http.Server;
  let url: string;
  let fetches = 0;
  const keys: Record<string, { privateKey: CryptoKey; kid: string }> = {};

  beforeAll(async () => {
    const jwks: Record<string, unknown>[] = [];
    for (const [alg, kid] of [["ES256", "ec-1"], ["RS256", "rsa-1"]] as const) {
      const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
      keys[alg] = { privateKey, kid };
      jwks.push({ ...(await exportJWK(publicKey)), kid, alg, use: "sig" });
    }
    server = http.createServer((req, res) => {
      fetches++;
      if (req.url !== "/auth/v1/.well-known/jwks.json") return res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: jwks }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sign = (alg: "ES256" | "RS256", claims: Record<string, unknown>, exp = now() + 600) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid: keys[alg].kid, typ: "JWT" }).setExpirationTime(exp).sign(
      keys[alg].privateKey,
    );

  it("verifies ES256 and RS256 tokens against the project's JWKS (default URL from SUPABASE_URL)", async () => {
    const verify = jwtVerifierFromEnv({ SUPABASE_URL: url, SUPABASE_JWT_SECRET: SECRET });
    for (const alg of ["ES256", "RS256"] as const) {
      const sub = crypto.randomUUID();
      const r = await verify(await sign(alg, { sub, role: "authenticated", aud: "authenticated" }));
      expect(r).toMatchObject({ ok: true, claims: { sub } });
    }
    // HS256 still works alongside; keys are cached, not fetched per token.
    const hsUser = { sub: crypto.randomUUID(), role: "authenticated", aud: "authenticated" };
    expect((await verify(await hs256(hsUser))).ok).toBe(true);
    const before = fetches;
    await verify(await sign("ES256", { sub: crypto.randomUUID(), role: "authenticated", aud: "authenticated" }));
    expect(fetches).toBe(before);
  });

  it("rejects a token signed by a key outside the JWKS, and expired ones", async () => {
    const verify = createJwtVerifier({ jwksUrl: `${url}/auth/v1/.well-known/jwks.json` });
    const { privateKey } = await generateKeyPair("ES256");
    const foreign = await new SignJWT({ sub: "x", role: "authenticated" }).setProtectedHeader({
      alg: "ES256",
      kid: "ec-1",
    }).setExpirationTime(now() + 60).sign(privateKey);
    expect(await verify(foreign)).toMatchObject({ ok: false, reason: "invalid_signature" });
    expect(await verify(await sign("RS256", { sub: "x" }, now() - 100))).toMatchObject({
      ok: false,
      reason: "expired",
    });
  });

  it("reports an unreachable JWKS as jwks_unavailable", async () => {
    const verify = createJwtVerifier({ jwksUrl: "http://127.0.0.1:1/jwks.json" });
    expect(await verify(await sign("ES256", { sub: "x" }))).toMatchObject({ ok: false, reason: "jwks_unavailable" });
  });
});

describe("API keys and credential helpers", () => {
  it("recognises the sgw_ + base62 key format (keys are minted by the database)", () => {
    expect(isApiKeyFormat("sgw_" + "aZ09".repeat(10))).toBe(true);
    expect(isApiKeyFormat("sgw_" + "aZ0-".repeat(10))).toBe(false);
    expect(isApiKeyFormat("sgw_short")).toBe(false);
    expect(isApiKeyFormat("sk-" + "a".repeat(40))).toBe(false);
  });

  it("display prefix and SHA-256 hash", async () => {
    const key = "sgw_" + "A1".repeat(20);
    expect(apiKeyDisplayPrefix(key)).toBe("sgw_A1A1A1A1");
    const { createHash } = await import("node:crypto");
    expect(await hashApiKey(key)).toBe(createHash("sha256").update(key).digest("hex"));
  });

  it("tells API keys from JWTs and parses bearer headers", async () => {
    const jwt = await hs256({ sub: "u" });
    expect(credentialKind(jwt)).toBe("jwt");
    expect(looksLikeJwt(jwt)).toBe(true);
    expect(credentialKind("sgw_" + "aZ09".repeat(10))).toBe("api_key");
    expect(credentialKind("sk-whatever")).toBe("unknown");
    expect(bearerToken("Bearer abc.def")).toBe("abc.def");
    expect(bearerToken("bearer   tok ")).toBe("tok");
    expect(bearerToken("Basic xyz")).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });

  it("reads the credential from Authorization: Bearer, else from x-api-key (Anthropic clients)", () => {
    expect(requestCredential(new Headers({ "x-api-key": "sgw_abc" }))).toBe("sgw_abc");
    expect(requestCredential(new Headers({ authorization: "Bearer tok", "x-api-key": "sgw_abc" }))).toBe("tok");
    expect(requestCredential(new Headers({ "x-api-key": "  " }))).toBeNull();
    expect(requestCredential(new Headers())).toBeNull();
  });
});
