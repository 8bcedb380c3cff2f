/**
 * The JSON Schemas savpkg ships (schemas/), loaded once per process. Tenant files have two:
 * - tenant.schema.json, the published one (`savpkg schema`, editors): shapes, types, allowed keys,
 *   defaults and descriptions, plain JSON Schema 2020-12 that any strict validator accepts, and that
 *   accepts a base or an overlay file as written (nothing is required there);
 * - tenant-complete.schema.json, the compiler's: it references the published schema and adds what a
 *   tenant must have once its `extends` chain is merged (`required`), plus savpkg's annotations
 *   (`x-expression`: a Saviynt expression field; `x-multiline`: free text that may span lines).
 * Validation uses the complete one; --set typing, "did you mean" keys and defaults read the
 * published one; the annotations are looked up in the complete one.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Ajv2020, Options as AjvOptions, ValidateFunction } from "ajv/dist/2020.js";
import type addFormatsPlugin from "ajv-formats";
import { validators as precompiledValidators } from "../generated/precompiled.js";
import { assetUrl } from "../assets.js";
import { hasOwn } from "./json.js";

export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: { enum?: string[]; pattern?: string };
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  $ref?: string;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  "x-expression"?: boolean;
  [key: string]: unknown;
};

const SCHEMA_DIR = assetUrl("schemas/");

export function readSchemaFile(name: string): JsonSchema {
  return JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), "utf8")) as JsonSchema;
}

let tenantSchemaCache: JsonSchema | undefined;
/** The published tenant schema (shapes only; what editors load). */
export function tenantSchema(): JsonSchema {
  tenantSchemaCache ??= readSchemaFile("tenant.schema.json");
  return tenantSchemaCache;
}

/** The compiler's tenant schema: the published one plus completeness after merging and annotations. */
export const COMPLETE_TENANT_SCHEMA = "tenant-complete.schema.json";
let completeSchemaCache: JsonSchema | undefined;
function completeTenantSchema(): JsonSchema {
  completeSchemaCache ??= readSchemaFile(COMPLETE_TENANT_SCHEMA);
  return completeSchemaCache;
}

/** The schema's text as shipped, for `savpkg schema`. */
export function tenantSchemaText(): string {
  return readFileSync(new URL("tenant.schema.json", SCHEMA_DIR), "utf8");
}

/** The one Ajv configuration: run-time compiles and the build-time standalone code (scripts/precompile.mjs) share it.
 * @internal: ajv's types stay out of the published declarations (the package installs no ajv). */
export const AJV_OPTIONS: Readonly<AjvOptions> = { allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true };

/** Formats and savpkg's annotation keywords, on any Ajv instance made with AJV_OPTIONS. @internal */
export function configureAjv(instance: Ajv2020): Ajv2020 {
  const addFormats = (load("ajv-formats") as typeof addFormatsPlugin).default;
  addFormats(instance);
  // Annotation only: marks fields that hold Saviynt expressions (checked by validate.ts).
  instance.addKeyword({ keyword: "x-expression", schemaType: "boolean" });
  // Annotation only: free text that may contain line breaks and tabs.
  instance.addKeyword({ keyword: "x-multiline", schemaType: "boolean" });
  return instance;
}

// Ajv's compiler is loaded only when a validator has to be compiled at run time: the built CLI
// ships standalone validators, and loading plus compiling took ~0.5 s of a 1.3 s `validate` (issue 7).
const load = createRequire(import.meta.url);

let ajvInstance: Ajv2020 | undefined;
/** One Ajv for the process (compiled validators are cached by schema identity, B3). @internal */
export function ajv(): Ajv2020 {
  if (!ajvInstance) {
    const { Ajv2020: AjvClass } = load("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
    ajvInstance = configureAjv(new AjvClass({ ...AJV_OPTIONS }));
  }
  return ajvInstance;
}

const validators = new Map<string, ValidateFunction>();
/**
 * Validator for a file in schemas/ (e.g. "tenant.schema.json", "saviynt/provisioning-json.schema.json"):
 * the standalone one generated at build time when present, else compiled once per process.
 * @internal
 */
export function validatorFor(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (!validate) {
    validate = precompiledValidators?.[name] ?? compileAtRunTime(name);
    validators.set(name, validate);
  }
  return validate;
}

/**
 * One line per ajv error of a savpkg-owned schema (simulator seeds and knobs): the dotted path of
 * the value and what is wrong, never the value itself.
 * @internal
 */
export function schemaErrorLines(errors: readonly import("ajv").ErrorObject[], max = 20): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    // The branches of a failed anyOf are reported as the anyOf itself.
    if (e.schemaPath.includes("/anyOf/")) continue;
    const segments = e.instancePath.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
    if (e.keyword === "additionalProperties") segments.push(String(e.params.additionalProperty));
    const path = segments.map((s, i) => (/^\d+$/.test(s) ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
    const p = e.params as Record<string, unknown>;
    const message =
      e.keyword === "additionalProperties"
        ? "is not a known key"
        : e.keyword === "required"
          ? `needs ${String(p.missingProperty)}`
          : e.keyword === "enum"
            ? `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`
            : e.keyword === "anyOf"
              ? e.schemaPath.includes("fault")
                ? "needs a status or a latencyMs"
                : "does not have any of the allowed forms"
              : (e.message ?? e.keyword);
    const line = `${path}\u0000${message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    out.push({ path, message });
    if (out.length >= max) break;
  }
  return out;
}

/** Compiles a schema of schemas/ (once per process); a reference to another file is resolved by its `$id`. */
function compileAtRunTime(name: string): ValidateFunction {
  const instance = ajv();
  // The complete tenant schema refers to the published one.
  if (name === COMPLETE_TENANT_SCHEMA && !instance.getSchema(tenantSchema().$id as string)) instance.addSchema(tenantSchema());
  const schema = name === "tenant.schema.json" ? tenantSchema() : name === COMPLETE_TENANT_SCHEMA ? completeTenantSchema() : readSchemaFile(name);
  return (typeof schema.$id === "string" ? instance.getSchema(schema.$id) : undefined) ?? instance.compile(schema);
}

/** Follows local `$ref`s (`#/$defs/x`) of the tenant schema. */
export function deref(schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema?.$ref) return schema;
  // The schema never changes: each node is resolved once per process (issue 15).
  let resolved = derefMemo.get(schema);
  if (!resolved) derefMemo.set(schema, (resolved = derefOnce(schema)!));
  return resolved;
}

const derefMemo = new WeakMap<JsonSchema, JsonSchema>();

function derefOnce(schema: JsonSchema | undefined): JsonSchema | undefined {
  let current = schema;
  for (let i = 0; current?.$ref && i < 10; i++) {
    const target = current.$ref.replace(/^#\//, "").split("/");
    let node: unknown = tenantSchema();
    for (const part of target) node = (node as Record<string, unknown>)[part];
    current = { ...(node as JsonSchema), ...withoutRef(current) };
  }
  return current;
}

function withoutRef(schema: JsonSchema): JsonSchema {
  const { $ref: _ref, ...rest } = schema;
  return rest;
}

/**
 * schemasAt by path shape (issue 15): validation asks for every key and string of every tenant,
 * and the answer depends only on the keys along the path (any list index leads to `items`). The
 * results are shared, never modified. A hostile file with many distinct keys cannot grow the memo
 * past MEMO_LIMIT: it starts over.
 */
const schemasAtMemo = new WeakMap<JsonSchema, Map<string, readonly JsonSchema[]>>();
const MEMO_LIMIT = 4096;

/** `["a", 0, "b"]` → `.1:a#.1:b`: length-prefixed keys, so no key text can forge another path. */
function shapeKey(segments: readonly (string | number)[]): string {
  let key = "";
  for (const s of segments) key += typeof s === "number" ? "#" : `.${s.length}:${s}`;
  return key;
}

/** The subschema(s) at a data path; oneOf branches are all returned. */
export function schemasAt(segments: readonly (string | number)[], root: JsonSchema = tenantSchema()): readonly JsonSchema[] {
  let memo = schemasAtMemo.get(root);
  if (!memo) schemasAtMemo.set(root, (memo = new Map()));
  const key = shapeKey(segments);
  let found = memo.get(key);
  if (found === undefined) {
    found = computeSchemasAt(segments, root);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, found);
  }
  return found;
}

function computeSchemasAt(segments: readonly (string | number)[], root: JsonSchema): JsonSchema[] {
  let current: JsonSchema[] = [root];
  for (const segment of segments) {
    const next: JsonSchema[] = [];
    for (const raw of current) {
      const schema = deref(raw);
      if (!schema) continue;
      const branches = schema.oneOf ? schema.oneOf.map(deref) : [schema];
      for (const branch of branches) {
        if (!branch) continue;
        if (typeof segment === "number") {
          if (branch.items) next.push(branch.items);
        } else if (branch.properties && hasOwn(branch.properties, segment)) {
          // Own keys only: a tenant key named toString or constructor is data, never a schema.
          next.push(branch.properties[segment]!);
        } else if (typeof branch.additionalProperties === "object") {
          next.push(branch.additionalProperties);
        }
      }
    }
    current = next;
  }
  return current.map(deref).flatMap((s) => (s?.oneOf ? s.oneOf.map(deref) : [s])).filter((s): s is JsonSchema => !!s);
}

/** JSON types a value at this path may have (empty when the path is unknown to the schema). */
export function schemaTypesAt(segments: readonly (string | number)[]): Set<string> {
  const types = new Set<string>();
  for (const schema of schemasAt(segments)) {
    if (Array.isArray(schema.type)) schema.type.forEach((t) => types.add(t));
    else if (schema.type) types.add(schema.type);
  }
  return types;
}

/** Keys allowed in the object at a path, for "did you mean". */
export function knownKeysAt(segments: readonly (string | number)[]): string[] {
  const keys = new Set<string>();
  for (const schema of schemasAt(segments)) {
    Object.keys(schema.properties ?? {}).forEach((k) => keys.add(k));
    schema.propertyNames?.enum?.forEach((k) => keys.add(k));
  }
  return [...keys];
}

/** True when the schema marks the string at this path as a Saviynt expression field. */
export function isExpressionField(segments: readonly (string | number)[]): boolean {
  return schemasAt(segments, completeTenantSchema()).some((s) => s["x-expression"] === true);
}

/** True when the free-text field at this path may contain line breaks and tabs. */
export function isMultilineField(segments: readonly (string | number)[]): boolean {
  return schemasAt(segments, completeTenantSchema()).some((s) => s["x-multiline"] === true);
}

/** True when the value at this path must be a secret reference. */
export function isSecretField(segments: readonly (string | number)[]): boolean {
  const parent = schemasAt(segments.slice(0, -1));
  const key = segments[segments.length - 1];
  return parent.some((p) => typeof key === "string" && p.properties !== undefined && hasOwn(p.properties, key) && p.properties[key]!.$ref === "#/$defs/secretRef");
}
