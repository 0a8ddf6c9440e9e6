// Row-level security runs its helpers on every read, so their per-call cost is every query's cost. A
// security-definer or `set search_path` SQL function is never inlined and plans its body again in every
// query that calls it (0.72 ms for accounts_with_permission), where PL/pgSQL keeps its plans for the session
// (0.07 ms). A helper called per row (private.ip_country) is planned once per query and may stay SQL.
// This keeps every function a policy reaches, directly or through another helper, out of the first kind.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;

beforeAll(() => {
  sql = adminSql();
});
afterAll(() => sql.end());

interface Fn {
  name: string;
  language: string;
  source: string;
  replans: boolean;
}

async function privateFunctions(): Promise<Map<string, Fn>> {
  const rows = await sql<Fn[]>`
    select p.proname as name, l.lanname as language, p.prosrc as source,
           (l.lanname = 'sql' and (p.prosecdef or p.proconfig is not null)) as replans
      from pg_proc p
      join pg_namespace n on n.oid = p.pronamespace
      join pg_language l on l.oid = p.prolang
     where n.nspname = 'private'`;
  return new Map(rows.map((r) => [r.name, r]));
}

function calledHelpers(text: string): string[] {
  return [...text.matchAll(/private\.([a-z_0-9]+)\s*\(/g)].map((m) => m[1]);
}

describe("policy helpers", () => {
  it("every private function a policy reaches keeps its plans (none is a non-inlinable SQL function)", async () => {
    const functions = await privateFunctions();
    const policies = await sql<{ expr: string }[]>`
      select coalesce(pg_get_expr(pol.polqual, pol.polrelid), '') || ' ' ||
             coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), '') as expr
        from pg_policy pol`;
    const reached = new Set<string>();
    const queue = policies.flatMap((p) => calledHelpers(p.expr));
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (reached.has(name) || !functions.has(name)) continue;
      reached.add(name);
      queue.push(...calledHelpers(functions.get(name)!.source));
    }
    expect(reached).toContain("accounts_with_permission");
    expect(reached).toContain("my_memberships");
    expect(reached).toContain("role_rank");
    const replanning = [...reached].filter((name) => functions.get(name)!.replans).sort();
    expect(replanning).toEqual([]);
  });
});
