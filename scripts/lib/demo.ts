// The dashboard's demo data: an academy account `demo` (owner demo@example.com, a trainer who reviews mentor
// chats, students and members, API keys, chat instances) with a few thousand realistic calls over the last
// 30 days, and a second account `other` with its own calls and a viewer-only user, who must see nothing of
// `demo`. Calls go through the gateway's own ledger path (buildLedgerEntry + Ledger, as llm-proxy and ingest
// write them, priced from model_prices); feature rows ride with their calls as the features write them; the
// feedback on them (ratings, escalations) is applied as the users would. Random choices come from a seeded
// generator, so every reset builds the same demo (relative to now).
import postgres from "postgres";
import type { Caller } from "../../functions/_shared/auth/caller.ts";
import { priceKeys, resolvePrice } from "../../functions/_shared/billing/price-lookup.ts";
import type { NormalizedUsage } from "../../functions/_shared/billing/usage.ts";
import { questionHash } from "../../functions/_shared/features/mentor.ts";
import { buildLedgerEntry } from "../../functions/_shared/ledger/entry.ts";
import { type FeatureRow, Ledger, type LedgerEntry } from "../../functions/_shared/ledger/writer.ts";
import type { Json } from "../../functions/_shared/runtime/schema.ts";
import {
  addMember,
  as,
  asRole,
  createAccount,
  createApiKey,
  createInstance,
  type TestAccount,
  type TestUser,
} from "../../test/helpers/fixtures.ts";
import { signJwt } from "./keys.ts";

export const DEMO_SLUG = "demo";
export const OTHER_SLUG = "other";
/** Every demo user's address ends with this, so a reset finds them all. */
const DOMAIN = "example.com";

export interface DemoUser {
  id: string;
  email: string;
  name: string;
}

export interface DemoAccount {
  id: string;
  slug: string;
  name: string;
}

export interface DemoData {
  /** demo@example.com, owner of `demo`. */
  demoUser: DemoUser;
  /** reviewer@example.com, trainer in `demo`: resolves flagged and escalated mentor chats, reads no history. */
  reviewerUser: DemoUser;
  /** viewer@example.com, viewer of `other` only: sees none of `demo`. */
  otherViewer: DemoUser;
  accounts: { demo: DemoAccount; other: DemoAccount };
  /** A Supabase Auth access token for a user (HS256 with the local JWT secret), valid for `expiresIn` (default 24h). */
  mintJwt(user: { id: string; email: string }, expiresIn?: string | number): Promise<string>;
  /** True when this call wrote the demo; false when it was already there. */
  created: boolean;
}

export interface SeedDemoOptions {
  /** Delete the demo accounts and users first and build them again. */
  reset?: boolean;
  /** Calls of the `demo` account (default 3000; `other` gets a tenth). */
  calls?: number;
  log?: (line: string) => void;
}

const mintJwt = (user: { id: string; email: string }, expiresIn: string | number = "24h") =>
  signJwt({ sub: user.id, role: "authenticated", aud: "authenticated", email: user.email }, undefined, expiresIn);

/**
 * Seeds the demo into the database at `dbUrl` once: when the `demo` account exists (and `reset` is not set)
 * it only looks the users up. Returns the users, accounts and a JWT minter for signed-in dashboard URLs.
 */
export async function seedDemo(dbUrl: string, opts: SeedDemoOptions = {}): Promise<DemoData> {
  // The gateway's price lookup caches like the functions do and listens for invalidations on SUPABASE_DB_URL.
  process.env.SUPABASE_DB_URL ??= dbUrl;
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  try {
    if (opts.reset) await deleteDemo(sql);
    const existing = await findDemo(sql);
    if (existing) return { ...existing, mintJwt, created: false };
    // Never take over (or delete) accounts that merely share the slugs: only a reset replaces them.
    const [taken] = await sql`select slug from public.accounts where slug in (${DEMO_SLUG}, ${OTHER_SLUG}) limit 1`;
    if (taken) {
      throw new Error(`an account '${taken.slug}' exists that is not the demo's: npm run demo:reset replaces it`);
    }
    const built = await buildDemo(sql, opts.calls ?? 3000, opts.log ?? (() => {}));
    return { ...built, mintJwt, created: true };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The demo accounts (their calls, rollups, feature rows and sessions cascade) and every demo user. */
async function deleteDemo(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`delete from public.accounts where slug in (${DEMO_SLUG}, ${OTHER_SLUG})`;
    await tx`delete from auth.users where email like ${`%@${DOMAIN}`} and raw_app_meta_data ->> 'demo' = 'true'`;
  });
}

async function findDemo(sql: postgres.Sql): Promise<Omit<DemoData, "mintJwt" | "created"> | null> {
  const accounts = await sql<DemoAccount[]>`
    select id, slug, name from public.accounts where slug in (${DEMO_SLUG}, ${OTHER_SLUG})`;
  const users = await sql<DemoUser[]>`
    select id, email, coalesce(full_name, email) as name from public.users
     where email in ('demo@example.com', 'reviewer@example.com', 'viewer@example.com')`;
  const demo = accounts.find((a) => a.slug === DEMO_SLUG);
  const other = accounts.find((a) => a.slug === OTHER_SLUG);
  const user = (email: string) => users.find((u) => u.email === email);
  const [demoUser, reviewerUser, otherViewer] = ["demo", "reviewer", "viewer"].map((n) => user(`${n}@${DOMAIN}`));
  if (!demo || !other || !demoUser || !reviewerUser || !otherViewer) return null;
  return { demoUser, reviewerUser, otherViewer, accounts: { demo, other } };
}

/** A Supabase Auth sign-up with a fixed address (fixtures' createUser picks random ones), marked as demo. */
async function signUp(sql: postgres.Sql, local: string, name: string): Promise<TestUser & { name: string }> {
  const email = `${local}@${DOMAIN}`;
  const [row] = await sql<{ id: string }[]>`
    insert into auth.users (id, aud, role, email, raw_user_meta_data, raw_app_meta_data, created_at, updated_at)
    values (gen_random_uuid(), 'authenticated', 'authenticated', ${email}, ${sql.json({ full_name: name })},
            ${sql.json({ demo: true })}, now(), now())
    returning id`;
  return { id: row.id, email, name, jwt: await mintJwt({ id: row.id, email }) };
}

/** mulberry32: a small seeded generator, so the demo is the same on every reset. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]) => items[Math.floor(next() * items.length)],
    weighted: <T>(items: readonly (readonly [T, number])[]) => {
      let r = next() * items.reduce((n, [, w]) => n + w, 0);
      for (const [item, w] of items) if ((r -= w) < 0) return item;
      return items[items.length - 1][0];
    },
    /** Log-normal around `median`: latencies and token counts have long right tails. */
    lognormal: (median: number, spread: number) => {
      const u = Math.max(next(), 1e-9);
      const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
      return Math.max(1, Math.round(median * Math.exp(spread * z)));
    },
  };
}
type Rng = ReturnType<typeof rng>;

interface ModelSpec {
  model: string;
  provider: string;
  /** The model as sent upstream (the price key's tail). */
  upstream: string;
  weight: number;
  latency: number;
  reasoning?: boolean;
}

const MODELS: ModelSpec[] = [
  { model: "gpt-4o-mini", provider: "openai", upstream: "gpt-4o-mini", weight: 30, latency: 900 },
  { model: "gpt-4o", provider: "openai", upstream: "gpt-4o", weight: 10, latency: 1800 },
  { model: "gpt-4.1-mini", provider: "openai", upstream: "gpt-4.1-mini", weight: 10, latency: 1100 },
  { model: "o4-mini", provider: "openai", upstream: "o4-mini", weight: 5, latency: 4500, reasoning: true },
  {
    model: "claude-3-5-haiku-20241022",
    provider: "anthropic",
    upstream: "claude-3-5-haiku-20241022",
    weight: 15,
    latency: 1200,
  },
  {
    model: "claude-sonnet-4-20250514",
    provider: "anthropic",
    upstream: "claude-sonnet-4-20250514",
    weight: 8,
    latency: 2600,
  },
  {
    model: "meta-llama/llama-3.1-8b-instruct",
    provider: "openrouter",
    upstream: "meta-llama/llama-3.1-8b-instruct",
    weight: 8,
    latency: 700,
  },
  {
    model: "google/gemini-2.0-flash-001",
    provider: "openrouter",
    upstream: "google/gemini-2.0-flash-001",
    weight: 14,
    latency: 800,
  },
];

const COUNTRIES = [["US", 30], ["DE", 18], ["GB", 10], ["FR", 8], ["NL", 6], ["BR", 7], ["IN", 11], ["JP", 5], [
  "ES",
  5,
]] as const;

const FAILURES = [
  { code: "rate_limit_exceeded", message: "Rate limit reached for requests per min: limit 500, used 500", http: 429 },
  { code: "upstream_error", message: "The upstream provider failed with status 502", http: 502 },
  { code: "context_length_exceeded", message: "This model's maximum context length is 128000 tokens", http: 400 },
  { code: "upstream_timeout", message: "The upstream provider timed out after 60000 ms", http: 504 },
] as const;

const MENTOR_QUESTIONS = [
  ["How do I join two tables in SQL?", "Use JOIN ... ON with the columns both tables share, e.g. orders.customer_id."],
  ["What is the difference between WHERE and HAVING?", "WHERE filters rows before grouping; HAVING filters groups."],
  ["Why is my GROUP BY query returning duplicates?", "A selected column is not grouped or aggregated; check them."],
  ["How do indexes make queries faster?", "An index is a sorted copy of columns, so lookups skip the full scan."],
  ["When should I use a LEFT JOIN?", "When rows of the left table must stay even without a match on the right."],
  ["What does normalization mean?", "Storing each fact once, so updates cannot leave copies disagreeing."],
  ["How do I write a subquery?", "Put a SELECT in parentheses where a value or a table is expected."],
  ["What is a window function?", "An aggregate over related rows that keeps every row, e.g. a running total."],
] as const;
const GURU_TYPES = ["study_planner", "code_reviewer", "quiz_coach"] as const;
const TWIN_KINDS = [["sales", "email_draft"], ["sales", "meeting_summary"], ["support", "reply_suggestion"], [
  "support",
  "ticket_summary",
]] as const;
const CHAT_LINES = [
  ["Do you ship to Berlin?", "Yes, we ship to Germany in 2-3 business days."],
  ["What are your opening hours?", "We are open Monday to Friday, 9:00 to 18:00."],
  ["Can I return a product after 30 days?", "Returns are accepted within 60 days with the receipt."],
  ["Is the premium plan billed monthly?", "You can choose monthly or yearly billing; yearly saves 20%."],
] as const;
const CUSTOM_TASKS = ["summarize_ticket", "classify_lead", "translate_docs", "extract_invoice"] as const;

type Feature = "mentor" | "guru" | "twin" | "chat" | "custom";

interface World {
  account: TestAccount;
  name: string;
  students: TestUser[];
  members: TestUser[];
  keys: { id: string }[];
  instances: { id: string; slug: string; agentType: string }[];
  variants: string[];
  course: { id: string; topics: string[] } | null;
  sessions: { id: string; instance: number; email: string | null; name: string | null }[];
}

interface Planned {
  entry: LedgerEntry;
  feature: Feature;
  userId: string | null;
}

const DAY_MS = 86_400_000;

/** A timestamp in the last 30 days: more calls on weekdays and in working hours, and growing towards now. */
function callTime(r: Rng, now: number): Date {
  for (;;) {
    const ago = Math.pow(r.next(), 1.3) * 30 * DAY_MS;
    const t = new Date(now - ago - 60_000);
    const hour = t.getUTCHours();
    const weekday = t.getUTCDay() % 6 !== 0;
    const keep = (weekday ? 1 : 0.45) * (hour >= 7 && hour <= 20 ? 1 : 0.35);
    if (r.next() < keep) return t;
  }
}

async function planCall(
  sql: postgres.Sql,
  r: Rng,
  w: World,
  now: number,
  index: number,
): Promise<Planned> {
  const feature = r.weighted<Feature>([["mentor", 22], ["guru", 12], ["twin", 10], ["chat", 26], ["custom", 30]]);
  const spec = r.weighted(MODELS.map((m) => [m, m.weight] as const));
  const at = callTime(r, now);
  // Features and the chat widget call as signed-in users; custom calls come from the apps' API keys.
  const student = r.pick(w.students);
  const userId = feature === "mentor" || feature === "guru"
    ? student.id
    : feature === "twin"
    ? r.pick(w.members).id
    : null;
  const apiKeyId = userId ? null : r.pick(w.keys).id;
  const roll = r.next();
  const failure = roll < 0.035 ? r.pick(FAILURES) : null;
  const partial = !failure && roll < 0.05;
  const isStream = feature === "chat" || r.next() < 0.45;
  const prompt = r.lognormal(feature === "chat" ? 900 : 600, 0.7);
  const completion = r.lognormal(feature === "custom" ? 250 : 400, 0.6);
  const cached = r.next() < 0.3 ? Math.floor(prompt * 0.6) : 0;
  const reasoning = spec.reasoning ? Math.floor(completion * 0.6) : 0;
  const usage: NormalizedUsage | null = failure ? null : {
    prompt_tokens: prompt,
    completion_tokens: partial ? Math.floor(completion / 3) : completion,
    total_tokens: prompt + (partial ? Math.floor(completion / 3) : completion),
    cached_tokens: cached,
    cache_creation_tokens: 0,
    cache_creation_1h_tokens: 0,
    reasoning_tokens: partial ? 0 : reasoning,
    provider_cost: null,
    service_tier: null,
  };
  const latency = failure ? r.lognormal(failure.http === 504 ? 60_000 : 400, 0.4) : r.lognormal(spec.latency, 0.5);
  const ttft = isStream && !failure ? Math.min(latency, r.lognormal(Math.max(150, spec.latency / 4), 0.5)) : null;
  const caller: Caller = {
    accountId: w.account.id,
    accountSlug: w.account.slug,
    userId,
    apiKeyId,
    settings: { log_request_bodies: true, log_response_bodies: true, max_request_bytes: null },
  };
  const price = await resolvePrice(sql, w.account.id, priceKeys(spec.provider, spec.upstream, spec.model));
  const content = contentFor(r, feature);
  const messages = [{ role: "user", content: content.question }];
  const session = feature === "chat" ? r.pick(w.sessions) : null;
  const instance = session ? w.instances[session.instance] : null;
  const requestId = crypto.randomUUID();
  const properties: Record<string, Json> = feature === "custom" ? { feature, task: r.pick(CUSTOM_TASKS) } : { feature };
  const entry = buildLedgerEntry({
    requestId,
    interactionId: crypto.randomUUID(),
    at,
    caller,
    userId,
    agent: instance
      ? { sessionId: session!.id, instanceId: instance.id, instanceSlug: instance.slug, agentType: instance.agentType }
      : undefined,
    endUser: apiKeyId ? `customer-${r.int(1, 60)}` : null,
    conversationId: feature === "mentor" || feature === "guru" ? `conv-${student.id.slice(0, 8)}-${r.int(1, 6)}` : null,
    properties,
    provider: spec.provider,
    model: spec.model,
    isStream,
    status: failure ? "error" : partial ? "partial" : "complete",
    httpStatus: failure ? failure.http : 200,
    finishReason: failure ? null : partial ? null : "stop",
    error: failure
      ? { code: failure.code, message: failure.message }
      : partial
      ? { code: "client_disconnected", message: "The client closed the stream" }
      : null,
    requestBody: { model: spec.model, messages, stream: isStream },
    responseBody: failure ? null : {
      object: "chat.completion",
      model: spec.model,
      choices: [{ index: 0, message: { role: "assistant", content: content.answer }, finish_reason: "stop" }],
    },
    messages,
    usage,
    usageSource: usage ? "provider" : null,
    price,
    latencyMs: latency,
    ttftMs: ttft,
    ip: null,
    country: r.weighted(COUNTRIES),
  });
  entry.feature = failure ? null : featureRow(r, w, feature, requestId, userId, student, content, index);
  return { entry, feature, userId };
}

function contentFor(r: Rng, feature: Feature): { question: string; answer: string } {
  switch (feature) {
    case "mentor": {
      const [question, answer] = r.pick(MENTOR_QUESTIONS);
      return { question, answer };
    }
    case "guru":
      return { question: "Plan my week of study for the SQL course", answer: "Monday: joins. Tuesday: grouping…" };
    case "twin":
      return { question: "Draft a follow-up to the customer after today's call", answer: "Hi Dana, thanks for…" };
    case "chat": {
      const [q, a] = r.pick(CHAT_LINES);
      return { question: q, answer: a };
    }
    default:
      return { question: "Summarize this ticket: the export button does nothing", answer: "Export broken in UI." };
  }
}

function featureRow(
  r: Rng,
  w: World,
  feature: Feature,
  requestId: string,
  userId: string | null,
  student: TestUser,
  content: { question: string; answer: string },
  index: number,
): FeatureRow | null {
  const id = crypto.randomUUID();
  if (feature === "mentor" && w.course) {
    return {
      table: "ai_mentor_chats",
      row: {
        id,
        account_id: w.account.id,
        user_id: student.id,
        course_id: w.course.id,
        topic_id: r.pick(w.course.topics),
        conversation_id: `conv-${student.id.slice(0, 8)}-${index % 6}`,
        question: content.question,
        response: content.answer,
        prompt_variant_id: w.variants.length && r.next() < 0.8 ? r.pick(w.variants) : null,
        question_hash: questionHash(content.question),
        llm_request_id: requestId,
      },
    };
  }
  if (feature === "guru") {
    return {
      table: "guru_interactions",
      row: {
        id,
        org_id: w.account.id,
        student_id: student.id,
        agent_type: r.pick(GURU_TYPES),
        conversation_id: null,
        input: { goal: content.question },
        output: { plan: content.answer },
        llm_request_id: requestId,
      },
    };
  }
  if (feature === "twin" && userId) {
    const [role, kind] = r.pick(TWIN_KINDS);
    return {
      table: "employee_twin_interactions",
      row: {
        id,
        org_id: w.account.id,
        user_id: userId,
        twin_role: role,
        interaction_type: kind,
        prompt: content.question,
        response: content.answer,
        context: {},
        llm_request_id: requestId,
      },
    };
  }
  return null;
}

async function buildWorld(
  sql: postgres.Sql,
  owner: TestUser,
  slug: string,
  name: string,
  opts: { students: number; members: number; academy: boolean },
): Promise<World> {
  const account = await createAccount(sql, owner, { slug });
  await sql`update public.accounts set name = ${name} where id = ${account.id}`;
  const students: TestUser[] = [];
  const members: TestUser[] = [];
  const names = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"];
  for (let i = 0; i < opts.students; i++) {
    const full = names[i % names.length];
    students.push(await addMember(sql, account, "student", await signUp(sql, `${slug}-student${i + 1}`, full)));
  }
  const staff = ["Maria Sales", "Tom Support", "Lena Ops"];
  for (let i = 0; i < opts.members; i++) {
    members.push(await addMember(sql, account, "member", await signUp(sql, `${slug}-member${i + 1}`, staff[i % 3])));
  }
  const keys = [
    await createApiKey(sql, account, "Backend (production)"),
    await createApiKey(sql, account, "Batch jobs"),
  ];
  const instances = [
    {
      ...(await createInstance(sql, account, { slug: "support-bot", agentType: "sales_agent", template: "sales" })),
      agentType: "sales_agent",
    },
    { ...(await createInstance(sql, account, { slug: "docs-helper" })), agentType: "simple_chat" },
  ];
  await sql`update public.agent_instances set display_name = case instance_slug when 'support-bot' then 'Support bot'
            else 'Docs helper' end where account_id = ${account.id}`;
  let variants: string[] = [];
  let course: World["course"] = null;
  if (opts.academy) {
    variants = (await asRole(sql, as(owner), (tx) =>
      tx<{ id: string }[]>`
      insert into public.ai_prompt_variants (account_id, name, system_prompt, weight)
      values (${account.id}, 'concise', 'Answer in three sentences at most.', 1),
             (${account.id}, 'socratic', 'Guide the student with questions before answering.', 1)
      returning id`, { commit: true })).map((v) => v.id);
    const [c] = await asRole(sql, as(owner), (tx) =>
      tx<{ id: string }[]>`
      insert into public.courses (account_id, title, status) values (${account.id}, 'SQL from zero', 'published')
      returning id`, { commit: true });
    const topics = await asRole(sql, as(owner), (tx) =>
      tx<{ id: string }[]>`
      insert into public.module_topics (account_id, course_id, title, position)
      values (${account.id}, ${c.id}, 'Joins', 1), (${account.id}, ${c.id}, 'Grouping', 2),
             (${account.id}, ${c.id}, 'Indexes', 3)
      returning id`, { commit: true });
    course = { id: c.id, topics: topics.map((t) => t.id) };
  }
  const sessions = await buildSessions(sql, account, instances, slug === DEMO_SLUG ? 40 : 6);
  return { account, name, students, members, keys, instances, variants, course, sessions };
}

/** Widget sessions with a transcript and, for most, the profile the chat extracted from it. */
async function buildSessions(
  sql: postgres.Sql,
  account: TestAccount,
  instances: { id: string }[],
  count: number,
): Promise<World["sessions"]> {
  const r = rng(count * 7919);
  const people = ["Dana Scully", "Fox Mulder", "Walter Skinner", "Monica Reyes", "John Doggett", "Jeffrey Spender"];
  const sessions: World["sessions"] = [];
  for (let i = 0; i < count; i++) {
    const instance = i % instances.length;
    const known = r.next() < 0.7;
    const person = people[i % people.length];
    const email = known ? `${person.split(" ")[0].toLowerCase()}.${i}@customer.example` : null;
    const started = new Date(Date.now() - r.next() * 30 * DAY_MS);
    const [s] = await sql<{ id: string }[]>`
      insert into public.sessions (account_id, agent_instance_id, session_key, email, is_anonymous, created_at,
                                   last_activity_at, metadata)
      values (${account.id}, ${instances[instance].id}, encode(extensions.gen_random_bytes(32), 'hex'), ${email},
              ${!known}, ${started}, ${started}, ${sql.json({ page: r.pick(["/pricing", "/shop", "/help"]) })})
      returning id`;
    const turns = r.int(1, 4);
    const rows = [];
    for (let t = 0; t < turns; t++) {
      const [q, a] = r.pick(CHAT_LINES);
      const at = new Date(started.getTime() + t * 90_000);
      rows.push({ session_id: s.id, role: "human", content: q, created_at: at });
      rows.push({ session_id: s.id, role: "assistant", content: a, created_at: new Date(at.getTime() + 4000) });
    }
    await sql`insert into public.messages ${sql(rows, "session_id", "role", "content", "created_at")}`;
    await sql`update public.sessions set last_activity_at = ${rows[rows.length - 1].created_at} where id = ${s.id}`;
    if (known) {
      await sql`
        insert into public.profiles (session_id, customer_name, email, address_city, products_of_interest)
        values (${s.id}, ${person}, ${email}, ${r.pick(["Berlin", "Austin", "Lyon", "Leeds"])},
                ${[r.pick(["premium plan", "starter kit", "gift card"])]})`;
    }
    sessions.push({ id: s.id, instance, email, name: known ? person : null });
  }
  return sessions;
}

/** Writes `count` calls of the world through the ledger and returns what was written. */
async function writeCalls(sql: postgres.Sql, w: World, count: number, seed: number): Promise<Planned[]> {
  const r = rng(seed);
  const now = Date.now();
  const planned: Planned[] = [];
  for (let i = 0; i < count; i++) planned.push(await planCall(sql, r, w, now, i));
  const ledger = new Ledger(() => sql, { maxBatch: 500 });
  await Promise.all(planned.map((p) => ledger.record(p.entry)));
  const status = ledger.status();
  if (status.deadLettered || status.lost) {
    throw new Error(`demo calls not stored: ${status.deadLettered} dead letters, ${status.lost} lost`);
  }
  return planned;
}

/**
 * What the users did with the answers: students rate most mentor chats (the socratic variant better), a few
 * escalate through escalate_mentor_chat, and guru and twin answers get thumbs up or down or are dismissed.
 */
async function applyFeedback(sql: postgres.Sql, w: World, seed: number): Promise<void> {
  const r = rng(seed);
  const chats = await sql<{ id: string; user_id: string; variant: string | null }[]>`
    select c.id, c.user_id, v.name as variant from public.ai_mentor_chats c
      left join public.ai_prompt_variants v on v.id = c.prompt_variant_id
     where c.account_id = ${w.account.id} order by c.created_at`;
  const ratings: { id: string; rating: number }[] = [];
  for (const c of chats) {
    if (r.next() > 0.7) continue;
    const bias = c.variant === "socratic" ? 0.6 : c.variant === "concise" ? 0 : -0.4;
    ratings.push({ id: c.id, rating: Math.min(5, Math.max(1, Math.round(3.4 + bias + (r.next() - 0.5) * 4.4))) });
  }
  if (ratings.length) {
    await sql`
      update public.ai_mentor_chats c set student_rating = x.rating,
             student_feedback = case when x.rating <= 2 then 'The answer did not help me' end
        from jsonb_to_recordset(${sql.json(ratings)}) as x(id uuid, rating integer)
       where c.id = x.id`;
  }
  // Every 25th chat from the first, at most 8: a random 4% left a small demo with none on some days.
  const escalate = chats.filter((_, i) => i % 25 === 0).slice(0, 8);
  const reasons = ["The answer contradicts the course material", "I need a human to check my exercise"];
  for (const c of escalate) {
    await asRole(sql, as(c.user_id), (tx) => tx`select public.escalate_mentor_chat(${c.id}, ${r.pick(reasons)})`, {
      commit: true,
    });
  }
  await sql`
    update public.guru_interactions set was_helpful = (random() < 0.75)
     where org_id = ${w.account.id} and random() < 0.6`;
  await sql`
    update public.employee_twin_interactions
       set was_helpful = case when random() < 0.5 then random() < 0.7 end, dismissed = random() < 0.15
     where org_id = ${w.account.id}`;
}

async function buildDemo(
  sql: postgres.Sql,
  calls: number,
  log: (line: string) => void,
): Promise<Omit<DemoData, "mintJwt" | "created">> {
  const started = Date.now();
  const demoOwner = await signUp(sql, "demo", "Demo Owner");
  const reviewer = await signUp(sql, "reviewer", "Riley Reviewer");
  const otherOwner = await signUp(sql, "other-owner", "Olivia Other");
  const viewer = await signUp(sql, "viewer", "Victor Viewer");
  const demo = await buildWorld(sql, demoOwner, DEMO_SLUG, "Demo Academy", { students: 5, members: 3, academy: true });
  await addMember(sql, demo.account, "trainer", reviewer);
  const other = await buildWorld(sql, otherOwner, OTHER_SLUG, "Other Corp", { students: 2, members: 1, academy: true });
  await addMember(sql, other.account, "viewer", viewer);
  await writeCalls(sql, demo, calls, 42);
  await writeCalls(sql, other, Math.max(30, Math.round(calls / 10)), 4242);
  await applyFeedback(sql, demo, 7);
  await applyFeedback(sql, other, 77);
  log(
    `demo data: ${calls} calls in '${DEMO_SLUG}', ${Math.round(calls / 10)} in '${OTHER_SLUG}' ` +
      `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  const user = (u: TestUser & { name: string }): DemoUser => ({ id: u.id, email: u.email, name: u.name });
  const account = (w: World): DemoAccount => ({ id: w.account.id, slug: w.account.slug, name: w.name });
  return {
    demoUser: user(demoOwner),
    reviewerUser: user(reviewer),
    otherViewer: user(viewer),
    accounts: { demo: account(demo), other: account(other) },
  };
}
