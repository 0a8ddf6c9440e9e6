// Bodies that arrive in pieces, as a network delivers them.

/** The UTF-8 bytes of `text` as a stream of `size`-byte pieces (a piece may end inside a character). */
export function byteStream(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}
