/**
 * The executor's `${…}` evaluator: an interpreter of the syntax tree of src/saviynt/expression/
 * over parsed JSON values, with Groovy semantics (docs/saviynt-rest-format.md#bindings, #expressions, #pagination). It
 * never evaluates JavaScript or Groovy; the parser refuses every construct outside the language,
 * and a value the interpreter has no faithful answer for is `unsupported` instead of guessed.
 *
 * Semantics: a missing map key is null (Groovy map property), `.x` on null is a
 * NullPointerException, `?.` is null-safe, `a[-1]` counts from the end, `==` compares numbers by
 * value and collections deeply, `+` concatenates when either side is a string, relational
 * operators order numbers, strings and booleans (null first), Groovy truth for `!`, `&&`, `||`,
 * `?:` and `c ? a : b`. Methods are those of the one method list (saviynt/expression/vocabulary.ts)
 * on the receivers it names; a method Groovy does not have for a receiver is a
 * MissingMethodException.
 */

import { canonicalJson, hasOwn, isObject, type Json } from "../core/json.js";
import { findExpressions as findSpans, isMethod, METHODS, parseExpression, type ExpressionSpan as Span, type Node, type Parsed, type Receiver } from "../saviynt/expression/index.js";

export type { Json, Node, Parsed };
export { parseExpression };

/** Roots available to an expression (`user`, `account`, `response`, `access_token`…). */
export type Scope = Readonly<Record<string, Json | undefined>>;

/** Evaluation outcome: a value, or why it failed (`unsupported` = outside the subset; `error` = Groovy would throw). */
export type Evaluated = { ok: true; value: Json } | { ok: false; kind: "unsupported" | "error"; message: string };

class EvalFailure extends Error {
  constructor(
    readonly kind: "unsupported" | "error",
    message: string,
  ) {
    super(message);
  }
}

const fail = (message: string): never => {
  throw new EvalFailure("error", message);
};
const unsupported = (message: string): never => {
  throw new EvalFailure("unsupported", message);
};

/** core/json's object check, typed for parsed JSON. */
function isMap(v: Json | undefined): v is { [key: string]: Json } {
  return isObject(v);
}

/** Own property of a parsed JSON object (never the prototype chain); a missing key is null, as in a Groovy map. */
function own(map: { [key: string]: Json }, key: string): Json {
  return hasOwn(map, key) ? (map[key] ?? null) : null;
}

/** Groovy truth: null, false, 0, "" and empty collections are false. */
export function truthy(v: Json): boolean {
  if (v === null) return false;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Groovy `==`: numbers by value, collections deeply, no coercion between strings and numbers. */
export function groovyEquals(a: Json, b: Json): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a !== "object") return a === b;
  return canonicalJson(a) === canonicalJson(b);
}

/** How Groovy turns a value into text inside a GString; collections have no portable text form. */
export function groovyText(v: Json): { ok: true; text: string } | { ok: false; message: string } {
  if (v === null) return { ok: true, text: "null" };
  if (typeof v === "string") return { ok: true, text: v };
  if (typeof v === "number" || typeof v === "boolean") return { ok: true, text: String(v) };
  return { ok: false, message: `a ${Array.isArray(v) ? "list" : "map"} (its text form is Groovy-specific)` };
}

function describe(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a map";
  return `a ${typeof v}`;
}

export function evaluate(node: Node, scope: Scope): Evaluated {
  try {
    return { ok: true, value: evalNode(node, scope) };
  } catch (e) {
    if (e instanceof EvalFailure) return { ok: false, kind: e.kind, message: e.message };
    throw e;
  }
}

function evalNode(node: Node, scope: Scope): Json {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "name": {
      if (!Object.prototype.hasOwnProperty.call(scope, node.name) || scope[node.name] === undefined) {
        return fail(`no binding "${node.name}" (available: ${Object.keys(scope).filter((k) => scope[k] !== undefined).join(", ") || "none"})`);
      }
      return scope[node.name]!;
    }
    case "member": {
      const object = evalNode(node.object, scope);
      if (object === null) return node.safe ? null : fail(`NullPointerException: cannot get property "${node.name}" on null (${pathText(node.object)} is null; use ?.)`);
      if (isMap(object)) return own(object, node.name);
      return unsupported(`property "${node.name}" of ${describe(object)} (${pathText(node.object)})`);
    }
    case "index": {
      const object = evalNode(node.object, scope);
      const index = evalNode(node.index, scope);
      if (object === null) return node.safe ? null : fail(`NullPointerException: cannot index null (${pathText(node.object)} is null)`);
      if (Array.isArray(object)) {
        if (typeof index !== "number" || !Number.isInteger(index)) return unsupported(`indexing a list with ${describe(index)}`);
        const i = index < 0 ? object.length + index : index;
        return object[i] ?? null;
      }
      if (isMap(object)) {
        if (typeof index !== "string") return unsupported(`indexing a map with ${describe(index)}`);
        return own(object, index);
      }
      return unsupported(`indexing ${describe(object)}`);
    }
    case "call":
      return callMethod(node, scope);
    case "unary":
      return !truthy(evalNode(node.operand, scope));
    case "binary":
      return binary(node.op, node.left, node.right, scope);
    case "ternary":
      return truthy(evalNode(node.test, scope)) ? evalNode(node.then, scope) : evalNode(node.otherwise, scope);
    case "elvis": {
      const value = evalNode(node.value, scope);
      return truthy(value) ? value : evalNode(node.fallback, scope);
    }
  }
}

function binary(op: string, leftNode: Node, rightNode: Node, scope: Scope): Json {
  if (op === "&&") return truthy(evalNode(leftNode, scope)) && truthy(evalNode(rightNode, scope));
  if (op === "||") return truthy(evalNode(leftNode, scope)) || truthy(evalNode(rightNode, scope));
  const left = evalNode(leftNode, scope);
  const right = evalNode(rightNode, scope);
  switch (op) {
    case "==":
      return groovyEquals(left, right);
    case "!=":
      return !groovyEquals(left, right);
    case "+": {
      if (typeof left === "number" && typeof right === "number") return left + right;
      if (typeof left === "string" || typeof right === "string") {
        const l = groovyText(left);
        const r = groovyText(right);
        if (!l.ok) return unsupported(`adding ${l.message} to a string`);
        if (!r.ok) return unsupported(`adding ${r.message} to a string`);
        return l.text + r.text;
      }
      if (left === null || right === null) return fail(`NullPointerException: cannot add ${describe(left)} and ${describe(right)}`);
      if (isScalar(left) && isScalar(right)) return fail(`MissingMethodException: no plus() for ${describe(left)} and ${describe(right)}`);
      return unsupported(`adding ${describe(left)} and ${describe(right)}`);
    }
    default: {
      // Groovy orders null before every value, and throws for values of different kinds.
      if (left === null || right === null) return compare(op, left === right ? 0 : left === null ? -1 : 1);
      if (typeof left === "number" && typeof right === "number") return compare(op, left - right);
      if (typeof left === "string" && typeof right === "string") return compare(op, left < right ? -1 : left > right ? 1 : 0);
      if (typeof left === "boolean" && typeof right === "boolean") return compare(op, Number(left) - Number(right));
      if (isScalar(left) && isScalar(right)) return fail(`IllegalArgumentException: cannot compare ${describe(left)} with ${describe(right)}`);
      return unsupported(`comparing ${describe(left)} ${op} ${describe(right)}`);
    }
  }
}

const isScalar = (v: Json): boolean => v === null || typeof v !== "object";

function compare(op: string, c: number): boolean {
  return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
}

function callMethod(node: Extract<Node, { kind: "call" }>, scope: Scope): Json {
  const object = evalNode(node.object, scope);
  const args = node.args.map((a) => evalNode(a, scope));
  const name = node.name;
  const arity = (n: number, m = n) => {
    if (args.length < n || args.length > m) unsupported(`${name}() with ${args.length} argument(s)`);
  };
  const str = (v: Json | undefined): string => (typeof v === "string" ? v : unsupported(`${name}() with ${describe(v ?? null)} as argument`));
  const int = (v: Json | undefined): number => (typeof v === "number" && Number.isInteger(v) ? v : unsupported(`${name}() with ${describe(v ?? null)} as argument`));

  if (object === null) {
    if (node.safe) return null;
    // Groovy's null object answers toString() with "null"; every other call is a NullPointerException.
    if (name === "toString" && args.length === 0) return "null";
    return fail(`NullPointerException: cannot call ${name}() on null (${pathText(node.object)} is null; use ?.)`);
  }
  const receiver: Receiver = typeof object === "string" ? "string" : typeof object === "number" ? "number" : typeof object === "boolean" ? "boolean" : Array.isArray(object) ? "list" : "map";
  if (!isMethod(name)) return unsupported(`the method ${name}()`);
  if (!METHODS[name]!.on.includes(receiver)) {
    // A collection's text and Object.equals are Groovy-specific; any other method is one Groovy lacks.
    if (name === "toString" || name === "equals") return unsupported(`the ${receiver} method ${name}()`);
    return fail(`MissingMethodException: no method ${name}() for ${describe(object)}`);
  }
  if (typeof object === "string") {
    switch (name) {
      case "toString":
      case "trim":
      case "toLowerCase":
      case "toUpperCase":
      case "isEmpty":
      case "length":
      case "size":
        arity(0);
        return name === "toString" ? object : name === "trim" ? object.trim() : name === "toLowerCase" ? object.toLowerCase() : name === "toUpperCase" ? object.toUpperCase() : name === "isEmpty" ? object.length === 0 : object.length;
      case "contains":
        arity(1);
        return object.includes(str(args[0]));
      case "startsWith":
        arity(1);
        return object.startsWith(str(args[0]));
      case "endsWith":
        arity(1);
        return object.endsWith(str(args[0]));
      case "equals":
        arity(1);
        return groovyEquals(object, args[0]!);
      case "equalsIgnoreCase":
        arity(1);
        return typeof args[0] === "string" && object.toLowerCase() === args[0].toLowerCase();
      case "replace":
        arity(2);
        return object.split(str(args[0])).join(str(args[1]));
      case "substring": {
        arity(1, 2);
        const from = int(args[0]);
        const to = args.length > 1 ? int(args[1]) : object.length;
        if (from < 0 || to > object.length || from > to) return fail(`StringIndexOutOfBoundsException: substring(${from}, ${to}) of a ${object.length}-character string`);
        return object.slice(from, to);
      }
    }
    return unsupported(`the string method ${name}()`);
  }
  if (typeof object === "number" || typeof object === "boolean") return arity(0), String(object);
  if (Array.isArray(object)) {
    if (name === "size") return arity(0), object.length;
    if (name === "isEmpty") return arity(0), object.length === 0;
    if (name === "contains") return arity(1), object.some((x) => groovyEquals(x, args[0]!));
    arity(1);
    const i = int(args[0]);
    return object[i < 0 ? object.length + i : i] ?? fail(`IndexOutOfBoundsException: get(${i}) of a list of ${object.length}`);
  }
  if (name === "size") return arity(0), Object.keys(object).length;
  if (name === "isEmpty") return arity(0), Object.keys(object).length === 0;
  arity(1);
  const key = str(args[0]);
  return name === "containsKey" ? Object.prototype.hasOwnProperty.call(object, key) : own(object, key);
}

/** A readable path for messages (`response.completeResponseMap._links`). */
export function pathText(node: Node): string {
  switch (node.kind) {
    case "name":
      return node.name;
    case "member":
      return `${pathText(node.object)}${node.safe ? "?." : "."}${node.name}`;
    case "index":
      return `${pathText(node.object)}[…]`;
    case "call":
      return `${pathText(node.object)}.${node.name}()`;
    case "literal":
      return JSON.stringify(node.value);
    default:
      return "(expression)";
  }
}

// ---------------------------------------------------------------------------------------------
// Templates: text with `${…}` spans, substituted raw (no JSON escaping), as Saviynt does.

// The span scanner is shared with the tenant checks: one definition of where `${…}` ends.
export { findSpans, type Span };

/** A problem with one `${…}` of a template. */
export interface TemplateProblem {
  kind: "unsupported" | "error";
  /** The whole `${…}` text. */
  expression: string;
  message: string;
}

export type Rendered = { ok: true; text: string; notes: string[] } | { ok: false; problem: TemplateProblem };

/**
 * Substitutes every `${…}` with its value's text, raw (Saviynt does not JSON-escape). A null
 * value becomes the text `null`, as in a Groovy GString; each such case is noted.
 */
export function renderTemplate(text: string, scope: Scope): Rendered {
  const { spans, unclosedAt } = findSpans(text);
  if (unclosedAt !== undefined) return { ok: false, problem: { kind: "unsupported", expression: text.slice(unclosedAt, unclosedAt + 60), message: `"\${" is never closed` } };
  let out = "";
  let last = 0;
  const notes: string[] = [];
  for (const span of spans) {
    const expression = text.slice(span.start, span.end);
    const value = evaluateBody(span.body);
    const result = value.ok ? evaluate(value.node, scope) : ({ ok: false, kind: "unsupported", message: value.construct } as const);
    if (!result.ok) return { ok: false, problem: { kind: result.kind, expression, message: result.message } };
    const asText = groovyText(result.value);
    if (!asText.ok) return { ok: false, problem: { kind: "unsupported", expression, message: `the value is ${asText.message}` } };
    if (result.value === null) notes.push(`${expression} is null and was sent as the text "null"`);
    out += text.slice(last, span.start) + asText.text;
    last = span.end;
  }
  return { ok: true, text: out + text.slice(last), notes };
}

/** When a template is exactly one `${…}`, its value (not its text): nextUrlPath, a computed URL. */
export function evaluateTemplateValue(text: string, scope: Scope): { ok: true; value: Json } | { ok: false; problem: TemplateProblem } {
  const trimmed = text.trim();
  const { spans } = findSpans(trimmed);
  if (spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === trimmed.length) {
    const parsed = evaluateBody(spans[0]!.body);
    if (!parsed.ok) return { ok: false, problem: { kind: "unsupported", expression: trimmed, message: parsed.construct } };
    const result = evaluate(parsed.node, scope);
    return result.ok ? { ok: true, value: result.value } : { ok: false, problem: { kind: result.kind, expression: trimmed, message: result.message } };
  }
  const rendered = renderTemplate(text, scope);
  return rendered.ok ? { ok: true, value: rendered.text } : rendered;
}

const parseCache = new Map<string, Parsed>();

function evaluateBody(body: string): Parsed {
  let parsed = parseCache.get(body);
  if (!parsed) {
    parsed = parseExpression(body);
    if (parseCache.size > 5000) parseCache.clear();
    parseCache.set(body, parsed);
  }
  return parsed;
}

/** Every `${…}` of a text that is outside the subset (for a static scan before running). */
export function unsupportedIn(text: string): TemplateProblem[] {
  const { spans, unclosedAt } = findSpans(text);
  const out: TemplateProblem[] = [];
  for (const span of spans) {
    const parsed = evaluateBody(span.body);
    if (!parsed.ok) out.push({ kind: "unsupported", expression: text.slice(span.start, span.end), message: parsed.construct });
  }
  if (unclosedAt !== undefined) out.push({ kind: "unsupported", expression: text.slice(unclosedAt, unclosedAt + 60), message: `"\${" is never closed` });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain paths (listField, colsToPropsMap sources, acctIdPath, accountIdPath, errorPath):
// dotted keys with `[n]` indices; `~dot#` is a literal dot inside a key (docs/saviynt-rest-format.md#cols-to-props-map).

export type PathResult = { found: true; value: Json } | { found: false; at: string };

export function resolvePath(root: Json, path: string): PathResult {
  if (path.trim() === "") return { found: true, value: root };
  let current: Json = root;
  let walked = "";
  for (const rawKey of path.split(".")) {
    const m = /^([^[]*)((?:\[-?\d+\])*)$/.exec(rawKey);
    if (!m) return { found: false, at: walked ? `${walked}.${rawKey}` : rawKey };
    const key = m[1]!.replace(/~dot#/g, ".");
    if (key !== "") {
      walked = walked ? `${walked}.${key}` : key;
      if (!isMap(current) || !hasOwn(current, key)) return { found: false, at: walked };
      current = current[key]!;
    }
    for (const idx of m[2]!.matchAll(/\[(-?\d+)\]/g)) {
      walked += `[${idx[1]}]`;
      if (!Array.isArray(current)) return { found: false, at: walked };
      const n = Number(idx[1]);
      const item: Json | undefined = current[n < 0 ? current.length + n : n];
      if (item === undefined) return { found: false, at: walked };
      current = item;
    }
  }
  return { found: true, value: current };
}

/** Paths of the arrays of objects in a response, to say where records really are. */
export function arrayPaths(root: Json, limit = 6): string[] {
  const out: string[] = [];
  const walk = (v: Json, path: string, depth: number) => {
    if (out.length >= limit || depth > 4) return;
    if (Array.isArray(v)) {
      if (v.some(isMap)) out.push(path === "" ? '""' : path);
      const first = v.find(isMap);
      if (first) walk(first, `${path}[0]`, depth + 1);
    } else if (isMap(v)) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k, depth + 1);
    }
  };
  walk(root, "", 0);
  return out;
}
