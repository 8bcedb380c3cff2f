/**
 * Pure formatters for DiffResult: text (optionally coloured), JSON (a documented, stable shape)
 * and Markdown (for a pull-request comment). Values were redacted by diffPackages already; these
 * functions only lay them out (issue 5 item 4).
 */
import { createColors } from "picocolors";
import type { DiffChange, DiffNote, DiffResult, DiffScope, DiffSide } from "./diff.js";
import { safeJson, safeLine } from "../core/text-safety.js";

export const DIFF_JSON_FORMAT = "savpkg.diff";
export const DIFF_JSON_VERSION = 1;

export interface DiffGroup {
  scope: DiffScope;
  name: string;
  changes: DiffChange[];
}

/** Changes grouped by scope + group name, in the order diffPackages produced them. */
export function groupChanges(changes: readonly DiffChange[]): DiffGroup[] {
  const groups: DiffGroup[] = [];
  const index = new Map<string, DiffGroup>();
  for (const change of changes) {
    const key = `${change.scope}\u0000${change.group}`;
    let group = index.get(key);
    if (!group) {
      group = { scope: change.scope, name: change.group, changes: [] };
      index.set(key, group);
      groups.push(group);
    }
    group.changes.push(change);
  }
  return groups;
}

function counts(result: DiffResult): { added: number; removed: number; changed: number; groups: number } {
  const n = (op: DiffChange["op"]) => result.changes.filter((c) => c.op === op).length;
  return { added: n("added"), removed: n("removed"), changed: n("changed"), groups: groupChanges(result.changes).length };
}

function groupTitle(group: { scope: DiffScope; name: string }): string {
  switch (group.scope) {
    case "package":
      return "zip layout";
    case "summary":
      return "ObjectSummary";
    case "connection":
      return "connection";
    default:
      return safeLine(group.name);
  }
}

function sideText(side: DiffSide): string {
  const what = side.type ? `${side.connection}, ${side.type}` : side.connection;
  return safeLine(side.source ? `${side.source} (${what})` : `(${what})`);
}

const MAX_VALUE = 240;

/** Package text is untrusted: escaped for terminals, and shortened for reading. */
function clip(text: string): string {
  const safe = safeLine(text);
  return safe.length > MAX_VALUE ? `${safe.slice(0, MAX_VALUE - 1)}…` : safe;
}

function summaryLine(result: DiffResult): string {
  if (result.same) return result.strict ? "no differences (strict)" : "no differences";
  const c = counts(result);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `${plural(result.changes.length, "change")} in ${plural(c.groups, "group")} (${c.added} added, ${c.removed} removed, ${c.changed} changed)`;
}

export interface TextFormatOptions {
  /** ANSI colours; the CLI passes true only on a TTY without NO_COLOR. */
  color?: boolean;
}

/**
 * Text, one block per group:
 *
 *     CreateAccountJSON
 *       ~ call[0].url: "/agents" → "https://…/agents"
 *       + call[0].httpParams.agents[0].teamId: 1201
 */
export function formatDiffText(result: DiffResult, opts: TextFormatOptions = {}): string {
  const c = createColors(opts.color === true);
  const lines: string[] = [];
  lines.push(`${c.red("---")} A ${sideText(result.a)}`);
  lines.push(`${c.green("+++")} B ${sideText(result.b)}`);
  for (const group of groupChanges(result.changes)) {
    lines.push("");
    lines.push(c.bold(groupTitle(group)));
    for (const change of group.changes) {
      const path = change.path === "" ? "(whole value)" : safeLine(change.path);
      if (change.op === "added") lines.push(`  ${c.green("+")} ${path}: ${c.green(clip(change.newText ?? ""))}`);
      else if (change.op === "removed") lines.push(`  ${c.red("-")} ${path}: ${c.red(clip(change.oldText ?? ""))}`);
      else lines.push(`  ${c.yellow("~")} ${path}: ${c.red(clip(change.oldText ?? ""))} ${c.dim("→")} ${c.green(clip(change.newText ?? ""))}`);
    }
  }
  if (result.notes.length > 0) {
    lines.push("");
    lines.push(c.bold("notes"));
    for (const note of result.notes) lines.push(`  ${c.dim("·")} ${noteText(note)}`);
  }
  lines.push("");
  lines.push(result.same ? c.green(summaryLine(result)) : c.yellow(summaryLine(result)));
  return lines.join("\n") + "\n";
}

function noteText(note: DiffNote): string {
  return safeLine(note.scope === "attribute" ? `${note.group}: ${note.message}` : note.message);
}

/**
 * The stable JSON shape (version 1):
 *
 *     { "format": "savpkg.diff", "version": 1, "same": false, "strict": false,
 *       "a": {"source", "connection", "type"}, "b": {…},
 *       "counts": {"added", "removed", "changed", "groups"},
 *       "groups": [{"scope": "package"|"summary"|"connection"|"attribute", "name",
 *                   "changes": [{"op": "added"|"removed"|"changed", "path", "segments",
 *                                "old"?, "new"?, "oldText"?, "newText"?}]}],
 *       "notes": [{"scope", "group", "message"}] }
 *
 * Fields are only ever added in a version; renaming or removing one bumps `version`.
 */
export function formatDiffJson(result: DiffResult): string {
  const shape = {
    format: DIFF_JSON_FORMAT,
    version: DIFF_JSON_VERSION,
    same: result.same,
    strict: result.strict,
    a: result.a,
    b: result.b,
    counts: counts(result),
    groups: groupChanges(result.changes).map((g) => ({
      scope: g.scope,
      name: g.name,
      changes: g.changes.map((ch) => {
        const out: Record<string, unknown> = { op: ch.op, path: ch.path, segments: ch.segments };
        if ("old" in ch) out.old = ch.old;
        if ("new" in ch) out.new = ch.new;
        if (ch.oldText !== undefined) out.oldText = ch.oldText;
        if (ch.newText !== undefined) out.newText = ch.newText;
        return out;
      }),
    })),
    notes: result.notes,
  };
  return safeJson(shape);
}

function htmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Inline code that survives a Markdown table cell (pipes, backticks, HTML). */
function code(text: string): string {
  if (text === "") return "";
  if (!/[`|<>&]/.test(text)) return `\`${text}\``;
  return `<code>${htmlEscape(text).replace(/\|/g, "&#124;").replace(/`/g, "&#96;")}</code>`;
}

/** Markdown for a pull-request comment: one table per group, notes as a list. */
export function formatDiffMarkdown(result: DiffResult): string {
  const lines: string[] = [];
  lines.push(`### savpkg diff: ${result.same ? "no differences" : "packages differ"}`);
  lines.push("");
  lines.push(`- **A** ${mdSide(result.a)}`);
  lines.push(`- **B** ${mdSide(result.b)}`);
  lines.push("");
  lines.push(summaryLine(result).replace(/^./, (ch) => ch.toUpperCase()) + ".");
  const symbol = { added: "➕", removed: "➖", changed: "✏️" } as const;
  for (const group of groupChanges(result.changes)) {
    lines.push("");
    lines.push(`#### ${code(groupTitle(group))}`);
    lines.push("");
    lines.push("| | path | A | B |");
    lines.push("|---|---|---|---|");
    for (const ch of group.changes) {
      const path = ch.path === "" ? "*(whole value)*" : code(safeLine(ch.path));
      lines.push(`| ${symbol[ch.op]} | ${path} | ${code(clip(ch.oldText ?? ""))} | ${code(clip(ch.newText ?? ""))} |`);
    }
  }
  if (result.notes.length > 0) {
    lines.push("");
    lines.push("**Notes**");
    lines.push("");
    for (const note of result.notes) lines.push(`- ${note.scope === "attribute" ? `${code(safeLine(note.group))}: ` : ""}${htmlEscape(safeLine(note.message))}`);
  }
  return lines.join("\n") + "\n";
}

function mdSide(side: DiffSide): string {
  const what = side.type ? `${side.connection}, ${side.type}` : side.connection;
  return side.source ? `${code(safeLine(side.source))} (${htmlEscape(safeLine(what))})` : htmlEscape(safeLine(what));
}
