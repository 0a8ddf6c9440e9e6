// End to end: the AI features (mentor, guru, twin, and llm-proxy with x-feature) with real user JWTs
// -> functions server -> fake provider; the feature rows are read back next to their ledger rows.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signJwt } from "../../scripts/lib/keys.ts";
import { questionHash } from "../../functions/_shared/features/mentor.ts";
import type { FeatureTable } from "../../functions/_shared/ledger/writer.ts";
import { answerText } from "../helpers/fake-provider.ts";
import {
  addMember,
  as,
  asRole,
  createAccount,
  createApiKey,
  createUser,
  type TestAccount,
  type TestUser,
  type Tx,
} from "../helpers/fixtures.ts";
import { ledgerRow } from "../helpers/ledger-row.ts";
import { PROVIDER_KEYS, proxyClient, startWithStudent, stopStack, type StudentStack } from "../helpers/stack.ts";

let { sql, fake, fns, account, student } = {} as StudentStack;

beforeAll(async () => {
  ({ sql, fake, fns, account, student } = await startWithStudent((fake) => ({
    OPENROUTER_API_KEY: PROVIDER_KEYS.OPENROUTER_API_KEY,
    OPENAI_BASE_URL: fake.openaiBaseUrl,
  })));
});

afterAll(() => stopStack({ sql, fake, fns }));

beforeEach(() => fake.reset());

function post(path: string, jwt: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${fns.url}/${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

/** The ledger row of a call, with its cost as exact text (refusals are logged after the response). */
const ledger = (requestId: string) =>
  ledgerRow(sql, requestId, {
    columns: sql`r.*, r.computed_cost::text as cost,
                 (select count(*)::int from public.ai_interactions n where n.llm_request_id = r.id) as interactions`,
  });

/**
 * The feature row a call answered with (its cost as text), the call's ledger row, and what a guru or twin row
 * copies from that ledger row (`fromLedger`).
 */
async function stored(table: FeatureTable, answer: { id: string; request_id: string }) {
  const [row] = await sql`select *, cost_usd::text as cost from ${sql("public." + table)} where id = ${answer.id}`;
  const call = await ledger(answer.request_id);
  const fromLedger = {
    llm_request_id: answer.request_id,
    model_used: call.model,
    tokens_used: call.total_tokens,
    latency_ms: call.latency_ms,
  };
  return { row, call, fromLedger };
}

/** `fn` as `user` would run it through PostgREST, committed (the feature rows are read back). */
const committedAs = <T>(user: { id: string }, fn: (tx: Tx) => Promise<T>) =>
  asRole(sql, as(user.id), fn, { commit: true });

/** SSE text of a streamed answer: the content deltas joined. */
function streamedText(sse: string): string {
  return sse.split("\n").filter((l) => l.startsWith("data: {")).map((l) => JSON.parse(l.slice(6)))
    .map((c) => c.choices?.[0]?.delta?.content ?? "").join("");
}

describe("mentor", () => {
  it("answers; the chat row is stored with the call, with the ledger's model, tokens, cost and latency", async () => {
    const res = await post("mentor", student.jwt, { question: "What is row level security?" });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ answer: answerText(6), prompt_variant_id: null });
    expect(body.conversation_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-request-id")).toBe(body.request_id);
    // Stored before the answer was sent: readable at once.
    const { row: chat, call } = await stored("ai_mentor_chats", body);
    expect(chat).toMatchObject({
      account_id: account.id,
      user_id: student.id,
      question: "What is row level security?",
      response: answerText(6),
      llm_request_id: body.request_id,
      conversation_id: body.conversation_id,
      model: call.model,
      tokens_used: call.total_tokens,
      response_time_ms: call.latency_ms,
      question_hash: questionHash("What is row level security?"),
    });
    expect(call.cost).not.toBeNull();
    expect(chat.cost).toBe(call.cost);
    expect(call).toMatchObject({
      user_id: student.id,
      completion_status: "complete",
      interactions: 1,
      conversation_id: body.conversation_id,
    });
    expect(call.properties).toMatchObject({ feature: "mentor" });
    expect(fake.requests[0].body.model).toBe("openai/gpt-4o-mini");
  });

  it("streams the answer as OpenAI SSE with the ids in headers; the row exists when the stream ends", async () => {
    const res = await post("mentor", student.jwt, { question: "Explain joins", stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const chatId = res.headers.get("x-mentor-chat-id")!;
    expect(res.headers.get("access-control-expose-headers")).toContain("x-mentor-chat-id");
    const sse = await res.text();
    expect(sse).toContain("data: [DONE]");
    expect(streamedText(sse)).toBe(answerText(6));
    const [chat] = await sql`select * from public.ai_mentor_chats where id = ${chatId}`;
    expect(chat).toMatchObject({ response: answerText(6), llm_request_id: res.headers.get("x-request-id") });
    expect((await ledger(chat.llm_request_id)).is_stream).toBe(true);
  });

  it("sends earlier turns of the conversation as context and stores them", async () => {
    const first = await (await post("mentor", student.jwt, { question: "First question" })).json();
    fake.reset();
    const second =
      await (await post("mentor", student.jwt, { question: "Follow-up", conversation_id: first.conversation_id }))
        .json();
    expect(second.conversation_id).toBe(first.conversation_id);
    const sent = fake.requests[0].body.messages;
    expect(sent.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant", "user"]);
    expect(sent[1].content).toBe("First question");
    expect(sent[2].content).toBe(answerText(6));
    const [chat] = await sql`select conversation_context from public.ai_mentor_chats where id = ${second.id}`;
    expect(chat.conversation_context).toEqual([{ question: "First question", response: answerText(6) }]);
  });

  it("drops the oldest turns beyond the token budget", async () => {
    await sql`insert into public.mentor_settings (account_id, context_tokens) values (${account.id}, 20)
              on conflict (account_id) do update set context_tokens = 20`;
    try {
      const conv = `budget-${crypto.randomUUID()}`;
      for (const q of ["one", "two", "three"]) {
        await post("mentor", student.jwt, { question: q, conversation_id: conv });
      }
      fake.reset();
      await post("mentor", student.jwt, { question: "four", conversation_id: conv });
      const users = fake.requests[0].body.messages.filter((m: { role: string }) => m.role === "user").map((
        m: { content: string },
      ) => m.content);
      expect(users).toEqual(["three", "four"]);
    } finally {
      await sql`delete from public.mentor_settings where account_id = ${account.id}`;
    }
  });

  it("hashes the same question equally (case, spaces, punctuation); repeated questions view", async () => {
    const [course] =
      await sql`insert into public.courses (account_id, title) values (${account.id}, 'SQL') returning id`;
    const a = await (await post("mentor", student.jwt, { question: "What is an index?", course_id: course.id })).json();
    const b = await (await post("mentor", student.jwt, { question: "  what IS an   index ", course_id: course.id }))
      .json();
    const c = await (await post("mentor", student.jwt, { question: "What is a view?", course_id: course.id })).json();
    const rows =
      await sql`select id, question_hash from public.ai_mentor_chats where id in (${a.id}, ${b.id}, ${c.id})`;
    const hash = Object.fromEntries(rows.map((r) => [r.id, r.question_hash]));
    expect(hash[a.id]).toBe(hash[b.id]);
    expect(hash[a.id]).not.toBe(hash[c.id]);
    const repeated = await asRole(sql, as(account.owner.id), (tx) =>
      tx`
      select question_hash, times_asked, latest_question from public.mentor_repeated_questions
       where course_id = ${course.id} order by times_asked desc`, { commit: true });
    expect(repeated[0]).toMatchObject({
      question_hash: hash[a.id],
      times_asked: 2,
      latest_question: "  what IS an   index ",
    });
    expect(repeated[1]).toMatchObject({ times_asked: 1 });
  });

  it("refuses a course of another account (404) and logs the refusal", async () => {
    const other = await createAccount(sql);
    const [course] =
      await sql`insert into public.courses (account_id, title) values (${other.id}, 'Theirs') returning id`;
    const res = await post("mentor", student.jwt, { question: "Q", course_id: course.id });
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe("unknown_course");
    const call = await ledger(res.headers.get("x-request-id")!);
    expect(call).toMatchObject({ completion_status: "error", http_status: 404, error_code: "unknown_course" });
    expect(fake.requests).toHaveLength(0);
  });

  it("a failed provider call has no chat row (response is NOT NULL) but its ledger row", async () => {
    const before =
      (await sql`select count(*)::int as n from public.ai_mentor_chats where user_id = ${student.id}`)[0].n;
    const res = await post("mentor", student.jwt, { question: "scenario:server_error" });
    expect(res.status).toBeGreaterThanOrEqual(500);
    const call = await ledger(res.headers.get("x-request-id")!);
    expect(call).toMatchObject({ completion_status: "error", http_status: res.status });
    const after = (await sql`select count(*)::int as n from public.ai_mentor_chats where user_id = ${student.id}`)[0].n;
    expect(after).toBe(before);
  });
});

describe("what is stored of a feature call", () => {
  it("a stream cut short stores the partial answer, linked to its partial ledger row", async () => {
    const res = await post("mentor", student.jwt, { question: "scenario:cut cut:3", stream: true });
    const chatId = res.headers.get("x-mentor-chat-id")!;
    await res.text().catch(() => "");
    const [chat] = await waitFor(() =>
      sql`select response, llm_request_id from public.ai_mentor_chats where id = ${chatId}`
    );
    expect(chat.response).toBe(answerText(3));
    expect((await ledger(chat.llm_request_id)).completion_status).toBe("partial");
  });

  it("redacts secrets in the stored question and answer, and stores none when the account logs no bodies", async () => {
    const secret = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCD";
    const said = await (await post("mentor", student.jwt, { question: `My key is ${secret}, is that ok?` })).json();
    const [chat] = await sql`select question, question_hash from public.ai_mentor_chats where id = ${said.id}`;
    expect(chat.question).not.toContain(secret);
    expect(chat.question).toContain("[REDACTED_SECRET]");

    const quiet = await createAccount(sql);
    const employee = await addMember(sql, quiet, "member");
    await sql`update public.account_settings set log_request_bodies = false, log_response_bodies = false
               where account_id = ${quiet.id}`;
    const twin = await (await post("twin", employee.jwt, {
      twin_role: "analyst",
      interaction_type: "tip",
      prompt: "secret plans",
      context: { plan: "secret" },
    })).json();
    expect(twin.response).toBe(answerText(6));
    const [row] =
      await sql`select prompt, response, context from public.employee_twin_interactions where id = ${twin.id}`;
    expect(row).toEqual({ prompt: "", response: "", context: { omitted: true } });
  });

  it("a call that cannot be priced has a null cost in its feature row, never 0", async () => {
    const acct = await createAccount(sql);
    const learner = await addMember(sql, acct, "student");
    await sql`insert into public.mentor_settings (account_id, model)
              values (${acct.id}, 'openai/no-such-model-in-any-catalog')`;
    const body = await (await post("mentor", learner.jwt, { question: "Priced?" })).json();
    const [chat] = await sql`select cost_usd, tokens_used from public.ai_mentor_chats where id = ${body.id}`;
    expect((await ledger(body.request_id)).cost).toBeNull();
    expect(chat).toEqual({ cost_usd: null, tokens_used: 27 });
  });
});

describe("mentor A/B variants", () => {
  it("splits students by weight within tolerance, sticks to a student's variant, and reports per variant", async () => {
    const acct = await createAccount(sql);
    const [a] = await sql`insert into public.ai_prompt_variants (account_id, name, system_prompt, weight)
                          values (${acct.id}, 'A', 'Prompt A', 3) returning id`;
    const [b] = await sql`insert into public.ai_prompt_variants (account_id, name, system_prompt, weight)
                          values (${acct.id}, 'B', 'Prompt B', 1) returning id`;
    const students = 240;
    const ids = Array.from({ length: students }, () => crypto.randomUUID());
    await sql`insert into auth.users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data,
                                      created_at, updated_at)
              select id, 'authenticated', 'authenticated', id::text || '@example.test', '{}', '{}', now(), now()
                from unnest(${ids}::uuid[]) id`;
    await sql`insert into public.user_roles (user_id, account_id, role_id)
              select id, ${acct.id}, (select r.id from public.roles r where r.name = 'student')
                from unnest(${ids}::uuid[]) id`;
    const got = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 12) {
      await Promise.all(
        ids.slice(i, i + 12).map(async (id) => {
          const jwt = await signJwt({ sub: id, role: "authenticated", aud: "authenticated" });
          const body = await (await post("mentor", jwt, { question: "Hi" })).json();
          got.set(id, body.prompt_variant_id);
        }),
      );
    }
    const onA = [...got.values()].filter((v) => v === a.id).length;
    const onB = [...got.values()].filter((v) => v === b.id).length;
    expect(onA + onB).toBe(students);
    // Expected 180 / 60; the binomial standard deviation is 6.7: 4 of them either way.
    expect(Math.abs(onA - 180)).toBeLessThanOrEqual(27);

    // Sticky: the same student keeps their variant, even after the weights change.
    const sticky = ids[0];
    const jwt = await signJwt({ sub: sticky, role: "authenticated", aud: "authenticated" });
    await sql`update public.ai_prompt_variants set weight = case when id = ${got.get(sticky)!} then 1 else 1000 end
               where account_id = ${acct.id}`;
    fake.reset();
    for (let i = 0; i < 3; i++) {
      const body = await (await post("mentor", jwt, { question: `Again ${i}` })).json();
      expect(body.prompt_variant_id).toBe(got.get(sticky));
    }
    expect(fake.requests[0].body.messages[0].content).toBe(got.get(sticky) === a.id ? "Prompt A" : "Prompt B");

    const stats = await sql`select prompt_variant_id, variant_name, chats, escalation_rate, p50_latency_ms
                              from public.mentor_variant_stats where account_id = ${acct.id} order by variant_name`;
    const extra = (v: string) => (got.get(sticky) === v ? 3 : 0);
    expect(stats.map((s) => [s.variant_name, s.chats])).toEqual([["A", onA + extra(a.id)], ["B", onB + extra(b.id)]]);
    expect(Number(stats[0].escalation_rate)).toBe(0);
    expect(stats[0].p50_latency_ms).not.toBeNull();
  });
});

describe("mentor rating, escalation and review", () => {
  it("the database stamps rated_at; a forged rated_at is refused; a low rating flags the chat", async () => {
    const chat = await (await post("mentor", student.jwt, { question: "Rate me" })).json();
    const forged = await committedAs(
      student,
      (tx) => tx`update public.ai_mentor_chats set student_rating = 5, rated_at = '2000-01-01' where id = ${chat.id}`,
    )
      .then(() => "ok", (e) => e.code);
    expect(forged).toBe("42501");
    const [{ now }] = await sql`select now()`;
    const [rated] = await asRole(
      sql,
      as(student.id),
      (tx) =>
        tx`update public.ai_mentor_chats set student_rating = 2, student_feedback = 'unclear' where id = ${chat.id}
         returning rated_at, flagged_for_review`,
      { commit: true },
    );
    expect(rated.flagged_for_review).toBe(true);
    expect(new Date(rated.rated_at).getTime()).toBeGreaterThanOrEqual(new Date(now).getTime() - 1000);
    expect(new Date(rated.rated_at).getFullYear()).toBeGreaterThan(2000);
  });

  it("escalation -> notification -> review queue -> resolution", async () => {
    const trainer = await addMember(sql, account, "trainer");
    const classmate = await addMember(sql, account, "student");
    const chat = await (await post("mentor", student.jwt, { question: "I am stuck" })).json();
    const heard: { chat_id: string; account_id: string }[] = [];
    const listener = await sql.listen("ai_mentor_escalations", (payload) => heard.push(JSON.parse(payload)));
    try {
      const [escalated] = await committedAs(
        student,
        (tx) => tx`select * from public.escalate_mentor_chat(${chat.id}, 'The answer did not help')`,
      );
      expect(escalated).toMatchObject({
        escalated_to_trainer: true,
        flagged_for_review: true,
        escalation_reason: "The answer did not help",
      });
      expect(escalated.escalated_at).not.toBeNull();
      for (let i = 0; i < 100 && !heard.some((h) => h.chat_id === chat.id); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(heard.find((h) => h.chat_id === chat.id)).toMatchObject({ account_id: account.id });
    } finally {
      await listener.unlisten();
    }
    // A classmate can neither escalate it nor see it; the trainer sees it in the queue.
    const foreign = await committedAs(classmate, (tx) => tx`select * from public.escalate_mentor_chat(${chat.id}, 'x')`)
      .then(() => "ok", (e) => e.code);
    expect(foreign).toBe("P0002");
    const seen = await committedAs(
      classmate,
      (tx) => tx`select id from public.mentor_review_queue where id = ${chat.id}`,
    );
    expect(seen).toHaveLength(0);
    const queue = await committedAs(trainer, (tx) => tx`select id, escalation_reason from public.mentor_review_queue`);
    expect(queue.map((q) => q.id)).toContain(chat.id);
    // Only reviewers resolve.
    const byStudent = await committedAs(
      student,
      (tx) => tx`select * from public.resolve_mentor_chat(${chat.id}, 'self-service')`,
    )
      .then(() => "ok", (e) => e.code);
    expect(byStudent).toBe("P0002");
    const [resolved] = await committedAs(
      trainer,
      (tx) => tx`select * from public.resolve_mentor_chat(${chat.id}, 'Explained in a call')`,
    );
    expect(resolved).toMatchObject({ resolution: "Explained in a call", resolved_by: trainer.id });
    expect(resolved.resolved_at).not.toBeNull();
    const after = await committedAs(
      trainer,
      (tx) => tx`select id from public.mentor_review_queue where id = ${chat.id}`,
    );
    expect(after).toHaveLength(0);
  });
});

describe("guru", () => {
  const schema = {
    type: "object",
    properties: { advice: { type: "string" }, steps: { type: "array", items: { type: "string" } } },
    required: ["advice", "steps"],
    additionalProperties: false,
  };
  let guruAccount: TestAccount;
  let guruStudent: TestUser;

  beforeAll(async () => {
    guruAccount = await createAccount(sql);
    guruStudent = await addMember(sql, guruAccount, "student");
    await sql`insert into public.guru_agents (account_id, agent_type, system_prompt, input_schema, output_schema)
              values (${guruAccount.id}, 'career_guru', 'You advise on careers.',
                      ${sql.json({ type: "object", required: ["goal"], properties: { goal: { type: "string" } } })},
                      ${sql.json(schema)})`;
  });

  it("asks for json_schema output, validates it and stores input and output", async () => {
    fake.setOptions({ replyText: JSON.stringify({ advice: "Learn SQL", steps: ["Read", "Practice"] }) });
    const res = await post(`guru/career_guru`, guruStudent.jwt, {
      input: { goal: "data engineer" },
      conversation_id: "c-1",
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      output: { advice: "Learn SQL", steps: ["Read", "Practice"] },
      conversation_id: "c-1",
    });
    const sent = fake.requests[0].body;
    expect(sent.response_format).toEqual({ type: "json_schema", json_schema: { name: "career_guru", schema } });
    expect(sent.messages[0]).toEqual({ role: "system", content: "You advise on careers." });
    const { row, call, fromLedger } = await stored("guru_interactions", body);
    expect(row).toMatchObject({
      org_id: guruAccount.id,
      student_id: guruStudent.id,
      agent_type: "career_guru",
      conversation_id: "c-1",
      input: { goal: "data engineer" },
      output: { advice: "Learn SQL", steps: ["Read", "Practice"] },
      ...fromLedger,
    });
    expect(row.cost).toBe(call.cost);
    expect(call.conversation_id).toBe("c-1");
  });

  it("a reply that fails the output schema is a 502, logged as an error with its usage, no row", async () => {
    fake.setOptions({ replyText: JSON.stringify({ advice: 42 }) });
    const res = await post(`guru/career_guru`, guruStudent.jwt, { input: { goal: "x" } });
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe("invalid_guru_output");
    const call = await ledger(res.headers.get("x-request-id")!);
    expect(call).toMatchObject({
      completion_status: "error",
      http_status: 502,
      error_code: "invalid_guru_output",
      total_tokens: 27,
    });
    const rows = await sql`select 1 from public.guru_interactions where llm_request_id = ${call.id}`;
    expect(rows).toHaveLength(0);
  });

  it("refuses input that fails the input schema, an unknown guru of a configured account, and streaming", async () => {
    const bad = await post(`guru/career_guru`, guruStudent.jwt, { input: { goal: 1 } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("invalid_input");
    const unknown = await post(`guru/tech_guru`, guruStudent.jwt, { input: {} });
    expect(unknown.status).toBe(404);
    const streamed = await post(`guru/career_guru`, guruStudent.jwt, { input: { goal: "x" }, stream: true });
    expect((await streamed.json()).error.code).toBe("stream_not_supported");
    expect(fake.requests).toHaveLength(0);
  });

  it("an account without guru config gets a built-in guru; feedback by the student; effectiveness view", async () => {
    fake.setOptions({ replyText: JSON.stringify({ answer: "Start with Python" }) });
    const body = await (await post(`guru/tech_guru`, student.jwt, { input: { question: "What first?" } })).json();
    expect(body.output).toEqual({ answer: "Start with Python" });
    await asRole(
      sql,
      as(student.id),
      (tx) =>
        tx`update public.guru_interactions set was_helpful = true, user_feedback = 'thanks' where id = ${body.id}`,
      { commit: true },
    );
    const forged = await committedAs(
      student,
      (tx) => tx`update public.guru_interactions set cost_usd = 0 where id = ${body.id}`,
    )
      .then(() => "ok", (e) => e.code);
    expect(forged).toBe("42501");
    const [eff] = await asRole(
      sql,
      as(account.owner.id),
      (tx) =>
        tx`select interactions, rated, helpful_share from public.guru_effectiveness
            where org_id = ${account.id} and agent_type = 'tech_guru'`,
      { commit: true },
    );
    expect(eff).toMatchObject({ interactions: 1, rated: 1 });
    expect(Number(eff.helpful_share)).toBe(1);
  });
});

describe("twin", () => {
  it("answers in a role and interaction type, plain and streamed; feedback, updated_at by the database", async () => {
    const res = await post("twin", student.jwt, {
      twin_role: "sales_manager",
      interaction_type: "suggestion",
      prompt: "Next step with ACME?",
      context: { deal: "ACME" },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.response).toBe(answerText(6));
    const sent = fake.requests[0].body.messages;
    expect(sent[0].content).toContain("sales manager");
    expect(sent[1].content).toContain('"deal":"ACME"');
    const { row, call, fromLedger } = await stored("employee_twin_interactions", body);
    expect(row).toMatchObject({
      org_id: account.id,
      user_id: student.id,
      twin_role: "sales_manager",
      interaction_type: "suggestion",
      prompt: "Next step with ACME?",
      response: answerText(6),
      context: { deal: "ACME" },
      ...fromLedger,
    });
    expect(row.cost).toBe(call.cost);

    const forged = await asRole(
      sql,
      as(student.id),
      (tx) =>
        tx`update public.employee_twin_interactions set dismissed = true, updated_at = '2000-01-01'
            where id = ${body.id}`,
      { commit: true },
    )
      .then(() => "ok", (e) => e.code);
    expect(forged).toBe("42501");
    const [fb] = await asRole(
      sql,
      as(student.id),
      (tx) =>
        tx`update public.employee_twin_interactions set was_helpful = false, user_feedback = 'off', dismissed = true
          where id = ${body.id} returning updated_at`,
      { commit: true },
    );
    expect(new Date(fb.updated_at).getTime()).toBeGreaterThan(new Date(row.updated_at).getTime());

    const streamed = await post("twin", student.jwt, {
      twin_role: "sales_manager",
      interaction_type: "suggestion",
      stream: true,
    });
    const id = streamed.headers.get("x-twin-interaction-id")!;
    expect(streamedText(await streamed.text())).toBe(answerText(6));
    const [srow] = await sql`select response, prompt from public.employee_twin_interactions where id = ${id}`;
    expect(srow).toEqual({ response: answerText(6), prompt: null });

    const [stats] = await asRole(sql, as(account.owner.id), (tx) =>
      tx`
      select interactions, helpful_share, dismissed_share from public.twin_interaction_stats
       where org_id = ${account.id} and twin_role = 'sales_manager' and interaction_type = 'suggestion'`, {
      commit: true,
    });
    expect(stats).toMatchObject({ interactions: 2 });
    expect(Number(stats.helpful_share)).toBe(0);
    expect(Number(stats.dismissed_share)).toBe(0.5);
  });

  it("an account with twin roles serves only those", async () => {
    const acct = await createAccount(sql);
    const employee = await addMember(sql, acct, "member");
    await sql`insert into public.twin_roles (account_id, twin_role, system_prompt, model)
              values (${acct.id}, 'analyst', 'You are the analyst twin.', 'openai/gpt-4o')`;
    const unknown = await post("twin", employee.jwt, { twin_role: "sales_manager", interaction_type: "tip" });
    expect(unknown.status).toBe(404);
    const ok = await post("twin", employee.jwt, { twin_role: "analyst", interaction_type: "tip" });
    expect(ok.status).toBe(200);
    expect(fake.requests[0].body.model).toBe("openai/gpt-4o");
    expect(fake.requests[0].body.messages[0].content).toContain("You are the analyst twin.");
  });
});

describe("llm-proxy with x-feature", () => {
  const sdk = (jwt: string, headers: Record<string, string>) => proxyClient(fns, jwt, headers);

  it("mentor: the same chat row as the endpoint's, linked to the call", async () => {
    const { data, response } = await sdk(student.jwt, { "x-feature": "mentor", "x-feature-context": "{}" }).chat
      .completions
      .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "What is a CTE?" }] }).withResponse();
    expect(data.choices[0].message.content).toBe(answerText(6));
    const requestId = response.headers.get("x-request-id")!;
    const [chat] = await waitFor(() =>
      sql`select *, cost_usd::text as cost from public.ai_mentor_chats where llm_request_id = ${requestId}`
    );
    const call = await ledger(requestId);
    expect(chat).toMatchObject({
      user_id: student.id,
      question: "What is a CTE?",
      response: answerText(6),
      question_hash: questionHash("what is a cte"),
      model: call.model,
      tokens_used: call.total_tokens,
      response_time_ms: call.latency_ms,
    });
    expect(chat.cost).toBe(call.cost);
  });

  it("guru and twin rows from x-feature-context", async () => {
    fake.setOptions({ replyText: '{"answer":"yes"}' });
    const guru = await sdk(student.jwt, {
      "x-feature": "guru",
      "x-feature-context": JSON.stringify({ agent_type: "tech_guru" }),
    })
      .chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: '{"q":"Rust?"}' }] })
      .withResponse();
    const guruId = guru.response.headers.get("x-request-id")!;
    const [g] = await waitFor(() =>
      sql`select input, output, agent_type from public.guru_interactions where llm_request_id = ${guruId}`
    );
    expect(g).toEqual({ input: { q: "Rust?" }, output: { answer: "yes" }, agent_type: "tech_guru" });

    fake.setOptions({ replyText: null });
    const ctx = { twin_role: "analyst", interaction_type: "tip", context: { team: "ops" } };
    const twin = await sdk(student.jwt, { "x-feature": "twin", "x-feature-context": JSON.stringify(ctx) })
      .chat.completions.create({
        model: "openai/gpt-4o-mini",
        messages: [{ role: "user", content: "Tip?" }],
        stream: true,
      })
      .withResponse();
    let text = "";
    for await (const chunk of twin.data) text += chunk.choices[0]?.delta?.content ?? "";
    expect(text).toBe(answerText(6));
    const twinId = twin.response.headers.get("x-request-id")!;
    const [t] = await waitFor(() =>
      sql`select twin_role, interaction_type, prompt, response, context
                                         from public.employee_twin_interactions where llm_request_id = ${twinId}`
    );
    expect(t).toEqual({
      twin_role: "analyst",
      interaction_type: "tip",
      prompt: "Tip?",
      response: answerText(6),
      context: { team: "ops" },
    });
  });

  it("refuses an unknown feature or a bad context (400, logged) and an API key (no user)", async () => {
    const bad = await fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${student.jwt}`,
        "content-type": "application/json",
        "x-feature": "guru",
        "x-feature-context": "{}",
      },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("x-feature-context");
    expect((await ledger(bad.headers.get("x-request-id")!)).error_code).toBe("invalid_feature_context");
    const unknown = await fetch(`${fns.url}/llm-proxy/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${student.jwt}`, "content-type": "application/json", "x-feature": "oracle" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] }),
    });
    expect(unknown.status).toBe(400);
    expect(fake.requests).toHaveLength(0);
  });
});

describe("access", () => {
  it("refuses anonymous callers, API-key-less garbage and users without use_agents", async () => {
    const anon = await fetch(`${fns.url}/mentor`, { method: "POST", body: "{}" });
    expect(anon.status).toBe(401);
    const viewer = await addMember(sql, account, "viewer");
    const res = await post("mentor", viewer.jwt, { question: "Q" });
    expect(res.status).toBe(403);
    expect((await res.json()).error.code).toBe("permission_denied");
    const key = await createApiKey(sql, account);
    const byKey = await post("guru/tech_guru", key.key, { input: {} });
    expect(byKey.status).toBe(401);
    expect((await byKey.json()).error.code).toBe("user_required");
    expect(await ledger(byKey.headers.get("x-request-id")!)).toMatchObject({
      api_key_id: key.id,
      error_code: "user_required",
      http_status: 401,
    });
    const outsider = await createUser(sql, "outsider");
    expect((await post("twin", outsider.jwt, { twin_role: "a", interaction_type: "b" })).status).toBe(403);
  });

  it("a user of several accounts chooses one with x-account-slug, as for llm-proxy", async () => {
    const first = await createAccount(sql);
    const second = await createAccount(sql);
    const learner = await addMember(sql, first, "student");
    await addMember(sql, second, "student", learner);
    const unchosen = await post("twin", learner.jwt, { twin_role: "a", interaction_type: "b" });
    expect(unchosen.status).toBe(400);
    expect((await unchosen.json()).error.code).toBe("account_required");
    const chosen = await post("twin", learner.jwt, { twin_role: "a", interaction_type: "b" }, {
      "x-account-slug": second.slug,
    });
    const body = await chosen.json();
    const [row] = await sql`select org_id from public.employee_twin_interactions where id = ${body.id}`;
    expect(row.org_id).toBe(second.id);
  });

  it("students read only their own rows; another account's members read none", async () => {
    const classmate = await addMember(sql, account, "student");
    const mine = await (await post("mentor", student.jwt, { question: "Mine" })).json();
    const theirs = await (await post("twin", classmate.jwt, { twin_role: "x", interaction_type: "y" })).json();
    const seenByClassmate = await committedAs(
      classmate,
      (tx) => tx`select id from public.ai_mentor_chats where id = ${mine.id}`,
    );
    expect(seenByClassmate).toHaveLength(0);
    const seenByStudent = await committedAs(
      student,
      (tx) => tx`select id from public.employee_twin_interactions where id = ${theirs.id}`,
    );
    expect(seenByStudent).toHaveLength(0);
    const rated = await committedAs(
      classmate,
      (tx) => tx`update public.ai_mentor_chats set student_rating = 1 where id = ${mine.id} returning id`,
    );
    expect(rated).toHaveLength(0);
    const other = await createAccount(sql);
    const foreign = await asRole(sql, as(other.owner.id), (tx) =>
      tx`
      select (select count(*)::int from public.ai_mentor_chats where account_id = ${account.id}) as chats,
             (select count(*)::int from public.mentor_variant_stats where account_id = ${account.id}) as stats`, {
      commit: true,
    });
    expect(foreign[0]).toEqual({ chats: 0, stats: 0 });
    // The account's owner (view_history) reads both.
    const [owner] = await asRole(sql, as(account.owner.id), (tx) =>
      tx`
      select (select count(*)::int from public.ai_mentor_chats where id = ${mine.id}) as chats,
             (select count(*)::int from public.employee_twin_interactions where id = ${theirs.id}) as twins`, {
      commit: true,
    });
    expect(owner).toEqual({ chats: 1, twins: 1 });
  });
});

/** Rows written after the response (llm-proxy logs off the hot path): polls until there are some. */
async function waitFor<T extends readonly unknown[]>(query: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await query();
    if (rows.length > 0 || Date.now() > deadline) return rows;
    await new Promise((r) => setTimeout(r, 50));
  }
}
