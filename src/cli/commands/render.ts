import { exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand, withSet } from "../command.js";

export default defineCommand({
  command: "render <tenant>",
  describe: "Print (or write) the rendered attribute documents as pretty JSON",
  builder: (y) =>
    withSet(
      y
        .positional("tenant", { type: "string", demandOption: true, describe: "Tenant file (.yaml or .json)" })
        .option("attr", { type: "string", describe: "Only this attribute (e.g. CreateAccountJSON)" })
        .option("out", { type: "string", describe: "Write one <Attribute>.json per document into this folder" }),
    ).example("$0 render examples/tenants/acme-dev.yaml --attr CreateAccountJSON", "show the create call"),
  run: async (args, { io, report }) => {
    const { renderTenant } = await import("../../build/compile.js");
    const rendered = await renderTenant(args.tenant, { cwd: io.cwd, set: args.set, ...(args.attr !== undefined ? { attr: args.attr } : {}) });
    if (rendered.output === undefined) {
      await report(rendered.diagnostics);
      return exitCodeFor(rendered.diagnostics);
    }
    if (args.out !== undefined) {
      const { emitFiles } = await import("../../build/emit.js");
      const problems = emitFiles(rendered.files(args.out));
      await report([...rendered.diagnostics, ...problems]);
      return exitCodeFor(problems);
    }
    if (rendered.diagnostics.length > 0 && args.format === "text") await report(rendered.diagnostics);
    io.stdout(JSON.stringify(rendered.output, null, 2) + "\n");
    return exitCodeFor(rendered.diagnostics);
  },
});
