// Hostile input against the interaction log's read side and upkeep: forged encryption envelopes,
// regex-hostile and huge error messages in the error-pattern rollup, oversized and NUL-bearing
// filters, and another tenant's ids in every RPC.
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../functions/_shared/ledger/writer.ts";
import { as, asRole, createAccount, encryptPayloads, type TestAccount } from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;
let account: TestAccount;
let victim: TestAccount;

beforeAll(async () => {
  sql = adminSql();
  [account, victim] = await Promise.all([createAccount(sql), createAccount(sql)]);
  await encryptPayloads(sql, victim);
});
afterAll(() => sql.end());

describe("forged encryption envelopes", () => {
  it("a client body shaped like an envelope is stored (encrypted) and read back as sent, never decrypted", async () => {
    const forged = { $encrypted: "pgp_sym_aes256", key_version: "1; select pg_sleep(10)", data: "AAAA" };
    const entry = ledgerEntry(account);
    entry.interaction!.request = forged;
    await new Ledger(() => sql).record(entry);
    const [row] = await asRole(
      sql,
      as(account.owner.id),
      (tx) => tx`select request from public.ai_interactions_decrypted where id = ${entry.interaction!.id}`,
      { commit: true },
    );
    expect(row.request).toEqual(forged);
  });

  it("an envelope copied from another tenant decrypts for nobody outside it", async () => {
    const entry = ledgerEntry(victim);
    entry.interaction!.request = { secret: "victim data" };
    await new Ledger(() => sql).record(entry);
    const [{ request: envelope }] = await sql`
      select request from public.ai_interactions where id = ${entry.interaction!.id}`;
    const [row] = await asRole(
      sql,
      as(account.owner.id),
      (tx) =>
        tx`select private.decrypt_payload(${account.id}::uuid, ${tx.json(envelope)}::jsonb) as v,
                private.decrypt_payload(${victim.id}::uuid, ${tx.json(envelope)}::jsonb) as w`,
      { commit: true },
    );
    // Presented as the attacker's own account's envelope: each account has its own key, so it does
    // not decrypt; as the victim's, the caller lacks view_history there.
    expect(row.v).toEqual(envelope);
    expect(row.w).toEqual(envelope);
    const rows = await asRole(
      sql,
      as(account.owner.id),
      (tx) => tx`select id from public.ai_interactions_decrypted where id = ${entry.interaction!.id}`,
      { commit: true },
    );
    expect(rows).toEqual([]);
  });
});

describe("error pattern normalisation", () => {
  it("a 1 MiB regex-hostile error message is normalised quickly and stored within 200 characters", async () => {
    const hostile = `${"a1".repeat(250_000)}${"(((((".repeat(100_000)}`.slice(0, 1 << 20);
    const started = Date.now();
    const [row] = await sql`select private.normalize_error_message(${hostile}) as m`;
    expect(Date.now() - started).toBeLessThan(2000);
    expect((row.m as string).length).toBeLessThanOrEqual(200);
  });

  it("an error row with NUL-free but hostile text lands in the rollup once", async () => {
    const entry = ledgerEntry(account);
    entry.llmRequest.completion_status = "error";
    entry.llmRequest.error_code = "upstream_error";
    entry.llmRequest.error_message = `boom\u0000${"\\".repeat(5000)} id 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`;
    await new Ledger(() => sql).record(entry);
    const rows = await asRole(sql, as(account.owner.id), (tx) =>
      tx`
      select error_code, message, occurrences from public.llm_error_patterns(${account.id}::uuid,
        now() - interval '1 hour', now() + interval '1 hour')`, { commit: true });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ error_code: "upstream_error", occurrences: "1" });
    expect((rows[0].message as string).length).toBeLessThanOrEqual(200);
  });
});

describe("filters", () => {
  const call = (args: Record<string, unknown>) => {
    const params = { account_id: account.id, ...args };
    const names = Object.keys(params).map((n, i) => `"${n}" => $${i + 1}`).join(", ");
    return asRole(
      sql,
      as(account.owner.id),
      (tx) => tx.unsafe(`select id from public.get_ai_interactions(${names})`, Object.values(params) as never[]),
      { commit: true },
    );
  };

  it("3 KB and regex-hostile filter values are plain comparisons: no match, no error", async () => {
    for (const value of ["x".repeat(3000), "'); drop table public.ai_interactions; --", ".*(a+)+$", "%_%"]) {
      expect(await call({ model: value, feature: value, conversation_id: value, provider: value })).toEqual([]);
    }
  });

  it("a NUL in a filter is refused by Postgres (the Edge Function answers 400), not matched", async () => {
    await expect(call({ model: "gpt\u0000-4o" })).rejects.toMatchObject({ code: expect.stringMatching(/^22/) });
  });

  it("another tenant's account id returns nothing from every RPC", async () => {
    const args = [victim.id, "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z"];
    const results = await asRole(sql, as(account.owner.id), async (tx) => [
      await tx.unsafe("select * from public.get_ai_interactions($1)", [victim.id]),
      await tx.unsafe("select * from public.llm_analytics($1, $2, $3)", args),
      await tx.unsafe("select * from public.llm_error_patterns($1, $2, $3)", args),
      await tx.unsafe("select * from public.llm_request_bodies where account_id = $1", [victim.id]),
    ], { commit: true });
    expect(results.map((r) => r.length)).toEqual([0, 0, 0, 0]);
  });
});
