-- Indexes for the dashboard reads measured by `npm run bench` (scripts/bench/reads.ts, plans in
-- scripts/bench/plans/). Each one exists for a query an app runs with supabase-js under RLS.

-- One account's cost per day and latency percentiles per model over a time window
-- (`where account_id = $1 and created_at >= now() - interval '30 days'`, summing computed_cost or
-- ordering latency_ms per model). With the columns those aggregates read in the index, Postgres
-- answers from an index-only scan instead of visiting one heap page per row: on 10M rows the
-- largest account's 30 days are ~100k rows, i.e. ~100k random heap reads without it.
-- user_id is included because the RLS policy reads it (`user_id = auth.uid()` branch): without it a
-- member's query under RLS cannot use the index-only scan that service_role gets.
-- It replaces idx_llm_requests_account_created (account_id, created_at desc): a btree is read in
-- both directions, and one index less is one write less per logged call.
drop index public.idx_llm_requests_account_created;
create index idx_llm_requests_account_created_cover
  on public.llm_requests (account_id, created_at) include (computed_cost, model, latency_ms, user_id);

-- "My latest requests" without an explicit account filter, the default supabase-js call
-- (`.from('llm_requests').select().order('created_at', { ascending: false }).limit(50)`): RLS alone
-- scopes the rows, and its policy (an OR of two account sets) cannot drive an index. Without an
-- index on created_at this is a full scan plus sort (340 ms on 1M rows); with it, Postgres walks
-- the newest rows and stops after 50 visible ones.
create index idx_llm_requests_created on public.llm_requests (created_at desc);
