// Attacks on GET /functions/v1/interactions: hostile filter values (3 KB strings, NUL, SQL-ish and
// wildcard strings, oversized parameter names and cursors) and other tenants' ids. Every answer is in
// OpenAI's error shape or an honest empty list, never a 500, and never another account's row.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount, createApiKey, type TestAccount } from "../helpers/fixtures.ts";
import { adminSql, startFunctions, type TestFunctions } from "../helpers/stack.ts";
import type { LooseObject } from "../../functions/_shared/runtime/loose-object.ts";

let sql: postgres.Sql;
let fns: TestFunctions;
let a: TestAccount;
let b: TestAccount;
let aIds: string[];
let bIds: string[];

const KB3 = "x".repeat(3 * 1024);

async function ingest(account: TestAccount, items: unknown[]): Promise<string[]> {
  const { key } = await createApiKey(sql, account);
  const res = await fetch(`${fns.url}/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(items),
  });
  expect(res.status).toBe(201);
  return (await res.json()).data.map((d: { interaction_id: string }) => d.interaction_id);
}

async function get(
  account: TestAccount,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: LooseObject; text: string }> {
  const res = await fetch(`${fns.url}/interactions?${new URLSearchParams(params)}`, {
    headers: { authorization: `Bearer ${account.owner.jwt}`, ...headers },
  });
  const text = await res.text();
  return { status: res.status, json: JSON.parse(text), text };
}

function expectBadRequest(r: { status: number; json: LooseObject; text: string }, param: string): void {
  expect(r.status).toBe(400);
  expect(r.json.error).toMatchObject({ type: "invalid_request_error", param });
  // The hostile value is named, not echoed back.
  expect(r.text.length).toBeLessThan(1024);
}

beforeAll(async () => {
  sql = adminSql();
  fns = await startFunctions();
  a = await createAccount(sql);
  b = await createAccount(sql);
  const call = {
    request: { q: 1 },
    model_name: "m-one",
    provider: "openai",
    conversation_id: "c1",
    properties: { feature: "f1" },
  };
  aIds = await ingest(a, [call, call]);
  bIds = await ingest(b, [call]);
});

afterAll(async () => {
  await fns?.stop();
  await sql?.end();
});

describe("interactions: hostile filter values", () => {
  for (const param of ["model", "provider", "feature", "conversation_id"]) {
    it(`a 3 KB ${param} is a 400 naming it`, async () => {
      expectBadRequest(await get(a, { [param]: KB3 }), param);
    });

    it(`a NUL byte in ${param} is a 400, not a database error`, async () => {
      expectBadRequest(await get(a, { [param]: "m-one\u0000" }), param);
    });

    it(`SQL-ish and wildcard strings in ${param} match literally (nothing)`, async () => {
      for (const value of ["' or 1=1 --", "m-one' or '1'='1", "%", ".*", "m-%", "\\", "$1", "); drop table x; --"]) {
        const r = await get(a, { [param]: value });
        expect(r.status, value).toBe(200);
        expect(r.json.data, value).toEqual([]);
      }
    });
  }

  it("NUL, 3 KB and SQL-ish values in user_id, status, dates and cursor are 400s", async () => {
    const cases: [string, string][] = [
      ["user_id", "00000000-0000-0000-0000-000000000000\u0000"],
      ["user_id", "' or 1=1 --"],
      ["status", `success${KB3}`],
      ["status", "success\u0000"],
      ["from", "2026-01-01T00:00:00Z' or '1'='1"],
      ["to", KB3],
      ["min_latency_ms", "0 or 1=1"],
      ["min_latency_ms", "99999999999"],
      ["limit", "1; select 1"],
      ["cursor", `1.${KB3}`],
      ["cursor", `1234567890123456789.${aIds[0]}`],
      ["cursor", `1.${aIds[0]}\u0000`],
    ];
    for (const [param, value] of cases) expectBadRequest(await get(a, { [param]: value }), param);
  });

  it("a 3 KB parameter name is refused as unknown, clipped in the answer", async () => {
    expectBadRequest(await get(a, { [KB3]: "1" }), `${"x".repeat(64)}…`);
  });

  it("a far-future cursor of another account's row pages through the caller's rows only", async () => {
    const r = await get(a, { cursor: `999999999999999999.${bIds[0]}` });
    expect(r.status).toBe(200);
    expect(r.json.data.map((row: LooseObject) => row.id).sort()).toEqual([...aIds].sort());
  });
});

describe("interactions: other tenants' ids", () => {
  it("another tenant's account id in x-account-id is a 403, and its rows stay unseen", async () => {
    const r = await get(a, {}, { "x-account-id": b.id });
    expect(r.status).toBe(403);
    expect(r.json.error).toMatchObject({ type: "permission_error", code: "not_a_member" });
    expect(r.text).not.toContain(bIds[0]);
    const slug = await get(a, {}, { "x-account-slug": b.slug });
    expect(slug.status).toBe(403);
  });

  it("hostile account headers: 3 KB is a 400, SQL-ish is a 403", async () => {
    expectBadRequest(await get(a, {}, { "x-account-id": KB3 }), "x-account-id");
    expect((await get(a, {}, { "x-account-slug": "' or 1=1 --" })).status).toBe(403);
  });

  it("another tenant's user id as a filter finds nothing", async () => {
    const r = await get(a, { user_id: b.owner.id });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual([]);
  });
});
