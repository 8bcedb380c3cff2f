/**
 * Stage 1 — load: tenant file(s) → one plain config value plus where every value was written.
 * YAML and JSON go through the same parser (JSON ⊂ YAML 1.2), so both get line:col positions
 * (docs/engineering-notes.md#yaml-positions). `extends` chains are overlaid (objects merge, arrays and scalars
 * replace) and `--set a.b=c` overrides come last; each value keeps the position it was written at.
 */
import { dirname, relative, resolve } from "node:path";
import { CST, isAlias, isMap, isScalar, isSeq, Lexer, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from "yaml";
import { diag, type Code, type Diagnostic } from "../core/diagnostics.js";
import { schemaTypesAt } from "../core/schemas.js";
import { folderInput, looksLikeZip, missingInput, packageGivenAsTenant } from "../core/input.js";
import { escapePointer } from "../core/json.js";
import { LIMITS } from "../core/limits.js";
import { readRegularFile } from "../core/read-file.js";
import { describeValue } from "../saviynt/redaction.js";

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

/** Guards against alias bombs and absurd inputs; a real tenant file has a few hundred nodes (src/core/limits.ts). */
const MAX_NODES = LIMITS.tenantValues.value;
const MAX_DEPTH = LIMITS.yamlDepth.value;
const MAX_STRING = LIMITS.tenantStringLength.value;

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
  const shown = display(abs);
  // An extends problem is located at the `extends` value that named the file.
  const read = readRegularFile(abs, { maxBytes: LIMITS.tenantFileBytes.value, display: shown });
  if (!read.ok) {
    if (via && (read.reason === "missing" || read.folder)) {
      diagnostics.push(diag("TENANT_EXTENDS_NOT_FOUND", `extends "${via.text}": ${read.folder ? "is a folder" : "no such file"} (looked for ${shown})`, { ...via.loc, path: "extends" }));
    } else if (read.reason === "missing") diagnostics.push(missingInput(shown, "tenant"));
    else if (read.folder) diagnostics.push(folderInput(shown, "tenant"));
    else diagnostics.push(diag(read.reason === "too-large" ? "LIMIT_FILE_SIZE" : "IO_READ", read.reason === "too-large" ? `${read.message} for tenant files` : read.message, via ? { ...via.loc, path: "extends" } : { file: shown }));
    return undefined;
  }
  // A package given to build/validate/render would otherwise be a YAML syntax error.
  if (looksLikeZip(read.bytes) || /\.zip$/i.test(abs)) {
    diagnostics.push(via ? diag("INPUT_IS_PACKAGE", `extends "${via.text}": ${shown} is a package (zip), not a tenant file`, { ...via.loc, path: "extends" }) : packageGivenAsTenant(shown));
    return undefined;
  }
  return read.bytes.toString("utf8");
}

function parseSource(text: string, file: string, diagnostics: Diagnostic[]): LNode | undefined {
  const lineCounter = new LineCounter();
  const source = text.startsWith("\uFEFF") ? text.slice(1) : text;
  // The parser's composer recurses once per level: bound the nesting before it runs.
  const deep = yamlDepthExceeded(source, MAX_DEPTH);
  if (deep !== undefined) {
    diagnostics.push(diag("LIMIT_DEPTH", `nesting deeper than ${MAX_DEPTH} levels`, { file, ...lineCol(source, deep) }));
    return undefined;
  }
  // uniqueKeys is checked below in linear time: the parser's own check compares every pair of keys.
  const doc = parseDocument(source, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const duplicates = duplicateKeys(doc);
  if (doc.errors.length > 0 || duplicates.length > 0) {
    // Duplicate keys are each a problem of their own; of the syntax errors only the first is
    // reliable (the parser's later errors are mostly consequences of it).
    // At one position the parser may report a consequence before the cause: prefer the more telling code.
    const rank = (code: string) => (code === "MULTILINE_IMPLICIT_KEY" || code === "TAB_AS_INDENT" ? 0 : 1);
    const syntax = doc.errors.filter((e) => e.code !== "DUPLICATE_KEY").sort((a, b) => a.pos[0] - b.pos[0] || rank(a.code) - rank(b.code));
    for (const dup of duplicates) {
      diagnostics.push(
        diag("TENANT_DUPLICATE_KEY", `key ${JSON.stringify(dup.key)} appears twice in this mapping (first written on line ${lineCounter.linePos(dup.first).line}); keep one`, at(dup.offset)),
      );
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
  const ctx: Compose = { doc, at, source, nodes: 0, targets: aliasTargets(doc), done: new Map() };
  try {
    return toLNode(doc.contents as YamlNode, ctx, 1).node;
  } catch (error) {
    if (error instanceof KeyProblem) {
      diagnostics.push(diag(error.code, error.message, error.loc));
      return undefined;
    }
    throw error;
  }
}

class KeyProblem extends Error {
  constructor(
    message: string,
    readonly loc: SourceLocation,
    readonly code: Code = "TENANT_TYPE",
  ) {
    super(message);
  }
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/**
 * Offset where the nesting of a YAML text first exceeds `max` levels, or undefined. One pass over
 * the lexer's tokens (the lexer is a flat state machine): flow brackets count one level each;
 * block levels are the indentation columns still open, plus one per `-`, `?` or `:` indicator
 * followed by content on the same line. An upper bound of the real depth, never below it.
 */
function yamlDepthExceeded(source: string, max: number): number | undefined {
  const open: number[] = [];
  let flow = 0;
  let col = 0;
  let offset = 0;
  let lineStart = true;
  let afterIndicator = false;
  for (const token of new Lexer().lex(source)) {
    const type = CST.tokenType(token);
    // Zero-width markers the lexer inserts (document mode, scalar start, flow error end).
    if (token.length === 1 && (token === "\u0002" || token === "\u001f" || token === "\u0018")) continue;
    const start = col;
    const startOffset = offset;
    offset += token.length;
    const nl = token.lastIndexOf("\n");
    col = nl < 0 ? col + token.length : token.length - nl - 1;
    if (type === "newline") {
      lineStart = true;
      afterIndicator = false;
      continue;
    }
    if (type === "space" || type === "comment" || type === "byte-order-mark" || type === "comma") continue;
    if (type === "flow-map-start" || type === "flow-seq-start") flow++;
    else if (type === "flow-map-end" || type === "flow-seq-end") flow = Math.max(0, flow - 1);
    else if (flow === 0) {
      if (lineStart) {
        while (open.length > 0 && open[open.length - 1]! >= start) open.pop();
        open.push(start);
      } else if (afterIndicator && start > open[open.length - 1]!) open.push(start);
      afterIndicator = type === "seq-item-ind" || type === "explicit-key-ind" || type === "map-value-ind";
    }
    lineStart = false;
    if (open.length + flow > max) return startOffset;
  }
  return undefined;
}

/** Each alias's anchor: the last node with that anchor before the alias, found in one document walk. */
function aliasTargets(doc: Document): Map<YamlNode, YamlNode | undefined> {
  const targets = new Map<YamlNode, YamlNode | undefined>();
  const anchors = new Map<string, YamlNode>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

interface Compose {
  doc: Document;
  at: (offset: number) => SourceLocation;
  source: string;
  /** Values so far, aliases counted at their full expanded size. */
  nodes: number;
  targets: Map<YamlNode, YamlNode | undefined>;
  /** Anchored nodes already converted: their value, expanded size and height, for the aliases to them. */
  done: Map<YamlNode, { node: LNode; size: number; height: number }>;
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

/**
 * Keys written twice in one mapping, with the offset of the repeat and of the first occurrence:
 * one Map per mapping (the nesting is already bounded, so the walk cannot overflow).
 */
function duplicateKeys(doc: Document): { key: string; offset: number; first: number }[] {
  const found: { key: string; offset: number; first: number }[] = [];
  const visitNode = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Map<unknown, number>();
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        if (isScalar(key) && key.range) {
          const first = seen.get(key.value);
          if (first === undefined) seen.set(key.value, key.range[0]);
          else found.push({ key: String(key.value), offset: key.range[0], first });
        }
        visitNode(pair.value);
      }
    } else if (isSeq(node)) node.items.forEach(visitNode);
  };
  visitNode(doc.contents);
  return found;
}

function toLNode(node: YamlNode, ctx: Compose, depth: number): { node: LNode; height: number } {
  const loc = ctx.at(node.range?.[0] ?? 0);
  if (depth > MAX_DEPTH) throw new KeyProblem(`nesting deeper than ${MAX_DEPTH} levels`, loc, "LIMIT_DEPTH");
  if (isAlias(node)) {
    const target = ctx.targets.get(node);
    if (!target) throw new KeyProblem(`alias *${node.source} refers to no anchor &${node.source} written before it`, loc, "TENANT_SYNTAX");
    // An alias costs what it expands to, counted without expanding it again (alias bombs stay cheap to refuse).
    const known = ctx.done.get(target) ?? convertAnchored(target, ctx, depth);
    ctx.nodes += known.size;
    if (ctx.nodes > MAX_NODES) throw new KeyProblem(`more than ${MAX_NODES} values after expanding aliases`, loc, "TENANT_TOO_COMPLEX");
    if (depth - 1 + known.height > MAX_DEPTH) throw new KeyProblem(`nesting deeper than ${MAX_DEPTH} levels once *${node.source} is expanded`, loc, "LIMIT_DEPTH");
    // The alias's value was written at the anchor, not here: positions inside it stay the anchor's.
    const resolved = known.node;
    return { node: { ...resolved, loc, ...(resolved.kind === "scalar" ? { verbatim: false } : {}) }, height: known.height };
  }
  if (node.anchor && !ctx.done.has(node)) return convertAnchored(node, ctx, depth);
  return convert(node, ctx, depth, loc);
}

function convertAnchored(node: YamlNode, ctx: Compose, depth: number): { node: LNode; size: number; height: number } {
  const before = ctx.nodes;
  const converted = convert(node, ctx, depth, ctx.at(node.range?.[0] ?? 0));
  const entry = { ...converted, size: ctx.nodes - before };
  ctx.done.set(node, entry);
  return entry;
}

function convert(node: YamlNode, ctx: Compose, depth: number, loc: SourceLocation): { node: LNode; height: number } {
  if (++ctx.nodes > MAX_NODES) throw new KeyProblem(`more than ${MAX_NODES} values after expanding aliases`, loc, "TENANT_TOO_COMPLEX");
  if (isMap(node)) {
    const entries = new Map<string, { key: SourceLocation; node: LNode }>();
    let height = 1;
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyLoc = ctx.at(keyNode?.range?.[0] ?? node.range?.[0] ?? 0);
      if (!isScalar(keyNode) || (typeof keyNode.value !== "string" && typeof keyNode.value !== "number")) {
        throw new KeyProblem("mapping keys must be plain strings", keyLoc);
      }
      const key = String(keyNode.value);
      if (key.length > MAX_STRING) throw new KeyProblem(`a key of ${key.length} characters; tenant strings are limited to ${MAX_STRING}`, keyLoc, "LIMIT_STRING");
      const valueNode = pair.value as YamlNode | null;
      if (!valueNode) {
        entries.set(key, { key: keyLoc, node: { kind: "scalar", loc: keyLoc, value: null } });
        continue;
      }
      const child = toLNode(valueNode, ctx, depth + 1);
      height = Math.max(height, child.height + 1);
      entries.set(key, { key: keyLoc, node: child.node });
    }
    return { node: { kind: "map", loc, entries }, height };
  }
  if (isSeq(node)) {
    const items: LNode[] = [];
    let height = 1;
    for (const item of node.items) {
      const child = toLNode(item as YamlNode, ctx, depth + 1);
      height = Math.max(height, child.height + 1);
      items.push(child.node);
    }
    return { node: { kind: "seq", loc, items }, height };
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "string" && v.length > MAX_STRING) throw new KeyProblem(`a string of ${v.length} characters; tenant strings are limited to ${MAX_STRING}`, loc, "LIMIT_STRING");
    const quoted = node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE";
    const raw = node.range ? ctx.source.slice(node.range[0], node.range[1]) : "";
    const verbatim = typeof v === "string" && !raw.includes("\n") && (quoted ? raw.slice(1, -1) === v : node.type === "PLAIN" && raw === v);
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") {
      return { node: { kind: "scalar", loc, value: v, ...(quoted ? { quoted } : {}), ...(verbatim ? { verbatim } : {}) }, height: 1 };
    }
    // Dates, binary and other tags are not tenant data: keep their source text.
    return { node: { kind: "scalar", loc, value: String(node.source ?? v) }, height: 1 };
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
  const maxSegments = LIMITS.setSegments.value;
  if (segments.length > maxSegments) {
    diagnostics.push(diag("LIMIT_SET_PATH", `--set path has ${segments.length} segments; at most ${maxSegments} are allowed`, { file, line: 1, col: cols[maxSegments] ?? 1 }));
    return undefined;
  }
  if (raw.length > MAX_STRING) {
    diagnostics.push(diag("LIMIT_STRING", `--set value is ${describeValue(raw)}; values are limited to ${MAX_STRING} characters`, loc));
    return undefined;
  }
  const typed = typeSetValue(raw, segments, loc, diagnostics);
  if (typed === undefined) return undefined;
  // Each key is located where it is written in the argument (an unknown key points at its name).
  const keyLocs = cols.map((col) => ({ file, line: 1, col }));
  try {
    return setIn(root, segments, typed, loc, keyLocs);
  } catch (error) {
    if (!(error instanceof KeyProblem)) throw error;
    diagnostics.push(diag(error.code, error.message, error.loc));
    return undefined;
  }
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
  // Described, never quoted: a value typed on the command line may be a mistyped secret.
  const fail = (expected: string) => {
    diagnostics.push(diag("TENANT_SET_TYPE", `--set value (${describeValue(raw)}) is not ${expected}`, where));
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
    // Replace an item or append one: never create a list of holes (`[10000000]` would be 10M nulls).
    if (head > items.length) {
      throw new KeyProblem(`--set index [${head}] is past the end of a list of ${items.length} item${items.length === 1 ? "" : "s"}; use an index from 0 to ${items.length}`, keyLoc, "LIMIT_SET_PATH");
    }
    const under = items[head] ?? { kind: "map", loc, entries: new Map() };
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
