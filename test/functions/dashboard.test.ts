// GET/POST /functions/v1/dashboard end to end: rows written through the ledger (the same writer as proxied
// calls) and as the features write them, read back through every route as the account's users; each number
// is computed here from the rows the test wrote, and row-level security decides what each role sees.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDecimals, formatDecimal, mulInt, parseDecimal, ZERO } from "../../functions/_shared/billing/decimal.ts";
import { Ledger, type LedgerEntry } from "../../functions/_shared/ledger/writer.ts";
import {
  addMember,
  createAccount,
  createApiKey,
  createInstance,
  type TestAccount,
  type TestUser,
} from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { startWithSql, stopStack, type TestFunctions } from "../helpers/stack.ts";

let sql: postgres.Sql;
let fns: TestFunctions;
let account: TestAccount;
let other: TestAccount;
let viewer: TestUser;
let trainer: TestUser;
let student: TestUser;
let otherViewer: TestUser;
let keyId: string;
let instanceId: string;

const DAY = 86_400_000;
// Whole UTC days, so every call falls in a known day of the range and of the previous range.
const today = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
const to = new Date(today).toISOString();
const from = new Date(today - 7 * DAY).toISOString();

interface Call {
  day: number; // days before `to`, 1..7 (the range) or 8..14 (the previous range)
  model: string;
  provider: string;
  status: "complete" | "error" | "partial";
  cost: string;
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  latency: number;
  ttft: number | null;
  country: string | null;
  feature: string | null;
  errorCode?: string;
}

// Latencies sit on histogram bounds (private.latency_bounds) so the rollup's percentiles are exact.
const calls: Call[] = [
  ["gpt-4o-mini", "openai", "complete", "0.000150", 1, 100, 300, 100, 20, "DE", "mentor"],
  ["gpt-4o-mini", "openai", "complete", "0.000275", 1, 200, 500, 0, 0, "DE", "guru"],
  ["claude-3-5-haiku", "anthropic", "complete", "0.0012", 2, 400, 800, 50, 100, "US", "twin"],
  ["claude-3-5-haiku", "anthropic", "error", "0", 2, 0, 0, 0, 0, "US", null],
  ["gpt-4o-mini", "openai", "complete", "0.00009", 3, 150, 120, 0, 40, "FR", "chat"],
  ["gpt-4o", "openrouter", "partial", "0.0031", 5, 1000, 200, 200, 0, null, "custom"],
  ["gpt-4o", "openrouter", "error", "0", 6, 0, 0, 0, 0, "DE", "mentor"],
  ["gpt-4o-mini", "openai", "complete", "0.00042", 9, 300, 250, 0, 0, "DE", null],
  ["claude-3-5-haiku", "anthropic", "error", "0", 10, 0, 0, 0, 0, "US", null],
].map(([model, provider, status, cost, day, prompt, completion, cached, reasoning, country, feature], i) => ({
  model: model as string,
  provider: provider as string,
  status: status as Call["status"],
  cost: cost as string,
  day: day as number,
  prompt: prompt as number,
  completion: completion as number,
  cached: Math.min(cached as number, prompt as number),
  reasoning: Math.min(reasoning as number, completion as number),
  latency: [100, 200, 300, 400, 500, 600, 750, 1000, 1200][i],
  ttft: status === "error" ? null : [20, 40, 60, 75, 100, 120, 150, 200, 250][i],
  country: country as string | null,
  feature: feature as string | null,
  errorCode: status === "error" ? "upstream_error" : undefined,
}));

const inRange = (c: Call) => c.day >= 1 && c.day <= 7;
const inPrevious = (c: Call) => c.day >= 8 && c.day <= 14;
const sumCost = (cs: Call[]) => formatDecimal(addDecimals(ZERO, ...cs.map((c) => parseDecimal(c.cost))));
/** The nearest-rank percentile, as the rollup computes it for values on bucket bounds. */
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? null : sorted[Math.ceil(p * sorted.length) - 1];
};
const dayOf = (c: Call) => new Date(today - c.day * DAY).toISOString().slice(0, 10);

const entries: LedgerEntry[] = [];

function entryOf(c: Call, i: number): LedgerEntry {
  // Mid-day, and a few minutes apart, so no call sits on a day boundary.
  const at = new Date(today - c.day * DAY + 12 * 3_600_000 + i * 60_000).toISOString();
  return ledgerEntry(account, {
    llmRequest: {
      created_at: at,
      model: c.model,
      provider: c.provider,
      completion_status: c.status,
      computed_cost: c.cost,
      prompt_tokens: c.prompt,
      completion_tokens: c.completion,
      total_tokens: c.prompt + c.completion,
      cached_tokens: c.cached,
      reasoning_tokens: c.reasoning,
      latency_ms: c.latency,
      time_to_first_token_ms: c.ttft,
      is_stream: c.ttft !== null,
      country: c.country,
      // No address: with the IP-to-country table loaded (other files load it), one would fill a null country.
      ip_address: null,
      properties: c.feature ? { feature: c.feature } : {},
      user_id: i % 2 === 0 ? account.owner.id : null,
      api_key_id: i % 2 === 0 ? null : keyId,
      agent_instance_id: i % 3 === 0 ? instanceId : null,
      end_user: `end-user-${i % 3}`,
      session_id: c.feature === "chat" ? sessionId : null,
      error_code: c.errorCode ?? null,
      error_message: c.errorCode ? `Upstream failed with status 5${i}3` : null,
    },
    interaction: {
      status: c.status === "complete" ? "success" : c.status,
      request: { messages: [{ role: "user", content: `question ${i}` }] },
      response: c.status === "error" ? null : { choices: [{ message: { content: `answer ${i}` } }] },
    },
  });
}

async function api(
  path: string,
  user: { jwt: string } | string,
  accountId: string | null = account.id,
  init: RequestInit = {},
) {
  const token = typeof user === "string" ? user : user.jwt;
  const res = await fetch(`${fns.url}/dashboard${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${token}`,
      ...(accountId ? { "x-account-id": accountId } : {}),
      ...(init.body ? { "content-type": "application/json" } : {}),
    },
  });
  // deno-lint-ignore no-explicit-any
  return { status: res.status, json: (await res.json()) as any };
}

let mentorChats: { flagged: string; escalated: string; calm: string };
let sessionId: string;
let otherSessionId: string;
let twinRowId: string;

beforeAll(async () => {
  ({ sql, fns } = await startWithSql());
  account = await createAccount(sql);
  other = await createAccount(sql);
  viewer = await addMember(sql, account, "viewer");
  trainer = await addMember(sql, account, "trainer");
  student = await addMember(sql, account, "student");
  otherViewer = await addMember(sql, other, "viewer");
  keyId = (await createApiKey(sql, account)).id;
  instanceId = (await createInstance(sql, account)).id;
  const session = async (acct: TestAccount, email: string) => {
    const [s] = await sql`
      insert into public.sessions (account_id, session_key, email, is_anonymous)
      values (${acct.id}, encode(extensions.gen_random_bytes(32), 'hex'), ${email}, false) returning id`;
    await sql`
      insert into public.messages (session_id, role, content, created_at)
      values (${s.id}, 'human', 'Do you ship to Berlin?', now() - interval '2 minutes'),
             (${s.id}, 'assistant', 'Yes, in two days.', now() - interval '1 minute')`;
    await sql`insert into public.profiles (session_id, customer_name, email) values (${s.id}, 'Ada', ${email})`;
    return s.id as string;
  };
  sessionId = await session(account, "ada@example.test");
  otherSessionId = await session(other, "bob@example.test");
  entries.push(...calls.map(entryOf));
  // The twin call carries its feature row, written with it as the twin function writes it.
  twinRowId = crypto.randomUUID();
  entries[2].feature = {
    table: "employee_twin_interactions",
    row: {
      id: twinRowId,
      org_id: account.id,
      user_id: account.owner.id,
      twin_role: "sales",
      interaction_type: "email_draft",
      prompt: "question 2",
      response: "answer 2",
      context: {},
      llm_request_id: entries[2].llmRequest.id,
    },
  };
  const ledger = new Ledger(() => sql);
  await Promise.all([
    ...entries.map((e) => ledger.record(e)),
    // The other account's calls share days and models: none of them may show in this account's numbers.
    ...calls.map((c, i) =>
      ledger.record(
        ledgerEntry(other, {
          llmRequest: {
            ...entryOf(c, i).llmRequest,
            account_id: other.id,
            account_slug: other.slug,
            user_id: null,
            api_key_id: null,
            agent_instance_id: null,
            session_id: null,
            id: crypto.randomUUID(),
          },
        }),
      )
    ),
  ]);

  const chat = async (
    acct: TestAccount,
    user: TestUser,
    opts: { rating?: number; flagged?: boolean; escalated?: boolean },
  ) => {
    const [row] = await sql`
      insert into public.ai_mentor_chats (account_id, user_id, question, response, student_rating, flagged_for_review,
                                          escalated_to_trainer, escalation_reason, escalated_at, cost_usd)
      values (${acct.id}, ${user.id}, 'How do I do it?', 'Like this.', ${opts.rating ?? null}, ${opts.flagged ?? false},
              ${opts.escalated ?? false}, ${opts.escalated ? "wrong answer" : null},
              ${opts.escalated ? new Date() : null}, 0.001)
      returning id`;
    return row.id as string;
  };
  mentorChats = {
    flagged: await chat(account, student, { rating: 1, flagged: true }),
    escalated: await chat(account, student, { rating: 2, escalated: true, flagged: true }),
    calm: await chat(account, student, { rating: 5 }),
  };
  await chat(other, other.owner, { rating: 1, flagged: true, escalated: true });
});

afterAll(() => stopStack({ sql, fns }));

describe("dashboard accounts", () => {
  it("lists the user's accounts with role and effective permissions", async () => {
    const owner = await api("/accounts", account.owner, null);
    expect(owner.status).toBe(200);
    expect(owner.json.data).toEqual([
      expect.objectContaining({ id: account.id, slug: account.slug, role: "owner" }),
    ]);
    expect(owner.json.data[0].permissions).toEqual(
      expect.arrayContaining(["view_history", "review_ai_chats", "manage_users"]),
    );
    const t = await api("/accounts", trainer, null);
    expect(t.json.data).toHaveLength(1);
    expect(t.json.data[0].permissions.sort()).toEqual(["review_ai_chats", "use_agents"]);
  });
});

describe("dashboard overview", () => {
  it("totals, the previous period, cost per day and model, and latency per day come from the rows written", async () => {
    const { status, json } = await api(`/overview?from=${from}&to=${to}`, viewer);
    expect(status).toBe(200);
    const cur = calls.filter(inRange);
    const prev = calls.filter(inPrevious);
    expect(json.range).toEqual({ from, to });
    expect(json.previous_range).toEqual({ from: new Date(today - 14 * DAY).toISOString(), to: from });
    const sum = (cs: Call[], f: (c: Call) => number) => cs.reduce((n, c) => n + f(c), 0);
    const errors = cur.filter((c) => c.status === "error").length;
    expect(json.totals).toEqual({
      requests: cur.length,
      errors,
      error_rate: errors / cur.length,
      cost_usd: sumCost(cur),
      prompt_tokens: sum(cur, (c) => c.prompt),
      completion_tokens: sum(cur, (c) => c.completion),
      cached_tokens: sum(cur, (c) => c.cached),
      reasoning_tokens: sum(cur, (c) => c.reasoning),
      p50_latency_ms: percentile(cur.map((c) => c.latency), 0.5),
      p95_latency_ms: percentile(cur.map((c) => c.latency), 0.95),
      p50_ttft_ms: percentile(cur.flatMap((c) => c.ttft ?? []), 0.5),
      p95_ttft_ms: percentile(cur.flatMap((c) => c.ttft ?? []), 0.95),
    });
    expect(json.previous_totals.requests).toBe(prev.length);
    expect(json.previous_totals.cost_usd).toBe(sumCost(prev));

    const expectedDaily = new Map<string, { cost: Call[]; requests: number; errors: number }>();
    for (const c of cur) {
      const k = `${dayOf(c)} ${c.model}`;
      const e = expectedDaily.get(k) ?? { cost: [], requests: 0, errors: 0 };
      e.cost.push(c);
      e.requests++;
      if (c.status === "error") e.errors++;
      expectedDaily.set(k, e);
    }
    expect(json.daily).toHaveLength(expectedDaily.size);
    for (const d of json.daily) {
      const e = expectedDaily.get(`${d.day} ${d.model}`);
      expect(e, `${d.day} ${d.model}`).toBeDefined();
      expect(d).toEqual({
        day: d.day,
        model: d.model,
        cost_usd: sumCost(e!.cost),
        requests: e!.requests,
        errors: e!.errors,
      });
    }
    const days = [...new Set(cur.map(dayOf))].sort();
    expect(json.latency_daily.map((d: { day: string }) => d.day)).toEqual(days);
    for (const d of json.latency_daily) {
      const ofDay = cur.filter((c) => dayOf(c) === d.day);
      expect(d.p95_latency_ms).toBe(percentile(ofDay.map((c) => c.latency), 0.95));
    }
  });

  it("is empty for a trainer, whose role does not read history, and 403 for another account's viewer", async () => {
    const t = await api(`/overview?from=${from}&to=${to}`, trainer);
    expect(t.status).toBe(200);
    expect(t.json.totals.requests).toBe(0);
    expect(t.json.daily).toEqual([]);
    const o = await api(`/overview?from=${from}&to=${to}`, otherViewer);
    expect(o.status).toBe(403);
    expect(o.json.error).toMatchObject({ code: "not_a_member", type: expect.any(String) });
    // Their own account's overview holds their rows only (the other account logged the same calls).
    const own = await api(`/overview?from=${from}&to=${to}`, otherViewer, other.id);
    expect(own.json.totals.requests).toBe(calls.filter(inRange).length);
  });
});

describe("dashboard breakdown", () => {
  it.each(["country", "model", "feature"] as const)("by %s: requests, errors and cost per value", async (dim) => {
    const { status, json } = await api(`/breakdown?dimension=${dim}&from=${from}&to=${to}`, account.owner);
    expect(status).toBe(200);
    const cur = calls.filter(inRange);
    const keyOf = (c: Call) => (dim === "country" ? c.country : dim === "model" ? c.model : c.feature);
    const keys = [...new Set(cur.map(keyOf))];
    expect(json.data.map((r: { key: string | null }) => r.key).sort()).toEqual([...keys].sort());
    expect(json.days).toHaveLength(7);
    for (const r of json.data) {
      const mine = cur.filter((c) => keyOf(c) === r.key);
      expect(r.requests).toBe(mine.length);
      expect(r.errors).toBe(mine.filter((c) => c.status === "error").length);
      expect(r.cost_usd).toBe(sumCost(mine));
      expect(r.sparkline).toHaveLength(7);
      const i = json.days.indexOf(dayOf(mine[0]));
      expect(r.sparkline[i]).toBeCloseTo(Number(sumCost(mine.filter((c) => dayOf(c) === dayOf(mine[0])))), 12);
    }
    const costs = json.data.map((r: { cost_usd: string }) => Number(r.cost_usd));
    expect(costs).toEqual([...costs].sort((a, b) => b - a));
  });

  it("labels users, agent instances and API keys by name", async () => {
    const users = await api(`/breakdown?dimension=user&from=${from}&to=${to}`, account.owner);
    const owner = users.json.data.find((r: { key: string }) => r.key === account.owner.id);
    expect(owner.label).toBe("owner");
    const keys = await api(`/breakdown?dimension=api_key&from=${from}&to=${to}`, account.owner);
    expect(keys.json.data.find((r: { key: string }) => r.key === keyId).label).toBe("test key");
  });
});

describe("dashboard request detail", () => {
  it("shows the call's bodies, tokens, cost, price and links", async () => {
    const e = entries[0];
    const { status, json } = await api(`/requests/${e.interaction!.id}`, viewer);
    expect(status).toBe(200);
    expect(json.data).toMatchObject({
      id: e.interaction!.id,
      llm_request_id: e.llmRequest.id,
      model: calls[0].model,
      status: "success",
      request: e.interaction!.request,
      response: e.interaction!.response,
      tokens: { prompt: calls[0].prompt, completion: calls[0].completion, cached: calls[0].cached },
      cost_usd: formatDecimal(parseDecimal(calls[0].cost)),
      ttft_ms: calls[0].ttft,
      latency_ms: calls[0].latency,
      properties: { feature: "mentor" },
      price: {
        input_per_mtok: formatDecimal(mulInt(parseDecimal(e.llmRequest.unit_cost_prompt!), 1_000_000)),
        source: "model_prices",
      },
      links: { session_id: null, feature: { kind: null, id: null } },
    });
    const failed = entries[3];
    const err = await api(`/requests/${failed.interaction!.id}`, viewer);
    expect(err.json.data.error).toEqual({ code: "upstream_error", message: failed.llmRequest.error_message });
  });

  it("links a call to its feature row or chat session", async () => {
    const twin = await api(`/requests/${entries[2].interaction!.id}`, viewer);
    expect(twin.json.data.links).toEqual({
      session_id: null,
      conversation_id: null,
      feature: { kind: "twin", id: twinRowId },
    });
    const chat = await api(`/requests/${entries[4].interaction!.id}`, viewer);
    expect(chat.json.data.links).toEqual({
      session_id: sessionId,
      conversation_id: null,
      feature: { kind: "chat", id: sessionId },
    });
  });

  it("is 404 for an id of another account, whichever account the reader names", async () => {
    const id = entries[0].interaction!.id;
    const own = await api(`/requests/${id}`, otherViewer, other.id);
    expect(own.status).toBe(404);
    expect(JSON.stringify(own.json)).not.toContain("question 0");
    const named = await api(`/requests/${id}`, otherViewer, account.id);
    expect(named.status).toBe(403);
  });
});

describe("dashboard sessions", () => {
  it("lists sessions with message count and visitor, and shows the transcript and profile", async () => {
    const list = await api("/sessions", viewer);
    expect(list.status).toBe(200);
    expect(list.json.data).toEqual([
      expect.objectContaining({ id: sessionId, message_count: 2, visitor: expect.objectContaining({ name: "Ada" }) }),
    ]);
    const detail = await api(`/sessions/${sessionId}`, viewer);
    expect(detail.json.data.messages.map((m: { content: string }) => m.content)).toEqual([
      "Do you ship to Berlin?",
      "Yes, in two days.",
    ]);
    expect(detail.json.data.profile).toMatchObject({ customer_name: "Ada", email: "ada@example.test" });
    expect(JSON.stringify(detail.json)).not.toContain("session_key");
    expect((await api(`/sessions/${otherSessionId}`, viewer)).status).toBe(404);
  });
});

describe("dashboard feedback and review", () => {
  it("reports ratings from the chats written", async () => {
    const { json } = await api(`/feedback?from=${new Date(Date.now() - DAY).toISOString()}`, account.owner);
    expect(json.data.mentor.ratings).toEqual({
      count: 3,
      average: Number(((1 + 2 + 5) / 3).toFixed(2)),
      distribution: { 1: 1, 2: 1, 3: 0, 4: 0, 5: 1 },
    });
    expect(json.data.mentor.variants).toEqual([expect.objectContaining({ chats: 3, prompt_variant_id: null })]);
  });

  it("queues flagged and escalated chats; a viewer or a student cannot resolve, a trainer can", async () => {
    const queue = await api("/review-queue", trainer);
    expect(queue.json.can_resolve).toBe(true);
    expect(queue.json.data.map((c: { id: string }) => c.id).sort()).toEqual(
      [mentorChats.flagged, mentorChats.escalated].sort(),
    );
    expect(queue.json.data[0]).toMatchObject({ id: mentorChats.escalated, reason: "wrong answer", kind: "mentor" });

    for (const who of [viewer, student]) {
      const denied = await api(`/review-queue/${mentorChats.escalated}/resolve`, who, account.id, {
        method: "POST",
        body: JSON.stringify({ resolution: "sneaky" }),
      });
      expect(denied.status).toBe(403);
      expect(denied.json.error.code).toBe("permission_denied");
    }
    const [before] = await sql`select resolved_at from public.ai_mentor_chats where id = ${mentorChats.escalated}`;
    expect(before.resolved_at).toBeNull();

    const ok = await api(`/review-queue/${mentorChats.escalated}/resolve`, trainer, account.id, {
      method: "POST",
      body: JSON.stringify({ resolution: "Answered the student" }),
    });
    expect(ok.status).toBe(200);
    expect(ok.json.data).toMatchObject({
      id: mentorChats.escalated,
      resolution: "Answered the student",
      resolved_by: trainer.id,
    });
    const after = await api("/review-queue", account.owner);
    expect(after.json.data.map((c: { id: string }) => c.id)).toEqual([mentorChats.flagged]);
    const owner = await api(`/review-queue/${mentorChats.flagged}/resolve`, account.owner, account.id, {
      method: "POST",
      body: JSON.stringify({ resolution: "Fine" }),
    });
    expect(owner.status).toBe(200);
  });

  it("a student sees only their own chats in the queue and cannot resolve", async () => {
    const q = await api("/review-queue", student);
    expect(q.json.can_resolve).toBe(false);
  });
});

describe("dashboard errors", () => {
  it("groups the errors of the range by model, code and normalised message", async () => {
    const { json } = await api(`/errors?from=${from}&to=${to}`, viewer);
    const failed = calls.filter((c) => inRange(c) && c.status === "error");
    expect(json.data.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(failed.length);
    expect(json.data.map((r: { model: string }) => r.model).sort()).toEqual(failed.map((c) => c.model).sort());
    expect(json.data[0]).toMatchObject({ code: "upstream_error", message: "Upstream failed with status <n>" });
  });
});

describe("dashboard access", () => {
  it("refuses API keys with user_jwt_required", async () => {
    const key = await createApiKey(sql, account);
    const res = await api("/overview", key.key);
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ type: "authentication_error", code: "user_jwt_required" });
  });
});
