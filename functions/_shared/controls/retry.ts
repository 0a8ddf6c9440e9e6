/**
 * Retries of an upstream call that failed before its first byte: on 429, 5xx, 408 and connection
 * errors, with exponential backoff and full jitter, honouring the provider's `retry-after`
 * (`retry-after-ms`) when it is short enough. Each attempt is recorded for the ledger row.
 */
import { env } from "../runtime/env.ts";
import { badRequest } from "../http/errors.ts";
import type { UpstreamRequest } from "../providers/types.ts";

export interface Attempt {
  model: string;
  provider: string;
  /** HTTP status, or null when the connection failed. */
  status: number | null;
  error: string | null;
  ms: number;
}

export const DEFAULT_MAX_RETRIES = 2;
export const MAX_RETRIES_CAP = 5;

/** `x-max-retries: <0-5>`; null when absent. */
export function maxRetriesHeader(req: Request): number | null {
  const raw = req.headers.get("x-max-retries");
  if (raw === null) return null;
  if (!/^\d$/.test(raw.trim()) || Number(raw) > MAX_RETRIES_CAP) {
    throw badRequest(
      `x-max-retries must be an integer from 0 to ${MAX_RETRIES_CAP}`,
      "x-max-retries",
      "invalid_header",
    );
  }
  return Number(raw);
}

const baseDelayMs = () => Number(env("RETRY_BASE_DELAY_MS") ?? 250);
/** A provider asking to wait longer than this gets its answer passed on instead (the client decides). */
const maxRetryAfterMs = () => Number(env("RETRY_MAX_WAIT_MS") ?? 5000);

export const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** The wait a provider asked for, in ms (`retry-after-ms`, then `retry-after` seconds or date). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = Number(headers.get("retry-after-ms"));
  if (headers.get("retry-after-ms") !== null && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers.get("retry-after");
  if (raw === null) return null;
  const seconds = Number(raw);
  if (raw.trim() !== "" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** Exponential backoff with full jitter: uniform in [base * 2^n / 2, base * 2^n]. */
const backoff = (n: number): number => {
  const ceiling = baseDelayMs() * 2 ** n;
  return ceiling / 2 + Math.random() * (ceiling / 2);
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Sends the request `build()` makes (a fresh one per attempt: a body is read once), retrying up
 * to `maxRetries` times. Returns the last response, or throws the last connection error; an abort
 * (timeout, client gone) ends the loop at once.
 */
export async function fetchWithRetries(
  build: () => UpstreamRequest,
  opts: { maxRetries: number; signal: AbortSignal; model: string; provider: string; attempts: Attempt[] },
): Promise<Response> {
  for (let n = 0;; n++) {
    const started = performance.now();
    const record = (status: number | null, error: string | null) =>
      opts.attempts.push({
        model: opts.model,
        provider: opts.provider,
        status,
        error,
        ms: Math.round(performance.now() - started),
      });
    let res: Response;
    try {
      const { url, init } = build();
      res = await fetch(url, init);
    } catch (err) {
      if (opts.signal.aborted) {
        record(
          null,
          (opts.signal.reason as DOMException | undefined)?.name === "TimeoutError" ? "upstream_timeout" : "aborted",
        );
        throw err;
      }
      record(null, "connection_error");
      if (n >= opts.maxRetries) throw err;
      await sleep(backoff(n), opts.signal);
      continue;
    }
    record(res.status, res.ok ? null : `http_${res.status}`);
    if (res.ok || !isRetryableStatus(res.status) || n >= opts.maxRetries) return res;
    const asked = retryAfterMs(res.headers);
    if (asked !== null && asked > maxRetryAfterMs()) return res;
    await res.body?.cancel();
    await sleep(asked ?? backoff(n), opts.signal);
  }
}
