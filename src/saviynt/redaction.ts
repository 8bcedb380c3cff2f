/**
 * The one redaction policy (issue 12 item 5): what counts as a credential in a Saviynt document, a
 * request or a log, and how a value the user typed is described instead of quoted. diff, unpack,
 * inspect, the simulator's request log, simulate reports and the tenant diagnostics all ask here,
 * so a credential hidden by one output is hidden by every other one.
 *
 * Sources: reference/saviynt-rest.md §2.2 (ConnectionJSON auth blocks), §2.4 (headers), §6.1 #6.
 */
import { parseExpression, replaceExpressions, subtrees } from "./expression/index.js";

/** Keys whose literal values are credentials, compared after lower-casing and dropping `-`/`_`. */
const SECRET_KEY_SUFFIXES = ["password", "passwd", "secret", "token", "passphrase", "key", "credential", "credentials", "assertion"];
const SECRET_KEYS = new Set(["pwd", "accesskeyid", "codeverifier"]);
/** Header names that carry credentials. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxyauthorization", "cookie", "setcookie", "xapikey", "apikey", "xauthkey", "xauthtoken", "xauthorization", "xaccesstoken"]);
/** Subtrees of a ConnectionJSON auth block where everything is a credential or identifies one. */
const SECRET_SUBTREES = new Set(["httpparams", "properties"]);
/** A URL query parameter that carries a credential (its value is group 1). */
const SECRET_QUERY = /[?&][^=&#]*(?:token|secret|password|passwd|pwd|key|sig|signature|code)=([^&#]+)/i;
/** An Authorization-style value: a scheme word and a credential. */
const SCHEME_VALUE = /^\s*(Basic|Bearer)\s+\S/i;

export const foldKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/** A key or header name whose literal value is a credential (`client_secret`, `X-Api-Key`, `Authorization`). */
export function isSecretKey(key: string): boolean {
  const k = foldKey(key);
  return SECRET_KEYS.has(k) || CREDENTIAL_HEADERS.has(k) || SECRET_KEY_SUFFIXES.some((s) => k.endsWith(s));
}

/** An OAuth form field holding a credential: the secret keys, and `code` (an authorization code). */
export function isSecretFormField(name: string): boolean {
  return isSecretKey(name) || foldKey(name) === "code";
}

/** Inside a ConnectionJSON auth block, everything under these keys is a credential. */
export function isSecretSubtree(key: string): boolean {
  return SECRET_SUBTREES.has(foldKey(key));
}

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

/** The visible part of a redacted header value: `Bearer` of `Bearer abc…`, or undefined. */
export function authScheme(value: string): string | undefined {
  return /^(\S+)\s/.exec(value)?.[1];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A value the user typed, described without being quoted (a mistyped secret must not end up in a
 * CI log): its type and size, e.g. `a string of 12 characters`, `a mapping with 2 keys`.
 */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return "nothing (null)";
  if (typeof value === "string") return value === "" ? "an empty string" : `a string of ${value.length} character${value.length === 1 ? "" : "s"}`;
  if (typeof value === "number") return "a number";
  if (typeof value === "boolean") return "true or false";
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? "" : "s"}`;
  if (typeof value === "object") {
    const n = Object.keys(value).length;
    return `a mapping with ${n} key${n === 1 ? "" : "s"}`;
  }
  return `a ${typeof value}`;
}

/** A name (key) the user typed, described without being quoted. */
export function describeName(name: string): string {
  return `a ${name.length}-character name`;
}
