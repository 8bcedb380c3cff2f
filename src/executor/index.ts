/**
 * The Saviynt REST executor: an interpreter of connection attribute documents that does what EIC
 * does with them (docs/saviynt-rest-format.md#connection-json, #import, #provisioning) — token calls, imports, provisioning — against
 * whatever the URL policy allows (in savpkg: only the CXone simulator). Generic: it knows Saviynt's
 * JSON, not CXone. `simulate.ts` adds the CXone-specific expectations.
 */
import { unsupportedIn, type TemplateProblem } from "./expression.js";
import type { UnsupportedUse } from "./http.js";

export {
  evaluate,
  evaluateTemplateValue,
  findSpans,
  groovyEquals,
  groovyText,
  parseExpression,
  renderTemplate,
  resolvePath,
  truthy,
  unsupportedIn,
  type Evaluated,
  type Json,
  type Node,
  type Parsed,
  type Rendered,
  type Scope,
  type TemplateProblem,
} from "./expression.js";
export {
  describeResponse,
  ExecutorContext,
  judgeSuccess,
  nodeTransport,
  send,
  type CallRecord,
  type CallTemplate,
  type ExecutorEnv,
  type HttpRequest,
  type HttpResponse,
  type Transport,
  type UnsupportedUse,
  type UrlPolicy,
} from "./http.js";
export {
  compareIds,
  reconcile,
  runImport,
  setQuery,
  type ImportedAccount,
  type ImportedEntitlement,
  type ImportedMembership,
  type ImportOptions,
  type ImportRun,
  type Reconciled,
  type SaviyntAccount,
  type SaviyntView,
  type SectionResult,
} from "./import.js";
export { runProvision, type ProvisionBindings, type ProvisionRequest, type ProvisionRun } from "./provision.js";

/**
 * Every `${…}` in the documents that is outside the evaluator's subset, found before anything
 * runs (`where` is `<Attribute>.<json path>`).
 */
export function scanDocuments(documents: Readonly<Record<string, unknown>>): UnsupportedUse[] {
  const out: UnsupportedUse[] = [];
  const walk = (value: unknown, where: string) => {
    if (typeof value === "string") {
      if (value.includes("${")) for (const p of unsupportedIn(value)) out.push({ ...(p as TemplateProblem), where });
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${where}[${i}]`));
    else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
  };
  for (const [name, doc] of Object.entries(documents)) walk(doc, name);
  return out;
}
