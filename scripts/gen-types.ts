// `npm run gen:types`: writes types/database.ts from what the current migrations produce.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "./lib/paths.ts";
import { throwawayDatabase } from "./lib/throwaway-db.ts";
import { generateTypes } from "./lib/typegen.ts";

const db = await throwawayDatabase();
try {
  const types = await generateTypes(db.url);
  const target = path.join(repoRoot, "types/database.ts");
  writeFileSync(target, types);
  console.log(`wrote ${path.relative(repoRoot, target)} (${types.split("\n").length} lines)`);
} finally {
  await db.stop();
}
