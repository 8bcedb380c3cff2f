/**
 * The executor's `${…}` evaluator (src/executor/expression.ts): the documented Groovy subset,
 * Groovy's null and truth rules, raw substitution into text, and `unsupported` for everything
 * else — table-driven, plus a property: no input makes the parser or evaluator throw.
 */
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import {
  arrayPaths,
  evaluate,
  evaluateTemplateValue,
  findSpans,
  parseExpression,
  renderTemplate,
  resolvePath,
  unsupportedIn,
  type Json,
  type Scope,
} from "../src/executor/expression.js";
import { scanDocuments } from "../src/executor/index.js";

const scope: Scope = {
  user: { firstname: "Ada", middlename: null, lastname: "Lovelace", email: "Ada.L@example.com", customproperty5: "", city: " Denver " },
  account: { accountID: "5001", name: "ada@example.com" },
  entitlementValue: { entitlementID: "1201", entitlement_value: "Customer Care" },
  access_token: "Bearer abc",
  response: {
    call1: { message: { agentResults: [{ agentId: 5026, success: true }], errorCount: 0 }, statusCode: 200 },
    completeResponseMap: { _links: { next: "https://x/agents?skip=10", previous: null }, totalRecords: 25, "@odata.nextLink": "https://x/next" },
  },
  list: [1, 2, 3],
  n: 0,
};

function run(expression: string, s: Scope = scope) {
  const parsed = parseExpression(expression);
  if (!parsed.ok) return { unsupported: parsed.construct };
  const r = evaluate(parsed.node, s);
  return r.ok ? { value: r.value } : r.kind === "error" ? { error: r.message } : { unsupported: r.message };
}

describe("supported expressions", () => {
  const cases: Array<[string, Json]> = [
    ["user.firstname", "Ada"],
    ["account.accountID", "5001"],
    ["entitlementValue.entitlement_value", "Customer Care"],
    ["access_token", "Bearer abc"],
    ["user.nosuchattribute", null],
    ["user.middlename", null],
    ["user?.middlename", null],
    ["user.middlename==null?'':user.middlename", ""],
    ["user.firstname==null?'':user.firstname", "Ada"],
    ["user.middlename ?: 'none'", "none"],
    ["user.customproperty5 ?: 'empty is false'", "empty is false"],
    ["user.firstname ?: 'x'", "Ada"],
    ["user.middlename?.toUpperCase()", null],
    ["user.firstname != null && user.lastname != null", true],
    ["user.middlename != null || user.firstname == 'Ada'", true],
    ["!user.middlename", true],
    ["!(user.firstname == 'Ada')", false],
    ["n == 0", true],
    ["n ? 'yes' : 'no'", "no"],
    ["1 == 1.0", true],
    ["'1' == 1", false],
    ["null == null", true],
    ["user.firstname + ' ' + user.lastname", "Ada Lovelace"],
    ["'id-' + account.accountID", "id-5001"],
    ["1 + 2", 3],
    ["'n=' + n", "n=0"],
    ["user.middlename + 'x'", "nullx"],
    ["user.email.toLowerCase()", "ada.l@example.com"],
    ["user.email.toUpperCase()", "ADA.L@EXAMPLE.COM"],
    ["user.city.trim()", "Denver"],
    ["user.firstname.length()", 3],
    ["user.firstname.size()", 3],
    ["user.firstname.substring(1)", "da"],
    ["user.firstname.substring(0, 2)", "Ad"],
    ["user.email.contains('@')", true],
    ["user.email.startsWith('Ada')", true],
    ["user.email.endsWith('.com')", true],
    ["user.email.replace('.', '_')", "Ada_L@example_com"],
    ["user.firstname.equals('Ada')", true],
    ["user.firstname.equalsIgnoreCase('ADA')", true],
    ["user.customproperty5.isEmpty()", true],
    ["user.middlename.toString()", "null"],
    ["account.accountID.toString()", "5001"],
    ["n.toString()", "0"],
    ["list[0]", 1],
    ["list[-1]", 3],
    ["list[9]", null],
    ["list.size()", 3],
    ["list.contains(2)", true],
    ["list.get(1)", 2],
    ["response.call1.message.agentResults[0].agentId", 5026],
    ["response.call1.message['errorCount']", 0],
    ["response.completeResponseMap._links.next", "https://x/agents?skip=10"],
    ["response?.completeResponseMap?._links?.previous ?: null", null],
    ["response?.completeResponseMap?.get('@odata.nextLink')", "https://x/next"],
    ["response.completeResponseMap.containsKey('totalRecords')", true],
    ["response.completeResponseMap.totalRecords > 20", true],
    ["response.completeResponseMap.totalRecords <= 20", false],
    ["'b' > 'a'", true],
    ['"double quoted"', "double quoted"],
    ["'it\\'s'", "it's"],
    ["(user.middlename == null) ? (user.firstname) : (user.middlename)", "Ada"],
    ["user.middlename == null ? 'a' : user.lastname == null ? 'b' : 'c'", "a"],
    // Own properties only: JavaScript internals are just missing keys.
    ["user.__proto__", null],
    ["user.constructor", null],
    ["user['hasOwnProperty']", null],
  ];
  test.each(cases)("${%s} = %j", (expression, expected) => {
    expect(run(expression)).toEqual({ value: expected });
  });
});

describe("Groovy errors (the call fails, nothing is guessed)", () => {
  const cases: Array<[string, RegExp]> = [
    ["user.middlename.length()", /NullPointerException: cannot call length\(\) on null/],
    ["response.completeResponseMap._links.previous.href", /NullPointerException: cannot get property "href" on null/],
    ["nosuchroot.x", /no binding "nosuchroot"/],
    ["requestAccessAttributes.region", /no binding "requestAccessAttributes"/],
    ["user.firstname.substring(5)", /StringIndexOutOfBoundsException/],
    ["list.get(7)", /IndexOutOfBoundsException/],
    ["user.middlename[0]", /cannot index null/],
  ];
  test.each(cases)("${%s}", (expression, message) => {
    const r = run(expression);
    expect(r).toHaveProperty("error");
    expect((r as { error: string }).error).toMatch(message);
  });
});

describe("constructs outside the subset are reported as unsupported", () => {
  const cases: Array<[string, RegExp]> = [
    ["new java.text.SimpleDateFormat('yyyy').format(new Date())", /keyword "new"/],
    ["def x = 1", /keyword "def"/],
    ["user.firstname = 'x'", /an assignment "="/],
    ["a; b", /a statement separator ";"/],
    ["user.roles.collect { it.name }", /a closure or block/],
    ["list.each { println it }", /a closure or block/],
    ["x -> x", /a closure arrow "->"/],
    ["account.accountID as Integer", /keyword "as"/],
    ["'a' in list", /keyword "in"/],
    ["2 - 1", /the operator "-" \(subtraction\)/],
    ["-user.firstname", /only negative numbers/],
    ["2 * 3", /arithmetic other than \+/],
    ["6 / 3", /arithmetic other than \+/],
    ["list*.name", /a spread "\*\."/],
    ["a =~ /x/", /regex operator/],
    ["user.@firstname", /annotation or field access/],
    ["[1, 2]", /list or map literal/],
    ["[a: 1]", /list or map literal/],
    ["Math.max(1, 2)", /method max\(\)/],
    ["user.firstname.split(',')", /method split\(\)/],
    ["user.firstname.execute()", /method execute\(\)/],
    ["println('x')", /function call println\(\)/],
    ['"${user.firstname}"', /GString interpolation/],
    ["this.class", /keyword "this"/],
    ["if (a) b", /keyword "if"/],
    ["list.name", /property "name" of a list/],
    ["user.firstname.bytes", /property "bytes" of a string/],
    ["user.firstname + list", /adding a list/],
    ["list < 3", /comparing a list/],
    ["user.firstname.substring('a')", /substring\(\) with a string/],
    ["", /empty expression/],
    ["user.", /path ending in "\."/],
    ["(user.firstname", /missing "\)"/],
    ["user.firstname user.lastname", /after a complete expression/],
  ];
  test.each(cases)("${%s}", (expression, message) => {
    const r = run(expression);
    expect(r).toHaveProperty("unsupported");
    expect((r as { unsupported: string }).unsupported).toMatch(message);
  });
});

describe("templates: raw substitution as Saviynt does", () => {
  test("bindings are substituted without JSON escaping; an unquoted binding makes a JSON number", () => {
    const body = '{"agents":[{"agentId": ${account.accountID}, "firstName":"${user.firstname}"}]}';
    const r = renderTemplate(body, scope);
    expect(r).toEqual({ ok: true, text: '{"agents":[{"agentId": 5001, "firstName":"Ada"}]}', notes: [] });
  });

  test("a null binding becomes the text null (Groovy GString) and is noted", () => {
    const r = renderTemplate('{"middleName":"${user.middlename}"}', scope);
    expect(r).toEqual({ ok: true, text: '{"middleName":"null"}', notes: ['${user.middlename} is null and was sent as the text "null"'] });
  });

  test("the null-safe idiom sends an empty string", () => {
    expect(renderTemplate('"${user.middlename==null?\'\':user.middlename}"', scope)).toEqual({ ok: true, text: '""', notes: [] });
  });

  test("a quote inside a value is not escaped (the body breaks, exactly as in Saviynt)", () => {
    const r = renderTemplate('{"n":"${user.firstname}"}', { user: { firstname: 'A"B' } });
    expect(r.ok && r.text).toBe('{"n":"A"B"}');
  });

  test("a whole URL can be a ternary", () => {
    const r = renderTemplate("${account.accountID == null ? 'https://h/agents' : 'https://h/agents/' + account.accountID}", scope);
    expect(r.ok && r.text).toBe("https://h/agents/5001");
  });

  test("unsupported and failing expressions name the expression", () => {
    expect(renderTemplate("x ${new Date()} y", scope)).toEqual({ ok: false, problem: { kind: "unsupported", expression: "${new Date()}", message: 'the keyword "new"' } });
    const failed = renderTemplate("${user.middlename.trim()}", scope);
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.problem.kind).toBe("error");
    expect(renderTemplate("${user.firstname", scope)).toMatchObject({ ok: false, problem: { kind: "unsupported", message: '"${" is never closed' } });
    expect(renderTemplate("${list}", scope)).toMatchObject({ ok: false, problem: { kind: "unsupported", message: "the value is a list (its text form is Groovy-specific)" } });
  });

  test("spans honour quotes and nested braces", () => {
    expect(findSpans("a ${x == '}' ? 'a' : 'b'} b ${y}").spans.map((s) => s.body)).toEqual(["x == '}' ? 'a' : 'b'", "y"]);
    expect(findSpans("${x").unclosedAt).toBe(0);
  });
});

describe("nextUrlPath evaluation", () => {
  const page = (body: Json) => ({ response: { completeResponseMap: body, objectList: [] }, headers: {} });
  const ours = "${response?.completeResponseMap?._links?.next ?: null}";
  const official = "${response?.completeResponseMap?._links.next==null?null:response.completeResponseMap._links.next}";

  test.each([
    [ours, { _links: { next: "https://sim/agents?skip=10" } }, "https://sim/agents?skip=10"],
    [ours, { _links: { next: null } }, null],
    [ours, { _links: { next: "" } }, null],
    [ours, { _links: {} }, null],
    [ours, {}, null],
    [ours, null, null],
    [official, { _links: { next: "https://sim/agents?skip=10" } }, "https://sim/agents?skip=10"],
    [official, { _links: { next: null } }, null],
  ])("%s on %j → %j", (expression, body, expected) => {
    expect(evaluateTemplateValue(expression, page(body))).toEqual({ ok: true, value: expected });
  });

  test("the official expression dereferences _links without ?. : a body without _links is a NullPointerException", () => {
    const r = evaluateTemplateValue(official, page({}));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem.message).toMatch(/NullPointerException: cannot get property "next" on null/);
  });

  test("a template with text around the expression evaluates to text", () => {
    expect(evaluateTemplateValue("https://h/a?page=${response.completeResponseMap.page}", page({ page: 2 }))).toEqual({ ok: true, value: "https://h/a?page=2" });
  });
});

describe("plain paths (listField, colsToPropsMap, accountIdPath)", () => {
  const body: Json = { teams: [{ teamId: 1201, agents: [{ agentId: 5001 }, { agentId: 5002 }] }], "odata.count": 3, a: { "b.c": { d: "x" } } };
  test.each([
    ["teams[0].agents", [{ agentId: 5001 }, { agentId: 5002 }]],
    ["teams[0].agents[-1].agentId", 5002],
    ["teams[0].teamId", 1201],
    ["odata~dot#count", 3],
    ["a.b~dot#c.d", "x"],
    ["", body],
  ] as Array<[string, Json]>)("%s", (path, expected) => {
    expect(resolvePath(body, path)).toEqual({ found: true, value: expected });
  });
  test.each([
    ["agents", "agents"],
    ["teams[3].agents", "teams[3]"],
    ["teams[0].nope", "teams[0].nope"],
    ["teams.agents", "teams.agents"],
  ])("%s is not found (at %s)", (path, at) => {
    expect(resolvePath(body, path)).toEqual({ found: false, at });
  });
  test("arrayPaths says where records are", () => {
    expect(arrayPaths(body)).toEqual(["teams", "teams[0].agents"]);
  });
});

describe("static scan", () => {
  test("unsupportedIn lists every construct outside the subset, and only those", () => {
    expect(unsupportedIn('{"a":"${user.firstname}","b":"${new Date().format(\'yyyy\')}","c":"${account.accountID as int}"}').map((p) => p.expression)).toEqual([
      "${new Date().format('yyyy')}",
      "${account.accountID as int}",
    ]);
    expect(unsupportedIn("${user.middlename==null?'':user.middlename}")).toEqual([]);
  });

  test("scanDocuments names the attribute and JSON path", () => {
    const found = scanDocuments({
      CreateAccountJSON: { call: [{ name: "call1", url: "https://h/${user.firstname}", httpParams: '{"d":"${for (x in y) {}}"}' }] },
      ImportAccountEntJSON: { accountParams: { call: { call1: { http: { url: "https://h/a" } } } } },
    });
    expect(found).toEqual([{ kind: "unsupported", expression: "${for (x in y) {}}", message: 'the keyword "for"', where: "CreateAccountJSON.call[0].httpParams" }]);
  });
});

describe("robustness", () => {
  fcTest.prop([fc.string({ maxLength: 80 })], { seed: 20260115, numRuns: 400 })("parsing and evaluating any text never throws", (text) => {
    const parsed = parseExpression(text);
    if (parsed.ok) {
      const r = evaluate(parsed.node, scope);
      expect(typeof r.ok).toBe("boolean");
    } else expect(parsed.construct.length).toBeGreaterThan(0);
    const rendered = renderTemplate(text, scope);
    expect(typeof rendered.ok).toBe("boolean");
  });

  fcTest.prop([fc.string({ maxLength: 40 }).filter((s) => !s.includes("${"))], { seed: 7, numRuns: 200 })("text without ${ is sent unchanged", (text) => {
    expect(renderTemplate(text, scope)).toEqual({ ok: true, text, notes: [] });
  });

  fcTest.prop([fc.string({ maxLength: 30 }).filter((s) => !/['\\]/.test(s)), fc.jsonValue()], { seed: 11, numRuns: 200 })("a path reads the value a record holds", (key, value) => {
    const v = value as Json;
    const r = run(`m['${key}']`, { m: { [key]: v } });
    expect(r).toEqual({ value: v === undefined ? null : v });
  });
});
