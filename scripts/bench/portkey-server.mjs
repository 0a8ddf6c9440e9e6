// Starts @portkey-ai/gateway's own Node server (its published bin, build/start-server.js), with two
// adjustments outside its request handling:
// 1. The listening socket is forced onto 127.0.0.1 (the bin binds every interface).
// 2. Streamed upstream responses get a mutable header list. Portkey 1.15.2 on Node appends its
//    x-portkey-* headers to the Response it builds around the upstream fetch() response, whose
//    headers are immutable; every streamed chat completion then fails with `TypeError: immutable`
//    (https://github.com/Portkey-AI/gateway/issues/1389, #1550; fix proposed upstream in PR #1551 by
//    copying the response the same way). Non-streamed responses are left untouched.
// Args as the bin's: --port=N --headless
import net from "node:net";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const UndiciResponse = globalThis.Response; // captured before @hono/node-server replaces the global
const realFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const r = await realFetch(...args);
  if (!(r.headers.get("content-type") ?? "").startsWith("text/event-stream")) return r;
  return new UndiciResponse(r.body, { status: r.status, statusText: r.statusText, headers: new Headers(r.headers) });
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number") {
    const [port, ...rest] = args;
    const cb = rest.find((a) => typeof a === "function");
    return listen.call(this, port, "127.0.0.1", cb);
  }
  if (args[0] && typeof args[0] === "object" && !args[0].path) args[0] = { ...args[0], host: "127.0.0.1" };
  return listen.apply(this, args);
};
console.clear = () => {};
const require = createRequire(import.meta.url);
const pkg = path.dirname(require.resolve("@portkey-ai/gateway/package.json"));
await import(pathToFileURL(path.join(pkg, "build/start-server.js")).href);
