/**
 * Stage 2 — validate: loaded config → typed TenantConfig, or located diagnostics.
 * ajv (schemas/tenant.schema.json) decides structure; its errors are translated into one
 * diagnostic per problem (spectral's convertAjvErrors idea, docs/engineering-notes.md#diagnostics-as-data, #schema-validation). Then the
 * safety rules: plain fields may not carry `${`, `{{`, `}}` or control characters; expression
 * fields must stay inside the allowlist (saviynt/expression/). Defaults are applied last.
 */
import type { ErrorObject } from "ajv";
import { checkExpressionText, type ProblemKind } from "../saviynt/expression/index.js";
import type { PackageMetadata } from "../saviynt/t2p.js";
import { closest, diag, hasErrors, type Code, type Diagnostic } from "../core/diagnostics.js";
import { escapePointer, fromPointer, hasOwn, isObject, pointerSegments, pointerToPath, toPointer, unescapePointer } from "../core/json.js";
import { describeName, describeValue, shouldRedact } from "../saviynt/redaction.js";
import { AGENT_RESPONSE_FIELDS, GROUP_RESPONSE_FIELDS, TEAM_FIELDS_OUTSIDE_V34_SCHEMA, TEAM_RESPONSE_FIELDS } from "./cxone-fields.js";
import { INIT_PLACEHOLDERS } from "./init.js";
import type { Located, LoadResult } from "./load.js";
import { COMPLETE_TENANT_SCHEMA, deref, isExpressionField, isMultilineField, isSecretField, knownKeysAt, schemasAt, tenantSchema, validatorFor, type JsonSchema } from "../core/schemas.js";

export type SecretRef = { env: string } | { file: string };

export interface EntitlementTypeConfig {
  attributes: Record<string, string>;
}

/** One `overrides` operation (RFC 6902 subset), as written. */
export interface OverrideOperation {
  op: "add" | "replace" | "remove";
  path: string;
  value?: unknown;
  note?: string;
}

/** What every connector has. Mirrors schemas/tenant.schema.json. */
interface TenantCommon {
  abstract: boolean;
  connection: { name: string; description: string; authName: string };
  package: PackageMetadata;
  /** Where the tenant's EIC is (plan, deploy, pull); the credentials default to SAVIYNT_USERNAME / SAVIYNT_PASSWORD. */
  eic?: { url?: string; username: SecretRef; password: SecretRef };
  /** Attribute name → operations applied after rendering (tenant/overrides.ts). */
  overrides?: Record<string, OverrideOperation[]>;
}

/** A validated typed CXone tenant (connector: incontact) with every default applied. */
export interface InContactTenant extends TenantCommon {
  connector: "incontact";
  cxone: {
    apiBaseUrl: string;
    auth: {
      tokenUrl: string;
      grant: "password" | "refresh_token";
      clientAuth: "basic" | "body";
      clientId: SecretRef;
      clientSecret: SecretRef;
      accessKeyId?: SecretRef;
      accessKeySecret?: SecretRef;
      refreshToken?: SecretRef;
      retryFailureStatusCodes: number[];
      maxRefreshTryCount: number;
    };
  };
  import: {
    pageSize: number;
    statusColumn: string;
    activeValues: string[];
    accountThreshold: number;
    inactivateAccountsNotInFile: boolean;
    deleteLinks: boolean;
    correlateInactiveAccounts: boolean;
    deleteAccEntForActiveAccounts: boolean;
    accountAttributes: Record<string, string>;
    entitlementTypes: { Teams: EntitlementTypeConfig; Groups?: EntitlementTypeConfig };
  };
  provisioning: {
    agent: Record<string, string>;
    defaults: { teamId: number; profileId: number; timeZone: string; country?: string; city?: string; state?: string };
    removeAccess: { transferTeamId: number };
  };
}

/** A validated generic REST tenant (connector: rest): attribute documents as data (saviynt/rest-data.ts). */
export interface RestTenant extends TenantCommon {
  connector: "rest";
  rest: { attributes: Record<string, unknown> };
}

export type TenantConfig = InContactTenant | RestTenant;

export interface ValidateResult {
  tenant: TenantConfig | undefined;
  diagnostics: Diagnostic[];
}

export function validateTenant(loaded: LoadResult): ValidateResult {
  if (!loaded.value) return { tenant: undefined, diagnostics: [] };
  const value = loaded.value;
  const locate = locator(loaded.locations);
  const diagnostics: Diagnostic[] = [];

  const validate = validatorFor(COMPLETE_TENANT_SCHEMA);
  if (!validate(value)) diagnostics.push(...translateAjvErrors(validate.errors ?? [], value, locate));
  // A value the schema already refused gets no second diagnostic from the string rules.
  const refused = new Set(diagnostics.map((d) => d.path ?? ""));
  diagnostics.push(...checkStrings(value, locate, refused));
  if (diagnostics.some((d) => d.severity === "error")) return { tenant: undefined, diagnostics };

  const tenant = applyDefaults(structuredClone(value), tenantSchema()) as unknown as TenantConfig;
  tenant.abstract = loaded.abstract;
  diagnostics.push(...unknownResponseFields(tenant, locate), ...placeholders(tenant, locate), ...unusedDefaults(tenant, locate));
  if (hasErrors(diagnostics)) return { tenant: undefined, diagnostics };
  return { tenant, diagnostics };
}

/**
 * Where the value at a JSON pointer was written: its key ("key"), its value ("value"), or the
 * character at `offset` of a string value when its text maps 1:1 onto the source (else the value).
 */
export type Locate = (pointer: string, which?: "key" | "value", offset?: number) => { file?: string; line?: number; col?: number };

export function locator(locations: ReadonlyMap<string, Located>): Locate {
  return (pointer, which = "value", offset) => {
    // Fall back to the nearest ancestor that has a position (e.g. a default-filled parent).
    for (let p = pointer; ; p = p.slice(0, Math.max(0, p.lastIndexOf("/")))) {
      const found = locations.get(p);
      if (found) {
        const loc = which === "key" && p === pointer && found.key ? found.key : found.value;
        const shift = offset !== undefined && p === pointer && found.verbatim ? (found.quoted ? 1 : 0) + offset : 0;
        return { file: loc.file, line: loc.line, col: loc.col + shift };
      }
      if (p === "") return {};
    }
  };
}


function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const s of pointerSegments(pointer)) {
    // Own properties only: a key named toString or __proto__ is data, never object machinery.
    if (node === null || typeof node !== "object" || !hasOwn(node, String(s))) return undefined;
    node = (node as Record<string | number, unknown>)[s];
  }
  return node;
}

/** The value at `pointer` was typed in a --set argument (so messages describe it instead of quoting it). */
function typedInSet(locate: Locate, pointer: string, which: "key" | "value" = "value"): boolean {
  return locate(pointer, which).file?.startsWith("--set #") === true;
}

/** JSON Schema type names in the words of a YAML author. */
function typeWords(type: unknown): string {
  const words: Record<string, string> = {
    object: "a mapping",
    array: "a list",
    string: "a string",
    integer: "an integer",
    number: "a number",
    boolean: "true or false",
    null: "null",
  };
  return String(type)
    .split(",")
    .map((t) => words[t] ?? t)
    .join(" or ");
}

/** JSON-quoted, with the characters JSON leaves raw but terminals act on (C1, U+2028/9) escaped too. */
function quote(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A value for a message: quoted when it was written in a tenant file, described (type, length) when typed in --set. */
function describe(value: unknown, typed = false): string {
  if (typed) return describeValue(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${quote(value.length > 60 ? value.slice(0, 57) + "..." : value)}`;
  return `${typeof value} ${String(value)}`;
}

const describeFor = describe;

const KEYWORD_RANK: Record<string, number> = { type: 0, enum: 1, const: 1, format: 2, pattern: 3 };

/** One diagnostic per problem: unknown keys at the key, missing keys at the parent, the rest at the value. @internal */
export function translateAjvErrors(errors: readonly ErrorObject[], value: unknown, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const secretPaths = new Set<string>();
  const valuePaths = new Map<string, ErrorObject>();
  /** `parent\0key` of every key an unknown key's "did you mean" proposes. */
  const suggested = new Set<string>();
  const missingKeys: { pointer: string; key: string }[] = [];
  // A section of the other connector is one problem: nothing inside it is checked further.
  const foreignSections = errors.filter((e) => e.keyword === "false schema").map((e) => e.instancePath);
  /** Allowed keys by parent pointer: a mapping with many unknown keys is looked up once. */
  const allowed = new Map<string, { concrete: string[]; summary: string }>();

  for (const error of errors) {
    const pointer = error.instancePath;
    const segments = pointerSegments(pointer);
    if (foreignSections.some((p) => pointer.startsWith(`${p}/`) || (pointer === p && error.keyword !== "false schema"))) continue;
    // Secret references: report once, as the user sees it, not ajv's oneOf cascade.
    const secretPointer = enclosingSecret(segments);
    if (secretPointer !== undefined) {
      if (secretPaths.has(secretPointer)) continue;
      secretPaths.add(secretPointer);
      out.push(secretDiagnostic(secretPointer, valueAt(value, secretPointer), locate));
      continue;
    }
    if (error.keyword === "additionalProperties" || error.keyword === "propertyNames") {
      const key = String(error.keyword === "additionalProperties" ? error.params.additionalProperty : error.params.propertyName);
      const child = `${pointer}/${escapePointer(key)}`;
      let names = allowed.get(pointer);
      if (!names) allowed.set(pointer, (names = allowedKeys(segments)));
      const hint = nameHint(key, names.concrete);
      if (hint) suggested.add(`${pointer}\u0000${hint}`);
      const help = hint ? ` — did you mean "${hint}"?` : names.summary ? ` (expected ${names.summary})` : "";
      // A key typed in --set may be a secret typed in the wrong place: described, and the path stops at its parent.
      const typed = typedInSet(locate, child, "key");
      out.push(diag("TENANT_UNKNOWN_KEY", `unknown key ${typed ? `(${describeName(key)})` : quote(key)}${help}`, { ...locate(child, "key"), path: pointerToPath(typed ? pointer : child) }));
      continue;
    }
    if (error.keyword === "required") {
      missingKeys.push({ pointer, key: String(error.params.missingProperty) });
      continue;
    }
    if (error.keyword === "uniqueItems") {
      // Report at the later copy: that is the one to delete.
      // ajv: items i and j are equal, j > i.
      const later = `${pointer}/${String(error.params.j)}`;
      const v = valueAt(value, later);
      out.push(
        diag("TENANT_INVALID", `${describe(v, typedInSet(locate, later))} is already in this list (item ${String(error.params.i)}); list items must be unique`, {
          ...locate(later),
          path: pointerToPath(later),
        }),
      );
      continue;
    }
    if (error.keyword === "false schema") {
      // A section of the other connector (the schema's connector if/then/else).
      const connector = isObject(value) && value.connector === "rest" ? "rest" : "incontact";
      const wanted = connector === "rest" ? "its documents go under rest.attributes" : "it uses cxone, import and provisioning";
      out.push(
        diag("TENANT_CONNECTOR_SECTION", `${quote(String(segments[segments.length - 1]))} is not a section of a connector: ${connector} tenant (${wanted})`, {
          ...locate(pointer, "key"),
          path: pointerToPath(pointer),
        }),
      );
      continue;
    }
    // ajv also reports the failed if/then and the propertyNames' inner keyword: the specific errors say it all.
    if (error.keyword === "if" || error.propertyName !== undefined) continue;
    const previous = valuePaths.get(pointer);
    if (!previous || (KEYWORD_RANK[error.keyword] ?? 9) < (KEYWORD_RANK[previous.keyword] ?? 9)) valuePaths.set(pointer, error);
  }

  for (const { pointer, key } of missingKeys) {
    // A misspelt required key is one problem: the unknown key's "did you mean" already says it —
    // also when the key is missing inside the mapping the misspelt key was meant to be.
    if (suggested.has(`${pointer}\u0000${key}`)) continue;
    const slash = pointer.lastIndexOf("/");
    if (slash >= 0 && suggested.has(`${pointer.slice(0, slash)}\u0000${unescapePointer(pointer.slice(slash + 1))}`)) continue;
    const parentPath = pointerToPath(pointer);
    // At the parent's key (`package:`), where the missing key belongs; the document start for top-level keys.
    out.push(diag("TENANT_MISSING_KEY", `missing required key "${key}"${parentPath ? ` in ${parentPath}` : ""}`, { ...locate(pointer, "key"), path: parentPath }));
  }

  for (const [pointer, error] of valuePaths) {
    const v = valueAt(value, pointer);
    const where = { ...locate(pointer), path: pointerToPath(pointer) };
    const [code, message] = valueMessage(error, v, pointerSegments(pointer), typedInSet(locate, pointer));
    out.push(diag(code, message, where));
  }
  return out;
}

/**
 * One diagnostic for a malformed secret reference, saying what is wrong with it. Never quotes
 * the value: a literal in a secret field is probably the secret itself.
 */
function secretDiagnostic(pointer: string, v: unknown, locate: Locate): Diagnostic {
  const where = { ...locate(pointer), path: pointerToPath(pointer) };
  const expected = "write {env: NAME} or {file: path}";
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
    return diag("SECRET_LITERAL", `a literal secret is not allowed here; ${expected}`, where);
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return diag("TENANT_INVALID", `expected a secret reference, got ${v === null ? "nothing" : "a list"}; ${expected}`, where);
  }
  const keys = Object.keys(v);
  const unknown = keys.filter((k) => k !== "env" && k !== "file");
  if (unknown.length > 0) {
    const key = unknown[0]!;
    const child = `${pointer}/${escapePointer(key)}`;
    const hint = closest(key, ["env", "file"]);
    // Not quoted, and located at the reference: a key in a secret field may be the secret itself ({S3CRET}).
    return diag("TENANT_UNKNOWN_KEY", `unknown key (${describeName(key)}) in a secret reference${hint ? ` — did you mean "${hint}"?` : ""}; ${expected}`, {
      ...locate(child, "key"),
      path: pointerToPath(pointer),
    });
  }
  if (keys.length === 0) return diag("TENANT_INVALID", `an empty secret reference; ${expected}`, where);
  if (keys.length > 1) return diag("TENANT_INVALID", "a secret reference names either env or file, not both", where);
  const key = keys[0]!;
  const inner = (v as Record<string, unknown>)[key];
  const child = `${pointer}/${key}`;
  const at = { ...locate(child), path: pointerToPath(child) };
  if (key === "env") {
    return typeof inner === "string"
      ? // Not quoted: a value that is no variable name may be the secret itself, pasted in the wrong place.
        diag("TENANT_PATTERN", "env must name an environment variable (letters, digits and _, not starting with a digit)", at)
      : diag("TENANT_TYPE", `expected an environment variable name, got ${describeValue(inner)}`, at);
  }
  return diag("TENANT_TYPE", `expected a file path (a non-empty string), got ${describeValue(inner)}`, at);
}

/**
 * "Did you mean" for names, except between numbered names (customproperty57 is not a typo of
 * customproperty5: the number is out of range, and the list of allowed names says so).
 */
function nameHint(word: string, candidates: string[]): string | undefined {
  const hint = closest(word, candidates);
  const stem = (s: string) => s.replace(/\d+$/, "");
  return hint && /\d$/.test(word) && /\d$/.test(hint) && stem(word) === stem(hint) ? undefined : hint;
}

/** Keys allowed in the mapping at a path: concrete names (for hints) and a short summary (for messages). */
function allowedKeys(segments: (string | number)[]): { concrete: string[]; summary: string } {
  const concrete = new Set(knownKeysAt(segments));
  const parts = [...concrete];
  for (const schema of schemasAt(segments)) {
    const pattern = schema.propertyNames?.pattern;
    if (!pattern) continue;
    const names = enumeratePattern(pattern);
    if (!names) continue;
    names.concrete.forEach((n) => concrete.add(n));
    parts.push(...names.parts);
  }
  return { concrete: [...concrete], summary: parts.length > 0 && parts.length <= 40 ? `one of ${parts.join(", ")}` : "" };
}

/**
 * The names a pattern of the form `^(a|b|prefix(<digits>))$` accepts, for messages: literal
 * alternatives as they are, `prefix` + number alternatives as a range (`customproperty1..56`).
 * Undefined when the pattern is not such a list.
 */
function enumeratePattern(pattern: string): { concrete: string[]; parts: string[] } | undefined {
  const body = /^\^\((.*)\)\$$/.exec(pattern)?.[1] ?? /^\^(.*)\$$/.exec(pattern)?.[1];
  if (body === undefined) return undefined;
  const alternatives: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of body) {
    if (c === "(") depth++;
    if (c === ")") depth--;
    if (c === "|" && depth === 0) {
      alternatives.push(current);
      current = "";
    } else current += c;
  }
  alternatives.push(current);
  const re = new RegExp(pattern);
  const concrete: string[] = [];
  const parts: string[] = [];
  for (const alt of alternatives) {
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(alt)) {
      concrete.push(alt);
      parts.push(alt);
      continue;
    }
    const prefix = /^([A-Za-z_]+)\(/.exec(alt)?.[1];
    if (!prefix) return undefined;
    const numbers = Array.from({ length: 1000 }, (_, n) => n).filter((n) => re.test(`${prefix}${n}`));
    if (numbers.length === 0) return undefined;
    const lo = numbers[0]!;
    const hi = numbers[numbers.length - 1]!;
    if (hi - lo + 1 !== numbers.length) return undefined;
    numbers.forEach((n) => concrete.push(`${prefix}${n}`));
    parts.push(`${prefix}${lo}..${hi}`);
  }
  return { concrete, parts };
}

function enclosingSecret(segments: (string | number)[]): string | undefined {
  for (let n = segments.length; n > 0; n--) {
    const prefix = segments.slice(0, n);
    if (isSecretField(prefix)) return toPointer(prefix);
  }
  return undefined;
}

/** The value's name for a message: its key, with the index for a list item (`retryFailureStatusCodes[1]`). */
function subject(segments: (string | number)[]): string {
  const last = segments[segments.length - 1];
  if (typeof last !== "number") return String(last ?? "the value");
  return `${String(segments[segments.length - 2] ?? "item")}[${last}]`;
}

function valueMessage(error: ErrorObject, v: unknown, segments: (string | number)[], typed: boolean): [Code, string] {
  const p = error.params as Record<string, unknown>;
  const describe = (value: unknown) => describeFor(value, typed);
  switch (error.keyword) {
    case "type":
      return ["TENANT_TYPE", `expected ${typeWords(p.type)}, got ${describe(v)}`];
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map((a) => JSON.stringify(a));
      const hint = typeof v === "string" ? closest(v, (p.allowedValues as unknown[]).map(String)) : undefined;
      return ["TENANT_ENUM", `${describe(v)} is not allowed; expected one of ${allowed.join(", ")}${hint ? ` — did you mean "${hint}"?` : ""}`];
    }
    case "const":
      return ["TENANT_ENUM", `expected ${JSON.stringify(p.allowedValue)}, got ${describe(v)}`];
    case "format":
      return [
        "TENANT_FORMAT",
        `expected ${p.format === "uri" ? "an absolute URL" : p.format === "date-time" ? "a date-time like 2026-11-02T09:30:00Z" : `a ${String(p.format)} value`}, got ${describe(v)}`,
      ];
    case "pattern": {
      const pattern = String(p.pattern);
      if (pattern.startsWith("^https://")) {
        const expected = pattern.includes("inContactAPI")
          ? "an https:// URL ending in /inContactAPI/services/v<major>.<minor>"
          : "an https:// URL";
        return ["TENANT_FORMAT", `expected ${expected}, got ${describe(v)}`];
      }
      const names = enumeratePattern(pattern);
      if (names && typeof v === "string") {
        const hint = nameHint(v, names.concrete);
        return ["TENANT_PATTERN", `${describe(v)} is not allowed; expected one of ${names.parts.join(", ")}${hint ? ` — did you mean "${hint}"?` : ""}`];
      }
      // The schema's description says in words what the pattern says in regex.
      const description = schemasAt(segments).find((s) => s.description)?.description;
      return ["TENANT_PATTERN", `${describe(v)} does not match ${pattern}${description ? ` (${description.replace(/\.$/, "")})` : ""}`];
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return [
        "TENANT_RANGE",
        `${subject(segments)} must be ${{ ">=": "at least", "<=": "at most", ">": "greater than", "<": "less than" }[String(p.comparison)] ?? String(p.comparison)} ${String(p.limit)}, got ${typed ? describeValue(v) : String(v)}`,
      ];
    case "minLength":
      return ["TENANT_RANGE", `${describe(v)} must have at least ${String(p.limit)} character${p.limit === 1 ? "" : "s"}`];
    case "maxLength":
      return ["TENANT_RANGE", `${describe(v)} must have at most ${String(p.limit)} characters`];
    case "minItems":
      return ["TENANT_RANGE", `the list must have at least ${String(p.limit)} item${p.limit === 1 ? "" : "s"}`];
    case "maxItems":
      return ["TENANT_RANGE", `the list must have at most ${String(p.limit)} items`];
    case "uniqueItems":
      return ["TENANT_INVALID", `the list has duplicate items (positions ${String(p.j)} and ${String(p.i)})`];
    default:
      return ["TENANT_INVALID", `invalid value: ${error.message ?? error.keyword}`];
  }
}

const EXPRESSION_CODES: Record<ProblemKind, Code> = {
  unbalanced: "EXPR_UNBALANCED",
  quote: "EXPR_QUOTE",
  "unknown-root": "EXPR_UNKNOWN_ROOT",
  "unknown-attribute": "EXPR_UNKNOWN_ATTRIBUTE",
  "missing-dollar": "EXPR_MISSING_DOLLAR",
  "not-allowed": "EXPR_NOT_ALLOWED",
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Plain fields are data: refuse anything that could turn into template text or an expression. */
function checkStrings(root: unknown, locate: Locate, refused: ReadonlySet<string> = new Set()): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Every string of every tenant passes here: locations and paths are made only for a problem (issue 15).
  const walk = (node: unknown, segments: (string | number)[], pointer: string) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, [...segments, i], `${pointer}/${i}`));
    if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) {
        const child = [...segments, k];
        // Under a key the schema does not know, TENANT_UNKNOWN_KEY is the one diagnostic.
        if (schemasAt(child).length === 0) continue;
        // Keys of REST data are body text too (Saviynt evaluates ${…} anywhere in a body): check them like values.
        if (isDataSection(segments)) out.push(...checkDataKey(k, child, locate));
        walk(v, child, `${pointer}/${escapePointer(k)}`);
      }
      return;
    }
    if (typeof node !== "string") return;
    if (refused.size > 0 && refused.has(pointerToPath(pointer))) return;
    const secretKeys = dataKeys(root, segments);
    if (secretKeys && shouldRedact(node, secretKeys, { secretDocument: false })) {
      // Never quoted: the value is probably the credential itself.
      out.push(diag("SECRET_LITERAL", "this looks like a literal credential; keep credentials in ConnectionJSON and refer to them with ${access_token} or ${connection.<key>}", { ...locate(pointer), path: pointerToPath(pointer) }));
      return;
    }
    // Diagnostics point at the offending character itself when the value's text maps onto the source.
    const at = (offset: number) => ({ ...locate(pointer, "value", offset), path: pointerToPath(pointer) });
    // REST data (rest.attributes, override values) is document text: every string may span lines and carry bindings.
    const data = isDataSection(segments);
    const control = CONTROL.exec(data || isMultilineField(segments) ? node.replace(/[\n\t]/g, " ") : node);
    if (control) {
      const cp = control[0].charCodeAt(0).toString(16).padStart(4, "0");
      out.push(diag("INJECT_CONTROL", `control character U+${cp.toUpperCase()} at offset ${control.index} is not allowed in tenant values`, at(control.index)));
      return;
    }
    if (segments[0] === "$schema" || segments[0] === "extends") return;
    if (data || isExpressionField(segments)) {
      for (const problem of checkExpressionText(node)) out.push(diag(EXPRESSION_CODES[problem.kind], problem.message, at(problem.offset)));
      return;
    }
    const marker = /\$\{|\{\{|\}\}/.exec(node);
    if (marker) {
      out.push(
        diag(
          "INJECT_TEMPLATE",
          `"${marker[0]}" is not allowed in a plain value: tenant data never becomes a template or a Saviynt expression (only provisioning.agent values take \${…})`,
          at(marker.index),
        ),
      );
    }
  };
  walk(root, [], "");
  return out;
}

/** rest.attributes and overrides hold REST data: Saviynt documents whose every string may carry bindings. */
function isDataSection(segments: readonly (string | number)[]): boolean {
  return (segments[0] === "rest" && segments[1] === "attributes" && segments.length >= 3) || (segments[0] === "overrides" && segments[3] === "value");
}

/** A key inside REST data: no control characters, and any ${…} in it inside the allowlist. */
function checkDataKey(key: string, segments: (string | number)[], locate: Locate): Diagnostic[] {
  const pointer = toPointer(segments);
  const where = { ...locate(pointer, "key"), path: pointerToPath(pointer) };
  if (CONTROL.test(key)) return [diag("INJECT_CONTROL", "a key contains a control character", where)];
  return checkExpressionText(key).map((problem) => diag(EXPRESSION_CODES[problem.kind], `in a key: ${problem.message}`, where));
}

/**
 * The key path a REST-data string sits under inside its Saviynt document (markers dropped; for an
 * override, the pointer's keys first), for the literal-secret rule; undefined outside REST data.
 */
function dataKeys(root: unknown, segments: readonly (string | number)[]): string[] | undefined {
  const keys = (list: readonly (string | number)[]) => list.filter((s): s is string => typeof s === "string" && s !== "$json" && s !== "$binding");
  if (segments[0] === "rest" && segments[1] === "attributes" && segments.length >= 3) return keys(segments.slice(3));
  if (segments[0] === "overrides" && segments[3] === "value") {
    const path = valueAt(root, toPointer([...segments.slice(0, 3), "path"]));
    return [...(typeof path === "string" ? keys(fromPointer(path).filter((s) => !/^\d+$/.test(s))) : []), ...keys(segments.slice(4))];
  }
  return undefined;
}

/** Fills every `default` of the schema where the tenant left the key out. */
function applyDefaults(node: unknown, schema: JsonSchema | undefined): unknown {
  const resolved = deref(schema);
  if (!resolved || node === null || typeof node !== "object" || Array.isArray(node)) return node;
  const props = resolved.properties ?? {};
  const obj = node as Record<string, unknown>;
  for (const [key, sub] of Object.entries(props)) {
    const target = deref(sub);
    if (!(key in obj) && target && "default" in target) obj[key] = structuredClone(target.default);
    if (key in obj) obj[key] = applyDefaults(obj[key], sub);
  }
  return obj;
}


/**
 * The import maps read CXone response fields: a name the v34 response does not have imports
 * nothing and no one notices, so it is refused with the closest field (`firstname` → `firstName`).
 * Only the first segment of a path is checked (`custom1`, `addresses[0].city` → `addresses`).
 */
function unknownResponseFields(tenant: TenantConfig, locate: Locate): Diagnostic[] {
  if (tenant.connector !== "incontact") return [];
  const maps: [string, Record<string, string> | undefined, readonly string[], string][] = [
    ["/import/accountAttributes", tenant.import.accountAttributes, AGENT_RESPONSE_FIELDS, "agent (GET /agents)"],
    ["/import/entitlementTypes/Teams/attributes", tenant.import.entitlementTypes.Teams?.attributes, [...TEAM_RESPONSE_FIELDS, ...TEAM_FIELDS_OUTSIDE_V34_SCHEMA], "team (GET /teams)"],
    ["/import/entitlementTypes/Groups/attributes", tenant.import.entitlementTypes.Groups?.attributes, GROUP_RESPONSE_FIELDS, "group (GET /groups)"],
  ];
  const out: Diagnostic[] = [];
  for (const [base, map, fields, what] of maps) {
    for (const [target, source] of Object.entries(map ?? {})) {
      const head = source.split(/[.[]/, 1)[0]!;
      if (fields.includes(head)) continue;
      const hint = closest(head, fields);
      const pointer = `${base}/${escapePointer(target)}`;
      out.push(
        diag("TENANT_UNKNOWN_FIELD", `"${head}" is not a field of CXone's v34 ${what} response${hint ? ` — did you mean "${hint}"?` : ""}`, {
          ...locate(pointer),
          path: pointerToPath(pointer),
        }),
      );
    }
  }
  return out;
}

/** Values still equal to what `savpkg init` writes (tenant/init.ts INIT_PLACEHOLDERS) are probably unchanged. */
function placeholders(tenant: TenantConfig, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [path, placeholder] of Object.entries(INIT_PLACEHOLDERS)) {
    const pointer = "/" + path.split(".").join("/");
    if (valueAt(tenant, pointer) !== placeholder) continue;
    out.push(diag("TENANT_PLACEHOLDER", `${path} is still init's placeholder ${JSON.stringify(placeholder)}; set this tenant's own value`, { ...locate(pointer), path }));
  }
  return out;
}

/** A default for a field the binding map always sets never reaches CXone: say so (render.ts: the map wins). */
function unusedDefaults(tenant: TenantConfig, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (tenant.connector !== "incontact") return out;
  for (const field of ["country", "city", "state", "timeZone"] as const) {
    if (tenant.provisioning.defaults[field] !== undefined && tenant.provisioning.agent[field] !== undefined) {
      const pointer = `/provisioning/defaults/${field}`;
      out.push(
        diag("TENANT_UNUSED", `provisioning.defaults.${field} is never used: provisioning.agent.${field} always sets ${field}`, {
          ...locate(pointer, "key"),
          path: pointerToPath(pointer),
        }),
      );
    }
  }
  return out;
}
