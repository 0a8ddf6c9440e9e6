// Encryption of payloads: opt-in per account, envelopes at rest, plaintext only for history readers
// of the account (views and get_ai_interactions), tamper-evident, rotatable, analytics unaffected.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger, type LedgerEntry } from "../../functions/_shared/ledger/writer.ts";
import { as, asRole, createAccount, encryptPayloads, type TestAccount } from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { adminSql } from "../helpers/stack.ts";

let sql: postgres.Sql;
let enc: TestAccount; // encrypts
let plain: TestAccount; // does not

const SECRET = "the merger closes on Friday";

async function log(acct: TestAccount): Promise<LedgerEntry> {
  const entry = ledgerEntry(acct);
  entry.interaction!.request = { messages: [{ role: "user", content: SECRET }] };
  entry.interaction!.response = { content: "noted" };
  await new Ledger(() => sql).record(entry);
  return entry;
}

const raw = async (e: LedgerEntry) =>
  (await sql`
  select i.request, i.response, r.request_body, r.response_body
    from public.ai_interactions i join public.llm_requests r on r.id = i.llm_request_id
   where i.id = ${e.interaction!.id}`)[0];

beforeAll(async () => {
  sql = adminSql();
  [enc, plain] = await Promise.all([createAccount(sql), createAccount(sql)]);
  await encryptPayloads(sql, enc);
});
afterAll(() => sql.end());

describe("at rest", () => {
  it("an encrypting account's bodies are stored as envelopes that do not contain the plaintext", async () => {
    const row = await raw(await log(enc));
    for (const value of Object.values(row)) {
      expect(value).toMatchObject({ $encrypted: "pgp_sym_aes256", key_version: expect.any(Number) });
      expect(JSON.stringify(value)).not.toContain("merger");
    }
  });

  it("other accounts' bodies stay plain", async () => {
    const row = await raw(await log(plain));
    expect(row.request).toEqual({ messages: [{ role: "user", content: SECRET }] });
  });
});

describe("readers", () => {
  it("history readers read plaintext through the views and get_ai_interactions", async () => {
    const e = await log(enc);
    const [view] = await asRole(
      sql,
      as(enc.owner.id),
      (tx) => tx`select request, response from public.ai_interactions_decrypted where id = ${e.interaction!.id}`,
      { commit: true },
    );
    expect(view).toEqual({
      request: { messages: [{ role: "user", content: SECRET }] },
      response: { content: "noted" },
    });
    const [bodies] = await asRole(
      sql,
      as(enc.owner.id),
      (tx) => tx`select request_body, response_body from public.llm_request_bodies where id = ${e.llmRequest.id}`,
      { commit: true },
    );
    expect(bodies.request_body).toEqual({ messages: [{ role: "user", content: SECRET }] });
    const page = await asRole(
      sql,
      as(enc.owner.id),
      (tx) => tx`select id, request from public.get_ai_interactions(${enc.id}::uuid)`,
      { commit: true },
    );
    expect(page.find((r) => r.id === e.interaction!.id)?.request)
      .toEqual({ messages: [{ role: "user", content: SECRET }] });
  });

  it("decrypt_payload, called directly, gives a caller without view_history on the account the envelope", async () => {
    const envelope = (await raw(await log(enc))).request;
    const [asOutsider] = await asRole(
      sql,
      as(plain.owner.id),
      (tx) => tx`select private.decrypt_payload(${enc.id}::uuid, ${tx.json(envelope)}::jsonb) as v`,
      { commit: true },
    );
    expect(asOutsider.v).toEqual(envelope);
    const [asOwner] = await asRole(
      sql,
      as(enc.owner.id),
      (tx) => tx`select private.decrypt_payload(${enc.id}::uuid, ${tx.json(envelope)}::jsonb) as v`,
      { commit: true },
    );
    expect(asOwner.v).toEqual({ messages: [{ role: "user", content: SECRET }] });
  });

  it("another account's owner sees nothing, decrypted or not", async () => {
    await log(enc);
    const rows = await asRole(
      sql,
      as(plain.owner.id),
      (tx) =>
        tx`select id from public.ai_interactions_decrypted where account_id = ${enc.id}
         union all select id from public.llm_request_bodies where account_id = ${enc.id}`,
      { commit: true },
    );
    expect(rows).toEqual([]);
  });

  it("clients cannot call the key or plaintext functions directly", async () => {
    const acct = `'${enc.id}'::uuid`;
    for (
      const call of [
        `select private.payload_plaintext(${acct}, '{}'::jsonb)`,
        "select private.payload_key(1)",
        `select private.account_payload_key(${acct}, 1)`,
        `select private.encrypt_payload(${acct}, '{}'::jsonb)`,
        "select private.rotate_payload_key()",
      ]
    ) {
      const attempt = sql.begin(async (tx) => {
        const claims = JSON.stringify({ sub: enc.owner.id, role: "authenticated" });
        await tx`select set_config('request.jwt.claims', ${claims}, true), set_config('role', 'authenticated', true)`;
        return tx.unsafe(call);
      });
      await expect(attempt).rejects.toMatchObject({ code: "42501" });
    }
  });

  it("a tampered envelope is returned as it is, never as other plaintext", async () => {
    const e = await log(enc);
    await sql`
      update public.ai_interactions
         set request = jsonb_set(request, '{data}', to_jsonb(
               overlay(request ->> 'data'
                       placing (case when substr(request ->> 'data', 40, 1) = 'A' then 'B' else 'A' end)
                       from 40 for 1)))
       where id = ${e.interaction!.id}`;
    const [view] = await asRole(
      sql,
      as(enc.owner.id),
      (tx) => tx`select request from public.ai_interactions_decrypted where id = ${e.interaction!.id}`,
      { commit: true },
    );
    expect(view.request).toMatchObject({ $encrypted: "pgp_sym_aes256" });
  });
});

describe("analytics and key rotation", () => {
  it("analytics do not need the bodies", async () => {
    const [row] = await asRole(
      sql,
      as(enc.owner.id),
      (tx) =>
        tx`
      select requests from public.llm_analytics(${enc.id}::uuid, now() - interval '1 day', now() + interval '1 hour')`,
      { commit: true },
    );
    expect(Number(row.requests)).toBeGreaterThanOrEqual(5);
  });

  it("rotation: new rows use the new key, re-encryption moves old rows to it and encrypts late opt-ins", async () => {
    const old = await log(enc);
    const before = await raw(old);
    const late = await log(plain);
    const [{ v }] = await sql`select private.rotate_payload_key() as v`;
    expect((await raw(await log(enc))).request.key_version).toBe(v);
    await encryptPayloads(sql, plain);
    let rewritten = 0;
    for (let n = -1; n !== 0;) {
      n = Number((await sql`select private.reencrypt_payloads(500) as n`)[0].n);
      rewritten += n;
    }
    expect(rewritten).toBeGreaterThan(0);
    const after = await raw(old);
    expect(after.request.key_version).toBe(v);
    expect(after.request.data).not.toBe(before.request.data);
    expect((await raw(late)).request).toMatchObject({ $encrypted: "pgp_sym_aes256", key_version: v });
    // Every old version can go: all rows read with the new key.
    await sql`delete from private.secrets where name ~ '^payload_key_v' and name <> ${`payload_key_v${v}`}`;
    const [view] = await asRole(
      sql,
      as(plain.owner.id),
      (tx) => tx`select request from public.ai_interactions_decrypted where id = ${late.interaction!.id}`,
      { commit: true },
    );
    expect(view.request).toEqual({ messages: [{ role: "user", content: SECRET }] });
  });
});
