/** `data:` URL parsing shared by the Anthropic translation, metadata extraction and hashing. */

export interface DataUrl {
  mime: string;
  base64: boolean;
  /** The payload after the comma, untouched. */
  data: string;
}

/** Parses a `data:[<mime>][;params][;base64],<data>` URL; null if `url` is not one. */
export function parseDataUrl(url: string): DataUrl | null {
  if (!url.startsWith("data:")) return null;
  const comma = url.indexOf(",");
  if (comma < 0) return null;
  const params = url.slice(5, comma).split(";");
  const base64 = params.length > 1 && params[params.length - 1].toLowerCase() === "base64";
  return { mime: params[0] || "text/plain", base64, data: url.slice(comma + 1) };
}

/** Decoded byte length of base64 text without decoding it. */
export function base64ByteLength(b64: string): number {
  let len = b64.length;
  while (len > 0 && (b64.charCodeAt(len - 1) === 61 /* = */ || b64.charCodeAt(len - 1) <= 32)) len--;
  return Math.floor((len * 3) / 4);
}
