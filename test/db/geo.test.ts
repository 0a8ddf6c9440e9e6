// Geography: the IP-to-country dataset from npm loads into private.ip_country_ranges, log rows get
// a country from their address (unless the gateway had one from the platform's header), and an
// account can keep the country while dropping the address.
import { readFileSync } from "node:fs";
import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Ledger } from "../../functions/_shared/ledger/writer.ts";
import { DEFAULT_GEOIP_FILES, loadGeoip } from "../../scripts/lib/geoip.ts";
import { createAccount, type TestAccount } from "../helpers/fixtures.ts";
import { ledgerEntry } from "../helpers/ledger-entry.ts";
import { adminSql, dbUrl } from "../helpers/stack.ts";

let sql: postgres.Sql;
let account: TestAccount;
let loaded: number;

beforeAll(async () => {
  sql = adminSql();
  account = await createAccount(sql);
  loaded = await loadGeoip(dbUrl());
}, 120_000);
afterAll(() => sql.end());

async function log(acct: TestAccount, ip: string, country: string | null) {
  const entry = ledgerEntry(acct);
  entry.llmRequest.ip_address = ip;
  entry.llmRequest.country = country;
  entry.interaction!.ip_address = ip;
  entry.interaction!.country = country;
  await new Ledger(() => sql).record(entry);
  const [req] = await sql`
    select country, host(ip_address) as ip from public.llm_requests where id = ${entry.llmRequest.id}`;
  const [int] = await sql`
    select country, host(ip_address) as ip from public.ai_interactions where id = ${entry.interaction!.id}`;
  return { req, int };
}

describe("IP-to-country dataset", () => {
  it("loads both files of the npm package (nested ranges flattened)", () => {
    const lines = DEFAULT_GEOIP_FILES.map((f) => readFileSync(f, "utf8").trim().split("\n").length);
    expect(loaded).toBeGreaterThan(100_000);
    expect(loaded).toBeLessThanOrEqual(lines[0] + lines[1] * 2);
  });

  it("finds the range of IPv4 and IPv6 addresses, and nothing outside every range", async () => {
    // The packages' first lines: 1.0.0.0-1.0.0.255 AU, 2001:2::-2001:2::ffff:ffff:ffff:ffff:ffff JP.
    for (
      const [ip, country] of [["1.0.0.1", "AU"], ["2001:2::1", "JP"], ["127.0.0.1", null], ["10.1.2.3", null], [
        "::1",
        null,
      ]]
    ) {
      const [row] = await sql`select private.ip_country(${ip}::inet) as c`;
      expect([ip, row.c]).toEqual([ip, country]);
    }
  });
});

describe("country on log rows", () => {
  it("is derived from the address when the gateway had no geo header", async () => {
    const { req, int } = await log(account, "1.0.0.1", null);
    expect(req).toEqual({ country: "AU", ip: "1.0.0.1" });
    expect(int).toEqual({ country: "AU", ip: "1.0.0.1" });
  });

  it("keeps the platform header's country over the address lookup", async () => {
    const { req } = await log(account, "1.0.0.1", "FR");
    expect(req.country).toBe("FR");
  });

  it("drops the address after deriving the country for accounts that ask, and only for them", async () => {
    const private_ = await createAccount(sql);
    await sql`update public.account_settings set drop_ip_after_geo = true where account_id = ${private_.id}`;
    const dropped = await log(private_, "1.0.0.1", null);
    expect(dropped.req).toEqual({ country: "AU", ip: null });
    expect(dropped.int).toEqual({ country: "AU", ip: null });
    const kept = await log(account, "1.0.0.1", null);
    expect(kept.req.ip).toBe("1.0.0.1");
  });

  it("only the server reads the ranges", async () => {
    const denied = sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true)`;
      return tx`select count(*) from private.ip_country_ranges`;
    });
    await expect(denied).rejects.toMatchObject({ code: "42501" });
  });
});
