/**
 * Tenant values → YAML text, deterministically (key order as given, no line folding, the yaml
 * library's quoting), with the editor's schema line, a header saying where the file came from,
 * comments on sections that need a look, and `null  # fill in: …` where a required value is missing.
 */
import { Document, isMap, isScalar, type Node, type Pair } from "yaml";

export interface YamlFileOptions {
  /** Path of schemas/tenant.schema.json relative to the file (for the yaml-language-server line). */
  schemaRef: string;
  /** Header lines (without "#"). */
  header: readonly string[];
  /** Dotted path → comment written above that key. */
  comments?: ReadonlyMap<string, string>;
  /** Values marked for the user: path → why (the value is written as null). */
  fills?: readonly { path: readonly string[]; why: string }[];
}

export function tenantYaml(value: Record<string, unknown>, options: YamlFileOptions): string {
  // Tenant values are JSON data: a JSON round trip copies them and writes -0 as 0, as JSON would.
  const written = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  for (const fill of options.fills ?? []) {
    let node: Record<string, unknown> = written;
    for (const key of fill.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
    node[fill.path[fill.path.length - 1]!] = null;
  }
  const doc = new Document(written);
  doc.commentBefore = [` yaml-language-server: $schema=${options.schemaRef}`, ...options.header.map((line) => ` ${line}`)].join("\n");
  for (const fill of options.fills ?? []) {
    const node = doc.getIn(fill.path, true) as Node | undefined;
    if (node && isScalar(node)) node.comment = ` fill in: ${fill.why}`;
  }
  for (const [path, text] of options.comments ?? []) {
    const pair = pairAt(doc, path.split("."));
    if (pair && isScalar(pair.key)) pair.key.commentBefore = ` ${text}`;
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

function pairAt(doc: Document, path: readonly string[]): Pair | undefined {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  return parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1]) as Pair | undefined;
}
