/**
 * The lifetime of one upstream request, shared by every endpoint: it is aborted when the client
 * disconnects or when the provider has not answered within UPSTREAM_TIMEOUT_MS (the timer stops
 * once the response headers arrive; streams then run as long as they flow), and a failure
 * becomes the ApiError the client should see.
 */
import { envSnapshot } from "../runtime/env.ts";
import { ApiError, badGateway, gatewayTimeout } from "../http/errors.ts";

export const upstreamTimeoutMs = () => Number(envSnapshot().UPSTREAM_TIMEOUT_MS ?? 120_000);

export class UpstreamGuard {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onClientAbort = () => this.cancel();

  constructor(private readonly clientSignal: AbortSignal) {
    clientSignal.addEventListener("abort", this.onClientAbort, { once: true });
    this.timer = setTimeout(
      () => this.controller.abort(new DOMException("upstream timeout", "TimeoutError")),
      upstreamTimeoutMs(),
    );
  }

  /** Aborts the upstream request and body. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The provider answered (headers arrived): no more timeout. */
  answered(): void {
    clearTimeout(this.timer);
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
