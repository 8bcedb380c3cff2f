/**
 * `savpkg adopt`: connection packages → tenant files that rebuild them. One package gives a
 * standalone tenant; several give a shared base plus one overlay each (overlays.ts). The input is
 * a PackageModel (package/model.ts) from anywhere — a zip read by package/read.ts today, a live
 * connection once `pull` exists — so a new source only has to produce that model.
 *
 * Nothing is trusted: each adopted tenant is rebuilt in memory (validate, render, overrides, lint,
 * pack) and compared with its package before a file is planned. A rest tenant must give the
 * package back exactly (the diff's normal comparison); a typed CXone tenant exactly except for the
 * listed fixes of known defects. A package that cannot pass is refused with the reason.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { assetUrl } from "../assets.js";
import type { PlannedFile } from "../core/planned-file.js";
import { diag, hasErrors, type Diagnostic } from "../core/diagnostics.js";
import { isObject, toPointer } from "../core/json.js";
import { TENANT_FILE } from "../core/input.js";
import type { PackageModel } from "../package/model.js";
import { diffPackages } from "../package/diff.js";
import { readPackage } from "../package/read.js";
import { documentToData } from "../saviynt/rest-data.js";
import { REST_ATTRIBUTES } from "../saviynt/t2p.js";
import { checkAttributes } from "../package/rules.js";
import type { ReadResult } from "../package/model.js";
import type { LoadResult } from "../tenant/load.js";
import { renderDocuments } from "../tenant/overrides.js";
import type { RenderedAttributes } from "../tenant/render.js";
import { locator, validateTenant } from "../tenant/validate.js";
import { documents, type AdoptContext, type AdoptedTenant } from "./common.js";
import { adoptInContact, knownDefect, looksLikeCxone, packageData } from "./incontact.js";
import { operationsBetween } from "./ops.js";
import { adoptRest, relativeUrls } from "./rest.js";

export type { AdoptedTenant, Fill, Fix } from "./common.js";
import { splitBase } from "./overlays.js";
import { tenantYaml } from "./write.js";

export { splitBase, type TenantLayers } from "./overlays.js";
export { tenantYaml, type YamlFileOptions } from "./write.js";

export interface AdoptOptions {
  /** Resolves relative call URLs (required when the package has them). */
  baseUrl?: string;
  /** Force the mapping instead of recognising it. */
  connector?: "incontact" | "rest";
}

export interface AdoptOutcome {
  /** Present unless the package was refused. */
  tenant?: AdoptedTenant;
  diagnostics: Diagnostic[];
}

const CXONE_BASE = /^https:\/\/[^\s/?#]+\/inContactAPI\/services\/v[0-9]+\.[0-9]+\/?$/;

/** One package → a standalone tenant (checked by rebuilding it), or the reasons it cannot be one. */
export async function adoptPackage(model: PackageModel, readDiagnostics: readonly Diagnostic[], options: AdoptOptions = {}): Promise<AdoptOutcome> {
  const source = model.source ?? model.connection.key;
  const ctx: AdoptContext = { source, diagnostics: [], ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}) };
  const stop = (): AdoptOutcome => ({ diagnostics: ctx.diagnostics });

  const keys = Object.keys(model.connection.document);
  const listed = model.summary?.connectionNames.length ?? 0;
  if (keys.length > 1 || listed > 1) {
    ctx.diagnostics.push(diag("ADOPT_INPUT", `the package holds ${Math.max(keys.length, listed)} connections (${keys.join(", ")}); adopt takes one connection per package`, { file: source }));
    return stop();
  }
  if (model.connection.type !== "REST") {
    ctx.diagnostics.push(diag("ADOPT_CONNECTION_TYPE", `${model.connection.key} is a ${JSON.stringify(model.connection.type)} connection; savpkg builds REST connections only`, { file: source, path: "externalconnectiontype" }));
    return stop();
  }
  // "Reads without errors": a defect the reader found (invalid inner JSON, names that disagree) cannot round-trip.
  for (const d of readDiagnostics) if (d.severity === "error") ctx.diagnostics.push(diag("ADOPT_UNREPRESENTABLE", `${d.message} (${d.code})`, { file: source, ...(d.path ? { path: d.path } : {}) }));
  if (hasErrors(ctx.diagnostics)) return stop();

  const connector = options.connector ?? (looksLikeCxone(model) ? "incontact" : "rest");
  const relative = relativeUrls(model);
  if (relative.length > 0 && options.baseUrl === undefined) {
    ctx.diagnostics.push(
      diag("ADOPT_BASE_URL", `${relative.length} call URL(s) are relative (${JSON.stringify(relative[0])}…) and Saviynt has no base URL: give --base-url ${connector === "incontact" ? "https://<api host>/inContactAPI/services/v<version>" : "https://<api host>"}`, { file: source }),
    );
    return stop();
  }
  if (options.baseUrl !== undefined && !(connector === "incontact" ? CXONE_BASE : /^https:\/\/[^\s/?#]+/).test(options.baseUrl)) {
    const expected = connector === "incontact" ? "an https:// URL ending in /inContactAPI/services/v<major>.<minor>" : "an https:// URL";
    ctx.diagnostics.push(diag("USAGE", `--base-url ${JSON.stringify(options.baseUrl)}: expected ${expected}`));
    return stop();
  }

  const tenant = connector === "incontact" ? adoptInContact(model, ctx) : adoptRest(model, ctx);
  if (hasErrors(ctx.diagnostics)) return stop();
  if (connector === "incontact") {
    const overridden = await addOverrides(tenant, model, ctx);
    if (!overridden) return stop();
  }
  if (!(await verify(tenant, model, ctx))) return stop();

  for (const fill of tenant.fills) {
    ctx.diagnostics.push(diag("ADOPT_FILL", `${fill.path.join(".")} is marked for you to fill: ${fill.why}`, { file: source, path: fill.path.join(".") }));
  }
  const fixed = new Set<string>();
  for (const fix of tenant.fixes) {
    if (fixed.has(fix.message)) continue;
    fixed.add(fix.message);
    ctx.diagnostics.push(diag("ADOPT_FIXED", `fixed, not copied: ${fix.message}`, { file: source, path: fix.attribute }));
  }
  const overrides = isObject(tenant.value.overrides) ? tenant.value.overrides : {};
  for (const [attribute, operations] of Object.entries(overrides)) {
    ctx.diagnostics.push(diag("ADOPT_OVERRIDE", `${attribute}: ${(operations as unknown[]).length} operation(s) the typed model cannot express went into overrides`, { file: source, path: `overrides.${attribute}` }));
  }
  return { tenant, diagnostics: ctx.diagnostics };
}

/** The tenant value with each fill's stand-in in place: what is compiled to check the rest. */
function withStandIns(tenant: AdoptedTenant): Record<string, unknown> {
  const value = structuredClone(tenant.value);
  for (const fill of tenant.fills) {
    let node: Record<string, unknown> = value;
    for (const key of fill.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[fill.path[fill.path.length - 1]!] = fill.standIn;
  }
  return value;
}

/**
 * The pipeline after load (validate → render + overrides → lint → pack) on a value that never was a
 * file: what a build of the written tenant will do, minus the file.
 */
async function rebuild(value: Record<string, unknown>, pack: boolean): Promise<{ attributes?: RenderedAttributes; zip?: Buffer; diagnostics: Diagnostic[] }> {
  const loaded: LoadResult = { value, locations: new Map(), files: [], abstract: false, diagnostics: [] };
  const validated = validateTenant(loaded);
  if (!validated.tenant || hasErrors(validated.diagnostics)) return { diagnostics: validated.diagnostics };
  const rendered = renderDocuments(validated.tenant, locator(loaded.locations));
  if (!rendered.attributes) return { diagnostics: [...validated.diagnostics, ...rendered.diagnostics] };
  const diagnostics = [...validated.diagnostics, ...rendered.diagnostics, ...checkAttributes(rendered.attributes)];
  if (!pack || hasErrors(diagnostics)) return { attributes: rendered.attributes, diagnostics };
  const { packPackage } = await import("../package/pack.js");
  return { attributes: rendered.attributes, zip: (await packPackage(validated.tenant, rendered.attributes)).zip, diagnostics };
}

/** Problems of the compiled tenant are the package's: say where in the package they are. */
function packagePlace(d: Diagnostic, source: string): Diagnostic {
  const path = (d.path ?? "").replace(/^rest\.attributes\./, "").replace(/\.\$json(?=\.|\[|$)/g, "").replace(/\.\$binding$/, "");
  return { ...d, file: source, ...(path ? { path } : {}) };
}

/**
 * Renders the typed tenant and turns every difference from the package that is not a known defect
 * into an `overrides` operation (in package order), so the rebuild gives the package back.
 */
async function addOverrides(tenant: AdoptedTenant, model: PackageModel, ctx: AdoptContext): Promise<boolean> {
  const compiled = await rebuild(withStandIns(tenant), false);
  if (!compiled.attributes || hasErrors(compiled.diagnostics)) {
    ctx.diagnostics.push(...compiled.diagnostics.filter((d) => d.severity === "error").map((d) => packagePlace(d, ctx.source)));
    return false;
  }
  const docs = documents(model);
  const overrides: Record<string, unknown[]> = {};
  for (const name of REST_ATTRIBUTES) {
    if (name === "ConnectionJSON") continue;
    const rendered = (compiled.attributes as Record<string, unknown>)[name];
    const operations = operationsBetween(rendered === undefined ? undefined : documentToData(rendered).data, docs.has(name) ? packageData(docs.get(name)) : undefined);
    for (const op of operations) {
      const fix = knownDefect(name, op) ?? tenant.fixes.find((f) => f.attribute === name && (op.path === f.pointer || op.path.startsWith(`${f.pointer}/`)))?.message;
      if (fix !== undefined) {
        tenant.fixes.push({ attribute: name, pointer: op.path, message: fix });
        continue;
      }
      (overrides[name] ??= []).push(op.op === "remove" ? { op: op.op, path: op.path } : { op: op.op, path: op.path, value: op.value });
    }
  }
  if (Object.keys(overrides).length > 0) tenant.value.overrides = overrides;
  return true;
}

/** Builds the tenant (stand-ins for fills) and compares the package it makes with the input. */
async function verify(tenant: AdoptedTenant, model: PackageModel, ctx: AdoptContext): Promise<boolean> {
  const compiled = await rebuild(withStandIns(tenant), true);
  if (!compiled.zip || hasErrors(compiled.diagnostics)) {
    const problems = compiled.diagnostics.filter((d) => d.severity === "error").map((d) => packagePlace(d, ctx.source));
    ctx.diagnostics.push(...problems);
    if (problems.length === 0) ctx.diagnostics.push(diag("ADOPT_NOT_EXACT", "the adopted tenant does not build", { file: ctx.source }));
    return false;
  }
  const rebuilt = await readPackage(compiled.zip, { source: `${tenant.connection} (rebuilt)` });
  if (!rebuilt.model) {
    ctx.diagnostics.push(diag("ADOPT_NOT_EXACT", "the rebuilt package does not read back", { file: ctx.source }));
    return false;
  }
  // Every difference must be one of the listed fixes (a rest tenant has none unless --base-url resolved URLs).
  const explained = (group: string, pointer: string) => tenant.fixes.some((f) => f.attribute === group && (pointer === f.pointer || pointer.startsWith(`${f.pointer}/`)));
  const unexplained = diffPackages(model, rebuilt.model).changes.filter((c) => c.scope !== "attribute" || !explained(c.group, toPointer(c.segments)));
  if (unexplained.length === 0) return true;
  const shown = unexplained.slice(0, 3).map((c) => `${c.group}${c.path ? ` ${c.path}` : ""} (${c.op})`);
  ctx.diagnostics.push(
    diag("ADOPT_NOT_EXACT", `the adopted tenant would rebuild a different package: ${shown.join(", ")}${unexplained.length > 3 ? ` and ${unexplained.length - 3} more` : ""}`, { file: ctx.source }),
  );
  return false;
}

export interface AdoptPlanOptions {
  /** `--out`: a tenant file (one package) or a folder. */
  out: string;
  cwd: string;
  force?: boolean;
  /** Absolute path of schemas/tenant.schema.json, for the editor line. */
  schemaPath: string;
}


/**
 * The files adopt writes for adopted tenants (in input order): one standalone file, or per folder
 * a base (`base.yaml`, abstract) and one overlay per connection, named after it.
 * Refuses when a file exists (unless `force`); nothing is planned then.
 */
export function planAdoptFiles(tenants: readonly AdoptedTenant[], options: AdoptPlanOptions): { files: PlannedFile[]; diagnostics: Diagnostic[] } {
  const outPath = resolve(options.cwd, options.out);
  const toFolder = tenants.length > 1 || !TENANT_FILE.test(options.out) || (existsSync(outPath) && statSync(outPath).isDirectory());
  if (tenants.length > 1 && TENANT_FILE.test(options.out)) {
    return { files: [], diagnostics: [diag("USAGE", `--out ${options.out}: several packages give several files; name a folder`)] };
  }
  const file = (path: string, value: Record<string, unknown>, header: string[], tenant?: AdoptedTenant): PlannedFile => {
    const schemaRef = relative(dirname(path), options.schemaPath).split("\\").join("/");
    const text = tenantYaml(value, { schemaRef, header, ...(tenant ? { comments: tenant.comments, fills: tenant.fills } : {}) });
    return { path, bytes: Buffer.from(text, "utf8") };
  };
  const origin = (t: AdoptedTenant) => `Adopted by savpkg adopt from ${t.source} (connection ${t.connection}, connector: ${t.connector}).`;
  const files: PlannedFile[] = [];
  if (!toFolder) {
    const t = tenants[0]!;
    files.push(file(outPath, t.value, [origin(t), `Rebuild it with: savpkg build ${options.out}`], t));
  } else if (tenants.length === 1) {
    const t = tenants[0]!;
    files.push(file(join(outPath, `${t.connection}.yaml`), t.value, [origin(t)], t));
  } else {
    const names = overlayNames(tenants);
    const baseName = names.includes("base") ? "shared-base.yaml" : "base.yaml";
    const { base, overlays } = splitBase(tenants.map((t) => t.value));
    files.push(
      file(join(outPath, baseName), { abstract: true, ...base }, [
        `Shared part of ${tenants.length} adopted connections (abstract: not built on its own).`,
        `The tenants that extend it: ${names.map((n) => `${n}.yaml`).join(", ")}. Rebuild them with: savpkg build --all ${options.out}`,
      ]),
    );
    tenants.forEach((t, i) => files.push(file(join(outPath, `${names[i]}.yaml`), { extends: `./${baseName}`, ...overlays[i] }, [origin(t)], t)));
  }
  if (!options.force) {
    const existing = files.filter((f) => existsSync(f.path)).map((f) => relative(options.cwd, f.path) || f.path);
    if (existing.length > 0) return { files: [], diagnostics: [diag("ADOPT_OUTPUT_EXISTS", `${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}; use --force to overwrite`, { file: existing[0]! })] };
  }
  return { files, diagnostics: [] };
}

/** File stems: the connection name, made unique by the tenant host's first label, then by a number. */
function overlayNames(tenants: readonly AdoptedTenant[]): string[] {
  const count = (list: string[], name: string) => list.filter((n) => n === name).length;
  const plain = tenants.map((t) => t.connection);
  const withHost = tenants.map((t, i) => {
    if (count(plain, plain[i]!) === 1) return plain[i]!;
    const system = isObject(t.value.package) && typeof t.value.package.system === "string" ? t.value.package.system.split(".")[0] : undefined;
    return system ? `${plain[i]}-${system}` : plain[i]!;
  });
  return withHost.map((name, i) => (count(withHost, name) === 1 ? name : `${name}-${withHost.slice(0, i + 1).filter((n) => n === name).length}`));
}

export interface RunAdoptOptions extends AdoptOptions, Omit<AdoptPlanOptions, "schemaPath"> {
  /** Each package as the caller read it (package-input.ts reads a zip, or compiles a tenant file), in order. */
  inputs: readonly { arg: string; read: ReadResult }[];
}

/**
 * The whole command as a library call: adopt each read package, plan the files. Refused or
 * unreadable inputs plan nothing at all (no half-adopted set of files); fills still plan the files.
 */
export async function runAdopt(options: RunAdoptOptions): Promise<{ files: PlannedFile[]; tenants: AdoptedTenant[]; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const tenants: AdoptedTenant[] = [];
  for (const { arg, read } of options.inputs) {
    if (!read.model) {
      const reason = read.diagnostics.find((d) => d.severity === "error");
      diagnostics.push(...read.diagnostics, diag("ADOPT_INPUT", `${arg} is not a connection package${reason ? `: ${reason.message}` : ""}`, { file: arg }));
      continue;
    }
    const outcome = await adoptPackage({ ...read.model, source: arg }, read.diagnostics, {
      ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
      ...(options.connector !== undefined ? { connector: options.connector } : {}),
    });
    diagnostics.push(...read.diagnostics.filter((d) => d.severity !== "error"), ...outcome.diagnostics);
    if (outcome.tenant) tenants.push(outcome.tenant);
  }
  const refused = diagnostics.some((d) => d.severity === "error" && d.code !== "ADOPT_FILL");
  if (refused || tenants.length === 0) return { files: [], tenants, diagnostics };
  const planned = planAdoptFiles(tenants, { ...options, schemaPath: fileURLToPath(assetUrl("schemas/tenant.schema.json")) });
  return { files: planned.files, tenants, diagnostics: [...diagnostics, ...planned.diagnostics] };
}
