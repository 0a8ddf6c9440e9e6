// The benchmark's tenant, built with the tests' fixtures (test/helpers/fixtures.ts); and log-row counting
// for the lost-row check.
import type postgres from "postgres";
import { createAccount, createApiKey, createUser } from "../../test/helpers/fixtures.ts";

export interface ProxyFixture {
  accountId: string;
  userId: string;
  apiKey: string;
  headers: Record<string, string>;
}

/** An account with an owner and an API key, created the way apps create them. */
export async function createProxyFixture(sql: postgres.Sql): Promise<ProxyFixture> {
  const owner = await createUser(sql, "bench-owner", { fullName: "Bench Owner" });
  const account = await createAccount(sql, owner);
  // Enterprise: no tier limits, so the benchmark measures the gateway rather than a free tier's 429s.
  await sql`update public.accounts set subscription_tier = 'enterprise' where id = ${account.id}`;
  const { key } = await createApiKey(sql, account, "benchmark");
  return { accountId: account.id, userId: owner.id, apiKey: key, headers: { authorization: `Bearer ${key}` } };
}

export interface LogCounts {
  llmRequests: number;
  aiInteractions: number;
  deadLetters: number;
}

export async function countLogRows(sql: postgres.Sql): Promise<LogCounts> {
  const [r] = await sql`
    select (select count(*) from public.llm_requests)::int as llm,
           (select count(*) from public.ai_interactions)::int as ai,
           (select count(*) from private.ledger_dead_letters)::int as dead`;
  return { llmRequests: r.llm, aiInteractions: r.ai, deadLetters: r.dead };
}

/**
 * Waits until the proxy's asynchronous logging has drained: the count reaches `atLeast` (when given)
 * and stays unchanged for a few polls; bounded at 60 s.
 */
export async function waitForLogDrain(sql: postgres.Sql, atLeast = 0): Promise<LogCounts> {
  const deadline = Date.now() + 60_000;
  let last = await countLogRows(sql);
  let stable = 0;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await countLogRows(sql);
    if (now.llmRequests === last.llmRequests && now.aiInteractions === last.aiInteractions) stable++;
    else stable = 0;
    last = now;
    if ((last.llmRequests >= atLeast && stable >= 3) || stable >= 15) break;
  }
  return last;
}
