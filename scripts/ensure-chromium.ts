// Debian's Chromium for the browser test (playwright-core drives it; it downloads no browser of its own).
// Installs it with apt-get when /usr/bin/chromium is missing: `.ci/run` calls this before `npm test`, and the
// browser test's setup calls ensureChromium() too, so `npm test` on a fresh clone passes.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The path of a usable Chromium, installing Debian's package first if needed (root only). */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  console.log("Installing Debian's chromium for the browser test (apt-get)…");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

/**
 * Flags this machine needs: no sandbox (root), no GPU, and no background traffic to Google's hosts,
 * which a closed network refuses many times per start. The fresh --user-data-dir comes from
 * playwright-core's launch(), which makes a new temporary profile for every browser (and refuses the flag).
 */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`chromium: ${ensureChromium()}`);
}
