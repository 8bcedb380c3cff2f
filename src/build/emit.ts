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
import { close, fsync, open } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, join, sep } from "node:path";
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
      if (name.startsWith(prefix) && /^[0-9a-f]+$/.test(name.slice(prefix.length)) && !liveTemps.has(join(dirname(target), name))) rmSync(join(dirname(target), name), { force: true });
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

/**
 * Temp files staged in this process and not yet renamed or removed. The leftover sweeps skip them:
 * a batch stages its metadata before committing its packages, and the sweep after one commit
 * must not take another staging's temp file for an interrupted write's.
 */
const liveTemps = new Set<string>();

/** Cleanup after a failure must not raise a second error (e.g. ENOTDIR when the folder is a file). */
function removeQuietly(path: string): void {
  liveTemps.delete(path);
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
  /** fsynced already (syncStaged). */
  synced?: boolean;
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
export async function stageFiles(staging: Staging, files: readonly PlannedFile[]): Promise<StageTicket | undefined> {
  if (staging.problem) return undefined;
  // Names are taken now, in call order: commitStaged renames in that order.
  const jobs = files.map((file) => ({ file, temp: join(dirname(file.path), `${tempPrefix(file.path)}${randomBytes(6).toString("hex")}`) }));
  const ticket: StageTicket = { files: jobs.map((j) => ({ temp: j.temp, target: j.file.path })), createdDirs: [] };
  staging.files.push(...ticket.files);
  for (const f of ticket.files) liveTemps.add(f.temp);
  const job = (async () => {
    let current: PlannedFile | undefined;
    try {
      for (const dir of new Set(files.map((f) => dirname(f.path)))) {
        current = files.find((f) => dirname(f.path) === dir);
        const created = await mkdir(dir, { recursive: true });
        if (created !== undefined) {
          staging.createdDirs.push(created);
          ticket.createdDirs.push(created);
        }
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
  return ticket;
}

/** What one stageFiles call staged: its files and the folders it created (the top-most of each mkdir). */
export interface StageTicket {
  files: StagedFile[];
  createdDirs: string[];
}

/**
 * Takes one stageFiles call back (a batch file turned out to be a base): its temp files are
 * removed and will not be committed, and the folders it created are removed when nothing else
 * was staged in them. Waits for every write in flight first, so no other job is creating a
 * folder this removes.
 */
export async function unstageFiles(staging: Staging, ticket: StageTicket): Promise<void> {
  await Promise.all(staging.pending);
  const drop = new Set(ticket.files);
  staging.files = staging.files.filter((f) => !drop.has(f));
  for (const f of ticket.files) removeQuietly(f.temp);
  for (const top of ticket.createdDirs) {
    // The folders below the created one that hold the ticket's files, deepest first, then it.
    const below = new Set<string>();
    for (const f of ticket.files) for (let d = dirname(f.target); d.startsWith(top + sep); d = dirname(d)) below.add(d);
    const removed = [...below, top].sort((a, b) => b.length - a.length).every((dir) => removeEmptyDir(dir));
    if (removed) staging.createdDirs = staging.createdDirs.filter((d) => d !== top);
  }
}

function removeEmptyDir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (error) {
    // Not empty: another tenant staged there, keep it.
    return (error as NodeJS.ErrnoException).code === "ENOENT";
  }
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

/** Runs `job` over `items`, at most `limit` at a time, until `stop()` says so. */
async function eachConcurrently<T>(items: readonly T[], limit: number, job: (item: T) => Promise<void>, stop: () => boolean = () => false): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (!stop() && next < items.length) await job(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** open + fsync + close with the callback API: a FileHandle costs more and holds nothing here. */
function fsyncPath(path: string, flags: string): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, flags, (error, fd) => {
      if (error) return reject(error);
      fsync(fd, (syncError) => close(fd, (closeError) => (syncError || closeError ? reject(syncError ?? closeError) : resolve())));
    });
  });
}

/** Folder fsync; some file systems refuse it, and the rename is atomic all the same. */
function syncDirectoryAsync(dir: string): Promise<void> {
  return fsyncPath(dir, "r").catch(() => undefined);
}

/**
 * The first half of a commit: fsync every staged file (SYNC_CONCURRENCY at a time). A batch runs
 * it for all its stagings at once — packages and the metadata that will record them — so their
 * fsyncs share one round; commitStaged then only renames. Returns the first failure.
 */
export async function syncStaged(staging: Staging): Promise<Diagnostic | undefined> {
  let failed: { path: string; error: unknown } | undefined;
  await eachConcurrently(
    staging.files.filter((f) => !f.synced),
    SYNC_CONCURRENCY,
    async (f) => {
      try {
        await fsyncPath(f.temp, "r+");
        f.synced = true;
      } catch (error) {
        failed ??= { path: f.target, error };
      }
    },
    () => failed !== undefined,
  );
  return failed === undefined ? undefined : writeProblem(failed.path, failed.error);
}

/**
 * Durable before visible (docs/engineering-notes.md#atomic-writes): fsync every staged file (unless syncStaged did),
 * then rename each over its target (in staging order) and fsync each destination folder once
 * (one folder fsync covers all renames in it), all folders concurrently, and the folders above
 * any this batch created. The caller records metadata only after this returns. A
 * failure part-way stops there: files already renamed are complete new files, the rest are
 * removed and their targets keep the old bytes.
 */
export async function commitStaged(staging: Staging): Promise<Diagnostic[]> {
  const files = staging.files;
  let failed: { path: string; error: unknown } | undefined;
  const synced = await syncStaged(staging);
  const renamed = new Set<StagedFile>();
  const dirs = new Set<string>();
  if (synced === undefined) {
    // In staging order, stopping at the first failure: a rename is a cheap metadata operation;
    // what costs is making it durable, and that is one fsync per folder, all folders at once.
    for (const f of files) {
      try {
        renameSync(f.temp, f.target);
      } catch (error) {
        failed = { path: f.target, error };
        break;
      }
      renamed.add(f);
      liveTemps.delete(f.temp);
      dirs.add(dirname(f.target));
    }
    await eachConcurrently([...dirs], SYNC_CONCURRENCY, syncDirectoryAsync);
  }
  for (const f of files) if (!renamed.has(f)) removeQuietly(f.temp);
  // Folders this batch created are entries of their parents: make those durable too.
  await Promise.all([...createdParents(staging.createdDirs, dirs)].map(syncDirectoryAsync));
  // Leftovers of earlier interrupted writes of these targets, once per folder.
  const names = new Set(files.map((f) => basename(f.target)));
  for (const dir of dirs) removeLeftoversIn(dir, names);
  staging.files = [];
  staging.createdDirs = [];
  if (synced) return [synced];
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

/** Removes temp files interrupted earlier writes of these targets (file names in `dir`) left behind; best effort. */
export function removeLeftoversIn(dir: string, targets: ReadonlySet<string>): void {
  try {
    for (const name of readdirSync(dir)) {
      const m = /^\.(.+)\.tmp-([0-9a-f]+)$/.exec(name);
      if (m && targets.has(m[1]!) && !liveTemps.has(join(dir, name))) rmSync(join(dir, name), { force: true });
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

/**
 * Writes all of `text` to an open descriptor (the CLI's stdout and stderr) before returning:
 * status lines and reports need no stream set-up and are never lost at exit (issue 15). A full
 * non-blocking pipe (EAGAIN) is waited on; a reader that went away (EPIPE, `savpkg … | head`)
 * ends the output quietly.
 */
export function writeToDescriptor(fd: number, text: string): void {
  let bytes = Buffer.from(text, "utf8");
  while (bytes.length > 0) {
    try {
      bytes = bytes.subarray(writeSync(fd, bytes));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPIPE") return;
      if (code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
