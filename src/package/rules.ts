/**
 * Stage 4 — check: attribute documents → diagnostics. The same rules run on documents savpkg
 * rendered and on documents read from any package (`savpkg lint`), so they only look at the
 * Saviynt JSON itself. Rules implement the defect classes of docs/saviynt-rest-format.md#lint-rules and
 * the validator checklist docs/saviynt-rest-format.md#lint-rules; each document is also checked against its schema in schemas/saviynt/.
 */
import { checkExpressions, findExpressions, findMissingDollar, replaceExpressions } from "../saviynt/expression/index.js";
import { closest, diag, type Code, type Diagnostic } from "../core/diagnostics.js";
import { validatorFor } from "../core/schemas.js";
import { hasOwn } from "../core/json.js";
import { SAVIYNT_HTTP_METHODS } from "../saviynt/http-methods.js";
import { SECRET_ATTRIBUTES } from "../saviynt/t2p.js";
import { isObject, pointerSegments } from "../core/json.js";

/** Which schema each attribute document is checked against. */
export const ATTRIBUTE_SCHEMAS: Readonly<Record<string, string>> = {
  ConnectionJSON: "saviynt/connection-json.schema.json",
  ImportAccountEntJSON: "saviynt/import-account-ent-json.schema.json",
  CreateAccountJSON: "saviynt/provisioning-json.schema.json",
  UpdateAccountJSON: "saviynt/provisioning-json.schema.json",
  EnableAccountJSON: "saviynt/provisioning-json.schema.json",
  DisableAccountJSON: "saviynt/provisioning-json.schema.json",
  AddAccessJSON: "saviynt/provisioning-json.schema.json",
  RemoveAccessJSON: "saviynt/provisioning-json.schema.json",
  RemoveAccountJSON: "saviynt/provisioning-json.schema.json",
  ChangePassJSON: "saviynt/provisioning-json.schema.json",
};

const PROVISIONING = new Set(["CreateAccountJSON", "UpdateAccountJSON", "EnableAccountJSON", "DisableAccountJSON", "AddAccessJSON", "RemoveAccessJSON", "RemoveAccountJSON", "ChangePassJSON"]);
const TYPE_SUFFIXES = new Set(["char", "bool", "date", "epochdate", "int", "listAsString", "boolListInverse"]);
const PAGINATION_KINDS = new Set(["nextUrl", "page", "offset"]);

export interface CheckOptions {
  /** Reported as the diagnostics' file (tenant file or zip). */
  file?: string;
  /** Validate against schemas/saviynt/ (on by default). */
  schemas?: boolean;
}

/** Parsed attribute documents by attribute name (absent or undefined = not present/empty). */
export type AttributeDocuments = Readonly<Record<string, unknown>>;

export function checkAttributes(documents: AttributeDocuments, options: CheckOptions = {}): Diagnostic[] {
  const out: Diagnostic[] = [];
  const where = (attribute: string, path: (string | number)[]) => ({
    ...(options.file !== undefined ? { file: options.file } : {}),
    path: formatPath(attribute, path),
  });
  const report = (code: Code, message: string, attribute: string, path: (string | number)[], severity?: Diagnostic["severity"]) =>
    out.push(diag(code, message, { ...where(attribute, path), ...(severity ? { severity } : {}) }));

  const schemaProblems: Diagnostic[] = [];
  for (const [attribute, document] of Object.entries(documents)) {
    if (document === undefined || document === null || document === "") continue;
    // Own keys only: an attribute named toString must not find Object.prototype.toString here.
    const schema = hasOwn(ATTRIBUTE_SCHEMAS, attribute) ? ATTRIBUTE_SCHEMAS[attribute] : undefined;
    if (schema && options.schemas !== false) {
      const validate = validatorFor(schema);
      if (!validate(document)) {
        for (const error of onePerPath(validate.errors ?? [])) {
          const path = pointerSegments(error.instancePath);
          const detail = error.keyword === "additionalProperties" ? `unknown key "${String(error.params.additionalProperty)}"` : error.message ?? error.keyword;
          schemaProblems.push(diag("PKG_SCHEMA", `${attribute} does not match ${schema}: ${detail}`, where(attribute, path)));
        }
      }
    }
    walk(document, [], (value, path, parent) => checkNode(attribute, value, path, parent, report));
    if (attribute === "ImportAccountEntJSON") checkImport(document, report);
    if (PROVISIONING.has(attribute)) checkProvisioning(attribute, document, report);
  }
  checkCrossReferences(documents, report);
  // A specific rule explains a problem better than the schema: keep schema findings only where no
  // rule reported at, above or below the same path.
  const related = (a: string, b: string) => a === b || a.startsWith(b + ".") || a.startsWith(b + "[") || b.startsWith(a + ".") || b.startsWith(a + "[");
  for (const problem of schemaProblems) if (!out.some((d) => related(d.path ?? "", problem.path ?? ""))) out.push(problem);
  return out;
}

type Report = (code: Code, message: string, attribute: string, path: (string | number)[], severity?: Diagnostic["severity"]) => void;

function formatPath(attribute: string, path: (string | number)[]): string {
  return attribute + path.map((p) => (typeof p === "number" ? `[${p}]` : /^[A-Za-z_$][\w$]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join("");
}

/** One schema finding per JSON path (ajv reports a cascade: propertyNames + minLength, oneOf + branches). */
function onePerPath<T extends { instancePath: string; keyword: string }>(errors: readonly T[]): T[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (seen.has(e.instancePath) || e.keyword === "if" || e.keyword === "oneOf" || e.keyword === "anyOf") return false;
    seen.add(e.instancePath);
    return true;
  });
}

type Visitor = (value: unknown, path: (string | number)[], parent: unknown) => void;

function walk(value: unknown, path: (string | number)[], visit: Visitor, parent?: unknown): void {
  visit(value, path, parent);
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i], visit, value));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, [...path, k], visit, value);
}


/** Rules that look at one node wherever it sits. */
function checkNode(attribute: string, value: unknown, path: (string | number)[], parent: unknown, report: Report): void {
  const key = path[path.length - 1];
  if (typeof value === "string") {
    checkBindings(attribute, value, path, report);
    if (key === "url") checkUrl(attribute, value, path, report);
    if (key === "httpMethod" && !value.startsWith("${")) {
      if (!SAVIYNT_HTTP_METHODS.has(value)) {
        const upper = value.toUpperCase();
        report("PKG_METHOD", SAVIYNT_HTTP_METHODS.has(upper) ? `httpMethod "${value}" must be upper-case "${upper}"` : `httpMethod "${value}" is not one of ${[...SAVIYNT_HTTP_METHODS].join(", ")}`, attribute, path);
      }
    }
    if (key === "httpParams") checkHttpParams(attribute, value, path, parent, report);
    if (key === "totalCountPath" && /^\d+$/.test(value)) report("PKG_TOTALCOUNT_LITERAL", `totalCountPath "${value}" is a number, not a response path (completeResponseMap.<path>)`, attribute, path);
  }
  if (typeof value === "number" && key === "totalCountPath") report("PKG_TOTALCOUNT_LITERAL", `totalCountPath ${value} is a number, not a response path`, attribute, path);
  // ConnectionJSON's token call documents both forms (docs/saviynt-rest-format.md#auth-block); call items take a string (docs/saviynt-rest-format.md#provisioning).
  if (key === "httpParams" && isObject(value) && !SECRET_ATTRIBUTES.has(attribute)) {
    report("PKG_HTTPPARAMS_NOT_STRING", "httpParams is an object; Saviynt expects the body as a JSON string", attribute, path);
  }
  if (key === "httpHeaders" && isObject(value) && "" in value) report("PKG_EMPTY_HEADER", "a header has an empty name", attribute, [...path, ""]);
  if (key === "colsToPropsMap" && isObject(value)) checkColsToProps(attribute, value, path, report);
  if (isObject(value)) checkPaginationPlacement(attribute, value, path, report);
  if (key === "SuccessResponses") report("PKG_SUCCESS_RESPONSES", `"SuccessResponses" is miscased; the key is "successResponses"`, attribute, path);
}

function checkUrl(attribute: string, url: string, path: (string | number)[], report: Report): void {
  if (url !== url.trim()) report("PKG_URL_WHITESPACE", `url has leading or trailing whitespace: ${JSON.stringify(url)}`, attribute, path);
  const trimmed = url.trim();
  // A whole-URL Groovy expression (ternaries, docs/saviynt-rest-format.md#provisioning) or a ${connection.baseUrl} prefix is resolved by Saviynt.
  if (trimmed.startsWith("${")) return;
  if (!/^https?:\/\/[^/\s]+/i.test(trimmed)) report("PKG_URL_RELATIVE", `url "${trimmed}" has no scheme and host; Saviynt has no base URL to resolve it against`, attribute, path);
}

/** httpParams must be valid JSON after each ${…} is replaced by a dummy value (docs/saviynt-rest-format.md#lint-rules). */
function checkHttpParams(attribute: string, text: string, path: (string | number)[], parent: unknown, report: Report): void {
  const contentType = isObject(parent) && typeof parent.httpContentType === "string" ? parent.httpContentType : "application/json";
  if (!/json|x-www-form-urlencoded/i.test(contentType) && !text.trim().startsWith("{")) return;
  if (text.trim() === "") return;
  const replaced = replaceExpressions(text, () => "0");
  if (replaced === undefined) {
    report("PKG_HTTPPARAMS_INVALID", `httpParams has an unclosed "\${" at offset ${findExpressions(text).unclosedAt}`, attribute, path);
    return;
  }
  try {
    JSON.parse(replaced);
  } catch (error) {
    report("PKG_HTTPPARAMS_INVALID", `httpParams is not valid JSON after substituting bindings: ${(error as Error).message}`, attribute, path);
  }
}

function checkBindings(attribute: string, text: string, path: (string | number)[], report: Report): void {
  for (const offset of findMissingDollar(text)) {
    const snippet = text.slice(offset, offset + 40).split("}")[0];
    report("PKG_BINDING_MISSING_DOLLAR", `"${snippet}}" has no "$" and is sent literally`, attribute, path);
  }
  // The allowlist of the tenant checker (saviynt/expression): a typo in a binding is a warning,
  // any other construct is Groovy code Saviynt would run on its server.
  for (const problem of checkExpressions(text)) {
    const unknown = problem.kind === "unknown-root" || problem.kind === "unknown-attribute";
    report(unknown ? "PKG_BINDING_UNKNOWN" : "PKG_EXPRESSION_NOT_ALLOWED", `${problem.message} (at offset ${problem.offset} of the value)`, attribute, path);
  }
}

function checkColsToProps(attribute: string, map: Record<string, unknown>, path: (string | number)[], report: Report): void {
  for (const [target, value] of Object.entries(map)) {
    const at = [...path, target];
    if (/^[A-Z_0-9]+$/.test(target) && /[A-Z]/.test(target)) report("PKG_TARGET_CASE", `target "${target}" is upper-case; Saviynt attribute names are "${target.toLowerCase()}"`, attribute, at);
    if (typeof value !== "string") {
      report("PKG_TYPE_SUFFIX", `mapping of "${target}" must be a string "path~#~type"`, attribute, at);
      continue;
    }
    const parts = value.split("~#~");
    if (parts.length !== 2) {
      report("PKG_TYPE_SUFFIX", `"${value}" must contain exactly one "~#~" (path~#~type)`, attribute, at);
      continue;
    }
    const type = parts[1]!;
    if (type !== type.trim()) report("PKG_TYPE_SUFFIX", `type suffix ${JSON.stringify(type)} has whitespace`, attribute, at);
    else if (!TYPE_SUFFIXES.has(type)) report("PKG_TYPE_SUFFIX", `unknown type "${type}" (known: ${[...TYPE_SUFFIXES].join(", ")})`, attribute, at, "warning");
  }
}

/** `pagination` belongs directly in a call; page/offset/nextUrl only inside it (docs/saviynt-rest-format.md#pagination, #lint-rules). */
function checkPaginationPlacement(attribute: string, node: Record<string, unknown>, path: (string | number)[], report: Report): void {
  const isCall = path.length >= 2 && path[path.length - 2] === "call";
  if ("pagination" in node && !isCall) {
    report("PKG_PAGINATION_PLACEMENT", "pagination must sit inside a call (call.<name>.pagination)", attribute, [...path, "pagination"]);
  }
  if (path[path.length - 1] === "pagination") return;
  for (const kind of PAGINATION_KINDS) {
    if (isObject(node[kind])) report("PKG_PAGINATION_PLACEMENT", `"${kind}" must be inside the "pagination" of a call`, attribute, [...path, kind]);
  }
}

function checkImport(document: unknown, report: Report): void {
  if (!isObject(document)) return;
  const accountParams = document.accountParams;
  if (!isObject(accountParams)) return;
  const config = accountParams.statusAndThresholdConfig;
  if (isObject(config)) {
    const at = ["accountParams", "statusAndThresholdConfig"];
    if (!("activeStatus" in config) && ("active" in config || "status" in config)) {
      report("PKG_ACTIVE_STATUS_KEY", `active values are under "${"active" in config ? "active" : "status"}"; Saviynt reads "activeStatus"`, "ImportAccountEntJSON", at);
    }
    const active = config.activeStatus;
    if (Array.isArray(active) && active.some((v) => typeof v !== "string")) {
      report("PKG_ACTIVE_STATUS_MIXED", "activeStatus mixes strings with other types; use strings only", "ImportAccountEntJSON", [...at, "activeStatus"]);
    }
    const column = config.statusColumn;
    if (typeof column === "string") {
      const calls = isObject(accountParams.call) ? Object.values(accountParams.call) : [];
      const mapped = calls.some((c) => isObject(c) && isObject(c.colsToPropsMap) && column in c.colsToPropsMap);
      if (!mapped) report("PKG_STATUS_COLUMN_UNMAPPED", `statusColumn "${column}" is not a target of any account colsToPropsMap`, "ImportAccountEntJSON", [...at, "statusColumn"]);
    }
  }
}

function checkProvisioning(attribute: string, document: unknown, report: Report): void {
  if (!isObject(document) || !Array.isArray(document.call)) return;
  document.call.forEach((call, i) => {
    if (isObject(call) && !("successResponses" in call) && !("SuccessResponses" in call)) {
      report("PKG_SUCCESS_RESPONSES", "call has no successResponses; a failed request would count as done", attribute, ["call", i]);
    }
  });
}

function checkCrossReferences(documents: AttributeDocuments, report: Report): void {
  const connection = documents.ConnectionJSON;
  const authNames = isObject(connection) && isObject(connection.authentications) ? new Set(Object.keys(connection.authentications)) : undefined;
  const imported = documents.ImportAccountEntJSON;
  const entTypes =
    isObject(imported) && isObject(imported.entitlementParams) && isObject(imported.entitlementParams.entTypes)
      ? new Set(Object.keys(imported.entitlementParams.entTypes))
      : undefined;
  for (const [attribute, document] of Object.entries(documents)) {
    if (attribute === "ConnectionJSON" || document === undefined || document === null) continue;
    if (authNames) {
      walk(document, [], (value, path) => {
        if (path[path.length - 1] === "connection" && typeof value === "string" && !authNames.has(value)) {
          const hint = closest(value, authNames);
          report("PKG_CONNECTION_UNRESOLVED", `connection "${value}" names no ConnectionJSON auth block${hint ? ` — did you mean "${hint}"?` : ""}`, attribute, path);
        }
      });
    }
    if (entTypes && (attribute === "AddAccessJSON" || attribute === "RemoveAccessJSON") && isObject(document) && Array.isArray(document.call)) {
      document.call.forEach((call, i) => {
        if (isObject(call) && typeof call.name === "string" && !entTypes.has(call.name)) {
          const hint = closest(call.name, entTypes);
          report("PKG_ACCESS_NAME", `call name "${call.name}" is not an imported entitlement type (${[...entTypes].join(", ")})${hint ? ` — did you mean "${hint}"?` : ""}`, attribute, ["call", i, "name"]);
        }
      });
    }
  }
}
