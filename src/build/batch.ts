/**
 * Batch builds: many tenants in one process, planned in memory, then written (or, with --check,
 * compared with what is on disk). Writes `<out>/<tenant>/INCONTACT.zip`, the ConnectionJSON
 * beside it, `<out>/manifest.json` and `<out>/SHA256SUMS` (accepted by `sha256sum -c`).
 *
 * Base files are not built: a file is a base when it says `abstract: true`, or when another
 * tenant file of the same batch extends it.
 *
 * Crash safety (docs/engineering-notes.md#atomic-writes): every file is replaced atomically, and the metadata never
 * vouches for bytes that are not on disk. Before any package changes, manifest.json and SHA256SUMS
 * are rewritten without the packages about to change; only after every package is in place are they
 * rewritten with the new records. A build killed at any moment leaves each zip complete (old or
 * new) and every zip listed in manifest.json/SHA256SUMS matching its recorded sha256.
 *
 * Memory stays flat in the number of tenants (issue 7): each tenant's files are staged on disk as
 * soon as it is compiled, as temp files beside their targets (emit.ts `stageFiles`), and only names
 * and records are kept. A failing tenant removes the whole batch's temp files: nothing is written.
 * --check compares each tenant as it is compiled and keeps no package either.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { LIMITS } from "../core/limits.js";
import { readRegularFile } from "../core/read-file.js";
import { dirname, join, relative, resolve } from "node:path";
import { compileTenant, packagePaths, planTenantFiles, tenantName } from "./compile.js";
import { diag, hasErrors, type Diagnostic } from "../core/diagnostics.js";
import { TENANT_FILE } from "../core/input.js";
import { abortStaged, commitStaged, createStaging, emitFiles, removeFiles, removeLeftoversIn, settleStaged, stageFiles, syncStaged, unstageFiles, type PlannedFile, type StageTicket } from "./emit.js";
import { loadTenant, type LoadResult, type ParseCache } from "../tenant/load.js";
import { assetUrl } from "../assets.js";
import { acquireOutputLock, type HeldLock, type LockOwner } from "./lock.js";

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
  /** This process, to lock the output folder against a concurrent build (the CLI passes it); no lock without it. */
  lockOwner?: LockOwner;
  /** How long to wait for another build holding the output folder's lock (default 10 s). */
  lockWaitMs?: number;
}

export interface PackageRecord {
  tenant: string;
  tenantFile: string;
  tenantSha256: string;
  package: string;
  size: number;
  sha256: string;
  /** What built it: kept per package because a one-tenant build keeps the other records. */
  savpkgVersion: string;
  node: string;
  zlib: string;
}

export interface BuildOutcome {
  diagnostics: Diagnostic[];
  packages: PackageRecord[];
  skippedBases: string[];
  /** Packages (paths relative to the output folder) that `build --all` removed: recorded by savpkg for a tenant file it no longer builds. */
  removed: string[];
  summary: (seconds: string) => string;
}


/** One file of a batch while it is built: what is kept of it (memory stays flat in the batch size). */
interface Slot {
  file: string;
  abs: string;
  name: string;
  /** Skipped as a base: abstract, or extended by another file of the batch. */
  base?: boolean;
  diagnostics: Diagnostic[];
  /** --check differences, reported only when every tenant compiled. */
  checked: Diagnostic[];
  record?: PackageRecord;
  ticket?: StageTicket;
  /** Not staged because another tenant had failed by then. */
  unstaged?: boolean;
  /** Refused because this slot builds the same folder. */
  clashWith?: Slot;
}

let cachedVersion: string | undefined;

export function savpkgVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(assetUrl("package.json"), "utf8")) as { version: string }).version;
  return cachedVersion;
}

/** The folder `--all` reads: the given one, else tenants/, else examples/tenants/. */
export function defaultTenantDir(cwd: string): string {
  return existsSync(join(cwd, "tenants")) ? "tenants" : "examples/tenants";
}

/**
 * The tenant files of an `--all` folder, in byte order. `searched` names the folders `--all` looked
 * in (the default is tenants/, else examples/tenants/), so an empty result can say where it looked.
 */
export function discoverTenants(dir: string, cwd: string, searched: readonly string[] = [dir]): { files: string[]; diagnostics: Diagnostic[] } {
  const abs = resolve(cwd, dir);
  const where = searched.length > 1 ? `looked in ${searched.map((d) => `${d}/`).join(" and ")} of ${cwd}` : `${dir}/ of ${cwd}`;
  try {
    if (!statSync(abs).isDirectory()) return { files: [], diagnostics: [diag("USAGE", `--all ${dir}: not a folder`)] };
    // Byte order, not locale order: the build must not depend on the machine (docs/engineering-notes.md#reproducible-zips).
    const names = readdirSync(abs).filter((n) => TENANT_FILE.test(n)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (names.length === 0) return { files: [], diagnostics: [diag("USAGE", `--all: no tenant files (*.yaml, *.yml, *.json) in ${where}; give the folder: savpkg build --all DIR`)] };
    return { files: names.map((n) => join(dir, n)), diagnostics: [] };
  } catch {
    const what = searched.length > 1 ? `--all: no tenant folder (${where})` : `--all ${dir}: no such folder (in ${cwd})`;
    return { files: [], diagnostics: [diag("USAGE", `${what}; give the folder: savpkg build --all DIR`)] };
  }
}

export async function runBuild(options: BuildOptions): Promise<BuildOutcome> {
  const diagnostics: Diagnostic[] = [];
  const files = [...options.tenants];
  const skippedBases: string[] = [];
  if (options.all !== undefined && options.all !== false) {
    const byDefault = options.all === true || options.all === "";
    const dir = byDefault ? defaultTenantDir(options.cwd) : (options.all as string);
    const found = discoverTenants(dir, options.cwd, byDefault ? ["tenants", "examples/tenants"] : [dir]);
    diagnostics.push(...found.diagnostics);
    files.push(...found.files);
  }
  if (files.length === 0 && diagnostics.length === 0) diagnostics.push(diag("USAGE", "give tenant files or --all [DIR]"));
  if (hasErrors(diagnostics)) return outcome(diagnostics, [], [], options);

  // A discovered file that another tenant of this batch extends, or one marked abstract, is a base:
  // skip it. A base named explicitly is compiled and refused there (TENANT_ABSTRACT, located).
  // Bases are found in the one pass that compiles (issue 15: a first pass parsed every file twice):
  // a file is loaded once, its `extends` chain marks bases, and a file compiled before a later one
  // turned out to extend it is taken back (its staged files, record and diagnostics). Memory stays
  // flat: each slot keeps names, a record and its diagnostics. Shared bases are parsed once per run
  // (the cache holds only files reached through `extends`).
  const cache: ParseCache = new Map();
  const outDir = resolve(options.cwd, options.outDir);
  // One writer per output folder (issue 12): --check only reads and takes no lock.
  let lock: HeldLock | undefined;
  if (!options.check && options.lockOwner) {
    const acquired = await acquireOutputLock(outDir, options.lockOwner, { label: options.outDir, ...(options.lockWaitMs !== undefined ? { waitMs: options.lockWaitMs } : {}) });
    if ("diagnostic" in acquired) return outcome([...diagnostics, acquired.diagnostic], [], skippedBases, options);
    lock = acquired.lock;
  }
  try {
    return await buildLocked(files, outDir, cache, skippedBases, diagnostics, options);
  } finally {
    lock?.release();
  }
}

async function buildLocked(files: string[], outDir: string, cache: ParseCache, skippedBases: string[], diagnostics: Diagnostic[], options: BuildOptions): Promise<BuildOutcome> {
  const explicit = new Set(options.tenants.map((f) => resolve(options.cwd, f)));
  const bases = new Set<string>();
  const staging = createStaging();
  const hashes = new Map<string, string>();
  const slots: Slot[] = files.map((file) => ({ file, abs: resolve(options.cwd, file), name: tenantName(file), diagnostics: [], checked: [] }));
  const byPath = new Map<string, Slot>();
  /** Tenant name → the slot that builds dist-packages/<name>/. */
  const seenNames = new Map<string, Slot>();
  /** Slots whose diagnostics hold errors (a taken-back base's no longer count). */
  let failing = 0;
  const compileOptions = {
    cwd: options.cwd,
    set: options.set ?? [],
    cache,
    ...(options.sourceDateEpoch !== undefined ? { sourceDateEpoch: options.sourceDateEpoch } : {}),
  };

  const takeBack = async (slot: Slot) => {
    slot.base = true;
    if (hasErrors(slot.diagnostics)) failing--;
    slot.diagnostics = [];
    slot.checked = [];
    delete slot.record;
    if (seenNames.get(slot.name) === slot) seenNames.delete(slot.name);
    if (slot.ticket) await unstageFiles(staging, slot.ticket);
    delete slot.ticket;
    // A file refused for sharing this base's name is built now, as it would have been.
    for (const other of slots) {
      if (other.clashWith !== slot) continue;
      delete other.clashWith;
      other.diagnostics = [];
      failing--;
      await build(other, loadTenant(other.file, { cwd: options.cwd, set: options.set ?? [], cache }));
    }
  };

  /** Compiles one slot (loaded already) and stages or checks its files. */
  const build = async (slot: Slot, loaded: LoadResult) => {
    const clash = seenNames.get(slot.name);
    if (clash && clash !== slot) {
      slot.clashWith = clash;
      slot.diagnostics.push(diag("USAGE", `${slot.file} and ${clash.file} both build dist-packages/${slot.name}/; rename one`, { file: slot.file }));
      failing++;
      return;
    }
    seenNames.set(slot.name, slot);
    const result = await compileTenant(slot.file, { ...compileOptions, loaded });
    const add = (...found: Diagnostic[]) => {
      const before = hasErrors(slot.diagnostics);
      slot.diagnostics.push(...found);
      if (!before && hasErrors(slot.diagnostics)) failing++;
    };
    add(...result.diagnostics);
    if (!result.package) return;
    const plan = planTenantFiles(result, { outDir, withSecrets: options.withSecrets ?? false, env: options.env ?? {} });
    add(...plan.diagnostics);
    if (options.check) slot.checked = checkFiles(plan.files, outDir, options.outDir);
    // Once a tenant failed nothing will be written: stop staging, keep compiling for diagnostics.
    else if (failing === 0) slot.ticket = await stageFiles(staging, plan.files);
    else slot.unstaged = true;
    const zipPath = packagePaths(outDir, slot.name).zip;
    slot.record = {
      tenant: slot.name,
      tenantFile: toPosix(relative(options.cwd, slot.abs)),
      tenantSha256: hashFiles(result.loaded.files, hashes),
      package: toPosix(relative(outDir, zipPath)),
      size: result.package.zip.length,
      sha256: sha256(result.package.zip),
      savpkgVersion: savpkgVersion(),
      node: options.runtime?.node ?? "unknown",
      zlib: options.runtime?.zlib ?? "unknown",
    };
  };

  for (const [index, slot] of slots.entries()) {
    options.onProgress?.(index + 1, slots.length, slot.file);
    const discovered = !explicit.has(slot.abs);
    if (discovered && bases.has(slot.abs)) {
      slot.base = true;
      continue;
    }
    const loaded = loadTenant(slot.file, { cwd: options.cwd, set: options.set ?? [], cache });
    for (const f of loaded.files.slice(1)) {
      bases.add(f);
      const earlier = byPath.get(f);
      if (earlier && !earlier.base && !explicit.has(earlier.abs)) await takeBack(earlier);
    }
    if (discovered && loaded.abstract) {
      slot.base = true;
      continue;
    }
    byPath.set(slot.abs, slot);
    await build(slot, loaded);
  }
  // Rare: a base taken back had failed, so later tenants were not staged. They compile again now
  // (same inputs, same bytes) and are staged.
  for (const slot of slots) {
    if (failing > 0 || slot.base || !slot.unstaged) continue;
    delete slot.unstaged;
    const result = await compileTenant(slot.file, compileOptions);
    if (result.package) slot.ticket = await stageFiles(staging, planTenantFiles(result, { outDir, withSecrets: options.withSecrets ?? false, env: options.env ?? {} }).files);
  }
  skippedBases = slots.filter((s) => s.base).map((s) => s.file);
  for (const slot of slots) if (!slot.base) diagnostics.push(...slot.diagnostics);
  const checked = slots.flatMap((s) => (s.base ? [] : s.checked));
  const records = slots.flatMap((s) => (!s.base && s.record ? [s.record] : []));

  // Stage, then apply: nothing is written when any tenant failed.
  const staged = await settleStaged(staging);
  if (staged) diagnostics.push(staged);
  if (hasErrors(diagnostics)) {
    await abortStaged(staging);
    return outcome(diagnostics, [], skippedBases, options);
  }

  const all = options.all !== undefined && options.all !== false;
  if (options.check) {
    diagnostics.push(...checked, ...checkOutput(outDir, records, all, options.outDir));
    return outcome(diagnostics, records, skippedBases, options);
  }

  // Retract, write, record: see the header comment. Only records still true on disk are kept.
  // With --all the output mirrors the folder: a package savpkg recorded for a tenant this batch no
  // longer builds (its file was deleted or renamed) is an orphan, retracted with the rest and then
  // removed — only when its bytes are still the recorded ones; savpkg never deletes a file it did not record.
  const rebuilt = new Map(records.map((r) => [r.tenant, r]));
  const previous = verifiedRecords(outDir);
  const orphans = all ? previous.filter((p) => !rebuilt.has(p.tenant)) : [];
  const kept = previous.filter((p) => {
    const next = rebuilt.get(p.tenant);
    return next === undefined ? !all : next.sha256 === p.sha256 && next.package === p.package;
  });
  // A metadata file that is not there vouches for nothing: only one that would lie is rewritten.
  const retract = metadataFiles(outDir, kept, options).filter((f) => existsSync(f.path) && !sameBytes(f.path, f.bytes));
  const record = metadataFiles(outDir, [...kept.filter((p) => !rebuilt.has(p.tenant)), ...records], options).filter((f) => !sameBytes(f.path, f.bytes));
  // The metadata is staged like the packages, so the fsyncs of all three share one concurrent round
  // (issue 15); the renames keep their order: retract, then packages, then record.
  const retracting = createStaging();
  const recording = createStaging();
  await stageFiles(retracting, retract);
  await stageFiles(recording, record);
  const problems: Diagnostic[] = [];
  const written = (await settleStaged(retracting)) ?? (await settleStaged(recording));
  if (written) problems.push(written);
  else {
    const synced = (await Promise.all([syncStaged(retracting), syncStaged(staging), syncStaged(recording)])).find((d) => d !== undefined);
    if (synced) problems.push(synced);
  }
  if (problems.length === 0) problems.push(...(await commitStaged(retracting)));
  if (problems.length === 0) problems.push(...(await commitStaged(staging)));
  const removed: string[] = [];
  if (problems.length === 0) {
    for (const orphan of orphans) {
      const outcome = removeOrphan(outDir, orphan);
      if (outcome === undefined) continue;
      if (typeof outcome !== "string") problems.push(outcome);
      else {
        removed.push(orphan.package);
        const label = toPosix(join(options.outDir, orphan.package));
        diagnostics.push(diag("BUILD_REMOVED", `removed ${label}${outcome}: savpkg built it from ${orphan.tenantFile}, which this build no longer has`, { file: label }));
      }
    }
  }
  if (problems.length === 0) problems.push(...(await commitStaged(recording)));
  for (const step of [retracting, staging, recording]) await abortStaged(step);
  // Metadata already right is not rewritten; temp files an interrupted write of it left go all the same.
  if (problems.length === 0) removeLeftoversIn(outDir, new Set(["manifest.json", "SHA256SUMS"]));
  if (problems.length > 0) {
    // A write failed part-way (full disk, permissions): vouch again, best effort, for every package
    // that is on disk as recorded — the old ones left untouched and any new one already in place.
    const onDisk = new Map<string, PackageRecord>();
    for (const r of [...records, ...previous]) if (!onDisk.has(r.tenant) && isOnDisk(outDir, r)) onDisk.set(r.tenant, r);
    emitFiles(metadataFiles(outDir, [...onDisk.values()], options).filter((f) => !sameBytes(f.path, f.bytes)));
  }
  diagnostics.push(...problems);
  return outcome(diagnostics, records, skippedBases, options, removed);
}

/**
 * Deletes an orphan's zip if it still has the recorded bytes, the ConnectionJSON.json savpkg wrote
 * beside it (a JSON document with `authentications`), and the tenant's folder once empty. Returns
 * a note for the message, undefined when the zip changed since it was recorded (left alone), or
 * the write problem.
 */
function removeOrphan(outDir: string, record: PackageRecord): string | Diagnostic | undefined {
  const zip = join(outDir, record.package);
  if (!isOnDisk(outDir, record)) return undefined;
  const folder = dirname(zip);
  const connectionJson = join(folder, "ConnectionJSON.json");
  const withConnectionJson = isConnectionJsonFile(connectionJson);
  const problem = removeFiles([zip, ...(withConnectionJson ? [connectionJson] : [])], { removeEmptyFolder: folder });
  if (problem) return diag("IO_WRITE", `cannot remove ${record.package}: ${problem}`, { file: record.package });
  return withConnectionJson ? " and its ConnectionJSON.json" : "";
}

function isConnectionJsonFile(path: string): boolean {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as unknown;
    return typeof parsed === "object" && parsed !== null && typeof (parsed as { authentications?: unknown }).authentications === "object";
  } catch {
    return false;
  }
}

function isOnDisk(outDir: string, record: PackageRecord): boolean {
  try {
    return sha256(readOutput(join(outDir, record.package))) === record.sha256;
  } catch {
    return false;
  }
}

function outcome(diagnostics: Diagnostic[], packages: PackageRecord[], skippedBases: string[], options: BuildOptions, removed: string[] = []): BuildOutcome {
  return {
    diagnostics,
    packages,
    skippedBases,
    removed,
    summary: (seconds) => {
      const skipped =
        (skippedBases.length > 0 ? `, ${skippedBases.length} base file${skippedBases.length === 1 ? "" : "s"} skipped` : "") +
        (removed.length > 0 ? `, ${removed.length} package${removed.length === 1 ? "" : "s"} of deleted tenants removed` : "");
      const errors = diagnostics.filter((d) => d.severity === "error").length;
      if (options.check && errors > 0) return `check failed: ${errors} problem(s) listed above, nothing written (${seconds}s)`;
      if (errors > 0) return `build failed: ${errors} error(s), nothing written (${seconds}s)`;
      const verb = options.check ? "checked" : "built";
      return `${verb} ${packages.length} package${packages.length === 1 ? "" : "s"} in ${seconds}s${skipped}${options.check ? ": up to date" : ""}`;
    },
  };
}

/** --check, one tenant: every planned file (zip and ConnectionJSON.json) must exist with the same bytes. Reads only. */
function checkFiles(planned: readonly PlannedFile[], outDir: string, outLabel: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const label = (abs: string) => toPosix(join(outLabel, relative(outDir, abs)));
  for (const file of planned) {
    let onDisk: Buffer | undefined;
    try {
      onDisk = readOutput(file.path);
    } catch {
      out.push(diag("BUILD_MISSING", `${label(file.path)} is missing; run savpkg build`, { file: label(file.path) }));
      continue;
    }
    if (!onDisk.equals(Buffer.from(file.bytes))) {
      const hint = file.path.endsWith(".zip") ? "the tenant now builds different bytes" : "the tenant now renders a different ConnectionJSON (built with --with-secrets? check with it too)";
      out.push(diag("BUILD_STALE", `${label(file.path)} is stale: ${hint}`, { file: label(file.path) }));
    }
  }
  return out;
}

/**
 * --check, the whole output: manifest.json and SHA256SUMS must record each package's sha256; with
 * --all, no other package may exist and the metadata may list no other package. Reads only.
 */
function checkOutput(outDir: string, records: PackageRecord[], all: boolean, outLabel: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const expected = new Set(records.map((r) => r.tenant));
  const recorded = new Set(verifiedRecords(outDir).map((r) => r.package));
  if (all && existsSync(outDir)) {
    for (const entry of readdirSync(outDir).sort(byteOrder)) {
      if (!expected.has(entry) && existsSync(join(outDir, entry, "INCONTACT.zip"))) {
        const extra = toPosix(join(outLabel, entry, "INCONTACT.zip"));
        out.push(diag("BUILD_EXTRA", `${extra} has no tenant file that builds it${recorded.has(`${entry}/INCONTACT.zip`) ? "; savpkg build --all removes it" : "; savpkg did not record it, so a build leaves it: delete it if it is not needed"}`, { file: extra }));
      }
    }
  }
  out.push(...checkMetadata(outDir, records, all, outLabel));
  return out;
}

/** manifest.json and SHA256SUMS must vouch for exactly the bytes the tenants build. */
function checkMetadata(outDir: string, records: PackageRecord[], all: boolean, outLabel: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sumsLabel = toPosix(join(outLabel, "SHA256SUMS"));
  const manifestLabel = toPosix(join(outLabel, "manifest.json"));
  const sums = readText(join(outDir, "SHA256SUMS"));
  const manifest = readManifest(outDir);
  if (records.length > 0 && sums === undefined) out.push(diag("BUILD_MISSING", `${sumsLabel} is missing; run savpkg build`, { file: sumsLabel }));
  if (records.length > 0 && manifest === undefined) out.push(diag("BUILD_MISSING", `${manifestLabel} is missing or unreadable; run savpkg build`, { file: manifestLabel }));
  const lines = new Set((sums ?? "").split("\n").filter((l) => l !== ""));
  const listed = new Map((manifest?.packages ?? []).map((p) => [p.package, p]));
  for (const r of records) {
    if (sums !== undefined && !lines.has(sumsLine(r))) out.push(diag("BUILD_STALE", `${sumsLabel} does not record ${r.package} as ${r.sha256}`, { file: sumsLabel }));
    const m = listed.get(r.package);
    if (manifest !== undefined && (m === undefined || m.sha256 !== r.sha256 || m.size !== r.size || m.tenant !== r.tenant)) {
      out.push(diag("BUILD_STALE", `${manifestLabel} does not record ${r.package} as ${r.sha256}`, { file: manifestLabel }));
    }
  }
  if (all) {
    const built = new Set(records.map((r) => r.package));
    for (const line of lines) {
      const pkg = line.slice(66);
      if (!built.has(pkg)) out.push(diag("BUILD_STALE", `${sumsLabel} lists ${pkg}, which no tenant builds; savpkg build --all removes it`, { file: sumsLabel }));
    }
    for (const pkg of listed.keys()) {
      if (!built.has(pkg)) out.push(diag("BUILD_STALE", `${manifestLabel} lists ${pkg}, which no tenant builds; savpkg build --all removes it`, { file: manifestLabel }));
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

function readManifest(outDir: string): Partial<Manifest> | undefined {
  const text = readText(join(outDir, "manifest.json"));
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<Manifest>;
    return parsed && typeof parsed === "object" && Array.isArray(parsed.packages) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Records of the manifest on disk whose zip is on disk with the recorded sha256 (the rest are dropped). */
function verifiedRecords(outDir: string): PackageRecord[] {
  const out: PackageRecord[] = [];
  for (const p of readManifest(outDir)?.packages ?? []) {
    if (!p || typeof p.tenant !== "string" || typeof p.package !== "string" || typeof p.sha256 !== "string") continue;
    // Only `<tenant>/INCONTACT.zip` paths inside the output folder are ever recorded.
    const [folder, file, ...rest] = p.package.split("/");
    if (rest.length > 0 || file !== "INCONTACT.zip" || !folder || folder === "." || folder === ".." || folder.includes("\\")) continue;
    let bytes: Buffer;
    try {
      bytes = readOutput(join(outDir, p.package));
    } catch {
      continue;
    }
    if (sha256(bytes) === p.sha256) out.push(p);
  }
  return out;
}

/** manifest.json and SHA256SUMS for these records, sorted by tenant (byte order). */
function metadataFiles(outDir: string, records: readonly PackageRecord[], options: BuildOptions): PlannedFile[] {
  const packages = [...records].sort((a, b) => byteOrder(a.tenant, b.tenant));
  const manifest: Manifest = { savpkgVersion: savpkgVersion(), node: options.runtime?.node ?? "unknown", zlib: options.runtime?.zlib ?? "unknown", packages };
  return [
    { path: join(outDir, "manifest.json"), bytes: Buffer.from(JSON.stringify(manifest, null, 2) + "\n") },
    { path: join(outDir, "SHA256SUMS"), bytes: Buffer.from(packages.map((p) => sumsLine(p) + "\n").join("")) },
  ];
}

/** One `sha256sum -c` line: hash, two spaces (text mode marker), path relative to the out folder. */
function sumsLine(p: Pick<PackageRecord, "sha256" | "package">): string {
  return `${p.sha256}  ${p.package}`;
}

function sameBytes(path: string, bytes: Uint8Array): boolean {
  try {
    return readOutput(path).equals(Buffer.from(bytes));
  } catch {
    return false;
  }
}

function readText(path: string): string | undefined {
  try {
    return readOutput(path).toString("utf8");
  } catch {
    return undefined;
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Hash of the tenant file and its extends chain, in chain order; bases are hashed once per run. */
function hashFiles(files: readonly string[], bases: Map<string, string>): string {
  const hash = createHash("sha256");
  for (const [i, f] of files.entries()) {
    let h = i > 0 ? bases.get(f) : undefined;
    if (h === undefined) {
      h = sha256(readOutput(f));
      if (i > 0) bases.set(f, h);
    }
    hash.update(h).update("\n");
  }
  return hash.digest("hex");
}

/**
 * A file of the output folder (or a tenant file already read once): a regular file within the
 * package size limit, else it throws like readFileSync, which every caller treats as "not there".
 */
function readOutput(path: string): Buffer {
  const read = readRegularFile(path, { maxBytes: LIMITS.packageFileBytes.value });
  if (!read.ok) throw new Error(read.message);
  return read.bytes;
}

function toPosix(p: string): string {
  return p.split("\\").join("/");
}
