/**
 * Pure formatters of a SimulationReport: text for people (optionally coloured) and a stable JSON
 * document. Every string of the report came from an input or a server: all of them go through
 * core/text-safety before they are laid out.
 */
import pc from "picocolors";
import { diagnosticToJson, formatDiagnosticText } from "../core/format.js";
import { safeJson, safeStrings } from "../core/text-safety.js";
import type { CallRecord } from "../executor/index.js";
import { STEPS, type SimulationReport } from "./report.js";

export interface SimulationTextOptions {
  color?: boolean;
  /** Also list each import page and membership call (default: import calls are summarised). */
  verbose?: boolean;
}

export function formatSimulationText(untrusted: SimulationReport, options: SimulationTextOptions = {}): string {
  const report = safeStrings(untrusted);
  const c = pc.createColors(options.color ?? false);
  const lines: string[] = [];
  lines.push(`${c.bold("savpkg simulate")} ${report.input.file}${report.input.baseUrlFrom ? ` --base-url-from ${report.input.baseUrlFrom}` : ""}`);
  if (report.input.seed) lines.push(c.dim(`  seed ${report.input.seed}${report.input.pageSize !== null ? ` · page size ${report.input.pageSize}` : ""}`));
  if (report.connection.note) lines.push(c.dim(`  connection: ${report.connection.note}`));
  for (const n of report.notes) lines.push(c.dim(`  note: ${n}`));
  lines.push("");
  const mark = (ok: boolean) => (ok ? c.green("PASS") : c.red("FAIL"));
  for (const step of report.steps) {
    const target = step.target?.length ? c.dim(`  (${step.target.map((t) => (t.entitlementType ? `account ${t.accountID}, ${t.entitlementType} ${t.entitlementID}` : `account ${t.accountID}`)).join("; ")})`) : "";
    lines.push(`${mark(step.ok)} ${c.bold(step.title)}${target}`);
    if (step.imported) {
      const i = step.imported;
      const ents = Object.entries(i.entitlements).map(([t, n]) => `${t} ${n}`).join(", ") || "none";
      const mems = Object.entries(i.memberships).map(([t, n]) => `${t} ${n}`).join(", ") || "none";
      lines.push(`     imported ${i.accounts} accounts (${i.active} active, ${i.inactive} inactive) · entitlements ${ents} · memberships ${mems}`);
    }
    const calls = options.verbose ? step.calls : condenseCalls(step.calls);
    for (const call of calls) {
      if (call.method === "…") {
        lines.push(c.dim(`     …     ${call.operation}`));
        continue;
      }
      const result = call.result === "pass" ? c.green("pass") : call.result === "retried" ? c.yellow("retry") : c.red("fail");
      const status = call.status === null ? "---" : String(call.status);
      lines.push(`     ${result.padEnd(options.color ? 14 : 5)} ${status} ${call.method.padEnd(6)} ${call.path}  ${c.dim(call.operation)}${call.reason && call.result !== "pass" ? `\n            ${call.result === "fail" ? c.red(call.reason) : call.reason}` : ""}`);
      for (const note of call.notes ?? []) lines.push(c.dim(`            note: ${note}`));
    }
    for (const check of step.checks) lines.push(`     ${check.pass ? c.green("ok") : c.red("not ok")} ${check.name}: ${check.detail}`);
    for (const change of step.changes) lines.push(`     ${c.cyan("Δ")} ${change.text}`);
    // A warning or reason already shown by a failed check or call is not repeated.
    const shown = [...step.checks.filter((x) => !x.pass).map((x) => `${x.name}: ${x.detail}`), ...step.calls.map((x) => x.reason ?? "")];
    for (const w of step.warnings) if (!shown.some((t) => t.includes(w))) lines.push(c.yellow(`     warning: ${w}`));
    if (!step.ok) for (const r of step.reasons) if (!shown.some((t) => t !== "" && (r === t || r.endsWith(`: ${t}`)))) lines.push(c.red(`     reason: ${r}`));
  }
  if (report.unsupported.length > 0) {
    lines.push("");
    lines.push(c.yellow(`unsupported expressions (${report.unsupported.length}):`));
    for (const u of report.unsupported) lines.push(`  ${u.where}: ${u.expression} — ${u.message}`);
  }
  const other = report.diagnostics.filter((d) => d.code !== "SIM_STEP_FAILED" && d.code !== "SIM_UNSUPPORTED");
  if (other.length > 0) {
    if (lines.at(-1) !== "") lines.push("");
    for (const d of other) lines.push(formatDiagnosticText(d, { color: options.color ?? false }));
  }
  if (lines.at(-1) !== "") lines.push("");
  const s = report.summary;
  const verdict = report.ok ? c.green("all steps passed") : report.fatal ? c.red("simulation could not run") : c.red(`${s.failed} step(s) failed: ${report.steps.filter((x) => !x.ok).map((x) => x.title).join(", ")}`);
  lines.push(`${verdict} · ${s.passed}/${STEPS.length} steps · ${s.calls} calls`);
  return lines.join("\n") + "\n";
}

/** Import steps make many similar calls: keep failures, retries, token calls, the first and last page of each operation. */
function condenseCalls(calls: CallRecord[]): CallRecord[] {
  if (calls.length <= 12) return calls;
  const out: CallRecord[] = [];
  let skipped = 0;
  calls.forEach((call, i) => {
    const base = call.operation.replace(/ page \d+$/, "").replace(/ \(id=[^)]*\)$/, "");
    const prev = calls[i - 1];
    const next = calls[i + 1];
    const same = (x: CallRecord | undefined) => x !== undefined && x.operation.replace(/ page \d+$/, "").replace(/ \(id=[^)]*\)$/, "") === base && x.result === "pass";
    if (call.result !== "pass" || call.operation.startsWith("token") || !same(prev) || !same(next) || (call.notes?.length ?? 0) > 0) {
      if (skipped > 0) out.push({ operation: `(${skipped} more call${skipped === 1 ? "" : "s"} like these passed)`, method: "…", path: "", status: null, result: "pass" });
      skipped = 0;
      out.push(call);
    } else skipped++;
  });
  return out;
}

/** The stable JSON document (`--format json`). Key order is fixed by construction. */
export function formatSimulationJson(report: SimulationReport): string {
  return safeJson({
    ok: report.ok,
    fatal: report.fatal,
    input: report.input,
    connection: report.connection,
    notes: report.notes,
    steps: report.steps,
    unsupported: report.unsupported,
    diagnostics: report.diagnostics.map(diagnosticToJson),
    summary: report.summary,
  });
}
