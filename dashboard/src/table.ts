/** A sortable table: click (or press Enter on) a header to sort; aria-sort tells assistive tech. */
import { type Child, h } from "./dom.ts";
import { ms, pct, usd } from "./format.ts";

export interface Column<T> {
  label: string;
  /** Cell content. */
  cell: (row: T) => Child;
  /** Sort key; columns without one do not sort. */
  sort?: (row: T) => number | string;
  num?: boolean;
}

export function sortableTable<T>(
  label: string,
  columns: Column<T>[],
  rows: T[],
  opts: { initial?: number; onRow?: (row: T) => void; rowLabel?: (row: T) => string } = {},
): HTMLElement {
  let sortBy = opts.initial ?? -1;
  let descending = true;
  const table = h("table", { "aria-label": label });
  const render = () => {
    const sorted = [...rows];
    const key = columns[sortBy]?.sort;
    if (key) {
      sorted.sort((a, b) => {
        const x = key(a), y = key(b);
        const c = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
        return descending ? -c : c;
      });
    }
    const head = h(
      "tr",
      {},
      columns.map((col, i) =>
        h(
          "th",
          {
            scope: "col",
            class: col.num ? "num" : null,
            "aria-sort": col.sort ? (i === sortBy ? (descending ? "descending" : "ascending") : "none") : null,
          },
          col.sort
            ? h(
              "button",
              {
                type: "button",
                onclick: () => {
                  descending = i === sortBy ? !descending : true;
                  sortBy = i;
                  render();
                },
              },
              col.label,
              i === sortBy ? (descending ? " ↓" : " ↑") : "",
            )
            : col.label,
        )
      ),
    );
    const body = h(
      "tbody",
      {},
      sorted.map((row) =>
        h(
          "tr",
          opts.onRow
            ? {
              class: "clickable",
              tabindex: 0,
              "aria-label": opts.rowLabel?.(row) ?? null,
              onclick: () => opts.onRow!(row),
              onkeydown: (e: Event) => {
                if ((e as KeyboardEvent).key === "Enter") opts.onRow!(row);
              },
            }
            : {},
          columns.map((col) => h("td", { class: col.num ? "num" : null }, col.cell(row))),
        )
      ),
    );
    table.replaceChildren(h("thead", {}, head), body);
  };
  render();
  return h("div", { class: "table-wrap" }, table);
}

/** A table of arbitrary rows (e.g. a view's rows), columns from the keys of the first row. */
export function rowsTable(label: string, rows: Record<string, unknown>[]): HTMLElement {
  if (rows.length === 0) return h("p", { class: "muted" }, "Nothing recorded for this range yet.");
  const keys = Object.keys(rows[0]).filter((k) => !/(^|_)id$/.test(k));
  return sortableTable(
    label,
    keys.map((k) => ({
      label: k.replace(/_/g, " "),
      num: typeof rows[0][k] === "number",
      sort: (r: Record<string, unknown>) => (typeof r[k] === "number" ? r[k] as number : String(r[k] ?? "")),
      cell: (r: Record<string, unknown>) => cellOf(k, r[k]),
    })),
    rows,
  );
}

/** A view's value by what its column name says it is: shares and rates, money, latencies. */
function cellOf(key: string, v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (/(_share|_rate)$/.test(key) && typeof v === "number") return pct(v);
  if (/cost_usd$/.test(key)) return usd(v as string);
  if (/latency_ms$/.test(key)) return ms(Number(v));
  return display(v);
}

export function display(v: unknown): string {
  if (v === null || v === undefined) return "–";
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(3);
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}
