/**
 * A live connection (getConnectionDetails) as a T2P package in the native layout, so that the
 * package reader, the semantic diff and its redaction treat live state exactly like a built
 * package, and `pull` can write it for inspect / lint / diff.
 */
import { createHash } from "node:crypto";
import { DEFAULT_PACKAGE_TIME, planConnectionPackage, zipEntries } from "../package/pack.js";
import { readPackage } from "../package/read.js";
import type { PackageAttribute, PackageModel, ReadResult } from "../package/model.js";
import { REST_ATTRIBUTES, serializeAttributeValue } from "../saviynt/t2p.js";
import type { LiveConnection } from "../eic/contract.js";

const CANONICAL = new Map<string, string>(REST_ATTRIBUTES.map((name) => [name.toLowerCase(), name]));

export interface LiveAttributes {
  /** REST attribute (savpkg's spelling) → the server's text ("" for unset or null). */
  managed: Map<string, string>;
  /** Attributes savpkg does not manage that hold a value (newer releases' entitlement JSONs, ...). */
  unmanaged: string[];
}

/** The server's attributes under savpkg's names: matched case-insensitively (saviynt-eic-api §4.3, open question 4). */
export function liveAttributes(live: LiveConnection): LiveAttributes {
  const managed = new Map<string, string>(REST_ATTRIBUTES.map((name) => [name, ""]));
  const unmanaged: string[] = [];
  for (const [name, value] of Object.entries(live.attributes)) {
    const canonical = CANONICAL.get(name.toLowerCase());
    if (canonical) managed.set(canonical, value ?? "");
    else if (value !== null && value !== "") unmanaged.push(name);
  }
  return { managed, unmanaged: unmanaged.sort() };
}

/** JSON text in the exporter's style (pretty, CRLF, ASCII); anything that is not JSON stays as the server sent it. */
function nativeText(attribute: string, text: string): string {
  if (text === "" || attribute === "ConnectionJSON") return text;
  try {
    return serializeAttributeValue(JSON.parse(text));
  } catch {
    return text;
  }
}

export interface LivePackageOptions {
  /** ObjectSummary "System": the EIC host. */
  system: string;
  exportedBy?: string;
  /** Package time (SOURCE_DATE_EPOCH); default savpkg's fixed time, never the clock. */
  time?: Date;
}

/** The live connection's package entries: ConnectionJSON exactly as the server returned it. */
export function planLivePackage(live: LiveConnection, options: LivePackageOptions) {
  const { managed } = liveAttributes(live);
  const stored = new Map<string, string>([...managed].map(([name, text]) => [name, nativeText(name, text)]));
  return planConnectionPackage({
    name: live.name,
    description: live.description,
    attributes: stored,
    exportedBy: options.exportedBy ?? "savpkg-pull",
    system: options.system,
    time: options.time ?? DEFAULT_PACKAGE_TIME,
  });
}

export async function livePackageZip(live: LiveConnection, options: LivePackageOptions): Promise<Buffer> {
  const plan = planLivePackage(live, options);
  return zipEntries(plan.entries, plan.time);
}

export async function readLivePackage(live: LiveConnection, options: LivePackageOptions & { source: string }): Promise<ReadResult> {
  return readPackage(await livePackageZip(live, options), { source: options.source });
}

/**
 * The part of a model that plan compares: the connection and its attributes. ObjectSummary
 * (who exported, when) is not live state, and ConnectionJSON is write-only — never read back in
 * clear — so it is blanked on both sides and reported as "will be set" instead.
 */
export function comparable(model: PackageModel): PackageModel {
  const blank = (a: PackageAttribute): PackageAttribute => {
    if (a.name !== "ConnectionJSON") return a;
    const { json: _json, error: _error, ...rest } = a;
    return { ...rest, raw: "", state: "empty", size: 0, sha256: EMPTY_SHA256 };
  };
  return { ...model, summary: null, connection: { ...model.connection, attributes: model.connection.attributes.map(blank) } };
}

const EMPTY_SHA256 = createHash("sha256").update("").digest("hex");
