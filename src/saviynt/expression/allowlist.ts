/**
 * Acceptance of Saviynt `${…}` expressions by allowlist on the syntax tree, for tenant expression
 * fields and for the lint rules. Saviynt evaluates `${…}` as server-side Groovy with JVM access
 * (docs/saviynt-rest-format.md#expressions), so only this is accepted:
 * - property paths from the documented roots, `.` or `?.`, plain identifiers, as deep as the root's
 *   shape allows (vocabulary.ts), identity attributes by name;
 * - `null`, `true`, `false`, numbers and `'single-quoted'` strings without quotes, backslashes or braces;
 * - `== != < <= > >= && || !`, `+` (concatenation), `c ? a : b`, `a ?: b`, parentheses;
 * - the documented String methods (TENANT_METHODS) with their arguments as integer literals.
 * Everything else — other calls, quoted or JVM member names, method names used as properties,
 * subscripts, and every construct the parser refuses — is refused at its offset, by name.
 */
import { closest } from "../../core/diagnostics.js";
import { parseExpression, type Node } from "./parser.js";
import { findExpressions, findMissingDollar } from "./template.js";
import { isMethod, JVM_MEMBERS, METHODS, ROOT_SHAPES, TENANT_METHODS, USER_ATTRIBUTES } from "./vocabulary.js";

export type ProblemKind = "unbalanced" | "quote" | "unknown-root" | "unknown-attribute" | "missing-dollar" | "not-allowed";

export interface ExpressionProblem {
  kind: ProblemKind;
  message: string;
  /** 0-based offset of the problem inside the checked text. */
  offset: number;
  suggestion?: string;
}

type Member = Extract<Node, { kind: "member" }>;

/** The allowlist over one tree; offsets are those of the tree (relative to the parsed text). */
export function checkTree(root: Node): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const refuse = (offset: number, message: string): void => {
    problems.push({ kind: "not-allowed", message, offset });
  };

  const visit = (node: Node): void => {
    switch (node.kind) {
      case "literal":
        return checkLiteral(node);
      case "name":
        return checkPath(node, []);
      case "member": {
        const chain: Member[] = [];
        let base: Node = node;
        for (; base.kind === "member"; base = base.object) chain.unshift(base);
        if (base.kind === "name") return checkPath(base, chain);
        visit(base);
        return refuse(chain[0]!.nameStart, `".${chain[0]!.name}" reads a property of a computed value; only paths from a binding have properties`);
      }
      case "index":
        // One diagnostic for the construct (its object, often a bare record, is part of it).
        return refuse(node.open, "a subscript [...] is not allowed inside ${…} (it reaches any property or method by name); write a path a.b");
      case "call":
        visit(node.object);
        return checkCall(node);
      case "unary":
        return visit(node.operand);
      case "binary":
        visit(node.left);
        return visit(node.right);
      case "ternary":
        visit(node.test);
        visit(node.then);
        return visit(node.otherwise);
      case "elvis":
        visit(node.value);
        return visit(node.fallback);
    }
  };

  const checkLiteral = (node: Extract<Node, { kind: "literal" }>): void => {
    if (node.quote === undefined) return;
    // Saviynt inserts an expression's result without JSON escaping (docs/saviynt-rest-format.md#expressions): `"` and `\` break the
    // body, and braces may end the expression early.
    if (node.quote === '"') {
      problems.push({ kind: "quote", message: "a double-quoted string inside ${…} breaks the JSON body (and is a GString); use single quotes", offset: node.start });
      return;
    }
    const raw = node.raw!;
    for (let i = 1; i < raw.length - 1; i++) {
      const c = raw[i]!;
      if (c === '"' || c === "\\") {
        problems.push({ kind: "quote", message: "a double quote or backslash inside ${…} breaks the JSON body, also inside a '…' string", offset: node.start + i });
        return;
      }
      if (c === "{" || c === "}") return refuse(node.start + i, `"${c}" inside a '…' string in \${…} is not allowed (Saviynt may end the expression there)`);
    }
  };

  const checkPath = (base: Extract<Node, { kind: "name" }>, chain: readonly Member[]): void => {
    for (const m of chain) {
      if (m.quoted) return refuse(m.nameStart, `a quoted member name (.'${m.name}') is not allowed inside \${…}: write plain identifiers`);
      if (JVM_MEMBERS.has(m.name)) return refuse(m.nameStart, `".${m.name}" reaches the JVM object, not data, and is not allowed inside \${…}`);
      if (isMethod(m.name)) return refuse(m.nameStart, `".${m.name}" without brackets is not a property; write ${m.name}()`);
    }
    const shape = ROOT_SHAPES.get(base.name);
    if (shape === undefined) {
      const suggestion = closest(base.name, ROOT_SHAPES.keys());
      problems.push({
        kind: "unknown-root",
        message: `"${base.name}" is not a Saviynt binding${suggestion ? ` — did you mean "${suggestion}"?` : ""}`,
        offset: base.start,
        ...(suggestion ? { suggestion } : {}),
      });
      return;
    }
    const [first, second] = chain;
    if (shape === "text") {
      if (first) refuse(first.nameStart, `"${base.name}" is a text value; it has no property "${first.name}"`);
      return;
    }
    if (!first) return refuse(base.start, `"${base.name}" is ${shape === "record" ? "a record" : "a document"}; name one of its properties (${base.name}.${base.name === "user" ? "firstname" : "…"})`);
    if (shape === "record" && second) return refuse(second.nameStart, `${base.name}.${first.name} is a text value; it has no property "${second.name}"`);
    // user.<attr>: the attribute must exist (case matters: user.firstName is not user.firstname).
    if (base.name === "user" && !USER_ATTRIBUTES.has(first.name)) {
      const suggestion = closest(first.name, USER_ATTRIBUTES);
      problems.push({
        kind: "unknown-attribute",
        message: `user.${first.name} is not an identity attribute${suggestion ? ` — did you mean "user.${suggestion}"?` : ""}`,
        offset: first.nameStart,
        ...(suggestion ? { suggestion: `user.${suggestion}` } : {}),
      });
    }
  };

  const checkCall = (node: Extract<Node, { kind: "call" }>): void => {
    const tenant = isMethod(node.name) ? METHODS[node.name]!.tenant : undefined;
    if (node.quoted) return refuse(node.nameStart, `a quoted method name (.'${node.name}'()) is not allowed inside \${…}`);
    if (!tenant) return refuse(node.nameStart, `the method ${node.name}() is not allowed inside \${…} (allowed: ${TENANT_METHODS.map((m) => `${m}()`).join(", ")})`);
    if (node.args.length < tenant.minArgs || node.args.length > tenant.maxArgs) {
      const count = tenant.minArgs === tenant.maxArgs ? `${tenant.minArgs}` : `${tenant.minArgs} or ${tenant.maxArgs}`;
      return refuse(node.nameStart, `${node.name}() takes ${count} argument(s), not ${node.args.length}`);
    }
    for (const arg of node.args) {
      if (arg.kind !== "literal" || typeof arg.value !== "number" || !Number.isInteger(arg.value)) return refuse(arg.start, `the arguments of ${node.name}() must be integer literals`);
    }
  };

  visit(root);
  return problems;
}

/** Parses one expression body and applies the allowlist; offsets are relative to `body`. */
export function checkExpression(body: string): ExpressionProblem[] {
  if (body.trim() === "") return [{ kind: "not-allowed", message: "empty ${}", offset: 0 }];
  const parsed = parseExpression(body);
  if (parsed.ok) return checkTree(parsed.node);
  const message = `${parsed.construct} is not allowed inside \${…}: Saviynt runs it as Groovy code on its server`;
  return [{ kind: parsed.unbalanced ? "unbalanced" : "not-allowed", message, offset: parsed.offset }];
}

/** Every `${…}` of a text, checked (an unclosed `${` ends the scan and is the caller's to report). */
export function checkExpressions(text: string): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  for (const span of findExpressions(text).spans) {
    if (span.body.trim() === "") problems.push({ kind: "not-allowed", message: "empty ${}", offset: span.start });
    else for (const p of checkExpression(span.body)) problems.push({ ...p, offset: p.offset + span.start + 2 });
  }
  return problems;
}

/**
 * Checks a tenant expression field: every `${…}` on the allowlist, no unclosed `${`, no binding
 * without `$`, no Handlebars outside expressions.
 */
export function checkExpressionText(text: string): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const { spans, unclosedAt } = findExpressions(text);
  if (unclosedAt !== undefined) {
    problems.push({ kind: "unbalanced", message: `"\${" is never closed with "}"`, offset: unclosedAt });
  }
  for (const offset of findMissingDollar(text)) {
    // `{{user.x}}` is Handlebars, reported once below, not also as a missing `$`.
    if (text[offset - 1] === "{") continue;
    const binding = text.slice(offset + 1, offset + 120).split("}")[0]!.trim();
    problems.push({ kind: "missing-dollar", message: `binding without "$" is sent literally; write "\${${binding}}"`, offset });
  }
  // Text outside expressions must not open Handlebars or half expressions either.
  let outside = "";
  let last = 0;
  for (const span of spans) {
    outside += text.slice(last, span.start);
    last = span.end;
  }
  outside += text.slice(last, unclosedAt ?? text.length);
  if (/\{\{|\}\}/.test(outside)) {
    const offset = text.search(/\{\{|\}\}/);
    const handlebars = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/.exec(text.slice(offset));
    problems.push({
      kind: "not-allowed",
      message: handlebars
        ? `"{{${handlebars[1]}}}" is Handlebars syntax, which Saviynt sends literally; write "\${${handlebars[1]}}"`
        : `"{{" or "}}" outside \${…} is not allowed`,
      offset,
    });
  }
  problems.push(...checkExpressions(text));
  return problems;
}
