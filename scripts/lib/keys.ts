// The Supabase CLI's local stack signs its anon and service_role keys with this well-known secret;
// we use the same so tools and snippets written for `supabase start` work against `npm start`.
import { SignJWT } from "jose";

export const LOCAL_JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";

/** Signs a JWT with the project's secret, the way Supabase Auth does (HS256). */
export function signJwt(
  claims: Record<string, unknown>,
  secret = LOCAL_JWT_SECRET,
  expiresIn: string | number = "1h",
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(secret));
}

/** The long-lived API keys (role anon / service_role) Supabase hands out per project. */
export async function projectKeys(secret = LOCAL_JWT_SECRET) {
  const key = new TextEncoder().encode(secret);
  const sign = (role: string) =>
    new SignJWT({ iss: "supabase-demo", role })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setExpirationTime(1983812996)
      .sign(key);
  return { anonKey: await sign("anon"), serviceRoleKey: await sign("service_role") };
}
