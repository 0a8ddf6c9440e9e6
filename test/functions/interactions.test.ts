// GET /functions/v1/interactions end to end: rows written through ingest (the same ledger as proxied
// calls), read back with every filter, paged with cursors while new rows arrive, and scoped by RLS exactly
// as the same user's supabase-js .rpc('get_ai_interactions') is.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  as,
  asRole,
  createAccount,
  createApiKey,
  encryptPayloads,
  type TestAccount,
  type TestUser,
} from "../helpers/fixtures.ts";
import { adminSql, startFunctions, type TestFunctions } from "../helpers/stack.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

let sql: postgres.Sql;
let fns: TestFunctions;

interface Seed {
  user: "owner" | "student" | "student2" | null;
  status: "success" | "error" | "partial";
  model: string;
  provider: string;
  feature: string | null;
  conversation: string | null;
  latency: number;
  /** Minutes before the base time. */
  ago: number;
}

// Account A's rows, as data: each filter's expected answer is computed from this list.
const seed = (
  user: Seed["user"],
  status: Seed["status"],
  model: string,
  provider: string,
  feature: string | null,
  conversation: string | null,
  latency: number,
  ago: number,
): Seed => ({ user, status, model, provider, feature, conversation, latency, ago });
const SEEDS: Seed[] = [
  seed("owner", "success", "m-one", "openai", "f1", "c1", 100, 1),
  seed("student", "error", "m-two", "anthropic", "f2", "c2", 500, 2),
  seed("student2", "partial", "m-one", "openrouter", null, "c1", 1000, 3),
  seed(null, "success", "m-two", "openai", "f1", null, 50, 4),
  seed("student", "success", "m-one", "openai", "f2", "c3", 700, 60),
  seed("owner", "error", "m-three", "anthropic", null, "c2", 20, 120),
];
const BASE = Date.now() - 24 * 3600_000;
const at = (ago: number) => new Date(BASE - ago * 60_000).toISOString();

let a: TestAccount;
let b: TestAccount;
let keyA: string;
let keyB: string;
let viewer: TestUser;
let student: TestUser;
let student2: TestUser;
let ids: string[];
let bIds: string[];

async function ingest(key: string, items: unknown[]): Promise<string[]> {
  const res = await fetch(`${fns.url}/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(items),
  });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBe(201);
  return json.data.map((d: { interaction_id: string }) => d.interaction_id);
}

function item(s: Seed, n: number) {
  const users = { owner: a.owner.id, student: student.id, student2: student2.id };
  return {
    request: { prompt: `question ${n}` },
    response: { text: `answer ${n}` },
    latency_ms: s.latency,
    model_name: s.model,
    provider: s.provider,
    status: s.status,
    user_id: s.user ? users[s.user] : null,
    timestamp: at(s.ago),
    conversation_id: s.conversation,
    properties: s.feature ? { feature: s.feature } : {},
  };
}

async function get(
  credential: string | null,
  params: Record<string, string> | string = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; json: LooseObject; headers: Headers }> {
  const qs = typeof params === "string" ? params : new URLSearchParams(params).toString();
  const res = await fetch(`${fns.url}/interactions${qs ? `?${qs}` : ""}`, {
    headers: { ...(credential ? { authorization: `Bearer ${credential}` } : {}), ...headers },
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

/** Ids of SEEDS matching `pred`, newest first (as the endpoint orders them). */
function expected(pred: (s: Seed) => boolean): string[] {
  return SEEDS.map((s, i) => ({ s, id: ids[i] })).filter(({ s }) => pred(s)).sort((x, y) => x.s.ago - y.s.ago)
    .map(({ id }) => id);
}

beforeAll(async () => {
  sql = adminSql();
  fns = await startFunctions();
  a = await createAccount(sql);
  b = await createAccount(sql);
  keyA = (await createApiKey(sql, a)).key;
  keyB = (await createApiKey(sql, b)).key;
  viewer = await addMember(sql, a, "viewer");
  student = await addMember(sql, a, "student");
  student2 = await addMember(sql, a, "student");
  ids = await ingest(keyA, SEEDS.map(item));
  bIds = await ingest(keyB, [{ request: { p: 1 }, model_name: "m-one", provider: "openai", timestamp: at(1) }]);
});

afterAll(async () => {
  await fns?.stop();
  await sql?.end();
});

describe("GET /interactions: filters", () => {
  it("answers the account's rows newest first, in the list shape, without next_cursor in the rows", async () => {
    const { status, json, headers } = await get(a.owner.jwt);
    expect(status).toBe(200);
    expect(headers.get("access-control-allow-origin")).toBe("*");
    expect(json.object).toBe("list");
    expect(json.next_cursor).toBeNull();
    expect(json.data.map((r: LooseObject) => r.id)).toEqual(expected(() => true));
    const first = json.data[0];
    expect(first).toMatchObject({
      id: ids[0],
      account_id: a.id,
      user_id: a.owner.id,
      status: "success",
      model_name: "m-one",
      provider: "openai",
      latency_ms: 100,
      conversation_id: "c1",
      request: { prompt: "question 0" },
      response: { text: "answer 0" },
    });
    expect(first).not.toHaveProperty("next_cursor");
    expect(Date.parse(first.timestamp)).toBe(Date.parse(at(1)));
  });

  const cases: [string, Record<string, string>, (s: Seed) => boolean][] = [
    ["status", { status: "error" }, (s) => s.status === "error"],
    ["model", { model: "m-one" }, (s) => s.model === "m-one"],
    ["provider", { provider: "anthropic" }, (s) => s.provider === "anthropic"],
    ["feature", { feature: "f1" }, (s) => s.feature === "f1"],
    ["conversation_id", { conversation_id: "c1" }, (s) => s.conversation === "c1"],
    ["min_latency_ms", { min_latency_ms: "500" }, (s) => s.latency >= 500],
    ["from (inclusive)", { from: at(60) }, (s) => s.ago <= 60],
    ["to (exclusive)", { to: at(3) }, (s) => s.ago > 3],
    ["from and to", { from: at(60), to: at(2) }, (s) => s.ago <= 60 && s.ago > 2],
    [
      "several at once",
      { model: "m-one", provider: "openai", status: "success" },
      (s) => s.model === "m-one" && s.provider === "openai" && s.status === "success",
    ],
  ];
  for (const [name, params, pred] of cases) {
    it(`filters by ${name}`, async () => {
      const want = expected(pred);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(SEEDS.length);
      const { status, json } = await get(a.owner.jwt, params);
      expect(status).toBe(200);
      expect(json.data.map((r: LooseObject) => r.id)).toEqual(want);
    });
  }

  it("filters by user_id (any case of the uuid)", async () => {
    const { json } = await get(a.owner.jwt, { user_id: student.id.toUpperCase() });
    expect(json.data.map((r: LooseObject) => r.id)).toEqual(expected((s) => s.user === "student"));
  });

  it("takes a date-only bound as midnight UTC", async () => {
    const day = new Date(BASE).toISOString().slice(0, 10);
    const { json } = await get(a.owner.jwt, { from: "2000-01-01", to: day });
    expect(json.data.map((r: LooseObject) => r.id)).toEqual(expected((s) => Date.parse(at(s.ago)) < Date.parse(day)));
  });
});

describe("GET /interactions: pagination", () => {
  it("pages with next_cursor, stable while rows are inserted concurrently: no duplicates, none missed", async () => {
    const acct = await createAccount(sql);
    const key = (await createApiKey(sql, acct)).key;
    // 23 rows, several sharing a timestamp across page boundaries (ties are ordered by id).
    const items = Array.from({ length: 23 }, (_, n) => ({
      request: { n },
      model_name: "m-page",
      timestamp: at(10 + Math.floor(n / 3)),
    }));
    const seeded = new Set(await ingest(key, items));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const params: Record<string, string> = { limit: "5", model: "m-page", ...(cursor ? { cursor } : {}) };
      const [{ status, json }] = await Promise.all([
        get(acct.owner.jwt, params),
        // Newer rows arrive while paging: they belong before page one and never shift a later page.
        ingest(key, [{ request: { late: pages }, model_name: "m-page" }]),
      ]);
      expect(status).toBe(200);
      seen.push(...json.data.map((r: LooseObject) => r.id));
      cursor = json.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    const fromSeed = seen.filter((id) => seeded.has(id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(fromSeed)).toEqual(seeded);
    expect(pages).toBe(5);
    // Newest first across pages: compare with the order the database gives the whole set.
    const all = await sql`
      select id from public.ai_interactions where account_id = ${acct.id} and id = any(${seen}::uuid[])
       order by "timestamp" desc, id desc`;
    expect(seen).toEqual(all.map((r) => r.id));
  });

  it("limit: 50 by default, up to 500, next_cursor only when the page is full", async () => {
    const acct = await createAccount(sql);
    const key = (await createApiKey(sql, acct)).key;
    const items = Array.from({ length: 60 }, (_, n) => ({ request: { n }, model_name: "m-limit", timestamp: at(n) }));
    await ingest(key, items);
    const byDefault = await get(acct.owner.jwt);
    expect(byDefault.json.data).toHaveLength(50);
    expect(byDefault.json.next_cursor).toMatch(/^\d+\.[0-9a-f-]{36}$/);
    const rest = await get(acct.owner.jwt, { cursor: byDefault.json.next_cursor });
    expect(rest.json.data).toHaveLength(10);
    expect(rest.json.next_cursor).toBeNull();
    const max = await get(acct.owner.jwt, { limit: "500" });
    expect(max.status).toBe(200);
    expect(max.json.data).toHaveLength(60);
    expect(max.json.next_cursor).toBeNull();
    const one = await get(acct.owner.jwt, { limit: "1" });
    expect(one.json.data).toHaveLength(1);
    expect(one.json.next_cursor).not.toBeNull();
    for (const limit of ["0", "501", "-1", "1.5", "abc", "", "1e2"]) {
      const { status, json } = await get(acct.owner.jwt, { limit });
      expect(status, `limit=${limit}`).toBe(400);
      expect(json.error).toMatchObject({ type: "invalid_request_error", param: "limit" });
    }
  });
});

describe("GET /interactions: who sees what", () => {
  it("a viewer (view_history) reads the whole account", async () => {
    const { status, json } = await get(viewer.jwt);
    expect(status).toBe(200);
    expect(json.data.map((r: LooseObject) => r.id)).toEqual(expected(() => true));
  });

  it("a student (use_agents, no view_history) reads only their own rows, as supabase-js would", async () => {
    const { status, json } = await get(student.jwt);
    expect(status).toBe(200);
    const own = expected((s) => s.user === "student");
    expect(json.data.map((r: LooseObject) => r.id)).toEqual(own);
    const rpc = await asRole(sql, as(student), (tx) =>
      tx`
      select id from public.get_ai_interactions(account_id => ${a.id}::uuid)`);
    expect(rpc.map((r) => r.id)).toEqual(own);
    const others = await get(student.jwt, { user_id: student2.id });
    expect(others.json.data).toEqual([]);
  });

  it("decrypts an encrypting account's bodies for history readers only, as the RPC does", async () => {
    const acct = await createAccount(sql);
    const learner = await addMember(sql, acct, "student");
    await encryptPayloads(sql, acct);
    const key = (await createApiKey(sql, acct)).key;
    const [id] = await ingest(key, [{ request: { prompt: "secret plan" }, model_name: "m-enc", user_id: learner.id }]);
    const [stored] = await sql`select request from public.ai_interactions where id = ${id}`;
    expect(stored.request).toHaveProperty("$encrypted");
    const owner = await get(acct.owner.jwt);
    expect(owner.json.data.map((r: LooseObject) => r.request)).toEqual([{ prompt: "secret plan" }]);
    const own = await get(learner.jwt);
    expect(own.json.data.map((r: LooseObject) => r.id)).toEqual([id]);
    expect(own.json.data[0].request).toEqual(stored.request);
  });

  it("never shows another account's rows", async () => {
    const mine = await get(b.owner.jwt);
    expect(mine.json.data.map((r: LooseObject) => r.id)).toEqual(bIds);
    const seen = (await get(a.owner.jwt, { limit: "500" })).json.data.map((r: LooseObject) => r.id);
    expect(seen).not.toContain(bIds[0]);
    const spoofed = await get(b.owner.jwt, {}, { "x-account-id": a.id });
    expect(spoofed.status).toBe(403);
    expect(spoofed.json.error).toMatchObject({ type: "permission_error", code: "not_a_member" });
  });

  it("a user of several accounts picks one with x-account-slug or x-account-id, else 400", async () => {
    const both = await addMember(sql, b, "viewer", await addMember(sql, a, "viewer"));
    const unchosen = await get(both.jwt);
    expect(unchosen.status).toBe(400);
    expect(unchosen.json.error.code).toBe("account_required");
    const inB = await get(both.jwt, {}, { "x-account-slug": b.slug });
    expect(inB.json.data.map((r: LooseObject) => r.id)).toEqual(bIds);
    const inA = await get(both.jwt, {}, { "x-account-id": a.id });
    expect(inA.json.data.map((r: LooseObject) => r.id)).toEqual(expected(() => true));
  });
});

describe("GET /interactions: refusals", () => {
  it("401 without credentials, with a bad token, and for an account API key", async () => {
    const none = await get(null);
    expect(none.status).toBe(401);
    expect(none.json.error).toMatchObject({ type: "authentication_error", code: "missing_api_key" });
    const bad = await get("not-a-jwt.at.all");
    expect(bad.status).toBe(401);
    expect(bad.json.error.type).toBe("authentication_error");
    const key = await get(keyA);
    expect(key.status).toBe(401);
    expect(key.json.error).toMatchObject({ type: "authentication_error", code: "user_jwt_required" });
  });

  const bad: [string, string, string][] = [
    ["user_id=not-a-uuid", "user_id", "must be a user id"],
    ["status=ok", "status", "success, error or partial"],
    ["from=yesterday", "from", "ISO 8601"],
    ["to=2026-13-01", "to", "ISO 8601"],
    ["from=2026-11-02T00:00:00", "from", "ISO 8601"],
    ["from=2026-11-02&to=2026-11-01", "from", "after 'to'"],
    ["min_latency_ms=-5", "min_latency_ms", "whole number"],
    ["cursor=abc", "cursor", "next_cursor"],
    ["cursor=123.00000000-0000-0000-0000-00000000000G", "cursor", "next_cursor"],
    ["model=", "model", "empty"],
    ["model_name=x", "model_name", "Unknown query parameter"],
    ["status=error&status=success", "status", "more than once"],
  ];
  for (const [qs, param, message] of bad) {
    it(`400 for ${qs}`, async () => {
      const { status, json } = await get(a.owner.jwt, qs);
      expect(status).toBe(400);
      expect(json.error).toMatchObject({ type: "invalid_request_error", param });
      expect(json.error.message).toContain(message);
    });
  }

  it("405 for other methods; CORS preflight answered", async () => {
    const post = await fetch(`${fns.url}/interactions`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.owner.jwt}` },
    });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET");
    const pre = await fetch(`${fns.url}/interactions`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-headers": "authorization, x-account-id" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-headers")).toContain("x-account-id");
  });
});
