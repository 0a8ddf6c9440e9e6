// Closed-loop load with autocannon (programmatic API). Latencies are recorded from autocannon's
// per-response event at full (sub-millisecond) precision; autocannon's own histogram rounds to 1 ms.
// Time to first byte for streams is taken in the same run: the first body chunk of each response,
// measured from the moment autocannon wrote the request.
import autocannon from "autocannon";

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  durationS: number;
  /** Hard cap on responses, so every loop is bounded in count as well as time. */
  maxRequests: number;
  ttfb?: boolean;
}

export interface LoadResult {
  answered: number; // 2xx
  sent: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  ttfbP50: number | null;
  ttfbP95: number | null;
  ttfbP99: number | null;
  statusCodes: Record<string, number>;
}

const MAX_SAMPLES = 2_000_000;

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface ClientInternals {
  on(ev: string, fn: (...a: unknown[]) => void): void;
  pipelinedRequests?: { peek(): { startTime: [number, number]; __ttfb?: boolean } | undefined };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const lat = new Float64Array(Math.min(spec.maxRequests, MAX_SAMPLES));
  let n = 0;
  const ttfb = new Float64Array(spec.ttfb ? lat.length : 0);
  let nt = 0;
  const started = process.hrtime.bigint();
  let settle!: (err: Error | null, r: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    settle = (err, r) => (err ? reject(err) : resolve(r));
  });
  const instance = autocannon({
    url: spec.url,
    method: "POST",
    headers: spec.headers,
    body: spec.body,
    connections: spec.connections,
    duration: spec.durationS,
    maxOverallRequests: spec.maxRequests,
    timeout: 30,
    setupClient: spec.ttfb
      ? (client: unknown) => {
        const c = client as ClientInternals;
        c.on("body", () => {
          const head = c.pipelinedRequests?.peek();
          if (!head || head.__ttfb) return;
          head.__ttfb = true;
          const d = process.hrtime(head.startTime);
          if (nt < ttfb.length) ttfb[nt++] = d[0] * 1e3 + d[1] / 1e6;
        });
      }
      : undefined,
  }, (err, r) => settle(err, r));
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300 && n < lat.length) lat[n++] = ms;
  });
  const result = await done;
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const l = lat.subarray(0, n).sort();
  const t = ttfb.subarray(0, nt).sort();
  const codes: Record<string, number> = {};
  for (const [code, v] of Object.entries(result.statusCodeStats ?? {})) codes[code] = (v as { count: number }).count;
  const durationS = Math.min(elapsedS, result.duration || elapsedS);
  let sum = 0;
  for (const x of l) sum += x;
  return {
    answered: result["2xx"],
    sent: result.requests.sent,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS,
    rps: result["2xx"] / durationS,
    p50: percentile(l, 50),
    p95: percentile(l, 95),
    p99: percentile(l, 99),
    mean: n ? sum / n : NaN,
    ttfbP50: nt ? percentile(t, 50) : null,
    ttfbP95: nt ? percentile(t, 95) : null,
    ttfbP99: nt ? percentile(t, 99) : null,
    statusCodes: codes,
  };
}
