// `npm run api-key:create -- <account-slug> [name]`: creates an account API key for the proxy and
// prints it once (only its SHA-256 is stored). For operators with database access; apps use the
// `create_api_key` RPC instead. Database: DATABASE_URL, default the `npm start` one.
import postgres from "postgres";
import { apiKeyDisplayPrefix, hashApiKey } from "../functions/_shared/auth/credentials.ts";
import { localUrl } from "./lib/postgres.ts";

const [slug, name = "operator key"] = process.argv.slice(2);
if (!slug) {
  console.error("usage: npm run api-key:create -- <account-slug> [name]");
  process.exit(2);
}
const sql = postgres(process.env.DATABASE_URL ?? localUrl(Number(process.env.DB_PORT ?? 54322)), {
  max: 1,
  onnotice: () => {},
});
try {
  // The database's generator, the same one create_api_key uses: one definition of the key format.
  const [{ key }] = await sql<{ key: string }[]>`select private.generate_api_key() as key`;
  const rows = await sql`
    insert into public.api_keys (account_id, name, prefix, key_hash)
    select id, ${name}, ${apiKeyDisplayPrefix(key)}, ${hashApiKey(key)} from public.accounts where slug = ${slug}
    returning id`;
  if (rows.length === 0) {
    console.error(`no account with slug '${slug}'`);
    process.exitCode = 1;
  } else {
    console.log(`API key for ${slug} (id ${rows[0].id}); it is shown only now:\n${key}`);
  }
} finally {
  await sql.end({ timeout: 5 });
}
