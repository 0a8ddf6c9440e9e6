import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/db/**/*.test.ts", "test/functions/**/*.test.ts", "test/types/**/*.test.ts"],
          globalSetup: ["test/setup/database.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One Postgres for the run; files share it, so keep them from starving a 2-core machine.
          maxWorkers: 2,
        },
      },
    ],
  },
});
