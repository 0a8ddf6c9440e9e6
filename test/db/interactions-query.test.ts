// public.get_ai_interactions (the seed's getAIInteractions for supabase-js): every filter, keyset
// pagination that stays stable while rows arrive, limits, bad cursors, and RLS scoping.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  as,
  createAccount,
  createUser,
  rpcRows,
  type TestAccount,
  type TestUser,
} from "../helpers/fixtures.ts";
import { adminSql, dbUrl } from "../helpers/stack.ts";

let sql: postgres.Sql;
let account: TestAccount;
let other: TestAccount;
let member: TestUser;
let viewer: TestUser;

interface Spec {
  minute: number;
  user?: string | null;
  status?: "success" | "error" | "partial";
  model?: string;
  provider?: string;
  feature?: string;
  conversation?: string;
  latency?: number;
}

const base = Date.parse("2026-10-01T12:00:00Z");
const at = (minute: number) => new Date(base + minute * 60_000).toISOString();

async function insert(accountId: string, specs: Spec[]): Promise<string[]> {
  const rows = specs.map((s) => ({
    id: crypto.randomUUID(),
    timestamp: at(s.minute),
    account_id: accountId,
    request: { messages: [{ role: "user", content: `m${s.minute}` }] },
    latency_ms: s.latency ?? 100,
    model_name: s.model ?? "gpt-4o-mini",
    user_id: s.user ?? null,
    status: s.status ?? "success",
    provider: s.provider ?? "openrouter",
    conversation_id: s.conversation ?? null,
    properties: s.feature ? { feature: s.feature } : {},
  }));
  await sql`
    insert into public.ai_interactions (id, "timestamp", account_id, request, latency_ms, model_name, user_id, status,
                                        provider, conversation_id, properties)
    select id, "timestamp", account_id, request, latency_ms, model_name, user_id, status, provider, conversation_id,
           properties
      from jsonb_populate_recordset(null::public.ai_interactions, ${JSON.stringify(rows)}::text::jsonb)`;
  return rows.map((r) => r.id);
}

type Args = Record<string, unknown>;

function query(userId: string, args: Args): Promise<Array<Record<string, unknown>>> {
  return rpcRows(sql, as(userId), "get_ai_interactions", { account_id: account.id, ...args });
}

const minutes = (rows: Array<Record<string, unknown>>) =>
  rows.map((r) => Math.round((new Date(r.timestamp as string).getTime() - base) / 60_000));

beforeAll(async () => {
  sql = adminSql();
  account = await createAccount(sql);
  other = await createAccount(sql);
  member = await addMember(sql, account, "member");
  viewer = await addMember(sql, account, "viewer");
  const stranger = await createUser(sql, "stranger");
  await insert(account.id, [
    { minute: 1, user: member.id, model: "gpt-4o", feature: "mentor", conversation: "c1", latency: 50 },
    { minute: 2, status: "error", provider: "openai", latency: 900 },
    { minute: 3, user: member.id, status: "partial", feature: "guru", latency: 1500 },
    { minute: 4, model: "claude-3", provider: "anthropic", conversation: "c1", latency: 300 },
    { minute: 5, user: member.id, feature: "mentor", latency: 2000 },
    { minute: 6, status: "error", model: "gpt-4o", conversation: "c2", latency: 10 },
  ]);
  await insert(other.id, [{ minute: 3, user: stranger.id }, { minute: 7 }]);
});
afterAll(() => sql.end());

describe("get_ai_interactions filters", () => {
  const cases: Array<[string, Args, number[]]> = [
    ["no filter, newest first", {}, [6, 5, 4, 3, 2, 1]],
    ["user_id", { user_id: "MEMBER" }, [5, 3, 1]],
    ["status", { status: "error" }, [6, 2]],
    ["model", { model: "gpt-4o" }, [6, 1]],
    ["provider", { provider: "anthropic" }, [4]],
    ["from (inclusive) and to (exclusive)", { from: at(2), to: at(5) }, [4, 3, 2]],
    ["feature (properties->>'feature')", { feature: "mentor" }, [5, 1]],
    ["conversation_id", { conversation_id: "c1" }, [4, 1]],
    ["min_latency_ms", { min_latency_ms: 900 }, [5, 3, 2]],
    ["combined: user + feature + from", { user_id: "MEMBER", feature: "mentor", from: at(2) }, [5]],
  ];
  for (const [name, args, expected] of cases) {
    it(name, async () => {
      const resolved = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v === "MEMBER" ? member.id : v]));
      expect(minutes(await query(account.owner.id, resolved))).toEqual(expected);
    });
  }
});

describe("get_ai_interactions pagination", () => {
  it("pages with next_cursor cover every row once, and stay stable while newer rows arrive", async () => {
    const first = await query(account.owner.id, { limit: 2 });
    expect(minutes(first)).toEqual([6, 5]);
    // A row arriving between pages (newer than everything) must not shift the next page.
    await insert(account.id, [{ minute: 30 }]);
    const second = await query(account.owner.id, { limit: 2, cursor: first[1].next_cursor });
    expect(minutes(second)).toEqual([4, 3]);
    const third = await query(account.owner.id, { limit: 2, cursor: second[1].next_cursor });
    expect(minutes(third)).toEqual([2, 1]);
    const done = await query(account.owner.id, { limit: 2, cursor: third[1].next_cursor });
    expect(done).toEqual([]);
  });

  it("rows with the same timestamp are split across pages without loss (id breaks ties)", async () => {
    const ids = await insert(account.id, [{ minute: 40 }, { minute: 40 }, { minute: 40 }]);
    const seen: string[] = [];
    let cursor: unknown = null;
    for (let i = 0; i < 3; i++) {
      const page = await query(account.owner.id, { limit: 1, from: at(40), cursor });
      seen.push(page[0].id as string);
      cursor = page[0].next_cursor;
    }
    expect(seen.sort()).toEqual([...ids].sort());
  });

  it("refuses a limit above 500, below 1, an unknown status and a malformed cursor (22023)", async () => {
    for (const args of [{ limit: 501 }, { limit: 0 }, { status: "ok" }, { cursor: "x'; drop table y; --" }]) {
      await expect(query(account.owner.id, args)).rejects.toMatchObject({ code: "22023" });
    }
  });
});

describe("get_ai_interactions under RLS", () => {
  it("members and viewers (view_history) read the account's rows, not the other account's", async () => {
    for (const who of [member, viewer]) {
      expect(minutes(await query(who.id, { to: at(10) }))).toEqual([6, 5, 4, 3, 2, 1]);
    }
  });

  it("another account's owner gets nothing for this account, even naming its users", async () => {
    expect(await query(other.owner.id, {})).toEqual([]);
    expect(await query(other.owner.id, { user_id: member.id })).toEqual([]);
  });

  it("anon cannot call it", async () => {
    const call = sql.begin(async (tx) => {
      await tx`select set_config('role', 'anon', true)`;
      return tx`select * from public.get_ai_interactions(${account.id}::uuid)`;
    });
    await expect(call).rejects.toMatchObject({ code: "42501" });
  });
});

describe("get_ai_interactions plans", () => {
  // The plan of the statement the function builds, via auto_explain's nested-statement logging sent
  // to this client. With sequential scans and sorts priced out, the planner shows which index serves
  // each filter in page order; on a few rows it could not tell otherwise.
  async function plan(args: Args): Promise<string> {
    const lines: string[] = [];
    const client = postgres(dbUrl(), { max: 1, onnotice: (n) => lines.push(String(n.message)) });
    try {
      await client.begin(async (tx) => {
        await tx.unsafe(`load 'auto_explain'; set local auto_explain.log_min_duration = 0;
          set local auto_explain.log_nested_statements = on; set local client_min_messages = log;
          set local enable_seqscan = off; set local enable_sort = off; set local enable_bitmapscan = off`);
        const params = { account_id: account.id, ...args };
        const call = Object.keys(params).map((n, i) => `"${n}" => $${i + 1}`).join(", ");
        await tx.unsafe(
          `select * from public.get_ai_interactions(${call})`,
          Object.values(params) as postgres.ParameterOrJSON<never>[],
        );
      });
    } finally {
      await client.end();
    }
    return lines.find((l) => l.includes("from public.ai_interactions i")) ?? lines.join("\n");
  }

  // Partitions name their copies of the parent's indexes after the columns, <partition>_<columns>_idx
  // (cut to 63 characters).
  const cases: Array<[string, Args, string]> = [
    ["no filter / from-to / min_latency_ms", { from: at(0), min_latency_ms: 1 }, "_account_id_timestamp_id_idx"],
    ["user_id", { user_id: "MEMBER" }, "_account_id_user_id_timestamp_id_idx"],
    ["status", { status: "error" }, "_account_id_status_timestamp_id_idx"],
    ["model", { model: "gpt-4o" }, "_account_id_model_name_timestamp_id_idx"],
    ["provider", { provider: "openai" }, "_account_id_provider_timestamp_id_idx"],
    ["feature", { feature: "mentor" }, "_account_id_expr_timestamp_id_idx"],
    ["conversation_id", { conversation_id: "c1" }, "_account_id_conversation_id_timestam"],
  ];
  for (const [name, args, index] of cases) {
    it(`${name}: ${index}, no sort`, async () => {
      const resolved = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, v === "MEMBER" ? member.id : v]));
      const text = await plan(resolved);
      expect(text).toMatch(/Index Scan/);
      expect(text).not.toMatch(/(^|->)\s*Sort\s+\(/m);
      expect(text).toContain(index);
    });
  }
});
