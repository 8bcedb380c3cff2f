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
    )
      .example("$0 render tenants/acme-dev.yaml", "every document, as pretty JSON")
      .example("$0 render t.yaml --attr NAME", "one document (e.g. CreateAccountJSON)")
      .example("$0 render t.yaml --out rendered/", "one <Attribute>.json per document"),
  run: async (args, { io, report }) => {
    const { renderTenant } = await import("../../build/compile.js");
    const rendered = await renderTenant(args.tenant, { cwd: io.cwd, set: args.set, ...(args.attr !== undefined ? { attr: args.attr } : {}) });
    if (rendered.output === undefined) {
      await report(rendered.diagnostics);
      return exitCodeFor(rendered.diagnostics);
    }
    if (args.out !== undefined) {
      const { emitFiles } = await import("../../build/emit.js");
      const { basename, join } = await import("node:path");
      const files = rendered.files(args.out);
      const problems = emitFiles(files);
      await report([...rendered.diagnostics, ...problems], problems.length > 0 ? {} : { written: files.map((f) => join(args.out!, basename(f.path))) });
      return exitCodeFor(problems);
    }
    // JSON: the documents inside the envelope (`rendered`); text: the documents alone, as before.
    if (args.format === "json") await report(rendered.diagnostics, { rendered: rendered.output });
    else {
      if (rendered.diagnostics.length > 0) await report(rendered.diagnostics);
      io.stdout(JSON.stringify(rendered.output, null, 2) + "\n");
    }
    return exitCodeFor(rendered.diagnostics);
  },
});
