// Tenants, members and credentials for integration tests, created through the same RPCs apps use.
import type postgres from "postgres";
import { signJwt } from "../../scripts/lib/keys.ts";

export type Role = "owner" | "admin" | "member" | "viewer";

export interface TestUser {
  id: string;
  email: string;
  /** A Supabase Auth access token for this user (HS256, the local project secret). */
  jwt: string;
}

export interface TestAccount {
  id: string;
  slug: string;
  owner: TestUser;
}

const unique = () => crypto.randomUUID().slice(0, 8);

/** Runs `fn` as a signed-in user, the way PostgREST runs a request. */
export async function asUser<T>(sql: postgres.Sql, userId: string, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  return (await sql.begin(async (tx) => {
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true),
                    set_config('role', 'authenticated', true)`;
    return fn(tx);
  })) as T;
}

/** A Supabase Auth sign-up: the auth.users row (whose trigger creates public.users) and a JWT. */
export async function createUser(sql: postgres.Sql, name = "user"): Promise<TestUser> {
  const id = crypto.randomUUID();
  const email = `${name}-${unique()}@example.test`;
  await sql`
    insert into auth.users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data, created_at, updated_at)
    values (${id}, 'authenticated', 'authenticated', ${email}, ${sql.json({ full_name: name })}, ${sql.json({})}, now(), now())`;
  const jwt = await signJwt({ sub: id, role: "authenticated", aud: "authenticated", email });
  return { id, email, jwt };
}

export async function createAccount(sql: postgres.Sql, owner?: TestUser): Promise<TestAccount> {
  const user = owner ?? (await createUser(sql, "owner"));
  const slug = `acct-${unique()}`;
  const [account] = await asUser(sql, user.id, (tx) => tx`select id, slug from public.create_account(${`Account ${slug}`}, ${slug})`);
  return { id: account.id, slug: account.slug, owner: user };
}

/** Adds a user the way apps do: the owner invites their email, the user accepts the invitation. */
export async function addMember(sql: postgres.Sql, account: TestAccount, role: Role, user?: TestUser): Promise<TestUser> {
  const member = user ?? (await createUser(sql, role));
  const [invitation] = await asUser(sql, account.owner.id, (tx) =>
    tx`select token from public.invite_member(${account.id}, ${member.email}, ${role})`);
  await asUser(sql, member.id, (tx) => tx`select public.accept_invitation(${invitation.token})`);
  return member;
}

/** Creates an API key as the account's owner; returns the plaintext (shown once) and its id. */
export async function createApiKey(sql: postgres.Sql, account: TestAccount, name = "test key"): Promise<{ id: string; key: string }> {
  const [row] = await asUser(sql, account.owner.id, (tx) => tx`select id, key from public.create_api_key(${account.id}, ${name})`);
  return { id: row.id, key: row.key };
}

export interface TestInstance {
  id: string;
  slug: string;
}

/** An agent instance of a seeded template, created by the account's owner (under RLS, as admins do). */
export async function createInstance(
  sql: postgres.Sql,
  account: TestAccount,
  opts: { template?: string; agentType?: string; config?: Record<string, unknown>; status?: string; slug?: string } = {},
): Promise<TestInstance> {
  const slug = opts.slug ?? `agent-${unique()}`;
  const [row] = await asUser(sql, account.owner.id, (tx) => tx`
    insert into public.agent_instances (account_id, template_id, instance_slug, agent_type, display_name, status, config)
    select ${account.id}, t.id, ${slug}, ${opts.agentType ?? "simple_chat"}, ${`Agent ${slug}`}, ${opts.status ?? "active"},
           ${sql.json((opts.config ?? { model: "openai/gpt-4o-mini" }) as postgres.JSONValue)}
      from public.agent_templates t where t.name = ${opts.template ?? "simple_chat"} and t.version = '1.0.0'
    returning id, instance_slug`);
  return { id: row.id, slug: row.instance_slug };
}
