import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The integration files share one Postgres and each starts a Deno server: two at a time fits
    // a 2-core machine without starving them into timeouts.
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "unit",
          // test/security/redaction-* need no database.
          include: ["test/unit/**/*.test.ts", "test/security/redaction-*.test.ts"],
        },
      },
      {
        test: {
          name: "integration",
          include: [
            "test/db/**/*.test.ts",
            "test/functions/**/*.test.ts",
            "test/types/**/*.test.ts",
            "test/security/**/*.test.ts",
            // Chromium against the built dashboard on a stack of its own (see the file).
            "test/browser/**/*.test.ts",
          ],
          exclude: ["test/security/redaction-*.test.ts"],
          globalSetup: ["test/setup/database.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
