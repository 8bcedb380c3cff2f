/**
 * Saviynt `${…}` expressions: the bindings Saviynt provides and a checker for the subset savpkg
 * accepts in tenant expression fields. Saviynt evaluates `${…}` as server-side Groovy with JVM
 * access (docs/saviynt-rest-format.md#bindings, #expressions), so the checker is an allowlist: paths from
 * documented roots, literals, comparisons, the null-safe ternary and a few string methods.
 */

/** Binding roots documented for provisioning JSONs (docs/saviynt-rest-format.md#bindings). */
export const BINDING_ROOTS: ReadonlySet<string> = new Set([
  "user",
  "userAccount",
  "account",
  "accountName",
  "password",
  "requestid",
  "response",
  "connection",
  "endpoints",
  "userManager",
  "managerAccount",
  "approvers",
  "arsTasks",
  "task",
  "requestAccessAttributes",
  "reqAttrs",
  "businessJustification",
  "ServiceAccountOwnerMap",
  "access_token",
  "refresh_token",
  "entitlementValue",
  "ticketID",
  "taskIds",
  "allEntitlementsValues",
  "otp",
  "phone",
  "passCode",
  // import-side bindings (docs/saviynt-rest-format.md#import-calls) and pagination context (docs/saviynt-rest-format.md#pagination)
  "id",
  "entitlementID",
  "headers",
]);

/** Identity attributes (`user.*`, docs/saviynt-rest-format.md#bindings), customproperty1..50 added below. */
export const USER_ATTRIBUTES: ReadonlySet<string> = new Set([
  "firstname",
  "lastname",
  "middlename",
  "email",
  "username",
  "systemUserName",
  "displayname",
  "title",
  "phonenumber",
  "country",
  "state",
  "city",
  "street",
  "departmentname",
  "departmentNumber",
  "jobDescription",
  "jobCode",
  "companyname",
  "orgunitid",
  "regioncode",
  "employeeid",
  "employeeclass",
  "statuskey",
  "manager",
  "startdate",
  "enddate",
  "preferedFirstName",
  "secondaryEmail",
  "secondaryPhone",
  "location",
  "userKey",
  ...Array.from({ length: 50 }, (_, i) => `customproperty${i + 1}`),
]);

/** String methods allowed after a path (null-safe formatting, case normalisation). */
const ALLOWED_METHODS: ReadonlySet<string> = new Set(["toLowerCase", "toUpperCase", "trim", "toString", "isEmpty", "substring", "length"]);
const LITERAL_WORDS: ReadonlySet<string> = new Set(["null", "true", "false"]);

export interface ExpressionProblem {
  kind: "unbalanced" | "quote" | "unknown-root" | "unknown-attribute" | "missing-dollar" | "not-allowed";
  message: string;
  /** 0-based offset of the problem inside the checked text. */
  offset: number;
  suggestion?: string;
}

export interface ExpressionSpan {
  /** Offset of `$`. */
  start: number;
  /** Offset just after the closing `}`. */
  end: number;
  /** The text between `${` and `}`. */
  body: string;
}

/**
 * Finds `${…}` spans, honouring single- and double-quoted strings and nested braces inside.
 * Returns the spans and the offset of an unclosed `${` (if any).
 */
export function findExpressions(text: string): { spans: ExpressionSpan[]; unclosedAt?: number } {
  const spans: ExpressionSpan[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf("${", i);
    if (start < 0) break;
    let depth = 1;
    let quote: string | undefined;
    let j = start + 2;
    for (; j < text.length && depth > 0; j++) {
      const c = text[j]!;
      if (quote) {
        if (c === "\\") j++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === "{") depth++;
      else if (c === "}") depth--;
    }
    if (depth > 0) return { spans, unclosedAt: start };
    spans.push({ start, end: j, body: text.slice(start + 2, j - 1) });
    i = j;
  }
  return { spans };
}

const MISSING_DOLLAR = /(^|[^$])\{\s*(user|account|entitlementValue|userAccount|task|requestAccessAttributes|connection)\.[A-Za-z_]/g;

/** Bindings written without `$` (`{account.accountID}`) are sent to the target literally (docs/saviynt-rest-format.md#lint-rules). */
export function findMissingDollar(text: string): number[] {
  const offsets: number[] = [];
  for (const m of text.matchAll(MISSING_DOLLAR)) offsets.push(m.index! + m[1]!.length);
  return offsets;
}

/** Checks a tenant expression field: every `${…}` must be in the allowed subset. */
export function checkExpressionText(text: string, closest: (word: string, candidates: Iterable<string>) => string | undefined): ExpressionProblem[] {
  const problems: ExpressionProblem[] = [];
  const { spans, unclosedAt } = findExpressions(text);
  if (unclosedAt !== undefined) {
    problems.push({ kind: "unbalanced", message: `"\${" is never closed with "}"`, offset: unclosedAt });
  }
  for (const offset of findMissingDollar(text)) {
    // `{{user.x}}` is Handlebars, reported once below, not also as a missing `$`.
    if (text[offset - 1] === "{") continue;
    problems.push({ kind: "missing-dollar", message: `binding without "$" is sent literally; write "\${${text.slice(offset + 1).split("}")[0]?.trim()}}"`, offset });
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
  for (const span of spans) problems.push(...checkBody(span, closest));
  return problems;
}

type Token = { type: "ident" | "number" | "string" | "op" | "punct"; text: string; offset: number };

function tokenize(body: string, base: number): Token[] | ExpressionProblem {
  const tokens: Token[] = [];
  const re = /\s+|([A-Za-z_][A-Za-z0-9_]*)|(\d+(?:\.\d+)?)|('(?:[^'\\]|\\.)*')|(\?\.|\?:|==|!=|<=|>=|&&|\|\||[?:<>!+])|([.()[\],])/y;
  let i = 0;
  while (i < body.length) {
    re.lastIndex = i;
    const m = re.exec(body);
    if (!m) {
      const c = body[i]!;
      if (c === '"' || c === "\\") return { kind: "quote", message: `a double quote or backslash inside \${…} breaks the JSON body; use single quotes`, offset: base + i };
      return { kind: "not-allowed", message: `"${c}" is not allowed inside \${…} (only paths, literals, ==, !=, ?:, ?. and string methods)`, offset: base + i };
    }
    const offset = base + i;
    if (m[1]) tokens.push({ type: "ident", text: m[1], offset });
    else if (m[2]) tokens.push({ type: "number", text: m[2], offset });
    else if (m[3]) {
      // A string literal's text reaches the request body: Saviynt inserts an expression's result
      // without JSON escaping (docs/saviynt-rest-format.md#expressions), so `"` and `\` break the body, and braces may end the expression early.
      const bad = /["\\{}]/.exec(m[3]);
      if (bad) {
        const at = offset + bad.index;
        return bad[0] === '"' || bad[0] === "\\"
          ? { kind: "quote", message: `a double quote or backslash inside \${…} breaks the JSON body, also inside a '…' string`, offset: at }
          : { kind: "not-allowed", message: `"${bad[0]}" inside a '…' string in \${…} is not allowed (Saviynt may end the expression there)`, offset: at };
      }
      tokens.push({ type: "string", text: m[3], offset });
    } else if (m[4]) tokens.push({ type: "op", text: m[4], offset });
    else if (m[5]) tokens.push({ type: "punct", text: m[5], offset });
    i = re.lastIndex;
  }
  return tokens;
}

function checkBody(span: ExpressionSpan, closest: (word: string, candidates: Iterable<string>) => string | undefined): ExpressionProblem[] {
  const base = span.start + 2;
  if (span.body.trim() === "") return [{ kind: "not-allowed", message: "empty ${}", offset: span.start }];
  const tokens = tokenize(span.body, base);
  if (!Array.isArray(tokens)) return [tokens];
  const problems: ExpressionProblem[] = [];
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const prev = tokens[k - 1];
    if (t.text === "(" || t.text === "[") depth++;
    if (t.text === ")" || t.text === "]") depth--;
    if (depth < 0) return [{ kind: "unbalanced", message: `unbalanced "${t.text}"`, offset: t.offset }];
    if (t.type !== "ident") continue;
    const afterDot = prev && (prev.text === "." || prev.text === "?.");
    if (afterDot) {
      const next = tokens[k + 1];
      if (next?.text === "(" && !ALLOWED_METHODS.has(t.text)) {
        problems.push({ kind: "not-allowed", message: `method "${t.text}()" is not allowed (allowed: ${[...ALLOWED_METHODS].join(", ")})`, offset: t.offset });
      }
      // user.<attr>: the attribute must exist (case matters: user.firstName is not user.firstname).
      const root = tokens[k - 2];
      const beforeRoot = tokens[k - 3];
      const rootIsPathStart = root?.type === "ident" && !(beforeRoot && (beforeRoot.text === "." || beforeRoot.text === "?."));
      if (rootIsPathStart && root.text === "user" && next?.text !== "(" && !USER_ATTRIBUTES.has(t.text)) {
        const suggestion = closest(t.text, USER_ATTRIBUTES);
        problems.push({
          kind: "unknown-attribute",
          message: `user.${t.text} is not an identity attribute${suggestion ? ` — did you mean "user.${suggestion}"?` : ""}`,
          offset: t.offset,
          ...(suggestion ? { suggestion: `user.${suggestion}` } : {}),
        });
      }
      continue;
    }
    if (LITERAL_WORDS.has(t.text)) continue;
    if (t.text === "new" || t.text === "def" || t.text === "class") {
      // Everything after it is the construct itself (a class name, a closure): one diagnostic, not one per token.
      return [
        ...problems,
        { kind: "not-allowed", message: `"${t.text}" is not allowed inside \${…}: Saviynt runs it as Groovy code on its server`, offset: t.offset },
      ];
    }
    if (!BINDING_ROOTS.has(t.text)) {
      const suggestion = closest(t.text, BINDING_ROOTS);
      problems.push({
        kind: "unknown-root",
        message: `"${t.text}" is not a Saviynt binding${suggestion ? ` — did you mean "${suggestion}"?` : ""}`,
        offset: t.offset,
        ...(suggestion ? { suggestion } : {}),
      });
    }
  }
  if (depth !== 0) problems.push({ kind: "unbalanced", message: "parentheses do not balance", offset: span.start });
  return problems;
}
