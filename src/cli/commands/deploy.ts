import { diag, exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand, withSet } from "../command.js";
import { eicRunOptions, withEic } from "./eic-options.js";

export default defineCommand({
  command: "deploy <tenants..>",
  describe: "Create or update each tenant's connection in EIC, then read it back and verify it",
  builder: (y) =>
    withEic(
      withSet(
        y
          .positional("tenants", { type: "string", array: true, demandOption: true, describe: "Tenant files" })
          .option("yes", { type: "boolean", default: false, describe: "Do not ask (required without a terminal)" })
          .option("plan", { type: "string", describe: "A plan file from savpkg plan --out: refuse if anything changed since" }),
      ),
    )
      .example("$0 deploy tenants/acme-dev.yaml", "show the plan, ask, deploy")
      .example("$0 deploy tenants/acme-prod.yaml --plan plan.json --yes", "apply exactly the reviewed plan (CI)"),
  run: async (args, { io, color, report, fail }) => {
    // Checked before anything is read or sent: without a terminal nobody can answer the question.
    if (!args.yes && !io.prompt) return fail([diag("DEPLOY_NOT_CONFIRMED", "no terminal to ask on: pass --yes to deploy without a prompt (nothing was sent)")]);
    const run = eicRunOptions(args, io);
    if (!run.options) return fail(run.diagnostics);
    const { deployTenants } = await import("../../deploy/run.js");
    const { formatDeploySummary, formatPlanText, planReportJson } = await import("../../deploy/format.js");
    let plan: { file: string; plan: import("../../deploy/plan-file.js").PlanFile } | undefined;
    if (args.plan !== undefined) {
      const { readPlanFile } = await import("../../deploy/plan-file.js");
      const read = readPlanFile(args.plan, io.cwd);
      if (!read.plan) return fail(read.diagnostics);
      plan = { file: args.plan, plan: read.plan };
    }
    const prompt = io.prompt;
    const result = await deployTenants(args.tenants, {
      ...run.options,
      ...(plan ? { plan } : {}),
      ...(!args.yes && prompt
        ? {
            confirm: async (plans) => {
              io.stderr(formatPlanText(plans, { color }));
              const answer = await prompt(`\nDeploy ${plans.length} connection(s)? Only "yes" goes ahead: `);
              return answer.trim() === "yes";
            },
          }
        : {}),
    });
    if (args.format === "json") await report(result.diagnostics, planReportJson(result.tenants));
    else {
      if (args.yes) io.stdout(formatPlanText(result.tenants.filter((t) => t.diff), { color }));
      await report(result.diagnostics);
      io.stderr("\n" + formatDeploySummary(result));
    }
    return exitCodeFor(result.diagnostics);
  },
});
