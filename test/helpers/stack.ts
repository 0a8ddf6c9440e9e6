// Per-file pieces of the stack for integration tests: a functions server on a free port with the
// env Supabase would give it (plus test overrides such as provider base URLs), and SQL clients.
import { inject } from "vitest";
import postgres from "postgres";
import { startFunctionsServer, type RunningFunctions } from "../../scripts/lib/functions.ts";
import { freePort } from "../../scripts/lib/net.ts";
import { functionEnv } from "../../scripts/lib/stack.ts";

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
