// Child process for the benchmark: the fake provider from test/helpers (instant and a fixed-delay
// variant, 20 chunks per stream, no request recording), in its own process so its CPU does not
// compete with the load generator's event loop.
// Prints one line `fake-provider ready {"instant":"http://...","delayed":"http://..."}`.
import { startFakeProvider } from "../../test/helpers/fake-provider.ts";

const delayMs = Number(process.env.FAKE_DELAY_MS ?? "50");
const chunks = Number(process.env.FAKE_CHUNKS ?? "20");
const instant = await startFakeProvider({ chunks, delayMs: 0, record: false });
const delayed = await startFakeProvider({ chunks, delayMs, record: false });
console.log(`fake-provider ready ${JSON.stringify({ instant: instant.url, delayed: delayed.url })}`);

const stop = async () => {
  await Promise.allSettled([instant.stop(), delayed.stop()]);
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
