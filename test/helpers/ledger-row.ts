// Reading back the ledger row of one call, which the functions write after they answer.
import type postgres from "postgres";
import { expect } from "vitest";
import { waitFor } from "./fixtures.ts";

/**
 * The llm_requests row (`r`) of a request id, joined to its ai_interactions row (`i`), once it is written.
 * `columns` is a fragment of the caller's `sql`; by default every request column, its bodies (computed columns, read
 * from the interaction) and the cost as exact text.
 */
export async function ledgerRow(
  sql: postgres.Sql,
  requestId: string | null | undefined,
  opts: { columns?: postgres.PendingQuery<postgres.Row[]>; timeoutMs?: number } = {},
): Promise<postgres.Row> {
  expect(requestId, "x-request-id header").toMatch(/^[0-9a-f-]{36}$/);
  const columns = opts.columns ?? sql`r.*, r.request_body, r.response_body, r.computed_cost::text as cost`;
  return await waitFor(async () =>
    (await sql`
      select ${columns}
        from public.llm_requests r left join public.ai_interactions i on i.llm_request_id = r.id
       where r.id = ${requestId!}`)[0], { timeoutMs: opts.timeoutMs, what: `the llm_requests row of ${requestId}` });
}
