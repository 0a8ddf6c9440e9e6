/**
 * The client's address, as far as it can be trusted. Forwarding headers are written by whoever
 * sends the request, so only what the deployment's own proxies added counts:
 * - CLIENT_IP_HEADER: a header the platform's edge sets and overwrites (e.g. `cf-connecting-ip`);
 * - TRUSTED_PROXY_HOPS (default 0): how many proxies in front of the function append the address
 *   they received from to X-Forwarded-For; the client is that many entries from the right.
 * With neither (the default, e.g. locally), the connection's remote address is the client.
 * A request that lacks what the configuration promises (no header, fewer hops) did not come
 * through those proxies: the remote address is used, never a client-chosen value.
 */
import { env } from "../runtime/env.ts";

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;

/** An address Postgres' inet accepts, or null (a spoofed header must not break logging). */
export function cleanIp(value: string | null | undefined): string | null {
  const ip = value?.trim().replace(/^\[|\]$/g, "");
  if (!ip || ip.length > 45) return null;
  if (IPV4.test(ip)) return ip.split(".").every((o) => Number(o) <= 255) ? ip : null;
  return ip.includes(":") && IPV6.test(ip) ? ip : null;
}

function trustedHops(): number {
  const hops = Number(env("TRUSTED_PROXY_HOPS") ?? 0);
  return Number.isInteger(hops) && hops > 0 ? hops : 0;
}

/**
 * The caller's country (ISO 3166-1 alpha-2) from GEO_COUNTRY_HEADER, a header the platform's edge
 * sets and overwrites (e.g. Cloudflare's `cf-ipcountry`). Unset (the default) means no header is
 * trusted: anyone can send one. Unknown markers (XX, Cloudflare's T1 for Tor) count as absent; the
 * database then derives the country from the client address.
 */
export function clientCountry(req: Request): string | null {
  const header = env("GEO_COUNTRY_HEADER")?.trim();
  const value = header ? req.headers.get(header)?.trim().toUpperCase() : undefined;
  return value && /^[A-Z]{2}$/.test(value) && value !== "XX" && value !== "T1" ? value : null;
}

/** The trusted client address (see above); a trusted value that is not an address counts as absent. */
export function clientAddress(req: Request, remoteIp: string | null): string | null {
  const header = env("CLIENT_IP_HEADER")?.trim();
  const fromHeader = header ? cleanIp(req.headers.get(header)) : null;
  if (fromHeader) return fromHeader;
  const hops = trustedHops();
  // Repeated headers arrive joined with ", "; every proxy appends to the end.
  const entries = hops > 0 ? (req.headers.get("x-forwarded-for") ?? "").split(",") : [];
  const forwarded = entries.length >= hops ? cleanIp(entries[entries.length - hops]) : null;
  return forwarded ?? cleanIp(remoteIp);
}
