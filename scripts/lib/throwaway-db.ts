// A migrated database that lives only as long as a script or test run needs it.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startEmbeddedPostgres, waitForDatabase } from "./postgres.ts";
import { migrate } from "./migrate.ts";
import { freePort } from "./net.ts";

export interface ThrowawayDb {
  url: string;
  dataDir: string | null;
  stop(): Promise<void>;
}

/** DATABASE_URL when set (migrated in place), otherwise a fresh embedded Postgres in a temp dir. */
export async function throwawayDatabase(
  opts: { migrate?: boolean; settings?: string[] } = {},
): Promise<ThrowawayDb> {
  if (process.env.DATABASE_URL) {
    const url = process.env.DATABASE_URL;
    await waitForDatabase(url);
    if (opts.migrate !== false) await migrate(url);
    return { url, dataDir: null, stop: async () => {} };
  }
  // Under the OS temp dir so the unprivileged `postgres` user can reach it when we run as root.
  const base = mkdtempSync(path.join(tmpdir(), "gateway-pg-"));
  chmodSync(base, 0o755);
  const dataDir = path.join(base, "data");
  const pg = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    persistent: false,
    logFile: path.join(base, "postgres.log"),
    settings: opts.settings,
  });
  try {
    await waitForDatabase(pg.url);
    if (opts.migrate !== false) await migrate(pg.url);
  } catch (err) {
    await pg.stop();
    throw err;
  }
  return {
    url: pg.url,
    dataDir,
    stop: async () => {
      await pg.stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
