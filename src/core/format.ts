/**
 * Pure formatters: diagnostics → text. No I/O, no process; colour is a parameter.
 * Text is compiler style, `file:line:col severity CODE message (at path)`; JSON is a stable
 * document `{ "diagnostics": [...], "summary": {errors, warnings} }` with fixed key order.
 */
import pc from "picocolors";
import { sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { safeJson, safeLine, safeText } from "./text-safety.js";

export interface TextFormatOptions {
  color?: boolean;
}

export function formatLocation(d: Diagnostic): string {
  if (!d.file) return "";
  return d.line !== undefined ? `${d.file}:${d.line}:${d.col ?? 1}` : d.file;
}

export function formatDiagnosticText(d: Diagnostic, options: TextFormatOptions = {}): string {
  const colors = pc.createColors(options.color ?? false);
  const paint = d.severity === "error" ? colors.red : d.severity === "warning" ? colors.yellow : colors.cyan;
  // One diagnostic is one line (INTERNAL's --verbose stack may span lines), and text from an input never drives the terminal.
  const location = safeLine(formatLocation(d));
  const path = d.path && !d.message.includes(d.path) ? colors.dim(` (at ${safeLine(d.path)})`) : "";
  return `${location ? location + " " : ""}${paint(d.severity)} ${colors.bold(d.code)} ${d.code === "INTERNAL" ? safeText(d.message) : safeLine(d.message)}${path}`;
}

export function formatDiagnosticsText(diagnostics: readonly Diagnostic[], options: TextFormatOptions = {}): string {
  return sortDiagnostics(diagnostics)
    .map((d) => formatDiagnosticText(d, options) + "\n")
    .join("");
}

/** The stable JSON shape; keys always in this order, absent location fields omitted. */
export function diagnosticToJson(d: Diagnostic): Record<string, unknown> {
  const out: Record<string, unknown> = { code: d.code, severity: d.severity, message: d.message };
  if (d.file !== undefined) out.file = d.file;
  if (d.line !== undefined) out.line = d.line;
  if (d.col !== undefined) out.col = d.col;
  if (d.path !== undefined) out.path = d.path;
  return out;
}

export function summarize(diagnostics: readonly Diagnostic[]): { errors: number; warnings: number } {
  return {
    errors: diagnostics.filter((d) => d.severity === "error").length,
    warnings: diagnostics.filter((d) => d.severity === "warning").length,
  };
}

export function formatDiagnosticsJson(diagnostics: readonly Diagnostic[], extra: Record<string, unknown> = {}): string {
  return safeJson({ ...extra, diagnostics: sortDiagnostics(diagnostics).map(diagnosticToJson), summary: summarize(diagnostics) });
}
