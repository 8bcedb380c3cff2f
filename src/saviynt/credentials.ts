/**
 * Which values are credentials (docs/saviynt-rest-format.md#auth-block, #refresh-tokens, #lint-rules): by the key they sit
 * under (password, token, Authorization, X-Api-Key …), by a secret-looking query parameter, and —
 * inside ConnectionJSON — by subtree. A value that only refers to a credential (`${access_token}`,
 * an `@@NAME@@` placeholder, an auth scheme word) is not one. Shared by the diff (redaction) and
 * tenant validation (literal credentials refused in REST data).
 */
import { parseExpression, replaceExpressions, subtrees } from "./expression/index.js";

/** Keys whose literal values are credentials, compared after lower-casing and dropping `-`/`_`. */
const SECRET_KEY_SUFFIXES = ["password", "passwd", "secret", "token", "passphrase", "key", "credential", "credentials", "assertion"];
const SECRET_KEYS = new Set(["pwd", "accesskeyid"]);
/** Header names that carry credentials. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxyauthorization", "cookie", "xapikey", "apikey", "xauthkey", "xauthtoken", "xauthorization", "xaccesstoken"]);
/** Subtrees of a ConnectionJSON auth block where everything is a credential or identifies one. */
const SECRET_SUBTREES = new Set(["httpparams", "properties"]);
const SECRET_QUERY = /[?&][^=&#]*(?:token|secret|password|passwd|pwd|key|sig|signature|code)=([^&#]+)/i;

const foldKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, "");

function isSecretKey(key: string): boolean {
  const k = foldKey(key);
  return SECRET_KEYS.has(k) || CREDENTIAL_HEADERS.has(k) || SECRET_KEY_SUFFIXES.some((s) => k.endsWith(s));
}

/**
 * A value that names a credential without holding it: only `${…}` bindings (that parse and hold
 * no string literal, which could hide a credential), savpkg's `@@NAME@@` placeholders and an
 * auth scheme word. Such values stay visible so that reviews can see wiring changes.
 */
function isReferenceOnly(value: string): boolean {
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

/**
 * A credential written as a literal at this key path: the diff redacts it, validate refuses it in
 * REST data. `secretDocument`: inside ConnectionJSON, where whole subtrees are credentials.
 */
export function isCredentialLiteral(value: string | number | boolean, keys: readonly string[], ctx: { secretDocument: boolean }): boolean {
  if (value === "") return false;
  const text = String(value);
  if (typeof value === "string" && isReferenceOnly(value)) return false;
  const key = keys[keys.length - 1];
  if (ctx.secretDocument && keys.some((k) => SECRET_SUBTREES.has(foldKey(k)))) return true;
  if (key !== undefined && isSecretKey(key)) return true;
  if (typeof value === "string") {
    const q = SECRET_QUERY.exec(value);
    if (q && !isReferenceOnly(decodeURIComponentSafe(q[1]!))) return true;
    if (ctx.secretDocument && /^\s*(Basic|Bearer)\s+\S/i.test(text)) return true;
  }
  return false;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
