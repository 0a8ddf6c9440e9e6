// Advisor-style lints and guards over the migrated schema, so every future table and function is
// held to the same rules (they query the catalogs, not a list of today's objects).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminSql } from "../helpers/stack.ts";
import type { Sql } from "../helpers/fixtures.ts";

let sql: Sql;
beforeAll(() => {
  sql = adminSql();
});
afterAll(async () => {
  await sql?.end({ timeout: 5 });
});

const OUR_SCHEMAS = ["public", "private"];

describe("guard: row-level security on every public table", () => {
  it("every table in public has RLS enabled and at least one policy", async () => {
    const rows = await sql`
      select c.relname as table, c.relrowsecurity as rls,
             (select count(*)::int from pg_policies p where p.schemaname = 'public' and p.tablename = c.relname) as policies
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')
       order by 1`;
    expect(rows.length).toBeGreaterThan(0);
    const bad = rows.filter((r) => !r.rls || r.policies === 0).map((r) =>
      `${r.table} (rls=${r.rls}, policies=${r.policies})`
    );
    expect(bad, "tables without RLS or without a policy").toEqual([]);
  });

  it("anon has no privilege on any public table, view, column or sequence", async () => {
    const tables = await sql`
      select table_name, privilege_type from information_schema.role_table_grants
       where table_schema = 'public' and grantee in ('anon', 'PUBLIC')`;
    const columns = await sql`
      select table_name, column_name, privilege_type from information_schema.column_privileges
       where table_schema = 'public' and grantee in ('anon', 'PUBLIC')`;
    const sequences = await sql`
      select s.relname from (
        select c.oid, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind = 'S' offset 0) s
       where has_sequence_privilege('anon', s.oid, 'usage')`;
    expect([...tables, ...columns, ...sequences]).toEqual([]);
  });

  it("credentials and their hashes are not readable by authenticated (column grants)", async () => {
    const secrets = [["api_keys", "key_hash"], ["sessions", "session_key"], [
      "vector_db_configs",
      "connection_details",
    ]];
    const readable = [];
    for (const [table, column] of secrets) {
      const [row] =
        await sql`select has_column_privilege('authenticated', ${`public.${table}`}, ${column}, 'select') as ok`;
      if (row.ok) readable.push(`${table}.${column}`);
    }
    expect(readable).toEqual([]);
  });

  it("every policy applies to authenticated only", async () => {
    const rows = await sql`
      select tablename, policyname, roles::text[] as roles from pg_policies where schemaname = 'public'`;
    const bad = rows.filter((r) => JSON.stringify(r.roles) !== JSON.stringify(["authenticated"]));
    expect(bad.map((r) => `${r.tablename}: ${r.policyname} -> ${r.roles}`)).toEqual([]);
  });
});

describe("advisor lints", () => {
  it("no bare auth.uid()/auth.jwt()/auth.role() in policies (wrapped in a select)", async () => {
    const rows = await sql`select tablename, policyname, qual, with_check from pg_policies where schemaname = 'public'`;
    const bad: string[] = [];
    for (const r of rows) {
      for (const expr of [r.qual, r.with_check] as (string | null)[]) {
        if (!expr) continue;
        const stripped = expr.replace(/\( SELECT auth\.(uid|jwt|role)\(\) AS \w+\)/g, "");
        if (/auth\.(uid|jwt|role)\(\)/.test(stripped)) bad.push(`${r.tablename}: ${r.policyname}: ${expr}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("policy helpers are called wrapped in a sub-select", async () => {
    const rows = await sql`select tablename, policyname, qual, with_check from pg_policies where schemaname = 'public'`;
    const bad: string[] = [];
    for (const r of rows) {
      for (const expr of [r.qual, r.with_check] as (string | null)[]) {
        for (const m of (expr ?? "").matchAll(/(\S+)\s+private\.\w+\(/g)) {
          if (!["SELECT", "FROM"].includes(m[1])) bad.push(`${r.tablename}: ${r.policyname}: ${expr}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it("security definer functions are not executable by anon or PUBLIC, and none is in an exposed schema", async () => {
    const rows = await sql`
      select n.nspname as schema, p.proname as name, pg_get_function_identity_arguments(p.oid) as args,
             has_function_privilege('anon', p.oid, 'execute') as anon_exec,
             exists (select 1 from aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                      where a.grantee = 0 and a.privilege_type = 'EXECUTE') as public_exec
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where p.prosecdef and n.nspname = any(${OUR_SCHEMAS})`;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => r.anon_exec || r.public_exec).map((r) => `${r.schema}.${r.name}(${r.args})`)).toEqual([]);
    expect(rows.filter((r) => r.schema === "public").map((r) => `${r.name}(${r.args})`), "definer functions in public")
      .toEqual([]);
  });

  it("no function in public is executable by anon", async () => {
    const rows = await sql`
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname = 'public' and has_function_privilege('anon', p.oid, 'execute')`;
    expect(rows.map((r) => r.proname)).toEqual([]);
  });

  it("every function in public and private has a fixed search_path", async () => {
    const rows = await sql`
      select n.nspname || '.' || p.proname as name, p.proconfig
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        left join pg_depend d on d.objid = p.oid and d.deptype = 'e'
       where n.nspname = any(${OUR_SCHEMAS}) and d.objid is null`;
    expect(rows.length).toBeGreaterThan(0);
    const bad = rows.filter((r) => !(r.proconfig as string[] | null)?.some((c) => c.startsWith("search_path=")));
    expect(bad.map((r) => r.name)).toEqual([]);
  });

  it("views in public are security_invoker", async () => {
    const rows = await sql`
      select c.relname, c.reloptions from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('v', 'm')`;
    const bad = rows.filter((r) =>
      !(r.reloptions as string[] | null)?.some((o) => /^security_invoker=(true|on)$/.test(o))
    );
    expect(bad.map((r) => r.relname)).toEqual([]);
  });

  it("every foreign key is covered by an index (its columns lead an index)", async () => {
    const rows = await sql`
      select c.conrelid::regclass::text as table, c.conname
        from pg_constraint c
       where c.contype = 'f' and c.connamespace = 'public'::regnamespace
         and not exists (
           select 1 from pg_index i
            where i.indrelid = c.conrelid
              and (select array_agg(k order by k) from unnest((i.indkey::int2[])[0:array_length(c.conkey, 1) - 1]) k)
                = (select array_agg(k order by k) from unnest(c.conkey) k))`;
    expect(rows.map((r) => `${r.table}.${r.conname}`)).toEqual([]);
  });

  it("every column a policy filters on leads an index", async () => {
    const policies =
      await sql`select tablename, policyname, qual, with_check from pg_policies where schemaname = 'public'`;
    const columns = await sql`
      select table_name, column_name from information_schema.columns where table_schema = 'public'`;
    const indexes = await sql`
      select t.relname as table, a.attname as leading, pg_get_indexdef(i.indexrelid) as def
        from pg_index i
        join pg_class t on t.oid = i.indrelid
        join pg_namespace n on n.oid = t.relnamespace
        left join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
       where n.nspname = 'public'`;
    const bad: string[] = [];
    for (const p of policies) {
      const text = `${p.qual ?? ""} ${p.with_check ?? ""}`.replace(/'[^']*'/g, "");
      const cols = columns.filter((c) => c.table_name === p.tablename).map((c) => c.column_name as string);
      for (const col of cols) {
        if (!new RegExp(`(^|[^\\w.])${col}([^\\w(]|$)`).test(text)) continue;
        const covered = indexes.some(
          (i) =>
            i.table === p.tablename && (i.leading === col || (i.leading === null && (i.def as string).includes(col))),
        );
        if (!covered) bad.push(`${p.tablename}.${col} (${p.policyname})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it("every public table and view has a comment", async () => {
    const tables = await sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p', 'v') and obj_description(c.oid, 'pg_class') is null`;
    expect(tables.map((r) => r.relname)).toEqual([]);
  });

  it("no column comment only restates the column's name", async () => {
    const cols = await sql`
      select c.relname || '.' || a.attname as col, a.attname as name, col_description(c.oid, a.attnum) as comment
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       where n.nspname = any(${OUR_SCHEMAS}) and col_description(c.oid, a.attnum) is not null`;
    expect(cols.length).toBeGreaterThan(0);
    const bad = cols
      .filter((r) => restatesName(r.name as string, r.comment as string))
      .map((r) => `${r.col}: ${r.comment}`);
    expect(bad).toEqual([]);
  });

  it("private schema is not usable by anon or PUBLIC", async () => {
    const [r] = await sql`
      select has_schema_privilege('anon', 'private', 'usage') as anon,
             exists (select 1 from aclexplode((select nspacl from pg_namespace where nspname = 'private')) a
                      where a.grantee = 0) as public`;
    expect(r).toEqual({ anon: false, public: false });
  });
});

// Phrases that fit any column of their kind and so explain none.
const EMPTY_COMMENTS = [
  /^(primary key, )?unique identifier\b/i,
  /^record creation timestamp\.?$/i,
  /^last update timestamp\b/i,
  /^(owning )?account\.?$/i,
];
const FILLER = new Set(["the", "a", "an", "of", "for", "this", "in", "nullable", "if", "applicable", "unique"]);

/** True when a comment's words are only the column name's words (e.g. latency_ms: 'Latency Ms.'). */
function restatesName(column: string, comment: string): boolean {
  if (EMPTY_COMMENTS.some((re) => re.test(comment.trim()))) return true;
  const words = (text: string) => text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== "" && !FILLER.has(w));
  const name = new Set(words(column));
  const said = words(comment);
  return said.length > 0 && said.every((w) => name.has(w) || name.has(w.replace(/s$/, "")));
}
