/**
 * Small TTL caches for what the hot path reads on every call (API keys, memberships, prices), so
 * a proxied call costs no database round trip before it is forwarded. The migrations send
 * `notify gateway_cache` whenever those tables change; every cache is cleared when one arrives, so
 * a revoked key or a removed member is refused at once rather than after the TTL. A cache
 * subscribes before its first load, so nothing is ever cached that a missed notification could
 * leave stale. The TTL bounds staleness when the notification connection is unavailable.
 */
import { listenDb } from "./db.ts";

interface Slot<V> {
  value: V;
  expires: number;
}

const registry = new Set<TtlCache<unknown>>();

export class TtlCache<V> {
  #slots = new Map<string, Slot<V>>();
  #inflight = new Map<string, Promise<V>>();
  #ttlMs: number;
  #maxEntries: number;

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
    registry.add(this as TtlCache<unknown>);
  }

  /** The cached value, or `load()`'s (concurrent misses for one key share a single load). */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const slot = this.#slots.get(key);
    if (slot && slot.expires > Date.now()) return Promise.resolve(slot.value);
    const running = this.#inflight.get(key);
    if (running) return running;
    const promise = subscribed().then(async () => {
      const generation = clearCount;
      const value = await load();
      // A notification that arrived while loading may describe a change the load missed.
      if (this.#ttlMs > 0 && generation === clearCount) {
        if (this.#slots.size >= this.#maxEntries) this.#slots.clear();
        this.#slots.set(key, { value, expires: Date.now() + this.#ttlMs });
      }
      return value;
    }).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  clear(): void {
    this.#slots.clear();
  }
}

let clearCount = 0;

function clearAllCaches(): void {
  clearCount++;
  for (const cache of registry) cache.clear();
}

let listening: Promise<void> | null = null;

/** Subscribes once per process to `gateway_cache` notifications; a failure only shortens caching to the TTL. */
function subscribed(): Promise<void> {
  listening ??= Promise.resolve()
    .then(() => listenDb().listen("gateway_cache", clearAllCaches, clearAllCaches))
    .then(() => undefined, (err) => {
      listening = null;
      console.error(`[cache] invalidation unavailable, relying on TTL: ${err instanceof Error ? err.message : err}`);
    });
  return listening;
}
