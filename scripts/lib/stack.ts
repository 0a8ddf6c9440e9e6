// The whole local stack as one unit, shared by `npm start`, the test setup and the benchmarks.
import path from "node:path";
import { redactUrl, type RunningPostgres, startEmbeddedPostgres, waitForDatabase } from "./postgres.ts";
import { migrate } from "./migrate.ts";
import { type RunningFunctions, startFunctionsServer } from "./functions.ts";
import { LOCAL_JWT_SECRET, projectKeys } from "./keys.ts";

export interface StackOptions {
  /** Use this database instead of starting one. */
  databaseUrl?: string;
  dbPort: number;
  dataDir: string;
  persistent: boolean;
  functionsPort: number;
  /** Extra env for the functions (e.g. provider base URLs pointing at a fake). */
  functionsEnv?: Record<string, string>;
  log: (line: string) => void;
  onFunctionsOutput?: (line: string) => void;
}

export interface Stack {
  dbUrl: string;
  displayDbUrl: string;
  dataDir: string | null;
  functionsUrl: string;
  functions: RunningFunctions;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** The env vars Supabase gives every function, for a given database and functions URL. */
export async function functionEnv(dbUrl: string, functionsPort: number): Promise<Record<string, string>> {
  const { anonKey, serviceRoleKey } = await projectKeys(LOCAL_JWT_SECRET);
  const supabaseUrl = `http://127.0.0.1:${functionsPort}`;
  return {
    SUPABASE_URL: supabaseUrl,
    SUPABASE_DB_URL: dbUrl,
    SUPABASE_ANON_KEY: anonKey,
    SUPABASE_SERVICE_ROLE_KEY: serviceRoleKey,
    SUPABASE_JWT_SECRET: LOCAL_JWT_SECRET,
  };
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  let pg: RunningPostgres | null = null;
  let functions: RunningFunctions | null = null;
  try {
    let dbUrl: string;
    if (opts.databaseUrl) {
      dbUrl = opts.databaseUrl;
      opts.log(`Using DATABASE_URL ${redactUrl(dbUrl)}`);
    } else {
      opts.log(`Starting Postgres 17 on 127.0.0.1:${opts.dbPort} (data: ${opts.dataDir})`);
      pg = await startEmbeddedPostgres({
        dataDir: opts.dataDir,
        port: opts.dbPort,
        persistent: opts.persistent,
        logFile: path.join(path.dirname(opts.dataDir), `postgres-${opts.dbPort}.log`),
      });
      dbUrl = pg.url;
    }
    await waitForDatabase(dbUrl);
    opts.log("Applying platform bootstrap, migrations (supabase db push) and seed");
    await migrate(dbUrl);
    const env = { ...(await functionEnv(dbUrl, opts.functionsPort)), ...opts.functionsEnv };
    opts.log(`Starting functions server on 127.0.0.1:${opts.functionsPort}`);
    functions = await startFunctionsServer({ port: opts.functionsPort, env, onOutput: opts.onFunctionsOutput });
    const running = { pg, functions };
    return {
      dbUrl,
      displayDbUrl: opts.databaseUrl ? redactUrl(dbUrl) : dbUrl,
      dataDir: pg ? opts.dataDir : null,
      functionsUrl: functions.url,
      functions,
      env,
      stop: async () => {
        await running.functions.stop();
        await running.pg?.stop();
      },
    };
  } catch (err) {
    await functions?.stop();
    await pg?.stop();
    throw err;
  }
}
