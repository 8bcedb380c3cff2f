/**
 * REST attribute documents as tenant data (connector: rest, overrides). Saviynt keeps request
 * bodies as JSON text inside JSON (httpParams, docs/saviynt-rest-format.md#provisioning-documents), often with
 * unquoted `${…}` bindings. As data, such a string is `{ $json: <document> }` and an unquoted
 * binding is `{ $binding: "${…}" }` — the same reading as the binding-aware parser
 * (package/read.ts parseJsonWithBindings) and the diff — so a tenant edits structure, never
 * escaped text, and the package text is re-encoded by the one body encoder (tenant/render.ts).
 */
import { isObject } from "../core/json.js";
import { Binding, parseNestedDocument } from "./json-text.js";

/** A binding written into a request body without quotes (numeric JSON), e.g. a groups agentId. */
export interface RawBinding {
  readonly rawBinding: string;
}

/** Encodes a request body as the JSON text Saviynt stores in httpParams (raw bindings unquoted). */
export function encodeBody(body: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(body, (_key, value: unknown) => {
    if (value !== null && typeof value === "object" && "rawBinding" in value) {
      raws.push((value as RawBinding).rawBinding);
      return `\u0000raw${raws.length - 1}\u0000`;
    }
    return value;
  });
  // The marker contains U+0000, which JSON.stringify always escapes, so tenant text cannot forge it.
  return text.replace(/"\\u0000raw(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]!);
}

export const JSON_MARKER = "$json";
export const BINDING_MARKER = "$binding";

/** `{ $json: … }` or `{ $binding: "…" }`: a one-key object with a marker key. */
function markerOf(value: unknown): typeof JSON_MARKER | typeof BINDING_MARKER | undefined {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  return keys[0] === JSON_MARKER ? JSON_MARKER : keys[0] === BINDING_MARKER ? BINDING_MARKER : undefined;
}

export function isJsonMarker(value: unknown): value is { $json: unknown } {
  return markerOf(value) === JSON_MARKER;
}

/**
 * A package document → data. Strings that hold a JSON document become `{ $json }` (recursively),
 * `Binding`s become `{ $binding }`. Returns the first place a real object looks like a marker
 * (it could not be told apart from one), as a pointer-like list of keys.
 */
export function documentToData(value: unknown): { data: unknown; ambiguous?: (string | number)[] } {
  let ambiguous: (string | number)[] | undefined;
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (node instanceof Binding) return { [BINDING_MARKER]: node.expression };
    if (typeof node === "string") {
      const nested = parseNestedDocument(node);
      return nested === undefined ? node : { [JSON_MARKER]: walk(nested, path) };
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (isObject(node)) {
      if (markerOf(node) !== undefined) ambiguous ??= path;
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return node;
  };
  const data = walk(value, []);
  return ambiguous ? { data, ambiguous } : { data };
}

/** Data → the package document: `{ $json }` re-encoded as body text, `{ $binding }` unquoted inside it. */
export function dataToDocument(value: unknown): unknown {
  const walk = (node: unknown, inBody: boolean): unknown => {
    const marker = markerOf(node);
    if (marker === JSON_MARKER) return encodeBody(walk((node as Record<string, unknown>)[JSON_MARKER], true));
    if (marker === BINDING_MARKER) {
      const expression = String((node as Record<string, unknown>)[BINDING_MARKER]);
      // Outside a body there is no "unquoted": the binding is the string itself.
      return inBody ? ({ rawBinding: expression } satisfies RawBinding) : expression;
    }
    if (Array.isArray(node)) return node.map((item) => walk(item, inBody));
    if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, inBody)]));
    return node;
  };
  return walk(value, false);
}
