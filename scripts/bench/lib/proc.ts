// CPU time and peak RSS of a process (and optionally its children) from /proc (Linux only).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";

const CLK_TCK = 100; // sysconf(_SC_CLK_TCK) on every Linux we run on

export interface CpuSample {
  /** user + system CPU seconds */
  cpu: number;
  at: number;
}

function statFields(pid: number): string[] | null {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // comm may contain spaces: fields start after the last ')'
    return raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** utime + stime of one process (all its threads), in seconds. */
export function cpuSeconds(pid: number): number {
  const f = statFields(pid);
  if (!f) return 0;
  // after ')' : state(0) ppid(1) ... utime is field 14 overall -> index 11 here, stime index 12
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** Pids whose parent is `ppid` (one level). */
export function childPids(ppid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const f = statFields(Number(name));
    if (f && Number(f[1]) === ppid) out.push(Number(name));
  }
  return out;
}

/** CPU seconds of a process plus its direct children (Postgres: postmaster + backends). */
export function treeCpuSeconds(pid: number): number {
  let total = cpuSeconds(pid);
  for (const c of childPids(pid)) total += cpuSeconds(c);
  // children that exited were reaped by the parent: their time is in cutime/cstime of the parent
  const f = statFields(pid);
  if (f) total += (Number(f[13]) + Number(f[14])) / CLK_TCK;
  return total;
}

function statusKb(pid: number, key: string): number | null {
  try {
    const m = readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Peak resident set size (VmHWM) in MiB. */
export function peakRssMiB(pid: number): number | null {
  const kb = statusKb(pid, "VmHWM");
  return kb === null ? null : kb / 1024;
}

/** Resets VmHWM to the current RSS (Linux >= 4.0, our own processes only); false if not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    if (!existsSync(`/proc/${pid}/clear_refs`)) return false;
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

export function cpuModel(): string {
  try {
    const m = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m);
    return m ? m[1].trim() : "unknown";
  } catch {
    return "unknown";
  }
}
