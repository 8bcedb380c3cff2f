/**
 * Any Saviynt REST connection → a `connector: rest` tenant: each attribute document as data
 * (saviynt/rest-data.ts), JSON held in strings as structure with its unquoted bindings kept. The
 * only change adopt makes is resolving relative call URLs against `--base-url` (Saviynt has no base
 * URL, docs/saviynt-rest-format.md#base-url-and-relative-urls); every such change is listed as a fix.
 */
import { escapePointer, isObject } from "../core/json.js";
import type { PackageModel } from "../package/model.js";
import { documentToData } from "../saviynt/rest-data.js";
import { documents, isRelativeUrl, packageSections, refuse, type AdoptContext, type AdoptedTenant, type Fix } from "./common.js";

export function adoptRest(model: PackageModel, ctx: AdoptContext): AdoptedTenant {
  const { connection, package: pkg } = packageSections(model, ctx);
  const fixes: Fix[] = [];
  const attributes: Record<string, unknown> = {};
  for (const [name, doc] of documents(model)) {
    const { data, ambiguous } = documentToData(doc);
    if (ambiguous) {
      refuse(ctx, "ADOPT_UNREPRESENTABLE", `an object holding only a "$json" or "$binding" key cannot be told apart from savpkg's markers`, [name, ...ambiguous].join("."));
      continue;
    }
    attributes[name] = resolveUrls(data, name, "", ctx, fixes);
  }
  return {
    connection: model.connection.key,
    source: ctx.source,
    connector: "rest",
    value: { connector: "rest", connection, package: pkg, rest: { attributes } },
    fills: [],
    fixes,
    comments: new Map(),
  };
}

/** Every relative `url` leaf becomes `--base-url` + it; without the flag the caller refuses (exit 2). */
function resolveUrls(node: unknown, attribute: string, pointer: string, ctx: AdoptContext, fixes: Fix[]): unknown {
  if (Array.isArray(node)) return node.map((item, i) => resolveUrls(item, attribute, `${pointer}/${i}`, ctx, fixes));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    const at = key === "$json" ? pointer : `${pointer}/${escapePointer(key)}`;
    if (key === "url" && typeof value === "string" && value.trim() !== "" && isRelativeUrl(value) && ctx.baseUrl !== undefined) {
      out[key] = joinUrl(ctx.baseUrl, value);
      fixes.push({ attribute, pointer: at, message: `relative URL ${JSON.stringify(value.trim())} resolved against --base-url (Saviynt has no base URL to resolve it)` });
    } else out[key] = resolveUrls(value, attribute, at, ctx, fixes);
  }
  return out;
}

export function joinUrl(base: string, path: string): string {
  const p = path.trim();
  return base.replace(/\/+$/, "") + (p.startsWith("/") || p.startsWith("?") ? p : `/${p}`);
}

/** The relative call URLs of a package (for the --base-url requirement). */
export function relativeUrls(model: PackageModel): string[] {
  const found: string[] = [];
  const walk = (node: unknown, key?: string) => {
    if (Array.isArray(node)) node.forEach((item) => walk(item));
    else if (isObject(node)) for (const [k, v] of Object.entries(node)) walk(v, k);
    else if (key === "url" && typeof node === "string" && node.trim() !== "" && isRelativeUrl(node)) found.push(node.trim());
  };
  for (const doc of documents(model).values()) walk(documentToData(doc).data);
  return found;
}
