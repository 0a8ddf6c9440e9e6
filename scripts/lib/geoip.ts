// Loads an IP-to-country dataset into private.ip_country_ranges, replacing what was there in one
// transaction (lookups see the old table or the new one, never half of it). The files are CSV lines
// `first address,last address,country` (inclusive ranges), the format of the npm package
// @ip-location-db/geo-whois-asn-country (data: CC BY 4.0, Number Resource Organization).
// That data has nested and repeated ranges (a /22 holding a more specific /24); they are flattened
// into disjoint ranges where the most specific (latest-starting) range wins, so the database finds
// an address's range with one index probe.
import { readFileSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { repoRoot } from "./paths.ts";

const PACKAGE_DIR = path.join(repoRoot, "node_modules/@ip-location-db/geo-whois-asn-country");

/** The IPv4 and IPv6 files of the installed package. */
export const DEFAULT_GEOIP_FILES = [
  path.join(PACKAGE_DIR, "geo-whois-asn-country-ipv4.csv"),
  path.join(PACKAGE_DIR, "geo-whois-asn-country-ipv6.csv"),
];

export interface IpRange {
  start: bigint;
  end: bigint;
  country: string;
  v6: boolean;
}

/** An IPv4 or IPv6 address as an integer, or null when it is neither. */
export function ipToBigInt(ip: string): { value: bigint; v6: boolean } | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) {
    const octets = ip.split(".").map(Number);
    if (octets.some((o) => o > 255)) return null;
    return { value: octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n), v6: false };
  }
  if (!/^[0-9a-f:]+$/i.test(ip) || ip.split("::").length > 2) return null;
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, null];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === null ? missing !== 0 : missing < 1) return null;
  const groups = [...left, ...Array(tail === null ? 0 : missing).fill("0"), ...right];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/i.test(g))) return null;
  return { value: groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n), v6: true };
}

export function bigIntToIp(value: bigint, v6: boolean): string {
  if (!v6) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join(".");
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(":");
}

/**
 * Disjoint ranges from possibly nested or overlapping ones: at every address, the range that
 * started last (for equal starts, the shorter one) wins. Ranges of one address family only.
 * A sweep in start order with a stack of the ranges still open; adjacent pieces of one country merge.
 */
export function flattenRanges(ranges: IpRange[]): IpRange[] {
  const sorted = [...ranges].sort((a, b) =>
    a.start < b.start ? -1 : a.start > b.start ? 1 : a.end > b.end ? -1 : a.end < b.end ? 1 : 0
  );
  const out: IpRange[] = [];
  const open: IpRange[] = [];
  let cursor = 0n;
  // Gives `r` the addresses from the cursor up to `until` (nothing when the cursor is already past).
  const emit = (r: IpRange, until: bigint) => {
    if (cursor > until) return;
    const last = out[out.length - 1];
    if (last && last.country === r.country && last.end + 1n === cursor) last.end = until;
    else out.push({ start: cursor, end: until, country: r.country, v6: r.v6 });
    cursor = until + 1n;
  };
  for (const r of sorted) {
    while (open.length > 0 && open[open.length - 1].end < r.start) {
      const done = open.pop()!;
      emit(done, done.end);
    }
    if (open.length > 0) emit(open[open.length - 1], r.start - 1n);
    if (cursor < r.start) cursor = r.start;
    open.push(r);
  }
  while (open.length > 0) {
    const done = open.pop()!;
    emit(done, done.end);
  }
  return out;
}

/** Parses dataset lines; lines that are not `address,address,CC` of one family are skipped. */
export function parseRanges(csv: string): IpRange[] {
  const ranges: IpRange[] = [];
  for (const line of csv.split("\n")) {
    const [a, b, country] = line.trim().split(",");
    const start = a ? ipToBigInt(a) : null;
    const end = b ? ipToBigInt(b) : null;
    if (!start || !end || start.v6 !== end.v6 || start.value > end.value || !/^[A-Z]{2}$/.test(country ?? "")) continue;
    ranges.push({ start: start.value, end: end.value, country, v6: start.v6 });
  }
  return ranges;
}

export async function loadGeoip(dbUrl: string, files: string[] = DEFAULT_GEOIP_FILES): Promise<number> {
  const all = files.flatMap((f) => parseRanges(readFileSync(f, "utf8")));
  const flat = [...flattenRanges(all.filter((r) => !r.v6)), ...flattenRanges(all.filter((r) => r.v6))];
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  try {
    return await sql.begin(async (tx) => {
      await tx`delete from private.ip_country_ranges`;
      const copy = await tx`copy private.ip_country_ranges (start_ip, end_ip, country) from stdin with (format csv)`
        .writable();
      const lines = function* () {
        for (const r of flat) yield `${bigIntToIp(r.start, r.v6)},${bigIntToIp(r.end, r.v6)},${r.country}\n`;
      };
      await pipeline(Readable.from(lines()), copy);
      const [{ n }] = await tx`select count(*)::int as n from private.ip_country_ranges`;
      return n as number;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
