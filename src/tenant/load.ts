/**
 * Stage 1 — load: tenant file(s) → one plain config value plus where every value was written.
 * YAML and JSON go through the same parser (JSON ⊂ YAML 1.2), so both get line:col positions
 * (docs/engineering-notes.md#yaml-positions). `extends` chains are overlaid (objects merge, arrays and scalars
 * replace) and `--set a.b=c` overrides come last; each value keeps the position it was written at.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from "yaml";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { schemaTypesAt } from "../core/schemas.js";
import { inputReadError, looksLikeZip, packageGivenAsTenant } from "../core/input.js";
import { escapePointer } from "../core/json.js";

export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** Where a value (and, for mapping entries, its key) was written. Keyed by JSON pointer. */
export interface Located {
  value: SourceLocation;
  key?: SourceLocation;
  /** The scalar was written in quotes: its text starts one column after `value.col`. */
  quoted?: boolean;
  /**
   * The scalar's text is its value, character for character, on one line (no escapes, folds or
   * doubled quotes), so offset n of the value is column `value.col + (quoted ? 1 : 0) + n`.
   */
  verbatim?: boolean;
}

export interface LoadOptions {
  /** `--set path=value` overrides, applied after the extends chain, in order. */
  set?: readonly string[];
  /** Base directory for display paths (file names in diagnostics are relative to it). */
  cwd?: string;
  /**
   * Parsed `extends` bases, shared by the loads of one batch so a base that N tenants extend is
   * parsed once (issue 7). Only bases are kept, so it stays as small as the set of base files.
   */
  cache?: ParseCache;
}

/** Absolute path → a base file's text and its parsed layer (opaque to callers). */
export type ParseCache = Map<string, { display: string; text: string; node: LNode }>;

export interface LoadResult {
  /** The merged document, or undefined when loading failed. `extends` is consumed here. */
  value: Record<string, unknown> | undefined;
  /** JSON pointer → location, for every value that survived the overlay. */
  locations: Map<string, Located>;
  /** Every file read, the tenant file first (for --check hashes and the manifest). */
  files: string[];
  /** True when the tenant file itself says `abstract: true` (a base only meant to be extended). */
  abstract: boolean;
  diagnostics: Diagnostic[];
}

type Scalar = string | number | boolean | null;
type LNode =
  | { kind: "map"; loc: SourceLocation; entries: Map<string, { key: SourceLocation; node: LNode }> }
  | { kind: "seq"; loc: SourceLocation; items: LNode[] }
  | { kind: "scalar"; loc: SourceLocation; value: Scalar; quoted?: boolean; verbatim?: boolean };

/** Guards against alias bombs and absurd inputs; a real tenant file has a few hundred nodes. */
const MAX_NODES = 100_000;
const MAX_FILE_BYTES = 4 * 1024 * 1024;

export function loadTenant(file: string, options: LoadOptions = {}): LoadResult {
  const cwd = options.cwd ?? dirname(resolve(file));
  const display = (abs: string) => {
    const rel = relative(cwd, abs);
    return rel.startsWith("..") || rel === "" ? abs : rel;
  };
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];

  const chain = readChain(resolve(cwd, file), display, diagnostics, files, options.cache);
  const failed = (): LoadResult => ({ value: undefined, locations: new Map(), files, abstract: false, diagnostics });
  if (!chain) return failed();

  const isAbstract = isAbstractLayer(chain[0]);
  // Overlay from the deepest base to the tenant file itself.
  let merged: LNode | undefined;
  for (const layer of [...chain].reverse()) merged = merged ? overlay(merged, layer) : layer;
  if (!merged || merged.kind !== "map") return failed();

  for (const [index, assignment] of (options.set ?? []).entries()) {
    const applied = applySet(merged, assignment, index, diagnostics);
    if (applied) merged = applied;
  }
  if (diagnostics.some((d) => d.severity === "error")) return failed();

  const locations = new Map<string, Located>();
  const value = toPlain(merged, "", locations) as Record<string, unknown>;
  return { value, locations, files, abstract: isAbstract, diagnostics };
}

/** Reads the tenant file and its `extends` bases; returns layers tenant-first, each without `extends`/`abstract` of bases. */
function readChain(
  first: string,
  display: (abs: string) => string,
  diagnostics: Diagnostic[],
  files: string[],
  cache: ParseCache | undefined,
): LNode[] | undefined {
  const layers: LNode[] = [];
  const seen: string[] = [];
  let current = first;
  let via: { loc: SourceLocation; text: string } | undefined;
  for (;;) {
    if (seen.includes(current)) {
      const cycle = [...seen.slice(seen.indexOf(current)), current].map(display).join(" → ");
      diagnostics.push(diag("TENANT_EXTENDS_CYCLE", `extends forms a cycle: ${cycle}`, { ...via!.loc, path: "extends" }));
      return undefined;
    }
    seen.push(current);
    const text = readSource(current, display, via, diagnostics);
    if (text === undefined) return undefined;
    files.push(current);
    const node = parseLayer(current, text, display(current), layers.length > 0 ? cache : undefined, diagnostics);
    if (!node) return undefined;
    if (node.kind !== "map") {
      diagnostics.push(diag("TENANT_NOT_OBJECT", "a tenant file must be a mapping of keys to values", { ...node.loc }));
      return undefined;
    }
    const ext = node.entries.get("extends");
    node.entries.delete("extends");
    // `abstract` marks the file it is written in; a derived tenant never inherits it.
    if (layers.length > 0) node.entries.delete("abstract");
    layers.push(node);
    if (!ext) return layers;
    if (ext.node.kind !== "scalar" || typeof ext.node.value !== "string" || ext.node.value === "") {
      diagnostics.push(diag("TENANT_TYPE", "extends must be a file path (string)", { ...ext.node.loc, path: "extends" }));
      return undefined;
    }
    via = { loc: ext.node.loc, text: ext.node.value };
    current = resolve(dirname(current), ext.node.value);
  }
}

/**
 * parseSource through the cache. A hit needs the same text and display name (an edited file or
 * another cwd parses again). readChain deletes `extends`/`abstract` from the top-level entries, so
 * it gets a fresh top-level map; nothing below is ever modified (overlay and --set copy).
 */
function parseLayer(abs: string, text: string, display: string, cache: ParseCache | undefined, diagnostics: Diagnostic[]): LNode | undefined {
  const hit = cache?.get(abs);
  let node = hit && hit.text === text && hit.display === display ? hit.node : undefined;
  if (!node) {
    node = parseSource(text, display, diagnostics);
    if (!node || !cache) return node;
    cache.set(abs, { display, text, node });
  }
  return node.kind === "map" ? { ...node, entries: new Map(node.entries) } : node;
}

function isAbstractLayer(top: LNode | undefined): boolean {
  const entry = top?.kind === "map" ? top.entries.get("abstract") : undefined;
  return entry?.node.kind === "scalar" && entry.node.value === true;
}

function readSource(
  abs: string,
  display: (abs: string) => string,
  via: { loc: SourceLocation; text: string } | undefined,
  diagnostics: Diagnostic[],
): string | undefined {
  try {
    const stats = statSync(abs);
    if (stats.isDirectory()) throw Object.assign(new Error("is a folder"), { code: "EISDIR" });
    if (stats.size > MAX_FILE_BYTES) {
      diagnostics.push(diag("TENANT_TOO_COMPLEX", `${display(abs)} is ${stats.size} bytes; tenant files are limited to ${MAX_FILE_BYTES}`, { file: display(abs) }));
      return undefined;
    }
    const bytes = readFileSync(abs);
    // A package given to build/validate/render would otherwise be a YAML syntax error.
    if (looksLikeZip(bytes) || /\.zip$/i.test(abs)) {
      diagnostics.push(via ? diag("INPUT_IS_PACKAGE", `extends "${via.text}": ${display(abs)} is a package (zip), not a tenant file`, { ...via.loc, path: "extends" }) : packageGivenAsTenant(display(abs)));
      return undefined;
    }
    return bytes.toString("utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (via && (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR")) {
      const what = code === "EISDIR" ? "is a folder" : "no such file";
      diagnostics.push(diag("TENANT_EXTENDS_NOT_FOUND", `extends "${via.text}": ${what} (looked for ${display(abs)})`, { ...via.loc, path: "extends" }));
    } else {
      diagnostics.push(inputReadError(error, display(abs), "tenant"));
    }
    return undefined;
  }
}

function parseSource(text: string, file: string, diagnostics: Diagnostic[]): LNode | undefined {
  const lineCounter = new LineCounter();
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  if (doc.errors.length > 0) {
    // Duplicate keys are each a problem of their own; of the syntax errors only the first is
    // reliable (the parser's later errors are mostly consequences of it).
    const duplicates = doc.errors.filter((e) => e.code === "DUPLICATE_KEY");
    // At one position the parser may report a consequence before the cause: prefer the more telling code.
    const rank = (code: string) => (code === "MULTILINE_IMPLICIT_KEY" || code === "TAB_AS_INDENT" ? 0 : 1);
    const syntax = doc.errors.filter((e) => e.code !== "DUPLICATE_KEY").sort((a, b) => a.pos[0] - b.pos[0] || rank(a.code) - rank(b.code));
    for (const error of duplicates) {
      const first = firstOccurrence(doc, error.pos[0]);
      const name = first ? JSON.stringify(first.key) + " " : "";
      const earlier = first ? ` (first written on line ${lineCounter.linePos(first.offset).line})` : "";
      diagnostics.push(diag("TENANT_DUPLICATE_KEY", `key ${name}appears twice in this mapping${earlier}; keep one`, at(error.pos[0])));
    }
    const first = syntax[0];
    if (first) {
      // An unclosed quote is noticed where the text ends (often the end of the file): point at the opening quote.
      const opening = first.code === "MISSING_CHAR" ? unclosedQuoteStart(doc, first.pos[0]) : undefined;
      const where = at(opening ?? first.pos[0]);
      diagnostics.push(diag("TENANT_SYNTAX", opening !== undefined ? "this quoted string is never closed (missing closing quote)" : syntaxMessage(first, where), where));
    }
    return undefined;
  }
  if (doc.contents === null) {
    diagnostics.push(diag("TENANT_NOT_OBJECT", "the tenant file is empty", { file, line: 1, col: 1 }));
    return undefined;
  }
  const budget = { nodes: 0 };
  try {
    return toLNode(doc.contents as YamlNode, doc, at, budget, source);
  } catch (error) {
    if (error instanceof TooComplex) {
      diagnostics.push(diag("TENANT_TOO_COMPLEX", `more than ${MAX_NODES} values after expanding aliases`, { file, line: 1, col: 1 }));
      return undefined;
    }
    if (error instanceof KeyProblem) {
      diagnostics.push(diag(error.code, error.message, error.loc));
      return undefined;
    }
    throw error;
  }
}

class TooComplex extends Error {}
class KeyProblem extends Error {
  constructor(
    message: string,
    readonly loc: SourceLocation,
    readonly code: "TENANT_TYPE" | "TENANT_SYNTAX" = "TENANT_TYPE",
  ) {
    super(message);
  }
}

/** The parser's message, in the catalogue's lower-case style, with a hint for the common slips. */
function syntaxMessage(error: { code: string; message: string }, loc: SourceLocation): string {
  const text = (error.message.split("\n")[0] ?? error.message).replace(/ at line \d+, column \d+.*$/, "");
  switch (error.code) {
    case "TAB_AS_INDENT":
      return "a tab is used for indentation; YAML indents with spaces only";
    case "MULTILINE_IMPLICIT_KEY":
      return `this value runs on into line ${loc.line + 1}, which is then read as a key; check the indentation of line ${loc.line + 1}`;
    case "MISSING_CHAR":
      if (/quote/i.test(text)) return "a quoted string is not closed (missing closing quote)";
      break;
  }
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Start of the quoted scalar that runs to `end` without its closing quote. */
function unclosedQuoteStart(doc: Document, end: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      if ((node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE") && node.range?.[1] === end) found = node.range[0];
    },
  });
  return found;
}

/** The duplicated key at `offset` and the offset of its first occurrence in the same mapping. */
function firstOccurrence(doc: Document, offset: number): { key: string; offset: number } | undefined {
  let found: { key: string; offset: number } | undefined;
  const visitNode = (node: unknown): void => {
    if (found !== undefined || !node) return;
    if (isMap(node)) {
      const keys = node.items.map((pair) => pair.key as YamlNode | null);
      const dup = keys.find((k) => k?.range?.[0] === offset);
      if (dup && isScalar(dup)) {
        const first = keys.find((k) => isScalar(k) && k.value === dup.value);
        if (first && first !== dup && first.range) found = { key: String(dup.value), offset: first.range[0] };
        return;
      }
      node.items.forEach((pair) => visitNode(pair.value));
    } else if (isSeq(node)) node.items.forEach(visitNode);
  };
  visitNode(doc.contents);
  return found;
}

function toLNode(node: YamlNode, doc: Document, at: (offset: number) => SourceLocation, budget: { nodes: number }, source: string): LNode {
  if (++budget.nodes > MAX_NODES) throw new TooComplex();
  const loc = at(node.range?.[0] ?? 0);
  if (isAlias(node)) {
    const target = node.resolve(doc);
    if (!target) throw new KeyProblem(`alias *${node.source} refers to no anchor &${node.source} written before it`, loc, "TENANT_SYNTAX");
    // The alias's value was written at the anchor, not here: positions inside it stay the anchor's.
    const resolved = toLNode(target as YamlNode, doc, at, budget, source);
    return { ...resolved, loc, ...(resolved.kind === "scalar" ? { verbatim: false } : {}) };
  }
  if (isMap(node)) {
    const entries = new Map<string, { key: SourceLocation; node: LNode }>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyLoc = at(keyNode?.range?.[0] ?? node.range?.[0] ?? 0);
      if (!isScalar(keyNode) || (typeof keyNode.value !== "string" && typeof keyNode.value !== "number")) {
        throw new KeyProblem("mapping keys must be plain strings", keyLoc);
      }
      const key = String(keyNode.value);
      const valueNode = pair.value as YamlNode | null;
      const child: LNode = valueNode ? toLNode(valueNode, doc, at, budget, source) : { kind: "scalar", loc: keyLoc, value: null };
      entries.set(key, { key: keyLoc, node: child });
    }
    return { kind: "map", loc, entries };
  }
  if (isSeq(node)) {
    return { kind: "seq", loc, items: node.items.map((item) => toLNode(item as YamlNode, doc, at, budget, source)) };
  }
  if (isScalar(node)) {
    const v = node.value;
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
    const raw = node.range ? source.slice(node.range[0], node.range[1]) : "";
    const verbatim = typeof v === "string" && !raw.includes("\n") && (quoted ? raw.slice(1, -1) === v : node.type === "PLAIN" && raw === v);
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      return { kind: "scalar", loc, value: v, ...(quoted ? { quoted } : {}), ...(verbatim ? { verbatim } : {}) };
    }
    // Dates, binary and other tags are not tenant data: keep their source text.
    return { kind: "scalar", loc, value: String(node.source ?? v) };
  }
  throw new KeyProblem("unsupported YAML node", loc);
}

/** Objects merge key by key; anything else in the overlay replaces the base value. */
function overlay(base: LNode, top: LNode): LNode {
  if (base.kind !== "map" || top.kind !== "map") return top;
  const entries = new Map(base.entries);
  for (const [key, entry] of top.entries) {
    const under = entries.get(key);
    entries.set(key, under ? { key: entry.key, node: overlay(under.node, entry.node) } : entry);
  }
  return { kind: "map", loc: top.loc, entries };
}

const SET_PATTERN = /^([A-Za-z_$][\w$-]*(?:\.[A-Za-z_$][\w$-]*|\[\d+\])*)=([\s\S]*)$/;

/** Applies one `--set a.b[0]=value`, typing the value by the schema at that path. */
function applySet(root: LNode, assignment: string, index: number, diagnostics: Diagnostic[]): LNode | undefined {
  const file = `--set #${index + 1}`;
  const match = SET_PATTERN.exec(assignment);
  if (!match) {
    // Only the path-like start is echoed: the rest may be a secret typed with the wrong separator.
    const shown = /^[\w.$[\]-]*/.exec(assignment)![0];
    const message =
      assignment[shown.length] === "=" || shown === ""
        ? `--set needs a path like import.pageSize or a.b[0].c before "=" (e.g. --set import.pageSize=50)`
        : `--set expects "=" after "${shown}" (e.g. --set import.pageSize=50)`;
    diagnostics.push(diag("TENANT_SET_SYNTAX", message, { file, line: 1, col: assignment[shown.length] === "=" ? 1 : shown.length + 1 }));
    return undefined;
  }
  const pathText = match[1]!;
  const raw = match[2]!;
  const { segments, cols } = splitPath(pathText);
  const loc: SourceLocation = { file, line: 1, col: pathText.length + 2 };
  const typed = typeSetValue(raw, segments, loc, diagnostics);
  if (typed === undefined) return undefined;
  // Each key is located where it is written in the argument (an unknown key points at its name).
  const keyLocs = cols.map((col) => ({ file, line: 1, col }));
  return setIn(root, segments, typed, loc, keyLocs);
}

function splitPath(text: string): { segments: (string | number)[]; cols: number[] } {
  const segments: (string | number)[] = [];
  const cols: number[] = [];
  for (const part of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    segments.push(part[2] !== undefined ? Number(part[2]) : part[1]!);
    cols.push(part.index! + 1);
  }
  return { segments, cols };
}

function typeSetValue(raw: string, segments: (string | number)[], loc: SourceLocation, diagnostics: Diagnostic[]): LNode | undefined {
  const types = schemaTypesAt(segments);
  const where = { ...loc, path: segments.map((s) => (typeof s === "number" ? `[${s}]` : s)).join(".").replace(/\.\[/g, "[") };
  const fail = (expected: string) => {
    diagnostics.push(diag("TENANT_SET_TYPE", `--set value "${raw}" is not ${expected}`, where));
    return undefined;
  };
  if (types.has("string") && types.size === 1) return { kind: "scalar", loc, value: raw, ...(raw.includes("\n") ? {} : { verbatim: true }) };
  if (types.has("integer") || types.has("number")) {
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(raw.trim())) return { kind: "scalar", loc, value: Number(raw) };
    if (!types.has("string") && !types.has("object")) return fail(types.has("integer") ? "an integer" : "a number");
  }
  if (types.has("boolean")) {
    if (raw === "true" || raw === "false") return { kind: "scalar", loc, value: raw === "true" };
    if (types.size === 1) return fail("true or false");
  }
  if (raw.trim() === "") return { kind: "scalar", loc, value: raw };
  // Arrays, objects (e.g. a secret reference {env: NAME}) and unknown paths: read the value as YAML flow text.
  const before = diagnostics.length;
  const node = parseSource(raw, loc.file, diagnostics);
  // A syntax error inside the value: its column counts from the start of the argument.
  for (const d of diagnostics.slice(before)) if (d.col !== undefined) d.col += loc.col - 1;
  if (!node) return undefined;
  return relocate(node, loc);
}

/** --set values are one line: report every position inside them at the value's column. */
function relocate(node: LNode, loc: SourceLocation): LNode {
  const at = { ...loc, col: loc.col + node.loc.col - 1 };
  if (node.kind === "map") {
    const entries = new Map([...node.entries].map(([k, e]) => [k, { key: { ...loc, col: loc.col + e.key.col - 1 }, node: relocate(e.node, loc) }]));
    return { kind: "map", loc: at, entries };
  }
  if (node.kind === "seq") return { kind: "seq", loc: at, items: node.items.map((i) => relocate(i, loc)) };
  return { ...node, loc: at };
}

function setIn(node: LNode, segments: (string | number)[], value: LNode, loc: SourceLocation, keyLocs: SourceLocation[]): LNode {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  const [keyLoc = loc, ...restLocs] = keyLocs;
  if (typeof head === "number") {
    const items = node.kind === "seq" ? [...node.items] : [];
    const under = items[head] ?? { kind: "map", loc, entries: new Map() };
    while (items.length < head) items.push({ kind: "scalar", loc, value: null });
    items[head] = setIn(under, rest, value, loc, restLocs);
    return { kind: "seq", loc: node.kind === "seq" ? node.loc : loc, items };
  }
  const entries = node.kind === "map" ? new Map(node.entries) : new Map<string, { key: SourceLocation; node: LNode }>();
  const existing = entries.get(head!);
  const under = existing?.node ?? { kind: "map", loc: keyLoc, entries: new Map() };
  // A key that was already written keeps its position; a key --set creates is located in the argument.
  entries.set(head!, { key: rest.length === 0 || !existing ? keyLoc : existing.key, node: setIn(under, rest, value, loc, restLocs) });
  return { kind: "map", loc: node.kind === "map" ? node.loc : loc, entries };
}

function toPlain(node: LNode, pointer: string, locations: Map<string, Located>, key?: SourceLocation): unknown {
  locations.set(pointer, {
    value: node.loc,
    ...(key ? { key } : {}),
    ...(node.kind === "scalar" && node.quoted ? { quoted: true } : {}),
    ...(node.kind === "scalar" && node.verbatim ? { verbatim: true } : {}),
  });
  if (node.kind === "scalar") return node.value;
  if (node.kind === "seq") return node.items.map((item, i) => toPlain(item, `${pointer}/${i}`, locations));
  const out: Record<string, unknown> = {};
  for (const [k, entry] of node.entries) {
    // Own data property even for "__proto__": tenant keys are never object machinery.
    Object.defineProperty(out, k, {
      value: toPlain(entry.node, `${pointer}/${escapePointer(k)}`, locations, entry.key),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
