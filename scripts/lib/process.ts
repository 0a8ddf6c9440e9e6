// Child processes of the dev stack, the tests and the benchmark: started with a readiness check,
// stopped by their own pid only.
import { type ChildProcess, spawn } from "node:child_process";

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 8000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

export interface Child {
  pid: number;
  process: ChildProcess;
  /** The first 200 KB of what the child printed. */
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every child we started (by pid); for scripts that exit abnormally. */
export function killAllChildren(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
}

export async function startChild(opts: {
  name: string;
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Resolves when this returns true for a line of output, or when `probe` answers. */
  readyLine?: (line: string) => boolean;
  probe?: () => Promise<boolean>;
  /** Receives every non-empty line the child prints, before and after it is ready. */
  onLine?: (line: string) => void;
  timeoutMs?: number;
  graceMs?: number;
}): Promise<Child> {
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let out = "";
  const listeners: ((l: string) => void)[] = opts.onLine ? [opts.onLine] : [];
  const onData = (d: Buffer) => {
    const s = d.toString();
    if (out.length < 200_000) out += s;
    for (const l of s.split("\n")) if (l.trim()) listeners.forEach((f) => f(l));
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const stop = () => stopChild(child, opts.graceMs);
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? 60_000;
      const timer = setTimeout(
        () => reject(new Error(`${opts.name} not ready after ${timeoutMs} ms:\n${out.slice(-3000)}`)),
        timeoutMs,
      );
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${opts.name} exited (code ${code}) before it was ready:\n${out.slice(-3000)}`));
      });
      if (opts.readyLine) listeners.push((l) => opts.readyLine!(l) && done());
      if (opts.probe) {
        const poll = async () => {
          while (child.exitCode === null) {
            if (await opts.probe!().catch(() => false)) return done();
            await new Promise((r) => setTimeout(r, 20));
          }
        };
        void poll();
      }
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { pid: child.pid!, process: child, output: () => out, stop };
}
