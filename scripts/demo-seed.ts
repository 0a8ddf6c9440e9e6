// `npm run demo:reset`: rebuilds the dashboard's demo data (scripts/lib/demo.ts) in the database of a running
// `npm start` (or DATABASE_URL), and prints the demo users and a signed-in dashboard token.
// `tsx scripts/demo-seed.ts` without --reset only seeds when the demo account is absent.
import { localUrl, redactUrl } from "./lib/postgres.ts";
import { seedDemo } from "./lib/demo.ts";

const reset = process.argv.includes("--reset");
const dbUrl = process.env.DATABASE_URL ?? localUrl(Number(process.env.DB_PORT ?? 54322));
const functionsUrl = `http://127.0.0.1:${process.env.FUNCTIONS_PORT ?? 54321}/functions/v1`;

try {
  const demo = await seedDemo(dbUrl, { reset, log: (line) => console.log(line) });
  const token = await demo.mintJwt(demo.demoUser);
  console.log(
    [
      demo.created ? "Demo data written." : "Demo data already present (npm run demo:reset rebuilds it).",
      `  accounts:  ${demo.accounts.demo.slug} ${demo.accounts.demo.id}, ${demo.accounts.other.slug} ${demo.accounts.other.id}`,
      `  owner:     ${demo.demoUser.email} ${demo.demoUser.id}`,
      `  reviewer:  ${demo.reviewerUser.email} ${demo.reviewerUser.id}`,
      `  viewer of '${demo.accounts.other.slug}': ${demo.otherViewer.email} ${demo.otherViewer.id}`,
      `  dashboard API: ${functionsUrl}/dashboard (x-account-id: ${demo.accounts.demo.id})`,
      `  owner JWT (24 h): ${token}`,
    ].join("\n"),
  );
  // The price cache's invalidation listener would keep the process alive.
  process.exit(0);
} catch (err) {
  console.error(`demo seed failed: ${err instanceof Error ? err.message : err}`);
  console.error(`Is the database running (npm start) at ${redactUrl(dbUrl)}?`);
  process.exit(1);
}
