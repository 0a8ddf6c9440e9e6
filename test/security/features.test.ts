// Hostile input to the AI feature endpoints: NUL bytes, huge and deeply nested values, another
// tenant's ids, feature headers on llm-proxy. Each is a clear 4xx, logged, with nothing half-written.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pickVariant, questionHash } from "../../functions/_shared/features/mentor.ts";
import { deepJsonText } from "../helpers/fake-provider.ts";
import { createAccount } from "../helpers/fixtures.ts";
import { ledgerRow } from "../helpers/ledger-row.ts";
import { PROVIDER_KEYS, startWithStudent, stopStack, type StudentStack } from "../helpers/stack.ts";

let { sql, fake, fns, student } = {} as StudentStack;

beforeAll(async () => {
  ({ sql, fake, fns, student } = await startWithStudent({ OPENROUTER_API_KEY: PROVIDER_KEYS.OPENROUTER_API_KEY }));
});

afterAll(() => stopStack({ sql, fake, fns }));

beforeEach(() => fake.reset());

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${fns.url}/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${student.jwt}`, "content-type": "application/json", ...headers },
    body,
  });
}

/** The status, error code and ledger row of a refused call; the provider was never called. */
async function refused(res: Response) {
  const body = await res.json();
  const id = res.headers.get("x-request-id")!;
  const row = await ledgerRow(sql, id, { columns: sql`r.completion_status, r.http_status, r.error_code` });
  expect(fake.requests).toHaveLength(0);
  const rows = await sql`
    select (select count(*)::int from public.ai_mentor_chats where llm_request_id = ${id})
         + (select count(*)::int from public.guru_interactions where llm_request_id = ${id})
         + (select count(*)::int from public.employee_twin_interactions where llm_request_id = ${id}) as n`;
  expect(rows[0].n, "no feature row").toBe(0);
  return { status: res.status, code: body.error?.code, row };
}

describe("feature endpoints refuse hostile input, logged, with no feature row", () => {
  it("a NUL byte in the question", async () => {
    const r = await refused(await post("mentor", JSON.stringify({ question: "hi\u0000there" })));
    expect(r).toMatchObject({
      status: 400,
      code: "invalid_characters",
      row: { completion_status: "error", http_status: 400 },
    });
  });

  it("a 3 KB conversation id", async () => {
    const r = await refused(await post("mentor", JSON.stringify({ question: "q", conversation_id: "c".repeat(3000) })));
    expect(r).toMatchObject({ status: 400, row: { http_status: 400 } });
  });

  it("a question over the size limit", async () => {
    const r = await refused(await post("mentor", JSON.stringify({ question: "word ".repeat(5000) })));
    expect(r).toMatchObject({ status: 413, code: "text_too_long" });
  });

  it("10,000-deep JSON as guru input", async () => {
    const r = await refused(await post("guru/tech_guru", `{"input":${deepJsonText(10_000)}}`));
    expect(r).toMatchObject({ status: 400, code: "json_too_deep", row: { http_status: 400 } });
  });

  it("an agent type that is not a slug (path injection, 3 KB)", async () => {
    const r = await refused(await post(`guru/${"A".repeat(3000)}`, JSON.stringify({ input: {} })));
    expect(r).toMatchObject({ status: 400, code: "invalid_agent_type" });
    const dots = await refused(await post("guru/..%2Fmentor", JSON.stringify({ input: {} })));
    expect(dots.status).toBe(400);
  });

  it("another tenant's topic", async () => {
    const other = await createAccount(sql);
    const [course] = await sql`insert into public.courses (account_id, title) values (${other.id}, 'X') returning id`;
    const [topic] =
      await sql`insert into public.module_topics (account_id, course_id, title) values (${other.id}, ${course.id}, 'T')
                              returning id`;
    const r = await refused(await post("mentor", JSON.stringify({ question: "q", topic_id: topic.id })));
    expect(r).toMatchObject({ status: 400, code: "unknown_topic" });
  });

  it("twin roles that are not slugs and a context that is not an object", async () => {
    const role = await refused(
      await post("twin", JSON.stringify({ twin_role: "Robert'); drop table", interaction_type: "tip" })),
    );
    expect(role.status).toBe(400);
    const ctx = await refused(
      await post("twin", JSON.stringify({ twin_role: "a", interaction_type: "b", context: [1, 2] })),
    );
    expect(ctx.status).toBe(400);
  });

  it("x-feature-context too large, too deep or with another tenant's ids in the wrong shape", async () => {
    const call = (ctx: string) =>
      fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${student.jwt}`,
          "content-type": "application/json",
          "x-feature": "mentor",
          "x-feature-context": ctx,
        },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "q" }] }),
      });
    for (const ctx of ["x".repeat(5000), deepJsonText(100), '{"course_id":"not-a-uuid"}', "[]"]) {
      const r = await refused(await call(ctx));
      expect(r, ctx.slice(0, 30)).toMatchObject({ status: 400, code: "invalid_feature_context" });
    }
  });
});

describe("question hashing and variant picking are pure and stable", () => {
  it("hashes case, whitespace and punctuation variants equally, and different questions differently", () => {
    const same = ["What is RLS?", "what is rls", "  WHAT   is\tRLS ?!", "What is RLS\u3002"];
    expect(new Set(same.map(questionHash)).size).toBe(1);
    expect(questionHash("What is RLS?")).not.toBe(questionHash("What is SQL?"));
    expect(questionHash("What is RLS?")).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a hostile 1 MiB question hashes quickly", () => {
    const started = performance.now();
    questionHash("?!. ".repeat(256 * 1024));
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("picks by weight, sticks to the last live variant, ignores zero weights", () => {
    const variants = [{ id: "a", system_prompt: "A", weight: 1 }, { id: "b", system_prompt: "B", weight: 3 }, {
      id: "c",
      system_prompt: "C",
      weight: 0,
    }];
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 4000; i++) counts[pickVariant(variants, "acct", `student-${i}`, null)!.id]++;
    expect(counts.c).toBe(0);
    expect(Math.abs(counts.b - 3000)).toBeLessThan(150);
    expect(pickVariant(variants, "acct", "s", "a")!.id).toBe("a");
    expect(pickVariant(variants, "acct", "s", "c")!.id).toBe(pickVariant(variants, "acct", "s", null)!.id);
    expect(pickVariant([], "acct", "s", null)).toBeNull();
  });
});
