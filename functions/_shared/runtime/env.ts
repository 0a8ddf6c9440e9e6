// Reads configuration the same way under Supabase's Edge Runtime (Deno) and under vitest (Node).
type EnvSource = { get(name: string): string | undefined };

const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;

// A function's environment is fixed for its worker's life: under Deno it is read from one snapshot
// (Deno.env.get is an op per read, several per call on the hot path). Under vitest it is read live,
// so tests can stub it.
const source: EnvSource = isDeno
  ? { get: (name) => envSnapshot()[name] }
  : { get: (name) => (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[name] };

export function env(name: string): string | undefined {
  const value = source.get(name);
  return value === "" ? undefined : value;
}

export function requireEnv(name: string): string {
  const value = env(name);
  if (value === undefined) throw new Error(`missing environment variable ${name}`);
  return value;
}

/** All variables at once (provider routing reads several); read once, they don't change at runtime. */
let snapshot: Readonly<Record<string, string | undefined>> | null = null;
export function envSnapshot(): Readonly<Record<string, string | undefined>> {
  const deno = (globalThis as { Deno?: { env: { toObject(): Record<string, string> } } }).Deno;
  snapshot ??= Object.freeze(
    deno
      ? deno.env.toObject()
      : { ...(globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env },
  );
  return snapshot;
}
