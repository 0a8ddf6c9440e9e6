// Type-level test: typed supabase-js queries compile against types/database.ts, and wrong column
// names do not (`npm run typecheck` runs tsc over test/**; vitest runs the expectTypeOf checks).
// Nothing here runs a query (or even creates a client: supabase-js needs WebSocket on Node 20);
// the builders exist only for the type checker.
import type { SupabaseClient } from "@supabase/supabase-js";
import { describe, expectTypeOf, it } from "vitest";
import type { Database, Tables } from "../../types/database.ts";

// What `createClient<Database>(url, key)` returns.
declare const supabase: SupabaseClient<Database>;

// Never called: only its types matter.
function queries(accountId: string, since: string, chatId: string) {
  const requests = supabase
    .from("llm_requests")
    .select("id, model, prompt_tokens, completion_tokens, computed_cost, completion_status, created_at")
    .eq("account_id", accountId)
    .gte("created_at", since)
    .order("created_at", { ascending: false });

  const rate = supabase
    .from("ai_mentor_chats")
    .update({ student_rating: 5, student_feedback: "Clear answer" })
    .eq("id", chatId)
    .select("id, student_rating")
    .single();

  const key = supabase.rpc("create_api_key", { account_id: accountId, name: "ci" });

  // @ts-expect-error: llm_requests has no column `cost` (it is computed_cost)
  const wrongFilter = supabase.from("llm_requests").select("id").eq("cost", 1);

  // @ts-expect-error: ai_mentor_chats has no column `rating` (it is student_rating)
  const wrongUpdate = supabase.from("ai_mentor_chats").update({ rating: 5 }).eq("id", chatId);

  // @ts-expect-error: no table `llm_request`
  const wrongTable = supabase.from("llm_request").select("*");

  return { requests, rate, key, wrongFilter, wrongUpdate, wrongTable };
}

type Q = ReturnType<typeof queries>;
type Awaited2<T> = T extends PromiseLike<infer R> ? R : never;

describe("typed supabase-js against types/database.ts", () => {
  it("types llm_requests rows filtered by account and date", () => {
    type Row = NonNullable<Awaited2<Q["requests"]>["data"]>[number];
    expectTypeOf<Row["computed_cost"]>().toEqualTypeOf<number | null>();
    expectTypeOf<Row["completion_status"]>().toEqualTypeOf<string>();
    expectTypeOf<Row["created_at"]>().toEqualTypeOf<string>();
    expectTypeOf<Row>().not.toHaveProperty("request_body");
  });

  it("types a mentor chat rating update", () => {
    type Row = NonNullable<Awaited2<Q["rate"]>["data"]>;
    expectTypeOf<Row>().toEqualTypeOf<{ id: string; student_rating: number | null }>();
    expectTypeOf<Database["public"]["Tables"]["ai_mentor_chats"]["Update"]>().toHaveProperty("student_rating");
  });

  it("types RPCs and table helpers", () => {
    type KeyRows = NonNullable<Awaited2<Q["key"]>["data"]>;
    expectTypeOf<KeyRows[number]["key"]>().toEqualTypeOf<string>();
    expectTypeOf<Tables<"api_keys">["key_hash"]>().toEqualTypeOf<string>();
    expectTypeOf<Tables<"user_profiles">["email"]>().toEqualTypeOf<string | null>();
  });

  it("builds the queries without running them", () => {
    expectTypeOf(queries).toBeFunction();
  });
});
