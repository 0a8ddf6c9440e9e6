// Section 3: reads at scale. Bulk-generates llm_requests rows by SQL over 100 accounts (skewed
// sizes, 3-20 users each, a realistic model mix, 90 days of history inserted in time order, every
// index and trigger of the migrations active), VACUUM ANALYZE, then times the dashboard queries
// as a member under RLS and as service_role. Plans go to scripts/bench/plans/.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { repoRoot } from "../lib/paths.ts";
import { config } from "./lib/config.ts";
import { median } from "./lib/load.ts";
import { as, asRole, type Who } from "../../test/helpers/fixtures.ts";
import { overview } from "../../functions/_shared/dashboard/analytics.ts";
import { resolveRange } from "../../functions/_shared/dashboard/params.ts";

export interface ReadsScale {
  rows: number;
  loadS: number;
  vacuumS: number;
  tableMiB: number;
  indexMiB: number;
  accountRows: number;
  rlsMedianMs: number;
  serviceMedianMs: number;
  rlsOnlyMedianMs: number;
  costChartMedianMs: number;
  costChartServiceMedianMs: number;
  costChartRawMedianMs: number;
  p95MedianMs: number;
  /** The dashboard's overview (GET /dashboard/overview, 30 days): all of its queries, as the member. */
  overviewMedianMs: number;
  plans: {
    rls: string;
    service: string;
    cost: string;
    costService: string;
    costRaw: string;
    p95: string;
    rlsOnly: string;
    overview: string;
  };
}
export interface ReadsResult {
  repeats: number;
  scales: ReadsScale[];
  notes: string[];
}

const PLANS = path.join(repoRoot, "scripts/bench/plans");

const SETUP = `
create table if not exists public._bench_acct (idx int primary key, id uuid not null, slug text not null, nusers int not null);
create table if not exists public._bench_user (acct_idx int not null, n int not null, user_id uuid not null, role text not null, primary key (acct_idx, n));
`;

// 100 accounts; account i has 3 + (i * 7 % 18) users; user 0 owns, 1 is a member, others member/viewer.
const FIXTURES = `
with a as (
  insert into public.accounts (id, name, slug, subscription_tier)
  select gen_random_uuid(), 'Bench account ' || i, 'bench-acct-' || i, (array['free','standard','premium','enterprise'])[1 + i % 4]
  from generate_series(0, 99) i
  returning id, slug
)
insert into public._bench_acct (idx, id, slug, nusers)
select substring(slug from 'bench-acct-(\\d+)')::int, id, slug, 3 + (substring(slug from 'bench-acct-(\\d+)')::int * 7 % 18) from a;

insert into public._bench_user (acct_idx, n, user_id, role)
select a.idx, n, gen_random_uuid(), case when n = 0 then 'owner' when n = 1 or n % 3 <> 0 then 'member' else 'viewer' end
from public._bench_acct a, generate_series(0, a.nusers - 1) n;

insert into auth.users (id, aud, role, email, raw_user_meta_data)
select user_id, 'authenticated', 'authenticated', 'bench-' || acct_idx || '-' || n || '@bench.local', jsonb_build_object('full_name', 'Bench user ' || acct_idx || '-' || n)
from public._bench_user;

insert into public.user_roles (user_id, account_id, role_id)
select u.user_id, a.id, r.id from public._bench_user u join public._bench_acct a on a.idx = u.acct_idx join public.roles r on r.name = u.role;
`;

// One chunk of rows whose created_at fall in [lo, hi) days ago, inserted in time order.
const CHUNK = `
with g as (
  select least(99, floor(100 * power(random(), 1.3)))::int as ai, random() as ur, random() as mr, random() as sr,
         $2::float8 + ($3::float8 - $2::float8) * random() as days_ago,
         50 + (random() * random() * 4000)::int as pt, 10 + (random() * 900)::int as ct,
         200 + (power(random(), 3) * 9000)::int as lat
  from generate_series(1, $1::int)
), m as (
  select g.*,
    case when mr < .35 then 'openai/gpt-4o-mini' when mr < .50 then 'openai/gpt-4o' when mr < .65 then 'anthropic/claude-sonnet-4'
         when mr < .75 then 'anthropic/claude-3.5-haiku' when mr < .85 then 'google/gemini-2.5-flash' when mr < .90 then 'meta-llama/llama-3.1-70b-instruct'
         when mr < .95 then 'deepseek/deepseek-chat' else 'openai/o3-mini' end as model,
    case when mr < .35 then 0.00000015 when mr < .50 then 0.0000025 when mr < .65 then 0.000003 when mr < .75 then 0.0000008
         when mr < .85 then 0.0000003 when mr < .90 then 0.0000004 when mr < .95 then 0.00000027 else 0.0000011 end as pin,
    case when mr < .35 then 0.0000006 when mr < .50 then 0.00001 when mr < .65 then 0.000015 when mr < .75 then 0.000004
         when mr < .85 then 0.0000025 when mr < .90 then 0.0000004 when mr < .95 then 0.0000011 else 0.0000044 end as pout
  from g
)
insert into public.llm_requests (account_id, account_slug, user_id, completion_status, provider, model,
  prompt_tokens, completion_tokens, total_tokens, unit_cost_prompt, unit_cost_completion, computed_cost, latency_ms, created_at,
  is_stream, http_status, finish_reason, usage_source, price_source, properties, time_to_first_token_ms, error_code)
select a.id, a.slug, u.user_id,
  case when sr < .97 then 'complete' when sr < .99 then 'partial' else 'error' end,
  'openrouter', m.model,
  pt, ct, pt + ct, pin, pout, pt * pin + ct * pout, lat,
  now() - days_ago * interval '1 day',
  sr < .6, case when sr < .99 then 200 else 502 end, case when sr < .97 then 'stop' end, 'provider', 'model_prices',
  case when ur < .2 then jsonb_build_object('feature', (array['mentor','guru','twin','support'])[1 + (pt % 4)]) else '{}'::jsonb end,
  case when sr < .6 then lat / 4 end, case when sr >= .99 then 'upstream_error' end
from m
join public._bench_acct a on a.idx = m.ai
join public._bench_user u on u.acct_idx = m.ai and u.n = floor(m.ur * a.nusers)::int
order by days_ago desc
`;

const Q_LATEST = `select * from public.llm_requests where account_id = $1 order by created_at desc limit 50`;
const Q_LATEST_RLS_ONLY = `select * from public.llm_requests order by created_at desc limit 50`;
// The chart as an app draws it: from the daily rollup (llm_usage_daily, kept by trigger)...
const Q_COST = `select day, sum(computed_cost) as cost, sum(request_count) as calls, sum(unpriced_count) as unpriced
  from public.llm_usage_daily where account_id = $1 and day > (now() at time zone 'UTC')::date - 30
  group by day order by day`;
// ...and the same chart aggregated from every logged call, for comparison.
const Q_COST_RAW = `select date_trunc('day', created_at) as day, sum(computed_cost) as cost, count(*) as calls
  from public.llm_requests where account_id = $1 and created_at >= now() - interval '30 days'
  group by 1 order by 1`;
const Q_P95 = `select model, percentile_cont(0.95) within group (order by latency_ms) as p95_ms, count(*) as calls
  from public.llm_requests where account_id = $1 and created_at >= now() - interval '30 days'
  group by model order by model`;

// The overview's heaviest query: latency percentiles per day over 30 days of the hourly rollup's histograms.
const Q_OVERVIEW_DAILY = `select * from public.llm_analytics($1, now() - interval '30 days', now(), 'day', null)`;

/** The dashboard overview as the function runs it (functions/_shared/dashboard/analytics.ts), timed whole. */
function timedOverview(sql: postgres.Sql, who: Who, accountId: string, repeats: number) {
  return asRole(sql, who, async (tx) => {
    const run = () => {
      const { range, previous } = resolveRange({});
      return overview(tx, accountId, range, previous);
    };
    const first = await run(); // warm-up
    if (first.totals.requests === 0) throw new Error("the overview of the benchmark account is empty");
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await run();
      times.push(performance.now() - t0);
    }
    const rows = await tx.unsafe(`explain (analyze, buffers, settings) ${Q_OVERVIEW_DAILY}`, [accountId]);
    return { ms: median(times), plan: rows.map((r) => r["QUERY PLAN"]).join("\n") };
  });
}

function timed(sql: postgres.Sql, who: Who, q: string, params: unknown[], repeats: number) {
  return asRole(sql, who, async (tx) => {
    const times: number[] = [];
    await tx.unsafe(q, params as never[]); // warm-up
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await tx.unsafe(q, params as never[]);
      times.push(performance.now() - t0);
    }
    const rows = await tx.unsafe(`explain (analyze, buffers, settings) ${q}`, params as never[]);
    return { ms: median(times), plan: rows.map((r) => r["QUERY PLAN"]).join("\n") };
  });
}

export async function runReads(
  opts: { sql: postgres.Sql; dbUrl: string; log: (s: string) => void },
): Promise<ReadsResult | undefined> {
  const { log } = opts;
  // A dedicated connection, prepared statements off (as through Supabase's transaction pooler).
  const sql = postgres(opts.dbUrl, { max: 2, prepare: false, onnotice: () => {} });
  mkdirSync(PLANS, { recursive: true });
  const res: ReadsResult = { repeats: config.queryRepeats, scales: [], notes: [] };
  try {
    await sql.unsafe(SETUP);
    await sql.unsafe(FIXTURES);
    const [acct] = await sql`select id from public._bench_acct where idx = 0`;
    const [member] =
      await sql`select user_id from public._bench_user where acct_idx = 0 and role = 'member' order by n limit 1`;
    const asMember = as(member.user_id as string);
    const asService: Who = { role: "service_role" };
    const [{ n: startRows }] = await sql`select count(*)::bigint as n from public.llm_requests`;
    let have = 0;
    const targets = [...config.rows].sort((a, b) => a - b);
    for (const target of targets) {
      const add = target - have;
      const chunkRows = 250_000;
      const chunks = Math.max(1, Math.ceil(add / chunkRows));
      // time windows: the new rows span the whole 90 days, chunk k covers an equal slice, oldest first
      const t0 = performance.now();
      // two chunks at a time (one per core), oldest slices first
      for (let k = 0; k < chunks; k += 2) {
        await Promise.all(
          [k, k + 1].filter((j) => j < chunks).map((j) => {
            const n = Math.min(chunkRows, add - j * chunkRows);
            const hi = 90 - (90 * j) / chunks;
            const lo = 90 - (90 * (j + 1)) / chunks;
            return sql.unsafe(CHUNK, [n, lo, hi]);
          }),
        );
        if (k % 8 === 6) log(`reads: ${Math.min(target, have + (k + 2) * chunkRows)} / ${target} rows`);
      }
      const loadS = (performance.now() - t0) / 1000;
      have = target;
      const t1 = performance.now();
      await sql.unsafe(`vacuum analyze public.llm_requests`);
      const vacuumS = (performance.now() - t1) / 1000;
      // Partitioned: sizes are summed over the partition tree.
      const [sz] = await sql`
        select sum(pg_total_relation_size(t.relid))::float8 / 2^20 as total,
               sum(pg_indexes_size(t.relid))::float8 / 2^20 as idx,
               (select count(*) from public.llm_requests where account_id = ${acct.id})::int as acct_rows
          from pg_partition_tree('public.llm_requests') t`;
      log(
        `reads: ${target} rows loaded in ${loadS.toFixed(1)} s, vacuum analyze ${
          vacuumS.toFixed(1)
        } s; account 0 has ${sz.acct_rows} rows`,
      );
      const tag = target >= 1e6 ? `${target / 1e6}M` : `${target / 1e3}k`;
      const save = (name: string, plan: string) => {
        const file = `${tag}-${name}.txt`;
        writeFileSync(path.join(PLANS, file), plan + "\n");
        return `plans/${file}`;
      };
      const R = config.queryRepeats;
      const rls = await timed(sql, asMember, Q_LATEST, [acct.id], R);
      const svc = await timed(sql, asService, Q_LATEST, [acct.id], R);
      const rlsOnly = await timed(sql, asMember, Q_LATEST_RLS_ONLY, [], R);
      const cost = await timed(sql, asMember, Q_COST, [acct.id], R);
      const costSvc = await timed(sql, asService, Q_COST, [acct.id], R);
      const costRaw = await timed(sql, asMember, Q_COST_RAW, [acct.id], R);
      const p95 = await timed(sql, asMember, Q_P95, [acct.id], R);
      const dash = await timedOverview(sql, asMember, acct.id as string, R);
      const scale: ReadsScale = {
        rows: target,
        loadS,
        vacuumS,
        tableMiB: sz.total,
        indexMiB: sz.idx,
        accountRows: sz.acct_rows,
        rlsMedianMs: rls.ms,
        serviceMedianMs: svc.ms,
        rlsOnlyMedianMs: rlsOnly.ms,
        costChartMedianMs: cost.ms,
        costChartServiceMedianMs: costSvc.ms,
        costChartRawMedianMs: costRaw.ms,
        p95MedianMs: p95.ms,
        overviewMedianMs: dash.ms,
        plans: {
          rls: save("a-latest50-rls", rls.plan),
          service: save("a-latest50-service-role", svc.plan),
          rlsOnly: save("a-latest50-rls-no-account-filter", rlsOnly.plan),
          cost: save("b-cost-per-day-30d-rls", cost.plan),
          costService: save("b-cost-per-day-30d-service-role", costSvc.plan),
          costRaw: save("b-cost-per-day-30d-raw-rls", costRaw.plan),
          p95: save("c-p95-latency-per-model-rls", p95.plan),
          overview: save("d-dashboard-overview-latency-per-day-rls", dash.plan),
        },
      };
      res.scales.push(scale);
      log(
        `reads @${tag}: latest50 RLS ${rls.ms.toFixed(2)} ms vs service ${svc.ms.toFixed(2)} ms (RLS only ${
          rlsOnly.ms.toFixed(2)
        }); ` +
          `cost/day ${cost.ms.toFixed(2)} ms (service ${costSvc.ms.toFixed(2)}, raw ${
            costRaw.ms.toFixed(2)
          }); p95/model ${p95.ms.toFixed(2)} ms; dashboard overview ${dash.ms.toFixed(2)} ms`,
      );
    }
    if (Number(startRows) > 0) res.notes.push(`${startRows} rows were already in llm_requests from earlier sections`);
    res.notes.push(
      "queries run as a member (role member: view_history) of the largest account, inside a transaction with `set local role` and request.jwt.claims, as PostgREST does; prepared statements off",
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
  return res;
}
