/**
 * `savpkg inspect <zip>`: what a package holds, without printing any attribute value
 * (issue 5 item 2): connection name and type, system, exported on/by, entries, and each attribute
 * with its state, size and a short hash. Package text is untrusted: every field goes through
 * core/text-safety before anything reaches a terminal.
 */
import { createColors } from "picocolors";
import type { Diagnostic } from "../core/diagnostics.js";
import { safeJson, safeLine } from "../core/text-safety.js";
import type { AttributeState, PackageEntry, PackageModel } from "./model.js";

export interface InspectAttribute {
  name: string;
  index: number;
  state: AttributeState;
  size: number;
  /** First 8 hex digits of the value's sha256 (null for null and empty values). */
  sha256: string | null;
  /** For JSON documents: top-level keys (or item count); never a value. */
  detail?: string;
  /** Parse error for invalid JSON (line/column, no quoted text). */
  error?: string;
}

export interface InspectReport {
  source: string | null;
  connection: {
    key: string;
    name: string | null;
    type: string | null;
    description: string | null;
    templateName: string | null;
  };
  summary: {
    system: string | null;
    exportedBy: string | null;
    exportedOn: string | null;
    guid: string | null;
    objects: Record<string, unknown>;
  } | null;
  layout: {
    folder: string;
    objectSummaryStamp: string | null;
    connectionStamp: string | null;
    macosEntries: number;
    directoryEntries: number;
    entries: PackageEntry[];
  };
  attributes: InspectAttribute[];
  diagnostics: Diagnostic[];
}

export function inspectPackage(model: PackageModel, diagnostics: readonly Diagnostic[] = []): InspectReport {
  const c = model.connection;
  const templateName = typeof c.fields.templateName === "string" ? c.fields.templateName : null;
  return {
    source: model.source ?? null,
    connection: { key: c.key, name: c.name, type: c.type, description: c.description, templateName },
    summary: model.summary
      ? {
          system: model.summary.system,
          exportedBy: model.summary.exportedBy,
          exportedOn: model.summary.exportedOn,
          guid: model.summary.guid,
          objects: model.summary.objects,
        }
      : null,
    layout: { ...model.layout, entries: model.entries },
    attributes: c.attributes.map((a) => {
      const out: InspectAttribute = { name: a.name, index: a.index, state: a.state, size: a.size, sha256: a.raw === null || a.raw === "" ? null : a.sha256.slice(0, 8) };
      if (a.state === "json") out.detail = shape(a.json);
      if (a.error !== undefined) out.error = a.error;
      return out;
    }),
    diagnostics: [...diagnostics],
  };
}

function shape(value: unknown): string {
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    return keys.length === 0 ? "{}" : keys.join(", ");
  }
  return value === null ? "null" : typeof value;
}

/** `inspect --format json`: the InspectReport itself (its interface is the documented shape). */
export function formatInspectJson(report: InspectReport): string {
  return safeJson(report);
}

const show = (value: string | null): string => (value === null ? "(none)" : value === "" ? '""' : safeLine(value));

export interface InspectTextOptions {
  color?: boolean;
}

export function formatInspectText(report: InspectReport, opts: InspectTextOptions = {}): string {
  const c = createColors(opts.color === true);
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${c.dim(label.padEnd(12))} ${value}`);
  lines.push(c.bold(report.source === null ? "package" : safeLine(report.source)));
  const conn = report.connection;
  row("connection", `${show(conn.name ?? conn.key)}${conn.type ? ` (${safeLine(conn.type)})` : ""}`);
  if (conn.name !== null && conn.name !== conn.key) row("key", show(conn.key));
  row("description", show(conn.description));
  row("template", show(conn.templateName));
  if (report.summary) {
    row("system", show(report.summary.system));
    row("exported", `${show(report.summary.exportedOn)} by ${show(report.summary.exportedBy)}`);
    row("guid", show(report.summary.guid));
  } else {
    row("summary", "(no ObjectSummary)");
  }
  if (report.layout.folder !== "") row("folder", show(report.layout.folder));
  report.layout.entries.forEach((e, i) => row(i === 0 ? "entries" : "", `${safeLine(e.name)}  ${c.dim(`${e.size} bytes${e.kind === "macos" || e.kind === "directory" || e.kind === "other" ? `, ${e.kind}, ignored` : ""}`)}`));

  lines.push("");
  lines.push(c.bold(`attributes (${report.attributes.length})`));
  const width = Math.max(4, ...report.attributes.map((a) => safeLine(a.name).length));
  for (const a of report.attributes) {
    const state = a.state.padEnd(12);
    const coloured = a.state === "invalid-json" ? c.red(state) : a.state === "empty" || a.state === "null" ? c.dim(state) : a.state === "ciphertext" ? c.cyan(state) : state;
    const parts = [`  ${safeLine(a.name).padEnd(width)}  ${coloured}`];
    if (a.state !== "empty" && a.state !== "null") parts.push(`${String(a.size).padStart(6)} bytes  sha256:${safeLine(String(a.sha256))}`);
    if (a.detail !== undefined) parts.push(c.dim(safeLine(a.detail)));
    if (a.error !== undefined) parts.push(c.red(safeLine(a.error)));
    lines.push(parts.join("  ").trimEnd());
  }

  if (report.diagnostics.length > 0) {
    lines.push("");
    lines.push(c.bold("diagnostics"));
    for (const d of report.diagnostics) {
      const sev = d.severity === "error" ? c.red(d.severity) : d.severity === "warning" ? c.yellow(d.severity) : c.dim(d.severity);
      lines.push(`  ${sev} ${d.code}${d.path ? ` at ${safeLine(d.path)}` : ""}: ${safeLine(d.message)}`);
    }
  }
  return lines.join("\n") + "\n";
}
