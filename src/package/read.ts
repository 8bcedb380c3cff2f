/**
 * readPackage: zip bytes → the normalised package model (src/package-model.ts).
 *
 * Packages from elsewhere are untrusted input. The zip layer (docs/engineering-notes.md#zip-reading) reads the
 * central directory with yauzl and refuses, with one one-line diagnostic and nothing written,
 * anything a T2P export never contains: unsafe names, links, duplicates (also after case/NFC
 * folding), encryption, exotic methods, too many or too large entries (counted while inflating),
 * suspicious ratios, overlapping entries, nested archives, truncated or non-zip input.
 * The package layer then tolerates what real exports do contain (docs/saviynt-rest-format.md#zip-layout, #encryption):
 * a top folder, `__MACOSX/` AppleDouble files, directory entries, a BOM, CRLF, SOAP attribute sets,
 * null values, invalid inner JSON (reported, the rest still read) and an encrypted ConnectionJSON.
 */
import { createHash } from "node:crypto";
import { crc32, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";
import type { Entry, ZipFile } from "yauzl";
import { diag, type Code, type Diagnostic } from "../core/diagnostics.js";
import type {
  AttributeState,
  ConnectionInfo,
  EntryKind,
  ObjectSummaryInfo,
  PackageAttribute,
  PackageEntry,
  PackageModel,
  ReadResult,
} from "./model.js";
import { ENTRY_NAME_PATTERN, REST_ATTRIBUTES, SECRET_ATTRIBUTES, SOAP_ATTRIBUTES } from "../saviynt/t2p.js";
import { LIMITS, measureJson, type JsonShapeProblem } from "../core/limits.js";
import { isObject } from "../core/json.js";
import { parseJsonText, type JsonParse } from "../saviynt/json-text.js";

export type { ReadResult } from "./model.js";


/** Limits from docs/engineering-notes.md#zip-reading; T2P packages are a few tens of kilobytes. */
export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
  /** The zip itself; the CLI should check the file size against this before reading it. */
  maxInputBytes: number;
}

export const ZIP_LIMITS: Readonly<ZipLimits> = {
  maxEntries: LIMITS.zipEntries.value,
  maxEntryBytes: LIMITS.zipEntryBytes.value,
  maxTotalBytes: LIMITS.zipTotalBytes.value,
  maxRatio: LIMITS.zipRatio.value,
  maxInputBytes: LIMITS.packageFileBytes.value,
};

export interface ReadOptions {
  /** Name of the input for messages (e.g. the zip's path as the user typed it). */
  source?: string;
  /** Tighter limits (tests, embedding); never looser than needed. */
  limits?: Partial<ZipLimits>;
}

export async function readPackage(bytes: Uint8Array, opts: ReadOptions = {}): Promise<ReadResult> {
  const limits: ZipLimits = { ...ZIP_LIMITS, ...opts.limits };
  const where = opts.source !== undefined ? { file: opts.source } : {};
  let files: ZipMember[];
  try {
    const archive = await readArchive(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), limits);
    if ("refusal" in archive) return { diagnostics: [diag(archive.refusal.code, archive.refusal.message, where)], fatal: true };
    files = archive.members;
  } catch (error) {
    // yauzl promises never crash the process, but anything unexpected is still a refusal, not a throw.
    return { diagnostics: [diag("ZIP_CORRUPT", `cannot read the zip: ${oneLine(error)}`, where)], fatal: true };
  }
  return interpretPackage(files, opts.source);
}

// ------------------------------------------------------------------------------------------------
// Zip layer

interface ZipMember {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  /** Inflated bytes; empty for directory entries. */
  data: Buffer;
}

interface Refusal {
  code: Code;
  message: string;
}

const refuse = (code: Code, message: string): { refusal: Refusal } => ({ refusal: { code, message } });

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const NESTED_ARCHIVE_NAME = /\.(zip|jar|war|ear)$/i;

async function readArchive(buf: Buffer, limits: ZipLimits): Promise<{ members: ZipMember[] } | { refusal: Refusal }> {
  if (buf.length > limits.maxInputBytes) {
    return refuse("ZIP_LIMIT", `the zip is ${buf.length} bytes, more than the ${limits.maxInputBytes}-byte limit`);
  }
  let zip: ZipFile;
  try {
    // decodeStrings: false so that every name check below is ours and reports its own reason;
    // yauzl's strict name decoding and validateFileName are still applied to each name.
    zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, strictFileNames: true });
  } catch (error) {
    const message = oneLine(error);
    if (/end of central directory record signature not found/i.test(message)) return refuse("ZIP_CORRUPT", "not a zip file, or a truncated one (no end-of-central-directory record)");
    return refuse("ZIP_CORRUPT", `not a readable zip file (${message})`);
  }
  if (zip.entryCount > limits.maxEntries) {
    return refuse("ZIP_LIMIT", `the zip has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
  }

  const entries: Entry[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      entries.push(entry);
      if (entries.length > limits.maxEntries) return refuse("ZIP_LIMIT", `the zip has more than ${limits.maxEntries} entries`);
    }
  } catch (error) {
    const message = oneLine(error);
    if (/strong encryption/i.test(message)) return refuse("ZIP_ENCRYPTED", `an entry is encrypted (${message})`);
    return refuse("ZIP_CORRUPT", `the central directory is corrupt (${message})`);
  }

  // Metadata checks first: nothing is inflated until every entry has passed them.
  const names: string[] = [];
  const exact = new Map<string, string>();
  const folded = new Map<string, string>();
  let declaredTotal = 0;
  for (const entry of entries) {
    const decoded = decodeEntryName(entry);
    if ("refusal" in decoded) return decoded;
    const name = decoded.name;
    const shown = JSON.stringify(name);
    const unsafe = unsafeNameReason(name);
    if (unsafe) return refuse("ZIP_UNSAFE_PATH", `entry ${shown} is unsafe: ${unsafe}`);
    if (exact.has(name)) return refuse("ZIP_DUPLICATE", `entry ${shown} appears twice`);
    const key = foldName(name);
    const clash = folded.get(key);
    if (clash !== undefined) return refuse("ZIP_DUPLICATE", `entries ${JSON.stringify(clash)} and ${shown} collide when case and Unicode normalisation are ignored`);
    exact.set(name, name);
    folded.set(key, name);

    const isDir = name.endsWith("/");
    const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
    if (type === S_IFLNK) return refuse("ZIP_LINK", `entry ${shown} is a symbolic link`);
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) return refuse("ZIP_LINK", `entry ${shown} is not a regular file (mode ${type.toString(8)})`);
    if (type === S_IFDIR && !isDir) return refuse("ZIP_LINK", `entry ${shown} is marked as a directory but named like a file`);
    if (entry.generalPurposeBitFlag & 0x1) return refuse("ZIP_ENCRYPTED", `entry ${shown} is encrypted`);
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
      return refuse("ZIP_METHOD", `entry ${shown} uses compression method ${entry.compressionMethod} (only store and deflate are read)`);
    }
    if (isDir && entry.uncompressedSize !== 0) return refuse("ZIP_CORRUPT", `directory entry ${shown} has content`);
    if (NESTED_ARCHIVE_NAME.test(name)) return refuse("ZIP_NESTED", `entry ${shown} is an archive inside the archive`);
    if (entry.uncompressedSize > limits.maxEntryBytes) {
      return refuse("ZIP_LIMIT", `entry ${shown} declares ${entry.uncompressedSize} bytes, more than the ${limits.maxEntryBytes}-byte limit`);
    }
    if (entry.uncompressedSize > 0 && (entry.compressedSize === 0 || entry.uncompressedSize / entry.compressedSize > limits.maxRatio)) {
      return refuse("ZIP_LIMIT", `entry ${shown} has a compression ratio over ${limits.maxRatio} (${entry.compressedSize} → ${entry.uncompressedSize} bytes)`);
    }
    declaredTotal += entry.uncompressedSize;
    if (declaredTotal > limits.maxTotalBytes) {
      return refuse("ZIP_LIMIT", `the entries declare more than ${limits.maxTotalBytes} bytes in total`);
    }
    names.push(name);
  }

  // Overlap (docs/engineering-notes.md#zip-reading): in offset order, each local header + data must end
  // before the next one starts. Also catches two central records sharing one local header.
  const order = entries.map((entry, i) => ({ entry, name: names[i]! })).sort((x, y) => x.entry.relativeOffsetOfLocalHeader - y.entry.relativeOffsetOfLocalHeader);
  let previousEnd = 0;
  let previousName = "";
  const dataStart = new Map<Entry, number>();
  for (const { entry, name } of order) {
    const start = entry.relativeOffsetOfLocalHeader;
    if (start < previousEnd) return refuse("ZIP_OVERLAP", `entries ${JSON.stringify(previousName)} and ${JSON.stringify(name)} overlap`);
    let header;
    try {
      header = await zip.readLocalFileHeaderPromise(entry);
    } catch (error) {
      return refuse("ZIP_CORRUPT", `entry ${JSON.stringify(name)} has a corrupt local header (${oneLine(error)})`);
    }
    // A local name that differs from the central one shows different files to different tools.
    if (!header.fileName.equals(entry.fileNameRaw)) return refuse("ZIP_CORRUPT", `entry ${JSON.stringify(name)} has a different name in its local header`);
    if (header.compressionMethod !== entry.compressionMethod || (header.generalPurposeBitFlag & 0x1) !== (entry.generalPurposeBitFlag & 0x1)) {
      return refuse("ZIP_CORRUPT", `entry ${JSON.stringify(name)} has a local header that disagrees with the central directory`);
    }
    previousEnd = header.fileDataStart + entry.compressedSize;
    previousName = name;
    dataStart.set(entry, header.fileDataStart);
  }

  // Inflate, counting real bytes: the declared sizes above are only claims.
  const members: ZipMember[] = [];
  const budget = { total: 0 };
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const name = names[i]!;
    const base = { name, method: entry.compressionMethod, compressedSize: entry.compressedSize, size: entry.uncompressedSize };
    if (name.endsWith("/")) {
      members.push({ ...base, data: Buffer.alloc(0) });
      continue;
    }
    const data = entryBytes(buf, entry, dataStart.get(entry)!, name, limits, budget);
    if ("refusal" in data) return data;
    if (crc32(data.bytes) !== entry.crc32) return refuse("ZIP_CORRUPT", `entry ${JSON.stringify(name)} fails its CRC-32 check`);
    if (isZipMagic(data.bytes)) return refuse("ZIP_NESTED", `entry ${JSON.stringify(name)} is a zip archive inside the archive`);
    members.push({ ...base, data: data.bytes });
  }
  return { members };
}

function decodeEntryName(entry: Entry): { name: string } | { refusal: Refusal } {
  const raw = entry.fileNameRaw;
  const utf8 = (entry.generalPurposeBitFlag & 0x800) !== 0;
  if (!utf8 && raw.some((b) => b >= 0x80)) {
    // CP437 names are never written by Saviynt's (Java) exporter nor by savpkg; guessing is unsafe.
    return refuse("ZIP_UNSAFE_PATH", `entry name ${JSON.stringify(raw.toString("latin1"))} is not marked UTF-8 and is not ASCII`);
  }
  let name: string;
  try {
    name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, true);
    if (utf8) new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    return refuse("ZIP_UNSAFE_PATH", `entry name ${JSON.stringify(raw.toString("latin1"))} is not valid UTF-8`);
  }
  return { name };
}

/** Why an entry name must not be used, or undefined (docs/engineering-notes.md#zip-reading). */
export function unsafeNameReason(name: string): string | undefined {
  if (name === "") return "empty name";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "control character in the name";
  if (name.includes("\\")) return "backslash in the name";
  if (name.startsWith("/")) return "absolute path";
  if (/^[A-Za-z]:/.test(name) || name.includes(":")) return "drive letter or colon in the name";
  const segments = (name.endsWith("/") ? name.slice(0, -1) : name).split("/");
  for (const segment of segments) {
    if (segment === "") return "empty path segment";
    if (segment === "." || segment === "..") return `"${segment}" path segment`;
    if (/[. ]$/.test(segment)) return "path segment ending in a dot or space";
    if (Buffer.byteLength(segment, "utf8") > 255) return "path segment longer than 255 bytes";
  }
  // yauzl's own check (absolute, drive, "..", backslash) as a second opinion.
  return yauzl.validateFileName(name) ?? undefined;
}

/** Case- and NFC-insensitive key: two names with the same key overwrite each other on macOS/Windows. */
function foldName(name: string): string {
  return name.replace(/\/$/, "").normalize("NFC").toLowerCase();
}

function isZipMagic(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5 || bytes[2] === 7);
}

/**
 * An entry's bytes taken from the zip in memory in one pass (issue 15: no read stream per entry):
 * stored data is a slice, deflated data is inflated at once with its output capped one byte past
 * the declared size, so a claim that is false is proved without inflating the rest. The declared
 * sizes passed the limits above, and an entry must inflate to exactly its declared size (as
 * yauzl's validateEntrySizes required of the streams), so the limits hold for the real bytes too.
 */
function entryBytes(buf: Buffer, entry: Entry, start: number, name: string, limits: ZipLimits, budget: { total: number }): { bytes: Buffer } | { refusal: Refusal } {
  const shown = JSON.stringify(name);
  const end = start + entry.compressedSize;
  if (end > buf.length) return refuse("ZIP_CORRUPT", `entry ${shown} cannot be opened (its data runs past the end of the zip)`);
  const raw = buf.subarray(start, end);
  let bytes: Buffer;
  if (entry.compressionMethod === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) return refuse("ZIP_CORRUPT", `entry ${shown} cannot be opened (stored with two different sizes)`);
    bytes = raw;
  } else {
    try {
      bytes = inflateRawSync(raw, { maxOutputLength: entry.uncompressedSize + 1 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return refuse("ZIP_LIMIT", `entry ${shown} inflates to more than its declared size`);
      return refuse("ZIP_CORRUPT", `entry ${shown} cannot be inflated (${oneLine(error)})`);
    }
    if (bytes.length > entry.uncompressedSize) return refuse("ZIP_LIMIT", `entry ${shown} inflates to more than its declared size`);
    if (bytes.length < entry.uncompressedSize) return refuse("ZIP_CORRUPT", `entry ${shown} cannot be inflated (it ends after ${bytes.length} of its declared ${entry.uncompressedSize} bytes)`);
  }
  budget.total += bytes.length;
  if (bytes.length > limits.maxEntryBytes) return refuse("ZIP_LIMIT", `entry ${shown} inflates to more than ${limits.maxEntryBytes} bytes`);
  if (budget.total > limits.maxTotalBytes) return refuse("ZIP_LIMIT", `the entries inflate to more than ${limits.maxTotalBytes} bytes in total`);
  return { bytes };
}

function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, " ").trim();
}

// ------------------------------------------------------------------------------------------------
// Package layer (docs/saviynt-rest-format.md#t2p)

const OBJECT_SUMMARY_NAME = /^ObjectSummary[^/]*\.json$/i;
const CONNECTION_NAME = /^Connection[^/]*\.json$/i;

function basename(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

function dirname(name: string): string {
  return name.slice(0, name.lastIndexOf("/") + 1);
}

function entryKind(name: string): EntryKind {
  if (name.endsWith("/")) return name === "__MACOSX/" || name.startsWith("__MACOSX/") ? "macos" : "directory";
  const base = basename(name);
  if (name.startsWith("__MACOSX/") || base.startsWith("._") || base === ".DS_Store") return "macos";
  if (OBJECT_SUMMARY_NAME.test(base)) return "object-summary";
  if (CONNECTION_NAME.test(base)) return "connection";
  return "other";
}

function interpretPackage(members: ZipMember[], source: string | undefined): ReadResult {
  const diagnostics: Diagnostic[] = [];
  const where = source !== undefined ? { file: source } : {};
  const report = (code: Code, message: string, extra: { path?: string; severity?: Diagnostic["severity"] } = {}) =>
    diagnostics.push(diag(code, message, { ...where, ...extra }));
  // Limits (src/core/limits.ts) refuse the whole package: nothing past a limit is ever looked at.
  const budget: Budget = { values: 0, refused: false };

  const entries: PackageEntry[] = members.map((m) => ({ name: m.name, kind: entryKind(m.name), method: m.method, compressedSize: m.compressedSize, size: m.size }));
  const macosEntries = entries.filter((e) => e.kind === "macos").length;
  const directoryEntries = entries.filter((e) => e.kind === "directory").length;
  if (macosEntries > 0) report("PKG_LAYOUT_WARNING", `ignored ${macosEntries} macOS metadata entr${macosEntries === 1 ? "y" : "ies"} (__MACOSX/, ._*): the zip was re-packed on a Mac`);
  if (directoryEntries > 0) report("PKG_LAYOUT_WARNING", `ignored ${directoryEntries} directory entr${directoryEntries === 1 ? "y" : "ies"} (native exports have none)`);
  for (const e of entries) if (e.kind === "other") report("PKG_LAYOUT_WARNING", `ignored unexpected entry ${JSON.stringify(e.name)}`);

  const pick = (kind: EntryKind): ZipMember[] => members.filter((_, i) => entries[i]!.kind === kind);
  const connections = pick("connection");
  const summaries = pick("object-summary");
  if (connections.length === 0) {
    report("PKG_LAYOUT", "no Connection_<stamp>(UTC).json entry: not a T2P connection package");
    return { diagnostics, fatal: true };
  }
  if (connections.length > 1) {
    report("PKG_LAYOUT", `${connections.length} Connection_*.json entries (${connections.map((c) => c.name).join(", ")}); a connection package has one`);
    return { diagnostics, fatal: true };
  }
  const connectionMember = connections[0]!;
  const folder = dirname(connectionMember.name);
  if (folder !== "") report("PKG_LAYOUT_WARNING", `package files are inside the folder ${JSON.stringify(folder)} (native exports put them at the root)`);

  const summaryMember: ZipMember | undefined = summaries.find((s) => dirname(s.name) === folder) ?? summaries[0];
  if (summaries.length === 0) report("PKG_LAYOUT", "no ObjectSummary_<stamp>(UTC).json entry");
  else if (summaries.length > 1) report("PKG_LAYOUT", `${summaries.length} ObjectSummary_*.json entries; reading ${JSON.stringify(summaryMember!.name)}`);
  else if (dirname(summaryMember!.name) !== folder) report("PKG_LAYOUT_WARNING", "ObjectSummary and Connection files are in different folders");

  const stampOf = (m: ZipMember | undefined): string | null => {
    if (!m) return null;
    const match = ENTRY_NAME_PATTERN.exec(basename(m.name));
    if (!match) report("PKG_LAYOUT_WARNING", `entry name ${JSON.stringify(basename(m.name))} is not of the native form <Kind>_yyyy-MM-dd_HH-mm-ss(UTC).json`);
    return match?.[2] ?? null;
  };
  const connectionStamp = stampOf(connectionMember);
  const objectSummaryStamp = stampOf(summaryMember);
  if (connectionStamp !== null && objectSummaryStamp !== null) {
    // Native exports: the same stamp, or the summary one second later (docs/saviynt-rest-format.md#zip-layout).
    const delta = (stampMillis(objectSummaryStamp) - stampMillis(connectionStamp)) / 1000;
    if (!(delta === 0 || delta === 1)) report("PKG_LAYOUT_WARNING", `entry-name stamps differ (${objectSummaryStamp} vs ${connectionStamp})`);
  }

  // ObjectSummary (docs/saviynt-rest-format.md#object-summary): a defect here is reported but the connection is still read.
  let summary: ObjectSummaryInfo | null = null;
  if (summaryMember) {
    const doc = parseFile(summaryMember, report, budget);
    if (budget.refused) return { diagnostics, fatal: true };
    if (doc !== undefined) {
      if (!isObject(doc)) report("PKG_LAYOUT", `${summaryMember.name} is not a JSON object`);
      else summary = readSummary(summaryMember.name, doc, report);
    }
  }

  // Connection (docs/saviynt-rest-format.md#connection-file): without it there is nothing to show, so failures here are fatal.
  const connectionDoc = parseFile(connectionMember, report, budget);
  if (connectionDoc === undefined || budget.refused) return { diagnostics, fatal: true };
  if (!isObject(connectionDoc) || Object.keys(connectionDoc).length === 0) {
    report("PKG_LAYOUT", `${connectionMember.name} is not an object keyed by the connection name`);
    return { diagnostics, fatal: true };
  }
  const keys = Object.keys(connectionDoc);
  const key = keys[0]!;
  if (keys.length > 1) report("PKG_LAYOUT", `${connectionMember.name} holds ${keys.length} connections (${keys.join(", ")}); reading ${JSON.stringify(key)}`);
  const body = connectionDoc[key];
  if (!isObject(body)) {
    report("PKG_LAYOUT", `connection ${JSON.stringify(key)} is not an object`);
    return { diagnostics, fatal: true };
  }
  const connection = readConnection(connectionMember.name, key, body, connectionDoc, report, budget);
  if (budget.refused) return { diagnostics, fatal: true };

  if (connection.name !== null && connection.name !== key) {
    report("PKG_NAME_MISMATCH", `connectionname ${JSON.stringify(connection.name)} differs from the connection key ${JSON.stringify(key)}`, { path: "connectionname" });
  }
  if (summary && summary.connectionNames.length > 0 && summary.connectionNames[0] !== key) {
    report("PKG_NAME_MISMATCH", `ObjectSummary names connection ${JSON.stringify(summary.connectionNames[0])} but the package holds ${JSON.stringify(key)}`, { path: "Objects.connection[0]" });
  }

  const model: PackageModel = {
    entries,
    layout: { folder, objectSummaryStamp, connectionStamp, macosEntries, directoryEntries },
    summary,
    connection,
  };
  if (source !== undefined) model.source = source;
  return { model, diagnostics, fatal: false };
}

type Report = (code: Code, message: string, extra?: { path?: string; severity?: Diagnostic["severity"] }) => void;

/** Values parsed so far in this package, and whether a limit refused it. */
interface Budget {
  values: number;
  refused: boolean;
}

/** Counts a parsed document against the package's budget; false (and reported) when a limit is crossed. */
function spend(parsed: JsonParse, subject: string, path: string | undefined, report: Report, budget: Budget, nested: boolean): boolean {
  const limit = parsed.ok ? (nested ? nestedLimit(parsed.value) : undefined) : parsed.limit;
  if (limit) {
    report(limit.code, `${subject}: ${limit.message}`, path !== undefined ? { path } : {});
    budget.refused = true;
    return false;
  }
  budget.values += parsed.ok ? parsed.values : 0;
  if (budget.values > LIMITS.packageValues.value) {
    report("LIMIT_COUNT", `${subject}: the package's documents hold more than ${LIMITS.packageValues.value} values together`, path !== undefined ? { path } : {});
    budget.refused = true;
    return false;
  }
  return true;
}

/**
 * A JSON document held in a string of a parsed document (httpParams bodies, nested ConnectionJSON
 * pieces) that crosses a limit: every later reader parses such strings, so they are measured here,
 * once, iteratively. Strings inside those strings are measured when they in turn are parsed.
 */
function nestedLimit(value: unknown): (JsonShapeProblem & { line: number }) | undefined {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") {
      const t = v.trimStart();
      if (t.startsWith("{") || t.startsWith("[")) {
        const problem = measureJson(v).problem;
        if (problem) return { ...problem, message: `a JSON document held in a string: ${problem.message}` };
      }
    } else if (Array.isArray(v)) for (const item of v) stack.push(item);
    else if (v !== null && typeof v === "object") for (const item of Object.values(v)) stack.push(item);
  }
  return undefined;
}

function stampMillis(stamp: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)_(\d\d)-(\d\d)-(\d\d)$/.exec(stamp);
  if (!m) return NaN;
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Decodes one package file: BOM and non-ASCII tolerated with a warning, CRLF is JSON whitespace. */
function parseFile(member: ZipMember, report: Report, budget: Budget): unknown {
  let bytes = member.data;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    report("PKG_LAYOUT_WARNING", `${member.name} starts with a UTF-8 byte-order mark (native exports have none)`);
    bytes = bytes.subarray(3);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    report("PKG_JSON_INVALID", `${member.name} is not UTF-8 text`);
    return undefined;
  }
  if (/[^\u0000-\u007f]/.test(text)) report("PKG_NON_ASCII", `${member.name} is not pure ASCII (native exports escape every non-ASCII character)`);
  const parsed = parseJsonText(text);
  // Strings in the package files are attribute values, measured when each attribute is parsed.
  if (!spend(parsed, member.name, undefined, report, budget, false)) return undefined;
  if (!parsed.ok) {
    report("PKG_JSON_INVALID", `${member.name} is not valid JSON: ${parsed.error}`);
    return undefined;
  }
  for (const dup of findDuplicateKeys(text)) report("PKG_JSON_INVALID", `${member.name}: key ${JSON.stringify(dup.key)} appears twice in one object (the last one wins)`, { path: dup.path, severity: "warning" });
  return parsed.value;
}

function readSummary(entry: string, doc: Record<string, unknown>, report: Report): ObjectSummaryInfo {
  const info = isObject(doc.Information) ? doc.Information : undefined;
  if (!info) report("PKG_LAYOUT", `${entry} has no "Information" object`);
  const objects = isObject(doc.Objects) ? doc.Objects : {};
  if (!isObject(doc.Objects)) report("PKG_LAYOUT", `${entry} has no "Objects" object`);
  const list = objects.connection;
  const connectionNames = Array.isArray(list) ? list.filter((n): n is string => typeof n === "string") : [];
  if (!Array.isArray(list) || connectionNames.length === 0) report("PKG_LAYOUT", `${entry} lists no connection under Objects.connection`, { path: "Objects.connection" });
  else if (connectionNames.length > 1) report("PKG_LAYOUT", `${entry} lists ${connectionNames.length} connections; a connection package holds one`, { path: "Objects.connection" });
  const others = Object.keys(objects).filter((k) => k !== "connection");
  if (others.length > 0) report("PKG_LAYOUT_WARNING", `${entry} also lists ${others.join(", ")} objects, which savpkg does not read`, { path: "Objects" });
  const str = (k: string): string | null => (info && typeof info[k] === "string" ? (info[k] as string) : null);
  return {
    entry,
    guid: str("GUID"),
    exportedBy: str("Exported By"),
    exportedOn: str("Exported On"),
    system: str("System"),
    objects,
    connectionNames,
    document: doc,
  };
}

function readConnection(entry: string, key: string, body: Record<string, unknown>, document: Record<string, unknown>, report: Report, budget: Budget): ConnectionInfo {
  // fromEntries defines own properties, so a "__proto__" key stays a visible field.
  const fields: Record<string, unknown> = Object.fromEntries(Object.entries(body).filter(([k]) => k !== "EXTERNAL_ATTR"));
  const str = (k: string): string | null => (typeof body[k] === "string" ? (body[k] as string) : null);
  const type = str("externalconnectiontype");
  const attributes: PackageAttribute[] = [];
  const list = body.EXTERNAL_ATTR;
  if (Array.isArray(list) && list.length > LIMITS.attributes.value) {
    report("LIMIT_COUNT", `connection ${JSON.stringify(key)} has ${list.length} attributes; at most ${LIMITS.attributes.value} are read`, { path: "EXTERNAL_ATTR" });
    budget.refused = true;
  } else if (!Array.isArray(list)) {
    report("PKG_ATTRIBUTES", `connection ${JSON.stringify(key)} has no EXTERNAL_ATTR list`, { path: "EXTERNAL_ATTR" });
  } else {
    const seen = new Set<string>();
    list.forEach((item, index) => {
      if (budget.refused) return;
      const path = `EXTERNAL_ATTR[${index}]`;
      if (!isObject(item) || typeof item.attributename !== "string") {
        report("PKG_ATTRIBUTES", `${path} is not an attribute item with an attributename`, { path });
        return;
      }
      const name = item.attributename;
      if (seen.has(name)) report("PKG_ATTRIBUTES", `attribute ${name} appears twice in EXTERNAL_ATTR`, { path });
      seen.add(name);
      const extra: Record<string, unknown> = Object.fromEntries(Object.entries(item).filter(([k]) => k !== "attributename" && k !== "encryptedattributevalue"));
      let raw: string | null;
      const value = item.encryptedattributevalue;
      if (value === null || value === undefined || typeof value === "string") {
        raw = value ?? null;
        if (value === undefined) report("PKG_ATTRIBUTES", `attribute ${name} has no encryptedattributevalue`, { path: name });
      } else {
        report("PKG_ATTRIBUTES", `attribute ${name} holds a ${Array.isArray(value) ? "list" : typeof value} instead of a string`, { path: name });
        raw = JSON.stringify(value);
      }
      attributes.push(readAttribute(name, index, raw, extra, report, budget));
    });
    const expected: readonly string[] = type === "SOAP" ? SOAP_ATTRIBUTES : type === "REST" ? REST_ATTRIBUTES : [];
    if (expected.length > 0) {
      const known = new Set(expected);
      const unknown = [...seen].filter((n) => !known.has(n));
      const missing = expected.filter((n) => !seen.has(n));
      if (unknown.length > 0) report("PKG_ATTRIBUTES", `attributes unknown to a ${type} connection: ${unknown.join(", ")}`, { severity: "warning" });
      if (missing.length > 0) report("PKG_ATTRIBUTES", `${type} attributes missing from EXTERNAL_ATTR: ${missing.join(", ")}`, { severity: "warning" });
    }
  }
  return { entry, key, name: str("connectionname"), type, description: str("connectiondescription"), fields, attributes, document };
}

/** Attributes whose value must be JSON when set (all REST ones; the SOAP *JSON / *CONFIG ones). */
function mustBeJson(name: string): boolean {
  return (REST_ATTRIBUTES as readonly string[]).includes(name) || /(JSON|_CONFIG)$/.test(name);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True for base64 of whole 16-byte blocks: the exporter's AES-style ciphertext (docs/saviynt-rest-format.md#encryption). */
export function looksLikeCiphertext(text: string): boolean {
  if (text.length < 24 || text.length % 4 !== 0 || !BASE64.test(text)) return false;
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = (text.length / 4) * 3 - padding;
  return bytes % 16 === 0;
}

function readAttribute(name: string, index: number, raw: string | null, extra: Record<string, unknown>, report: Report, budget: Budget): PackageAttribute {
  const size = raw === null ? 0 : Buffer.byteLength(raw, "utf8");
  const sha256 = raw === null ? "" : createHash("sha256").update(raw, "utf8").digest("hex");
  const attr: PackageAttribute = { name, index, raw, state: raw === null ? "null" : "empty", size, sha256, extra };
  if (raw === null || raw === "") return attr;
  const setState = (state: AttributeState) => (attr.state = state);
  let text = raw;
  if (text.startsWith("\uFEFF")) {
    report("PKG_LAYOUT_WARNING", `attribute ${name} starts with a byte-order mark`, { path: name });
    text = text.slice(1);
  }
  const parsed = parseJsonText(text);
  if (!spend(parsed, `attribute ${name}`, name, report, budget, true)) return attr;
  if (parsed.ok) {
    setState("json");
    attr.json = parsed.value;
    for (const dup of findDuplicateKeys(text)) {
      report("PKG_JSON_INVALID", `attribute ${name}: key ${JSON.stringify(dup.key)} appears twice in one object (the last one wins)`, { path: joinPath(name, dup.path), severity: "warning" });
    }
  } else if (looksLikeCiphertext(text.trim())) {
    setState("ciphertext");
  } else if (/^\s*[[{]/.test(text) || mustBeJson(name)) {
    setState("invalid-json");
    attr.error = parsed.error;
    // The message never quotes the value: a broken plaintext ConnectionJSON may hold secrets.
    report("PKG_JSON_INVALID", `attribute ${name} is not valid JSON: ${parsed.error}`, { path: name });
  } else {
    setState("text");
  }
  if (SECRET_ATTRIBUTES.has(name) && (attr.state === "json" || attr.state === "invalid-json" || attr.state === "text")) {
    report("PKG_PLAINTEXT_CONNECTIONJSON", `attribute ${name} is plaintext; native exports carry it encrypted or empty`, { path: name });
  }
  return attr;
}

function joinPath(root: string, path: string): string {
  return path === "" ? root : path.startsWith("[") ? root + path : `${root}.${path}`;
}

// ------------------------------------------------------------------------------------------------
// JSON helpers shared with diff and lint

export { Binding, parseJsonText, parseJsonWithBindings, parseNestedDocument, type JsonParse } from "../saviynt/json-text.js";

/**
 * Keys repeated within one object of a VALID JSON text (JSON.parse silently keeps the last one,
 * which would hide a value from review). Paths are dotted, e.g. `accountParams.call.call1`.
 */
export function findDuplicateKeys(text: string): { key: string; path: string }[] {
  const found: { key: string; path: string }[] = [];
  // Paths are made only for a duplicate (issue 15: every package document and attribute passes here).
  interface Frame {
    keys: Set<string> | undefined;
    parent: Frame | undefined;
    /** Where this container sits in its parent: an index or a key. */
    slot: number | string;
    path?: string;
    index: number;
    pendingKey: string | null;
  }
  const pathOf = (frame: Frame): string => {
    if (frame.path !== undefined) return frame.path;
    const parent = frame.parent;
    let path: string;
    if (!parent) path = "";
    else if (typeof frame.slot === "number") path = `${pathOf(parent)}[${frame.slot}]`;
    else {
      const k = frame.slot;
      const seg = /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
      const up = pathOf(parent);
      path = up === "" ? (seg.startsWith('"') ? `[${seg}]` : seg) : seg.startsWith('"') ? `${up}[${seg}]` : `${up}.${seg}`;
    }
    frame.path = path;
    return path;
  };
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (j < text.length && text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else j++;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && expectKey) {
        const key = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        if (top.keys.has(key)) found.push({ key, path: pathOf(top) });
        top.keys.add(key);
        top.pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      const parent = stack[stack.length - 1];
      const slot = !parent ? "" : parent.keys ? (parent.pendingKey ?? "") : parent.index;
      stack.push({ keys: c === 0x7b ? new Set() : undefined, parent, slot, index: 0, pendingKey: null, ...(parent ? {} : { path: "" }) });
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top && !top.keys) top.index++;
      else expectKey = true;
    }
  }
  return found;
}
