/**
 * Several adopted tenants → one shared base and one overlay each, under the `extends` rules of
 * tenant/load.ts (objects merge key by key; lists and scalars replace). The base is the largest
 * common part: every key all tenants have, with the value they share — down to single leaves of
 * nested objects; a list is shared only when it is equal everywhere. An overlay then holds only
 * what differs from the base, and never needs to delete a key (the base has only keys all share).
 */
import { hasOwn, isObject } from "../core/json.js";
import { dataEqual } from "./ops.js";

export interface TenantLayers {
  base: Record<string, unknown>;
  overlays: Record<string, unknown>[];
}

const NONE = Symbol("none");

function common(values: readonly unknown[]): unknown {
  if (values.every(isObject)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(values[0] as Record<string, unknown>)) {
      if (!values.every((v) => hasOwn(v as Record<string, unknown>, key))) continue;
      const shared = common(values.map((v) => (v as Record<string, unknown>)[key]));
      if (shared !== NONE) out[key] = shared;
    }
    return Object.keys(out).length > 0 ? out : NONE;
  }
  return values.every((v) => dataEqual(v, values[0])) ? structuredClone(values[0]) : NONE;
}

/** What `value` adds to or changes in `base` (NONE when nothing). */
function difference(value: unknown, base: unknown): unknown {
  if (isObject(value) && isObject(base)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const d = hasOwn(base, key) ? difference(v, base[key]) : structuredClone(v);
      if (d !== NONE) out[key] = d;
    }
    return Object.keys(out).length > 0 ? out : NONE;
  }
  return dataEqual(value, base) ? NONE : structuredClone(value);
}

/** Splits tenant values (two or more) into a base and overlays; overlaying each on the base gives it back. */
export function splitBase(values: readonly Record<string, unknown>[]): TenantLayers {
  const shared = common(values);
  const base = shared === NONE ? {} : (shared as Record<string, unknown>);
  const overlays = values.map((v) => {
    const d = difference(v, base);
    return d === NONE ? {} : (d as Record<string, unknown>);
  });
  return { base, overlays };
}
