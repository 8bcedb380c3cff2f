/**
 * The one redaction policy (issue 12 item 5): what counts as a credential in a Saviynt document, a
 * request or a log, and how a value the user typed is described instead of quoted. diff, unpack,
 * inspect, the simulator's request log, simulate reports and the tenant diagnostics all ask here,
 * so a credential hidden by one output is hidden by every other one.
 *
 * The key rules (secret keys and headers, how a typed value is described) live in
 * src/core/redaction.ts and are re-exported here: the CXone simulator may import only core.
 *
 * Sources: docs/saviynt-rest-format.md#auth-block, #refresh-tokens, #lint-rules.
 */
import { parseExpression, replaceExpressions, subtrees } from "./expression/index.js";
import { isSecretKey, isSecretSubtree } from "../core/redaction.js";

export { authScheme, describeName, describeValue, foldKey, isSecretFormField, isSecretKey, isSecretSubtree } from "../core/redaction.js";

/** A URL query parameter that carries a credential (its value is group 1). */
const SECRET_QUERY = /[?&][^=&#]*(?:token|secret|password|passwd|pwd|key|sig|signature|code)=([^&#]+)/i;
/** An Authorization-style value: a scheme word and a credential. */
const SCHEME_VALUE = /^\s*(Basic|Bearer)\s+\S/i;

/**
 * A value that names a credential without holding it: only `${…}` bindings (that parse and hold
 * no string literal, which could hide a credential), savpkg's `@@NAME@@` placeholders and an
 * auth scheme word. Such values stay visible so that reviews can see wiring changes.
 */
export function isReferenceOnly(value: string): boolean {
  let references = true;
  let rest = replaceExpressions(value, (span) => {
    const parsed = parseExpression(span.body);
    if (!parsed.ok || [...subtrees(parsed.node)].some((n) => n.kind === "literal" && typeof n.value === "string")) references = false;
    return "";
  });
  if (rest === undefined || !references) return false;
  rest = rest.replace(/@@[A-Za-z0-9_:./-]+@@/g, "").replace(/\b(Bearer|Basic|Token|Bot|SSWS|OAuth)\b/gi, "");
  return rest.trim() === "" && value.trim() !== "";
}

export interface RedactionContext {
  /** Inside ConnectionJSON / CONNECTIONJSON (an auth block store). */
  secretDocument: boolean;
}

/**
 * Whether a scalar found under `keys` (the object keys from the document root to it) is a
 * credential to hide: under a secret key or header, in an auth block's params, a credential in a
 * URL query, or an `Authorization`-style value inside an auth block.
 */
export function shouldRedact(value: string | number | boolean, keys: readonly string[], ctx: RedactionContext): boolean {
  if (value === "") return false;
  if (typeof value === "string" && isReferenceOnly(value)) return false;
  const key = keys[keys.length - 1];
  if (ctx.secretDocument && keys.some(isSecretSubtree)) return true;
  if (key !== undefined && isSecretKey(key)) return true;
  if (typeof value === "string") {
    const q = SECRET_QUERY.exec(value);
    if (q && !isReferenceOnly(decodeURIComponentSafe(q[1]!))) return true;
    if (ctx.secretDocument && SCHEME_VALUE.test(value)) return true;
  }
  return false;
}

const SECRET_QUERY_NAMES = ["token", "secret", "password", "passwd", "pwd", "key", "sig", "signature", "code"];

/** A URL or path with the value of every credential-bearing query parameter replaced by `marker`. */
export function redactQuery(url: string, marker = "[REDACTED]"): string {
  const q = url.indexOf("?");
  if (q < 0) return url;
  const hash = url.indexOf("#", q);
  const query = url.slice(q + 1, hash < 0 ? url.length : hash);
  const params = query.split("&").map((param) => {
    const eq = param.indexOf("=");
    if (eq < 0) return param;
    const name = param.slice(0, eq).toLowerCase();
    const value = param.slice(eq + 1);
    const secret = value !== "" && SECRET_QUERY_NAMES.some((w) => name.endsWith(w)) && !isReferenceOnly(decodeURIComponentSafe(value));
    return secret ? `${param.slice(0, eq)}=${marker}` : param;
  });
  return url.slice(0, q + 1) + params.join("&") + (hash < 0 ? "" : url.slice(hash));
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

