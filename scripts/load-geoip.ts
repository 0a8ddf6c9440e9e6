// `npm run geoip:load -- [file.csv ...]`: replaces the IP-to-country ranges in the database at
// DATABASE_URL (default: the `npm start` database). Default files: the IPv4 and IPv6 CSVs of
// @ip-location-db/geo-whois-asn-country (data CC BY 4.0, Number Resource Organization, nro.net).
import path from "node:path";
import { DEFAULT_GEOIP_FILES, loadGeoip } from "./lib/geoip.ts";
import { localUrl, redactUrl } from "./lib/postgres.ts";

const files = process.argv.length > 2 ? process.argv.slice(2).map((f) => path.resolve(f)) : DEFAULT_GEOIP_FILES;
const url = process.env.DATABASE_URL ?? localUrl(Number(process.env.DB_PORT ?? 54322));
const count = await loadGeoip(url, files);
console.log(`loaded ${count} IP ranges from ${files.length} file(s) into ${redactUrl(url)}`);
