/**
 * Stage 5 — pack: rendered attributes → the T2P zip, in memory. Native layout
 * (docs/saviynt-rest-format.md#t2p): two root entries with one stamp, 24 attributes in exporter
 * order, ConnectionJSON "" (or a pass-through ciphertext), CRLF inner documents, ASCII only.
 *
 * Reproducible (docs/engineering-notes.md#zip-writing, #reproducible-zips): entries appended from buffers in a fixed order with a
 * fixed mode and the package time as DOS time; the GUID is a name-based UUID of the content.
 * Entries are STORED, not deflated: deflate bytes depend on the zlib build, and a package must be
 * byte-identical on every machine that runs the same savpkg version (see README "Reproducible").
 */
import { createHash } from "node:crypto";
import { ZipArchive } from "archiver";
import {
  buildConnectionFile,
  buildObjectSummary,
  connectionEntryName,
  entryStamp,
  objectSummaryEntryName,
  REST_ATTRIBUTES,
  serializeAttributeValue,
  serializeNativeFile,
  type PackageMetadata,
  type RestAttributeName,
} from "../saviynt/t2p.js";

/** What a package is made of besides its documents: a tenant's connection and package settings (a validated tenant is one). */
export interface PackSource {
  connection: { name: string; description: string };
  package: PackageMetadata;
}

/** The documents to pack by attribute name (any REST attribute; an absent one is ""). */
export type PackAttributes = Partial<Record<RestAttributeName, unknown>>;

/** Used when neither the tenant nor SOURCE_DATE_EPOCH gives a time (npm's choice, docs/engineering-notes.md#package-time). */
export const DEFAULT_PACKAGE_TIME = new Date("1985-10-26T08:15:00Z");
/** Namespace of savpkg's name-based (v5) package GUIDs. */
const GUID_NAMESPACE = "5b0c6f0e-3d1a-5e8f-9a57-2a6f1c0d7e41";

export interface PackOptions {
  /** Seconds since the epoch (SOURCE_DATE_EPOCH), used when the tenant pins no time. */
  sourceDateEpoch?: number;
}

export interface PackageEntry {
  name: string;
  bytes: Buffer;
}

export interface PackedPackage {
  connectionName: string;
  time: Date;
  stamp: string;
  guid: string;
  entries: PackageEntry[];
  zip: Buffer;
}

/** The package time: the tenant's `package.exportedAt`, else SOURCE_DATE_EPOCH, else the default; whole seconds, UTC. */
export function packageTime(tenant: PackSource, options: PackOptions): Date {
  const pinned = tenant.package.exportedAt ? Date.parse(tenant.package.exportedAt) : NaN;
  const ms = !Number.isNaN(pinned) ? pinned : options.sourceDateEpoch !== undefined ? options.sourceDateEpoch * 1000 : DEFAULT_PACKAGE_TIME.getTime();
  return new Date(Math.floor(ms / 1000) * 1000);
}

/** The package's entries (names and bytes) without zipping: what --check and tests compare. */
export function planPackage(tenant: PackSource, attributes: PackAttributes, options: PackOptions = {}) {
  const stored = new Map<string, string>();
  for (const name of REST_ATTRIBUTES) stored.set(name, "");
  for (const [name, value] of Object.entries(attributes)) {
    // ConnectionJSON carries credentials: never plaintext inside a package (docs/saviynt-rest-format.md#encryption, #import-behaviour).
    if (name !== "ConnectionJSON") stored.set(name, serializeAttributeValue(value));
  }
  stored.set("ConnectionJSON", tenant.package.connectionJsonCiphertext ?? "");
  return planConnectionPackage({
    name: tenant.connection.name,
    description: tenant.connection.description,
    attributes: stored,
    exportedBy: tenant.package.exportedBy,
    system: tenant.package.system,
    time: packageTime(tenant, options),
    fields: passedThroughFields(tenant.package),
  });
}

export interface ConnectionPackageInput {
  name: string;
  description: string;
  /** Attribute name → the text stored in EXTERNAL_ATTR ("" for unused ones). */
  attributes: ReadonlyMap<string, string>;
  exportedBy: string;
  system: string;
  /** Whole seconds, UTC: the entry-name stamp and "Exported On". */
  time: Date;
  /** Connection fields passed through from an export (t2p.ts ConnectionFileInput.fields). */
  fields?: Readonly<Record<string, unknown>>;
}

/** templateName, templateMandatoryData and the other changed connection fields of an adopted export. */
function passedThroughFields(metadata: PackageMetadata): Record<string, unknown> {
  const { templateName, templateMandatoryData, connectionFields } = metadata;
  return {
    ...(templateName !== undefined ? { templateName } : {}),
    ...(templateMandatoryData !== undefined ? { templateMandatoryData } : {}),
    ...connectionFields,
  };
}

/** The two native entries of one connection's package (built packages and pulled live connections alike). */
export function planConnectionPackage(input: ConnectionPackageInput) {
  const time = input.time;
  const stamp = entryStamp(time);
  const connectionText = serializeNativeFile(buildConnectionFile({ name: input.name, description: input.description, attributes: input.attributes, ...(input.fields ? { fields: input.fields } : {}) }));
  const guid = nameBasedUuid(`${input.name}\n${input.system}\n${input.exportedBy}\n${stamp}\n${connectionText}`);
  const summaryText = serializeNativeFile(
    buildObjectSummary({
      connectionName: input.name,
      guid,
      exportedBy: input.exportedBy,
      exportedOn: time,
      system: input.system,
    }),
  );
  const entries: PackageEntry[] = [
    { name: objectSummaryEntryName(stamp), bytes: Buffer.from(summaryText, "ascii") },
    { name: connectionEntryName(stamp), bytes: Buffer.from(connectionText, "ascii") },
  ];
  return { connectionName: input.name, time, stamp, guid, entries };
}

export async function packPackage(tenant: PackSource, attributes: PackAttributes, options: PackOptions = {}): Promise<PackedPackage> {
  const plan = planPackage(tenant, attributes, options);
  return { ...plan, zip: await zipEntries(plan.entries, plan.time) };
}

/** Zips entries in the given order with fixed metadata; the result depends only on the input. */
export async function zipEntries(entries: readonly PackageEntry[], time: Date): Promise<Buffer> {
  const archive = new ZipArchive({ store: true });
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", () => resolve());
    archive.on("error", reject);
    archive.on("warning", reject);
  });
  // DOS time has 2-second resolution; archiver writes it in UTC.
  const date = new Date(Math.floor(time.getTime() / 2000) * 2000);
  for (const entry of entries) archive.append(entry.bytes, { name: entry.name, date, mode: 0o644 });
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** RFC 9562 UUID version 5 (SHA-1, name-based) in the savpkg namespace. */
export function nameBasedUuid(name: string): string {
  const ns = Buffer.from(GUID_NAMESPACE.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
