// A feature answer waits for its rows, but only so long: with the rows' insert blocked (a lock
// stands in for a slow database), the answer still comes after AI_FEATURES_LOG_WAIT_MS, and the
// rows land once the insert can proceed.
import { afterAll, beforeAll, expect, it } from "vitest";
import { answerText } from "../helpers/fake-provider.ts";
import { holdLock, waitFor } from "../helpers/fixtures.ts";
import { PROVIDER_KEYS, startWithStudent, stopStack, type StudentStack } from "../helpers/stack.ts";

let { sql, fake, fns, student } = {} as StudentStack;

beforeAll(async () => {
  ({ sql, fake, fns, student } = await startWithStudent({
    OPENROUTER_API_KEY: PROVIDER_KEYS.OPENROUTER_API_KEY,
    AI_FEATURES_LOG_WAIT_MS: "400",
  }));
});

afterAll(() => stopStack({ sql, fake, fns }));

it("answers after the wait while the rows cannot be written, and the rows land afterwards", async () => {
  // Share mode lets the mentor read its configuration but blocks the insert of its row.
  const lock = await holdLock(sql, (tx) => tx`lock table public.ai_mentor_chats in share mode`);
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
    await lock.release();
  }
  const row = await waitFor(
    async () => (await sql`select llm_request_id from public.ai_mentor_chats where id = ${body!.id}`)[0],
    {
      what: "the mentor chat row",
    },
  );
  expect(row).toEqual({ llm_request_id: body!.request_id });
});
