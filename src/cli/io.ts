/**
 * Everything the CLI needs from the process, in one object: the only place savpkg touches
 * `process` (tests pass their own).
 */
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
  const io: CliIO = {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
    runtime: { node: process.versions.node, zlib: process.versions.zlib ?? "unknown" },
    lockOwner: {
      pid: process.pid,
      started: new Date(Date.now() - process.uptime() * 1000).toISOString(),
      isRunning: (pid) => {
        if (pid === process.pid) return true;
        try {
          process.kill(pid, 0);
          return true;
        } catch (error) {
          // EPERM: the process exists but belongs to someone else.
          return (error as NodeJS.ErrnoException).code === "EPERM";
        }
      },
    },
  };
  if (process.stdout.columns !== undefined) io.columns = process.stdout.columns;
  if (process.stdin.isTTY && process.stderr.isTTY) {
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
