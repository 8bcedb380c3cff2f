/**
 * The shape of a command module: yargs options typed per command, and a handler that parses
 * nothing itself — it calls one library function, prints through pure formatters and returns the
 * exit code that the one exit policy (`exitCodeFor`) gives.
 */
import type { ArgumentsCamelCase, Argv } from "yargs";
import { exitCodeFor, type Diagnostic, type ExitOptions } from "../core/diagnostics.js";
import type { CliIO } from "./io.js";

export type Format = "text" | "json" | "markdown";

export interface GlobalArgs {
  format: Format;
  verbose: boolean;
  color: boolean | undefined;
}

export interface CommandContext {
  io: CliIO;
  /** Colour for this run: --color, else a TTY without NO_COLOR or TERM=dumb. */
  color: boolean;
  /** Prints diagnostics in the chosen format (text on stderr, JSON on stdout). */
  report: (diagnostics: readonly Diagnostic[], extra?: Record<string, unknown>) => Promise<void>;
  /** Prints diagnostics and returns the exit code they mean. */
  fail: (diagnostics: readonly Diagnostic[], options?: ExitOptions) => Promise<number>;
}

export interface Command<A> {
  /** yargs command string: name and positionals (`diff <a> <b>`). */
  command: string;
  describe: string;
  builder: (y: Argv<GlobalArgs>) => Argv<A>;
  run: (args: ArgumentsCamelCase<A> & GlobalArgs, context: CommandContext) => Promise<number>;
}

/** Keeps each module's argument type while the registry holds them side by side. */
export function defineCommand<A>(command: Command<A>): Command<A> {
  return command;
}

export function makeContext(io: CliIO, args: GlobalArgs): CommandContext {
  const color = args.color ?? (io.isTTY && !io.env.NO_COLOR && io.env.TERM !== "dumb");
  const report = async (diagnostics: readonly Diagnostic[], extra: Record<string, unknown> = {}) => {
    const format = await import("../core/format.js");
    if (args.format === "json") io.stdout(format.formatDiagnosticsJson(diagnostics, extra));
    else if (diagnostics.length > 0) io.stderr(format.formatDiagnosticsText(diagnostics, { color }));
  };
  return {
    io,
    color,
    report,
    fail: async (diagnostics, options) => {
      await report(diagnostics);
      return exitCodeFor(diagnostics, options);
    },
  };
}

/** `--set path=value`, for every command that compiles tenant files. */
export function withSet<T>(y: Argv<T>) {
  return y.option("set", { type: "string", array: true, default: [] as string[], describe: "Override a value: --set import.pageSize=50 (typed by the schema)" });
}
