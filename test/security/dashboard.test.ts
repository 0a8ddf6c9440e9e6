// Attacks on the dashboard API: another tenant's ids (request, session, chat to resolve), hostile query
// strings and bodies, API keys and forged tokens. Each answer is the API's own error shape (never a 500),
// nothing of the other tenant comes back, and nothing is written.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../functions/_shared/ledger/writer.ts";
import { signJwt } from "../../scripts/lib/keys.ts";
import { addMember, createAccount, createApiKey, type TestAccount, type TestUser } from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { startWithSql, stopStack, type TestFunctions } from "../helpers/stack.ts";

let sql: postgres.Sql;
let fns: TestFunctions;
let victim: TestAccount;
let attacker: TestAccount;
let attackerViewer: TestUser;
let victimInteractionId: string;
let victimSessionId: string;
let victimChatId: string;
const SECRET = "victim-secret-question-7f3a";

async function call(path: string, token: string, accountId: string | null, init: RequestInit = {}) {
  const res = await fetch(`${fns.url}/dashboard${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(accountId ? { "x-account-id": accountId } : {}) },
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}

function expectApiError(r: { status: number; json: { error?: unknown } }, status: number, code?: string) {
  expect(r.status).toBe(status);
  expect(r.json.error).toEqual({
    message: expect.any(String),
    type: expect.any(String),
    code: code ?? expect.anything(),
    param: expect.toBeOneOf([expect.any(String), null]),
  });
}

beforeAll(async () => {
  ({ sql, fns } = await startWithSql());
  victim = await createAccount(sql);
  attacker = await createAccount(sql);
  attackerViewer = await addMember(sql, attacker, "viewer");
  const entry = ledgerEntry(victim, {
    interaction: { request: { messages: [{ role: "user", content: SECRET }] } },
  });
  await new Ledger(() => sql).record(entry);
  victimInteractionId = entry.interaction!.id;
  const [s] = await sql`
    insert into public.sessions (account_id, session_key, email, is_anonymous)
    values (${victim.id}, encode(extensions.gen_random_bytes(32), 'hex'), 'victim@example.test', false) returning id`;
  victimSessionId = s.id;
  await sql`insert into public.messages (session_id, role, content) values (${s.id}, 'human', ${SECRET})`;
  const [c] = await sql`
    insert into public.ai_mentor_chats (account_id, user_id, question, response, flagged_for_review,
                                        escalated_to_trainer)
    values (${victim.id}, ${victim.owner.id}, ${SECRET}, 'answer', true, true) returning id`;
  victimChatId = c.id;
});

afterAll(() => stopStack({ sql, fns }));

describe("another tenant's ids", () => {
  it("a request id of another account is 404 in the attacker's own account, 403 when naming the victim's", async () => {
    for (const token of [attacker.owner.jwt, attackerViewer.jwt]) {
      const own = await call(`/requests/${victimInteractionId}`, token, attacker.id);
      expectApiError(own, 404, "request_not_found");
      expect(own.text).not.toContain(SECRET);
      const named = await call(`/requests/${victimInteractionId}`, token, victim.id);
      expectApiError(named, 403, "not_a_member");
      expect(named.text).not.toContain(SECRET);
    }
  });

  it("a session id of another account is 404 with nothing of its transcript", async () => {
    const r = await call(`/sessions/${victimSessionId}`, attacker.owner.jwt, attacker.id);
    expectApiError(r, 404, "session_not_found");
    expect(r.text).not.toContain(SECRET);
    const list = await call("/sessions", attacker.owner.jwt, attacker.id);
    expect(list.json.data).toEqual([]);
  });

  it("resolving another account's chat is 404 and leaves it unresolved, even for that account's owner role", async () => {
    const r = await call(`/review-queue/${victimChatId}/resolve`, attacker.owner.jwt, attacker.id, {
      method: "POST",
      body: JSON.stringify({ resolution: "hijacked" }),
    });
    expectApiError(r, 404, "chat_not_found");
    expect(r.text).not.toContain(SECRET);
    const [row] = await sql`select resolution, resolved_at from public.ai_mentor_chats where id = ${victimChatId}`;
    expect(row).toEqual({ resolution: null, resolved_at: null });
    const queue = await call("/review-queue", attacker.owner.jwt, attacker.id);
    expect(queue.text).not.toContain(SECRET);
  });

  it("the attacker's charts hold none of the victim's calls", async () => {
    const r = await call("/overview", attacker.owner.jwt, attacker.id);
    expect(r.status).toBe(200);
    expect(r.json.totals.requests).toBe(0);
  });
});

describe("hostile input", () => {
  const hostile: [string, string, string | null][] = [
    ["a 3 KB range value", `/overview?from=${"9".repeat(3072)}`, "from"],
    ["a 3 KB parameter name", `/overview?${"x".repeat(3072)}=1`, null],
    ["a NUL in a value", "/breakdown?dimension=model%00", "dimension"],
    ["a regex-hostile dimension", `/breakdown?dimension=${encodeURIComponent("(a+)+$".repeat(500))}`, "dimension"],
    ["a repeated parameter", "/overview?from=2026-01-01&from=2026-02-01", "from"],
    ["an unknown parameter", "/errors?model_name=x", "model_name"],
    ["a range the wrong way round", "/overview?from=2026-02-01&to=2026-01-01", "from"],
    ["a range over a year", "/overview?from=2020-01-01&to=2026-01-01", "from"],
    ["a forged cursor", `/sessions?cursor=${encodeURIComponent("1' or '1'='1")}`, "cursor"],
    ["a huge limit", "/sessions?limit=99999999", "limit"],
  ];
  it.each(hostile)("%s is 400 naming the parameter", async (_, path, param) => {
    const r = await call(path, victim.owner.jwt, victim.id);
    expectApiError(r, 400);
    if (param) expect(r.json.error.param).toBe(param);
    expect(r.text.length).toBeLessThan(1000);
  });

  it("a 3 KB or non-UUID path id is 404, a 3 KB account header 400", async () => {
    expectApiError(await call(`/requests/${"a".repeat(3072)}`, victim.owner.jwt, victim.id), 404);
    expectApiError(await call("/sessions/..%2F..%2Fetc", victim.owner.jwt, victim.id), 404);
    expectApiError(await call("/overview", victim.owner.jwt, "a".repeat(3072)), 400);
  });

  it("a hostile resolve body (NUL, deep JSON, not JSON, too long) is 400, an oversized one 413; nothing changes", async () => {
    const bodies = [
      JSON.stringify({ resolution: "done\u0000" }),
      "[".repeat(5_000) + "]".repeat(5_000),
      "{not json",
      JSON.stringify({ resolution: "x".repeat(5000) }),
      JSON.stringify({ resolution: 42 }),
    ];
    for (const body of bodies) {
      const r = await call(`/review-queue/${victimChatId}/resolve`, victim.owner.jwt, victim.id, {
        method: "POST",
        body,
      });
      expectApiError(r, 400);
    }
    const deep = "[".repeat(10_000) + "]".repeat(10_000);
    const big = await call(`/review-queue/${victimChatId}/resolve`, victim.owner.jwt, victim.id, {
      method: "POST",
      body: deep,
    });
    expectApiError(big, 413);
    const [row] = await sql`select resolved_at from public.ai_mentor_chats where id = ${victimChatId}`;
    expect(row.resolved_at).toBeNull();
  });
});

describe("credentials", () => {
  it("an account API key is refused on every route with user_jwt_required", async () => {
    const key = (await createApiKey(sql, victim)).key;
    for (const path of ["/accounts", "/overview", "/breakdown?dimension=model", "/errors", "/review-queue"]) {
      expectApiError(await call(path, key, victim.id), 401, "user_jwt_required");
    }
  });

  it("a token signed with another secret or expired is 401", async () => {
    const claims = { sub: victim.owner.id, role: "authenticated", aud: "authenticated" };
    const forged = await signJwt(claims, "not-the-project-secret-but-long-enough-0123456789");
    expectApiError(await call("/accounts", forged, null), 401, "invalid_token");
    const expired = await signJwt(claims, undefined, Math.floor(Date.now() / 1000) - 60);
    expectApiError(await call("/overview", expired, victim.id), 401, "token_expired");
    expectApiError(await call("/overview", "", victim.id), 401);
  });
});
