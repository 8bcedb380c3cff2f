import { exitCodeFor, hasErrors, type Diagnostic } from "../../core/diagnostics.js";
import { defineCommand, withSet } from "../command.js";

export default defineCommand({
  command: "validate <tenants..>",
  describe: "Load, validate, render and lint tenant files; writes nothing",
  builder: (y) =>
    withSet(y.positional("tenants", { type: "string", array: true, demandOption: true, describe: "Tenant files (.yaml or .json)" }))
      .example("$0 validate tenants/acme-prod.yaml", "check one tenant, write nothing")
      .example("$0 validate tenants/*.yaml", "check every tenant"),
  run: async (args, { io, report }) => {
    const { validateTenants } = await import("../../build/compile.js");
    const diagnostics: Diagnostic[] = [];
    // The files that passed (no error), for the JSON envelope; warnings do not fail a file.
    const valid: string[] = [];
    for (const tenant of args.tenants) {
      const found = await validateTenants([tenant], { cwd: io.cwd, set: args.set });
      if (!hasErrors(found)) valid.push(tenant);
      diagnostics.push(...found);
    }
    const code = exitCodeFor(diagnostics);
    await report(diagnostics, { valid });
    if (args.format === "text" && code === 0) io.stderr(`${args.tenants.length} tenant file(s) valid\n`);
    return code;
  },
});
