/**
 * The executor's `${…}` evaluator: a documented subset of the Groovy that Saviynt runs for each
 * binding (reference/saviynt-rest.md §4.6, §4.7, §3.7). It is an interpreter over parsed JSON
 * values — it never evaluates JavaScript or Groovy, and anything outside the subset is reported as
 * `unsupported` with the expression text instead of being guessed.
 *
 * Supported (Groovy semantics):
 * - paths: `a.b`, `a?.b` (null-safe), `a[0]`, `a[-1]`, `a['key']`, `a?.get('@odata.nextLink')`;
 *   a missing map key is null (Groovy map property), `.x` on null is a NullPointerException;
 * - literals: `null`, `true`, `false`, numbers, `'single'` and `"double"` strings (no `$` inside);
 * - operators: `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`, `!`, `+` (string concatenation or
 *   number addition), `c ? a : b`, `a ?: b` (Elvis), parentheses;
 * - methods: on strings `toString() toLowerCase() toUpperCase() trim() isEmpty() length() size()
 *   contains(s) startsWith(s) endsWith(s) substring(a[,b]) replace(a,b) equals(x)
 *   equalsIgnoreCase(x)`, on lists `size() isEmpty() contains(x) get(i)`, on maps `get(k)
 *   containsKey(k) size() isEmpty()`, `toString()` on numbers, booleans and null.
 * Everything else (assignments, statements, closures, `new`, casts, arithmetic other than `+`,
 * list/map literals, other methods, GPath spreads) is `unsupported`.
 */

import { findExpressions as findSpans, type ExpressionSpan as Span } from "../saviynt/bindings.js";
import { canonicalJson } from "../core/json.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Roots available to an expression (`user`, `account`, `response`, `access_token`…). */
export type Scope = Readonly<Record<string, Json | undefined>>;

export type Node =
  | { kind: "literal"; value: Json }
  | { kind: "name"; name: string }
  | { kind: "member"; object: Node; name: string; safe: boolean }
  | { kind: "index"; object: Node; index: Node; safe: boolean }
  | { kind: "call"; object: Node; name: string; args: Node[]; safe: boolean }
  | { kind: "unary"; op: "!"; operand: Node }
  | { kind: "binary"; op: "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" | "+"; left: Node; right: Node }
  | { kind: "ternary"; test: Node; then: Node; otherwise: Node }
  | { kind: "elvis"; value: Node; fallback: Node };

/** Parse outcome: an AST, or the construct that is outside the subset. */
export type Parsed = { ok: true; node: Node } | { ok: false; unsupported: string };

/** Evaluation outcome: a value, or why it failed (`unsupported` = outside the subset; `error` = Groovy would throw). */
export type Evaluated = { ok: true; value: Json } | { ok: false; kind: "unsupported" | "error"; message: string };

export const STRING_METHODS: ReadonlySet<string> = new Set([
  "toString",
  "toLowerCase",
  "toUpperCase",
  "trim",
  "isEmpty",
  "length",
  "size",
  "contains",
  "startsWith",
  "endsWith",
  "substring",
  "replace",
  "equals",
  "equalsIgnoreCase",
]);
const LIST_METHODS: ReadonlySet<string> = new Set(["size", "isEmpty", "contains", "get", "toString"]);
const MAP_METHODS: ReadonlySet<string> = new Set(["get", "containsKey", "size", "isEmpty"]);
const ALL_METHODS: ReadonlySet<string> = new Set([...STRING_METHODS, ...LIST_METHODS, ...MAP_METHODS]);
/** Groovy keywords that start statements, declarations or casts: never part of the subset. */
const KEYWORDS: ReadonlySet<string> = new Set(["new", "def", "class", "if", "else", "for", "while", "return", "as", "in", "instanceof", "import", "try", "catch", "throw", "switch", "case", "this", "super", "var", "final", "static"]);
const MAX_DEPTH = 64;
const MAX_LENGTH = 4096;

type Token = { type: "ident" | "number" | "string" | "op"; text: string; value?: string };

const TOKEN = /\s+|([A-Za-z_$][A-Za-z0-9_$]*)|(\d+(?:\.\d+)?(?![A-Za-z_]))|('(?:[^'\\]|\\.)*')|("(?:[^"\\]|\\.)*")|(\?\.|\?\[|\?:|==|!=|<=|>=|&&|\|\||[?:<>!+.()[\],]|-(?![->=]))/y;

/** Names for the constructs the tokenizer refuses, so reports say what was found. */
const REFUSED: ReadonlyArray<[RegExp, string]> = [
  [/^->/, 'a closure arrow "->"'],
  [/^\*\./, 'a spread "*."'],
  [/^\.&/, 'a method pointer ".&"'],
  [/^\.\./, 'a range ".."'],
  [/^(<<|>>)/, "a shift operator"],
  [/^(\+\+|--)/, "an increment or decrement"],
  [/^([-+*/%]=|=~|==~)/, "an assignment or regex operator"],
  [/^<=>/, 'the spaceship operator "<=>"'],
  [/^\*\*/, 'the power operator "**"'],
  [/^=/, 'an assignment "="'],
  [/^;/, 'a statement separator ";"'],
  [/^[{}]/, 'a closure or block "{…}"'],
  [/^[*/%]/, "arithmetic other than +"],
  [/^[~^&|]/, "a bitwise operator"],
  [/^@/, 'an annotation or field access "@"'],
];

function tokenize(text: string): { tokens: Token[]; refused?: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(text);
    if (!m) {
      const rest = text.slice(i);
      const named = REFUSED.find(([re]) => re.test(rest));
      return { tokens, refused: named ? named[1] : `the character "${rest[0]}"` };
    }
    if (m[1] !== undefined) tokens.push({ type: "ident", text: m[1] });
    else if (m[2] !== undefined) tokens.push({ type: "number", text: m[2] });
    else if (m[3] !== undefined) tokens.push({ type: "string", text: m[3], value: unescape(m[3].slice(1, -1)) });
    else if (m[4] !== undefined) {
      // A double-quoted Groovy string is a GString: `$x` inside it is code.
      if (m[4].includes("$")) return { tokens, refused: `GString interpolation in ${m[4]}` };
      tokens.push({ type: "string", text: m[4], value: unescape(m[4].slice(1, -1)) });
    } else if (m[5] !== undefined) tokens.push({ type: "op", text: m[5] });
    i = TOKEN.lastIndex;
  }
  return { tokens };
}

function unescape(body: string): string {
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_m, e: string) => {
    if (e.length === 5) return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" } as Record<string, string>)[e] ?? e;
  });
}

class Unsupported extends Error {}

/** Parses the text between `${` and `}`. */
export function parseExpression(text: string): Parsed {
  if (text.length > MAX_LENGTH) return { ok: false, unsupported: `an expression longer than ${MAX_LENGTH} characters` };
  if (text.trim() === "") return { ok: false, unsupported: "an empty expression" };
  const lexed = tokenize(text);
  // A Groovy keyword says most about what the text is (a declaration, a cast, a loop): report it first.
  const keyword = lexed.tokens.find((t) => t.type === "ident" && KEYWORDS.has(t.text));
  if (keyword) return { ok: false, unsupported: `the keyword "${keyword.text}"` };
  if (lexed.refused) return { ok: false, unsupported: lexed.refused };
  const tokens = lexed.tokens;
  let pos = 0;
  let depth = 0;
  const peek = (offset = 0): Token | undefined => tokens[pos + offset];
  const isOp = (t: Token | undefined, op: string) => t?.type === "op" && t.text === op;
  const expect = (op: string) => {
    if (!isOp(peek(), op)) throw new Unsupported(peek() ? `"${peek()!.text}" where "${op}" was expected` : `a missing "${op}"`);
    pos++;
  };
  const nest = <T>(fn: () => T): T => {
    if (++depth > MAX_DEPTH) throw new Unsupported(`nesting deeper than ${MAX_DEPTH}`);
    try {
      return fn();
    } finally {
      depth--;
    }
  };

  // Groovy precedence, lowest first: ?: and ternary (right-assoc), ||, &&, ==/!=, relational, +, !, postfix.
  const conditional = (): Node =>
    nest(() => {
      const test = or();
      if (isOp(peek(), "?:")) {
        pos++;
        return { kind: "elvis", value: test, fallback: conditional() };
      }
      if (isOp(peek(), "?")) {
        pos++;
        const then = conditional();
        expect(":");
        return { kind: "ternary", test, then, otherwise: conditional() };
      }
      return test;
    });
  const binaryLevel = (ops: string[], next: () => Node) => (): Node => {
    let left = next();
    while (peek()?.type === "op" && ops.includes(peek()!.text)) {
      const op = peek()!.text as "==";
      pos++;
      left = { kind: "binary", op, left, right: next() };
    }
    return left;
  };
  const unary = (): Node =>
    nest(() => {
      if (isOp(peek(), "!")) {
        pos++;
        return { kind: "unary", op: "!", operand: unary() };
      }
      // Unary minus only on a number literal (list[-1]); subtraction is outside the subset.
      if (isOp(peek(), "-")) {
        if (peek(1)?.type !== "number") throw new Unsupported('the operator "-" (only negative numbers are supported)');
        pos += 2;
        return postfixOf({ kind: "literal", value: -Number(tokens[pos - 1]!.text) });
      }
      return postfix();
    });
  const additive = binaryLevel(["+"], unary);
  const relational = binaryLevel(["<", "<=", ">", ">="], additive);
  const equality = binaryLevel(["==", "!="], relational);
  const and = binaryLevel(["&&"], equality);
  const or = binaryLevel(["||"], and);

  function args(): Node[] {
    const out: Node[] = [];
    expect("(");
    if (isOp(peek(), ")")) {
      pos++;
      return out;
    }
    for (;;) {
      out.push(conditional());
      if (isOp(peek(), ",")) {
        pos++;
        continue;
      }
      expect(")");
      return out;
    }
  }

  function postfix(): Node {
    return postfixOf(primary());
  }

  function postfixOf(start: Node): Node {
    let node = start;
    for (;;) {
      const t = peek();
      if (isOp(t, ".") || isOp(t, "?.")) {
        pos++;
        const name = peek();
        if (name?.type !== "ident" && name?.type !== "string") throw new Unsupported(name ? `"${name.text}" after "${t!.text}"` : `a path ending in "${t!.text}"`);
        pos++;
        const key = name.type === "string" ? name.value! : name.text;
        if (isOp(peek(), "(")) {
          if (!ALL_METHODS.has(key)) throw new Unsupported(`the method ${key}()`);
          node = { kind: "call", object: node, name: key, args: args(), safe: t!.text === "?." };
        } else node = { kind: "member", object: node, name: key, safe: t!.text === "?." };
      } else if (isOp(t, "[") || isOp(t, "?[")) {
        pos++;
        const index = conditional();
        expect("]");
        node = { kind: "index", object: node, index, safe: t!.text === "?[" };
      } else if (isOp(t, "(")) {
        throw new Unsupported(node.kind === "name" ? `the function call ${node.name}()` : "a call of a computed value");
      } else return node;
    }
  }

  function primary(): Node {
    const t = peek();
    if (!t) throw new Unsupported("an incomplete expression");
    pos++;
    if (t.type === "number") return { kind: "literal", value: Number(t.text) };
    if (t.type === "string") return { kind: "literal", value: t.value! };
    if (t.type === "ident") {
      if (t.text === "null") return { kind: "literal", value: null };
      if (t.text === "true") return { kind: "literal", value: true };
      if (t.text === "false") return { kind: "literal", value: false };
      if (KEYWORDS.has(t.text)) throw new Unsupported(`the keyword "${t.text}"`);
      return { kind: "name", name: t.text };
    }
    if (t.text === "(") {
      const inner = conditional();
      expect(")");
      return inner;
    }
    if (t.text === "[") throw new Unsupported("a list or map literal");
    throw new Unsupported(`"${t.text}" at the start of an operand`);
  }

  try {
    const node = conditional();
    if (pos < tokens.length) {
      const extra = tokens[pos]!;
      return { ok: false, unsupported: extra.text === "-" ? 'the operator "-" (subtraction)' : `"${extra.text}" after a complete expression` };
    }
    return { ok: true, node };
  } catch (e) {
    if (e instanceof Unsupported) return { ok: false, unsupported: e.message };
    throw e;
  }
}

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

function isMap(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Own property of a parsed JSON object (never the prototype chain); a missing key is null, as in a Groovy map. */
function own(map: { [key: string]: Json }, key: string): Json {
  return Object.prototype.hasOwnProperty.call(map, key) ? (map[key] ?? null) : null;
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
      return unsupported(`adding ${describe(left)} and ${describe(right)}`);
    }
    default: {
      if (typeof left === "number" && typeof right === "number") return compare(op, left - right);
      if (typeof left === "string" && typeof right === "string") return compare(op, left < right ? -1 : left > right ? 1 : 0);
      return unsupported(`comparing ${describe(left)} ${op} ${describe(right)}`);
    }
  }
}

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
  if (typeof object === "string") {
    if (!STRING_METHODS.has(name)) return unsupported(`the string method ${name}()`);
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
  }
  if (typeof object === "number" || typeof object === "boolean") {
    if (name === "toString" && args.length === 0) return String(object);
    return unsupported(`the method ${name}() on ${describe(object)}`);
  }
  if (Array.isArray(object)) {
    if (!LIST_METHODS.has(name) || name === "toString") return unsupported(`the list method ${name}()`);
    if (name === "size") return arity(0), object.length;
    if (name === "isEmpty") return arity(0), object.length === 0;
    if (name === "contains") return arity(1), object.some((x) => groovyEquals(x, args[0]!));
    arity(1);
    const i = int(args[0]);
    return object[i < 0 ? object.length + i : i] ?? fail(`IndexOutOfBoundsException: get(${i}) of a list of ${object.length}`);
  }
  if (!isMap(object) || !MAP_METHODS.has(name)) return unsupported(`the map method ${name}()`);
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
    const result = value.ok ? evaluate(value.node, scope) : ({ ok: false, kind: "unsupported", message: value.unsupported } as const);
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
    if (!parsed.ok) return { ok: false, problem: { kind: "unsupported", expression: trimmed, message: parsed.unsupported } };
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
    if (!parsed.ok) out.push({ kind: "unsupported", expression: text.slice(span.start, span.end), message: parsed.unsupported });
  }
  if (unclosedAt !== undefined) out.push({ kind: "unsupported", expression: text.slice(unclosedAt, unclosedAt + 60), message: `"\${" is never closed` });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plain paths (listField, colsToPropsMap sources, acctIdPath, accountIdPath, errorPath):
// dotted keys with `[n]` indices; `~dot#` is a literal dot inside a key (reference/saviynt-rest.md §3.5).

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
      if (!isMap(current) || !Object.prototype.hasOwnProperty.call(current, key)) return { found: false, at: walked };
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
