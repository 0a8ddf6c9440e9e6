// Run by Deno: time to import one function's index.ts alone, with Deno.serve stubbed (nothing listens).
export {};
// Usage: deno run -A --config functions/deno.json scripts/bench/import-time.ts <file-url>
// Prints `import_ms <n>`.
const D = (globalThis as unknown as { Deno: { args: string[]; serve: unknown; exit(c: number): never } }).Deno;
D.serve = () => ({ finished: Promise.resolve(), shutdown: () => Promise.resolve(), ref() {}, unref() {}, addr: null });
const t0 = performance.now();
await import(D.args[0]);
console.log(`import_ms ${(performance.now() - t0).toFixed(2)}`);
D.exit(0);
