/** Display formats. Money arrives as an exact decimal string and is only rounded for display. */
const intFmt = new Intl.NumberFormat("en-US");

export function int(n: number | null | undefined): string {
  return n === null || n === undefined ? "–" : intFmt.format(n);
}

export function usd(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "–";
  const n = Number(value);
  if (n === 0) return "$0.00";
  const digits = Math.abs(n) >= 1 ? 2 : Math.abs(n) >= 0.01 ? 4 : 6;
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

export function pct(rate: number | null | undefined): string {
  return rate === null || rate === undefined ? "–" : `${(rate * 100).toFixed(rate < 0.1 ? 2 : 1)}%`;
}

export function ms(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  return n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${Math.round(n)} ms`;
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** The change from `before` to `now` as a signed percentage, or null when there is nothing to compare. */
export function change(now: number, before: number): number | null {
  if (!Number.isFinite(now) || !Number.isFinite(before) || before === 0) return null;
  return (now - before) / before;
}

/** Any JSON value, indented, for the redacted bodies. */
export function json(value: unknown): string {
  if (value === null || value === undefined) return "(none)";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

/** A change as shown next to a total: "12%", or "35×" when the previous period had next to nothing. */
export function changeText(d: number): string {
  return Math.abs(d) >= 10 ? `${(1 + d).toFixed(0)}×` : `${Math.abs(d * 100).toFixed(0)}%`;
}
