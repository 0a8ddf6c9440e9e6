// Row-level security, tested the way PostgREST runs requests (transaction, `set local role`,
// request.jwt.claims), for every public table x every role x select/insert/update/delete.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attempt, type Outcome, type Tx, type Who } from "../helpers/fixtures.ts";
import { type AccountFixture, startWorld, type WorldStack } from "./world.ts";
import {
  ACCOUNT_ROLES,
  expected,
  type Op,
  OPS,
  type RoleKey,
  ROLES,
  TABLES,
  type TableSpec,
  targetOf,
} from "./rls-matrix.ts";

let { sql, w } = {} as WorldStack;

beforeAll(async () => ({ sql, w } = await startWorld()));
afterAll(() => sql?.end({ timeout: 5 }));

function who(role: RoleKey): Who {
  if (role === "anon") return { role: "anon" };
  if (role === "service_role") return { role: "service_role" };
  return { role: "authenticated", userId: w.users[role] };
}

/** Wraps plain objects as JSON parameters. */
function params(tx: Tx, row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date) ? tx.json(v as never) : v,
    ]),
  );
}

function run(spec: TableSpec, role: RoleKey, op: Op, acct: AccountFixture): Promise<Outcome> {
  const target = targetOf(spec, w, acct);
  const caller = who(role).userId ?? null;
  switch (op) {
    case "select":
      return attempt(
        sql,
        who(role),
        (tx) => tx`select ${tx(spec.pk)} from ${tx("public." + spec.table)} where ${tx(spec.pk)} = ${target}`,
      );
    case "insert":
      return attempt(
        sql,
        who(role),
        (tx, row: Record<string, unknown>) =>
          tx`insert into ${tx("public." + spec.table)} ${tx(params(tx, row) as never)}`,
        (tx) => spec.insert(tx, w, acct, caller),
      );
    case "update":
      return attempt(
        sql,
        who(role),
        (tx) =>
          tx`update ${tx("public." + spec.table)} set ${tx(params(tx, spec.update(w)) as never)} where ${
            tx(spec.pk)
          } = ${target}`,
      );
    case "delete":
      return attempt(
        sql,
        who(role),
        (tx) => tx`delete from ${tx("public." + spec.table)} where ${tx(spec.pk)} = ${target}`,
        (tx) => spec.beforeDelete?.(tx, w),
      );
  }
}

function describeOutcome(o: Outcome): string {
  return o.ok ? `ok (${o.count} rows)` : `error ${o.code}: ${o.message}`;
}

/** Allowed: no error and exactly the one row. Denied: insufficient privilege / RLS (42501) or no row. */
function assertOutcome(o: Outcome, allowed: boolean, label: string) {
  if (allowed) {
    expect(o.ok && o.count === 1, `${label} should be allowed, got ${describeOutcome(o)}`).toBe(true);
  } else {
    const denied = (!o.ok && o.code === "42501") || (o.ok && o.count === 0);
    expect(denied, `${label} should be denied by privileges or RLS, got ${describeOutcome(o)}`).toBe(true);
  }
}

const cases = TABLES.flatMap((spec) => ROLES.flatMap((role) => OPS.map((op) => ({ spec, role, op }))));

describe(`RLS matrix: ${TABLES.length} tables x ${ROLES.length} roles x ${OPS.length} operations on account A's rows`, () => {
  it.each(cases.map((c) => [`${c.spec.table} ${c.role} ${c.op}`, c] as const))("%s", async (_name, c) => {
    const allowed = expected(c.spec, c.role, c.op);
    const o = await run(c.spec, c.role, c.op, w.a);
    assertOutcome(o, allowed, `${c.role} ${c.op} on ${c.spec.table}`);
    if (c.role === "anon") {
      expect(!o.ok && o.code === "42501", `anon has no privileges at all on ${c.spec.table}: ${describeOutcome(o)}`)
        .toBe(true);
    }
  });
});

const tenantTables = TABLES.filter((s) => s.tenant);
const crossCases = tenantTables.flatMap((spec) =>
  ACCOUNT_ROLES.flatMap((role) => OPS.map((op) => ({ spec, role, op })))
);

describe("outsiders: account A's members against account B's rows", () => {
  it.each(crossCases.map((c) => [`${c.spec.table} ${c.role}-of-A ${c.op} in B`, c] as const))(
    "%s is denied",
    async (_name, c) => {
      // mcp_servers is a global registry; its B row is the one restricted to account B.
      const o = await run(c.spec, c.role, c.op, w.b);
      assertOutcome(o, false, `${c.role} of A ${c.op} on B's ${c.spec.table}`);
    },
  );
});

describe("outsiders see nothing of another account", () => {
  it.each(tenantTables.map((s) => [s.table, s] as const))(
    "%s: B's owner sees zero of A's rows but sees B's",
    async (_n, spec) => {
      const table = `public.${spec.table}`;
      const aIds = [targetOf(spec, w, w.a)];
      const bIds = [targetOf(spec, w, w.b)];
      const seen = await attempt(
        sql,
        who("outsider"),
        (tx) => tx`select ${tx(spec.pk)} from ${tx(table)} where ${tx(spec.pk)} in ${tx([...aIds, ...bIds])}`,
      );
      expect(seen.ok, describeOutcome(seen)).toBe(true);
      const got = seen.ok ? seen.rows.map((r) => String((r as Record<string, unknown>)[spec.pk])) : [];
      expect(got.filter((id) => aIds.includes(id))).toEqual([]);
      if (spec.rights[0].startsWith("s")) expect(got.filter((id) => bIds.includes(id))).toEqual(bIds);
    },
  );
});

describe("the matrix covers every table", () => {
  it("has a spec for every table in public, and no spec for a missing table", async () => {
    const rows = await sql`select tablename from pg_tables where schemaname = 'public' order by 1`;
    expect(TABLES.map((s) => s.table).sort()).toEqual(rows.map((r) => r.tablename as string).sort());
  });
});

export const MATRIX_CASES = cases.length + crossCases.length;
