import { afterEach, describe, expect, it, vi } from "vitest";
import { cleanIp, clientAddress, clientCountry } from "../../functions/_shared/http/client-address.ts";

const req = (headers: Record<string, string>) => new Request("http://x/", { headers });

afterEach(() => vi.unstubAllEnvs());

describe("clientAddress", () => {
  it("uses the connection's address by default, whatever X-Forwarded-For claims", () => {
    expect(clientAddress(req({ "x-forwarded-for": "203.0.113.7" }), "198.51.100.1")).toBe("198.51.100.1");
    expect(clientAddress(req({}), "::1")).toBe("::1");
  });

  it("counts TRUSTED_PROXY_HOPS entries from the right of X-Forwarded-For", () => {
    vi.stubEnv("TRUSTED_PROXY_HOPS", "2");
    // The client wrote 1.1.1.1; the two trusted proxies appended 203.0.113.7 and 10.0.0.1.
    expect(clientAddress(req({ "x-forwarded-for": "1.1.1.1, 203.0.113.7, 10.0.0.1" }), "10.0.0.2")).toBe("203.0.113.7");
    expect(clientAddress(req({ "x-forwarded-for": "203.0.113.7, 10.0.0.1" }), "10.0.0.2")).toBe("203.0.113.7");
    // Fewer entries than hops: the request did not come through the proxies.
    expect(clientAddress(req({ "x-forwarded-for": "10.0.0.1" }), "10.0.0.2")).toBe("10.0.0.2");
    expect(clientAddress(req({}), "10.0.0.2")).toBe("10.0.0.2");
  });

  it("prefers CLIENT_IP_HEADER when the platform set it", () => {
    vi.stubEnv("CLIENT_IP_HEADER", "cf-connecting-ip");
    expect(clientAddress(req({ "cf-connecting-ip": "203.0.113.9", "x-forwarded-for": "1.1.1.1" }), "10.0.0.2")).toBe(
      "203.0.113.9",
    );
    expect(clientAddress(req({ "x-forwarded-for": "1.1.1.1" }), "10.0.0.2")).toBe("10.0.0.2");
  });

  it("never returns something that is not an address", () => {
    vi.stubEnv("TRUSTED_PROXY_HOPS", "1");
    expect(clientAddress(req({ "x-forwarded-for": "999.1.1.1" }), "::1")).toBe("::1");
    expect(clientAddress(req({ "x-forwarded-for": "<script>" }), null)).toBeNull();
    expect(cleanIp("<script>")).toBeNull();
    expect(cleanIp("[2001:db8::1]")).toBe("2001:db8::1");
    expect(cleanIp("1".repeat(3000))).toBeNull();
  });
});

describe("clientCountry", () => {
  it("trusts no header by default: a client's own cf-ipcountry is ignored", () => {
    expect(clientCountry(req({ "cf-ipcountry": "FR" }))).toBeNull();
  });

  it("reads GEO_COUNTRY_HEADER when configured, as an upper-case ISO code", () => {
    vi.stubEnv("GEO_COUNTRY_HEADER", "cf-ipcountry");
    expect(clientCountry(req({ "cf-ipcountry": "de" }))).toBe("DE");
    expect(clientCountry(req({}))).toBeNull();
  });

  it("treats unknown markers and anything that is not two letters as absent", () => {
    vi.stubEnv("GEO_COUNTRY_HEADER", "cf-ipcountry");
    for (const value of ["XX", "T1", "USA", "1A", "", "D\u00c9", "FR'; --"]) {
      expect(clientCountry(req({ "cf-ipcountry": value }))).toBeNull();
    }
  });
});
