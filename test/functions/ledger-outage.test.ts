// A database outage must never fail a client's call, and the log rows written meanwhile must land
// once the database is back: this file runs its own Postgres so it can stop it mid-run.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import OpenAI from "openai";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../scripts/lib/migrate.ts";
import { type RunningPostgres, startEmbeddedPostgres } from "../../scripts/lib/postgres.ts";
import { freePort } from "../../scripts/lib/net.ts";
import { answerText, type FakeProvider, startFakeProvider } from "../helpers/fake-provider.ts";
import { createAccount, createApiKey, type TestAccount, waitFor } from "../helpers/fixtures.ts";
import { proxyClient, startFunctions, type TestFunctions } from "../helpers/stack.ts";

let base: string;
let port: number;
let pg: RunningPostgres;
let sql: postgres.Sql;
let fake: FakeProvider;
let fns: TestFunctions;
let account: TestAccount;
let client: OpenAI;

const startPg = () =>
  startEmbeddedPostgres({
    dataDir: path.join(base, "data"),
    port,
    persistent: true,
    logFile: path.join(base, "postgres.log"),
  });

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), "gateway-outage-"));
  chmodSync(base, 0o755);
  port = await freePort();
  pg = await startPg();
  await migrate(pg.url);
  sql = postgres(pg.url, { max: 2, onnotice: () => {} });
  account = await createAccount(sql);
  const key = await createApiKey(sql, account);
  fake = await startFakeProvider();
  fns = await startFunctions({
    SUPABASE_DB_URL: pg.url,
    OPENROUTER_BASE_URL: fake.openaiBaseUrl,
    OPENROUTER_API_KEY: "sk-or-v1-outage-test-key-0123456789",
  });
  client = proxyClient(fns, key.key);
});

afterAll(async () => {
  await fns?.stop();
  await fake?.stop();
  await sql?.end({ timeout: 1 });
  await pg?.stop();
  rmSync(base, { recursive: true, force: true });
});

async function call(i: number): Promise<string> {
  const messages = [{ role: "user" as const, content: `call ${i}` }];
  if (i % 2 === 0) {
    const res = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages });
    return res.choices[0].message.content ?? "";
  }
  let text = "";
  for await (
    const chunk of await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages, stream: true })
  ) {
    text += chunk.choices[0]?.delta?.content ?? "";
  }
  return text;
}

async function loggedRows(): Promise<{ requests: number; interactions: number }> {
  const [row] = await sql`
    select (select count(*)::int from public.llm_requests where account_id = ${account.id}) as requests,
           (select count(*)::int from public.ai_interactions where account_id = ${account.id}) as interactions`;
  return row as { requests: number; interactions: number };
}

describe("ledger during a database outage", () => {
  it("answers every call while Postgres is down and writes all their rows once it is back", async () => {
    // Warm the gateway's caches (key, prices), as on any instance that has served traffic.
    expect(await call(0)).toBe(answerText(6));

    await sql.end({ timeout: 1 });
    await pg.stop();
    const during = 12;
    const answers = [];
    for (let i = 1; i <= during; i++) answers.push(await call(i));
    expect(answers).toEqual(Array(during).fill(answerText(6)));

    pg = await startPg();
    sql = postgres(pg.url, { max: 2, onnotice: () => {} });
    const expected = { requests: during + 1, interactions: during + 1 };
    const counts = await waitFor(async () => {
      const c = await loggedRows();
      return c.requests >= expected.requests && c.interactions >= expected.interactions && c;
    }, { timeoutMs: 30_000, intervalMs: 250, what: "the rows of the calls answered during the outage" });
    expect(counts).toEqual(expected);
    const [{ dead }] = await sql`select count(*)::int as dead from private.ledger_dead_letters`;
    expect(dead).toBe(0);
  });
});
