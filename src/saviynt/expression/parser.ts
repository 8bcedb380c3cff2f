/**
 * The parser of Saviynt `${…}` expressions: the text between `${` and `}` → one syntax tree with
 * source offsets. The grammar is the Groovy subset the executor evaluates (docs/saviynt-rest-format.md#bindings,
 * #expressions, #pagination):
 * - paths `a.b`, `a?.b`, `a[i]`, `a?.[i]`, quoted member names `a.'b'`;
 * - literals `null true false`, numbers (a leading `-` only on a number), `'single'` and `"double"`
 *   strings without interpolation;
 * - `== != < <= > >= && || ! +`, `c ? a : b`, `a ?: b`, parentheses;
 * - calls of the methods of the one method list (vocabulary.ts).
 * Anything else is refused with the offset and the name of the construct: keywords (`new`, `def`,
 * `as`, `class`, …), closures and blocks, casts, assignments, statements, other operators, other
 * calls, calls without parentheses (`x.forName 'java.lang.Runtime'`), GStrings, unicode escapes.
 * The tenant checker and the lint rules narrow the tree further (allowlist.ts); the executor
 * interprets it (src/executor/expression.ts).
 */
import type { Json } from "../../core/json.js";
import { tokenize, type Token } from "./tokenizer.js";
import { isMethod, KEYWORDS } from "./vocabulary.js";

/** Offsets into the parsed text (end exclusive). */
interface At {
  start: number;
  end: number;
}

export type BinaryOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "&&" | "||" | "+";

export type Node =
  | (At & { kind: "literal"; value: Json; /** A string literal's quote and source text. */ quote?: "'" | '"'; raw?: string })
  | (At & { kind: "name"; name: string })
  | (At & { kind: "member"; object: Node; name: string; safe: boolean; quoted: boolean; nameStart: number })
  | (At & { kind: "index"; object: Node; index: Node; safe: boolean; /** Offset of `[`. */ open: number })
  | (At & { kind: "call"; object: Node; name: string; args: Node[]; safe: boolean; quoted: boolean; nameStart: number })
  | (At & { kind: "unary"; op: "!"; operand: Node })
  | (At & { kind: "binary"; op: BinaryOp; left: Node; right: Node })
  | (At & { kind: "ternary"; test: Node; then: Node; otherwise: Node })
  | (At & { kind: "elvis"; value: Node; fallback: Node });

/** A tree, or the construct that is outside the language and where it starts. */
export type Parsed = { ok: true; node: Node } | { ok: false; construct: string; offset: number; /** Brackets or parentheses that do not pair up. */ unbalanced?: true };

export const MAX_DEPTH = 64;
export const MAX_LENGTH = 4096;

class Refused extends Error {
  constructor(
    readonly construct: string,
    readonly offset: number,
    readonly unbalanced = false,
  ) {
    super(construct);
  }
}

const isBracket = (text: string | undefined) => text === ")" || text === "]";

const BINARY_LEVELS: readonly (readonly BinaryOp[])[] = [["||"], ["&&"], ["==", "!="], ["<", "<=", ">", ">="], ["+"]];

const startsOperand = (t: Token | undefined) => t !== undefined && (t.type === "ident" || t.type === "number" || t.type === "string");

/** Parses the text between `${` and `}`; offsets are relative to `text`. */
export function parseExpression(text: string): Parsed {
  if (text.length > MAX_LENGTH) return { ok: false, construct: `an expression longer than ${MAX_LENGTH} characters`, offset: 0 };
  const tokens = tokenize(text);
  if (tokens.length === 0) return { ok: false, construct: "an empty expression", offset: 0 };
  // A Groovy keyword says most about what the text is (a declaration, a cast, a loop): report it first.
  const keyword = tokens.find((t) => t.type === "ident" && KEYWORDS.has(t.text));
  if (keyword) return { ok: false, construct: `the keyword "${keyword.text}"`, offset: keyword.start };
  const outside = tokens.find((t) => t.construct !== undefined);
  if (outside) return { ok: false, construct: outside.construct!, offset: outside.start };

  let pos = 0;
  let depth = 0;
  const peek = (ahead = 0): Token | undefined => tokens[pos + ahead];
  const isOp = (t: Token | undefined, op: string) => t?.type === "op" && t.text === op;
  const endOfText = () => (tokens.length > 0 ? tokens[tokens.length - 1]!.end : 0);
  const expect = (op: string): Token => {
    const t = peek();
    if (!isOp(t, op)) throw new Refused(t ? `"${t.text}" where "${op}" was expected` : `a missing "${op}"`, t?.start ?? endOfText(), isBracket(op) || isBracket(t?.text));
    pos++;
    return t!;
  };
  const nest = <T>(at: number, fn: () => T): T => {
    if (++depth > MAX_DEPTH) throw new Refused(`nesting deeper than ${MAX_DEPTH}`, at);
    try {
      return fn();
    } finally {
      depth--;
    }
  };
  const here = () => peek()?.start ?? endOfText();

  // Groovy precedence, lowest first: ?: and ternary (right-assoc), ||, &&, ==/!=, relational, +, !, postfix.
  const conditional = (): Node =>
    nest(here(), () => {
      const test = binary(0);
      if (isOp(peek(), "?:")) {
        pos++;
        const fallback = conditional();
        return { kind: "elvis", value: test, fallback, start: test.start, end: fallback.end };
      }
      if (isOp(peek(), "?")) {
        pos++;
        const then = conditional();
        expect(":");
        const otherwise = conditional();
        return { kind: "ternary", test, then, otherwise, start: test.start, end: otherwise.end };
      }
      return test;
    });

  function binary(level: number): Node {
    if (level === BINARY_LEVELS.length) return unary();
    const ops = BINARY_LEVELS[level]!;
    let left = binary(level + 1);
    for (let t = peek(); t?.type === "op" && (ops as readonly string[]).includes(t.text); t = peek()) {
      pos++;
      const right = binary(level + 1);
      left = { kind: "binary", op: t.text as BinaryOp, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  function unary(): Node {
    return nest(here(), () => {
      const t = peek();
      if (isOp(t, "!")) {
        pos++;
        const operand = unary();
        return { kind: "unary", op: "!", operand, start: t!.start, end: operand.end };
      }
      // Unary minus only on a number literal (list[-1]); subtraction is outside the subset.
      if (isOp(t, "-")) {
        const n = peek(1);
        if (n?.type !== "number") throw new Refused('the operator "-" (only negative numbers are supported)', t!.start);
        pos += 2;
        return postfixOf({ kind: "literal", value: -Number(n.text), start: t!.start, end: n.end });
      }
      return postfixOf(primary());
    });
  }

  function args(): { args: Node[]; end: number } {
    const out: Node[] = [];
    expect("(");
    if (isOp(peek(), ")")) return { args: out, end: expect(")").end };
    for (;;) {
      out.push(conditional());
      if (isOp(peek(), ",")) {
        pos++;
        continue;
      }
      return { args: out, end: expect(")").end };
    }
  }

  function postfixOf(start: Node): Node {
    let node = start;
    for (;;) {
      const t = peek();
      if (isOp(t, ".") || isOp(t, "?.")) {
        pos++;
        const name = peek();
        if (name?.type !== "ident" && name?.type !== "string") throw new Refused(name ? `"${name.text}" after "${t!.text}"` : `a path ending in "${t!.text}"`, name?.start ?? t!.end);
        pos++;
        const key = name.type === "string" ? name.value! : name.text;
        const member = { object: node, name: key, safe: t!.text === "?.", quoted: name.type === "string", nameStart: name.start };
        if (isOp(peek(), "(")) {
          if (!isMethod(key)) throw new Refused(`the method ${key}()`, name.start);
          const call = args();
          node = { kind: "call", ...member, args: call.args, start: node.start, end: call.end };
        } else node = { kind: "member", ...member, start: node.start, end: name.end };
      } else if (isOp(t, "[") || isOp(t, "?[")) {
        pos++;
        const index = conditional();
        const close = expect("]");
        node = { kind: "index", object: node, index, safe: t!.text === "?[", open: t!.start, start: node.start, end: close.end };
      } else if (isOp(t, "(")) {
        throw new Refused(node.kind === "name" ? `the function call ${node.name}()` : "a call of a computed value", t!.start);
      } else if (startsOperand(t)) {
        // `a.b c` is Groovy's command syntax: a call of b without parentheses.
        if (node.kind === "member" || node.kind === "name") {
          throw new Refused(`"${t!.text}" after a complete expression: a method call without parentheses ("${node.name} ${t!.text}…")`, node.kind === "member" ? node.nameStart : node.start);
        }
        throw new Refused(`"${t!.text}" after a complete expression`, t!.start);
      } else return node;
    }
  }

  function primary(): Node {
    const t = peek();
    if (!t) throw new Refused("an incomplete expression", endOfText());
    pos++;
    if (t.type === "number") return { kind: "literal", value: Number(t.text), start: t.start, end: t.end };
    if (t.type === "string") return { kind: "literal", value: t.value!, quote: t.quote!, raw: t.text, start: t.start, end: t.end };
    if (t.type === "ident") {
      const at = { start: t.start, end: t.end };
      if (t.text === "null") return { kind: "literal", value: null, ...at };
      if (t.text === "true") return { kind: "literal", value: true, ...at };
      if (t.text === "false") return { kind: "literal", value: false, ...at };
      return { kind: "name", name: t.text, ...at };
    }
    if (t.text === "(") {
      const inner = conditional();
      const close = expect(")");
      // `(String) x` is a cast; `(x)(y)` would call a value.
      if (startsOperand(peek()) || isOp(peek(), "(")) throw new Refused(`a cast ${text.slice(t.start, close.end)}`, t.start);
      return { ...inner, start: t.start, end: close.end };
    }
    if (t.text === "[") throw new Refused("a list or map literal", t.start);
    throw new Refused(`"${t.text}" at the start of an operand`, t.start, isBracket(t.text));
  }

  try {
    const node = conditional();
    const extra = peek();
    if (extra) {
      const construct = extra.text === "-" ? 'the operator "-" (subtraction)' : `"${extra.text}" after a complete expression`;
      return { ok: false, construct, offset: extra.start, ...(isBracket(extra.text) ? { unbalanced: true as const } : {}) };
    }
    return { ok: true, node };
  } catch (e) {
    if (e instanceof Refused) return { ok: false, construct: e.construct, offset: e.offset, ...(e.unbalanced ? { unbalanced: true as const } : {}) };
    throw e;
  }
}

/** A node and all the nodes below it, parents first. */
export function* subtrees(node: Node): Generator<Node> {
  yield node;
  switch (node.kind) {
    case "member":
      return yield* subtrees(node.object);
    case "index":
      yield* subtrees(node.object);
      return yield* subtrees(node.index);
    case "call":
      yield* subtrees(node.object);
      for (const arg of node.args) yield* subtrees(arg);
      return;
    case "unary":
      return yield* subtrees(node.operand);
    case "binary":
      yield* subtrees(node.left);
      return yield* subtrees(node.right);
    case "ternary":
      yield* subtrees(node.test);
      yield* subtrees(node.then);
      return yield* subtrees(node.otherwise);
    case "elvis":
      yield* subtrees(node.value);
      return yield* subtrees(node.fallback);
    default:
      return;
  }
}
