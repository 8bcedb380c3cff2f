import { defineCommand, withSet } from "../command.js";
import { eicRunOptions, withEic } from "./eic-options.js";

export default defineCommand({
  command: "plan <tenants..>",
  describe: "Compare each tenant's live EIC connection with its build (0 nothing to change, 1 changes, 2 error)",
  builder: (y) =>
    withEic(
      withSet(
        y
          .positional("tenants", { type: "string", array: true, demandOption: true, describe: "Tenant files" })
          .option("out", { type: "string", describe: "Write a plan file (hashes only) for deploy --plan" }),
      ),
    )
      .example("$0 plan tenants/acme-prod.yaml", "what a deploy would change")
      .example("$0 plan tenants/acme-prod.yaml --format markdown --out plan.json", "a pull-request comment and the reviewed plan"),
  run: async (args, { io, color, report, fail }) => {
    const run = eicRunOptions(args, io);
    if (!run.options) return fail(run.diagnostics);
    const { planTenants, planExitCode } = await import("../../deploy/run.js");
    const { formatPlanMarkdown, formatPlanText, planReportJson } = await import("../../deploy/format.js");
    const result = await planTenants(args.tenants, run.options);
    const diagnostics = [...result.diagnostics];
    if (args.out !== undefined && diagnostics.every((d) => d.severity !== "error")) {
      const { formatPlanFile } = await import("../../deploy/plan-file.js");
      const { emitFiles } = await import("../../build/emit.js");
      const { resolve } = await import("node:path");
      diagnostics.push(...emitFiles([{ path: resolve(io.cwd, args.out), bytes: Buffer.from(formatPlanFile(result.tenants.map((t) => t.entry!)), "utf8") }]));
    }
    if (args.format === "json") await report(diagnostics, planReportJson(result.tenants));
    else {
      io.stdout(args.format === "markdown" ? formatPlanMarkdown(result.tenants) : formatPlanText(result.tenants, { color }));
      await report(diagnostics);
    }
    return planExitCode({ tenants: result.tenants, diagnostics });
  },
});
