/**
 * `overrides`: the escape hatch for what the typed model cannot express (an extra header, a second
 * call, a field outside the model). Per attribute, an ordered list of RFC 6902 operations (add,
 * replace, remove) on the rendered document. Pointers (RFC 6901, core/json.ts) descend into JSON
 * held in strings (httpParams) as if it were structure, and values are tenant data in the same
 * form as rest.attributes (saviynt/rest-data.ts). The values were already checked by validate
 * (expression allowlist, injection, literal secrets); the documents they produce are linted by the
 * build like any other, so an override cannot get past a rule a typed field would meet.
 */
import { diag, hasErrors, type Diagnostic } from "../core/diagnostics.js";
import { knownKeysAt } from "../core/schemas.js";
import { escapePointer, fromPointer, hasOwn, isObject, pointerToPath } from "../core/json.js";
import { dataToDocument, documentToData, isJsonMarker } from "../saviynt/rest-data.js";
import type { RestAttributeName } from "../saviynt/t2p.js";
import { renderAttributes, type RenderedAttributes, type RenderOptions } from "./render.js";
import type { Locate, OverrideOperation, TenantConfig } from "./validate.js";

export interface OverrideResult {
  attributes: RenderedAttributes;
  diagnostics: Diagnostic[];
}

/** Render, then the tenant's overrides: the documents a tenant stands for (compile and adopt both start here). */
export function renderDocuments(tenant: TenantConfig, locate: Locate, options: RenderOptions = {}): { attributes?: RenderedAttributes; diagnostics: Diagnostic[] } {
  const rendered = renderAttributes(tenant, options);
  if (!rendered.attributes) return { diagnostics: rendered.diagnostics };
  const overridden = applyOverrides(tenant, rendered.attributes, locate);
  const diagnostics = [...rendered.diagnostics, ...overridden.diagnostics];
  return hasErrors(overridden.diagnostics) ? { diagnostics } : { attributes: overridden.attributes, diagnostics };
}

/** Applies the tenant's overrides to rendered attributes (a copy; the input is not changed). */
export function applyOverrides(tenant: TenantConfig, attributes: RenderedAttributes, locate: Locate): OverrideResult {
  const overrides = tenant.overrides ?? {};
  const out: RenderedAttributes = { ...attributes };
  const diagnostics: Diagnostic[] = [];
  for (const [name, operations] of Object.entries(overrides)) {
    const attribute = name as RestAttributeName;
    const holder: { doc: unknown } = { doc: hasOwn(out, attribute) ? documentToData(out[attribute]).data : undefined };
    let failed = false;
    operations.forEach((operation, index) => {
      const at = `/overrides/${escapePointer(name)}/${index}`;
      const where = (key: "path" | "value" | "op") => ({ ...locate(`${at}/${key}`), path: pointerToPath(`${at}/${key}`) });
      if (operation.op !== "remove" && !hasOwn(operation, "value")) {
        diagnostics.push(diag("TENANT_MISSING_KEY", `${operation.op === "add" ? "an" : "a"} ${operation.op} operation needs a value`, { ...locate(at, "key"), path: pointerToPath(at) }));
        failed = true;
        return;
      }
      if (operation.op === "remove" && hasOwn(operation, "value")) {
        diagnostics.push(diag("TENANT_UNUSED", "a remove operation takes no value; this one is ignored", where("value")));
      }
      const problem = applyOperation(holder, operation);
      if (problem) {
        diagnostics.push(diag("TENANT_OVERRIDE_PATH", `${name} ${operation.op} ${JSON.stringify(operation.path)}: ${problem}`, where("path")));
        failed = true;
        return;
      }
      if (tenant.connector === "incontact") {
        const field = typedFieldFor(attribute, operation.path);
        if (field) diagnostics.push(diag("TENANT_OVERRIDE_TYPED", `${name} ${operation.path} is set by ${field}; write it there instead of in overrides`, where("path")));
      }
    });
    if (failed) continue;
    if (holder.doc === undefined) delete out[attribute];
    else out[attribute] = dataToDocument(holder.doc);
  }
  return { attributes: out, diagnostics };
}

/** One operation on `holder.doc` (data form); a message saying why it cannot apply, or undefined. */
function applyOperation(holder: { doc: unknown }, operation: OverrideOperation): string | undefined {
  const segments = fromPointer(operation.path);
  if (segments.length === 0) {
    if (operation.op === "add") holder.doc = structuredClone(operation.value);
    else if (holder.doc === undefined) return "the document is empty (use add)";
    else holder.doc = operation.op === "replace" ? structuredClone(operation.value) : undefined;
    return undefined;
  }
  if (holder.doc === undefined) return "the document is empty; only add at \"\" can create it";
  let parent: unknown = holder.doc;
  for (let i = 0; i < segments.length - 1; i++) {
    parent = child(unwrap(parent), segments[i]!);
    if (parent === undefined) return `${pointerToPrefix(segments, i + 1)} does not exist`;
  }
  const container = unwrap(parent);
  const key = segments[segments.length - 1]!;
  if (Array.isArray(container)) {
    const index = key === "-" && operation.op === "add" ? container.length : arrayIndex(key);
    if (index === undefined) return `"${key}" is not an index of the list at ${pointerToPrefix(segments, segments.length - 1) || "the top"}`;
    const limit = operation.op === "add" ? container.length : container.length - 1;
    if (index > limit) return `index ${index} is past the end of the list (${container.length} item${container.length === 1 ? "" : "s"})`;
    if (operation.op === "add") container.splice(index, 0, structuredClone(operation.value));
    else if (operation.op === "replace") container[index] = structuredClone(operation.value);
    else container.splice(index, 1);
    return undefined;
  }
  if (!isObject(container)) return `${pointerToPrefix(segments, segments.length - 1) || "the document"} is not an object or a list`;
  if (operation.op !== "add" && !hasOwn(container, key)) return `${operation.path} does not exist`;
  if (operation.op === "remove") delete container[key];
  else Object.defineProperty(container, key, { value: structuredClone(operation.value), enumerable: true, writable: true, configurable: true });
  return undefined;
}

/** JSON held in a string is walked as the document it holds. */
function unwrap(node: unknown): unknown {
  return isJsonMarker(node) ? node.$json : node;
}

function child(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) {
    const index = arrayIndex(segment);
    return index === undefined ? undefined : node[index];
  }
  return isObject(node) && hasOwn(node, segment) ? node[segment] : undefined;
}

/** RFC 6901 array index: "0" or a number without leading zeros. */
function arrayIndex(segment: string): number | undefined {
  return /^(0|[1-9][0-9]*)$/.test(segment) ? Number(segment) : undefined;
}

function pointerToPrefix(segments: readonly string[], length: number): string {
  return segments.slice(0, length).map((s) => `/${escapePointer(s)}`).join("");
}

/**
 * Rendered places a typed field of the inContact model controls (templates/incontact/, render.ts):
 * an override there should be that field instead. Pointers as overrides write them.
 */
const TYPED_PLACES: readonly { attribute: RegExp; pointer: RegExp; field: string }[] = [
  { attribute: /./, pointer: /^(\/[^/]+)*\/connection$/, field: "connection.authName" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /^\/accountParams\/statusAndThresholdConfig(\/|$)/, field: "import (statusColumn, activeValues, accountThreshold, …)" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /^\/accountParams\/call\/call1\/colsToPropsMap(\/|$)/, field: "import.accountAttributes" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /^\/accountParams\/call\/call1\/http\/url$/, field: "cxone.apiBaseUrl and import.pageSize" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /^\/entitlementParams\/entTypes\/(Teams|Groups)\/call\/call1\/colsToPropsMap(\/|$)/, field: "import.entitlementTypes.<type>.attributes" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /^\/(entitlementParams|acctEntParams)\/entTypes\/(Teams|Groups)$/, field: "import.entitlementTypes" },
  { attribute: /^CreateAccountJSON$/, pointer: /^\/call\/0\/httpParams\/agents\/0\/(teamId|profileId)$/, field: "provisioning.defaults" },
  { attribute: /^RemoveAccessJSON$/, pointer: /^\/call\/0\/url$/, field: "provisioning.removeAccess.transferTeamId and cxone.apiBaseUrl" },
  { attribute: /./, pointer: /\/url$/, field: "cxone.apiBaseUrl" },
];

/** The typed field that controls this rendered place, if any. */
export function typedFieldFor(attribute: string, pointer: string): string | undefined {
  // Agent fields of the create body are the binding map's (or the defaults'). The update body is the
  // map too, but a field only the update sends has no typed home (the map would add it to create).
  const body = attribute === "CreateAccountJSON" ? /^\/call\/0\/httpParams\/agents\/0\/([^/]+)$/.exec(pointer) : null;
  if (body && knownKeysAt(["provisioning", "agent"]).includes(body[1]!)) return `provisioning.agent.${body[1]}`;
  return TYPED_PLACES.find((p) => p.attribute.test(attribute) && p.pointer.test(pointer))?.field;
}
