import { exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand } from "../command.js";
import { readInput } from "./read-input.js";

export default defineCommand({
  command: "inspect <package>",
  describe: "Show a package's connection, origin and attributes (any T2P export, or a tenant file)",
  builder: (y) =>
    y.positional("package", { type: "string", demandOption: true, describe: "Package zip, or a tenant file (compiled in memory)" }).example("$0 inspect INCONTACT.zip", "what is in an export"),
  run: async (args, context) => {
    const read = await readInput(args.package, [], context);
    if (!read.model) return context.fail(read.diagnostics);
    const { inspectPackage, formatInspectJson, formatInspectText } = await import("../../package/inspect.js");
    const inspected = inspectPackage(read.model, read.diagnostics);
    context.io.stdout(args.format === "json" ? formatInspectJson(inspected) : formatInspectText(inspected, { color: context.color }));
    return exitCodeFor(read.diagnostics);
  },
});
