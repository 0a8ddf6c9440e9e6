/**
 * Read your own writes for streamed answers: the stream's end (its `data: [DONE]` event, if any,
 * and the close) is held back until the answer is stored, so a widget that re-reads history as
 * soon as the answer is complete finds it there. Every other byte passes through as it arrives.
 */
const DONE = new TextEncoder().encode("data: [DONE]");
const LF = 0x0a;

export function holdEnd(
  body: ReadableStream<Uint8Array>,
  beforeEnd: () => Promise<unknown>,
): ReadableStream<Uint8Array> {
  let held: Uint8Array = new Uint8Array(0);
  // Whether the last byte sent ended a line, so the next chunk starts at a line start.
  let atLineStart = true;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        const buf = held.length ? concat(held, chunk) : chunk;
        const from = holdFrom(buf, atLineStart);
        if (from > 0) {
          controller.enqueue(buf.subarray(0, from));
          atLineStart = buf[from - 1] === LF;
        }
        held = buf.subarray(from);
      },
      async flush(controller) {
        await beforeEnd();
        if (held.length) controller.enqueue(held);
      },
    }),
  );
}

/**
 * Where the held tail starts: the line `data: [DONE]` begins, or a trailing line that may still
 * become it (`data: [DO`); else the buffer's length (nothing held).
 */
export function holdFrom(buf: Uint8Array, startsAtLineStart: boolean): number {
  for (let i = startsAtLineStart ? 0 : nextLine(buf, 0); i < buf.length; i = nextLine(buf, i)) {
    const n = Math.min(DONE.length, buf.length - i);
    let match = true;
    for (let k = 0; k < n && match; k++) match = buf[i + k] === DONE[k];
    if (match) return i;
  }
  return buf.length;
}

function nextLine(buf: Uint8Array, from: number): number {
  const lf = buf.indexOf(LF, from);
  return lf < 0 ? buf.length : lf + 1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
