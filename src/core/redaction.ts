/**
 * The key rules of the one redaction policy (issue 12): which keys, headers and form fields hold
 * credentials, and how a value the user typed is described instead of quoted. Pure data rules with
 * no dependencies, so every subsystem (the CXone simulator's request log included) asks here;
 * src/saviynt/redaction.ts adds what needs Saviynt knowledge (bindings, auth blocks, URL queries)
 * and re-exports these, so callers import the policy from one place.
 */

/** Keys whose literal values are credentials, compared after lower-casing and dropping `-`/`_`. */
const SECRET_KEY_SUFFIXES = ["password", "passwd", "secret", "token", "passphrase", "key", "credential", "credentials", "assertion"];
const SECRET_KEYS = new Set(["pwd", "accesskeyid", "codeverifier"]);
/** Header names that carry credentials. */
const CREDENTIAL_HEADERS = new Set(["authorization", "proxyauthorization", "cookie", "setcookie", "xapikey", "apikey", "xauthkey", "xauthtoken", "xauthorization", "xaccesstoken"]);
/** Subtrees of a ConnectionJSON auth block where everything is a credential or identifies one. */
const SECRET_SUBTREES = new Set(["httpparams", "properties"]);

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

/** The visible part of a redacted header value: `Bearer` of `Bearer abc…`, or undefined. */
export function authScheme(value: string): string | undefined {
  return /^(\S+)\s/.exec(value)?.[1];
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

/**
 * Free text savpkg did not compose itself (an internal error's message and stack, which may quote
 * data it was handling): credentials in the shapes they take in text are replaced by
 * `[REDACTED]` — an HTTP auth scheme's token (`Bearer …`, `Basic …`) and the value after a secret
 * key (`"client_secret":"…"`, `password=…`, `x-api-key: …`). One linear pass per pattern.
 * `isReference` keeps values that only name a credential (a Saviynt `${access_token}` binding).
 */
export function redactText(text: string, options: { isReference?: (value: string) => boolean } = {}): string {
  const schemes = text.replace(/\b(Bearer|Basic|Token|Negotiate)\s+[A-Za-z0-9._~+/=-]{4,}/g, "$1 [REDACTED]");
  let out = "";
  let last = 0;
  KEY_VALUE.lastIndex = 0;
  for (let m = KEY_VALUE.exec(schemes); m !== null; m = KEY_VALUE.exec(schemes)) {
    const [whole, quote = "", key = "", sep = "", value = ""] = m;
    const unquoted = /^["']/.test(value) ? value.slice(1, -1) : value;
    if (!isSecretKey(key) || /^(\[REDACTED\]|Bearer|Basic|Token|Negotiate)$/.test(value) || options.isReference?.(unquoted)) {
      // Not a secret: go on right after the key, so a secret key inside this value is still seen.
      KEY_VALUE.lastIndex = m.index + quote.length + key.length;
      continue;
    }
    const redacted = value.startsWith('"') ? '"[REDACTED]"' : value.startsWith("'") ? "'[REDACTED]'" : "[REDACTED]";
    out += schemes.slice(last, m.index) + quote + key + quote + sep + redacted;
    last = m.index + whole.length;
  }
  return out + schemes.slice(last);
}

/** `key: value`, `"key":"value"`, `key=value`, each part bounded so one match is constant work. */
const KEY_VALUE = /(["']?)([A-Za-z][A-Za-z0-9_.-]{0,63})\1(\s{0,8}[:=]\s{0,8})("[^"\n]{0,4096}"|'[^'\n]{0,4096}'|[^\s,;&}\]"']{1,4096})/g;
