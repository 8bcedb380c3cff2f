/**
 * The pipeline as one straight line (json-schema-to-typescript style):
 * load → validate → render → check → pack, all in memory. Nothing here writes; `planBuild`
 * returns the files a build would write and `emit.ts` writes them.
 */
import { basename, dirname, extname, join, resolve } from "node:path";
import { checkAttributes } from "../package/rules.js";
import { diag, hasErrors, type Diagnostic } from "../core/diagnostics.js";
import type { PlannedFile } from "./emit.js";
import { escapePointer } from "../core/json.js";
import { checkSourceDateEpoch, DOS_TIME_RANGE_TEXT, inDosTimeRange } from "../core/source-date-epoch.js";
import { loadTenant, type LoadResult, type ParseCache } from "../tenant/load.js";
import type { PackedPackage } from "../package/pack.js";
import { renderAttributes, type RenderedAttributes } from "../tenant/render.js";
import { resolveSecrets, type SecretField, type SecretValues } from "../tenant/secrets.js";
import { locator, validateTenant, type TenantConfig } from "../tenant/validate.js";
import { renderDocuments } from "../tenant/overrides.js";
import { REST_ATTRIBUTES, RENDERED_ATTRIBUTES } from "../saviynt/t2p.js";

export interface CompileOptions {
  /** `--set path=value` overrides. */
  set?: readonly string[];
  /** Base for relative paths and display names. */
  cwd?: string;
  /** SOURCE_DATE_EPOCH in seconds (core/source-date-epoch.ts parses the environment value). */
  sourceDateEpoch?: number;
  /** Stop after check (validate, render): no zip is made. */
  noPack?: boolean;
  /** Render with these secret values instead of placeholders (simulate uses generated ones). */
  secrets?: SecretValues;
  /** Parsed `extends` bases shared across one batch (load.ts LoadOptions.cache). */
  cache?: ParseCache;
  /** This file's load, already done by the caller with the same options (batch.ts decides bases from it). */
  loaded?: LoadResult;
}

export interface CompileResult {
  /** The tenant's name: its file name without extension (`acme-dev`). */
  name: string;
  file: string;
  loaded: LoadResult;
  tenant?: TenantConfig;
  attributes?: RenderedAttributes;
  package?: PackedPackage;
  diagnostics: Diagnostic[];
}

export function tenantName(file: string): string {
  return basename(file, extname(file));
}

export async function compileTenant(file: string, options: CompileOptions = {}): Promise<CompileResult> {
  const name = tenantName(file);
  const loaded =
    options.loaded ??
    loadTenant(file, {
      ...(options.set ? { set: options.set } : {}),
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
    });
  const result: CompileResult = { name, file, loaded, diagnostics: [...loaded.diagnostics, ...(options.sourceDateEpoch !== undefined ? checkSourceDateEpoch(options.sourceDateEpoch) : [])] };
  if (hasErrors(result.diagnostics)) return result;
  if (loaded.abstract) {
    const at = loaded.locations.get("/abstract")?.key;
    result.diagnostics.push(
      diag("TENANT_ABSTRACT", `${file} is a base file (abstract: true); validate or build a tenant that extends it`, at ? { ...at, path: "abstract" } : { file }),
    );
    return result;
  }

  const validated = validateTenant(loaded);
  result.diagnostics.push(...validated.diagnostics);
  if (!validated.tenant || hasErrors(result.diagnostics)) return result;
  result.tenant = validated.tenant;
  const exportedAt = validated.tenant.package.exportedAt;
  if (exportedAt !== undefined && !inDosTimeRange(Date.parse(exportedAt))) {
    // Outside the DOS range the entry headers would be clamped while the entry names keep the real stamp.
    const at = loaded.locations.get("/package/exportedAt")?.value;
    result.diagnostics.push(diag("TENANT_RANGE", `package.exportedAt ${exportedAt} must be ${DOS_TIME_RANGE_TEXT}`, { ...(at ?? {}), path: "package.exportedAt" }));
    return result;
  }

  // Overrides act on the rendered documents; the check below lints what they produce like the rest.
  const rendered = renderDocuments(validated.tenant, locator(loaded.locations), options.secrets ? { secrets: options.secrets } : {});
  result.diagnostics.push(...rendered.diagnostics);
  if (!rendered.attributes) return result;
  result.attributes = rendered.attributes;

  const display = loaded.files[0] ? displayName(loaded.files[0], options.cwd) : file;
  result.diagnostics.push(...checkAttributes(rendered.attributes, { file: display }));
  if (hasErrors(result.diagnostics) || options.noPack) return result;

  // archiver and its streams load only when a package is made: validate and check never pay for them.
  const { packPackage } = await import("../package/pack.js");
  result.package = await packPackage(validated.tenant, rendered.attributes, {
    ...(options.sourceDateEpoch !== undefined ? { sourceDateEpoch: options.sourceDateEpoch } : {}),
  });
  return result;
}

function displayName(abs: string, cwd: string | undefined): string {
  if (!cwd) return abs;
  const rel = abs.startsWith(resolve(cwd) + "/") ? abs.slice(resolve(cwd).length + 1) : abs;
  return rel;
}

export interface BuildPlanOptions {
  outDir: string;
  /** Resolve secrets into a 0600 ConnectionJSON.json (otherwise placeholders). */
  withSecrets?: boolean;
  env?: Readonly<Record<string, string | undefined>>;
}

/** Where a tenant's package and its ConnectionJSON go: `<out>/<tenant>/INCONTACT.zip`. */
export function packagePaths(outDir: string, name: string) {
  return { zip: join(outDir, name, "INCONTACT.zip"), connectionJson: join(outDir, name, "ConnectionJSON.json") };
}

/** Files one compiled tenant writes; with `withSecrets` the ConnectionJSON is re-rendered with real values. */
export function planTenantFiles(result: CompileResult, options: BuildPlanOptions): { files: PlannedFile[]; diagnostics: Diagnostic[] } {
  if (!result.package || !result.attributes || !result.tenant) return { files: [], diagnostics: [diag("INTERNAL", "planTenantFiles needs a packed result")] };
  const paths = packagePaths(options.outDir, result.name);
  let connectionJson = result.attributes.ConnectionJSON;
  let mode = 0o644;
  const diagnostics: Diagnostic[] = [];
  if (options.withSecrets) {
    const rendered = renderWithSecrets(result, options.env ?? {});
    diagnostics.push(...rendered.diagnostics);
    if (!rendered.attributes) return { files: [], diagnostics };
    connectionJson = rendered.attributes.ConnectionJSON;
    mode = 0o600;
  }
  const files: PlannedFile[] = [{ path: paths.zip, bytes: result.package.zip }];
  // A rest tenant renders no ConnectionJSON (its encrypted one is passed through in the zip).
  if (connectionJson !== undefined) files.push({ path: paths.connectionJson, bytes: Buffer.from(JSON.stringify(connectionJson, null, 2) + "\n", "utf8"), mode });
  return { files, diagnostics };
}

/** Where a value of the tenant was written, by JSON pointer (for diagnostics about secret references). */
export function locateInTenant(result: CompileResult, pointer: string): { file?: string; line?: number; col?: number } {
  const loc = result.loaded.locations.get(pointer)?.value;
  return loc ? { file: loc.file, line: loc.line, col: loc.col } : {};
}

/** The directory `{file: …}` secret references of a compiled tenant are relative to. */
export function secretBaseDir(result: CompileResult): string {
  return dirname(result.loaded.files[0] ?? result.file);
}

/**
 * The attributes rendered again with the real secret values (only where a secret is needed:
 * `build --with-secrets` and `deploy`). A missing secret names its variable or file, never a value.
 */
export function renderWithSecrets(result: CompileResult, env: Readonly<Record<string, string | undefined>>): { attributes?: RenderedAttributes; diagnostics: Diagnostic[] } {
  if (!result.tenant) return { diagnostics: [diag("INTERNAL", "renderWithSecrets needs a validated tenant")] };
  const resolved = resolveSecrets(result.tenant, {
    env,
    baseDir: secretBaseDir(result),
    locate: (field: SecretField) => locateInTenant(result, `/cxone/auth/${escapePointer(field)}`),
  });
  if (hasErrors(resolved.diagnostics)) return { diagnostics: resolved.diagnostics };
  const rendered = renderAttributes(result.tenant, { secrets: resolved.values });
  return rendered.attributes ? { attributes: rendered.attributes, diagnostics: [...resolved.diagnostics, ...rendered.diagnostics] } : { diagnostics: [...resolved.diagnostics, ...rendered.diagnostics] };
}

/** `savpkg validate`: every tenant compiled without packing; the diagnostics of all of them. */
export async function validateTenants(files: readonly string[], options: CompileOptions = {}): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  for (const file of files) diagnostics.push(...(await compileTenant(file, { ...options, noPack: true })).diagnostics);
  return diagnostics;
}

export interface RenderTenantResult {
  /** What to print: one document (`attr`), or all of them keyed by attribute. Absent exactly when `diagnostics` hold an error. */
  output?: unknown;
  /** The same documents as files `<dir>/<Attribute>.json` (render --out). */
  files: (dir: string) => PlannedFile[];
  diagnostics: Diagnostic[];
}

/** `savpkg render`: the rendered documents of one tenant, all or one attribute. */
export async function renderTenant(file: string, options: CompileOptions & { attr?: string } = {}): Promise<RenderTenantResult> {
  const none: RenderTenantResult = { files: () => [], diagnostics: [] };
  if (options.attr !== undefined && !(REST_ATTRIBUTES as readonly string[]).includes(options.attr)) {
    return { ...none, diagnostics: [diag("USAGE", `--attr ${options.attr}: expected one of ${RENDERED_ATTRIBUTES.join(", ")} (or another REST attribute a rest tenant or an override fills)`)] };
  }
  const result = await compileTenant(file, { ...options, noPack: true });
  // No output always comes with an error, so the exit policy alone says how the command ends.
  if (hasErrors(result.diagnostics)) return { ...none, diagnostics: result.diagnostics };
  if (!result.attributes) return { ...none, diagnostics: [...result.diagnostics, diag("INTERNAL", `${file} compiled to no documents`)] };
  const attributes = result.attributes as Record<string, unknown>;
  // Every document the tenant renders, in exporter order (the typed connector's eight, plus what overrides or rest data fill).
  const names = options.attr !== undefined ? [options.attr] : REST_ATTRIBUTES.filter((n) => attributes[n] !== undefined);
  return {
    output: options.attr !== undefined ? attributes[options.attr] : Object.fromEntries(names.map((n) => [n, attributes[n]])),
    files: (dir) => names.map((n) => ({ path: join(resolve(options.cwd ?? ".", dir), `${n}.json`), bytes: Buffer.from(JSON.stringify(attributes[n], null, 2) + "\n") })),
    diagnostics: result.diagnostics,
  };
}
