// The one fixtures vocabulary for integration tests and benchmarks (see test/README.md):
// - asRole / attempt run SQL the way PostgREST runs a request: one transaction, `set local role` and the
//   JWT claims in `request.jwt.claims`. Rolled back unless `{ commit: true }`; attempt always rolls back.
// - create* build what apps build, through the same RPCs (create_account, invite_member + accept_invitation,
//   create_api_key) and as the account's owner under RLS; they commit and return one shape everywhere.
// - grantRole and fakeKeyHash are for superuser-built worlds (test/db/world.ts) that need states the
//   RPCs cannot reach.
// - waitFor polls until asynchronous work (the ledger, chat side effects, cache notifications) shows.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import type postgres from "postgres";
import { signJwt } from "../../scripts/lib/keys.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

export type DbRole = "anon" | "authenticated" | "service_role";
/** Who a request runs as: a database role and, for `authenticated`, the signed-in user. */
export interface Who {
  role: DbRole;
  userId?: string | null;
}
export type Role = "owner" | "admin" | "member" | "viewer" | "student" | "trainer";

/** A signed-in user, by id or by fixture. */
export function as(user: string | { id: string }): Who {
  return { role: "authenticated", userId: typeof user === "string" ? user : user.id };
}

export function claimsFor(who: Who): Record<string, unknown> {
  if (who.role === "authenticated") return { sub: who.userId, role: "authenticated", aud: "authenticated" };
  return { role: who.role };
}

class Rollback extends Error {}

async function enter(tx: Tx, who: Who): Promise<void> {
  await tx.unsafe(`set local role ${who.role}`);
  await tx`select set_config('request.jwt.claims', ${JSON.stringify(claimsFor(who))}, true)`;
}

/**
 * Runs `fn` as `who` in one transaction and returns its value; errors propagate. Rolled back by default
 * (a read or a probe leaves nothing behind); `{ commit: true }` keeps its writes, for multi-step tests.
 */
export async function asRole<T>(
  sql: Sql,
  who: Who,
  fn: (tx: Tx) => T | Promise<T>,
  opts: { commit?: boolean } = {},
): Promise<T> {
  if (opts.commit) {
    return (await sql.begin(async (tx) => {
      await enter(tx, who);
      return fn(tx);
    })) as T;
  }
  let value: T | undefined;
  try {
    await sql.begin(async (tx) => {
      await enter(tx, who);
      value = await fn(tx);
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return value as T;
}

/**
 * `select * from public.<fn>(name => value, ...)` as `who`, committed: a set-returning RPC called with named
 * arguments, the way PostgREST calls it for supabase-js's `rpc()`.
 */
export function rpcRows(
  sql: Sql,
  who: Who,
  fn: string,
  args: Record<string, unknown>,
): Promise<Array<Record<string, unknown>>> {
  const call = Object.keys(args).map((n, i) => `"${n}" => $${i + 1}`).join(", ");
  return asRole(
    sql,
    who,
    (tx) => tx.unsafe(`select * from public.${fn}(${call})`, Object.values(args) as postgres.ParameterOrJSON<never>[]),
    { commit: true },
  );
}

export type Outcome = { ok: true; count: number; rows: unknown[] } | { ok: false; code: string; message: string };

/**
 * Like asRole (always rolled back), but captures the statement's outcome instead of throwing, for
 * allow/deny matrices. `prep` runs first, as superuser, in the same transaction.
 */
export async function attempt<P>(
  sql: Sql,
  who: Who,
  op: (tx: Tx, prepared: P) => Promise<postgres.RowList<postgres.Row[]>>,
  prep?: (tx: Tx) => P | Promise<P> | undefined,
): Promise<Outcome> {
  let outcome: Outcome | undefined;
  try {
    await sql.begin(async (tx) => {
      const prepared = (prep ? await prep(tx) : undefined) as P;
      await enter(tx, who);
      try {
        const result = await op(tx, prepared);
        outcome = { ok: true, count: result.count, rows: [...result] };
      } catch (err) {
        const e = err as { code?: string; message?: string };
        outcome = { ok: false, code: e.code ?? "?", message: e.message ?? String(err) };
      }
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return outcome!;
}

/** A short random tag for unique slugs, emails and names. */
export function tag(): string {
  return randomBytes(4).toString("hex");
}

/** A random SHA-256 hex digest, for rows that need a unique key or token hash. */
export function fakeKeyHash(): string {
  return createHash("sha256").update(randomBytes(16)).digest("hex");
}

export interface TestUser {
  id: string;
  email: string;
  /** A Supabase Auth access token for this user (HS256, the local project secret). */
  jwt: string;
}

/**
 * A Supabase Auth sign-up: the auth.users row (whose trigger creates public.users) and a JWT. Works inside
 * a transaction too (then the user lives as long as it does).
 */
export async function createUser(
  sql: Sql | Tx,
  name = "user",
  opts: { fullName?: string } = {},
): Promise<TestUser> {
  const id = randomUUID();
  const email = `${name}-${tag()}@example.test`;
  await sql`
    insert into auth.users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data, created_at, updated_at)
    values (${id}, 'authenticated', 'authenticated', ${email}, ${sql.json({ full_name: opts.fullName ?? name })},
            ${sql.json({})}, now(), now())`;
  const jwt = await signJwt({ sub: id, role: "authenticated", aud: "authenticated", email });
  return { id, email, jwt };
}

export interface TestAccount {
  id: string;
  slug: string;
  owner: TestUser;
}

/** An account created by `owner` (a new user when not given) through create_account, as apps do. */
export async function createAccount(
  sql: Sql,
  owner?: TestUser,
  opts: { slug?: string } = {},
): Promise<TestAccount> {
  const user = owner ?? (await createUser(sql, "owner"));
  const slug = opts.slug ?? `acct-${tag()}`;
  const [account] = await asRole(
    sql,
    as(user),
    (tx) => tx`select id, slug from public.create_account(${`Account ${slug}`}, ${slug})`,
    { commit: true },
  );
  return { id: account.id, slug: account.slug, owner: user };
}

/** Turns on payload encryption for `account`'s new interaction bodies (the setting an owner flips). */
export async function encryptPayloads(sql: Sql, account: { id: string }): Promise<void> {
  await sql`update public.account_settings set encrypt_payloads = true where account_id = ${account.id}`;
}

/** Adds a user the way apps do: the owner invites their email, the user accepts the invitation. */
export async function addMember(sql: Sql, account: TestAccount, role: Role, user?: TestUser): Promise<TestUser> {
  const member = user ?? (await createUser(sql, role));
  const [invitation] = await asRole(
    sql,
    as(account.owner),
    (tx) => tx`select token from public.invite_member(${account.id}, ${member.email}, ${role})`,
    { commit: true },
  );
  await asRole(sql, as(member), (tx) => tx`select public.accept_invitation(${invitation.token})`, { commit: true });
  return member;
}

export async function roleId(sql: Sql | Tx, name: string): Promise<string> {
  const [r] = await sql`select id from public.roles where name = ${name}`;
  return r.id as string;
}

/** A user_roles row written as superuser, bypassing invitations (for worlds the RPCs cannot build). */
export async function grantRole(sql: Sql | Tx, userId: string, accountId: string, role: Role): Promise<void> {
  await sql`
    insert into public.user_roles (user_id, account_id, role_id)
    values (${userId}, ${accountId}, ${await roleId(sql, role)})`;
}

/** Creates an API key as the account's owner; returns the plaintext (shown once) and its id. */
export async function createApiKey(
  sql: Sql,
  account: TestAccount,
  name = "test key",
): Promise<{ id: string; key: string }> {
  const [row] = await asRole(
    sql,
    as(account.owner),
    (tx) => tx`select id, key from public.create_api_key(${account.id}, ${name})`,
    { commit: true },
  );
  return { id: row.id, key: row.key };
}

export interface TestInstance {
  id: string;
  slug: string;
}

/** An agent instance of a seeded template, created by the account's owner (under RLS, as admins do). */
export async function createInstance(
  sql: Sql,
  account: TestAccount,
  opts: { template?: string; agentType?: string; config?: Record<string, unknown>; status?: string; slug?: string } =
    {},
): Promise<TestInstance> {
  const slug = opts.slug ?? `agent-${tag()}`;
  const config = (opts.config ?? { model: "openai/gpt-4o-mini" }) as postgres.JSONValue;
  const [row] = await asRole(sql, as(account.owner), (tx) =>
    tx`
    insert into public.agent_instances (account_id, template_id, instance_slug, agent_type, display_name, status, config)
    select ${account.id}, t.id, ${slug}, ${opts.agentType ?? "simple_chat"}, ${`Agent ${slug}`},
           ${opts.status ?? "active"}, ${sql.json(config)}
      from public.agent_templates t where t.name = ${opts.template ?? "simple_chat"} and t.version = '1.0.0'
    returning id, instance_slug`, { commit: true });
  return { id: row.id, slug: row.instance_slug };
}

/**
 * Calls `fn` until it returns something truthy (a row, a non-empty count, true) and returns that;
 * throws after `timeoutMs` (default 10 s), naming `what`.
 */
export async function waitFor<T>(
  fn: () => T | undefined | null | false | 0 | Promise<T | undefined | null | false | 0>,
  opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const value = await fn();
    if (value) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? "a condition"}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}

/**
 * Runs `lock(tx)` in a transaction held open until `release()` (or `maxMs`, when given), so writes it
 * blocks wait: a stand-in for a slow database. Resolves once the lock is taken.
 */
export async function holdLock(
  sql: postgres.Sql,
  lock: (tx: postgres.TransactionSql) => Promise<unknown>,
  opts: { maxMs?: number } = {},
): Promise<{ release(): Promise<void> }> {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const held = opts.maxMs === undefined
    ? released
    : Promise.race([released, new Promise((r) => setTimeout(r, opts.maxMs))]);
  const done = sql.begin(async (tx) => {
    await lock(tx);
    locked();
    await held;
  });
  await Promise.race([isLocked, done]);
  return {
    release: async () => {
      release();
      await done;
    },
  };
}
