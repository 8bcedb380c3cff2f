/**
 * JSON text as Saviynt keeps it: documents inside strings (httpParams bodies) whose values may be
 * unquoted `${…}` bindings (docs/saviynt-rest-format.md#provisioning-documents, #the-official-incontact-package). One reading for the package
 * reader, the diff, the rest connector's data and adopt.
 */
import { isObject } from "../core/json.js";
import { measureJson, type JsonShapeProblem } from "../core/limits.js";
import { expressionEnd } from "./expression/index.js";

export type JsonParse = { ok: true; value: unknown; values: number } | { ok: false; error: string; limit?: JsonShapeProblem };

/**
 * JSON.parse with an error message that names line and column instead of quoting the input.
 * Text past the JSON limits (nesting, values, string length: src/core/limits.ts) is not parsed at
 * all: the result then carries the `limit` crossed, so no caller ever walks an unbounded value.
 */
export function parseJsonText(text: string): JsonParse {
  const shape = measureJson(text);
  if (shape.problem) {
    const p = shape.problem;
    const message = `line ${p.line}, column ${p.col}: ${p.message}`;
    return { ok: false, error: message, limit: { ...p, message } };
  }
  try {
    return { ok: true, value: JSON.parse(text), values: shape.values };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const pos = /position (\d+)/.exec(message);
    const kind = /Unexpected end/i.test(message) ? "unexpected end of input" : /Unexpected token|Unexpected non-whitespace|Bad control|Bad escaped|Expected/i.test(message) ? "unexpected character" : "syntax error";
    if (pos) {
      const offset = Number(pos[1]);
      const before = text.slice(0, offset);
      const line = before.split("\n").length;
      const col = offset - before.lastIndexOf("\n");
      return { ok: false, error: `${kind} at line ${line}, column ${col}` };
    }
    return { ok: false, error: kind };
  }
}

/** Unquoted `${…}` bindings, e.g. `{"agentId": ${account.accountID}}` (docs/saviynt-rest-format.md#official-package). */
export class Binding {
  constructor(readonly expression: string) {}
}

/**
 * Parses a JSON document whose values may be unquoted `${…}` bindings. Each binding outside a
 * string is swapped for a unique placeholder string, the text is parsed, and the placeholders come
 * back as `Binding` values (keys as their expression text). Bindings inside strings stay text.
 */
export function parseJsonWithBindings(text: string): JsonParse {
  const strict = parseJsonText(text);
  if (strict.ok) return strict;
  if (text.includes("\uE000")) return strict;
  const expressions: string[] = [];
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      continue;
    }
    if (c === "$" && text[i + 1] === "{") {
      const end = expressionEnd(text, i);
      if (end < 0) return strict;
      expressions.push(text.slice(i, end));
      out += JSON.stringify(`\uE000${expressions.length - 1}\uE001`);
      i = end - 1;
      continue;
    }
    out += c;
  }
  if (expressions.length === 0) return strict;
  const parsed = parseJsonText(out);
  if (!parsed.ok) return strict;
  const restore = (value: unknown): unknown => {
    if (typeof value === "string") {
      const m = /^\uE000(\d+)\uE001$/.exec(value);
      return m ? new Binding(expressions[Number(m[1])]!) : value;
    }
    if (Array.isArray(value)) return value.map(restore);
    if (isObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => {
          const m = /^\uE000(\d+)\uE001$/.exec(k);
          return [m ? expressions[Number(m[1])]! : k, restore(v)];
        }),
      );
    }
    return value;
  };
  return { ok: true, value: restore(parsed.value), values: parsed.values };
}

/**
 * The document a string holds, when it holds one (an httpParams body): text that starts and ends
 * like an object or a list and parses, bindings and all. Undefined for any other string. The one
 * rule for "JSON in a string" (diff, adopt and the rest connector's data all use it).
 */
export function parseNestedDocument(text: string): unknown {
  const t = text.trim();
  if (!((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]")))) return undefined;
  const parsed = parseJsonWithBindings(text);
  return parsed.ok && parsed.value !== null && typeof parsed.value === "object" ? parsed.value : undefined;
}
