import { defineCommand, withSet } from "../command.js";

export default defineCommand({
  command: "simulate <input>",
  describe: "Run a tenant's or package's import and provisioning calls against a local CXone simulator",
  builder: (y) =>
    withSet(
      y
        .positional("input", { type: "string", demandOption: true, describe: "Tenant file (.yaml) or package (.zip)" })
        .option("seed", { type: "string", describe: "Simulator seed JSON (default: the Acme business unit, 25 agents)" })
        .option("base-url-from", { type: "string", describe: "For a zip: tenant whose cxone.apiBaseUrl resolves relative URLs and whose ConnectionJSON is used" })
        .option("page-size", { type: "string", default: "10", describe: "Import page size and simulator list cap, or 'tenant' to keep the tenant's" })
        .option("knobs", { type: "string", describe: "JSON file of simulator knobs (faults, strictness, ...)" }),
    )
      .example("$0 simulate examples/tenants/acme-dev.yaml", "run every operation of a tenant")
      .example("$0 simulate INCONTACT.zip --base-url-from examples/tenants/acme-dev.yaml", "check a package"),
  run: async (args, { io, color }) => {
    const { simulate, formatSimulationJson, formatSimulationText, simulationExitCode } = await import("../../simulate/index.js");
    const result = await simulate(args.input, {
      cwd: io.cwd,
      set: args.set,
      pageSize: args.pageSize,
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.baseUrlFrom !== undefined ? { baseUrlFrom: args.baseUrlFrom } : {}),
      ...(args.knobs !== undefined ? { knobsFile: args.knobs } : {}),
    });
    io.stdout(args.format === "json" ? formatSimulationJson(result) : formatSimulationText(result, { color, verbose: args.verbose }));
    return simulationExitCode(result);
  },
});
