/**
 * Pure formatters for plan and deploy reports: text (per tenant the diff text), Markdown (a
 * pull-request comment), stable JSON, and the deploy summary table. Every value shown comes from
 * the redacted diff; no secret is ever in a report to begin with.
 */
import { formatDiffJson, formatDiffMarkdown, formatDiffText } from "../package/diff-format.js";
import { safeLine } from "../core/text-safety.js";
import type { DeployReport, TenantPlan } from "./run.js";

export const PLAN_REPORT_FORMAT = "savpkg.plan-report";
export const PLAN_REPORT_VERSION = 1;

function actionText(t: TenantPlan): string {
  if (t.action === null) return "error (see diagnostics)";
  if (t.action === "none") return "no changes";
  const n = t.diff?.changes.length ?? 0;
  return t.action === "create" ? `create (${n} attribute value${n === 1 ? "" : "s"})` : `update (${n} change${n === 1 ? "" : "s"})`;
}

function heading(t: TenantPlan): string {
  return `${t.tenant} → ${t.connection ?? "?"} on ${t.eic ?? "?"}: ${actionText(t)}`;
}

export function formatPlanText(tenants: readonly TenantPlan[], opts: { color?: boolean } = {}): string {
  // A tenant that could not be planned has its diagnostics (each naming the tenant) instead.
  const blocks = tenants.filter((t) => t.action !== null).map((t) => `== ${safeLine(heading(t))}\n${t.diff && t.action !== "none" ? formatDiffText(t.diff, opts) : t.diff ? notesOnly(t) : ""}`);
  return blocks.join("\n");
}

/** For an unchanged connection, only the notes (ConnectionJSON will be set, unmanaged attributes). */
function notesOnly(t: TenantPlan): string {
  return t.diff!.notes.map((n) => `  · ${safeLine(n.scope === "attribute" ? `${n.group}: ${n.message}` : n.message)}\n`).join("");
}

export function formatPlanMarkdown(tenants: readonly TenantPlan[]): string {
  const changed = tenants.filter((t) => t.action !== "none").length;
  const lines = [`## savpkg plan: ${changed === 0 ? "no changes" : `${changed} of ${tenants.length} connection${tenants.length === 1 ? "" : "s"} to change`}`, ""];
  for (const t of tenants) {
    lines.push(`**${mdText(heading(t))}**`, "");
    if (t.diff) lines.push(formatDiffMarkdown(t.diff));
  }
  return lines.join("\n").replace(/\n*$/, "\n");
}

function mdText(text: string): string {
  return safeLine(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/([\\`*_[\]|])/g, "\\$1");
}

/**
 * The JSON report's body (the CLI adds `diagnostics` and `summary`):
 * `{format, version, changes, tenants: [{tenant, connection, eic, action, result?, connectionKey?, diff}]}`,
 * `diff` in the `savpkg diff --format json` shape. Fields are only ever added.
 */
export function planReportJson(tenants: readonly (TenantPlan & { result?: string; connectionKey?: number })[]): Record<string, unknown> {
  return {
    format: PLAN_REPORT_FORMAT,
    version: PLAN_REPORT_VERSION,
    changes: tenants.some((t) => t.action !== "none"),
    tenants: tenants.map((t) => ({
      tenant: t.tenant,
      connection: t.connection,
      eic: t.eic,
      action: t.action,
      ...(t.result !== undefined ? { result: t.result } : {}),
      ...(t.connectionKey !== undefined ? { connectionKey: t.connectionKey } : {}),
      diff: t.diff ? (JSON.parse(formatDiffJson(t.diff)) as unknown) : null,
    })),
  };
}

/** One row per tenant: tenant, connection, action, result. */
export function formatDeploySummary(report: Pick<DeployReport, "tenants">): string {
  const rows = [["tenant", "connection", "action", "result"]];
  for (const t of report.tenants) {
    const result = t.result === "deployed" ? `deployed, verified${t.connectionKey !== undefined ? ` (key ${t.connectionKey})` : ""}` : t.result;
    rows.push([t.tenant, t.connection ?? "-", t.action ?? "-", result].map(safeLine));
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ")).join("\n") + "\n";
}
