/**
 * The operations that turn one attribute document into another, in the form `overrides` takes
 * (RFC 6902 add / replace / remove, tenant/overrides.ts). Both sides are data (saviynt/rest-data.ts):
 * JSON held in a string is `{ $json }` and is descended into, so an extra body field is one small
 * operation, not a replaced string. Objects by key, lists by index (trailing items added or removed
 * from the end, so the operations apply in order).
 */
import { escapePointer, hasOwn, isObject } from "../core/json.js";
import { isJsonMarker } from "../saviynt/rest-data.js";

export interface DataOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
  /** The value the operation replaces or removes (for classifying it; not written). */
  old?: unknown;
}

export function dataEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => dataEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => hasOwn(b, k) && dataEqual(a[k], b[k]));
  }
  return false;
}

/** Operations that make `from` equal `to` (undefined = no document). */
export function operationsBetween(from: unknown, to: unknown): DataOperation[] {
  const out: DataOperation[] = [];
  if (from === undefined && to === undefined) return out;
  if (from === undefined) return [{ op: "add", path: "", value: to }];
  if (to === undefined) return [{ op: "remove", path: "", old: from }];
  walk(from, to, "", out);
  return out;
}

function walk(a: unknown, b: unknown, pointer: string, out: DataOperation[]): void {
  if (dataEqual(a, b)) return;
  if (isJsonMarker(a) && isJsonMarker(b)) return walk(a.$json, b.$json, pointer, out);
  if (isObject(a) && isObject(b) && !isJsonMarker(a) && !isJsonMarker(b)) {
    for (const key of Object.keys(a)) {
      const at = `${pointer}/${escapePointer(key)}`;
      if (!hasOwn(b, key)) out.push({ op: "remove", path: at, old: a[key] });
      else walk(a[key], b[key], at, out);
    }
    for (const key of Object.keys(b)) if (!hasOwn(a, key)) out.push({ op: "add", path: `${pointer}/${escapePointer(key)}`, value: b[key] });
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) walk(a[i], b[i], `${pointer}/${i}`, out);
    for (let i = a.length - 1; i >= common; i--) out.push({ op: "remove", path: `${pointer}/${i}`, old: a[i] });
    for (let i = common; i < b.length; i++) out.push({ op: "add", path: `${pointer}/${i}`, value: b[i] });
    return;
  }
  out.push({ op: "replace", path: pointer, value: b, old: a });
}
