/**
 * The one Saviynt expression language (src/saviynt/expression/, issue 11): the tree the parser
 * builds, what the allowlist accepts and refuses, the span scanner every consumer shares, and the
 * property that ties the checker to the executor: whatever the checker accepts, the executor
 * evaluates without "unsupported" (a Groovy error such as a NullPointerException is fine: Saviynt
 * would fail the same way).
 */
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { evaluate, renderTemplate, type Json, type Scope } from "../src/executor/expression.js";
import { parseJsonWithBindings, Binding } from "../src/package/read.js";
import {
  checkExpression,
  checkExpressionText,
  findExpressions,
  METHODS,
  parseExpression,
  ROOT_SHAPES,
  subtrees,
  TENANT_METHODS,
  USER_ATTRIBUTES,
  type Node,
} from "../src/saviynt/expression/index.js";

describe("the tree", () => {
  test("every node carries its source offsets", () => {
    const text = "user?.firstname.substring(0, 2) == 'Ad' ? account.accountID : (null)";
    const parsed = parseExpression(text);
    expect(parsed.ok).toBe(true);
    const slices = [...subtrees((parsed as { node: Node }).node)].map((n) => [n.kind, text.slice(n.start, n.end)]);
    expect(slices).toEqual([
      ["ternary", text],
      ["binary", "user?.firstname.substring(0, 2) == 'Ad'"],
      ["call", "user?.firstname.substring(0, 2)"],
      ["member", "user?.firstname"],
      ["name", "user"],
      ["literal", "0"],
      ["literal", "2"],
      ["literal", "'Ad'"],
      ["member", "account.accountID"],
      ["name", "account"],
      ["literal", "(null)"],
    ]);
  });

  test("a refused construct is named with its offset", () => {
    expect(parseExpression("user.firstname.execute()")).toEqual({ ok: false, construct: "the method execute()", offset: 15 });
    expect(parseExpression("x.forName 'java.lang.Runtime'")).toMatchObject({ ok: false, offset: 2 });
    expect(parseExpression("(user.firstname")).toEqual({ ok: false, construct: 'a missing ")"', offset: 15, unbalanced: true });
  });
});

describe("the allowlist", () => {
  // Expressions of the official package, our templates and the documented idioms (docs/saviynt-rest-format.md#bindings).
  const accepted = [
    "user.firstname",
    "user.middlename==null?'':user.middlename",
    "response?.completeResponseMap?._links.next==null?null:response.completeResponseMap._links.next",
    "response?.completeResponseMap?._links?.next ?: null",
    "access_token",
    "refresh_token",
    "id",
    "entitlementValue.entitlementID",
    "account.accountID",
    "user.email.toLowerCase()",
    "user?.middlename?.trim()",
    "user.firstname.substring(0, 1) + user.lastname.toUpperCase()",
    "!(user.email == null) && user.email.length() > 3 || user.customproperty7.isEmpty()",
    "user.startdate <= '2024' ? 'old' : 'new'",
    "-1 < 0",
    "task.endpoint.customproperty5",
    "password.toString()",
  ];
  test.each(accepted)("${%s} is accepted", (text) => {
    expect(checkExpression(text)).toEqual([]);
  });

  const refused: Array<[string, string, string]> = [
    // The two wrong acceptances of issue 11: property-style access of a method.
    ["user.firstname.toUpperCase", "not-allowed", "write toUpperCase()"],
    ["user.firstname.length", "not-allowed", "write length()"],
    ["user.firstName", "unknown-attribute", 'did you mean "user.firstname"'],
    ["usr.firstname", "unknown-root", 'did you mean "user"'],
    ["user", "not-allowed", "is a record"],
    ["accountName.x", "not-allowed", "is a text value"],
    ["account.accountID.x", "not-allowed", "is a text value"],
    ["user.firstname.substring(1, 2, 3)", "not-allowed", "takes 1 or 2 argument(s)"],
    ["user.firstname.substring(1.5)", "not-allowed", "integer literals"],
    ["user.firstname == 'a\\'b'", "quote", "backslash"],
    ["user.firstname == 'a}'", "not-allowed", "may end the expression"],
    ["user.firstname == \"a\"", "quote", "double-quoted"],
    ["user.firstname == 1 - 1", "not-allowed", "subtraction"],
  ];
  test.each(refused)("${%s} is refused (%s)", (text, kind, message) => {
    const problems = checkExpression(text);
    expect(problems.map((p) => p.kind)).toEqual([kind]);
    expect(problems[0]!.message).toContain(message);
  });

  test("the tenant methods are String methods the executor implements", () => {
    expect(TENANT_METHODS).toEqual(["toString", "toLowerCase", "toUpperCase", "trim", "isEmpty", "length", "substring"]);
    for (const name of TENANT_METHODS) {
      expect(METHODS[name]!.on).toContain("string");
      const args = Array.from({ length: METHODS[name]!.tenant!.minArgs }, () => "1").join(", ");
      const parsed = parseExpression(`'abc'.${name}(${args})`);
      expect(parsed.ok).toBe(true);
      expect(evaluate((parsed as { node: Node }).node, {}).ok, name).toBe(true);
    }
  });

  test("a tenant field: Handlebars, a missing $ and an unclosed ${ are located", () => {
    expect(checkExpressionText("{{user.firstname}}").map((p) => [p.kind, p.offset])).toEqual([["not-allowed", 0]]);
    expect(checkExpressionText("x {user.email}").map((p) => [p.kind, p.offset])).toEqual([["missing-dollar", 2]]);
    expect(checkExpressionText("a ${user.email").map((p) => [p.kind, p.offset])).toEqual([["unbalanced", 2]]);
    expect(checkExpressionText("a ${user['class']} b").map((p) => [p.kind, p.offset])).toEqual([["not-allowed", 8]]);
  });
});

describe("one scanner for every consumer", () => {
  test("quotes and closure braces are read as the parser reads them", () => {
    expect(findExpressions("a ${x == '}' ? 'a' : 'b'} b ${y}").spans.map((s) => s.body)).toEqual(["x == '}' ? 'a' : 'b'", "y"]);
    expect(findExpressions("${[1].each { it }} z").spans.map((s) => s.body)).toEqual(["[1].each { it }"]);
    expect(findExpressions("${'it\\'s}'} z").spans.map((s) => s.body)).toEqual(["'it\\'s}'"]);
    expect(findExpressions("${x").unclosedAt).toBe(0);
  });

  test("the binding-aware JSON reader ends a binding where the scanner does", () => {
    const text = `{"a": \${x == '}' ? 1 : 2}, "b": "\${user.firstname}", "c": \${[1].collect { it }}}`;
    const parsed = parseJsonWithBindings(text);
    expect(parsed.ok).toBe(true);
    const value = (parsed as { value: Record<string, unknown> }).value;
    expect(value.a).toEqual(new Binding("${x == '}' ? 1 : 2}"));
    expect(value.b).toBe("${user.firstname}");
    expect(value.c).toEqual(new Binding("${[1].collect { it }}"));
    const spans = findExpressions(text).spans.map((s) => text.slice(s.start, s.end));
    expect(spans).toEqual(["${x == '}' ? 1 : 2}", "${user.firstname}", "${[1].collect { it }}"]);
  });

  test("linear time on hostile sizes", () => {
    // CPU time of this worker, at two sizes: linear work grows 8x from n/8 to n, quadratic 64x.
    // A ratio (not a wall-clock budget) keeps the test meaningful on a loaded machine.
    const run = (n: number) => {
      const started = process.cpuUsage();
      expect(findExpressions("${'" + "a".repeat(n)).unclosedAt).toBe(0);
      expect(findExpressions("${a}".repeat(n / 4)).spans.length).toBe(n / 4);
      expect(checkExpressionText("{user.x ".repeat(n / 8)).length).toBe(n / 8);
      expect(checkExpressionText("${" + "(".repeat(n) + "}")[0]!.kind).toBe("not-allowed");
      expect(checkExpressionText("${" + "a.".repeat(n / 2) + "a}")[0]).toBeDefined();
      const used = process.cpuUsage(started);
      return (used.user + used.system) / 1000;
    };
    run(25_000); // warm-up: JIT
    const small = Math.max(run(25_000), 1);
    const large = run(200_000);
    expect(large / small, `${large.toFixed(0)} ms at 200k vs ${small.toFixed(0)} ms at 25k`).toBeLessThan(30);
    expect(large).toBeLessThan(10_000);
  });
});

// ---------------------------------------------------------------------------------------------
// The property: accepted by the checker ⇒ evaluated by the executor without "unsupported".

const ROOTS = [...ROOT_SHAPES.keys()];
const KEYS = ["firstname", "lastname", "email", "customproperty3", "accountID", "name", "call1", "message", "next", "a", "b"];

const segment = fc.constantFrom(...KEYS, ...[...USER_ATTRIBUTES].slice(0, 5));
const dot = fc.constantFrom(".", "?.");
const path = fc
  .tuple(fc.constantFrom(...ROOTS), fc.array(fc.tuple(dot, segment), { maxLength: 3 }))
  .map(([root, members]) => root + members.map(([d, s]) => d + s).join(""));
const stringLiteral = fc.string({ unit: fc.constantFrom("a", "B", " ", "$", "-", "@", "0"), maxLength: 6 }).map((s) => `'${s}'`);
const literal = fc.oneof(fc.constantFrom("null", "true", "false"), fc.integer({ min: -20, max: 20 }).map(String), fc.constantFrom("1.5", "0.0"), stringLiteral);
const method = fc.constantFrom(...TENANT_METHODS, "contains", "size");
const intArgs = fc.array(fc.integer({ min: -2, max: 6 }).map(String), { maxLength: 2 }).map((a) => a.join(", "));

const { expression } = fc.letrec<{ expression: string; operand: string }>((tie) => ({
  operand: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    path,
    literal,
    fc.tuple(tie("operand"), dot, method, intArgs).map(([o, d, m, a]) => `${o}${d}${m}(${a})`),
    tie("expression").map((e) => `(${e})`),
    tie("operand").map((o) => `!${o}`),
  ),
  expression: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    tie("operand"),
    fc.tuple(tie("operand"), fc.constantFrom("==", "!=", "<", "<=", ">", ">=", "&&", "||", "+"), tie("operand")).map(([a, op, b]) => `${a} ${op} ${b}`),
    fc.tuple(tie("operand"), tie("operand"), tie("operand")).map(([a, b, c]) => `${a} ? ${b} : ${c}`),
    fc.tuple(tie("operand"), tie("operand")).map(([a, b]) => `${a} ?: ${b}`),
  ),
}));

/** Paths the expression reads as values (not only as the object of a longer path). */
function readPaths(node: Node): string[][] {
  const inner = new Set<Node>();
  const all = [...subtrees(node)];
  for (const n of all) if (n.kind === "member") inner.add(n.object);
  const chain = (n: Node): string[] | undefined => (n.kind === "name" ? [n.name] : n.kind === "member" ? chain(n.object)?.concat(n.name) : undefined);
  return all.filter((n) => (n.kind === "member" || n.kind === "name") && !inner.has(n)).map((n) => chain(n)!);
}

/**
 * Bindings as Saviynt gives them: text roots are text (or null), records map attributes to text
 * (or null), documents are JSON objects whose read paths hold scalars. `leaf` draws the values.
 */
function scopeFor(paths: string[][], leaf: (path: string, document: boolean) => Json): Scope | undefined {
  const scope: Record<string, Json> = {};
  const keys = new Set(paths.map((p) => p.join(".")));
  for (const p of keys) for (const q of keys) if (q.startsWith(p + ".")) return undefined; // one path is both a value and a map
  for (const p of paths) {
    const [root, ...rest] = p as [string, ...string[]];
    const shape = ROOT_SHAPES.get(root)!;
    if (shape === "text") {
      scope[root] = leaf(root, false);
      continue;
    }
    let node = (scope[root] ??= {}) as Record<string, Json>;
    rest.forEach((key, i) => {
      if (i === rest.length - 1) node[key] = leaf(p.join("."), shape === "document");
      else node = (node[key] ??= {}) as Record<string, Json>;
    });
  }
  return scope;
}

const text = fc.option(fc.string({ unit: fc.constantFrom("a", "Z", " ", "1", "é"), maxLength: 5 }), { nil: null });
const scalar = fc.oneof(text, fc.integer({ min: -3, max: 3 }), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -5, max: 5 }));

describe("accepted means evaluated", () => {
  fcTest.prop([expression, fc.func(text), fc.func(scalar)], { seed: 0x5e11, numRuns: 1500 })(
    "whatever the checker accepts, the executor evaluates without unsupported",
    (body, textOf, scalarOf) => {
      const problems = checkExpressionText(`\${${body}}`);
      fc.pre(problems.length === 0);
      const parsed = parseExpression(body);
      expect(parsed.ok).toBe(true);
      const node = (parsed as { node: Node }).node;
      const scope = scopeFor(readPaths(node), (p, document) => (document ? scalarOf(p) : textOf(p)));
      fc.pre(scope !== undefined);
      const value = evaluate(node, scope!);
      expect(value.ok || value.kind === "error", `${body} → ${JSON.stringify(value)} with ${JSON.stringify(scope)}`).toBe(true);
      const rendered = renderTemplate(`x \${${body}} y`, scope!);
      expect(rendered.ok || rendered.problem.kind === "error", `${body} → ${JSON.stringify(rendered)}`).toBe(true);
    },
  );

  fcTest.prop([expression, fc.nat(), fc.string({ minLength: 1, maxLength: 2 }), fc.func(text), fc.func(scalar)], { seed: 0x5e12, numRuns: 1500 })(
    "also for near misses: one inserted character",
    (body, at, inserted, textOf, scalarOf) => {
      const i = at % (body.length + 1);
      const mutated = body.slice(0, i) + inserted + body.slice(i);
      const spans = findExpressions(`\${${mutated}}`).spans;
      if (checkExpressionText(`\${${mutated}}`).length > 0 || spans.length !== 1) return;
      const parsed = parseExpression(spans[0]!.body);
      expect(parsed.ok, mutated).toBe(true);
      const node = (parsed as { node: Node }).node;
      const scope = scopeFor(readPaths(node), (p, document) => (document ? scalarOf(p) : textOf(p)));
      if (scope === undefined) return;
      const value = evaluate(node, scope);
      expect(value.ok || value.kind === "error", `${mutated} → ${JSON.stringify(value)}`).toBe(true);
    },
  );
});
