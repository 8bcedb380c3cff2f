import { safeLine } from "../../core/text-safety.js";
import { exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand } from "../command.js";
import { readInput } from "./read-input.js";

export default defineCommand({
  command: "unpack <package> <dir>",
  describe: "Write a package's attributes as pretty JSON files into an empty folder",
  builder: (y) =>
    y
      .positional("package", { type: "string", demandOption: true, describe: "Package zip, or a tenant file" })
      .positional("dir", { type: "string", demandOption: true, describe: "Folder to write (empty, or new)" })
      .option("force", { type: "boolean", default: false, describe: "Write into a non-empty folder (replaces same-named files, deletes nothing)" })
      .option("with-secrets", { type: "boolean", default: false, describe: "Also write ConnectionJSON credentials (mode 0600)" })
      .example("$0 unpack INCONTACT.zip ./incontact", "one file per attribute"),
  run: async (args, context) => {
    const read = await readInput(args.package, [], context);
    if (!read.model) return context.fail(read.diagnostics);
    const { planUnpack, writeUnpack } = await import("../../package/unpack.js");
    const plan = planUnpack(read.model, { withSecrets: args.withSecrets });
    const problems = await writeUnpack(args.dir, plan, { force: args.force, cwd: context.io.cwd });
    const diagnostics = [...read.diagnostics, ...problems];
    await context.report(diagnostics, problems.length > 0 ? {} : { written: plan.map((f) => f.path) });
    if (problems.length === 0 && args.format !== "json") context.io.stderr(`wrote ${plan.length} files to ${safeLine(args.dir)}\n`);
    return exitCodeFor(diagnostics);
  },
});
