import { diag, exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand, withSet } from "../command.js";
import { eicRunOptions, withEic } from "./eic-options.js";

export default defineCommand({
  command: "pull [tenant]",
  describe: "Write a live EIC connection as a T2P package (native layout) for inspect, lint and diff",
  builder: (y) =>
    withEic(
      withSet(
        y
          .positional("tenant", { type: "string", describe: "Tenant file whose connection and EIC to read" })
          .option("connection", { type: "string", describe: "Or a connection name (with --eic)" })
          .option("out", { type: "string", demandOption: true, describe: "The zip to write" }),
      ),
    )
      .example("$0 pull tenants/acme-prod.yaml --out live.zip", "what prod has now")
      .example("$0 pull --connection InContact_PROD --eic https://acme.saviyntcloud.com --out live.zip", "without a tenant file"),
  run: async (args, { io, report, fail }) => {
    if ((args.tenant === undefined) === (args.connection === undefined)) return fail([diag("USAGE", "pull needs a tenant file or --connection NAME (one of them)")]);
    const run = eicRunOptions(args, io);
    if (!run.options) return fail(run.diagnostics);
    const { pullConnection } = await import("../../deploy/run.js");
    const result = await pullConnection({ ...(args.tenant !== undefined ? { tenant: args.tenant } : {}), ...(args.connection !== undefined ? { connection: args.connection } : {}) }, run.options);
    const diagnostics = [...result.diagnostics];
    if (result.zip) {
      const { emitFiles } = await import("../../build/emit.js");
      const { resolve } = await import("node:path");
      diagnostics.push(...emitFiles([{ path: resolve(io.cwd, args.out), bytes: result.zip }]));
    }
    await report(diagnostics, result.zip ? { written: [args.out] } : {});
    if (result.zip && exitCodeFor(diagnostics) === 0 && args.format !== "json") io.stderr(`wrote ${args.out} (${result.connection})\n`);
    return exitCodeFor(diagnostics);
  },
});
