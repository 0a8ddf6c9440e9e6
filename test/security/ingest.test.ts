// Attacks on POST /functions/v1/ingest: hostile nesting, NUL bytes and lone surrogates, oversized
// identifiers, a spoofed source marker, another tenant's idempotency key. Each answer is a clear 4xx
// or a safely stored row, and the database holds exactly the rows expected.
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTenant, postIngest } from "../helpers/ingest.ts";
import { startWithSql, stopStack, type TestFunctions } from "../helpers/stack.ts";

let sql: postgres.Sql;
let fns: TestFunctions;

beforeAll(async () => {
  ({ sql, fns } = await startWithSql());
});

afterAll(() => stopStack({ sql, fns }));

const tenant = () => createTenant(sql);
const ingest = (key: string, body: unknown) => postIngest(fns, key, body);

async function rowCount(accountId: string): Promise<number> {
  const [row] = await sql`
    select (select count(*)::int from public.llm_requests where account_id = ${accountId})
         + (select count(*)::int from public.ai_interactions where account_id = ${accountId}) as n`;
  return row.n;
}

const call = { request: { prompt: "hi" }, model_name: "gpt-4o", status: "success" };

describe("ingest under attack", () => {
  it("refuses 10,000-deep JSON with a clear 400 and writes nothing", async () => {
    const t = await tenant();
    const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
    const single = await ingest(t.key, `{"request":${deep},"model_name":"gpt-4o"}`);
    expect(single.status).toBe(400);
    expect(single.json.error).toMatchObject({ type: "invalid_request_error", code: "json_too_deep" });
    const batch = await ingest(
      t.key,
      `[{"request":{"prompt":"ok"},"model_name":"m"},{"request":${deep},"model_name":"m"}]`,
    );
    expect(batch.status).toBe(400);
    expect(batch.json.error.code).toBe("json_too_deep");
    expect(await rowCount(t.account.id)).toBe(0);
  });

  it("stores NUL bytes and lone surrogates safely (U+FFFD), in exactly one pair of rows", async () => {
    const t = await tenant();
    const { status, json } = await ingest(
      t.key,
      '{"request":{"prompt":"a\\u0000b \\ud800"},"model_name":"gpt\\u0000-4o","error_message":"bad\\u0000byte",' +
        '"status":"error","properties":{"k\\u0000":"v\\udc00"},"conversation_id":"c\\u0000"}',
    );
    expect(status).toBe(201);
    const [request] = await sql`
      select model, error_message, properties, conversation_id from public.llm_requests where id = ${json.id}`;
    expect(request).toEqual({
      model: "gpt\ufffd-4o",
      error_message: "bad\ufffdbyte",
      properties: { "k\ufffd": "v\ufffd", source: "ingest" },
      conversation_id: "c\ufffd",
    });
    const [interaction] = await sql`
      select request, model_name from public.ai_interactions where id = ${json.interaction_id}`;
    expect(interaction).toEqual({ request: { prompt: "a\ufffdb \ufffd" }, model_name: "gpt\ufffd-4o" });
    expect(await rowCount(t.account.id)).toBe(2);
    const [dead] = await sql`select count(*)::int as n from private.ledger_dead_letters where request_id = ${json.id}`;
    expect(dead.n).toBe(0);
  });

  it("refuses 3 KB identifiers (model, conversation, idempotency key, error code) naming the field", async () => {
    const t = await tenant();
    const long = "m".repeat(3 * 1024);
    for (
      const [field, param] of [
        ["model_name", "[1].model_name"],
        ["conversation_id", "[1].conversation_id"],
        ["idempotency_key", "[1].idempotency_key"],
        ["error_code", "[1].error_code"],
      ] as const
    ) {
      const { status, json } = await ingest(t.key, [call, { ...call, [field]: long }]);
      expect(status).toBe(400);
      expect(json.error.param).toBe(param);
    }
    const bigProperties = await ingest(t.key, { ...call, properties: { blob: "x".repeat(5000) } });
    expect(bigProperties.status).toBe(400);
    expect(bigProperties.json.error.param).toBe("properties");
    const future = await ingest(t.key, { ...call, timestamp: "2999-01-01T00:00:00Z" });
    expect(future.status).toBe(400);
    expect(future.json.error.param).toBe("timestamp");
    expect(await rowCount(t.account.id)).toBe(0);
  });

  it("marks every ingested row as ingested, whatever source the client claims", async () => {
    const t = await tenant();
    const { json } = await ingest(t.key, { ...call, properties: { source: "gateway" } });
    const [row] = await sql`select properties from public.llm_requests where id = ${json.id}`;
    expect(row.properties).toEqual({ source: "ingest" });
  });

  it("never touches another tenant's rows through a shared idempotency key", async () => {
    const victim = await tenant();
    const attacker = await tenant();
    const mine = await ingest(victim.key, { ...call, request: { prompt: "victim's" }, idempotency_key: "order-1" });
    const theirs = await ingest(attacker.key, {
      ...call,
      request: { prompt: "attacker's" },
      idempotency_key: "order-1",
    });
    expect(theirs.status).toBe(201);
    expect(theirs.json.duplicate).toBe(false);
    expect(theirs.json.id).not.toBe(mine.json.id);
    const [kept] = await sql`
      select i.request, r.account_id from public.ai_interactions i join public.llm_requests r on r.id = i.llm_request_id
       where i.id = ${mine.json.interaction_id}`;
    expect(kept).toEqual({ request: { prompt: "victim's" }, account_id: victim.account.id });
    expect(await rowCount(victim.account.id)).toBe(2);
    expect(await rowCount(attacker.account.id)).toBe(2);
  });
});
