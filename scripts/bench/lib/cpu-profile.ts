// Top entries of a V8 CPU profile (`deno run --cpu-prof`), by self time, as a Markdown table.
// Used when the benchmark runs with BENCH_CPU_PROF=1 (scripts/bench/overhead.ts).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "../../lib/paths.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the busy (non-idle) time. */
  pct: number;
}

function where(url: string, line: number): string {
  if (!url) return "";
  const file = url.startsWith("file://") ? path.relative(repoRoot, new URL(url).pathname) : url;
  // Deno's npm cache paths are long; the package and file are what identify the code.
  const npm = file.match(/npm\/registry\.npmjs\.org\/(.+)$/);
  return `${npm ? npm[1] : file}:${line + 1}`;
}

/** Self time per function (name + location), busiest first; idle time is left out of the shares. */
export function topSelfTime(file: string, limit = 25): { busyMs: number; entries: ProfileEntry[] } {
  const prof = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<string, { name: string; where: string; us: number }>();
  let busyUs = 0;
  prof.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const dt = prof.timeDeltas[i] ?? 0;
    const name = node.callFrame.functionName || "(anonymous)";
    if (name === "(idle)") return;
    busyUs += dt;
    const loc = where(node.callFrame.url, node.callFrame.lineNumber);
    const key = `${name}\u0000${loc}`;
    const e = selfUs.get(key) ?? { name, where: loc, us: 0 };
    e.us += dt;
    selfUs.set(key, e);
  });
  const entries = [...selfUs.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, pct: (100 * e.us) / busyUs }));
  return { busyMs: busyUs / 1000, entries };
}

/** The newest `.cpuprofile` in `dir`, or null. */
export function latestProfile(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort();
  return files.length ? path.join(dir, files[files.length - 1]) : null;
}

/** The top entries; `calls` (answered during the profile, when known) gives the busy time per call. */
export function profileMarkdown(title: string, file: string, calls?: number, limit = 25): string {
  const { busyMs, entries } = topSelfTime(file, limit);
  const rows = entries.map((e) =>
    `| ${e.selfMs.toFixed(0)} | ${e.pct.toFixed(1)}% | \`${e.name.replace(/\|/g, "\\|")}\` | ${e.where} |`
  );
  return [
    `#### ${title}`,
    "",
    `busy (non-idle) time ${busyMs.toFixed(0)} ms` +
    (calls ? ` over ${calls} calls = ${(busyMs / calls).toFixed(3)} ms/call` : "") +
    `; profile \`${path.basename(file)}\``,
    "",
    "| self ms | share | function | where |",
    "| ------: | ----: | -------- | ----- |",
    ...rows,
    "",
  ].join("\n");
}
