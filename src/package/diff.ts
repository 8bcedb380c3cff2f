/**
 * Semantic diff of two T2P connection packages (issue 5 item 4).
 *
 * Both sides go through one normalisation: attribute documents are parsed, JSON documents stored
 * as strings inside them (httpParams bodies, often with unquoted `${…}` bindings — see
 * docs/saviynt-rest-format.md#official-package) are parsed too with the bindings kept, so key order, whitespace,
 * CRLF and indentation never show up as differences. Volatile export metadata (GUID, Exported On,
 * entry-name stamps, zip layout, `__MACOSX`) is ignored unless `strict`.
 * Secrets are replaced by `‹redacted sha256:xxxxxxxx›` BEFORE comparison results are built, so no
 * formatter can print one; ciphertext is compared as an opaque hash (docs/saviynt-rest-format.md#encryption). A ConnectionJSON that
 * is empty or encrypted on one side cannot be compared with a plaintext one: that is a note, not a
 * difference.
 */
import { createHash } from "node:crypto";
import type { PackageAttribute, PackageModel } from "./model.js";
import { Binding, parseJsonWithBindings, parseNestedDocument } from "./read.js";
import { SECRET_ATTRIBUTES } from "../saviynt/t2p.js";
import { shouldRedact, type RedactionContext as NormContext } from "../saviynt/redaction.js";

export type DiffScope = "package" | "summary" | "connection" | "attribute";
export type DiffOp = "added" | "removed" | "changed";
export type PathSegment = string | number;

export interface DiffChange {
  scope: DiffScope;
  /** `layout`, `summary`, `connection`, or the attribute name. */
  group: string;
  op: DiffOp;
  /** Display path inside the group: `call[0].httpParams.agents[0].agentId`; "" is the whole value. */
  path: string;
  /** The same path as segments; it descends into JSON strings (httpParams) as if they were objects. */
  segments: PathSegment[];
  /** JSON-safe display values (absent for added / removed respectively): secrets redacted,
   *  ciphertext as `‹ciphertext N bytes sha256:xxxxxxxx›`, unquoted bindings as `{"$binding": "${…}"}`,
   *  JSON held in a string as that (canonical, one-line) string. */
  old?: unknown;
  new?: unknown;
  /** One-line human rendering of `old` / `new` (bindings unquoted, as in the package). */
  oldText?: string;
  newText?: string;
}

export interface DiffNote {
  scope: DiffScope;
  group: string;
  message: string;
}

export interface DiffSide {
  source: string | null;
  connection: string;
  type: string | null;
}

export interface DiffResult {
  same: boolean;
  strict: boolean;
  a: DiffSide;
  b: DiffSide;
  changes: DiffChange[];
  notes: DiffNote[];
}

export interface DiffOptions {
  /** Also compare GUID, Exported On, entry names and stamps, zip layout, attribute order, raw text. */
  strict?: boolean;
}

// ------------------------------------------------------------------------------------------------
// Normalised values

/** A JSON document stored as a string (httpParams): compared by content, shown as a string. */
class Nested {
  constructor(readonly value: Norm) {}
}

/** A secret: compared by full sha256, shown by its first 8 hex digits. */
class Redacted {
  constructor(readonly hash: string) {}
}

/** Ciphertext or another opaque blob: compared by hash, shown by length and short hash. */
class Opaque {
  constructor(
    readonly label: "ciphertext" | "text",
    readonly bytes: number,
    readonly hash: string,
  ) {}
}

type Norm = null | boolean | number | string | Binding | Nested | Redacted | Opaque | Norm[] | { [key: string]: Norm };

const sha256 = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** The redaction marker (issue 5): a change stays visible, the value does not. */
export function redactionMarker(value: string): string {
  return `‹redacted sha256:${sha256(value).slice(0, 8)}›`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

// ------------------------------------------------------------------------------------------------
// Secret detection: the one policy in src/saviynt/redaction.ts

/** Parsed value → normalised value: nested documents parsed, secrets redacted. */
function normalize(value: unknown, keys: string[], ctx: NormContext): Norm {
  if (value instanceof Binding) return value;
  if (value === null || value === undefined) return null;
  if (typeof value === "string") {
    const nested = parseNestedDocument(value);
    if (nested !== undefined) return new Nested(normalize(nested, keys, ctx));
    return shouldRedact(value, keys, ctx) ? new Redacted(sha256(value)) : value;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return shouldRedact(value, keys, ctx) ? new Redacted(sha256(String(value))) : value;
  }
  if (Array.isArray(value)) return value.map((v) => normalize(v, keys, ctx));
  if (isPlainObject(value)) {
    // fromEntries (not assignment) so that a "__proto__" key is compared like any other key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, [...keys, k], ctx)]));
  }
  return String(value);
}

function normalizeText(text: string, strict: boolean): string {
  return strict ? text : text.replace(/\r\n?/g, "\n").trim();
}

/** One attribute's value, normalised. Callers handle empty/null and the ConnectionJSON special cases. */
function normalizeAttribute(attr: PackageAttribute, strict: boolean): Norm {
  const secret = SECRET_ATTRIBUTES.has(attr.name);
  const ctx: NormContext = { secretDocument: secret };
  const raw = attr.raw ?? "";
  switch (attr.state) {
    case "null":
      return null;
    case "empty":
      return "";
    case "ciphertext":
      return new Opaque("ciphertext", attr.size, attr.sha256);
    case "json":
      return normalize(attr.json, [], ctx);
    case "invalid-json": {
      const parsed = parseJsonWithBindings(raw.replace(/^\uFEFF/, ""));
      if (parsed.ok) return normalize(parsed.value, [], ctx);
      return secret ? new Redacted(attr.sha256) : normalizeText(raw, strict);
    }
    case "text":
      return secret ? new Redacted(attr.sha256) : normalizeText(raw, strict);
  }
}

// ------------------------------------------------------------------------------------------------
// Comparison

function equal(a: Norm, b: Norm): boolean {
  if (a === b) return true;
  if (a instanceof Binding || b instanceof Binding) return a instanceof Binding && b instanceof Binding && a.expression === b.expression;
  if (a instanceof Redacted || b instanceof Redacted) return a instanceof Redacted && b instanceof Redacted && a.hash === b.hash;
  if (a instanceof Opaque || b instanceof Opaque) return a instanceof Opaque && b instanceof Opaque && a.hash === b.hash;
  if (a instanceof Nested || b instanceof Nested) return a instanceof Nested && b instanceof Nested && equal(a.value, b.value);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]!));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && equal(a[k]!, b[k]!));
  }
  return false;
}

type Emit = (op: DiffOp, segments: PathSegment[], oldValue: Norm | undefined, newValue: Norm | undefined) => void;

function diffValues(a: Norm, b: Norm, segments: PathSegment[], emit: Emit): void {
  if (equal(a, b)) return;
  if (a instanceof Nested && b instanceof Nested) return diffValues(a.value, b.value, segments, emit);
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const k of Object.keys(a)) {
      if (!Object.hasOwn(b, k)) emit("removed", [...segments, k], a[k]!, undefined);
      else diffValues(a[k]!, b[k]!, [...segments, k], emit);
    }
    for (const k of Object.keys(b)) if (!Object.hasOwn(a, k)) emit("added", [...segments, k], undefined, b[k]!);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) diffValues(a[i]!, b[i]!, [...segments, i], emit);
    for (let i = n; i < a.length; i++) emit("removed", [...segments, i], a[i]!, undefined);
    for (let i = n; i < b.length; i++) emit("added", [...segments, i], undefined, b[i]!);
    return;
  }
  emit("changed", segments, a, b);
}

// ------------------------------------------------------------------------------------------------
// Display

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^\(.*\)$/.test(s) && out === "") out += s;
    else if (IDENTIFIER.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

function markerText(n: Redacted | Opaque): string {
  return n instanceof Redacted ? `‹redacted sha256:${n.hash.slice(0, 8)}›` : `‹${n.label} ${n.bytes} bytes sha256:${n.hash.slice(0, 8)}›`;
}

/** JSON-safe display value (see DiffChange.old). */
function toDisplay(n: Norm): unknown {
  if (n instanceof Binding) return { $binding: n.expression };
  if (n instanceof Redacted || n instanceof Opaque) return markerText(n);
  if (n instanceof Nested) return compactText(n.value);
  if (Array.isArray(n)) return n.map(toDisplay);
  if (isPlainObject(n)) {
    return Object.fromEntries(Object.entries(n).map(([k, v]) => [k, toDisplay(v)]));
  }
  return n;
}

/** One-line rendering with bindings unquoted, as the value would read inside the package. */
function compactText(n: Norm): string {
  if (n instanceof Binding) return n.expression;
  if (n instanceof Redacted || n instanceof Opaque) return markerText(n);
  if (n instanceof Nested) return JSON.stringify(compactText(n.value));
  if (Array.isArray(n)) return `[${n.map(compactText).join(", ")}]`;
  if (isPlainObject(n)) {
    return `{${Object.entries(n)
      .map(([k, v]) => `${JSON.stringify(k)}: ${compactText(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(n);
}

// ------------------------------------------------------------------------------------------------
// Package diff

export function diffPackages(a: PackageModel, b: PackageModel, opts: DiffOptions = {}): DiffResult {
  const strict = opts.strict === true;
  const changes: DiffChange[] = [];
  const notes: DiffNote[] = [];
  const emitter =
    (scope: DiffScope, group: string): Emit =>
    (op, segments, oldValue, newValue) => {
      const change: DiffChange = { scope, group, op, path: formatPath(segments), segments: [...segments] };
      if (oldValue !== undefined) {
        change.old = toDisplay(oldValue);
        change.oldText = compactText(oldValue);
      }
      if (newValue !== undefined) {
        change.new = toDisplay(newValue);
        change.newText = compactText(newValue);
      }
      changes.push(change);
    };

  diffLayout(a, b, strict, emitter("package", "layout"), notes);
  diffSummary(a, b, strict, emitter("summary", "summary"));
  diffConnection(a, b, emitter("connection", "connection"));
  diffAttributeList(a, b, strict, (name) => emitter("attribute", name), notes);

  const side = (m: PackageModel): DiffSide => ({ source: m.source ?? null, connection: m.connection.key, type: m.connection.type });
  return { same: changes.length === 0, strict, a: side(a), b: side(b), changes, notes };
}

function layoutFacts(m: PackageModel): { [key: string]: Norm } {
  return {
    entries: m.entries.map((e) => e.name).join(", "),
    folder: m.layout.folder,
    objectSummaryStamp: m.layout.objectSummaryStamp,
    connectionStamp: m.layout.connectionStamp,
    macosEntries: m.layout.macosEntries,
    directoryEntries: m.layout.directoryEntries,
    attributeOrder: m.connection.attributes.map((x) => x.name).join(", "),
  };
}

const VOLATILE_INFORMATION = ["GUID", "Exported On"] as const;

function diffLayout(a: PackageModel, b: PackageModel, strict: boolean, emit: Emit, notes: DiffNote[]): void {
  const fa = layoutFacts(a);
  const fb = layoutFacts(b);
  if (strict) {
    diffValues(fa, fb, [], emit);
    return;
  }
  // Not a difference, but say what was ignored so that --strict is discoverable.
  const ignored: string[] = [];
  const info = (m: PackageModel): Record<string, unknown> => (m.summary && isPlainObject(m.summary.document.Information) ? m.summary.document.Information : {});
  for (const k of VOLATILE_INFORMATION) if (JSON.stringify(info(a)[k]) !== JSON.stringify(info(b)[k])) ignored.push(k);
  if (fa.objectSummaryStamp !== fb.objectSummaryStamp || fa.connectionStamp !== fb.connectionStamp) ignored.push("entry-name stamps");
  if (fa.folder !== fb.folder || fa.macosEntries !== fb.macosEntries || fa.directoryEntries !== fb.directoryEntries) ignored.push("zip layout");
  if (fa.attributeOrder !== fb.attributeOrder) ignored.push("attribute order");
  if (ignored.length > 0) notes.push({ scope: "package", group: "layout", message: `ignored volatile differences: ${ignored.join(", ")} (--strict compares them)` });
}

function diffSummary(a: PackageModel, b: PackageModel, strict: boolean, emit: Emit): void {
  const doc = (m: PackageModel): Norm | undefined => {
    if (!m.summary) return undefined;
    const copy = structuredClone(m.summary.document);
    if (!strict && isPlainObject(copy.Information)) for (const k of VOLATILE_INFORMATION) delete copy.Information[k];
    return normalize(copy, [], { secretDocument: false });
  };
  const da = doc(a);
  const db = doc(b);
  if (da === undefined && db === undefined) return;
  if (da === undefined) return emit("added", [], undefined, db);
  if (db === undefined) return emit("removed", [], da, undefined);
  diffValues(da, db, [], emit);
}

function connectionFields(m: PackageModel): Norm {
  return Object.fromEntries(
    Object.entries(m.connection.fields).map(([k, v]) => [
      k,
      // templateMandatoryData is an encrypted blob tied to the tenant template (docs/saviynt-rest-format.md#connection-file): opaque.
      k === "templateMandatoryData" && typeof v === "string" && v !== "" ? new Opaque("ciphertext", Buffer.byteLength(v), sha256(v)) : normalize(v, [k], { secretDocument: false }),
    ]),
  );
}

function diffConnection(a: PackageModel, b: PackageModel, emit: Emit): void {
  const ka = a.connection.key;
  const kb = b.connection.key;
  // The key only matters on its own when it is not just the connection name again.
  if (ka !== kb && !(ka === a.connection.name && kb === b.connection.name)) emit("changed", ["(key)"], ka, kb);
  diffValues(connectionFields(a), connectionFields(b), [], emit);
}

type AttributeClass = "none" | "ciphertext" | "plain";

function classOf(attr: PackageAttribute): AttributeClass {
  if (attr.state === "empty" || attr.state === "null") return "none";
  return attr.state === "ciphertext" ? "ciphertext" : "plain";
}

function describe(attr: PackageAttribute | undefined): string {
  if (!attr) return "absent";
  switch (attr.state) {
    case "empty":
      return "empty";
    case "null":
      return "null";
    case "ciphertext":
      return `encrypted (${attr.size} bytes)`;
    default:
      return "plaintext";
  }
}

function diffAttributeList(a: PackageModel, b: PackageModel, strict: boolean, emitFor: (name: string) => Emit, notes: DiffNote[]): void {
  const first = (m: PackageModel) => {
    const map = new Map<string, PackageAttribute>();
    for (const attr of m.connection.attributes) if (!map.has(attr.name)) map.set(attr.name, attr);
    return map;
  };
  const ma = first(a);
  const mb = first(b);
  const names = [...ma.keys(), ...[...mb.keys()].filter((n) => !ma.has(n))];
  for (const name of names) {
    const x = ma.get(name);
    const y = mb.get(name);
    diffAttribute(name, x, y, strict, emitFor(name), notes);
    if (x && y) {
      // formdata, credentialSaveStatus and anything else on the EXTERNAL_ATTR item, as `(formdata)`.
      const meta = (attr: PackageAttribute): Norm => Object.fromEntries(Object.entries(attr.extra).map(([k, v]) => [`(${k})`, normalize(v, [k], { secretDocument: false })]));
      diffValues(meta(x), meta(y), [], emitFor(name));
    }
  }
}

function diffAttribute(name: string, x: PackageAttribute | undefined, y: PackageAttribute | undefined, strict: boolean, emit: Emit, notes: DiffNote[]): void {
  const secret = SECRET_ATTRIBUTES.has(name);
  const cx = x ? classOf(x) : "none";
  const cy = y ? classOf(y) : "none";

  if (secret && cx !== cy && !(cx === "ciphertext" && cy === "ciphertext")) {
    // Empty / encrypted vs anything else: nothing to compare (issue 5: "not comparable").
    if (cx === "none" && cy === "none") {
      // absent vs empty vs null: the same thing unless strict (below).
    } else {
      notes.push({ scope: "attribute", group: name, message: `not comparable: ${describe(x)} in A, ${describe(y)} in B` });
      return;
    }
  }

  if (!x || !y) {
    const present = (x ?? y)!;
    if (cx === "none" && cy === "none") {
      if (strict) emit(x ? "removed" : "added", [], x ? normalizeAttribute(x, strict) : undefined, y ? normalizeAttribute(y, strict) : undefined);
      return;
    }
    if (x) emit("removed", [], normalizeAttribute(present, strict), undefined);
    else emit("added", [], undefined, normalizeAttribute(present, strict));
    return;
  }

  if (cx === "none" && cy === "none") {
    if (strict && x.raw !== y.raw) emit("changed", [], normalizeAttribute(x, strict), normalizeAttribute(y, strict));
    return;
  }
  if (cx === "none") return emit("added", [], undefined, normalizeAttribute(y, strict));
  if (cy === "none") return emit("removed", [], normalizeAttribute(x, strict), undefined);

  let found = false;
  const tracking: Emit = (...args) => {
    found = true;
    emit(...args);
  };
  diffValues(normalizeAttribute(x, strict), normalizeAttribute(y, strict), [], tracking);
  if (strict && !found && x.raw !== y.raw) {
    // Same content, different text (indentation, CRLF, key order): only --strict cares.
    const raw = (attr: PackageAttribute) => new Opaque("text", attr.size, attr.sha256);
    emit("changed", ["(text)"], raw(x), raw(y));
  }
}

/**
 * A parsed document with its secrets replaced by redaction markers, for writing or showing a
 * document without its credentials (unpack). Everything else is kept as it is: a JSON document
 * held in a string stays the original string unless a secret inside it had to be replaced.
 */
export function redactDocument(value: unknown, opts: { secretDocument: boolean }): unknown {
  return redactValue(value, [], { secretDocument: opts.secretDocument });
}

function redactValue(value: unknown, keys: string[], ctx: NormContext): unknown {
  if (typeof value === "string") {
    const nested = parseNestedDocument(value);
    if (nested !== undefined) {
      const norm = normalize(nested, keys, ctx);
      return hasRedaction(norm) ? compactText(norm) : value;
    }
    return shouldRedact(value, keys, ctx) ? markerText(new Redacted(sha256(value))) : value;
  }
  if (typeof value === "number" || typeof value === "boolean") return shouldRedact(value, keys, ctx) ? markerText(new Redacted(sha256(String(value)))) : value;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, keys, ctx));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, [...keys, k], ctx)]));
  return value;
}

function hasRedaction(n: Norm): boolean {
  if (n instanceof Redacted) return true;
  if (n instanceof Nested) return hasRedaction(n.value);
  if (Array.isArray(n)) return n.some(hasRedaction);
  if (isPlainObject(n)) return Object.values(n).some((v) => hasRedaction(v as Norm));
  return false;
}
