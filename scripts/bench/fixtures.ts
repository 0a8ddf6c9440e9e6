// Fixtures created as the database superuser: accounts, users with roles, an account API key;
// and log-row counting for the lost-row check.
import { randomUUID } from "node:crypto";
import type postgres from "postgres";

export interface ProxyFixture {
  accountId: string;
  userId: string;
  apiKey: string;
  headers: Record<string, string>;
}

/** An account with an owner and an API key (through private.create_api_key, as the owner would). */
export async function createProxyFixture(sql: postgres.Sql): Promise<ProxyFixture> {
  const userId = randomUUID();
  const accountId = randomUUID();
  const email = `bench-owner-${userId.slice(0, 8)}@bench.local`;
  const key = await sql.begin(async (tx) => {
    await tx`insert into auth.users (id, aud, role, email, raw_user_meta_data)
             values (${userId}, 'authenticated', 'authenticated', ${email}, '{"full_name":"Bench Owner"}')`;
    // Enterprise: no tier limits, so the benchmark measures the gateway rather than a free tier's 429s.
    await tx`insert into public.accounts (id, name, slug, subscription_tier)
             values (${accountId}, 'Bench account', ${"bench-" + accountId.slice(0, 8)}, 'enterprise')`;
    await tx`insert into public.user_roles (user_id, account_id, role_id)
             select ${userId}, ${accountId}, id from public.roles where name = 'owner'`;
    await tx`select set_config('request.jwt.claims', ${JSON.stringify({ sub: userId, role: "authenticated" })}, true)`;
    const [row] = await tx`select key from private.create_api_key(${accountId}, 'benchmark')`;
    return row.key as string;
  });
  return { accountId, userId, apiKey: key, headers: { authorization: `Bearer ${key}` } };
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
