import { describe, expect, it } from "vitest";
import { bigIntToIp, flattenRanges, ipToBigInt, parseRanges } from "../../scripts/lib/geoip.ts";

const v4 = (csv: string) =>
  flattenRanges(parseRanges(csv)).map((r) => `${bigIntToIp(r.start, false)}-${bigIntToIp(r.end, false)} ${r.country}`);

describe("geoip dataset loading", () => {
  it("parses IPv4 and compressed IPv6 addresses, refuses anything else", () => {
    expect(ipToBigInt("1.0.0.1")).toEqual({ value: 16777217n, v6: false });
    expect(ipToBigInt("2001:200::")).toEqual({ value: 0x20010200n << 96n, v6: true });
    expect(ipToBigInt("::1")).toEqual({ value: 1n, v6: true });
    for (const bad of ["1.2.3.256", "1.2.3", "2001::1::2", "1:2:3:4:5:6:7:8:9", "g::1", ""]) {
      expect(ipToBigInt(bad)).toBeNull();
    }
    expect(bigIntToIp(0x20010200n << 96n, true)).toBe("2001:200:0:0:0:0:0:0");
  });

  it("flattens nested, repeated and overlapping ranges: the most specific (latest start) wins", () => {
    const csv = [
      "10.0.0.0,10.0.0.255,HK", // outer
      "10.0.0.16,10.0.0.31,JP", // nested
      "10.0.0.16,10.0.0.31,JP", // repeated
      "10.0.0.200,10.0.1.10,DE", // overlaps the outer's end
      "10.0.2.0,10.0.2.9,HK",
      "10.0.2.10,10.0.2.19,HK", // adjacent, same country: merged
      "not,a,line",
    ].join("\n");
    expect(v4(csv)).toEqual([
      "10.0.0.0-10.0.0.15 HK",
      "10.0.0.16-10.0.0.31 JP",
      "10.0.0.32-10.0.0.199 HK",
      "10.0.0.200-10.0.1.10 DE",
      "10.0.2.0-10.0.2.19 HK",
    ]);
  });
});
