/**
 * Test packages: our-style T2P zips built with archiver from the src/t2p.ts builders, re-packs of a
 * read model (edits, top folder, __MACOSX, re-indentation, new GUID/stamps), and the official
 * fixture located relative to the repository (never by an absolute /work path).
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ZipArchive } from "archiver";
import { compileTenant } from "../../src/build/compile.js";
import type { PackageModel } from "../../src/package/model.js";
import {
  buildConnectionFile,
  buildObjectSummary,
  connectionEntryName,
  entryStamp,
  objectSummaryEntryName,
  REST_ATTRIBUTES,
  serializeAttributeValue,
  serializeNativeFile,
} from "../../src/saviynt/t2p.js";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const officialZipPath = resolve(repoRoot, "test/fixtures/official/INCONTACT.zip");
export const officialZip = (): Buffer => readFileSync(officialZipPath);

export const FIXED_DATE = new Date("1985-10-26T08:15:00Z");

export interface ZipFileSpec {
  name: string;
  data?: Buffer | string;
  /** A directory entry (name ends with "/"). */
  dir?: boolean;
}

/** Zips files in the given order with one fixed date (docs/engineering-notes.md#zip-writing). */
export async function zipWithArchiver(files: readonly ZipFileSpec[], opts: { store?: boolean } = {}): Promise<Buffer> {
  const archive = new ZipArchive({ zlib: { level: 9 }, store: opts.store === true });
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((ok, fail) => {
    archive.on("end", () => ok());
    archive.on("error", fail);
  });
  for (const f of files) {
    if (f.dir) archive.append(Buffer.alloc(0), { name: f.name, date: FIXED_DATE, mode: 0o755, type: "directory" });
    else archive.append(typeof f.data === "string" ? Buffer.from(f.data, "utf8") : (f.data ?? Buffer.alloc(0)), { name: f.name, date: FIXED_DATE, mode: 0o644 });
  }
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

export interface OurPackageSpec {
  connection: { name: string; description?: string };
  summary: { guid: string; exportedBy: string; exportedOn: string; system: string };
  /** Attribute name → parsed document (serialised the exporter's way) or a raw string. */
  attributes: Record<string, unknown>;
  /** Raw strings instead of documents for these attributes (ciphertext, text). */
  rawAttributes?: Record<string, string | null>;
}

/** The files of an our-style package (docs/saviynt-rest-format.md#t2p: two root entries, native formatting, 24 attributes). */
export function ourPackageFiles(spec: OurPackageSpec): ZipFileSpec[] {
  const when = new Date(spec.summary.exportedOn);
  const stamp = entryStamp(when);
  const attributes = new Map<string, string>();
  for (const name of REST_ATTRIBUTES) {
    if (spec.rawAttributes && name in spec.rawAttributes) attributes.set(name, spec.rawAttributes[name] as string);
    else if (name in spec.attributes) attributes.set(name, serializeAttributeValue(spec.attributes[name]));
    else attributes.set(name, "");
  }
  const summary = buildObjectSummary({ connectionName: spec.connection.name, guid: spec.summary.guid, exportedBy: spec.summary.exportedBy, exportedOn: when, system: spec.summary.system });
  const connection = buildConnectionFile({ name: spec.connection.name, description: spec.connection.description ?? "", attributes });
  // null values are not expressible through the builder's Map<string,string>: patch them in.
  if (spec.rawAttributes) {
    const body = connection[spec.connection.name] as { EXTERNAL_ATTR: { attributename: string; encryptedattributevalue: unknown }[] };
    for (const item of body.EXTERNAL_ATTR) if (spec.rawAttributes[item.attributename] === null) item.encryptedattributevalue = null;
  }
  return [
    { name: objectSummaryEntryName(stamp), data: serializeNativeFile(summary) },
    { name: connectionEntryName(stamp), data: serializeNativeFile(connection) },
  ];
}

export async function buildOurPackage(spec: OurPackageSpec): Promise<Buffer> {
  return zipWithArchiver(ourPackageFiles(spec));
}

/** The create call's `"${user.firstname}"` in the acme-dev example replaced by `replacement`, packaged with an empty ConnectionJSON. */
export async function acmeDevPackageWithFirstname(replacement: string): Promise<Buffer> {
  const compiled = await compileTenant(resolve(repoRoot, "examples/tenants/acme-dev.yaml"), { cwd: repoRoot, noPack: true });
  const attributes = structuredClone(compiled.attributes!) as Record<string, { call: { httpParams: string }[] }>;
  const create = attributes.CreateAccountJSON!.call[0]!;
  create.httpParams = create.httpParams.replace('"${user.firstname}"', replacement);
  return buildOurPackage({
    connection: { name: "InContact_DEV" },
    summary: { guid: "00000000-0000-4000-8000-000000000001", exportedBy: "test", exportedOn: "2026-01-01T00:00:00Z", system: "t" },
    attributes: { ...attributes, ConnectionJSON: undefined },
    rawAttributes: { ConnectionJSON: "" },
  });
}

// ------------------------------------------------------------------------------------------------
// Re-packing a read model

export type PathSegment = string | number;

export type Edit =
  | { attribute: string; path?: PathSegment[]; set?: unknown; delete?: boolean; raw?: string | null }
  | { connection: PathSegment[]; set?: unknown; delete?: boolean }
  | { summary: PathSegment[]; set?: unknown; delete?: boolean };

export interface Rezip {
  /** Put the files in this folder (e.g. "Incontact/"), with a directory entry. */
  folder?: string;
  /** Add __MACOSX/ AppleDouble entries as macOS Archive Utility does. */
  macosx?: boolean;
  /** Re-serialise every JSON attribute with this indentation ("\t" or a number of spaces). */
  indent?: string | number;
  /** Line end for re-serialised attributes (default CRLF). */
  lineEnd?: string;
  /** Reverse the key order of every object in re-serialised attributes. */
  reverseKeys?: boolean;
  guid?: string;
  /** New "Exported On" date and entry-name stamps (ISO date-time). */
  exportedOn?: string;
  store?: boolean;
}

function setIn(root: unknown, path: readonly PathSegment[], op: { set?: unknown; delete?: boolean }): unknown {
  if (path.length === 0) return op.set;
  const [head, ...rest] = path as [PathSegment, ...PathSegment[]];
  if (typeof root === "string" && head === "$json") {
    return JSON.stringify(setIn(JSON.parse(root), rest, op));
  }
  const container = root as Record<string, unknown>;
  if (rest.length === 0 && op.delete) {
    if (Array.isArray(container)) container.splice(Number(head), 1);
    else delete container[head as string];
    return root;
  }
  (container as Record<PathSegment, unknown>)[head] = setIn((container as Record<PathSegment, unknown>)[head], rest, op);
  return root;
}

function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reverseKeys(v)]));
  }
  return value;
}

/** Files of a package re-built from a read model, after edits and re-zip changes. */
export function modelFiles(model: PackageModel, edits: readonly Edit[] = [], rezip: Rezip = {}): ZipFileSpec[] {
  const summaryDoc = structuredClone(model.summary?.document ?? null);
  const connectionDoc = structuredClone(model.connection.document);
  const body = connectionDoc[model.connection.key] as Record<string, unknown> & { EXTERNAL_ATTR: { attributename: string; encryptedattributevalue: string | null }[] };
  const docs = new Map<string, unknown>();
  for (const attr of model.connection.attributes) if (attr.state === "json") docs.set(attr.name, structuredClone(attr.json));
  const touched = new Set<string>();

  for (const edit of edits) {
    if ("attribute" in edit) {
      const item = body.EXTERNAL_ATTR.find((x) => x.attributename === edit.attribute);
      if (!item) throw new Error(`no attribute ${edit.attribute}`);
      if (edit.raw !== undefined) {
        item.encryptedattributevalue = edit.raw;
        docs.delete(edit.attribute);
      } else {
        docs.set(edit.attribute, setIn(docs.get(edit.attribute), edit.path ?? [], edit));
        touched.add(edit.attribute);
      }
    } else if ("connection" in edit) setIn(body, edit.connection, edit);
    else setIn(summaryDoc, edit.summary, edit);
  }

  const indent = rezip.indent ?? 2;
  const lineEnd = rezip.lineEnd ?? "\r\n";
  const reserialise = rezip.indent !== undefined || rezip.lineEnd !== undefined || rezip.reverseKeys === true;
  for (const item of body.EXTERNAL_ATTR) {
    if (!docs.has(item.attributename)) continue;
    if (!touched.has(item.attributename) && !reserialise) continue;
    let doc = docs.get(item.attributename);
    if (rezip.reverseKeys) doc = reverseKeys(doc);
    item.encryptedattributevalue =
      touched.has(item.attributename) && !reserialise ? serializeAttributeValue(doc) : JSON.stringify(doc, null, indent).replace(/\n/g, lineEnd);
  }

  let osName = model.summary ? basenameOf(model.summary.entry) : undefined;
  let connName = basenameOf(model.connection.entry);
  if (rezip.guid !== undefined || rezip.exportedOn !== undefined) {
    const info = (summaryDoc as { Information: Record<string, unknown> }).Information;
    if (rezip.guid !== undefined) info.GUID = rezip.guid;
    if (rezip.exportedOn !== undefined) {
      const when = new Date(rezip.exportedOn);
      info["Exported On"] = entryStamp(when).replace("_", " ").replace(/-(\d\d)-(\d\d)$/, ":$1:$2");
      osName = objectSummaryEntryName(entryStamp(when));
      connName = connectionEntryName(entryStamp(when));
    }
  }

  const folder = rezip.folder ?? "";
  const files: ZipFileSpec[] = [];
  if (folder !== "") files.push({ name: folder, dir: true });
  if (summaryDoc !== null && osName !== undefined) files.push({ name: folder + osName, data: serializeNativeFile(summaryDoc) });
  files.push({ name: folder + connName, data: serializeNativeFile(connectionDoc) });
  if (rezip.macosx) {
    const appleDouble = Buffer.concat([Buffer.from([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]), Buffer.from("Mac OS X        ", "latin1"), Buffer.alloc(40)]);
    files.push({ name: "__MACOSX/", dir: true });
    if (folder !== "") files.push({ name: `__MACOSX/${folder}`, dir: true });
    for (const f of files.filter((x) => !x.dir && !x.name.startsWith("__MACOSX/"))) {
      files.push({ name: `__MACOSX/${folder}._${basenameOf(f.name)}`, data: appleDouble });
    }
  }
  return files;
}

function basenameOf(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

export async function repack(model: PackageModel, edits: readonly Edit[] = [], rezip: Rezip = {}): Promise<Buffer> {
  return zipWithArchiver(modelFiles(model, edits, rezip), { store: rezip.store === true });
}

// ------------------------------------------------------------------------------------------------
// Export-shaped fixtures described as JSON (test/fixtures/read/<case>/export.json)

export interface ExportSpec {
  layout?: {
    /** Entry-name stamp; default 2024-01-02_03-04-05. */
    stamp?: string;
    /** Top folder ("Statuspage/") as macOS re-zips have. */
    folder?: string;
    macosx?: boolean;
    directoryEntries?: boolean;
    /** Prefix each file with a UTF-8 BOM. */
    bom?: boolean;
    /** Line end of the package files (native: "\n"). */
    lineEnd?: string;
    /** Extra entries (name → text). */
    extra?: Record<string, string>;
    /** Leave the ObjectSummary out. */
    noSummary?: boolean;
  };
  summary: Record<string, unknown>;
  connection: {
    key: string;
    fields: Record<string, unknown>;
    /** `doc` is serialised like the exporter does (2 spaces, CRLF); `raw` is stored as is. */
    attributes: { name: string; doc?: unknown; raw?: string | null; extra?: Record<string, unknown> }[];
  };
}

export function exportFiles(spec: ExportSpec): ZipFileSpec[] {
  const layout = spec.layout ?? {};
  const stamp = layout.stamp ?? "2024-01-02_03-04-05";
  const folder = layout.folder ?? "";
  const finish = (text: string) => (layout.bom ? "\uFEFF" : "") + text.replace(/\n/g, layout.lineEnd ?? "\n");
  const EXTERNAL_ATTR = spec.connection.attributes.map((a) => ({
    attributename: a.name,
    encryptedattributevalue: a.raw !== undefined ? a.raw : a.doc === undefined ? "" : JSON.stringify(a.doc, null, 2).replace(/\n/g, "\r\n"),
    ...(a.extra ?? { formdata: null, credentialSaveStatus: false }),
  }));
  const connection = { [spec.connection.key]: { ...spec.connection.fields, EXTERNAL_ATTR } };
  const files: ZipFileSpec[] = [];
  if (folder !== "" && layout.directoryEntries) files.push({ name: folder, dir: true });
  if (!layout.noSummary) files.push({ name: `${folder}${objectSummaryEntryName(stamp)}`, data: finish(serializeNativeFile(spec.summary)) });
  files.push({ name: `${folder}${connectionEntryName(stamp)}`, data: finish(serializeNativeFile(connection)) });
  for (const [name, text] of Object.entries(layout.extra ?? {})) files.push({ name: folder + name, data: text });
  if (layout.macosx) {
    if (layout.directoryEntries) files.push({ name: "__MACOSX/", dir: true }, ...(folder !== "" ? [{ name: `__MACOSX/${folder}`, dir: true }] : []));
    const appleDouble = Buffer.concat([Buffer.from([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]), Buffer.from("Mac OS X        ", "latin1"), Buffer.alloc(40)]);
    for (const f of files.filter((x) => !x.dir && !x.name.startsWith("__MACOSX/"))) files.push({ name: `__MACOSX/${folder}._${basenameOf(f.name)}`, data: appleDouble });
  }
  return files;
}

export async function buildExport(spec: ExportSpec): Promise<Buffer> {
  return zipWithArchiver(exportFiles(spec));
}
