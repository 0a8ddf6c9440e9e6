/**
 * Exact decimal arithmetic for money: a value is `units / 10^scale` with `units` a BigInt.
 * No float ever touches a price or a cost.
 */

export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text, including exponent notation like `2.5e-06`. Throws on anything else. */
export function parseDecimal(text: string): Decimal {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, int, frac = "", exp = "0"] = m;
  let units = BigInt((int || "0") + frac);
  let scale = frac.length - Number(exp);
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { units: sign === "-" ? -units : units, scale };
}

/**
 * The exact decimal a JSON number was written as, recovered from the parsed double.
 *
 * `String(n)` yields the shortest digit string that parses back to the same double
 * (ECMAScript Number::toString). A decimal written with at most 15 significant digits survives
 * decimal -> double -> decimal unchanged (IEEE-754 double guarantees 15 digits, DBL_DIG), so no
 * other decimal of <= 15 digits maps to that double and the shortest one is the original text.
 * Prices (2.5e-06, 1.875e-05, ...) have far fewer digits. With `strict`, a number needing more
 * than 15 significant digits is rejected since its original text can no longer be known; write
 * such a value as a JSON string instead.
 */
export function decimalFromNumber(n: number, strict = true): Decimal {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  const text = String(n);
  if (strict && significantDigits(text) > 15) {
    throw new Error(`${text} has more than 15 significant digits; give it as a decimal string to keep it exact`);
  }
  return parseDecimal(text);
}

function significantDigits(text: string): number {
  const mantissa = text.replace(/^[+-]/, "").split(/[eE]/)[0].replace(".", "").replace(/^0+/, "");
  return mantissa.length;
}

/** A JSON value (number or decimal string) as a Decimal; null/undefined stay null. */
export function toDecimal(v: unknown, strict = true): Decimal | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "number") return decimalFromNumber(v, strict);
  if (typeof v === "string") return parseDecimal(v);
  throw new Error(`not a number: ${JSON.stringify(v)}`);
}

function rescale(d: Decimal, scale: number): bigint {
  return d.units * 10n ** BigInt(scale - d.scale);
}

export function addDecimals(...values: Decimal[]): Decimal {
  const scale = Math.max(0, ...values.map((v) => v.scale));
  let units = 0n;
  for (const v of values) units += rescale(v, scale);
  return { units, scale };
}

/** Exact product of a token count and a per-token price. */
export function mulInt(d: Decimal, count: number | bigint): Decimal {
  return { units: d.units * BigInt(count), scale: d.scale };
}

export const ZERO: Decimal = Object.freeze({ units: 0n, scale: 0 });

/** Plain decimal text without exponent or trailing zeros, as Postgres `numeric` accepts it. */
export function formatDecimal(d: Decimal): string {
  const neg = d.units < 0n;
  let digits = (neg ? -d.units : d.units).toString();
  let scale = d.scale;
  while (scale > 0 && digits.endsWith("0") && digits.length > 1) {
    digits = digits.slice(0, -1);
    scale--;
  }
  if (digits === "0") return "0";
  let out: string;
  if (scale === 0) out = digits;
  else {
    const padded = digits.padStart(scale + 1, "0");
    out = `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  }
  return neg ? `-${out}` : out;
}
