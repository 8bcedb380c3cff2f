/**
 * Runs the savpkg CLI in-process (vitest executes the TS sources directly) with captured output,
 * the given environment and working directory; never a TTY, so no colour and no progress lines.
 */
import { main, type CliIO } from "../../src/cli/main.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  cwd: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Answers a confirmation prompt as a terminal user would (the run then counts as interactive). */
  prompt?: (question: string) => Promise<string>;
}

export async function runCli(argv: readonly string[], options: CliRunOptions): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: { NO_COLOR: "1", ...(options.env ?? {}) },
    cwd: options.cwd,
    isTTY: false,
    ...(options.prompt ? { prompt: options.prompt } : {}),
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
