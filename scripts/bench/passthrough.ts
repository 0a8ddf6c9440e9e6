// The ceiling for our runtime: a bare Deno fetch pass-through (no auth, no parsing, no logging).
// Run by Deno (not Node): PASSTHROUGH_PORT, UPSTREAM_URL (e.g. http://127.0.0.1:1234).
// `Deno` is reached through globalThis so the repo's Node typecheck (scripts/**) accepts this file.
export {};
const D = (globalThis as unknown as { Deno: DenoLike }).Deno;
interface DenoLike {
  env: { get(k: string): string | undefined };
  serve(o: { port: number; hostname: string; onListen(): void }, h: (req: Request) => Promise<Response>): unknown;
}

const upstream = D.env.get("UPSTREAM_URL")!;
const port = Number(D.env.get("PASSTHROUGH_PORT"));

D.serve({ port, hostname: "127.0.0.1", onListen: () => console.log("passthrough ready") }, async (req) => {
  const url = new URL(req.url);
  const r = await fetch(upstream + url.pathname, {
    method: req.method,
    headers: { "content-type": "application/json", authorization: req.headers.get("authorization") ?? "" },
    body: await req.arrayBuffer(),
  });
  return new Response(r.body, { status: r.status, headers: r.headers });
});
