import { exitCodeFor, type Diagnostic } from "../../core/diagnostics.js";
import { safeLine } from "../../core/text-safety.js";
import { defineCommand, withSet } from "../command.js";
import { readInput } from "./read-input.js";

export default defineCommand({
  command: "lint <package>",
  describe: "Run the lint rules on a package zip or a tenant file",
  builder: (y) =>
    withSet(y.positional("package", { type: "string", demandOption: true, describe: "Package zip, or a tenant file" })).example(
      "$0 lint ../exports/INCONTACT.zip",
      "find the known defect classes",
    ),
  run: async (args, context) => {
    const { TENANT_FILE } = await import("../../core/input.js");
    let diagnostics: Diagnostic[];
    if (TENANT_FILE.test(args.package)) {
      const { validateTenants } = await import("../../build/compile.js");
      diagnostics = await validateTenants([args.package], { cwd: context.io.cwd, set: args.set });
    } else {
      const read = await readInput(args.package, args.set, context);
      if (!read.model) return context.fail(read.diagnostics);
      const { lintPackage } = await import("../../package/lint.js");
      diagnostics = lintPackage(read.model, read.diagnostics);
    }
    await context.report(diagnostics, { input: args.package });
    if (args.format === "text") context.io.stderr(lintSummary(args.package, diagnostics) + "\n");
    return exitCodeFor(diagnostics);
  },
});

function lintSummary(target: string, diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  const shown = safeLine(target);
  return errors + warnings === 0 ? `${shown}: no problems found` : `${shown}: ${errors} error(s), ${warnings} warning(s)`;
}
