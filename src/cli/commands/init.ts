import { safeLine } from "../../core/text-safety.js";
import { defineCommand } from "../command.js";

export default defineCommand({
  command: "init [file]",
  describe: "Write a commented starter tenant file",
  builder: (y) =>
    y
      .positional("file", { type: "string", describe: "Where to write it (default: <name>.yaml)" })
      .option("name", { type: "string", default: "my-tenant", describe: "Connection/tenant name" })
      .option("force", { type: "boolean", default: false, describe: "Overwrite an existing file" })
      .example("$0 init tenants/acme-test.yaml --name InContact_TEST", "start a new tenant file"),
  run: async (args, { io, report, fail }) => {
    const { initTenantFile } = await import("../../tenant/init.js");
    const { emitFiles } = await import("../../build/emit.js");
    const file = args.file ?? `${args.name}.yaml`;
    const planned = initTenantFile({ cwd: io.cwd, file, name: args.name, force: args.force });
    const problems = planned.diagnostics.length > 0 ? planned.diagnostics : emitFiles(planned.files);
    if (problems.length > 0) return fail(problems);
    await report([], { written: [file] });
    if (args.format === "text") io.stderr(`wrote ${safeLine(file)}\n`);
    return 0;
  },
});
