/**
 * Everything the CLI needs from the process, in one object: the only place savpkg touches
 * `process` (tests pass their own).
 */
import { fstatSync, readFileSync } from "node:fs";
import { writeToDescriptor as writeAll } from "../build/emit.js";
import type { LockOwner } from "../build/lock.js";

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** stdout/stderr are terminals (progress and colour only then). */
  isTTY: boolean;
  /** Terminal width for help text (undefined when not a terminal). */
  columns?: number;
  /** Node and zlib versions, recorded in build manifests. */
  runtime: { node: string; zlib: string };
  /** Reads one line from the terminal (confirmation prompts); undefined without a TTY. */
  prompt?: (question: string) => Promise<string>;
  /** This process as the owner of a build's output-folder lock (src/build/lock.ts); no lock without it. */
  lockOwner?: LockOwner;
}

export function processIO(): CliIO {
  // Whether a descriptor is a terminal, without making process.stdout/stderr/stdin (issue 15: their
  // streams, and the tty and net modules behind them, cost a cold start ~3% of `node -e 0`). Only a
  // character device can be a terminal; only then is the stream asked (it may be /dev/null).
  const terminal = (fd: 0 | 1 | 2) => isCharacterDevice(fd) && Boolean((fd === 0 ? process.stdin : fd === 1 ? process.stdout : process.stderr).isTTY);
  const stderrIsTTY = terminal(2);
  const io: CliIO = {
    stdout: (text) => writeAll(1, text),
    stderr: (text) => writeAll(2, text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: stderrIsTTY,
    runtime: { node: process.versions.node, zlib: process.versions.zlib ?? "unknown" },
    lockOwner: {
      pid: process.pid,
      started: new Date(Date.now() - process.uptime() * 1000).toISOString(),
      isRunning: (pid, started) => {
        if (pid === process.pid) return true;
        try {
          process.kill(pid, 0);
        } catch (error) {
          // EPERM: the process exists but belongs to someone else.
          if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
        }
        const since = processStartMs(pid);
        // Unknown start (no /proc): trust the pid. Known: a pid started long after the lock's owner
        // did is a reused pid, not the owner.
        return since === undefined || Math.abs(since - Date.parse(started)) < 5_000;
      },
    },
  };
  if (terminal(1) && process.stdout.columns !== undefined) io.columns = process.stdout.columns;
  if (stderrIsTTY && terminal(0)) {
    io.prompt = async (question) => {
      const { createInterface } = await import("node:readline/promises");
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    };
  }
  return io;
}

function isCharacterDevice(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/** When a process started (ms since the epoch), from Linux's /proc; undefined elsewhere. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Field 22 (starttime, clock ticks after boot) counts from after the ")" that ends the name.
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const boot = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "latin1"))?.[1];
    if (!Number.isFinite(ticks) || boot === undefined) return undefined;
    return Number(boot) * 1000 + (ticks * 1000) / 100;
  } catch {
    return undefined;
  }
}
