import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateTypes } from "../../scripts/lib/typegen.ts";
import { dbUrl } from "../helpers/stack.ts";

describe("types/database.ts", () => {
  it("matches what postgres-meta generates from the current migrations (run `npm run gen:types`)", async () => {
    const generated = await generateTypes(dbUrl());
    const committed = readFileSync("types/database.ts", "utf8");
    expect(committed, "types/database.ts is stale: run `npm run gen:types` and commit it").toBe(generated);
  });
});
