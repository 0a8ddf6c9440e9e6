// The dashboard's static server (scripts/lib/static-server.ts): files from its root only, index.html for app
// routes, config.json from memory, and hostile paths answered without crashing or leaving the root.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serveStatic, type StaticServer } from "../../scripts/lib/static-server.ts";

let dir: string;
let server: StaticServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "static-server-"));
  mkdirSync(path.join(dir, "root/assets"), { recursive: true });
  writeFileSync(path.join(dir, "root/index.html"), "<!doctype html><title>app</title>");
  writeFileSync(path.join(dir, "root/assets/main.js"), "console.log(1)");
  writeFileSync(path.join(dir, "root/config.json"), '{"functionsUrl":"from-disk"}');
  writeFileSync(path.join(dir, "secret.txt"), "outside the root");
  server = await serveStatic(path.join(dir, "root"), { port: 0, config: { functionsUrl: "http://fns" } });
});

afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET, so the path reaches the server exactly as written (fetch would normalise dot segments). */
function get(rawPath: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(server.url);
    http.get({ host: "127.0.0.1", port, path: rawPath }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body }));
    }).on("error", reject);
  });
}

describe("static server", () => {
  it("serves files with their content type, and index.html for anything else", async () => {
    expect(await get("/assets/main.js")).toMatchObject({ status: 200, type: "text/javascript; charset=utf-8" });
    expect(await get("/")).toMatchObject({ status: 200, body: "<!doctype html><title>app</title>" });
    expect(await get("/requests/abc")).toMatchObject({ status: 200, body: "<!doctype html><title>app</title>" });
  });

  it("answers config.json from memory, over the file on disk", async () => {
    const res = await get("/config.json");
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ functionsUrl: "http://fns" });
  });

  it("never serves a file outside its root, however the path is encoded", async () => {
    for (const p of ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt"]) {
      const res = await get(p);
      expect(res.body, p).not.toContain("outside the root");
    }
  });

  it("answers a malformed escape with 400 and keeps serving", async () => {
    expect((await get("/%E0%A4%A")).status).toBe(400);
    expect((await get("/assets/main.js")).status).toBe(200);
  });
});
