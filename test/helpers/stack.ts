// Per-file pieces of the stack for integration tests: SQL clients, a functions server on a free port with
// the env Supabase would give it (plus test overrides such as provider base URLs), and both together with
// the fake provider in one call.
import { inject } from "vitest";
import OpenAI from "openai";
import postgres from "postgres";
import { type RunningFunctions, startFunctionsServer } from "../../scripts/lib/functions.ts";
import { freePort } from "../../scripts/lib/net.ts";
import { functionEnv } from "../../scripts/lib/stack.ts";
import { type FakeProvider, type FakeProviderOptions, startFakeProvider } from "./fake-provider.ts";
import { addMember, createAccount, createApiKey, type Role, type TestAccount, type TestUser } from "./fixtures.ts";

export function dbUrl(): string {
  return inject("dbUrl");
}

/** A superuser connection for fixtures and for reading rows back. */
export function adminSql(): postgres.Sql {
  return postgres(dbUrl(), { max: 4, onnotice: () => {} });
}

export interface TestFunctions extends RunningFunctions {
  env: Record<string, string>;
  /** Everything the functions printed, for assertions about logs (e.g. no secrets). */
  logs(): string;
}

export async function startFunctions(extraEnv: Record<string, string> = {}): Promise<TestFunctions> {
  const port = await freePort();
  const env = { ...(await functionEnv(dbUrl(), port)), ...extraEnv };
  let output = "";
  const running = await startFunctionsServer({
    port,
    env,
    onOutput: (line) => {
      output += line + "\n";
      if (process.env.DEBUG_FUNCTIONS) process.stderr.write(`[functions] ${line}\n`);
    },
  });
  return Object.assign(running, { env, logs: () => output });
}

/** Provider keys shaped like real ones, so redaction and "no secret in the logs" are tested against them. */
export const PROVIDER_KEYS = {
  OPENROUTER_API_KEY: "sk-or-v1-test-openrouter-provider-key-0123456789",
  OPENAI_API_KEY: "sk-proj-test-openai-provider-key-0123456789abcdef",
  ANTHROPIC_API_KEY: "sk-ant-api03-test-anthropic-provider-key-0123456789",
};

/** Env that sends OpenRouter, OpenAI and Anthropic calls to the fake provider. */
export function allProvidersAt(fake: FakeProvider): Record<string, string> {
  return { OPENROUTER_BASE_URL: fake.openaiBaseUrl, OPENAI_BASE_URL: fake.openaiBaseUrl, ANTHROPIC_BASE_URL: fake.url };
}

/** The official openai SDK pointed at llm-proxy, with no retries (a test sees every answer as it is). */
export function proxyClient(fns: { url: string }, apiKeyOrJwt: string, headers: Record<string, string> = {}): OpenAI {
  const baseURL = `${fns.url}/llm-proxy/v1`;
  return new OpenAI({ apiKey: apiKeyOrJwt, baseURL, maxRetries: 0, defaultHeaders: headers });
}

/** A superuser SQL client and a functions server without a fake provider. Stop with stopStack. */
export async function startWithSql(env: Record<string, string> = {}): Promise<Omit<FakeProviderStack, "fake">> {
  const sql = adminSql();
  try {
    return { sql, fns: await startFunctions(env) };
  } catch (err) {
    await sql.end();
    throw err;
  }
}

export interface FakeProviderStack {
  /** A superuser connection (adminSql). */
  sql: postgres.Sql;
  fake: FakeProvider;
  fns: TestFunctions;
}

/**
 * What most integration files start in beforeAll: a superuser SQL client, the fake provider, and a functions
 * server whose OpenRouter is that fake (`env`, or `env(fake)`, adds to or overrides the functions' env).
 * Stop with stopStack.
 */
export async function startWithFakeProvider(
  env: Record<string, string> | ((fake: FakeProvider) => Record<string, string>) = {},
  fakeOptions: Partial<FakeProviderOptions> = {},
): Promise<FakeProviderStack> {
  const sql = adminSql();
  const fake = await startFakeProvider(fakeOptions).catch(async (err) => {
    await sql.end();
    throw err;
  });
  try {
    const extra = typeof env === "function" ? env(fake) : env;
    const fns = await startFunctions({ OPENROUTER_BASE_URL: fake.openaiBaseUrl, ...extra });
    return { sql, fake, fns };
  } catch (err) {
    await stopStack({ sql, fake });
    throw err;
  }
}

export interface ApiKeyStack extends FakeProviderStack {
  account: TestAccount;
  apiKey: { id: string; key: string };
  /** The openai SDK calling llm-proxy with `apiKey`. */
  client: OpenAI;
}

/** startWithFakeProvider, plus a fresh account, one API key of it and an SDK client using that key. */
export async function startWithApiKey(
  env: Parameters<typeof startWithFakeProvider>[0] = {},
  fakeOptions: Partial<FakeProviderOptions> = {},
): Promise<ApiKeyStack> {
  const stack = await startWithFakeProvider(env, fakeOptions);
  try {
    const account = await createAccount(stack.sql);
    const apiKey = await createApiKey(stack.sql, account);
    return { ...stack, account, apiKey, client: proxyClient(stack.fns, apiKey.key) };
  } catch (err) {
    await stopStack(stack);
    throw err;
  }
}

export interface StudentStack extends FakeProviderStack {
  account: TestAccount;
  /** A member of `account` with the student role, signed in (the AI features act for users). */
  student: TestUser;
}

/** startWithFakeProvider, plus a fresh account with one student: what the AI feature suites call with. */
export async function startWithStudent(env: Parameters<typeof startWithFakeProvider>[0] = {}): Promise<StudentStack> {
  const stack = await startWithFakeProvider(env);
  try {
    const account = await createAccount(stack.sql);
    return { ...stack, account, student: await addMember(stack.sql, account, "student" as Role) };
  } catch (err) {
    await stopStack(stack);
    throw err;
  }
}

/** Stops what was started, in reverse order; tolerates parts that never started (a failed beforeAll). */
export async function stopStack(stack: Partial<FakeProviderStack>): Promise<void> {
  await stack.fns?.stop();
  await stack.fake?.stop();
  await stack.sql?.end();
}
