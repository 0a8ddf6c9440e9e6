/**
 * Requests: the interaction log through `GET /interactions` (its filters and keyset cursor), and one
 * call in detail through `GET /dashboard/requests/:id`. Filters live in the URL, so a filtered list
 * can be linked to (breakdowns and errors do).
 */
import { type Child, field, h, select } from "../dom.ts";
import { dateTime, int, json, ms, usd } from "../format.ts";
import { type Ctx, href, pageHead, PRESETS } from "../state.ts";
import type { Interaction, RequestDetail } from "../types.ts";
import { firstCall } from "./empty.ts";

/** URL parameters of the list: the API's own filters, plus `since` (a preset, sent as `from`). */
const FILTERS = [
  "since",
  "status",
  "model",
  "provider",
  "feature",
  "user_id",
  "conversation_id",
  "min_latency_ms",
] as const;
const PAGE_SIZE = 25;

interface Page {
  data: Interaction[];
  next_cursor: string | null;
}

export async function requestsPage(ctx: Ctx): Promise<HTMLElement> {
  if (ctx.route.path[1]) return requestDetail(ctx, ctx.route.path[1]);
  const q = ctx.route.query;
  const params: Record<string, string | number> = { limit: PAGE_SIZE };
  for (const k of FILTERS) if (q.get(k) && k !== "since") params[k] = q.get(k)!;
  const since = PRESETS.find(([k]) => k === q.get("since"));
  if (since) params.from = new Date(Date.now() - since[2] * 86_400_000).toISOString();
  // The cursors of the pages before this one, so "Previous" can go back.
  const trail = (q.get("trail") ?? "").split(",").filter(Boolean);
  const cursor = q.get("cursor");
  if (cursor) params.cursor = cursor;
  const page = await ctx.api.get<Page>("interactions", params);
  const filtered = FILTERS.some((k) => q.get(k));
  if (page.data.length === 0 && !filtered && !cursor) return h("div", {}, pageHead("Requests", null), firstCall(ctx));

  const list = page.data.length === 0
    ? h("div", { class: "state", role: "status" }, "No calls match these filters.")
    : h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { "aria-label": "Requests" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Time", "Status", "Model", "Provider", "Feature", "Latency", "Country", "Error"].map((c) =>
              h("th", { scope: "col", class: c === "Latency" ? "num" : null }, c)
            ),
          ),
        ),
        h("tbody", {}, page.data.map((r) => requestRow(r))),
      ),
    );
  const here = (extra: Record<string, string | null>) => {
    const query: Record<string, string | null> = {};
    for (const k of FILTERS) query[k] = q.get(k);
    return href(["requests"], { ...query, ...extra });
  };
  const pager = h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h("span", { class: "muted" }, `Page ${trail.length + (cursor ? 2 : 1)}`),
    cursor &&
      h("a", {
        class: "btn secondary",
        href: here({ cursor: trail.at(-1) ?? null, trail: trail.slice(0, -1).join(",") || null }),
      }, "← Previous"),
    page.next_cursor &&
      h("a", {
        href: here({ cursor: page.next_cursor, trail: [...trail, ...(cursor ? [cursor] : [])].join(",") || null }),
      }, "Next →"),
  );
  return h(
    "div",
    {},
    pageHead("Requests", "Every call, newest first (bodies are stored redacted)"),
    filters(ctx),
    h("section", { class: "panel" }, list, pager),
  );
}

function requestRow(r: Interaction): HTMLElement {
  const open = () => (location.hash = href(["requests", r.id]));
  const feature = (r.properties as { feature?: string } | null)?.feature;
  return h(
    "tr",
    {
      class: "clickable",
      tabindex: 0,
      "data-id": r.id,
      onclick: open,
      onkeydown: (e: Event) => {
        if ((e as KeyboardEvent).key === "Enter") open();
      },
    },
    h("td", {}, h("a", { href: href(["requests", r.id]) }, dateTime(r.timestamp))),
    h("td", {}, h("span", { class: `pill ${r.status}` }, r.status)),
    h("td", {}, r.model_name ?? "–"),
    h("td", {}, r.provider ?? "–"),
    h("td", {}, feature ?? "–"),
    h("td", { class: "num" }, ms(r.latency_ms)),
    h("td", {}, r.country ?? "–"),
    h("td", {}, r.error_code ?? ""),
  );
}

function filters(ctx: Ctx): HTMLElement {
  const q = ctx.route.query;
  const input = (name: string, placeholder: string) =>
    h("input", { name, id: `filter-${name}`, placeholder, value: q.get(name) ?? "", size: 16 });
  const status = select(
    "status",
    [["", "Any"], ["success", "Success"], ["error", "Error"], ["partial", "Partial"]],
    q.get("status") ?? "",
  );
  status.id = "filter-status";
  const since = select(
    "since",
    [["", "Any time"], ...PRESETS.map(([k, label]): [string, string] => [k, label])],
    q.get("since") ?? "",
  );
  since.id = "filter-since";
  const form = h(
    "form",
    { class: "panel toolbar", role: "search", "aria-label": "Filter requests" },
    field("Time", since),
    field("Status", status),
    field("Model", input("model", "e.g. openai/gpt-4o-mini")),
    field("Provider", input("provider", "e.g. openrouter")),
    field("Feature", input("feature", "mentor, guru, twin…")),
    field("User id", input("user_id", "uuid")),
    field("Conversation", input("conversation_id", "id")),
    field("Min latency (ms)", input("min_latency_ms", "0")),
    h("button", { class: "btn", type: "submit" }, "Apply filters"),
    h("a", { href: "#/requests" }, "Clear"),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const data = new FormData(form);
    const query: Record<string, string> = {};
    for (const k of FILTERS) {
      const v = String(data.get(k) ?? "").trim();
      if (v) query[k] = v;
    }
    location.hash = href(["requests"], query);
  });
  return form;
}

async function requestDetail(ctx: Ctx, id: string): Promise<HTMLElement> {
  const { data: r } = await ctx.api.get<{ data: RequestDetail }>(`dashboard/requests/${encodeURIComponent(id)}`);
  const t = r.tokens;
  const facts: [string, Child][] = [
    ["Time", dateTime(r.timestamp)],
    ["Status", h("span", { class: `pill ${r.status}` }, r.status)],
    ["Model", r.model ?? "–"],
    ["Provider", r.provider ?? "–"],
    ["Latency", ms(r.latency_ms)],
    ["Time to first token", r.is_stream ? ms(r.ttft_ms) : "not streamed"],
    ["Tokens", t ? `${int(t.prompt)} prompt · ${int(t.completion)} completion · ${int(t.total)} total` : "–"],
    ["Cached / reasoning", t ? `${int(t.cached)} cached · ${int(t.reasoning)} reasoning` : "–"],
    [
      "Cost",
      h(
        "span",
        { "data-metric": "cost_usd", "data-value": r.cost_usd ?? "" },
        r.cost_usd === null ? "unpriced" : usd(r.cost_usd),
      ),
    ],
    ["Price used", r.price ? priceText(r.price) : "no price known for this model"],
    ["HTTP status", r.http_status ?? "–"],
    ["Finish reason", r.finish_reason ?? "–"],
    ["Attempts", r.attempts ?? "–"],
    ["Cache hit", r.cache_hit ? "yes" : "no"],
    ["Agent instance", r.agent_instance_slug ?? "–"],
    ["End user", r.end_user ?? "–"],
    ["Country", r.country ?? "–"],
    ["User", r.user_id ?? "–"],
  ];
  if (r.error) {
    facts.push(["Error", h("span", { role: "note" }, `${r.error.code ?? ""} ${r.error.message ?? ""}`.trim())]);
  }
  const links = r.links;
  const feature = links?.feature?.kind ? links.feature : null;
  const related: Child[] = [];
  if (links?.session_id) {
    related.push(h("li", {}, h("a", { href: href(["sessions", links.session_id]) }, "Its chat session")));
  }
  const conversation = links?.conversation_id ?? r.conversation_id;
  if (conversation) {
    related.push(
      h(
        "li",
        {},
        h("a", { href: href(["requests"], { conversation_id: conversation }) }, "Every call of this conversation"),
      ),
    );
  }
  if (feature) {
    related.push(
      h(
        "li",
        {},
        h("a", { href: href(["feedback"]) }, `Its ${feature.kind} row`),
        h("span", { class: "muted" }, ` ${feature.id ?? ""}`),
      ),
    );
  }
  return h(
    "div",
    {},
    pageHead("Request", r.id, h("a", { href: "#/requests" }, "← All requests")),
    h(
      "div",
      { class: "grid2" },
      h(
        "section",
        { class: "panel", "aria-labelledby": "facts-title" },
        h("h2", { id: "facts-title" }, "Call"),
        h("dl", { class: "facts" }, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      ),
      h(
        "section",
        { class: "panel", "aria-labelledby": "props-title" },
        h("h2", { id: "props-title" }, "Properties"),
        h("pre", { "aria-label": "Properties" }, json(r.properties)),
        related.length > 0 && [h("h2", { style: "margin-top:16px" }, "Related"), h("ul", {}, related)],
      ),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "req-title" },
      h("h2", { id: "req-title" }, "Request (redacted)"),
      h("pre", { "aria-label": "Request body" }, json(r.request)),
    ),
    h(
      "section",
      { class: "panel", "aria-labelledby": "res-title" },
      h("h2", { id: "res-title" }, "Response (redacted)"),
      h("pre", { "aria-label": "Response body" }, json(r.response)),
    ),
  );
}

/** The price that costed the call, per million tokens. */
function priceText(price: Record<string, string | null>): string {
  const parts = [
    ["input", price.input_per_mtok],
    ["output", price.output_per_mtok],
    ["cached", price.cached_per_mtok],
    ["reasoning", price.reasoning_per_mtok],
  ].filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k} $${v}/Mtok`);
  if (price.source) parts.push(`source: ${price.source}`);
  return parts.length ? parts.join(" · ") : json(price);
}
