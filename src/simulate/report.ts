/**
 * The simulation report: what `simulate` returns and the formatters print. Steps, their calls,
 * checks and state changes; the diagnostics the report ends with (`finish`); the exit code.
 */
import { diag, exitCodeFor, hasErrors, sortDiagnostics, verdictExitCode, type Diagnostic, type ExitOptions } from "../core/diagnostics.js";
import type { CallRecord, ImportedAccount, ImportedEntitlement, ImportedMembership, UnsupportedUse } from "../executor/index.js";

export type StepName = "import" | "create" | "update" | "disable" | "enable" | "addAccess" | "removeAccess" | "reimport";

export const STEPS: ReadonlyArray<{ name: StepName; title: string; attribute: string }> = [
  { name: "import", title: "import", attribute: "ImportAccountEntJSON" },
  { name: "create", title: "create", attribute: "CreateAccountJSON" },
  { name: "update", title: "update", attribute: "UpdateAccountJSON" },
  { name: "disable", title: "disable", attribute: "DisableAccountJSON" },
  { name: "enable", title: "enable", attribute: "EnableAccountJSON" },
  { name: "addAccess", title: "add access", attribute: "AddAccessJSON" },
  { name: "removeAccess", title: "remove access", attribute: "RemoveAccessJSON" },
  { name: "reimport", title: "import again", attribute: "ImportAccountEntJSON" },
];

export interface StateChange {
  kind: "agent-created" | "agent-updated" | "agent-activated" | "agent-deactivated" | "agent-moved" | "agent-removed" | "group-member-added" | "group-member-removed" | "team-changed" | "group-changed";
  agentId?: number;
  teamId?: number;
  groupId?: number;
  fields?: Record<string, { from: unknown; to: unknown }>;
  /** One line for people. */
  text: string;
}

export interface CheckResult {
  name: string;
  pass: boolean;
  detail: string;
}

export interface ImportSummary {
  accounts: number;
  active: number;
  inactive: number;
  entitlements: Record<string, number>;
  memberships: Record<string, number>;
}

export interface StepReport {
  name: StepName;
  title: string;
  attribute: string;
  ok: boolean;
  /** Why the step failed (empty when ok). */
  reasons: string[];
  warnings: string[];
  /** The account / entitlement the step acted on. */
  target?: { accountID: string; entitlementType?: string; entitlementID?: string }[];
  calls: CallRecord[];
  checks: CheckResult[];
  changes: StateChange[];
  /** What the import read (import steps only): counts, and the records themselves in `data`. */
  imported?: ImportSummary & { data: { accounts: ImportedAccount[]; entitlements: ImportedEntitlement[]; memberships: ImportedMembership[] } };
}

export interface SimulationReport {
  ok: boolean;
  /** The input could not be used at all (unreadable file, refused zip, bad seed): an exit-2 diagnostic, exit 2. */
  fatal: boolean;
  input: { kind: "tenant" | "zip"; file: string; baseUrlFrom?: string; seed: string; pageSize: number | null };
  connection: { source: "tenant" | "base-url-from" | "generated" | "none"; note: string };
  notes: string[];
  steps: StepReport[];
  unsupported: UnsupportedUse[];
  diagnostics: Diagnostic[];
  summary: { steps: number; passed: number; failed: number; calls: number };
}

/** Adds the step and expression diagnostics, sorts them and fills the summary. */
export function finish(report: SimulationReport): SimulationReport {
  for (const u of report.unsupported) {
    report.diagnostics.push(diag("SIM_UNSUPPORTED", `${u.expression}: ${u.message}`, { file: report.input.file, path: u.where }));
  }
  for (const step of report.steps) {
    if (!step.ok) report.diagnostics.push(diag("SIM_STEP_FAILED", `${step.title} failed: ${step.reasons[0] ?? "see the report"}`, { file: report.input.file, path: step.attribute }));
  }
  report.diagnostics = sortDiagnostics(report.diagnostics);
  report.summary = {
    steps: report.steps.length,
    passed: report.steps.filter((s) => s.ok).length,
    failed: report.steps.filter((s) => !s.ok).length,
    calls: report.steps.reduce((n, s) => n + s.calls.length, 0),
  };
  // Fatal = the input could not be used at all: an exit-2 diagnostic, or any error before a step
  // ran (1 means "a step failed", so an unusable input is 2).
  report.fatal = exitCodeFor(report.diagnostics, inputOptions(report)) === 2;
  report.ok = !report.fatal && report.steps.length === STEPS.length && report.summary.failed === 0 && !hasErrors(report.diagnostics);
  return report;
}

/**
 * The exit code of `savpkg simulate`: 0 all steps passed, 1 a step failed or the input has
 * problems, 2 the input could not be used (unreadable file, refused zip, bad seed or knobs).
 */
export function simulationExitCode(report: SimulationReport): number {
  return verdictExitCode(report.diagnostics, report.ok, inputOptions(report));
}

function inputOptions(report: SimulationReport): ExitOptions {
  return report.steps.length === 0 ? { inputProblemsAre: 2 } : {};
}
