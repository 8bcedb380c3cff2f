/**
 * Inputs at (or just past) the documented limits (src/core/limits.ts), for the limit, fuzz and
 * memory tests: packages built from the src/saviynt/t2p.ts builders with chosen EXTERNAL_ATTR
 * items, summary or connection text, stored (not deflated) unless asked, so the compression-ratio
 * guard never hides the limit under test.
 */
import { buildConnectionFile, buildObjectSummary, connectionEntryName, entryStamp, objectSummaryEntryName, serializeNativeFile } from "../../src/saviynt/t2p.js";
import { zipWithArchiver } from "./pkg-zip.js";

const WHEN = new Date("2024-01-01T00:00:00Z");

export interface LimitPackageSpec {
  /** Attribute name → raw value; replaces a REST attribute of that name or is appended. */
  attributes?: readonly (readonly [string, string])[];
  /** Only these EXTERNAL_ATTR items (instead of the 24 REST ones plus `attributes`). */
  onlyAttributes?: boolean;
  /** Extra connection fields (e.g. a literal password). */
  fields?: Record<string, unknown>;
  summaryText?: string;
  connectionText?: string;
  deflate?: boolean;
}

export function connectionText(spec: LimitPackageSpec): string {
  const doc = buildConnectionFile({ name: "X", description: "", attributes: new Map() });
  const body = doc.X as Record<string, unknown> & { EXTERNAL_ATTR: Record<string, unknown>[] };
  if (spec.onlyAttributes) body.EXTERNAL_ATTR = [];
  Object.assign(body, spec.fields ?? {});
  for (const [name, value] of spec.attributes ?? []) {
    const item = body.EXTERNAL_ATTR.find((i) => i.attributename === name);
    if (item) item.encryptedattributevalue = value;
    else body.EXTERNAL_ATTR.push({ attributename: name, encryptedattributevalue: value, formdata: null, credentialSaveStatus: false });
  }
  return serializeNativeFile(doc);
}

export async function limitPackage(spec: LimitPackageSpec = {}): Promise<Buffer> {
  const stamp = entryStamp(WHEN);
  const summary = spec.summaryText ?? serializeNativeFile(buildObjectSummary({ connectionName: "X", guid: "0", exportedBy: "t", exportedOn: WHEN, system: "s" }));
  return zipWithArchiver(
    [
      { name: objectSummaryEntryName(stamp), data: summary },
      { name: connectionEntryName(stamp), data: spec.connectionText ?? connectionText(spec) },
    ],
    { store: spec.deflate !== true },
  );
}

/** `[[[…]]]` nested `levels` deep. */
export const nestedArrays = (levels: number): string => "[".repeat(levels) + "]".repeat(levels);

/** A YAML tenant body (mapping) nested `levels` deep in flow style: `a: {a: {a: …}}`. */
export const flowNesting = (levels: number): string => "a: " + "{a: ".repeat(levels) + "1" + "}".repeat(levels) + "\n";

/** "Billion laughs": `levels` anchors, each a list of `width` aliases of the one before. */
export function aliasBomb(levels: number, width: number): string {
  let text = "a0: &a0 [lol]\n";
  for (let i = 1; i <= levels; i++) text += `a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(", ")}]\n`;
  return text;
}
