/**
 * Batch builds: many tenants in one process, planned in memory, then written (or, with --check,
 * compared with what is on disk). Writes `<out>/<tenant>/INCONTACT.zip`, the ConnectionJSON
 * beside it, `<out>/manifest.json` and `<out>/SHA256SUMS` (accepted by `sha256sum -c`).
 *
 * Base files are not built: a file is a base when it says `abstract: true`, or when another
 * tenant file of the same batch extends it.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { compileTenant, packagePaths, planTenantFiles, tenantName } from "./compile.js";
import { diag, hasErrors, type Diagnostic } from "./diagnostics.js";
import { emitFiles, type PlannedFile } from "./emit.js";
import { loadTenant } from "./load.js";

export interface BuildOptions {
  tenants: readonly string[];
  /** Build every tenant file of a folder; true = the default folder. */
  all?: boolean | string;
  outDir: string;
  check?: boolean;
  withSecrets?: boolean;
  set?: readonly string[];
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  sourceDateEpoch?: number;
  /** Node and zlib versions recorded in the manifest (the CLI passes process.versions). */
  runtime?: { node: string; zlib: string };
  onProgress?: (done: number, total: number, name: string) => void;
}

export interface PackageRecord {
  tenant: string;
  tenantFile: string;
  tenantSha256: string;
  package: string;
  size: number;
  sha256: string;
}

export interface BuildOutcome {
  diagnostics: Diagnostic[];
  packages: PackageRecord[];
  skippedBases: string[];
  summary: (seconds: string) => string;
}

const TENANT_EXTENSIONS = /\.(ya?ml|json)$/i;

export function savpkgVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** The folder `--all` reads: the given one, else tenants/, else examples/tenants/. */
export function defaultTenantDir(cwd: string): string {
  return existsSync(join(cwd, "tenants")) ? "tenants" : "examples/tenants";
}

export function discoverTenants(dir: string, cwd: string): { files: string[]; diagnostics: Diagnostic[] } {
  const abs = resolve(cwd, dir);
  try {
    if (!statSync(abs).isDirectory()) return { files: [], diagnostics: [diag("USAGE", `--all ${dir}: not a folder`)] };
    // Byte order, not locale order: the build must not depend on the machine (engineering.md C1.1).
    const names = readdirSync(abs).filter((n) => TENANT_EXTENSIONS.test(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { files: names.map((n) => join(dir, n)), diagnostics: [] };
  } catch {
    return { files: [], diagnostics: [diag("USAGE", `--all ${dir}: no such folder`)] };
  }
}

export async function runBuild(options: BuildOptions): Promise<BuildOutcome> {
  const diagnostics: Diagnostic[] = [];
  let files = [...options.tenants];
  let skippedBases: string[] = [];
  if (options.all !== undefined && options.all !== false) {
    const dir = options.all === true || options.all === "" ? defaultTenantDir(options.cwd) : options.all;
    const found = discoverTenants(dir, options.cwd);
    diagnostics.push(...found.diagnostics);
    files.push(...found.files);
  }
  if (files.length === 0 && diagnostics.length === 0) diagnostics.push(diag("USAGE", "give tenant files or --all [DIR]"));
  if (hasErrors(diagnostics)) return outcome(diagnostics, [], [], options);

  // A file another tenant of this batch extends, or one marked abstract, is a base: skip it.
  const bases = new Set<string>();
  const abstract = new Set<string>();
  for (const file of files) {
    const loaded = loadTenant(file, { cwd: options.cwd });
    loaded.files.slice(1).forEach((f) => bases.add(f));
    if (loaded.abstract) abstract.add(resolve(options.cwd, file));
  }
  const explicit = new Set(options.tenants.map((f) => resolve(options.cwd, f)));
  skippedBases = files.filter((f) => {
    const abs = resolve(options.cwd, f);
    return !explicit.has(abs) && (bases.has(abs) || abstract.has(abs));
  });
  for (const f of options.tenants) {
    if (abstract.has(resolve(options.cwd, f))) diagnostics.push(diag("TENANT_ABSTRACT", `${f} is a base file (abstract: true); build a tenant that extends it`, { file: f }));
  }
  files = files.filter((f) => !skippedBases.includes(f) && !abstract.has(resolve(options.cwd, f)));

  const outDir = resolve(options.cwd, options.outDir);
  const planned: PlannedFile[] = [];
  const records: PackageRecord[] = [];
  const seenNames = new Map<string, string>();
  for (const [index, file] of files.entries()) {
    options.onProgress?.(index + 1, files.length, file);
    const name = tenantName(file);
    const clash = seenNames.get(name);
    if (clash) {
      diagnostics.push(diag("USAGE", `${file} and ${clash} both build dist-packages/${name}/; rename one`, { file }));
      continue;
    }
    seenNames.set(name, file);
    const result = await compileTenant(file, {
      cwd: options.cwd,
      set: options.set ?? [],
      ...(options.sourceDateEpoch !== undefined ? { sourceDateEpoch: options.sourceDateEpoch } : {}),
    });
    diagnostics.push(...result.diagnostics);
    if (!result.package) continue;
    const plan = planTenantFiles(result, { outDir, withSecrets: options.withSecrets ?? false, env: options.env ?? {} });
    diagnostics.push(...plan.diagnostics);
    planned.push(...plan.files);
    const zipPath = packagePaths(outDir, name).zip;
    records.push({
      tenant: name,
      tenantFile: toPosix(relative(options.cwd, resolve(options.cwd, file))),
      tenantSha256: hashFiles(result.loaded.files),
      package: toPosix(relative(outDir, zipPath)),
      size: result.package.zip.length,
      sha256: sha256(result.package.zip),
    });
  }
  // Plan, then apply: nothing is written when any tenant failed.
  if (hasErrors(diagnostics)) return outcome(diagnostics, [], skippedBases, options);

  if (options.check) {
    diagnostics.push(...checkOutput(outDir, records, planned, options.all !== undefined && options.all !== false, options.outDir));
    return outcome(diagnostics, records, skippedBases, options);
  }

  const manifest = mergeManifest(outDir, records, options);
  planned.push(
    { path: join(outDir, "manifest.json"), bytes: Buffer.from(JSON.stringify(manifest, null, 2) + "\n") },
    { path: join(outDir, "SHA256SUMS"), bytes: Buffer.from(manifest.packages.map((p) => `${p.sha256}  ${p.package}\n`).join("")) },
  );
  diagnostics.push(...emitFiles(planned));
  return outcome(diagnostics, records, skippedBases, options);
}

function outcome(diagnostics: Diagnostic[], packages: PackageRecord[], skippedBases: string[], options: BuildOptions): BuildOutcome {
  return {
    diagnostics,
    packages,
    skippedBases,
    summary: (seconds) => {
      const skipped = skippedBases.length > 0 ? `, ${skippedBases.length} base file${skippedBases.length === 1 ? "" : "s"} skipped` : "";
      if (hasErrors(diagnostics)) return `build failed: ${diagnostics.filter((d) => d.severity === "error").length} error(s), nothing written (${seconds}s)`;
      const verb = options.check ? "checked" : "built";
      return `${verb} ${packages.length} package${packages.length === 1 ? "" : "s"} in ${seconds}s${skipped}${options.check ? ": up to date" : ""}`;
    },
  };
}

/** --check: every planned zip must exist with the same bytes; with --all, no other package may exist. */
function checkOutput(outDir: string, records: PackageRecord[], planned: PlannedFile[], all: boolean, outLabel: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const file of planned.filter((f) => f.path.endsWith(".zip"))) {
    const label = toPosix(join(outLabel, relative(outDir, file.path)));
    let onDisk: Buffer | undefined;
    try {
      onDisk = readFileSync(file.path);
    } catch {
      out.push(diag("BUILD_MISSING", `${label} is missing; run savpkg build`, { file: label }));
      continue;
    }
    if (!onDisk.equals(Buffer.from(file.bytes))) out.push(diag("BUILD_STALE", `${label} is stale: the tenant now builds different bytes`, { file: label }));
  }
  if (all && existsSync(outDir)) {
    const expected = new Set(records.map((r) => r.tenant));
    for (const entry of readdirSync(outDir).sort()) {
      if (!expected.has(entry) && existsSync(join(outDir, entry, "INCONTACT.zip"))) {
        const label = toPosix(join(outLabel, entry, "INCONTACT.zip"));
        out.push(diag("BUILD_EXTRA", `${label} has no tenant file that builds it`, { file: label }));
      }
    }
  }
  return out;
}

interface Manifest {
  savpkgVersion: string;
  node: string;
  zlib: string;
  packages: PackageRecord[];
}

/** Keeps records of packages this run did not rebuild (a one-tenant build must not drop the others). */
function mergeManifest(outDir: string, records: PackageRecord[], options: BuildOptions): Manifest {
  const byTenant = new Map<string, PackageRecord>();
  try {
    const previous = JSON.parse(readFileSync(join(outDir, "manifest.json"), "utf8")) as Partial<Manifest>;
    for (const p of previous.packages ?? []) {
      if (p && typeof p.tenant === "string" && existsSync(join(outDir, p.package))) byTenant.set(p.tenant, p);
    }
  } catch {
    // No manifest yet, or an unreadable one: start afresh.
  }
  for (const r of records) byTenant.set(r.tenant, r);
  const packages = [...byTenant.values()].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
  return { savpkgVersion: savpkgVersion(), node: options.runtime?.node ?? "unknown", zlib: options.runtime?.zlib ?? "unknown", packages };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Hash of the tenant file and its extends chain, in chain order. */
function hashFiles(files: readonly string[]): string {
  const hash = createHash("sha256");
  for (const f of files) hash.update(sha256(readFileSync(f))).update("\n");
  return hash.digest("hex");
}

function toPosix(p: string): string {
  return p.split("\\").join("/");
}
