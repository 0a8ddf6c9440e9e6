/** Breakdowns: one sortable table per dimension, each row with its daily cost sparkline. */
import { sparkline } from "../charts.ts";
import { h } from "../dom.ts";
import { int, ms, pct, usd } from "../format.ts";
import { type Ctx, currentRange, href, pageHead, rangePicker } from "../state.ts";
import { sortableTable } from "../table.ts";
import type { BreakdownRow } from "../types.ts";

export const DIMENSIONS: [string, string][] = [
  ["model", "Model"],
  ["provider", "Provider"],
  ["user", "User"],
  ["end_user", "End user"],
  ["feature", "Feature"],
  ["agent_instance", "Agent instance"],
  ["api_key", "API key"],
  ["country", "Country"],
];

/** Where a breakdown row leads in the request list (dimensions the list can filter on). */
const LIST_FILTER: Record<string, string> = {
  model: "model",
  provider: "provider",
  user: "user_id",
  feature: "feature",
};

export async function breakdownsPage(ctx: Ctx): Promise<HTMLElement> {
  const dimension = DIMENSIONS.some(([k]) => k === ctx.route.path[1]) ? ctx.route.path[1] : "model";
  const name = DIMENSIONS.find(([k]) => k === dimension)![1];
  const data = await ctx.api.get<{ data: BreakdownRow[] }>("dashboard/breakdown", { dimension, ...currentRange() });
  const tabs = h(
    "nav",
    { class: "tabs", "aria-label": "Dimension" },
    DIMENSIONS.map(([k, label]) =>
      h("a", { href: href(["breakdowns", k]), "aria-current": k === dimension ? "page" : null }, label)
    ),
  );
  const filter = LIST_FILTER[dimension];
  const table = data.data.length === 0
    ? h("p", { class: "muted" }, `No calls in this range, so nothing to break down by ${name.toLowerCase()}.`)
    : sortableTable<BreakdownRow>(
      `Usage by ${name.toLowerCase()}`,
      [
        {
          label: name,
          sort: (r) => r.label,
          cell: (r) =>
            filter && r.key !== null ? h("a", { href: href(["requests"], { [filter]: r.key }) }, r.label) : r.label,
        },
        {
          label: "Cost",
          num: true,
          sort: (r) => Number(r.cost_usd),
          cell: (r) => h("span", { title: r.cost_usd }, usd(r.cost_usd)),
        },
        { label: "Daily cost", cell: (r) => sparkline(r.sparkline, `Daily cost of ${r.label}`) },
        { label: "Requests", num: true, sort: (r) => r.requests, cell: (r) => int(r.requests) },
        { label: "Error rate", num: true, sort: (r) => r.error_rate, cell: (r) => pct(r.error_rate) },
        { label: "Prompt tokens", num: true, sort: (r) => r.prompt_tokens, cell: (r) => int(r.prompt_tokens) },
        {
          label: "Completion tokens",
          num: true,
          sort: (r) => r.completion_tokens,
          cell: (r) => int(r.completion_tokens),
        },
        { label: "p50", num: true, sort: (r) => r.p50_latency_ms ?? -1, cell: (r) => ms(r.p50_latency_ms) },
        { label: "p95", num: true, sort: (r) => r.p95_latency_ms ?? -1, cell: (r) => ms(r.p95_latency_ms) },
      ],
      data.data,
      { initial: 1 },
    );
  return h(
    "div",
    {},
    pageHead("Breakdowns", "Where the money and the traffic go", rangePicker(ctx)),
    tabs,
    h("section", { class: "panel", "aria-label": `By ${name.toLowerCase()}` }, table),
  );
}
