// Behaviour of the triggers and RPCs, run as PostgREST would run them.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  as,
  asRole,
  attempt,
  createAccount,
  createUser,
  grantRole,
  tag,
  type Who,
} from "../helpers/fixtures.ts";
import { startWorld, type WorldStack } from "./world.ts";

let { sql, w } = {} as WorldStack;

beforeAll(async () => ({ sql, w } = await startWorld()));
afterAll(() => sql?.end({ timeout: 5 }));

/** What `fn` run as `who` comes to (rolled back): "ok", or the SQLSTATE it fails with. */
async function sqlState(who: Who, fn: Parameters<typeof attempt>[2]): Promise<string> {
  const o = await attempt(sql, who, fn);
  return o.ok ? "ok" : o.code;
}

describe("sign-up trigger", () => {
  it("creates the public.users row from auth.users and keeps it in sync", async () => {
    const id = (await createUser(sql, "signup", { fullName: "Sam Signup" })).id;
    const [u] = await sql`select email, full_name, status, last_login_at from public.users where id = ${id}`;
    expect(u).toMatchObject({ full_name: "Sam Signup", status: "active", last_login_at: null });
    expect(u.email).toMatch(/^signup-.*@example\.test$/);
    await sql`update auth.users set raw_user_meta_data = '{"full_name": "Sam Renamed"}', last_sign_in_at = now(),
                                    email = ${`renamed-${id}@example.test`} where id = ${id}`;
    const [v] = await sql`select email, full_name, last_login_at from public.users where id = ${id}`;
    expect(v.full_name).toBe("Sam Renamed");
    expect(v.email).toBe(`renamed-${id}@example.test`);
    expect(v.last_login_at).not.toBeNull();
    await sql`delete from auth.users where id = ${id}`;
    expect(await sql`select 1 from public.users where id = ${id}`).toHaveLength(0);
  });

  it("the user_profiles view shows the same rows under the same RLS", async () => {
    const rows = await asRole(
      sql,
      as(w.users.member),
      (tx) => tx`select id from public.user_profiles where id in ${tx([w.users.member, w.users.outsider])}`,
    );
    expect(rows.map((r) => r.id)).toEqual([w.users.member]);
  });
});

describe("accounts", () => {
  it("create_account makes the caller its owner, with settings", async () => {
    const user = (await createUser(sql, "founder")).id;
    const slug = `founded-${tag()}`;
    const account = await asRole(sql, as(user), async (tx) => {
      const [a] = await tx`select * from public.create_account('Founded', ${slug})`;
      return a;
    }, { commit: true });
    expect(account).toMatchObject({ slug, status: "active", is_active: true });
    const [r] = await sql`
      select r.name, ur.created_by from public.user_roles ur join public.roles r on r.id = ur.role_id
       where ur.account_id = ${account.id} and ur.user_id = ${user}`;
    expect(r).toEqual({ name: "owner", created_by: user });
    expect(await sql`select 1 from public.account_settings where account_id = ${account.id}`).toHaveLength(1);
  });

  it("anon cannot call create_account", async () => {
    const o = await sqlState({ role: "anon" }, (tx) => tx`select public.create_account('x', ${`anon-${tag()}`})`);
    expect(o).toBe("42501");
  });

  it("is_active follows status", async () => {
    const { id } = await createAccount(sql, undefined, { slug: `status-${tag()}` });
    await sql`update public.accounts set status = 'suspended' where id = ${id}`;
    const [a] = await sql`select is_active from public.accounts where id = ${id}`;
    expect(a.is_active).toBe(false);
    await expect(sql`update public.accounts set is_active = true where id = ${id}`).rejects.toThrow();
  });
});

describe("the last owner", () => {
  it("cannot be removed or demoted, by anyone, by any path", async () => {
    const { owner } = w.users;
    const membership = await sql`select id from public.user_roles where account_id = ${w.a.id} and user_id = ${owner}`;
    const id = membership[0].id;
    for (const who of [as(owner), { role: "service_role" as const }]) {
      const del = await attempt(sql, who, (tx) => tx`delete from public.user_roles where id = ${id}`);
      expect(del.ok ? "ok" : del.message).toMatch(/at least one owner/);
      const demote = await attempt(
        sql,
        who,
        (tx) => tx`update public.user_roles set role_id = ${w.roleIds.admin} where id = ${id}`,
      );
      expect(demote.ok ? "ok" : demote.message).toMatch(/at least one owner/);
    }
    const rpc = await attempt(sql, as(owner), (tx) => tx`select public.assign_role(${w.a.id}, 'member', ${owner})`);
    expect(rpc.ok ? "ok" : rpc.message).toMatch(/at least one owner/);
    const remove = await attempt(sql, as(owner), (tx) => tx`select public.remove_member(${w.a.id}, ${owner})`);
    expect(remove.ok ? "ok" : remove.message).toMatch(/at least one owner/);
  });

  it("can step down once another owner exists; deleting the whole account still works", async () => {
    const account = await createAccount(sql, await createUser(sql, "first"), { slug: `owners-${tag()}` });
    const { id: acct, owner: { id: first } } = account;
    const { id: second } = await addMember(sql, account, "member", await createUser(sql, "second"));
    await asRole(sql, as(first), (tx) => tx`select public.assign_role(${acct}, 'owner', ${second})`, { commit: true });
    await asRole(sql, as(second), (tx) => tx`select public.assign_role(${acct}, 'viewer', ${first})`, { commit: true });
    const roles = await sql`
      select ur.user_id, r.name from public.user_roles ur join public.roles r on r.id = ur.role_id where ur.account_id = ${acct}`;
    expect(Object.fromEntries(roles.map((r) => [r.user_id, r.name]))).toEqual({ [first]: "viewer", [second]: "owner" });
    await asRole(sql, as(second), (tx) => tx`delete from public.accounts where id = ${acct}`, { commit: true });
    expect(await sql`select 1 from public.user_roles where account_id = ${acct}`).toHaveLength(0);
  });

  it("admins manage memberships below owner only", async () => {
    const { admin } = w.users;
    const grant = await attempt(sql, as(admin), (tx) => tx`select public.assign_role(${w.a.id}, 'owner', ${admin})`);
    expect(grant.ok ? "ok" : grant.message).toMatch(/only an owner/);
    const ownerRow = await attempt(
      sql,
      as(admin),
      (tx) =>
        tx`update public.user_roles set role_id = ${w.roleIds.owner} where user_id = ${admin} and account_id = ${w.a.id}`,
    );
    expect(ownerRow.ok ? ownerRow.count : ownerRow.code).toBe("42501");
    const touchOwner = await attempt(
      sql,
      as(admin),
      (tx) => tx`delete from public.user_roles where user_id = ${w.users.owner} and account_id = ${w.a.id}`,
    );
    expect(touchOwner.ok && touchOwner.count).toBe(0);
    const changed = await asRole(
      sql,
      as(admin),
      (tx) => tx`select * from public.assign_role(${w.a.id}, 'member', ${w.users.viewer})`,
    );
    expect(changed[0]).toMatchObject({ user_id: w.users.viewer, account_id: w.a.id, created_by: admin });
    const newcomer = (await createUser(sql, "newcomer")).id;
    const outsider = await attempt(
      sql,
      as(admin),
      (tx) => tx`select public.assign_role(${w.a.id}, 'viewer', ${newcomer})`,
    );
    expect(outsider.ok ? "ok" : outsider.message).toMatch(/not a member/);
    const member = await attempt(
      sql,
      as(w.users.member),
      (tx) => tx`select public.assign_role(${w.a.id}, 'viewer', ${w.users.viewer})`,
    );
    expect(member.ok ? "ok" : member.message).toMatch(/manage_users/);
  });
});

describe("API keys", () => {
  it("are shown once; only their SHA-256 is stored; clients never read the hash", async () => {
    const created = await asRole(
      sql,
      as(w.users.admin),
      (tx) => tx`select * from public.create_api_key(${w.a.id}, 'ci')`,
      { commit: true },
    );
    const { id, key, prefix } = created[0] as { id: string; key: string; prefix: string };
    expect(key).toMatch(/^sgw_[0-9A-Za-z]{40}$/);
    expect(prefix).toBe(key.slice(0, 12));
    const [row] = await sql`select * from public.api_keys where id = ${id}`;
    expect(row.key_hash).toBe(createHash("sha256").update(key).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(key);
    const hash = await sqlState(as(w.users.owner), (tx) => tx`select key_hash from public.api_keys where id = ${id}`);
    expect(hash).toBe("42501");
    const listed = await asRole(
      sql,
      as(w.users.owner),
      (tx) => tx`select id, name, prefix, revoked_at from public.api_keys where id = ${id}`,
    );
    expect(listed).toHaveLength(1);
    const revoked = await asRole(sql, as(w.users.owner), (tx) => tx`select public.revoke_api_key(${id}) as at`, {
      commit: true,
    });
    expect(revoked[0].at).not.toBeNull();
  });

  it("are sgw_ + 40 base62 characters, uniformly drawn (not byte mod 62)", async () => {
    // 500 keys through the RPC apps call, rolled back. byte mod 62 makes 0-7 come up 5/256 of the
    // time instead of 1/62: 15.6% of characters instead of 12.9%, an 11-sigma gap over 20,000
    // characters; the bound sits halfway, ~6 sigma from either, so it neither flakes nor misses.
    const keys = await asRole(
      sql,
      as(w.users.admin),
      (tx) => tx`select k.key from generate_series(1, 500) g, lateral public.create_api_key(${w.a.id}, 'bias ' || g) k`,
    );
    expect(keys).toHaveLength(500);
    const chars = keys.map((r) => {
      expect(r.key).toMatch(/^sgw_[0-9A-Za-z]{40}$/);
      return (r.key as string).slice(4);
    }).join("");
    expect(new Set(keys.map((r) => r.key)).size).toBe(500);
    const low = [...chars].filter((c) => c >= "0" && c <= "7").length / chars.length;
    expect(low).toBeGreaterThan(8 / 62 - 0.0135);
    expect(low).toBeLessThan(8 / 62 + 0.0135);
    // Every one of the 62 characters turns up (each expected ~323 times).
    expect(new Set(chars).size).toBe(62);
  });

  it("need manage_instances", async () => {
    for (const user of [w.users.member, w.users.viewer, w.users.outsider]) {
      const o = await sqlState(as(user), (tx) => tx`select * from public.create_api_key(${w.a.id}, 'nope')`);
      expect(o).toBe("42501");
    }
    const r = await attempt(sql, as(w.users.outsider), (tx) => tx`select public.revoke_api_key(${w.a.rows.api_keys})`);
    expect(r.ok).toBe(false);
  });
});

describe("vector DB connection details", () => {
  it("are encrypted at rest, unreadable by clients, decryptable by the server only", async () => {
    const id = w.a.rows.vector_db_configs;
    const [raw] = await sql`select connection_details::text as t from public.vector_db_configs where id = ${id}`;
    expect(raw.t).not.toContain("s3cret");
    expect(raw.t).toContain("pgp_sym");
    const client = await sqlState(
      as(w.users.owner),
      (tx) => tx`select connection_details from public.vector_db_configs where id = ${id}`,
    );
    expect(client).toBe("42501");
    const star = await sqlState(as(w.users.owner), (tx) => tx`select * from public.vector_db_configs where id = ${id}`);
    expect(star).toBe("42501");
    const fn = await sqlState(as(w.users.owner), (tx) => tx`select private.vector_db_connection_details(${id})`);
    expect(fn).toBe("42501");
    const secrets = await sqlState({ role: "service_role" }, (tx) => tx`select * from private.secrets`);
    expect(secrets).toBe("42501");
    const server = await asRole(
      sql,
      { role: "service_role" },
      (tx) => tx`select private.vector_db_connection_details(${id}) as d`,
    );
    expect(server[0].d).toEqual({ password: "s3cret" });
  });

  it("are re-encrypted when an instance manager changes them", async () => {
    const id = w.a.rows.vector_db_configs;
    const d = await asRole(sql, as(w.users.admin), async (tx) => {
      await tx`update public.vector_db_configs set connection_details = ${
        tx.json({ password: "n3w" })
      } where id = ${id}`;
      await tx`reset role`;
      return tx`select connection_details::text as t, private.vector_db_connection_details(${id}) as d from public.vector_db_configs where id = ${id}`;
    });
    expect(d[0].t).not.toContain("n3w");
    expect(d[0].d).toEqual({ password: "n3w" });
  });

  it("cannot attach to another account's agent instance", async () => {
    const [inst] = await sql`
      insert into public.agent_instances (account_id, instance_slug, agent_type) values (${w.b.id}, ${`b-${tag()}`}, 'rag') returning id`;
    const o = await sqlState(
      as(w.users.owner),
      (tx) =>
        tx`insert into public.vector_db_configs (account_id, agent_instance_id, type) values (${w.a.id}, ${inst.id}, 'pgvector')`,
    );
    expect(o).toBe("23503");
  });
});

describe("feedback columns", () => {
  it("the student may rate their own mentor chat, and nothing else (rated_at and escalation are the database's)", async () => {
    const id = w.a.rows.ai_mentor_chats;
    const ok = await attempt(
      sql,
      as(w.users.member),
      (tx) => tx`update public.ai_mentor_chats set student_rating = 5, student_feedback = 'great' where id = ${id}`,
    );
    expect(ok.ok && ok.count).toBe(1);
    const refused = [
      "tokens_used = 0",
      "cost_usd = 0",
      "flagged_for_review = false",
      "response = 'x'",
      "user_id = user_id",
      "rated_at = now()",
      "escalated_to_trainer = true",
      "escalated_at = now()",
      "escalation_reason = 'x'",
      "resolved_at = now()",
      "llm_request_id = null",
    ];
    for (const set of refused) {
      const o = await sqlState(
        as(w.users.member),
        (tx) => tx.unsafe(`update public.ai_mentor_chats set ${set} where id = '${id}'`),
      );
      expect(o, set).toBe("42501");
    }
    const other = await attempt(
      sql,
      as(w.users.viewer),
      (tx) => tx`update public.ai_mentor_chats set student_rating = 1 where id = ${id}`,
    );
    expect(other.ok && other.count).toBe(0);
  });

  it("guru and twin rows: only was_helpful / user_feedback (/ dismissed)", async () => {
    const g = await attempt(
      sql,
      as(w.users.member),
      (tx) =>
        tx`update public.guru_interactions set was_helpful = false, user_feedback = 'meh' where id = ${w.a.rows.guru_interactions}`,
    );
    expect(g.ok && g.count).toBe(1);
    const gc = await sqlState(
      as(w.users.member),
      (tx) => tx`update public.guru_interactions set cost_usd = 0 where id = ${w.a.rows.guru_interactions}`,
    );
    expect(gc).toBe("42501");
    const t = await attempt(
      sql,
      as(w.users.member),
      (tx) =>
        tx`update public.employee_twin_interactions set was_helpful = true, user_feedback = 'ok', dismissed = true where id = ${w.a.rows.employee_twin_interactions}`,
    );
    expect(t.ok && t.count).toBe(1);
    const tc = await sqlState(
      as(w.users.member),
      (tx) =>
        tx`update public.employee_twin_interactions set tokens_used = 0 where id = ${w.a.rows.employee_twin_interactions}`,
    );
    expect(tc).toBe("42501");
  });
});

describe("history visibility", () => {
  it("a user whose role lacks view_history still reads their own llm_requests, and only those", async () => {
    const [own] = await sql`
      insert into public.llm_requests (account_id, user_id, completion_status, model, price_source)
      values (${w.a.id}, ${w.users.viewer}, 'error', 'unknown/model', 'unknown')
      returning id, account_slug, computed_cost`;
    expect(own.account_slug).toBe(w.a.slug);
    expect(own.computed_cost).toBeNull();
    // Every seeded role has view_history (cumulatively); permissions are data, so take it away.
    const o = await attempt(
      sql,
      as(w.users.viewer),
      (tx) => tx`select id from public.llm_requests where account_id = ${w.a.id}`,
      async (tx) => {
        await tx`update public.roles set permissions = '{}' where name = 'viewer'`;
      },
    );
    expect(o.ok && o.rows.map((r) => (r as { id: string }).id)).toEqual([own.id]);
  });

  it("an unknown price is never recorded as cost 0", async () => {
    await expect(sql`
      insert into public.llm_requests (account_id, completion_status, model, price_source, computed_cost)
      values (${w.a.id}, 'complete', 'x', 'unknown', 0)`).rejects.toThrow(/unknown_price/);
  });

  it("equal profile emails in two sessions are recorded for review", async () => {
    const [c] =
      await sql`select email, other_session_id from public.profile_email_collisions where id = ${w.a.rows.profile_email_collisions}`;
    expect(c.email).toMatch(/@example\.test$/);
    expect(c.other_session_id).not.toBe(w.a.rows.sessions);
  });
});

describe("mcp_servers account_restrictions", () => {
  it("unrestricted servers are visible to every signed-in user; restricted ones only to their accounts", async () => {
    const name = `open-${tag()}`;
    const [open] =
      await sql`insert into public.mcp_servers (name, type, endpoint_url) values (${name}, 'pricing', 'https://o.example.test') returning id`;
    const loner = (await createUser(sql, "loner")).id;
    const seen = await asRole(
      sql,
      as(loner),
      (tx) =>
        tx`select id from public.mcp_servers where id in ${tx([open.id, w.a.rows.mcp_servers, w.b.rows.mcp_servers])}`,
    );
    expect(seen.map((r) => r.id)).toEqual([open.id]);
  });
});

describe("academy roles: student and trainer on the feature tables", () => {
  let student: string;
  let trainer: string;
  let flagged: string;
  let quiet: string;

  beforeAll(async () => {
    student = (await createUser(sql, "student")).id;
    trainer = (await createUser(sql, "trainer")).id;
    await grantRole(sql, student, w.a.id, "student");
    await grantRole(sql, trainer, w.a.id, "trainer");
    [{ id: flagged }] = await sql`
      insert into public.ai_mentor_chats (account_id, user_id, question, response, flagged_for_review)
      values (${w.a.id}, ${student}, 'Q', 'A', true) returning id`;
    [{ id: quiet }] = await sql`
      insert into public.ai_mentor_chats (account_id, user_id, question, response)
      values (${w.a.id}, ${student}, 'Q2', 'A2') returning id`;
  });

  it("a student reads only their own rows, not the account's history", async () => {
    const o = await attempt(sql, as(student), (tx) =>
      tx`
      select (select count(*)::int from public.ai_mentor_chats) as chats,
             (select count(*)::int from public.guru_interactions) as gurus,
             (select count(*)::int from public.llm_requests) as requests`);
    expect(o.ok && o.rows[0]).toEqual({ chats: 2, gurus: 0, requests: 0 });
  });

  it("a trainer reads flagged and escalated chats only, resolves them, and manages no configuration", async () => {
    const o = await attempt(
      sql,
      as(trainer),
      (tx) => tx`select id from public.ai_mentor_chats where id in (${flagged}, ${quiet})`,
    );
    expect(o.ok && o.rows.map((r) => (r as { id: string }).id)).toEqual([flagged]);
    const quietResolve = await sqlState(
      as(trainer),
      (tx) => tx`select * from public.resolve_mentor_chat(${quiet}, 'x')`,
    );
    expect(quietResolve).toBe("P0002");
    const resolved = await attempt(
      sql,
      as(trainer),
      (tx) => tx`select resolved_by from public.resolve_mentor_chat(${flagged}, 'ok')`,
    );
    expect(resolved.ok && (resolved.rows[0] as { resolved_by: string }).resolved_by).toBe(trainer);
    const rate = await attempt(
      sql,
      as(trainer),
      (tx) => tx`update public.ai_mentor_chats set student_rating = 5 where id = ${flagged}`,
    );
    expect(rate.ok && rate.count).toBe(0);
    const config = await sqlState(
      as(trainer),
      (tx) =>
        tx`insert into public.guru_agents (account_id, agent_type, system_prompt, output_schema)
         values (${w.a.id}, 'trainer_guru', 'x', '{}')`,
    );
    expect(config).toBe("42501");
  });

  it("members and admins do not review; owners do", async () => {
    for (
      const [who, expected] of [[w.users.member, "P0002"], [w.users.admin, "P0002"], [w.users.owner, "ok"]] as const
    ) {
      const o = await sqlState(as(who), (tx) => tx`select * from public.resolve_mentor_chat(${flagged}, 'checked')`);
      expect(o, who).toBe(expected);
    }
  });
});
