/** What every page gets: the API client, the chosen account, the selected range, the route. */
import type { Api } from "./api.ts";
import type { Account } from "./types.ts";
import { field, h, select } from "./dom.ts";

export interface Route {
  /** Path segments after `#/`, e.g. ["requests", "<id>"]. */
  path: string[];
  query: URLSearchParams;
}

export interface Ctx {
  api: Api;
  account: Account;
  route: Route;
  /** Where `npm start`'s functions (or the project's) answer: for the first-call snippets. */
  functionsUrl: string;
  /** Renders the page again (after an action such as a resolve). */
  refresh(): void;
}

export function parseRoute(hash: string): Route {
  const [path, query = ""] = hash.replace(/^#\/?/, "").split("?");
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function href(path: string[], query: Record<string, string | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) q.set(k, v);
  const s = q.toString();
  return `#/${path.map(encodeURIComponent).join("/")}${s ? `?${s}` : ""}`;
}

export const PRESETS: [string, string, number][] = [
  ["24h", "Last 24 hours", 1],
  ["7d", "Last 7 days", 7],
  ["30d", "Last 30 days", 30],
  ["90d", "Last 90 days", 90],
];

const RANGE_KEY = "dashboard.range";

export function currentPreset(): string {
  const saved = sessionStorage.getItem(RANGE_KEY);
  return PRESETS.some(([k]) => k === saved) ? saved as string : "30d";
}

/** The selected range as ISO instants; the end is now, so today's calls count. */
export function currentRange(): { from: string; to: string } {
  const days = PRESETS.find(([k]) => k === currentPreset())?.[2] ?? 30;
  const to = new Date();
  return { from: new Date(to.getTime() - days * 86_400_000).toISOString(), to: to.toISOString() };
}

/** The range picker shown in page headers; changing it re-renders the page. */
export function rangePicker(ctx: Ctx): HTMLElement {
  const el = select("range", PRESETS.map(([k, label]) => [k, label]), currentPreset());
  el.id = "range";
  el.addEventListener("change", () => {
    sessionStorage.setItem(RANGE_KEY, el.value);
    ctx.refresh();
  });
  return field("Range", el);
}

export function pageHead(title: string, subtitle: string | null, ...actions: (HTMLElement | null)[]): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    h("div", {}, h("h1", {}, title), subtitle && h("p", { class: "sub" }, subtitle)),
    h("div", { class: "toolbar" }, ...actions),
  );
}

export const can = (ctx: Ctx, permission: string) => ctx.account.permissions.includes(permission);
