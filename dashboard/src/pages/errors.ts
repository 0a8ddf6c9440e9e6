/** Errors: the most frequent error codes and messages, with when each was first and last seen. */
import { h } from "../dom.ts";
import { dateTime, int } from "../format.ts";
import { type Ctx, currentRange, href, pageHead, rangePicker } from "../state.ts";
import { sortableTable } from "../table.ts";
import type { ErrorRow } from "../types.ts";

export async function errorsPage(ctx: Ctx): Promise<HTMLElement> {
  const { data } = await ctx.api.get<{ data: ErrorRow[] }>("dashboard/errors", currentRange());
  const body = data.length === 0
    ? h("div", { class: "state" }, "No errors in this range. Failed calls show up here grouped by code and message.")
    : sortableTable<ErrorRow>(
      "Top errors",
      [
        { label: "Code", sort: (r) => r.code ?? "", cell: (r) => h("code", {}, r.code ?? "–") },
        { label: "Message", sort: (r) => r.message ?? "", cell: (r) => r.message ?? "–" },
        {
          label: "Model",
          sort: (r) => r.model ?? "",
          cell: (r) =>
            r.model ? h("a", { href: href(["requests"], { status: "error", model: r.model }) }, r.model) : "–",
        },
        { label: "Count", num: true, sort: (r) => r.count, cell: (r) => int(r.count) },
        { label: "First seen", sort: (r) => r.first_seen, cell: (r) => dateTime(r.first_seen) },
        { label: "Last seen", sort: (r) => r.last_seen, cell: (r) => dateTime(r.last_seen) },
      ],
      data,
      { initial: 3 },
    );
  return h(
    "div",
    {},
    pageHead("Errors", "What failed, how often, since when", rangePicker(ctx)),
    data.length > 0 && topCodes(data),
    h(
      "section",
      { class: "panel", "aria-labelledby": "messages-title" },
      h("h2", { id: "messages-title" }, "By message and model"),
      body,
    ),
  );
}

/** Errors per code across models, as bars: which kind of failure dominates. */
function topCodes(rows: ErrorRow[]): HTMLElement {
  const byCode = new Map<string, number>();
  for (const r of rows) byCode.set(r.code ?? "(no code)", (byCode.get(r.code ?? "(no code)") ?? 0) + r.count);
  const codes = [...byCode].sort((a, b) => b[1] - a[1]);
  const max = codes[0][1];
  return h(
    "section",
    { class: "panel", "aria-labelledby": "codes-title" },
    h("h2", { id: "codes-title" }, "Top error codes"),
    h(
      "div",
      { role: "list", "aria-label": "Top error codes" },
      codes.map(([code, n]) =>
        h(
          "div",
          { class: "bar-row codes", role: "listitem", "aria-label": `${code}: ${n}` },
          h("code", {}, code),
          h("div", { class: "bar", style: `width:${(n / max) * 100}%; background: var(--bad)` }),
          h("span", { class: "muted" }, int(n)),
        )
      ),
    ),
  );
}
