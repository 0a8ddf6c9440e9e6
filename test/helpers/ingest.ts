// Calling POST /functions/v1/ingest as a tenant's app does: with one of its account's API keys.
import type postgres from "postgres";
import { createAccount, createApiKey, type TestAccount } from "./fixtures.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

export interface Tenant {
  account: TestAccount;
  /** The plaintext of one API key of the account. */
  key: string;
}

/** A fresh account and one API key of it. */
export async function createTenant(sql: postgres.Sql): Promise<Tenant> {
  const account = await createAccount(sql);
  return { account, key: (await createApiKey(sql, account)).key };
}

/** POSTs `body` (JSON, or a string sent as written) to ingest with `credential` as the bearer token. */
export async function postIngest(
  fns: { url: string },
  credential: string,
  body: unknown,
): Promise<{ status: number; json: LooseObject }> {
  const res = await fetch(`${fns.url}/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
