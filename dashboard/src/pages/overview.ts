/** Overview: totals against the previous period, cost per day by model, traffic, latency, tokens. */
import { stackedBars, timeChart, whenMounted } from "../charts.ts";
import { h } from "../dom.ts";
import { change, changeText, int, ms, pct, usd } from "../format.ts";
import { can, type Ctx, currentRange, href, pageHead, rangePicker } from "../state.ts";
import type { Overview, Totals } from "../types.ts";
import { firstCall } from "./empty.ts";

export async function overviewPage(ctx: Ctx): Promise<HTMLElement> {
  const data = await ctx.api.get<Overview>("dashboard/overview", currentRange());
  const head = pageHead(
    "Overview",
    `${ctx.account.name} · ${rangeLabel(data.range)} · changes against ${rangeLabel(data.previous_range)}`,
    rangePicker(ctx),
  );
  if (data.totals.requests === 0 && !can(ctx, "view_history")) return h("div", {}, head, ownOnly(ctx));
  if (data.totals.requests === 0) return h("div", {}, head, firstCall(ctx));

  const page = h("div", {}, head, cards(data.totals, data.previous_totals));
  const days = dayList(data.range.from, data.range.to);
  const costHost = h("div", { class: "chart", role: "img", "aria-label": "Cost per day by model" });
  const trafficHost = h("div", { class: "chart", role: "img", "aria-label": "Requests and error rate per day" });
  const latencyHost = h("div", {
    class: "chart",
    role: "img",
    "aria-label": "Latency and time to first token per day",
  });
  page.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "cost-title" },
      h("h2", { id: "cost-title" }, "Cost per day by model"),
      costHost,
    ),
    h(
      "div",
      { class: "grid2" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "traffic-title" },
        h("h2", { id: "traffic-title" }, "Requests and error rate"),
        trafficHost,
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "latency-title" },
        h("h2", { id: "latency-title" }, "Latency and time to first token"),
        latencyHost,
      ),
    ),
    tokens(data.totals, data.previous_totals),
  );

  whenMounted(() => {
    const models = [...new Set(data.daily.map((r) => r.model ?? "(unknown)"))];
    const cost = new Map(models.map((m) => [m, days.map(() => 0)]));
    const requests = days.map(() => 0), errors = days.map(() => 0);
    for (const r of data.daily) {
      const d = days.indexOf(r.day);
      if (d < 0) continue;
      (cost.get(r.model ?? "(unknown)") as number[])[d] += Number(r.cost_usd);
      requests[d] += r.requests;
      errors[d] += r.errors;
    }
    models.sort((a, b) => sum(cost.get(b)!) - sum(cost.get(a)!));
    stackedBars(costHost, days, models.map((m) => ({ label: m, values: cost.get(m)! })), (v) => usd(v));
    timeChart(trafficHost, days, [
      { label: "Requests", values: requests, bars: true, format: int },
      {
        label: "Error rate",
        values: requests.map((n, i) => (n ? errors[i] / n : null)),
        right: true,
        color: "#c92a2a",
        format: pct,
      },
    ], { rightFormat: (v) => pct(v) });
    const lat = new Map(data.latency_daily.map((r) => [r.day, r]));
    const series = (k: keyof Overview["latency_daily"][number]) =>
      days.map((d) => (lat.get(d)?.[k] as number | null) ?? null);
    timeChart(latencyHost, days, [
      { label: "p50 latency", values: series("p50_latency_ms"), format: ms },
      { label: "p95 latency", values: series("p95_latency_ms"), format: ms },
      { label: "p50 TTFT", values: series("p50_ttft_ms"), format: ms },
      { label: "p95 TTFT", values: series("p95_ttft_ms"), format: ms },
    ], { leftFormat: (v) => ms(v) });
  });
  return page;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function rangeLabel(r: { from: string; to: string }): string {
  return `${r.from.slice(0, 10)} to ${r.to.slice(0, 10)}`;
}

/** Every UTC day from `from` to `to` inclusive. */
export function dayList(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(to.slice(0, 10) + "T00:00:00Z");
  for (let t = Date.parse(from.slice(0, 10) + "T00:00:00Z"); t <= end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/**
 * One KPI card. `data-metric` and `data-value` carry the exact value the API sent, so a test (or a
 * curious user hovering it) can compare it with the database without parsing display formats.
 */
function card(
  metric: string,
  label: string,
  now: number | string | null,
  before: number | string | null,
  fmt: (v: number) => string,
  higherIsGood = false,
): HTMLElement {
  const d = now === null || before === null ? null : change(Number(now), Number(before));
  const dir = d === null || Math.abs(d) < 0.005 ? "flat" : d > 0 ? "up" : "down";
  return h(
    "div",
    { class: "card" },
    h(
      "dl",
      { style: "margin:0" },
      h("dt", { id: `m-${metric}` }, label),
      h(
        "dd",
        {
          "aria-labelledby": `m-${metric}`,
          "data-metric": metric,
          "data-value": now === null ? "" : String(now),
          title: now === null ? "" : String(now),
        },
        now === null ? "–" : fmt(Number(now)),
        h(
          "span",
          {
            class: `delta ${dir}${higherIsGood ? " good" : ""}`,
            title: `Previous period: ${before === null ? "–" : fmt(Number(before))}`,
          },
          d === null ? "" : `${d > 0 ? "▲" : d < 0 ? "▼" : ""} ${changeText(d)}`,
        ),
      ),
    ),
  );
}

function cards(t: Totals, p: Totals): HTMLElement {
  return h(
    "div",
    { class: "cards", role: "group", "aria-label": "Totals compared with the previous period" },
    card("cost_usd", "Cost", t.cost_usd, p.cost_usd, usd),
    card("requests", "Requests", t.requests, p.requests, int, true),
    card("error_rate", "Error rate", t.error_rate, p.error_rate, pct),
    card("p50_latency_ms", "p50 latency", t.p50_latency_ms, p.p50_latency_ms, ms),
    card("p95_latency_ms", "p95 latency", t.p95_latency_ms, p.p95_latency_ms, ms),
    card("p50_ttft_ms", "p50 time to first token", t.p50_ttft_ms, p.p50_ttft_ms, ms),
  );
}

function tokens(t: Totals, p: Totals): HTMLElement {
  return h(
    "section",
    { class: "panel", "aria-labelledby": "tokens-title" },
    h("h2", { id: "tokens-title" }, "Tokens"),
    h(
      "div",
      { class: "cards", style: "margin:0" },
      card("prompt_tokens", "Prompt", t.prompt_tokens, p.prompt_tokens, int, true),
      card("completion_tokens", "Completion", t.completion_tokens, p.completion_tokens, int, true),
      card("cached_tokens", "Cached", t.cached_tokens, p.cached_tokens, int, true),
      card("reasoning_tokens", "Reasoning", t.reasoning_tokens, p.reasoning_tokens, int, true),
    ),
  );
}

/** Roles without view_history (trainers, students) see no account-wide charts: say so, and where to go. */
function ownOnly(ctx: Ctx): HTMLElement {
  return h(
    "section",
    { class: "panel empty" },
    h("h2", {}, `Your role in ${ctx.account.name} (${ctx.account.role}) does not include the account's usage history`),
    h("p", {}, "Charts cover only calls you may read. An owner or admin can grant the history permission."),
    can(ctx, "review_ai_chats") &&
      h(
        "p",
        {},
        "You can review flagged and escalated mentor chats: ",
        h("a", { href: href(["feedback"]) }, "open the review queue"),
        ".",
      ),
  );
}
