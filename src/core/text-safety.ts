/**
 * The one text-safety rule for every formatter. Text that came from an input (tenant files,
 * package entries and values, server answers, file names) must never drive a terminal or hide
 * what it says: C0 and C1 controls (ESC among them), DEL, the line and paragraph separators,
 * bidi embeddings/overrides/isolates and the invisible marks around them are shown as `\uXXXX`.
 *
 * - `safeLine`: one line, for diagnostics and report rows; newlines and tabs are escaped too.
 * - `safeText`: a block that keeps its newlines (a stack trace).
 * - `safeJson`: pretty JSON whose strings carry the same escapes (JSON.stringify escapes C0 only),
 *   still the same JSON value when parsed.
 * - `safeStrings`: a deep copy of a report with every string passed through `safeLine`, for
 *   formatters that lay out many fields (so none is forgotten).
 */

/** Everything `safeLine` escapes: C0, DEL, C1, ALM, zero-width and directional marks, LS/PS, bidi embeddings/overrides/isolates, BOM. */
// eslint-disable-next-line no-control-regex
export const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

// eslint-disable-next-line no-control-regex
const UNSAFE_IN_BLOCK = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

// JSON.stringify has already escaped C0 (and `"`/`\`): what is left is DEL, C1 and the marks.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

const escape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** One line of untrusted text: every control, separator and bidi character shown as \uXXXX. */
export function safeLine(text: string): string {
  return text.replace(UNSAFE_CHARACTERS, escape);
}

/** Untrusted text that may span lines: like `safeLine` but keeps `\n`. */
export function safeText(text: string): string {
  return text.replace(UNSAFE_IN_BLOCK, escape);
}

/** Pretty JSON (two spaces, trailing newline) that cannot drive a terminal when printed. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, escape) + "\n";
}

/** True when `text` holds nothing `safeLine` would escape. */
export function isSafeLine(text: string): boolean {
  UNSAFE_CHARACTERS.lastIndex = 0;
  return !UNSAFE_CHARACTERS.test(text);
}

/** A deep copy with every string (values and object keys) passed through `safeLine`. */
export function safeStrings<T>(value: T): T {
  return deepSafe(value, 0) as T;
}

function deepSafe(value: unknown, depth: number): unknown {
  if (typeof value === "string") return safeLine(value);
  if (typeof value !== "object" || value === null || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => deepSafe(v, depth + 1));
  const out: Record<string, unknown> = {};
  // defineProperty: a `__proto__` key from an input stays a plain key.
  for (const [k, v] of Object.entries(value)) Object.defineProperty(out, safeLine(k), { value: deepSafe(v, depth + 1), enumerable: true, writable: true, configurable: true });
  return out;
}
