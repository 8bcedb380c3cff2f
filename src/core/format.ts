/**
 * Pure formatters: diagnostics → text. No I/O, no process; colour is a parameter.
 * Text is compiler style, `file:line:col severity CODE message (at path)`. JSON is the one envelope
 * every command prints with `--format json` (`formatJsonEnvelope`):
 * `{ "format": "savpkg.<command>", "version": 1, <payload>, "diagnostics": [...], "summary": {errors, warnings, …} }`.
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

/** The envelope's version: fields are only ever added within it; a rename or removal bumps it. */
export const JSON_ENVELOPE_VERSION = 1;

/** Keys the envelope owns; a payload may not use them. */
const ENVELOPE_KEYS = new Set(["format", "version", "diagnostics", "summary"]);

export interface EnvelopeOptions {
  /** Counts of the command's own, added to `summary` after `errors` and `warnings`. */
  summary?: Record<string, unknown>;
}

/**
 * The `--format json` document of a command, as an object: `format` (`savpkg.<command>`, or
 * `savpkg` when the command line names no command), `version`, the command's payload fields in
 * their order, the sorted diagnostics and `summary`. A payload field absent means the command
 * stopped before producing it (the diagnostics say why).
 */
export function jsonEnvelope(command: string | undefined, payload: Record<string, unknown>, diagnostics: readonly Diagnostic[], options: EnvelopeOptions = {}): Record<string, unknown> {
  for (const key of Object.keys(payload)) if (ENVELOPE_KEYS.has(key)) throw new Error(`JSON payload of ${command ?? "savpkg"} uses the envelope's key "${key}"`);
  return {
    format: command ? `savpkg.${command}` : "savpkg",
    version: JSON_ENVELOPE_VERSION,
    ...payload,
    diagnostics: sortDiagnostics(diagnostics).map(diagnosticToJson),
    summary: { ...summarize(diagnostics), ...options.summary },
  };
}

/** `jsonEnvelope` as the text a command prints (pretty, with text-safety escapes). */
export function formatJsonEnvelope(command: string | undefined, payload: Record<string, unknown>, diagnostics: readonly Diagnostic[], options: EnvelopeOptions = {}): string {
  return safeJson(jsonEnvelope(command, payload, diagnostics, options));
}
