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
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { createExclusive, makeFolder, removeEmptyFolders, removeFile } from "./emit.js";

export const LOCK_NAME = ".savpkg-build.lock";

export interface LockOptions {
  /** How long to wait for a live owner (default 10 s). */
  waitMs?: number;
  /** Poll interval while waiting (default 50 ms). */
  pollMs?: number;
  /** Label of the folder for messages (as the user wrote it). */
  label?: string;
}

/** The process taking the lock (the CLI passes its own: only src/cli/ touches the process object). */
export interface LockOwner {
  pid: number;
  /** When the process started (ISO), shown to a build that has to wait. */
  started: string;
  /**
   * Whether the process that wrote a lock still runs: its pid runs and, where the system can tell,
   * that pid started when the lock says (a reused pid is another process, so the lock is stale).
   */
  isRunning(pid: number, started: string): boolean;
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

export async function acquireOutputLock(outDir: string, owner: LockOwner, options: LockOptions = {}): Promise<{ lock: HeldLock } | { diagnostic: Diagnostic }> {
  const label = options.label ?? outDir;
  const path = join(outDir, LOCK_NAME);
  const made = makeFolder(outDir);
  if ("error" in made) {
    const code = made.error;
    const reason = code === "ENOTDIR" || code === "EEXIST" ? "a file is in the way of the folder" : code === "EACCES" || code === "EPERM" ? "permission denied" : code;
    return { diagnostic: diag("IO_WRITE", `cannot write ${label}: ${reason}; nothing was written`, { file: label }) };
  }
  const createdDir = made.created;
  const mine: LockContent = { pid: owner.pid, started: owner.started, token: randomBytes(8).toString("hex") };
  const text = JSON.stringify(mine) + "\n";
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  let holder: LockContent | undefined;
  for (;;) {
    const created = createExclusive(path, text);
    if (created === true) return { lock: { release: () => release(path, mine.token, outDir, createdDir) } };
    if (created !== "exists") {
      removeEmptyFolders(outDir, createdDir);
      return { diagnostic: diag("IO_WRITE", `cannot create the build lock ${join(label, LOCK_NAME)}: ${created}`, { file: label }) };
    }
    const raw = readText(path);
    holder = raw === undefined ? undefined : parseLock(raw);
    // A lock nobody can be holding: its process is gone. An unreadable lock is only stale once it is
    // old (a lock just created is empty until its owner has written it).
    if (raw !== undefined && (holder ? !owner.isRunning(holder.pid, holder.started) : ageMs(path) > GUARD_STALE_MS)) {
      takeOver(path, raw, owner);
      continue;
    }
    if (Date.now() >= deadline) break;
    await sleep(options.pollMs ?? 50);
  }
  removeEmptyFolders(outDir, createdDir);
  const who = holder ? `pid ${holder.pid}, running since ${holder.started}` : "another process";
  return {
    diagnostic: diag(
      "BUILD_LOCKED",
      `another build (${who}) is writing ${label}; waited ${Math.round((options.waitMs ?? 10_000) / 1000)} s. Run again when it has finished (if no build is running, delete ${join(label, LOCK_NAME)})`,
      { file: label },
    ),
  };
}

/** Removes the stale lock whose text is `stale`, unless someone else is taking it over or already did. */
function takeOver(path: string, stale: string, owner: LockOwner): void {
  const guard = `${path}.takeover`;
  const got = createExclusive(guard, String(owner.pid));
  if (got !== true) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > GUARD_STALE_MS) removeFile(guard);
    } catch {
      // Gone already: the other taker finished.
    }
    return;
  }
  try {
    if (readText(path) === stale) removeFile(path);
  } finally {
    removeFile(guard);
  }
}

function release(path: string, token: string, outDir: string, createdDir: string | undefined): void {
  try {
    // Only our own lock: never one a later build took over after deciding ours was stale.
    if (parseLock(readText(path) ?? "")?.token === token) removeFile(path);
  } catch {
    // Releasing is best effort; a leftover lock of a dead pid is taken over by the next build.
  }
  removeEmptyFolders(outDir, createdDir);
}

function parseLock(raw: string): LockContent | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockContent>;
    return typeof v === "object" && v !== null && Number.isInteger(v.pid) && typeof v.started === "string" && typeof v.token === "string" ? (v as LockContent) : undefined;
  } catch {
    return undefined;
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
