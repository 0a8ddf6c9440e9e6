/**
 * A signed-in reader: the user JWT's claims and the account it reads, for endpoints that read under
 * row-level security (`asUser`). Account API keys are refused (401 user_jwt_required): a key acts for
 * an account, not a user, so there is no one for row-level security to scope the rows to.
 */
import { db } from "../runtime/db.ts";
import { unauthorized } from "../http/errors.ts";
import { authenticateUser, verifyUserJwt } from "./caller.ts";
import { credentialKind, type JwtClaims, requestCredential } from "./credentials.ts";

export interface Reader {
  accountId: string;
  claims: JwtClaims;
}

/** The request's user JWT; `what` starts the refusal of an API key, `serverHint` says what a server does instead. */
function userToken(req: Request, what: string, serverHint: string): string {
  const token = requestCredential(req.headers);
  if (!token) throw unauthorized("Missing credentials: send Authorization: Bearer <user JWT>", "missing_api_key");
  if (credentialKind(token) === "api_key") {
    throw unauthorized(
      `${what} needs a signed-in user's JWT: an API key acts for an account, not a user, so row-level ` +
        `security has no one to scope it to. ${serverHint}`,
      "user_jwt_required",
    );
  }
  return token;
}

/** The user JWT's claims and the account it reads (x-account-id / x-account-slug, as llm-proxy picks it). */
export async function signedInReader(req: Request, what: string, serverHint: string): Promise<Reader> {
  const { caller, claims } = await authenticateUser(req, db(), userToken(req, what, serverHint), "membership");
  return { accountId: caller.accountId, claims };
}

/** The verified claims of the request's user JWT, for reads that span the user's accounts. */
export async function signedInUser(req: Request, what: string, serverHint: string): Promise<JwtClaims> {
  const verified = await verifyUserJwt(userToken(req, what, serverHint));
  if (!verified.ok) {
    throw unauthorized(verified.message, verified.reason === "expired" ? "token_expired" : "invalid_token");
  }
  return verified.claims;
}
