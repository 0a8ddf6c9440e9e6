// Local stand-in for Supabase's Edge Runtime gateway (run by Deno, not Node).
// Serves every folder of functions/ (or those FUNCTIONS_ONLY names) at /functions/v1/<name>, importing each
// function's own index.ts: the handler it passes to Deno.serve is captured and reused, so what runs here is
// what deploys.
// Like the platform it checks JWTs where config.toml says
// verify_jwt = true, and provides EdgeRuntime.waitUntil for work that outlives the response.
import { jwtVerify } from "jose";

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

const root = new URL("../", import.meta.url);
const functionsDir = new URL("functions/", root);
const port = Number(Deno.env.get("FUNCTIONS_PORT") ?? "54321");
const jwtSecret = new TextEncoder().encode(Deno.env.get("SUPABASE_JWT_SECRET") ?? "");
/**
 * FUNCTIONS_ONLY=a,b serves only those functions. The platform runs each function in its own
 * isolate; one function per server is the closest match here (the benchmark runs llm-proxy so).
 */
const only = (Deno.env.get("FUNCTIONS_ONLY") ?? "").split(",").map((s) => s.trim()).filter(Boolean);

const pending = new Set<Promise<unknown>>();
(globalThis as unknown as { EdgeRuntime: unknown }).EdgeRuntime = {
  waitUntil(promise: Promise<unknown>) {
    const tracked = Promise.resolve(promise).catch((err) =>
      console.error("waitUntil task failed:", err instanceof Error ? err.message : err)
    ).finally(() => pending.delete(tracked));
    pending.add(tracked);
  },
};

/** `verify_jwt` per function from supabase/config.toml (default true, as on the platform). */
function readVerifyJwt(): Map<string, boolean> {
  const toml = Deno.readTextFileSync(new URL("supabase/config.toml", root));
  const result = new Map<string, boolean>();
  let current: string | null = null;
  for (const line of toml.split("\n")) {
    const section = line.match(/^\s*\[functions\.([A-Za-z0-9_-]+)\]\s*$/);
    if (section) {
      current = section[1];
      result.set(current, true);
      continue;
    }
    if (/^\s*\[/.test(line)) current = null;
    const verify = line.match(/^\s*verify_jwt\s*=\s*(true|false)/);
    if (current && verify) result.set(current, verify[1] === "true");
  }
  return result;
}

async function loadHandlers(): Promise<Map<string, Handler>> {
  const handlers = new Map<string, Handler>();
  const realServe = Deno.serve;
  let captured: Handler | null = null;
  // deno-lint-ignore no-explicit-any
  (Deno as any).serve = (a: unknown, b?: unknown) => {
    captured =
      (typeof a === "function" ? a : typeof b === "function" ? b : (a as { handler: Handler }).handler) as Handler;
    return { finished: Promise.resolve(), shutdown: () => Promise.resolve(), ref() {}, unref() {}, addr: null };
  };
  try {
    const names = [...Deno.readDirSync(functionsDir)]
      .filter((e) => e.isDirectory && !e.name.startsWith("_") && !e.name.startsWith("."))
      .map((e) => e.name)
      .filter((name) => only.length === 0 || only.includes(name))
      .sort();
    const unknown = only.filter((name) => !names.includes(name));
    if (unknown.length) throw new Error(`FUNCTIONS_ONLY names no function folder: ${unknown.join(", ")}`);
    for (const name of names) {
      captured = null;
      await import(new URL(`${name}/index.ts`, functionsDir).href);
      if (!captured) throw new Error(`functions/${name}/index.ts did not call Deno.serve(handler)`);
      handlers.set(name, captured);
    }
  } finally {
    // deno-lint-ignore no-explicit-any
    (Deno as any).serve = realServe;
  }
  return handlers;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

async function jwtIsValid(req: Request): Promise<boolean> {
  const auth = req.headers.get("authorization") ?? "";
  const token = auth.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!token) return false;
  try {
    await jwtVerify(token, jwtSecret, { algorithms: ["HS256"] });
    return true;
  } catch {
    return false;
  }
}

const handlers = await loadHandlers();
const verifyJwt = readVerifyJwt();
const PREFIX = "/functions/v1/";

const server = Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req, info) => {
  const url = new URL(req.url);
  if (!url.pathname.startsWith(PREFIX)) return json(404, { code: "NOT_FOUND", message: "Not found" });
  const rest = url.pathname.slice(PREFIX.length);
  const name = rest.split("/")[0];
  const handler = handlers.get(name);
  if (!handler) return json(404, { code: "NOT_FOUND", message: "Requested function was not found" });
  if (req.method !== "OPTIONS" && verifyJwt.get(name) !== false && !(await jwtIsValid(req))) {
    return json(401, { code: 401, message: "Invalid JWT" });
  }
  // The request goes on as received (re-wrapping it would move its body off Deno's native fast
  // path); functions match their routes with or without the platform's /functions/v1 prefix.
  try {
    return await handler(req, info);
  } catch (err) {
    console.error(`function ${name} threw:`, err instanceof Error ? err.message : err);
    return json(500, { code: "WORKER_ERROR", message: "Function exited due to an error" });
  }
});

console.log(`functions ready on http://127.0.0.1:${port}${PREFIX}{${[...handlers.keys()].join(",")}}`);

async function shutdown() {
  await Promise.race([Promise.allSettled([...pending]), new Promise((r) => setTimeout(r, 5000))]);
  await server.shutdown();
  Deno.exit(0);
}
Deno.addSignalListener("SIGTERM", shutdown);
Deno.addSignalListener("SIGINT", shutdown);
