/**
 * An advisory lock on a build's output folder (issue 12 item 6): two `savpkg build` runs into one
 * folder would otherwise rename over each other's temp files and metadata.
 *
 * The lock is a file created exclusively (`wx`) in the output folder, holding the owner's pid, its
 * start time and a random token. A lock whose pid no longer runs is stale (a build killed with
 * SIGKILL) and is taken over; taking over is itself guarded by a second exclusive file, so two
 * builds that find the same stale lock cannot both take it. A live owner is waited for a short,
 * bounded time; then the build is refused with BUILD_LOCKED and writes nothing.
 */
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { diag, type Diagnostic } from "../core/diagnostics.js";

export const LOCK_NAME = ".savpkg-build.lock";

export interface LockOptions {
  /** How long to wait for a live owner (default 10 s). */
  waitMs?: number;
  /** Poll interval while waiting (default 50 ms). */
  pollMs?: number;
  /** Label of the folder for messages (as the user wrote it). */
  label?: string;
}

export interface HeldLock {
  release(): void;
}

interface LockContent {
  pid: number;
  started: string;
  token: string;
}

/** A takeover guard older than this belongs to a process that died while taking over. */
const GUARD_STALE_MS = 5_000;

export async function acquireOutputLock(outDir: string, options: LockOptions = {}): Promise<{ lock: HeldLock } | { diagnostic: Diagnostic }> {
  const label = options.label ?? outDir;
  const path = join(outDir, LOCK_NAME);
  let createdDir: string | undefined;
  try {
    createdDir = mkdirSync(outDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    const reason = code === "ENOTDIR" || code === "EEXIST" ? "a file is in the way of the folder" : code === "EACCES" || code === "EPERM" ? "permission denied" : code;
    return { diagnostic: diag("IO_WRITE", `cannot write ${label}: ${reason}; nothing was written`, { file: label }) };
  }
  const mine: LockContent = { pid: process.pid, started: new Date(Date.now() - process.uptime() * 1000).toISOString(), token: randomBytes(8).toString("hex") };
  const text = JSON.stringify(mine) + "\n";
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  let holder: LockContent | undefined;
  for (;;) {
    const created = createExclusive(path, text);
    if (created === true) return { lock: { release: () => release(path, mine.token, outDir, createdDir) } };
    if (created !== "exists") {
      removeEmptyDirs(outDir, createdDir);
      return { diagnostic: diag("IO_WRITE", `cannot create the build lock ${join(label, LOCK_NAME)}: ${created}`, { file: label }) };
    }
    const raw = readText(path);
    holder = raw === undefined ? undefined : parseLock(raw);
    // A lock nobody can be holding: its process is gone. An unreadable lock is only stale once it is
    // old (a lock just created is empty until its owner has written it).
    if (raw !== undefined && (holder ? !isRunning(holder.pid) : ageMs(path) > GUARD_STALE_MS)) {
      takeOver(path, raw);
      continue;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.pollMs ?? 50);
  }
  removeEmptyDirs(outDir, createdDir);
  const who = holder ? `pid ${holder.pid}, running since ${holder.started}` : "another process";
  return {
    diagnostic: diag(
      "BUILD_LOCKED",
      `another build (${who}) is writing ${label}; waited ${Math.round((options.waitMs ?? 10_000) / 1000)} s. Run again when it has finished (if no build is running, delete ${join(label, LOCK_NAME)})`,
      { file: label },
    ),
  };
}

/** true, "exists", or an error code. */
function createExclusive(path: string, text: string): true | "exists" | string {
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

/** Removes the stale lock whose text is `stale`, unless someone else is taking it over or already did. */
function takeOver(path: string, stale: string): void {
  const guard = `${path}.takeover`;
  const got = createExclusive(guard, String(process.pid));
  if (got !== true) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) rmSync(guard, { force: true });
    } catch {
      // Gone already: the other taker finished.
    }
    return;
  }
  try {
    if (readText(path) === stale) rmSync(path, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

function release(path: string, token: string, outDir: string, createdDir: string | undefined): void {
  try {
    // Only our own lock: never one a later build took over after deciding ours was stale.
    if (parseLock(readText(path) ?? "")?.token === token) rmSync(path, { force: true });
  } catch {
    // Releasing is best effort; a leftover lock of a dead pid is taken over by the next build.
  }
  removeEmptyDirs(outDir, createdDir);
}

/**
 * The lock made the output folder (and `top`, the first folder mkdir created above it): a build
 * that wrote nothing leaves no folder behind. Each one is removed only while it is empty.
 */
function removeEmptyDirs(outDir: string, top: string | undefined): void {
  if (top === undefined) return;
  for (let dir = outDir; ; dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return; // Not empty (the build wrote into it) or already gone.
    }
    if (dir === top || dirname(dir) === dir) return;
  }
}

function parseLock(raw: string): LockContent | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockContent>;
    return typeof v === "object" && v !== null && Number.isInteger(v.pid) && typeof v.started === "string" && typeof v.token === "string" ? (v as LockContent) : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
