// The dashboard SPA: build (esbuild, from dashboard/src into dashboard/dist) and its runtime config.
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { build } from "esbuild";
import { repoRoot } from "./paths.ts";
import { serveStatic, type StaticServer } from "./static-server.ts";

export const dashboardDir = path.join(repoRoot, "dashboard");
export const dashboardDist = path.join(dashboardDir, "dist");

/** What the SPA reads from config.json (see dashboard/src/auth.ts). */
export interface DashboardConfig {
  functionsUrl: string;
  supabaseUrl?: string;
  anonKey?: string;
}

/** Bundles the app: ES modules split so supabase-js loads only on a hosted project's sign-in path. */
export async function buildDashboard(outDir = dashboardDist): Promise<void> {
  await rm(path.join(outDir, "assets"), { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [path.join(dashboardDir, "src/main.ts")],
    outdir: path.join(outDir, "assets"),
    bundle: true,
    format: "esm",
    splitting: true,
    minify: true,
    sourcemap: true,
    target: ["es2022"],
    platform: "browser",
    legalComments: "linked",
    logLevel: "warning",
  });
  await copyFile(path.join(dashboardDir, "index.html"), path.join(outDir, "index.html"));
}

export async function writeDashboardConfig(config: DashboardConfig, outDir = dashboardDist): Promise<void> {
  await writeFile(path.join(outDir, "config.json"), JSON.stringify(config, null, 2) + "\n");
}

/** Builds the app and serves it with a config.json naming `functionsUrl` (npm start, the browser test). */
export async function serveDashboard(opts: { port: number; functionsUrl: string }): Promise<StaticServer> {
  await buildDashboard();
  return serveStatic(dashboardDist, { port: opts.port, config: { functionsUrl: opts.functionsUrl } });
}

/** The dashboard URL that signs in with `jwt`: the fragment never reaches a server, and the app moves it out of the URL. */
export function signedInUrl(dashboardUrl: string, jwt: string): string {
  return `${dashboardUrl}/#access_token=${encodeURIComponent(jwt)}`;
}
