/**
 * The command layer: yargs parses, one module per command (commands/) calls the library, prints and
 * returns the exit code of the one exit policy (core/diagnostics.ts `exitCodeFor`): 0 ok, 1 problems
 * found in the input, 2 usage or I/O error. It is the only code that touches `process`, and only
 * through `CliIO` (io.ts). Command modules import the library lazily, so a command loads only what
 * it needs.
 */
import yargs, { type Argv } from "yargs";
import { closest, type Diagnostic } from "../core/diagnostics.js";
import { redactText } from "../core/redaction.js";
import { makeContext, type GlobalArgs } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { processIO, type CliIO } from "./io.js";

export { processIO, type CliIO } from "./io.js";

/** A command line yargs refused (unknown flag, missing argument): reported as USAGE, exit 2. */
class UsageError extends Error {}

export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  let parser: Argv<GlobalArgs> = yargs([...argv])
    .scriptName("savpkg")
    .usage("$0 <command> [options]\n\nCompile, lint, diff and simulate Saviynt EIC connection packages for NICE CXone.")
    .option("format", { choices: ["text", "json", "markdown"] as const, default: "text" as const, describe: "Output format (json is stable and documented; markdown: diff and plan)" })
    .option("verbose", { type: "boolean", default: false, describe: "Show stack traces of internal errors" })
    .option("color", { type: "boolean", describe: "Force colour on or off (default: on a TTY unless NO_COLOR)" });
  for (const command of COMMANDS) {
    // Each module's argument type is its own; the registry only needs the shared shape.
    const c = command as unknown as { command: string; describe: string; builder: (y: Argv<GlobalArgs>) => Argv<GlobalArgs>; run: (args: GlobalArgs, context: ReturnType<typeof makeContext>) => Promise<number> };
    const name = c.command.split(" ")[0]!;
    parser = parser.command(c.command, c.describe, c.builder, async (args) => {
      exitCode = await c.run(args, makeContext(io, args, name));
    });
  }
  parser = parser
    .demandCommand(1, "Give a command; see savpkg --help")
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, io.columns ?? 100))
    .fail((message, error) => {
      throw error ?? new UsageError(message ?? "invalid command line");
    })
    .help()
    .alias("h", "help")
    .version();

  // For errors yargs raises before a handler runs: the output format as the user asked for it.
  const globals = askedGlobals(argv);
  // A mistyped command: yargs would only say "Unknown argument"; name the closest command instead.
  const names = COMMANDS.map((c) => c.command.split(" ")[0]!);
  const first = argv.find((a) => !a.startsWith("-"));
  // Errors before a handler runs still print the envelope of the command the line names, if any.
  const named = first !== undefined && argv.indexOf(first) === 0 && names.includes(first) ? first : undefined;
  if (first !== undefined && argv.indexOf(first) === 0 && !names.includes(first)) {
    const hint = closest(first, names);
    return makeContext(io, globals).fail([
      { code: "USAGE", severity: "error", message: `unknown command "${first}"${hint ? ` — did you mean "${hint}"?` : `; the commands are ${names.join(", ")}`}` },
    ]);
  }
  try {
    // With a callback yargs hands --help/--version text back instead of printing it itself.
    let output = "";
    await parser.parseAsync([...argv], {}, (_error, _argv, text) => {
      output = text ?? "";
    });
    if (output) io.stdout(output.endsWith("\n") ? output : output + "\n");
    return exitCode;
  } catch (error) {
    const usage = error instanceof UsageError || (error as Error).name === "YError";
    // An internal error may quote the data it was handling: the one redaction policy applies to its
    // message and to the --verbose stack alike.
    const raw = usage || !globals.verbose ? (error as Error).message : ((error as Error).stack ?? String(error));
    const message = usage ? raw : redactText(raw);
    const diagnostic: Diagnostic = usage
      ? { code: "USAGE", severity: "error", message }
      : { code: "INTERNAL", severity: "error", message: globals.verbose ? message : `${message} (run with --verbose for details; please report this)` };
    return makeContext(io, globals, named).fail([diagnostic]);
  }
}

function askedGlobals(argv: readonly string[]): GlobalArgs {
  const formatIndex = argv.findIndex((a) => a === "--format" || a.startsWith("--format="));
  const asked = formatIndex < 0 ? undefined : argv[formatIndex]!.includes("=") ? argv[formatIndex]!.split("=")[1] : argv[formatIndex + 1];
  return { format: asked === "json" ? "json" : "text", verbose: argv.includes("--verbose"), color: undefined };
}
