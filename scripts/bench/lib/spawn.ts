// Child processes of the benchmark: started with a readiness check, stopped by their own pid only.
import { spawn, type ChildProcess } from "node:child_process";
import { stopChild } from "../../lib/process.ts";

export interface Child {
  pid: number;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Kills every child we started (by pid) when the benchmark exits abnormally. */
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
  timeoutMs?: number;
  quiet?: boolean;
}): Promise<Child> {
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  let out = "";
  const lines: ((l: string) => void)[] = [];
  const onData = (d: Buffer) => {
    const s = d.toString();
    if (out.length < 200_000) out += s;
    for (const l of s.split("\n")) if (l.trim()) lines.forEach((f) => f(l));
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const stop = () => stopChild(child, 5000);
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = opts.timeoutMs ?? 60_000;
      const timer = setTimeout(() => reject(new Error(`${opts.name} not ready after ${timeoutMs} ms:\n${out.slice(-3000)}`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${opts.name} exited (code ${code}) before it was ready:\n${out.slice(-3000)}`));
      });
      if (opts.readyLine) lines.push((l) => opts.readyLine!(l) && done());
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
