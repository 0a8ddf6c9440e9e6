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

  it("reports the database reachable and the applied migration version", async () => {
    const res = await fetch(`${up.url}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.status).toBe("ok");
    expect(body.database.reachable).toBe(true);
    expect(body.migration).toBe(latestMigration);
  });

  it("answers 503 with a clear body when the database is down", async () => {
    const res = await fetch(`${down.url}/health`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.status).toBe("unavailable");
    expect(body.database.reachable).toBe(false);
    expect(body.database.error).toMatch(/ECONNREFUSED|connect/i);
  });

  it("answers 404 in the platform's shape for an unknown function", async () => {
    const res = await fetch(`${up.url}/no-such-function`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: "NOT_FOUND", message: "Requested function was not found" });
  });
});
