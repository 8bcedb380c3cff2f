import { exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand } from "../command.js";

export default defineCommand({
  command: "schema",
  describe: "Print (or write) the tenant JSON Schema, for editors and CI",
  builder: (y) =>
    y
      .option("out", { type: "string", describe: "Write a copy to this file (atomically) instead of printing it" })
      .example("$0 schema > tenant.schema.json", "print it")
      .example("$0 schema --out tenant.schema.json", "write a copy (init points at it)"),
  run: async (args, { io, report }) => {
    const { tenantSchemaText } = await import("../../core/schemas.js");
    const text = tenantSchemaText();
    if (args.out !== undefined) {
      const { emitFiles } = await import("../../build/emit.js");
      const { resolve } = await import("node:path");
      const problems = emitFiles([{ path: resolve(io.cwd, args.out), bytes: Buffer.from(text, "utf8") }]);
      await report(problems, problems.length > 0 ? {} : { written: [args.out] });
      if (problems.length === 0 && args.format === "text") {
        const { safeLine } = await import("../../core/text-safety.js");
        io.stderr(`wrote ${safeLine(args.out)}\n`);
      }
      return exitCodeFor(problems);
    }
    // Text: the schema itself (for `> file` and editors); JSON: the schema inside the envelope.
    if (args.format === "json") await report([], { schema: JSON.parse(text) as unknown });
    else io.stdout(text);
    return 0;
  },
});
