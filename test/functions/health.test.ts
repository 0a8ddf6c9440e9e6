import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFunctions, type TestFunctions } from "../helpers/stack.ts";

const latestMigration = readdirSync("supabase/migrations")
  .filter((f) => f.endsWith(".sql"))
  .map((f) => f.split("_")[0])
  .sort()
  .at(-1) ?? null;

describe("health function", () => {
  let up: TestFunctions;
  let down: TestFunctions;

  beforeAll(async () => {
    [up, down] = await Promise.all([
      startFunctions(),
      // Nothing listens on port 1: the database is unreachable for this server.
      startFunctions({ SUPABASE_DB_URL: "postgresql://postgres:postgres@127.0.0.1:1/postgres" }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([up?.stop(), down?.stop()]);
  });

  /** GET /health: the HTTP status next to the body. */
  const health = async (fns: TestFunctions) => {
    const res = await fetch(`${fns.url}/health`);
    return { http: res.status, ...(await res.json()) };
  };

  it("reports the database reachable and the applied migration version", async () => {
    const body = await health(up);
    expect(body).toMatchObject({ http: 200, status: "ok", database: { reachable: true } });
    expect(body.migration).toBe(latestMigration);
  });

  it("answers 503 with a clear body when the database is down", async () => {
    const body = await health(down);
    expect(body).toMatchObject({ http: 503, status: "unavailable", database: { reachable: false } });
    expect(body.database.error).toMatch(/ECONNREFUSED|connect/i);
  });

  it("answers 404 in the platform's shape for an unknown function", async () => {
    const res = await fetch(`${up.url}/no-such-function`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: "NOT_FOUND", message: "Requested function was not found" });
  });
});
