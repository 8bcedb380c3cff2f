/**
 * The normalised model of a T2P connection package, as `readPackage` produces it and `inspect`,
 * `unpack`, `lint` and `diff` consume it. Built from any export (ours, Saviynt's native exporter,
 * re-zipped copies), so every field that real exports leave out is optional or nullable.
 * Format: docs/saviynt-rest-format.md#t2p.
 */
import type { Diagnostic } from "../core/diagnostics.js";

/**
 * What an attribute value is (docs/saviynt-rest-format.md#attribute-list, #encryption):
 * - `empty`: `""` (unused attribute);
 * - `null`: JSON null (SOAP exports);
 * - `json`: a strict JSON document (the usual plaintext attribute);
 * - `invalid-json`: looks like JSON (or must be JSON) but does not parse — reported, kept as text;
 * - `ciphertext`: base64 of whole 16-byte blocks (the exporter's encrypted ConnectionJSON);
 * - `text`: anything else (SOAP endpoints, date formats, XML envelopes).
 */
export type AttributeState = "empty" | "null" | "json" | "invalid-json" | "ciphertext" | "text";

export interface PackageAttribute {
  /** `attributename` exactly as written. */
  name: string;
  /** Position in EXTERNAL_ATTR (0-based). */
  index: number;
  /** `encryptedattributevalue` as written (BOM, CRLF and all); null when the export has null. */
  raw: string | null;
  state: AttributeState;
  /** The parsed document when `state === "json"`. */
  json?: unknown;
  /** Byte length of `raw` in UTF-8 (0 for null). */
  size: number;
  /** Full sha256 (hex) of `raw` in UTF-8; "" for null. Shown shortened, compared in full. */
  sha256: string;
  /** Parse error for `invalid-json`. */
  error?: string;
  /** The item's other keys (`formdata`, `credentialSaveStatus`, anything unknown), in file order. */
  extra: Record<string, unknown>;
}

export type EntryKind = "object-summary" | "connection" | "directory" | "macos" | "other";

/** One zip entry, as the central directory declares it. */
export interface PackageEntry {
  /** Full entry name in the zip (with any top folder). */
  name: string;
  kind: EntryKind;
  /** 0 = store, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
}

export interface ObjectSummaryInfo {
  /** Entry name the summary was read from. */
  entry: string;
  /** `Information.GUID` etc.; null when absent or not a string. */
  guid: string | null;
  exportedBy: string | null;
  exportedOn: string | null;
  system: string | null;
  /** `Objects` as written (connection names under `connection`). */
  objects: Record<string, unknown>;
  /** Names under `Objects.connection`. */
  connectionNames: string[];
  /** The whole parsed file, for unpack and strict diffs. */
  document: Record<string, unknown>;
}

export interface ConnectionInfo {
  /** Entry name the connection was read from. */
  entry: string;
  /** The single top-level key of Connection_*.json. */
  key: string;
  /** `connectionname`, `externalconnectiontype`, `connectiondescription` (null when absent). */
  name: string | null;
  type: string | null;
  description: string | null;
  /** Every connection field except EXTERNAL_ATTR, in file order. */
  fields: Record<string, unknown>;
  attributes: PackageAttribute[];
  /** The whole parsed file, for unpack and strict diffs. */
  document: Record<string, unknown>;
}

export interface PackageLayout {
  /** The folder the package files sit in (`"Ironclad/"`), "" at the root. */
  folder: string;
  /** Entry-name stamps `yyyy-MM-dd_HH-mm-ss`, null when the name does not carry one. */
  objectSummaryStamp: string | null;
  connectionStamp: string | null;
  /** Count of ignored `__MACOSX/` and `._*` AppleDouble entries. */
  macosEntries: number;
  /** Count of directory entries. */
  directoryEntries: number;
}

export interface PackageModel {
  /** Where the bytes came from (a file name for messages), if the caller said. */
  source?: string;
  entries: PackageEntry[];
  layout: PackageLayout;
  summary: ObjectSummaryInfo | null;
  connection: ConnectionInfo;
}

export interface ReadResult {
  /** Present unless `fatal`. */
  model?: PackageModel;
  /** Refusals (fatal), defects and tolerated deviations, in stable order. */
  diagnostics: Diagnostic[];
  /** True when the input was refused or no connection could be read: the CLI exits 2. */
  fatal: boolean;
}
