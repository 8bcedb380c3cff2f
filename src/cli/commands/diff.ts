import { verdictExitCode } from "../../core/diagnostics.js";
import { defineCommand, withSet } from "../command.js";
import { readInput } from "./read-input.js";

export default defineCommand({
  command: "diff <a> <b>",
  describe: "Semantic diff of two packages or tenant files (0 same, 1 different, 2 error)",
  builder: (y) =>
    withSet(
      y
        .positional("a", { type: "string", demandOption: true, describe: "Package zip or tenant file (the old side)" })
        .positional("b", { type: "string", demandOption: true, describe: "Package zip or tenant file (the new side)" })
        .option("strict", { type: "boolean", default: false, describe: "Also compare GUID, stamps, layout and formatting" }),
    )
      .example("$0 diff examples/tenants/acme-dev.yaml examples/tenants/acme-prod.yaml", "dev vs prod")
      .example("$0 diff exported.zip dist-packages/acme-prod/INCONTACT.zip --format markdown", "for a pull-request comment"),
  run: async (args, context) => {
    const [a, b] = [await readInput(args.a, args.set, context), await readInput(args.b, args.set, context)];
    // 1 means "different": inputs that cannot be compared exit 2.
    if (!a.model || !b.model) return context.fail([...a.diagnostics, ...b.diagnostics], { inputProblemsAre: 2 });
    const { diffPackages } = await import("../../package/diff.js");
    const { formatDiffJson, formatDiffMarkdown, formatDiffText } = await import("../../package/diff-format.js");
    const result = diffPackages(a.model, b.model, { strict: args.strict });
    context.io.stdout(args.format === "json" ? formatDiffJson(result) : args.format === "markdown" ? formatDiffMarkdown(result) : formatDiffText(result, { color: context.color }));
    if (args.verbose && args.format !== "json") await context.report([...a.diagnostics, ...b.diagnostics]);
    // Once both sides are read, the exit code is the verdict alone (reader findings are lint's business).
    return verdictExitCode([], result.same);
  },
});
