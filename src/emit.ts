/**
 * Stage 6 — emit: the only stage that writes. Everything is planned in memory first; each file is
 * written to a temp file in its destination folder, fsynced and renamed over the target, then the
 * folder is fsynced (engineering.md C2). A failure removes the temp file and leaves any earlier
 * file untouched, so readers only ever see a complete old or a complete new file.
 *
 * A process killed mid-write leaves its temp file behind. Temp names start with a dot and end in
 * `.tmp-<hex>`, so nothing reads them as packages; the next successful write of the same target
 * removes them. (Two builds writing the same target at once are not supported: one of them may then
 * fail with IO_WRITE, but neither can leave a partial file under the real name.)
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { diag, type Diagnostic } from "./diagnostics.js";

export interface PlannedFile {
  path: string;
  bytes: Uint8Array;
  /** File mode; 0o644 unless the file holds secrets (0o600). */
  mode?: number;
}

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
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const reason =
      code === "ENOSPC" ? "the disk is full" : code === "EACCES" || code === "EPERM" ? "permission denied" : code === "EROFS" ? "read-only file system" : (error as Error).message;
    return diag("IO_WRITE", `cannot write ${file.path}: ${reason}; nothing was changed there`, { file: file.path });
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
