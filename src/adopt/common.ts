/**
 * What every adopted tenant shares, whatever its connector: the connection's name and description,
 * the package metadata (ObjectSummary, pass-through ciphertexts, connection fields that differ from
 * the exporter defaults), and the reasons a package cannot be rebuilt exactly (docs/saviynt-rest-format.md
 * #the-t2p-connection-package). Input is a PackageModel from anywhere (a zip today, a live connection with `pull`).
 */
import { diag, type Code, type Diagnostic } from "../core/diagnostics.js";
import { hasOwn, isObject } from "../core/json.js";
import type { PackageAttribute, PackageModel } from "../package/model.js";
import { connectionFields, REST_ATTRIBUTES } from "../saviynt/t2p.js";
import { dataEqual } from "./ops.js";

/** A value written into the tenant file that the user must replace (with why), e.g. a missing teamId. */
export interface Fill {
  path: string[];
  /** Stand-in used to check the rest of the file builds; the file says `null` there. */
  standIn: unknown;
  why: string;
}

/** A known defect of the package that the adopted tenant fixes instead of copying. */
export interface Fix {
  attribute: string;
  /** Pointer inside the attribute (or "" for a whole-document fix). */
  pointer: string;
  message: string;
}

/** One package turned into a standalone tenant value, or the reasons it cannot be. */
export interface AdoptedTenant {
  /** The connection name (file names are derived from it). */
  connection: string;
  source: string;
  connector: "incontact" | "rest";
  /** The tenant file's content (plain data, standalone: no `extends`). */
  value: Record<string, unknown>;
  fills: Fill[];
  fixes: Fix[];
  /** Comments for the YAML writer: dotted path → text. */
  comments: Map<string, string>;
}

export interface AdoptContext {
  source: string;
  /** `--base-url`: resolves relative call URLs. */
  baseUrl?: string;
  diagnostics: Diagnostic[];
}

export function refuse(ctx: AdoptContext, code: Code, message: string, path?: string): void {
  ctx.diagnostics.push(diag(code, message, { file: ctx.source, ...(path !== undefined ? { path } : {}) }));
}

/** `yyyy-MM-dd_HH-mm-ss` (entry stamp) or `yyyy-MM-dd HH:mm:ss` (Exported On) → RFC 3339 UTC. */
function exportTime(model: PackageModel): string | undefined {
  const text = model.layout.connectionStamp ?? model.summary?.exportedOn ?? null;
  const m = text && /^(\d{4}-\d\d-\d\d)[_ ](\d\d)[-:](\d\d)[-:](\d\d)$/.exec(text);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}Z` : undefined;
}

/**
 * connection + package sections. Everything the summary and connection carry that a build does
 * not write by default is passed through; what the tenant model cannot say is refused.
 */
export function packageSections(model: PackageModel, ctx: AdoptContext): { connection: Record<string, unknown>; package: Record<string, unknown> } {
  const c = model.connection;
  const connection: Record<string, unknown> = { name: c.key };
  if (c.description) connection.description = c.description;

  const pkg: Record<string, unknown> = {};
  const summary = model.summary;
  if (!summary?.system) refuse(ctx, "ADOPT_UNREPRESENTABLE", "the ObjectSummary has no Information.System (package.system is required)", "Information.System");
  else pkg.system = summary.system;
  if (summary?.exportedBy) pkg.exportedBy = summary.exportedBy;
  const time = exportTime(model);
  if (time) pkg.exportedAt = time;
  if (summary) checkSummary(summary.document, ctx);

  const defaults = connectionFields({ name: c.key, description: c.description ?? "", attributes: new Map() });
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c.fields)) {
    if (key === "connectionname" || key === "connectiondescription") continue;
    if ((key === "templateName" || key === "templateMandatoryData") && typeof value === "string") {
      pkg[key] = value;
      continue;
    }
    if (hasOwn(defaults, key) && dataEqual(defaults[key], value)) continue;
    if (value !== null && typeof value === "object") {
      refuse(ctx, "ADOPT_UNREPRESENTABLE", `connection field ${key} holds ${Array.isArray(value) ? "a list" : "an object"}; package.connectionFields takes plain values`, key);
      continue;
    }
    extra[key] = value;
  }
  for (const key of Object.keys(defaults)) {
    if (!hasOwn(c.fields, key)) refuse(ctx, "ADOPT_UNREPRESENTABLE", `connection field ${key} is absent; a build always writes it`, key);
  }
  if (c.type !== "REST") refuse(ctx, "ADOPT_CONNECTION_TYPE", `externalconnectiontype is ${JSON.stringify(c.type)}; savpkg builds REST connections`, "externalconnectiontype");
  if (Object.keys(extra).length > 0) pkg.connectionFields = extra;

  const connectionJson = attribute(model, "ConnectionJSON");
  if (connectionJson?.state === "ciphertext") pkg.connectionJsonCiphertext = connectionJson.raw!.trim();
  else if (connectionJson && connectionJson.state !== "empty" && connectionJson.state !== "null") {
    refuse(ctx, "ADOPT_UNREPRESENTABLE", "ConnectionJSON is plaintext; adopt never copies credentials into a tenant file (export it encrypted, or blank it)", "ConnectionJSON");
  }
  for (const attr of c.attributes) checkAttribute(attr, ctx);
  return { connection, package: pkg };
}

/** The ObjectSummary fields a build writes: anything else could not come back. */
function checkSummary(document: Record<string, unknown>, ctx: AdoptContext): void {
  const info = isObject(document.Information) ? document.Information : {};
  for (const key of ["TransferOwners", "TransferUsers"]) {
    if (info[key] !== "0") refuse(ctx, "ADOPT_UNREPRESENTABLE", `Information.${key} is ${JSON.stringify(info[key])}; a build writes "0"`, `Information.${key}`);
  }
  const known = new Set(["GUID", "Exported By", "Exported On", "System", "TransferOwners", "TransferUsers"]);
  for (const key of Object.keys(info)) if (!known.has(key)) refuse(ctx, "ADOPT_UNREPRESENTABLE", `Information.${key} is not written by a build`, `Information.${key}`);
  for (const key of Object.keys(document)) if (key !== "Objects" && key !== "Information") refuse(ctx, "ADOPT_UNREPRESENTABLE", `ObjectSummary key ${key} is not written by a build`, key);
}

function checkAttribute(attr: PackageAttribute, ctx: AdoptContext): void {
  const known = (REST_ATTRIBUTES as readonly string[]).includes(attr.name);
  const used = attr.state !== "empty" && attr.state !== "null";
  if (!known && used) refuse(ctx, "ADOPT_UNREPRESENTABLE", `attribute ${attr.name} is not a REST attribute; a build writes the 24 REST attributes only`, attr.name);
  if (attr.state === "invalid-json") refuse(ctx, "ADOPT_UNREPRESENTABLE", `attribute ${attr.name} is not valid JSON (${attr.error ?? "syntax error"}); it cannot become data`, attr.name);
  if (attr.state === "ciphertext" && attr.name !== "ConnectionJSON") refuse(ctx, "ADOPT_UNREPRESENTABLE", `attribute ${attr.name} is encrypted; only ConnectionJSON is passed through as ciphertext`, attr.name);
  if (attr.state === "text") refuse(ctx, "ADOPT_UNREPRESENTABLE", `attribute ${attr.name} is text, not a JSON document`, attr.name);
  if (attr.extra.formdata !== null && attr.extra.formdata !== undefined) refuse(ctx, "ADOPT_UNREPRESENTABLE", `attribute ${attr.name} has formdata; a build writes null`, attr.name);
  if (attr.extra.credentialSaveStatus !== false && attr.extra.credentialSaveStatus !== undefined) {
    refuse(ctx, "ADOPT_UNREPRESENTABLE", `attribute ${attr.name} has credentialSaveStatus ${JSON.stringify(attr.extra.credentialSaveStatus)}; a build writes false`, attr.name);
  }
  const others = Object.keys(attr.extra).filter((k) => k !== "formdata" && k !== "credentialSaveStatus");
  if (others.length > 0) refuse(ctx, "ADOPT_UNREPRESENTABLE", `attribute ${attr.name} has fields a build does not write: ${others.join(", ")}`, attr.name);
}

export function attribute(model: PackageModel, name: string): PackageAttribute | undefined {
  return model.connection.attributes.find((a) => a.name === name);
}

/** The parsed documents of the package's JSON attributes (ConnectionJSON excluded). */
export function documents(model: PackageModel): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const attr of model.connection.attributes) {
    if (attr.state === "json" && attr.name !== "ConnectionJSON" && !out.has(attr.name)) out.set(attr.name, attr.json);
  }
  return out;
}

/** A call URL without scheme and host (docs/saviynt-rest-format.md#base-url-and-relative-urls); a whole-URL `${…}` is Saviynt's to resolve. */
export function isRelativeUrl(url: string): boolean {
  const t = url.trim();
  return !/^https?:\/\//i.test(t) && !t.startsWith("${");
}
