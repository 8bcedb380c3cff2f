/**
 * Stage 2 — validate: loaded config → typed TenantConfig, or located diagnostics.
 * ajv (schemas/tenant.schema.json) decides structure; its errors are translated into one
 * diagnostic per problem (spectral's convertAjvErrors idea, engineering.md A1/B3). Then the
 * safety rules: plain fields may not carry `${`, `{{`, `}}` or control characters; expression
 * fields must stay inside the allowed subset (bindings.ts). Defaults are applied last.
 */
import type { ErrorObject } from "ajv";
import { checkExpressionText } from "./bindings.js";
import { closest, diag, type Code, type Diagnostic } from "./diagnostics.js";
import { pointerToPath, type Located, type LoadResult } from "./load.js";
import { isExpressionField, isMultilineField, isSecretField, knownKeysAt, schemasAt, tenantSchema, validatorFor } from "./schema.js";

export type SecretRef = { env: string } | { file: string };

export interface EntitlementTypeConfig {
  attributes: Record<string, string>;
}

/** A validated tenant with every default applied. Mirrors schemas/tenant.schema.json. */
export interface TenantConfig {
  abstract: boolean;
  connector: "incontact";
  connection: { name: string; description: string; authName: string };
  package: { exportedBy: string; system: string; exportedAt?: string; connectionJsonCiphertext?: string };
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

export interface ValidateResult {
  tenant: TenantConfig | undefined;
  diagnostics: Diagnostic[];
}

export function validateTenant(loaded: LoadResult): ValidateResult {
  if (!loaded.value) return { tenant: undefined, diagnostics: [] };
  const value = loaded.value;
  const locate = locator(loaded.locations);
  const diagnostics: Diagnostic[] = [];

  const validate = validatorFor("tenant.schema.json");
  if (!validate(value)) diagnostics.push(...translateAjvErrors(validate.errors ?? [], value, locate));
  diagnostics.push(...checkStrings(value, locate));
  if (diagnostics.some((d) => d.severity === "error")) return { tenant: undefined, diagnostics };

  const tenant = applyDefaults(structuredClone(value), tenantSchema()) as unknown as TenantConfig;
  tenant.abstract = loaded.abstract;
  return { tenant, diagnostics };
}

type Locate = (pointer: string, which?: "key" | "value" | "text") => { file?: string; line?: number; col?: number };

function locator(locations: Map<string, Located>): Locate {
  return (pointer, which = "value") => {
    // Fall back to the nearest ancestor that has a position (e.g. a default-filled parent).
    for (let p = pointer; ; p = p.slice(0, Math.max(0, p.lastIndexOf("/")))) {
      const found = locations.get(p);
      if (found) {
        const loc = which === "key" && p === pointer && found.key ? found.key : found.value;
        // "text": the first character of a scalar's text (past its opening quote).
        const shift = which === "text" && p === pointer && found.quoted ? 1 : 0;
        return { file: loc.file, line: loc.line, col: loc.col + shift };
      }
      if (p === "") return {};
    }
  };
}

function segmentsOf(pointer: string): (string | number)[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root;
  for (const s of segmentsOf(pointer)) node = (node as Record<string | number, unknown> | undefined)?.[s];
  return node;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value)}`;
  return `${typeof value} ${String(value)}`;
}

const KEYWORD_RANK: Record<string, number> = { type: 0, enum: 1, const: 1, format: 2, pattern: 3 };

/** One diagnostic per problem: unknown keys at the key, missing keys at the parent, the rest at the value. */
export function translateAjvErrors(errors: readonly ErrorObject[], value: unknown, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const secretPaths = new Set<string>();
  const valuePaths = new Map<string, ErrorObject>();

  for (const error of errors) {
    const pointer = error.instancePath;
    const segments = segmentsOf(pointer);
    // Secret references: report once, as the user sees it, not ajv's oneOf cascade.
    const secretPointer = enclosingSecret(segments);
    if (secretPointer !== undefined) {
      if (secretPaths.has(secretPointer)) continue;
      secretPaths.add(secretPointer);
      const v = valueAt(value, secretPointer);
      const where = { ...locate(secretPointer), path: pointerToPath(secretPointer) };
      out.push(
        typeof v === "string" || typeof v === "number"
          ? diag("SECRET_LITERAL", "a literal secret is not allowed here; write {env: NAME} or {file: path}", where)
          : diag("TENANT_INVALID", `expected a secret reference {env: NAME} or {file: path}, got ${describe(v)}`, where),
      );
      continue;
    }
    if (error.keyword === "additionalProperties") {
      const key = String(error.params.additionalProperty);
      const child = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      const hint = closest(key, knownKeysAt(segments));
      out.push(
        diag("TENANT_UNKNOWN_KEY", `unknown key "${key}"${hint ? ` — did you mean "${hint}"?` : ""}`, { ...locate(child, "key"), path: pointerToPath(child) }),
      );
      continue;
    }
    if (error.keyword === "propertyNames") {
      const key = String(error.params.propertyName);
      const child = `${pointer}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      const names = schemasAt(segments).flatMap((s) => s.propertyNames?.enum ?? []);
      const hint = names.length > 0 ? closest(key, names) : undefined;
      const expected = names.length > 0 ? "" : ` (expected a name matching ${schemasAt(segments)[0]?.propertyNames?.pattern ?? "the schema"})`;
      out.push(
        diag("TENANT_UNKNOWN_KEY", `unknown key "${key}"${hint ? ` — did you mean "${hint}"?` : expected}`, { ...locate(child, "key"), path: pointerToPath(child) }),
      );
      continue;
    }
    if (error.keyword === "required") {
      const missing = String(error.params.missingProperty);
      const parentPath = pointerToPath(pointer);
      out.push(
        diag("TENANT_MISSING_KEY", `missing required key "${missing}"${parentPath ? ` in ${parentPath}` : ""}`, { ...locate(pointer), path: pointerToPath(pointer) }),
      );
      continue;
    }
    // ajv also reports the failed if/then and the propertyNames' inner keyword: the specific errors say it all.
    if (error.keyword === "if" || error.propertyName !== undefined) continue;
    const previous = valuePaths.get(pointer);
    if (!previous || (KEYWORD_RANK[error.keyword] ?? 9) < (KEYWORD_RANK[previous.keyword] ?? 9)) valuePaths.set(pointer, error);
  }

  for (const [pointer, error] of valuePaths) {
    const v = valueAt(value, pointer);
    const where = { ...locate(pointer), path: pointerToPath(pointer) };
    const [code, message] = valueMessage(error, v);
    out.push(diag(code, message, where));
  }
  return out;
}

function enclosingSecret(segments: (string | number)[]): string | undefined {
  for (let n = segments.length; n > 0; n--) {
    const prefix = segments.slice(0, n);
    if (isSecretField(prefix)) return "/" + prefix.map((s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
  }
  return undefined;
}

function valueMessage(error: ErrorObject, v: unknown): [Code, string] {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "type":
      return ["TENANT_TYPE", `expected ${String(p.type).replace(",", " or ")}, got ${describe(v)}`];
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map((a) => JSON.stringify(a));
      const hint = typeof v === "string" ? closest(v, (p.allowedValues as unknown[]).map(String)) : undefined;
      return ["TENANT_ENUM", `${describe(v)} is not allowed; expected one of ${allowed.join(", ")}${hint ? ` — did you mean "${hint}"?` : ""}`];
    }
    case "const":
      return ["TENANT_ENUM", `expected ${JSON.stringify(p.allowedValue)}, got ${describe(v)}`];
    case "format":
      return ["TENANT_FORMAT", `expected ${p.format === "uri" ? "an absolute URL" : `a ${String(p.format)} value`}, got ${describe(v)}`];
    case "pattern": {
      const pattern = String(p.pattern);
      if (pattern.startsWith("^https://")) {
        const expected = pattern.includes("inContactAPI")
          ? "an https:// URL ending in /inContactAPI/services/v<major>.<minor>"
          : "an https:// URL";
        return ["TENANT_FORMAT", `expected ${expected}, got ${describe(v)}`];
      }
      return ["TENANT_PATTERN", `${describe(v)} does not match the expected pattern ${pattern}`];
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum":
    case "exclusiveMaximum":
      return ["TENANT_RANGE", `${describe(v)} must be ${String(p.comparison)} ${String(p.limit)}`];
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

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Plain fields are data: refuse anything that could turn into template text or an expression. */
function checkStrings(root: unknown, locate: Locate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const walk = (node: unknown, segments: (string | number)[]) => {
    if (Array.isArray(node)) return node.forEach((item, i) => walk(item, [...segments, i]));
    if (node !== null && typeof node === "object") {
      for (const [k, v] of Object.entries(node)) walk(v, [...segments, k]);
      return;
    }
    if (typeof node !== "string") return;
    const pointer = segments.length === 0 ? "" : "/" + segments.map((s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1")).join("/");
    const where = { ...locate(pointer), path: pointerToPath(pointer) };
    const control = CONTROL.exec(isMultilineField(segments) ? node.replace(/[\n\t]/g, " ") : node);
    if (control) {
      const cp = control[0].charCodeAt(0).toString(16).padStart(4, "0");
      out.push(diag("INJECT_CONTROL", `control character U+${cp.toUpperCase()} at offset ${control.index} is not allowed in tenant values`, where));
      return;
    }
    if (segments[0] === "$schema" || segments[0] === "extends") return;
    if (isExpressionField(segments)) {
      for (const problem of checkExpressionText(node, closest)) {
        const code: Code = {
          unbalanced: "EXPR_UNBALANCED",
          quote: "EXPR_QUOTE",
          "unknown-root": "EXPR_UNKNOWN_ROOT",
          "unknown-attribute": "EXPR_UNKNOWN_ATTRIBUTE",
          "missing-dollar": "EXPR_MISSING_DOLLAR",
          "not-allowed": "EXPR_NOT_ALLOWED",
        }[problem.kind] as Code;
        // Point at the character inside the value when the value sits on one line.
        const text = locate(pointer, "text");
        const col = text.col !== undefined && !node.includes("\n") ? text.col + problem.offset : where.col;
        out.push(diag(code, problem.message, { ...where, ...(col !== undefined ? { col } : {}) }));
      }
      return;
    }
    const marker = /\$\{|\{\{|\}\}/.exec(node);
    if (marker) {
      out.push(
        diag(
          "INJECT_TEMPLATE",
          `"${marker[0]}" is not allowed in a plain value (tenant data never becomes a template or a Saviynt expression); only binding maps take expressions`,
          where,
        ),
      );
    }
  };
  walk(root, []);
  return out;
}

/** Fills every `default` of the schema where the tenant left the key out. */
function applyDefaults(node: unknown, schema: Record<string, unknown> | undefined): unknown {
  const resolved = resolveRef(schema);
  if (!resolved || node === null || typeof node !== "object" || Array.isArray(node)) return node;
  const props = (resolved.properties ?? {}) as Record<string, Record<string, unknown>>;
  const obj = node as Record<string, unknown>;
  for (const [key, sub] of Object.entries(props)) {
    const target = resolveRef(sub);
    if (!(key in obj) && target && "default" in target) obj[key] = structuredClone(target.default);
    if (key in obj) obj[key] = applyDefaults(obj[key], sub);
  }
  return obj;
}

function resolveRef(schema: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const ref = schema?.$ref;
  if (typeof ref !== "string") return schema;
  let node: unknown = tenantSchema();
  for (const part of ref.replace(/^#\//, "").split("/")) node = (node as Record<string, unknown>)[part];
  return { ...(node as Record<string, unknown>), ...schema, $ref: undefined };
}
