/**
 * The lifetime of one upstream request, shared by every endpoint: it is aborted when the client
 * disconnects or when the provider has not answered within UPSTREAM_TIMEOUT_MS (the timer stops
 * once the response headers arrive; streams then run as long as they flow), and a failure
 * becomes the ApiError the client should see.
 */
import { envSnapshot } from "../runtime/env.ts";
import { ApiError, badGateway, gatewayTimeout } from "../http/errors.ts";

export const upstreamTimeoutMs = () => Number(envSnapshot().UPSTREAM_TIMEOUT_MS ?? 120_000);

interface Slot {
  at: number;
  onExpire: (() => void) | null;
}

/**
 * Deadlines on one timer. Every upstream request gets the same timeout, so deadlines arrive in
 * the order they expire: a queue whose head is the next one, and one timer armed for it. A timer
 * per request (created, then cleared when the headers arrive) cost ~2% of the functions' CPU.
 * A cleared deadline only empties its slot; slots leave the queue from the head.
 */
export class Deadlines {
  #slots: Slot[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** Calls `onExpire` after `ms` unless cleared first. */
  add(ms: number, onExpire: () => void): { clear(): void } {
    const slot: Slot = { at: performance.now() + ms, onExpire };
    const last = this.#slots[this.#slots.length - 1];
    if (last && this.#head < this.#slots.length && slot.at < last.at) {
      // Out of order (the timeout changed): its own timer.
      const timer = setTimeout(onExpire, ms);
      return { clear: () => clearTimeout(timer) };
    }
    this.#slots.push(slot);
    if (this.#timer === null) this.#arm();
    return {
      clear: () => {
        slot.onExpire = null;
        this.#dropCleared();
      },
    };
  }

  /** Deadlines not yet expired or cleared (for tests). */
  get pending(): number {
    return this.#slots.slice(this.#head).filter((s) => s.onExpire).length;
  }

  #arm(): void {
    const delay = Math.max(0, this.#slots[this.#head].at - performance.now());
    this.#timer = setTimeout(() => this.#fire(), delay);
  }

  #fire(): void {
    this.#timer = null;
    const now = performance.now();
    while (this.#head < this.#slots.length && this.#slots[this.#head].at <= now) {
      const onExpire = this.#slots[this.#head++].onExpire;
      onExpire?.();
    }
    this.#dropCleared();
    if (this.#head < this.#slots.length && this.#timer === null) this.#arm();
  }

  #dropCleared(): void {
    while (this.#head < this.#slots.length && this.#slots[this.#head].onExpire === null) this.#head++;
    if (this.#head === this.#slots.length) {
      // Nothing waits: no timer keeps the worker busy.
      this.#slots = [];
      this.#head = 0;
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
    } else if (this.#head > 1024 && this.#head * 2 > this.#slots.length) {
      this.#slots = this.#slots.slice(this.#head);
      this.#head = 0;
    }
  }
}

const deadlines = new Deadlines();

export class UpstreamGuard {
  private readonly controller = new AbortController();
  private readonly deadline: { clear(): void };
  private readonly onClientAbort = () => this.cancel();

  constructor(private readonly clientSignal: AbortSignal) {
    clientSignal.addEventListener("abort", this.onClientAbort, { once: true });
    this.deadline = deadlines.add(
      upstreamTimeoutMs(),
      () => this.controller.abort(new DOMException("upstream timeout", "TimeoutError")),
    );
  }

  /** Aborts the upstream request and body. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The provider answered (headers arrived): no more timeout. */
  answered(): void {
    this.deadline.clear();
  }

  /** The client went away: abort the upstream request or stream. */
  cancel(): void {
    this.controller.abort(new DOMException("client disconnected", "AbortError"));
  }

  /** Stops listening to the client's signal (the stream, if any, is cancelled through `cancel`). */
  release(): void {
    this.clientSignal.removeEventListener("abort", this.onClientAbort);
  }

  /** A failure before the answer started, as the client should see it. */
  failure(err: unknown): ApiError {
    this.answered();
    // An adapter refusing input its provider cannot take (e.g. a non-base64 image for Anthropic).
    if (err instanceof ApiError) return err;
    if ((this.controller.signal.reason as DOMException | undefined)?.name === "TimeoutError") {
      return gatewayTimeout(`The upstream provider did not answer within ${upstreamTimeoutMs()} ms`);
    }
    if (this.clientSignal.aborted) {
      return new ApiError(499, "The client closed the request", "client_error", "client_disconnected");
    }
    return badGateway(
      err instanceof SyntaxError
        ? "The upstream provider sent an invalid JSON body"
        : "The upstream provider could not be reached",
    );
  }
}
