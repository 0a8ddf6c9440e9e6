// A tiny static file server for the built dashboard (npm start, the browser test). config.json is
// answered from memory when given, so a server can point the same build at its own functions URL.
import { readFile, stat } from "node:fs/promises";
import http from "node:http";
import path from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticServer {
  url: string;
  stop(): Promise<void>;
}

export function serveStatic(
  root: string,
  opts: { port: number; host?: string; config?: unknown },
): Promise<StaticServer> {
  const base = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    const headers = {
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { ...headers, allow: "GET, HEAD" }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      // A malformed escape (e.g. "/%E0") must not throw out of the handler and take the server down.
      res.writeHead(400, headers).end();
      return;
    }
    if (pathname === "/config.json" && opts.config !== undefined) {
      res.writeHead(200, { ...headers, "content-type": TYPES[".json"] }).end(JSON.stringify(opts.config));
      return;
    }
    let file = path.resolve(base, "." + (pathname.endsWith("/") ? pathname + "index.html" : pathname));
    // Nothing outside the root, whatever `..` or encoded slashes the path holds.
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(404, headers).end();
      return;
    }
    if (!(await stat(file).then((s) => s.isFile(), () => false))) file = path.join(base, "index.html");
    try {
      const body = await readFile(file);
      const type = TYPES[path.extname(file)] ?? "application/octet-stream";
      res.writeHead(200, { ...headers, "content-type": type }).end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, headers).end("Not found: build the dashboard with npm run dashboard:build");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({
        url: `http://${opts.host ?? "127.0.0.1"}:${port}`,
        stop: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
