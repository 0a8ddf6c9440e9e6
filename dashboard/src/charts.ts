/**
 * Charts: uPlot (small, fast, canvas) for the time series, an inline SVG for table sparklines.
 * Each chart sizes itself to its panel and follows it when the window resizes.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export const PALETTE = ["#3b5bdb", "#f08c00", "#2f9e44", "#e64980", "#7048e8", "#1098ad", "#868e96", "#d9480f"];

const charts = new Set<uPlot>();
let observer: ResizeObserver | null = null;

let pending: (() => void)[] = [];

/** Destroys every chart of the previous page (called by the router before a page renders). */
export function disposeCharts(): void {
  for (const chart of charts) chart.destroy();
  charts.clear();
  pending = [];
}

/** Charts measure their panel, so a page draws them once it is in the document (see `drawPending`). */
export function whenMounted(draw: () => void): void {
  pending.push(draw);
}

/** Called by the router right after it mounted a page. */
export function drawPending(): void {
  const draws = pending;
  pending = [];
  for (const draw of draws) draw();
}

function track(chart: uPlot, host: HTMLElement): void {
  charts.add(chart);
  observer ??= new ResizeObserver(() => {
    for (const c of charts) {
      const parent = c.root.parentElement;
      if (parent && parent.clientWidth > 0 && parent.clientWidth !== c.width) c.setSize(size(parent));
    }
  });
  observer.observe(host);
}

const size = (host: HTMLElement) => ({ width: Math.max(host.clientWidth, 280), height: 240 });

/** Half a day on each side, so the first and last bars are whole. */
const padDays = (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [min - 43_200, max + 43_200];

/** Day strings (YYYY-MM-DD) as uPlot's x values (seconds since epoch, UTC midnight). */
export const daySeconds = (day: string) => Date.parse(`${day}T00:00:00Z`) / 1000;

interface Line {
  label: string;
  values: (number | null)[];
  color?: string;
  /** Second y axis (e.g. a rate next to counts). */
  right?: boolean;
  bars?: boolean;
  format?: (v: number) => string;
}

/** A time series chart of lines and/or bars sharing day x values. */
export function timeChart(
  host: HTMLElement,
  days: string[],
  lines: Line[],
  opts: { leftFormat?: (v: number) => string; rightFormat?: (v: number) => string } = {},
): void {
  const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
  const chart = new uPlot(
    {
      ...size(host),
      padding: [8, 8, 0, 0],
      cursor: { points: { size: 6 } },
      scales: { x: { time: true, range: padDays }, rate: { range: [0, 1] } },
      axes: [
        { stroke: "#64748b", grid: { stroke: "#eef1f5" } },
        {
          stroke: "#64748b",
          grid: { stroke: "#eef1f5" },
          values: (_u, vals) => vals.map((v) => opts.leftFormat ? opts.leftFormat(v) : String(v)),
          size: 60,
        },
        ...(lines.some((l) => l.right)
          ? [{
            scale: "rate",
            side: 1,
            stroke: "#64748b",
            grid: { show: false },
            values: (_u: uPlot, vals: number[]) => vals.map((v) => opts.rightFormat ? opts.rightFormat(v) : String(v)),
            size: 50,
          }]
          : []),
      ],
      series: [
        { value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toISOString().slice(0, 10)) },
        ...lines.map((l, i) => {
          const color = l.color ?? PALETTE[i % PALETTE.length];
          return {
            label: l.label,
            stroke: color,
            width: l.bars ? 0 : 2,
            fill: l.bars ? color + "cc" : undefined,
            paths: l.bars ? bars : undefined,
            points: { show: !l.bars && days.length < 40 },
            scale: l.right ? "rate" : "y",
            value: (_u: uPlot, v: number | null) => (v === null ? "–" : l.format ? l.format(v) : String(v)),
          };
        }),
      ],
    },
    [days.map(daySeconds), ...lines.map((l) => l.values)] as uPlot.AlignedData,
    host,
  );
  track(chart, host);
}

/**
 * Stacked bars: series are drawn from the tallest cumulative sum down, so each model's band is
 * visible; the legend shows each model's own value, not the running sum.
 */
export function stackedBars(
  host: HTMLElement,
  days: string[],
  stacks: { label: string; values: number[] }[],
  format: (v: number) => string,
): void {
  const cumulative: number[][] = [];
  stacks.forEach((s, i) => cumulative.push(s.values.map((v, d) => v + (i > 0 ? cumulative[i - 1][d] : 0))));
  const bars = uPlot.paths.bars?.({ size: [0.7, 40] });
  const order = stacks.map((_, i) => i).reverse();
  const chart = new uPlot(
    {
      ...size(host),
      padding: [8, 8, 0, 0],
      axes: [
        { stroke: "#64748b", grid: { stroke: "#eef1f5" } },
        { stroke: "#64748b", grid: { stroke: "#eef1f5" }, values: (_u, vals) => vals.map(format), size: 64 },
      ],
      scales: { x: { time: true, range: padDays } },
      series: [
        { value: (_u, v) => (v === null ? "–" : new Date(v * 1000).toISOString().slice(0, 10)) },
        ...order.map((i) => ({
          label: stacks[i].label,
          stroke: PALETTE[i % PALETTE.length],
          fill: PALETTE[i % PALETTE.length],
          width: 0,
          paths: bars,
          points: { show: false },
          value: (u: uPlot, _v: number | null, _s: number, idx: number | null) =>
            idx === null || u.data[0][idx] === undefined ? "–" : format(stacks[i].values[idx]),
        })),
      ],
    },
    [days.map(daySeconds), ...order.map((i) => cumulative[i])] as uPlot.AlignedData,
    host,
  );
  track(chart, host);
}

/** A 100×24 sparkline of a series (e.g. daily cost), with an accessible description. */
export function sparkline(values: number[], label: string): SVGSVGElement {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const w = 100, hgt = 24;
  svg.setAttribute("class", "spark");
  svg.setAttribute("width", String(w));
  svg.setAttribute("height", String(hgt));
  svg.setAttribute("viewBox", `0 0 ${w} ${hgt}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  const max = Math.max(...values, 0);
  const step = values.length > 1 ? w / (values.length - 1) : 0;
  const points = values.map((v, i) =>
    `${(i * step).toFixed(1)},${(hgt - 2 - (max > 0 ? (v / max) * (hgt - 4) : 0)).toFixed(1)}`
  );
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("points", points.join(" "));
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "#3b5bdb");
  line.setAttribute("stroke-width", "1.5");
  svg.appendChild(line);
  return svg;
}
