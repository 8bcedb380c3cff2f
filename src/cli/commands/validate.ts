import { exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand, withSet } from "../command.js";

export default defineCommand({
  command: "validate <tenants..>",
  describe: "Load, validate, render and lint tenant files; writes nothing",
  builder: (y) =>
    withSet(y.positional("tenants", { type: "string", array: true, demandOption: true, describe: "Tenant files (.yaml or .json)" })).example(
      "$0 validate examples/tenants/acme-prod.yaml",
      "check one tenant",
    ),
  run: async (args, { io, report }) => {
    const { validateTenants } = await import("../../build/compile.js");
    const diagnostics = await validateTenants(args.tenants, { cwd: io.cwd, set: args.set });
    const code = exitCodeFor(diagnostics);
    await report(diagnostics);
    if (args.format === "text" && code === 0) io.stderr(`${args.tenants.length} tenant file(s) valid\n`);
    return code;
  },
});
