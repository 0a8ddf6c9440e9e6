// The access model at the proxy: the official openai SDK against llm-proxy (fake provider).
// Each case was let through (or answered with the wrong error) before the fix.
import OpenAI from "openai";
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signJwt } from "../../scripts/lib/keys.ts";
import { type FakeProvider } from "../helpers/fake-provider.ts";
import {
  addMember,
  as,
  asRole,
  createAccount,
  createApiKey,
  createUser,
  type TestAccount,
  waitFor,
} from "../helpers/fixtures.ts";
import { ledgerRow } from "../helpers/ledger-row.ts";
import { proxyClient, startWithFakeProvider, stopStack, type TestFunctions } from "../helpers/stack.ts";

const ISSUER = "https://project-ref.supabase.test/auth/v1";

let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;

/** A Supabase access token for `sub` from the configured issuer; `claims` override any claim. */
function userJwt(sub: string, claims: Record<string, unknown> = {}): Promise<string> {
  return signJwt({ sub, role: "authenticated", aud: "authenticated", iss: ISSUER, ...claims });
}

const sdk = (token: string, headers: Record<string, string> = {}): OpenAI => proxyClient(fns, token, headers);

function ask(client: OpenAI) {
  return client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "Hi" }] });
}

/**
 * Repeats `call` until `done` holds for its outcome (fails after 2 s): a change to users reaches every
 * function instance through a gateway_cache notification, which may trail the UPDATE by a moment.
 */
async function eventually<T>(call: () => Promise<T>, done: (outcome: T) => boolean): Promise<T> {
  return (await waitFor(async () => {
    const outcome = await call();
    return done(outcome) && { outcome };
  }, { timeoutMs: 2000, what: "the change to reach the gateway" })).outcome;
}

const answered = (client: OpenAI) => ask(client).then(() => true, () => false);

/** How the proxy answered: 200, or the SDK's error with the OpenAI-shaped body's code. */
async function refusal(
  call: Promise<unknown>,
): Promise<{ status: number | undefined; code: unknown; message: string }> {
  const err = await call.then(() => null, (e: unknown) => e);
  if (err === null) return { status: 200, code: null, message: "answered" };
  expect(err).toBeInstanceOf(OpenAI.APIError);
  const e = err as InstanceType<typeof OpenAI.APIError>;
  return { status: e.status, code: e.code, message: e.message };
}

beforeAll(async () => {
  ({ sql, fake, fns } = await startWithFakeProvider({
    OPENROUTER_API_KEY: "sk-or-v1-test-access-provider-key-0123456789",
    SUPABASE_JWT_ISSUER: ISSUER,
  }));
});

afterAll(() => stopStack({ sql, fake, fns }));

describe("suspended and deleted users", () => {
  it("a suspended or deleted user's JWT gets 403 saying so; reactivated, it works again", async () => {
    const account = await createAccount(sql);
    const member = await addMember(sql, account, "member");
    const token = await userJwt(member.id);
    expect((await ask(sdk(token))).choices[0].message.content).toBeTruthy();
    for (const status of ["suspended", "deleted"]) {
      await sql`update public.users set status = ${status} where id = ${member.id}`;
      const r = await eventually(() => refusal(ask(sdk(token))), (o) => o.code === `user_${status}`);
      expect(r).toMatchObject({ status: 403, code: `user_${status}` });
      expect(r.message).toContain(status);
    }
    await sql`update public.users set status = 'active' where id = ${member.id}`;
    expect(await eventually(() => answered(sdk(token)), (ok) => ok)).toBe(true);
  });

  it("an API key created by a user who is now suspended is refused with 403", async () => {
    const account = await createAccount(sql);
    const key = await createApiKey(sql, account);
    expect((await ask(sdk(key.key))).choices[0].message.content).toBeTruthy();
    await sql`update public.users set status = 'suspended' where id = ${account.owner.id}`;
    const r = await eventually(() => refusal(ask(sdk(key.key))), (o) => o.status === 403);
    expect(r).toMatchObject({ status: 403, code: "api_key_creator_inactive" });
    await sql`update public.users set status = 'active' where id = ${account.owner.id}`;
    expect(await eventually(() => answered(sdk(key.key)), (ok) => ok)).toBe(true);
  });
});

describe("keys of a removed user", () => {
  it("are revoked when their creator is removed outright (created_by would otherwise just turn null)", async () => {
    const account = await createAccount(sql);
    const admin = await addMember(sql, account, "admin");
    const [created] = await asRole(
      sql,
      as(admin),
      (tx) => tx`select id, key from public.create_api_key(${account.id}, 'ci')`,
      { commit: true },
    );
    expect((await ask(sdk(created.key))).choices[0].message.content).toBeTruthy();
    await sql`delete from auth.users where id = ${admin.id}`;
    const [key] = await sql`select created_by, revoked_at from public.api_keys where id = ${created.id}`;
    expect(key.created_by).toBeNull();
    expect(key.revoked_at).not.toBeNull();
    const r = await eventually(() => refusal(ask(sdk(created.key))), (o) => o.status === 401);
    expect(r).toMatchObject({ status: 401, code: "invalid_api_key" });
  });
});

describe("API keys act for their own account only", () => {
  let mine: TestAccount;
  let theirs: TestAccount;
  let key: string;

  beforeAll(async () => {
    mine = await createAccount(sql);
    theirs = await createAccount(sql);
    key = (await createApiKey(sql, mine)).key;
  });

  it("403 when the key is sent with another account's x-account-slug or x-account-id", async () => {
    const selectors: Record<string, string>[] = [{ "x-account-slug": theirs.slug }, { "x-account-id": theirs.id }];
    for (const headers of selectors) {
      const r = await refusal(ask(sdk(key, headers)));
      expect(r, JSON.stringify(headers)).toMatchObject({ status: 403, code: "account_mismatch" });
    }
    const mixed = await refusal(ask(sdk(key, { "x-account-id": mine.id, "x-account-slug": theirs.slug })));
    expect(mixed).toMatchObject({ status: 403, code: "account_mismatch" });
    expect(fake.requests.some((r) => JSON.stringify(r.headers).includes(theirs.slug))).toBe(false);
  });

  it("naming the key's own account is fine", async () => {
    const { response } = await ask(sdk(key, { "x-account-slug": mine.slug, "x-account-id": mine.id })).withResponse();
    const requestId = response.headers.get("x-request-id");
    const row = await ledgerRow(sql, requestId, { columns: sql`r.account_id`, timeoutMs: 5000 });
    expect(row.account_id).toBe(mine.id);
  });
});

describe("JWT claims", () => {
  let account: TestAccount;
  let memberId: string;

  beforeAll(async () => {
    account = await createAccount(sql);
    memberId = (await addMember(sql, account, "member")).id;
  });

  it("accepts the member's token with aud 'authenticated' from the configured issuer", async () => {
    expect((await ask(sdk(await userJwt(memberId)))).choices[0].message.content).toBeTruthy();
  });

  it("401 for another audience, no audience, another issuer or no issuer", async () => {
    const tokens = [
      await userJwt(memberId, { aud: "service" }),
      await userJwt(memberId, { aud: undefined }),
      await userJwt(memberId, { iss: "https://another-project.supabase.test/auth/v1" }),
      await userJwt(memberId, { iss: undefined }),
    ];
    for (const token of tokens) {
      expect(await refusal(ask(sdk(token)))).toMatchObject({ status: 401, code: "invalid_token" });
    }
  });

  it("401 (not 503) for a subject that is not a user id", async () => {
    for (const sub of ["not-a-uuid", "1", "' or 1=1 --", "x".repeat(3000)]) {
      expect(await refusal(ask(sdk(await userJwt(sub))))).toMatchObject({ status: 401, code: "invalid_token" });
    }
  });

  it("401 with a clear message for a valid token whose user has no users row", async () => {
    const r = await refusal(ask(sdk(await userJwt(crypto.randomUUID()))));
    expect(r).toMatchObject({ status: 401, code: "user_not_found" });
    expect(r.message).toMatch(/does not exist/);
    const gone = await createUser(sql, "gone");
    await sql`delete from auth.users where id = ${gone.id}`;
    expect(await refusal(ask(sdk(await userJwt(gone.id))))).toMatchObject({ status: 401, code: "user_not_found" });
  });
});

describe("role hierarchy", () => {
  it("the seed's admin (manage_instances, manage_users) uses agents like a member", async () => {
    const account = await createAccount(sql);
    const admin = await addMember(sql, account, "admin");
    const [role] = await sql`select permissions from public.roles where name = 'admin'`;
    expect(role.permissions).toEqual({ manage_instances: true, manage_users: true });
    const { response } = await ask(sdk(await userJwt(admin.id))).withResponse();
    expect(response.status).toBe(200);
  });

  it("a viewer still may not", async () => {
    const account = await createAccount(sql);
    const viewer = await addMember(sql, account, "viewer");
    expect(await refusal(ask(sdk(await userJwt(viewer.id))))).toMatchObject({ status: 403, code: "permission_denied" });
  });
});
