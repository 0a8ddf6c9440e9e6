// The access model in the database, run the way PostgREST runs requests (asRole and attempt in test/helpers/fixtures.ts).
// Each case was allowed (or impossible to express) before the fix.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { as, asRole, attempt, createUser, type Who } from "../helpers/fixtures.ts";
import { startWorld, type WorldStack } from "../db/world.ts";

let { sql, w } = {} as WorldStack;
const errorOf = (o: Awaited<ReturnType<typeof attempt>>) => (o.ok ? `ok (${o.count} rows)` : `${o.code}: ${o.message}`);

/** `op` run as `who` is refused for want of a privilege (42501), whatever the row. */
async function expectNoPrivilege(who: Who, op: Parameters<typeof attempt>[2]): Promise<void> {
  const o = await attempt(sql, who, op);
  expect(!o.ok && o.code, errorOf(o)).toBe("42501");
}

beforeAll(async () => ({ sql, w } = await startWorld()));
afterAll(() => sql?.end({ timeout: 5 }));

async function emailOf(userId: string): Promise<string> {
  const [u] = await sql`select email from public.users where id = ${userId}`;
  return u.email as string;
}

async function invite(inviter: string, email: string, role = "member"): Promise<{ id: string; token: string }> {
  const [row] = await asRole(
    sql,
    as(inviter),
    (tx) => tx`select id, token from public.invite_member(${w.a.id}, ${email}, ${role})`,
    { commit: true },
  );
  return row as { id: string; token: string };
}

describe("no adding strangers by email", () => {
  it("assign_role no longer takes an email, and does not add a non-member by id", async () => {
    const victim = (await createUser(sql, "victim")).id;
    const email = await emailOf(victim);
    const byEmail = await attempt(
      sql,
      as(w.users.admin),
      (tx) => tx`select public.assign_role(${w.a.id}, 'viewer', null, ${email})`,
    );
    expect(byEmail.ok, errorOf(byEmail)).toBe(false);
    const byId = await attempt(
      sql,
      as(w.users.admin),
      (tx) => tx`select public.assign_role(${w.a.id}, 'viewer', ${victim})`,
    );
    expect(errorOf(byId)).toMatch(/not a member/);
    expect(await sql`select 1 from public.user_roles where user_id = ${victim}`).toHaveLength(0);
  });

  it("managers cannot insert memberships directly", async () => {
    const victim = (await createUser(sql, "victim")).id;
    for (const manager of [w.users.owner, w.users.admin]) {
      await expectNoPrivilege(
        as(manager),
        (tx) =>
          tx`insert into public.user_roles (user_id, account_id, role_id, created_by)
           values (${victim}, ${w.a.id}, ${w.roleIds.member}, ${manager})`,
      );
    }
  });

  it("inviting answers the same whether or not the address has a user, and reveals nothing of them", async () => {
    const existing = (await createUser(sql, "existing")).id;
    const answers = [];
    for (const email of [await emailOf(existing), `nobody-${crypto.randomUUID()}@example.test`]) {
      const o = await attempt(
        sql,
        as(w.users.admin),
        (tx) => tx`select * from public.invite_member(${w.a.id}, ${email})`,
      );
      expect(o.ok, errorOf(o)).toBe(true);
      const row = (o.ok ? o.rows[0] : {}) as Record<string, unknown>;
      answers.push(Object.keys(row).sort());
      expect(row.token).toMatch(/^sgi_[0-9a-f]{64}$/);
    }
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toEqual(["expires_at", "id", "token"]);
    // Inviting makes nobody a co-member: the invitee's profile stays invisible to the account.
    const seen = await asRole(sql, as(w.users.admin), async (tx) => {
      await tx`select public.invite_member(${w.a.id}, ${await emailOf(existing)})`;
      return tx`select id from public.users where id = ${existing}`;
    });
    expect(seen).toHaveLength(0);
  });
});

describe("invitations", () => {
  it("the invitee, signed in with the invited address, accepts once; the token is stored hashed", async () => {
    const invitee = (await createUser(sql, "Invitee")).id;
    const { id, token } = await invite(w.users.admin, (await emailOf(invitee)).toUpperCase(), "viewer");
    const [stored] = await sql`select * from public.account_invitations where id = ${id}`;
    expect(stored.token_hash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(token);

    // The invitee sees their invitation (without the hash) before accepting; the hash is never readable.
    const mine = await asRole(sql, as(invitee), (tx) => tx`select id, account_id from public.account_invitations`);
    expect(mine).toEqual([{ id, account_id: w.a.id }]);
    const hash = await attempt(sql, as(invitee), (tx) => tx`select token_hash from public.account_invitations`);
    expect(!hash.ok && hash.code).toBe("42501");

    const stranger = (await createUser(sql, "stranger")).id;
    const wrong = await attempt(sql, as(stranger), (tx) => tx`select public.accept_invitation(${token})`);
    expect(errorOf(wrong)).toMatch(/another email address/);

    const [membership] = await asRole(sql, as(invitee), (tx) => tx`select * from public.accept_invitation(${token})`, {
      commit: true,
    });
    expect(membership).toMatchObject({
      user_id: invitee,
      account_id: w.a.id,
      role_id: w.roleIds.viewer,
      created_by: w.users.admin,
    });
    const [done] = await sql`select accepted_at, accepted_by from public.account_invitations where id = ${id}`;
    expect(done.accepted_by).toBe(invitee);
    const again = await attempt(sql, as(invitee), (tx) => tx`select public.accept_invitation(${token})`);
    expect(errorOf(again)).toMatch(/invalid, expired or already used/);
  });

  it("revoked, replaced, expired and made-up tokens are refused", async () => {
    const invitee = (await createUser(sql, "late")).id;
    const email = await emailOf(invitee);
    const first = await invite(w.users.owner, email);
    const second = await invite(w.users.owner, email);
    const [replaced] = await sql`select revoked_at from public.account_invitations where id = ${first.id}`;
    expect(replaced.revoked_at).not.toBeNull();
    await asRole(sql, as(w.users.admin), (tx) => tx`select public.revoke_invitation(${second.id})`, { commit: true });
    const third = await invite(w.users.owner, email);
    await sql`update public.account_invitations set expires_at = now() - interval '1 second' where id = ${third.id}`;
    for (const token of [first.token, second.token, third.token, `sgi_${"0".repeat(64)}`, ""]) {
      const o = await attempt(sql, as(invitee), (tx) => tx`select public.accept_invitation(${token})`);
      expect(errorOf(o)).toMatch(/invalid, expired or already used/);
    }
    expect(await sql`select 1 from public.user_roles where user_id = ${invitee}`).toHaveLength(0);
  });

  it("only user managers invite or revoke, only owners invite owners, and nobody in another account", async () => {
    const email = `someone-${crypto.randomUUID()}@example.test`;
    for (const who of [w.users.member, w.users.viewer, w.users.outsider]) {
      const o = await attempt(sql, as(who), (tx) => tx`select public.invite_member(${w.a.id}, ${email})`);
      expect(errorOf(o)).toMatch(/manage_users/);
    }
    const ownerByAdmin = await attempt(
      sql,
      as(w.users.admin),
      (tx) => tx`select public.invite_member(${w.a.id}, ${email}, 'owner')`,
    );
    expect(errorOf(ownerByAdmin)).toMatch(/only an owner/);
    const { id } = await invite(w.users.admin, email);
    for (const who of [w.users.member, w.users.outsider]) {
      const o = await attempt(sql, as(who), (tx) => tx`select public.revoke_invitation(${id})`);
      expect(errorOf(o)).toMatch(/no such open invitation/);
      const read = await attempt(sql, as(who), (tx) => tx`select id from public.account_invitations where id = ${id}`);
      expect(read.ok && read.count, errorOf(read)).toBe(0);
    }
    const anon = await attempt(sql, { role: "anon" }, (tx) => tx`select public.accept_invitation('x')`);
    expect(!anon.ok && anon.code).toBe("42501");
  });
});

describe("account price overrides are the operator's", () => {
  it("an owner cannot insert, change or delete overrides (e.g. zero their own prices); members read them", async () => {
    for (const who of [w.users.owner, w.users.admin]) {
      const id = w.a.rows.account_model_prices;
      await expectNoPrivilege(
        as(who),
        (tx) =>
          tx`insert into public.account_model_prices (account_id, model, input_cost_per_token, output_cost_per_token)
           values (${w.a.id}, ${w.model}, 0, 0)`,
      );
      await expectNoPrivilege(
        as(who),
        (tx) => tx`update public.account_model_prices set input_cost_per_token = 0 where id = ${id}`,
      );
      await expectNoPrivilege(as(who), (tx) => tx`delete from public.account_model_prices where id = ${id}`);
    }
    const read = await attempt(
      sql,
      as(w.users.viewer),
      (tx) => tx`select id from public.account_model_prices where account_id = ${w.a.id}`,
    );
    expect(read.ok && read.count).toBe(1);
  });
});

describe("role hierarchy (owner ⊇ admin ⊇ member ⊇ viewer) with the seed's JSON unchanged", () => {
  it("keeps roles.permissions as the seed wrote them", async () => {
    const rows = await sql`select name, permissions from public.roles order by name`;
    expect(Object.fromEntries(rows.map((r) => [r.name, r.permissions]))).toEqual({
      admin: { manage_instances: true, manage_users: true },
      member: { use_agents: true, view_history: true },
      owner: { all: true },
      viewer: { view_history: true },
      student: { use_agents: true },
      trainer: { use_agents: true, review_ai_chats: true },
    });
  });

  it("an admin reads the whole account's history, not only their own rows", async () => {
    const o = await attempt(sql, as(w.users.admin), (tx) =>
      tx`
      select (select count(*)::int from public.llm_requests where id = ${w.a.rows.llm_requests}) as requests,
             (select count(*)::int from public.messages where id = ${w.a.rows.messages}) as messages,
             (select count(*)::int from public.agent_usage_log where id = ${w.a.rows.agent_usage_log}) as usage`);
    expect(o.ok && o.rows[0], errorOf(o)).toEqual({ requests: 1, messages: 1, usage: 1 });
  });

  it("effective permissions per role", async () => {
    const o = await attempt(sql, as(w.users.admin), (tx) =>
      tx`
      select r.name, array(select jsonb_object_keys(private.role_permissions(r.name)) order by 1) as perms
        from public.roles r order by private.role_rank(r.name), r.name`);
    expect(o.ok && o.rows, errorOf(o)).toEqual([
      { name: "viewer", perms: ["view_history"] },
      { name: "member", perms: ["use_agents", "view_history"] },
      { name: "admin", perms: ["manage_instances", "manage_users", "use_agents", "view_history"] },
      { name: "owner", perms: ["all", "manage_instances", "manage_users", "use_agents", "view_history"] },
      { name: "student", perms: ["use_agents"] },
      { name: "trainer", perms: ["review_ai_chats", "use_agents"] },
    ]);
  });
});

describe("suspended and deleted users lose access to their accounts' data", () => {
  it("a suspended member reads nothing of the account; reactivated, they do again", async () => {
    const read = (tx: Parameters<Parameters<typeof attempt>[2]>[0]) =>
      tx`
      select (select count(*)::int from public.accounts where id = ${w.a.id}) as accounts,
             (select count(*)::int from public.llm_requests where account_id = ${w.a.id}) as requests,
             (select count(*)::int from public.agent_instances where account_id = ${w.a.id}) as instances`;
    for (const status of ["suspended", "deleted"]) {
      const o = await attempt(sql, as(w.users.member), read, async (tx) => {
        await tx`update public.users set status = ${status} where id = ${w.users.member}`;
      });
      expect(o.ok && o.rows[0], errorOf(o)).toEqual({ accounts: 0, requests: 0, instances: 0 });
    }
    const active = await attempt(sql, as(w.users.member), read);
    expect(active.ok && (active.rows[0] as { accounts: number }).accounts).toBe(1);
  });
});
