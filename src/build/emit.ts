/**
 * Stage 6 — emit: the only stage that writes. Everything is planned in memory first; each file is
 * written to a temp file in its destination folder, fsynced and renamed over the target, then the
 * folder is fsynced (docs/engineering-notes.md#atomic-writes). A failure removes the temp file and leaves any earlier
 * file untouched, so readers only ever see a complete old or a complete new file.
 *
 * A process killed mid-write leaves its temp file behind. Temp names start with a dot and end in
 * `.tmp-<hex>`, so nothing reads them as packages; the next successful write of the same target
 * removes them. (Two builds writing the same target at once are not supported: one of them may then
 * fail with IO_WRITE, but neither can leave a partial file under the real name.)
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { mkdir, open, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import type { PlannedFile } from "../core/planned-file.js";

export type { PlannedFile } from "../core/planned-file.js";

/** Writes one file atomically; returns a diagnostic instead of throwing. */
export function writeFileAtomic(file: PlannedFile): Diagnostic | undefined {
  const dir = dirname(file.path);
  const temp = join(dir, `${tempPrefix(file.path)}${randomBytes(6).toString("hex")}`);
  let fd: number | undefined;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(temp, "wx", file.mode ?? 0o644);
    let offset = 0;
    while (offset < file.bytes.length) offset += writeSync(fd, file.bytes, offset, file.bytes.length - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, file.path);
    syncDirectory(dir);
    removeLeftovers(file.path);
    return undefined;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    removeQuietly(temp);
    return writeProblem(file.path, error);
  }
}

function writeProblem(path: string, error: unknown): Diagnostic {
  const code = (error as NodeJS.ErrnoException).code ?? "";
  const reason =
    code === "ENOSPC" ? "the disk is full" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EROFS" ? "read-only file system" : (error as Error).message;
  return diag("IO_WRITE", `cannot write ${path}: ${reason}; nothing was changed there`, { file: path });
}

// ------------------------------------------------------------------------------------------------
// The file operations of the output-folder lock (build/lock.ts): this module is the one writer.

/** Creates `path` only if it does not exist (`wx`), holding `text`: true, "exists", or an error code. */
export function createExclusive(path: string, text: string): true | "exists" | string {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o644);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    return code === "EEXIST" ? "exists" : code;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** mkdir -p; `created` is the top-most folder it made (undefined when all existed). */
export function makeFolder(dir: string): { created: string | undefined } | { error: string } {
  try {
    return { created: mkdirSync(dir, { recursive: true }) };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

/** Removes a file if it is there (best effort). */
export function removeFile(path: string): void {
  removeQuietly(path);
}

/**
 * Removes `dir` and its parents up to `top` (the first folder makeFolder created) while they are
 * empty: a build that wrote nothing leaves no folder behind.
 */
export function removeEmptyFolders(dir: string, top: string | undefined): void {
  if (top === undefined) return;
  for (let at = dir; ; at = dirname(at)) {
    try {
      rmdirSync(at);
    } catch {
      return; // Not empty (the build wrote into it) or already gone.
    }
    if (at === top || dirname(at) === at) return;
  }
}

/** Writes planned files in order, stopping at the first failure (earlier files stay complete). */
export function emitFiles(files: readonly PlannedFile[]): Diagnostic[] {
  for (const file of files) {
    const problem = writeFileAtomic(file);
    if (problem) return [problem];
  }
  return [];
}

/** Temp files of one target: `.<name>.tmp-<hex>` beside it. */
function tempPrefix(target: string): string {
  return `.${basename(target)}.tmp-`;
}

/** Removes temp files an interrupted earlier write of this target left behind (best effort). */
function removeLeftovers(target: string): void {
  const prefix = tempPrefix(target);
  try {
    for (const name of readdirSync(dirname(target))) {
      if (name.startsWith(prefix) && /^[0-9a-f]+$/.test(name.slice(prefix.length))) rmSync(join(dirname(target), name), { force: true });
    }
  } catch {
    // The target is written; a leftover that cannot be removed is harmless.
  }
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some file systems do not support fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Cleanup after a failure must not raise a second error (e.g. ENOTDIR when the folder is a file). */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Nothing was created there.
  }
}

/**
 * Batch writes (issue 7: memory flat in the number of packages). Each file is staged as soon as it
 * is planned, as the same `.<name>.tmp-<hex>` temp file in its destination folder that
 * `writeFileAtomic` uses, so the caller keeps only names and a killed process leaves nothing but
 * temp files that no reader takes for a package. Nothing is visible under a real name until
 * `commitStaged` renames; `abortStaged` removes every trace of a batch that will not be committed.
 */
export interface StagedFile {
  temp: string;
  target: string;
}

export interface Staging {
  files: StagedFile[];
  /** Folders this batch created (the top-most of each mkdir), removed again on abort. */
  createdDirs: string[];
  /** Writes still in flight (at most STAGE_WINDOW). */
  pending: Set<Promise<void>>;
  /** The first write that failed; later stageFiles calls do nothing. */
  problem?: Diagnostic;
}

export function createStaging(): Staging {
  return { files: [], createdDirs: [], pending: new Set() };
}

/**
 * How many tenants' writes may be in flight while the next ones compile. Creating files and
 * folders costs about as much as compiling here (0.5–1.5 ms a call on a busy disk), so it runs on
 * libuv's threads beside the compiler; the window bounds the bytes held (about 20 KB a tenant).
 */
const STAGE_WINDOW = 32;

/**
 * Stages one tenant's files: writes each to a temp file beside its target (no fsync yet:
 * commitStaged does that in a batch). Returns once the window has room again; the write may still
 * be running — `settleStaged` waits for all of them. Failures are kept in `staging.problem`.
 */
export async function stageFiles(staging: Staging, files: readonly PlannedFile[]): Promise<void> {
  if (staging.problem) return;
  // Names are taken now, in call order: commitStaged renames in that order.
  const jobs = files.map((file) => ({ file, temp: join(dirname(file.path), `${tempPrefix(file.path)}${randomBytes(6).toString("hex")}`) }));
  for (const j of jobs) staging.files.push({ temp: j.temp, target: j.file.path });
  const job = (async () => {
    let current: PlannedFile | undefined;
    try {
      for (const dir of new Set(files.map((f) => dirname(f.path)))) {
        current = files.find((f) => dirname(f.path) === dir);
        const created = await mkdir(dir, { recursive: true });
        if (created !== undefined) staging.createdDirs.push(created);
      }
      for (const j of jobs) {
        current = j.file;
        await writeFile(j.temp, j.file.bytes, { flag: "wx", mode: j.file.mode ?? 0o644 });
      }
    } catch (error) {
      staging.problem ??= writeProblem(current?.path ?? "", error);
    }
  })();
  staging.pending.add(job);
  void job.then(() => staging.pending.delete(job));
  while (staging.pending.size >= STAGE_WINDOW) await Promise.race(staging.pending);
}

/** Waits for every staged write; returns the first failure, if any. */
export async function settleStaged(staging: Staging): Promise<Diagnostic | undefined> {
  await Promise.all(staging.pending);
  return staging.problem;
}

/** Removes the batch's temp files and the folders it created: the output is as before the batch. */
export async function abortStaged(staging: Staging): Promise<void> {
  await Promise.all(staging.pending);
  for (const f of staging.files) removeQuietly(f.temp);
  for (const dir of [...staging.createdDirs].reverse()) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort: an empty folder left behind is not a package.
    }
  }
  staging.files = [];
  staging.createdDirs = [];
}

/** How many fsyncs run at once: the file system can fold concurrent ones into one journal commit. */
const SYNC_CONCURRENCY = 16;

/**
 * Durable before visible (docs/engineering-notes.md#atomic-writes): fsync every staged file, then rename each over its
 * target, then fsync each destination folder once (one folder fsync covers all renames in it; the
 * caller records metadata only after this returns). A failure part-way stops there: files already
 * renamed are complete new files, the rest are removed and their targets keep the old bytes.
 */
export async function commitStaged(staging: Staging): Promise<Diagnostic[]> {
  const files = staging.files;
  let next = 0;
  let failed: { path: string; error: unknown } | undefined;
  const worker = async () => {
    while (failed === undefined && next < files.length) {
      const f = files[next++]!;
      try {
        const handle = await open(f.temp, "r+");
        try {
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (error) {
        failed ??= { path: f.target, error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SYNC_CONCURRENCY, files.length) }, worker));
  const dirs = new Set<string>();
  let renamed = 0;
  if (failed === undefined) {
    for (const [i, f] of files.entries()) {
      try {
        renameSync(f.temp, f.target);
      } catch (error) {
        failed = { path: f.target, error };
        const last = files[i - 1];
        if (last && dirname(last.target) === dirname(f.target)) syncDirectory(dirname(last.target));
        break;
      }
      renamed++;
      // A batch stages folder by folder: fsync each folder once, after its last rename.
      const dir = dirname(f.target);
      if (files[i + 1] === undefined || dirname(files[i + 1]!.target) !== dir) syncDirectory(dir);
      dirs.add(dir);
    }
  }
  for (const f of files.slice(renamed)) removeQuietly(f.temp);
  // Folders this batch created are entries of their parents: make those durable too.
  for (const parent of createdParents(staging.createdDirs, dirs)) syncDirectory(parent);
  // Leftovers of earlier interrupted writes of these targets, once per folder.
  const names = new Set(files.map((f) => basename(f.target)));
  for (const dir of dirs) removeLeftoversIn(dir, names);
  staging.files = [];
  staging.createdDirs = [];
  return failed === undefined ? [] : [writeProblem(failed.path, failed.error)];
}

/** For each folder that received files and lies in a folder this batch created: the folders above it, up to the created one's parent. */
function createdParents(created: readonly string[], dirs: ReadonlySet<string>): Set<string> {
  const tops = new Set(created);
  const out = new Set<string>();
  for (const dir of dirs) {
    const above: string[] = [];
    for (let d = dir; ; d = dirname(d)) {
      if (tops.has(d)) {
        for (const a of above) out.add(a);
        out.add(dirname(d));
        break;
      }
      if (dirname(d) === d) break;
      above.push(dirname(d));
    }
  }
  return out;
}

function removeLeftoversIn(dir: string, targets: ReadonlySet<string>): void {
  try {
    for (const name of readdirSync(dir)) {
      const m = /^\.(.+)\.tmp-([0-9a-f]+)$/.exec(name);
      if (m && targets.has(m[1]!)) rmSync(join(dir, name), { force: true });
    }
  } catch {
    // The targets are written; a leftover that cannot be removed is harmless.
  }
}

/**
 * Removes files savpkg itself recorded (stale packages of deleted tenants), then the folder if it
 * is left empty. Returns the error code of the first failure, undefined when all went.
 */
export function removeFiles(paths: readonly string[], options: { removeEmptyFolder?: string } = {}): string | undefined {
  try {
    for (const path of paths) unlinkSync(path);
    if (options.removeEmptyFolder !== undefined && readdirSync(options.removeEmptyFolder).length === 0) rmdirSync(options.removeEmptyFolder);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
  return undefined;
}
