// `npm start` as root runs Postgres as the OS user `postgres`; a repository or data directory that
// user cannot enter must stop the start with one clear sentence, not a raw EACCES stack trace.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkReachableByPostgres, unreachableDir } from "../../scripts/lib/postgres.ts";

const base = mkdtempSync(path.join(tmpdir(), "gateway-access-"));
chmodSync(base, 0o700);
const inside = path.join(base, "repo", ".data", "postgres");
mkdirSync(path.dirname(inside), { recursive: true });

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe("npm start as root in a private directory", () => {
  it("finds the first directory another user cannot enter", () => {
    const stranger = { uid: 54_321, gids: [54_321] };
    expect(unreachableDir(inside, stranger)).toBe(base);
    const owner = statSync(base);
    expect(unreachableDir(inside, { uid: owner.uid, gids: [] })).toBeNull();
    expect(unreachableDir(path.join(tmpdir(), "does-not-exist-yet", "data"), stranger)).toBeNull();
    chmodSync(base, 0o711);
    try {
      expect(unreachableDir(inside, stranger)).toBeNull();
    } finally {
      chmodSync(base, 0o700);
    }
  });

  it("stops with one sentence that names the directory and what to do", () => {
    expect(() => checkReachableByPostgres(inside, true)).toThrow(
      new RegExp(
        `^running as root, Postgres runs as the OS user "postgres", which cannot enter ${base}; .*chmod o\\+x`,
      ),
    );
    expect(() => checkReachableByPostgres(inside, false)).not.toThrow();
  });
});
