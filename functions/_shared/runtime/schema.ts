/**
 * Row types of the public schema, generated from the migrations into types/database.ts (`npm run gen:types`).
 * Inserts and single-table reads are typed from these, so a renamed or retyped column fails `npm run typecheck`
 * rather than failing at run time. The import reaches outside functions/ but stays inside the repository, which
 * `supabase functions deploy` uploads from.
 */
import type { Database } from "../../../types/database.ts";

export type { Json } from "../../../types/database.ts";

type PublicTables = Database["public"]["Tables"];
export type TableName = keyof PublicTables;

/** A row as a select returns it. */
export type Row<T extends TableName> = PublicTables[T]["Row"];

/** What an insert takes: columns with a default are optional, generated columns are `never`. */
export type Insert<T extends TableName> = PublicTables[T]["Insert"];

/** An insert that names every column it may write (generated columns left out), for writers that set them all. */
export type CompleteInsert<T extends TableName> = {
  [K in keyof Insert<T> as [Exclude<Insert<T>[K], undefined>] extends [never] ? never : K]-?: Exclude<
    Insert<T>[K],
    undefined
  >;
};

/**
 * `T` with the fields of `R` in place of its own: a narrower type than the schema can say (a check constraint's
 * values, an exact decimal carried as text). `R` may name only fields of `T`, so a renamed column fails here too.
 */
export type Refine<T, R extends { [K in keyof R]: K extends keyof T ? unknown : never }> = Omit<T, keyof R> & R;
