// The fake provider (test/helpers/fake-provider.ts) in a child process: an instant and a delayed variant.
import path from "node:path";
import { repoRoot } from "../lib/paths.ts";
import { type Child, startChild } from "../lib/process.ts";

export interface FakeProviders {
  instant: string;
  delayed: string;
  delayMs: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startFakeProviders(delayMs = 50): Promise<FakeProviders> {
  let urls: { instant: string; delayed: string } | null = null;
  const child: Child = await startChild({
    name: "fake provider",
    cmd: process.execPath,
    args: ["--import", "tsx", path.join(repoRoot, "scripts/bench/fake-provider-server.ts")],
    cwd: repoRoot,
    env: { FAKE_DELAY_MS: String(delayMs) },
    readyLine: (l) => {
      const m = l.match(/^fake-provider ready (.+)$/);
      if (m) urls = JSON.parse(m[1]);
      return !!m;
    },
  });
  const u = urls as unknown as { instant: string; delayed: string };
  return { instant: u.instant, delayed: u.delayed, delayMs, pid: child.pid, stop: child.stop };
}
