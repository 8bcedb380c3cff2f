/**
 * `simulate`: runs a connection's documents end to end against the CXone simulator
 * (docs/cxone-contract.md#simulator, docs/saviynt-rest-format.md#import, #provisioning): import → create →
 * update → disable → enable → add access → remove access → import again. Each step records its
 * calls (operation, method, path, status, pass/fail, reason), what changed in the simulator (a
 * diff of `dump()` before and after), and checks of the effect (the import equals the simulator's
 * state; the created agent exists; disable really deactivated…).
 *
 * Secrets are generated for each run and registered as the simulator's only client and access
 * key; the user's environment is never read. Absolute URLs of the tenant's CXone hosts are
 * redirected to the simulator (path and API version kept); any other host is refused, so a
 * simulation can never reach a real system.
 *
 * One module per job: inputs.ts (options, page size, knobs file, seed), secrets.ts (generated
 * credentials), prepare.ts (documents and ConnectionJSON), url-policy.ts (host rewriting),
 * steps.ts (the eight steps), checks.ts (effects), state-diff.ts (what changed), report.ts (the
 * report model and exit code), format.ts (text and JSON). This file wires them.
 */
import { compileTenant } from "../build/compile.js";
import { diag, hasErrors } from "../core/diagnostics.js";
import { ExecutorContext, nodeTransport, scanDocuments } from "../executor/index.js";
import { startSimulator } from "../simulator/index.js";
import { checkInputs, missingOwnIds, newReport, type SimulateOptions } from "./inputs.js";
import { prepare } from "./prepare.js";
import { finish, type SimulationReport } from "./report.js";
import { generateCredentials } from "./secrets.js";
import { runSteps } from "./steps.js";
import { urlPolicy } from "./url-policy.js";

export { DEFAULT_SIM_PAGE_SIZE, type SimulateOptions } from "./inputs.js";
export { STEPS, simulationExitCode, type CheckResult, type ImportSummary, type SimulationReport, type StateChange, type StepName, type StepReport } from "./report.js";
export { SAMPLE_IDENTITY, SAMPLE_IDENTITY_UPDATE } from "./steps.js";
export { diffState } from "./state-diff.js";
export { formatSimulationJson, formatSimulationText, type SimulationTextOptions } from "./format.js";

export async function simulate(input: string, options: SimulateOptions): Promise<SimulationReport> {
  const report = newReport(input, options);
  const inputs = checkInputs(input, options, report);
  if (inputs.diagnostics.length > 0 || !inputs.seed) {
    report.diagnostics.push(...inputs.diagnostics);
    return finish(report);
  }

  // Validate first, as the user wrote it: the page-size override must never hide (or fix) a bad
  // value, and an invalid tenant is an input that cannot be used (exit 2), not a failed step.
  let ownIdsMissing: string[] = [];
  const tenantToCheck = inputs.kind === "tenant" ? input : options.baseUrlFrom;
  if (tenantToCheck !== undefined) {
    const checked = await compileTenant(tenantToCheck, { cwd: options.cwd, set: options.set ?? [], noPack: true });
    if (hasErrors(checked.diagnostics)) {
      report.diagnostics.push(...checked.diagnostics.filter((d) => d.severity === "error"));
      return finish(report);
    }
    if (checked.tenant) ownIdsMissing = missingOwnIds(checked.tenant, inputs.seed);
  }

  const creds = generateCredentials();
  // A server that cannot listen is not an input problem: reported as INTERNAL.
  const started = await startSimulator({
    seed: inputs.seed,
    clients: [{ clientId: creds.clientId, clientSecret: creds.clientSecret }],
    accessKeys: [{ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret }],
    knobs: inputs.knobs,
  }).catch((e: unknown) => ({ simulator: undefined, diagnostics: [diag("INTERNAL", `the simulator did not start: ${(e as Error).message}`)] }));
  const sim = started.simulator;
  if (!sim) {
    report.diagnostics.push(...started.diagnostics);
    return finish(report);
  }
  try {
    const transport = options.transport ?? nodeTransport();
    const prepared = await prepare({ kind: inputs.kind, file: inputs.file, display: inputs.display, pageSize: inputs.pageSize, options, report, creds, sim, transport });
    if (!prepared) return finish(report);
    const ctx = new ExecutorContext(
      {
        transport,
        resolveUrl: urlPolicy(sim, prepared),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.retryAfterCapSeconds !== undefined ? { retryAfterCapSeconds: options.retryAfterCapSeconds } : {}),
      },
      prepared.connectionJson,
    );
    report.unsupported.push(...scanDocuments(prepared.documents));
    await runSteps(ctx, sim, prepared, options, report);
    for (const u of ctx.unsupported) if (!report.unsupported.some((r) => r.where === u.where && r.expression === u.expression)) report.unsupported.push(u);
  } finally {
    await sim.stop();
  }
  // The tenant's own teams are not in the simulated business unit: say how to bring them.
  if (ownIdsMissing.length > 0 && report.steps.some((s) => !s.ok && s.reasons.some((r) => r.includes("does not exist")))) {
    report.notes.push(
      `CXone answered "does not exist" and ${ownIdsMissing.join(", ")} ${ownIdsMissing.length === 1 ? "is" : "are"} not in ${report.input.seed}: ` +
        "simulate against your own business unit with --seed FILE (its teams, profiles and agents; format in docs/simulator-inputs.md)",
    );
  }
  return finish(report);
}
