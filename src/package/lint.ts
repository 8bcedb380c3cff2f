/**
 * `savpkg lint` on a package read from anywhere: the build's rule catalogue (check.ts) over the
 * package's JSON attributes, plus what the reader found (layout, names, attribute list, invalid
 * JSON, plaintext ConnectionJSON — docs/saviynt-rest-format.md#lint-rules).
 */
import { checkAttributes } from "./rules.js";
import type { Diagnostic } from "../core/diagnostics.js";
import type { PackageModel } from "./model.js";

export function lintPackage(model: PackageModel, readDiagnostics: readonly Diagnostic[] = []): Diagnostic[] {
  // Null prototype: attribute names come from the package (an attribute may be called __proto__ or toString).
  const documents: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const attribute of model.connection.attributes) {
    if (attribute.state === "json") documents[attribute.name] = attribute.json;
  }
  const file = model.source;
  return [...readDiagnostics, ...checkAttributes(documents, file !== undefined ? { file } : {})];
}
