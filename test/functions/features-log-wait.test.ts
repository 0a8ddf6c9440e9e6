// A feature answer waits for its rows, but only so long: with the rows' insert blocked (a lock
// stands in for a slow database), the answer still comes after AI_FEATURES_LOG_WAIT_MS, and the
// rows land once the insert can proceed.
import type postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { answerText, type FakeProvider, startFakeProvider } from "../helpers/fake-provider.ts";
import { addMember, createAccount, type Role, type TestUser } from "../helpers/fixtures.ts";
import { adminSql, startFunctions, type TestFunctions } from "../helpers/stack.ts";

let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;
let student: TestUser;

beforeAll(async () => {
  sql = adminSql();
  fake = await startFakeProvider();
  fns = await startFunctions({
    OPENROUTER_API_KEY: "sk-or-v1-test-openrouter-provider-key-0123456789",
    OPENROUTER_BASE_URL: fake.openaiBaseUrl,
    AI_FEATURES_LOG_WAIT_MS: "400",
  });
  const account = await createAccount(sql);
  student = await addMember(sql, account, "student" as Role);
});

afterAll(async () => {
  await fns?.stop();
  await fake?.stop();
  await sql?.end();
});

it("answers after the wait while the rows cannot be written, and the rows land afterwards", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  // Share mode lets the mentor read its configuration but blocks the insert of its row.
  const holder = sql.begin(async (tx) => {
    await tx`lock table public.ai_mentor_chats in share mode`;
    locked();
    await released;
  });
  await isLocked;
  let body: { id: string; answer: string; request_id: string };
  try {
    const started = Date.now();
    const res = await fetch(`${fns.url}/mentor`, {
      method: "POST",
      headers: { authorization: `Bearer ${student.jwt}`, "content-type": "application/json" },
      body: JSON.stringify({ question: "Still there?" }),
    });
    body = await res.json();
    expect(res.status).toBe(200);
    expect(body.answer).toBe(answerText(6));
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    const early = await sql`select 1 from public.llm_requests where id = ${body.request_id}`;
    expect(early, "not stored while the insert is blocked").toHaveLength(0);
  } finally {
    release();
    await holder;
  }
  let rows: postgres.Row[] = [];
  for (let i = 0; i < 200 && rows.length === 0; i++) {
    rows = await sql`select llm_request_id from public.ai_mentor_chats where id = ${body!.id}`;
    if (rows.length === 0) await new Promise((r) => setTimeout(r, 25));
  }
  expect(rows).toEqual([{ llm_request_id: body!.request_id }]);
});
