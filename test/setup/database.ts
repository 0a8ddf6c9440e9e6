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
}

declare module "vitest" {
  export interface ProvidedContext {
    dbUrl: string;
  }
}
