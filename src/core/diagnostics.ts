/**
 * Problems are values. Every stage returns `Diagnostic[]`; nothing user-facing is thrown.
 * One catalogue of codes: a code's severity and one-line summary live here, and
 * `docs/diagnostics.md` is generated from the same table by the tests (see test/diagnostics.test.ts).
 */

export type Severity = "error" | "warning" | "info";

export interface Diagnostic {
  code: Code;
  severity: Severity;
  message: string;
  /** File the problem is in (tenant file, `--set`, a zip or an entry inside it). */
  file?: string;
  /** 1-based line and column where the offending value was written. */
  line?: number;
  col?: number;
  /** Dotted JSON path of the offending value, e.g. `cxone.auth.grant` or `import.activeValues[0]`. */
  path?: string;
}

/**
 * Exit class of a code when it is an error: 1 = a problem found in the input (the user fixes the
 * tenant or package), 2 = the command could not do its job (usage, I/O, refused input, savpkg bug).
 * Warnings and infos never fail a command (0).
 */
export type ExitClass = 0 | 1 | 2;

interface CodeInfo {
  severity: Severity;
  exit: ExitClass;
  summary: string;
}

/** The catalogue. Keep codes grouped by stage; add a code here before using it anywhere. */
export const CODES = {
  // usage and I/O (exit 2)
  USAGE: { severity: "error", exit: 2, summary: "The command line is not usable (bad flag value, missing argument)." },
  IO_READ: { severity: "error", exit: 2, summary: "A file could not be read." },
  IO_WRITE: { severity: "error", exit: 2, summary: "An output could not be written; nothing was left half-written." },
  INPUT_IS_PACKAGE: { severity: "error", exit: 2, summary: "A package (zip) was given where a tenant file is expected." },
  INTERNAL: { severity: "error", exit: 2, summary: "A savpkg bug: please report it with the --verbose output." },

  // limits on every input (src/core/limits.ts, README "Limits"; exit 2: the input is refused)
  LIMIT_FILE_SIZE: { severity: "error", exit: 2, summary: "A file is larger than the limit for its kind (tenant, extends base, secret, seed, knobs)." },
  LIMIT_DEPTH: { severity: "error", exit: 2, summary: "A YAML or JSON value is nested deeper than the limit." },
  LIMIT_COUNT: { severity: "error", exit: 2, summary: "A document has more values, or a connection more attributes, than the limit." },
  LIMIT_STRING: { severity: "error", exit: 2, summary: "A string is longer than the limit." },
  LIMIT_SET_PATH: { severity: "error", exit: 2, summary: "A --set path has too many segments, or an index past the end of its list." },

  // load: tenant files, overlays, --set
  TENANT_NOT_FOUND: { severity: "error", exit: 2, summary: "The tenant file does not exist." },
  TENANT_SYNTAX: { severity: "error", exit: 1, summary: "The tenant file is not valid YAML/JSON." },
  TENANT_DUPLICATE_KEY: { severity: "error", exit: 1, summary: "A key appears twice in one mapping." },
  TENANT_NOT_OBJECT: { severity: "error", exit: 1, summary: "The tenant document is not a mapping." },
  TENANT_TOO_COMPLEX: { severity: "error", exit: 1, summary: "Too many nodes or aliases (alias bomb guard)." },
  TENANT_EXTENDS_NOT_FOUND: { severity: "error", exit: 1, summary: "The file named by `extends` does not exist." },
  TENANT_EXTENDS_CYCLE: { severity: "error", exit: 1, summary: "`extends` files form a cycle." },
  TENANT_SET_SYNTAX: { severity: "error", exit: 2, summary: "A --set override is not of the form a.b.c=value (a usage error)." },
  TENANT_SET_TYPE: { severity: "error", exit: 1, summary: "A --set value does not fit the schema type at its path." },
  TENANT_ABSTRACT: { severity: "error", exit: 1, summary: "The tenant is a base file (abstract) and cannot be built on its own." },

  // validate: schema
  TENANT_UNKNOWN_KEY: { severity: "error", exit: 1, summary: "A key the schema does not know (with the closest valid key)." },
  TENANT_MISSING_KEY: { severity: "error", exit: 1, summary: "A required key is missing (reported at its parent)." },
  TENANT_TYPE: { severity: "error", exit: 1, summary: "A value has the wrong type." },
  TENANT_ENUM: { severity: "error", exit: 1, summary: "A value is not one of the allowed values." },
  TENANT_FORMAT: { severity: "error", exit: 1, summary: "A value does not have the expected format (https URL, date-time...)." },
  TENANT_PATTERN: { severity: "error", exit: 1, summary: "A value does not match the expected pattern." },
  TENANT_RANGE: { severity: "error", exit: 1, summary: "A number, string length or list length is out of range." },
  TENANT_INVALID: { severity: "error", exit: 1, summary: "A value is invalid for the schema (other rule)." },
  TENANT_UNKNOWN_FIELD: { severity: "error", exit: 1, summary: "An import map names a field CXone's v34 response does not have (with the closest field)." },
  TENANT_PLACEHOLDER: { severity: "warning", exit: 0, summary: "A value is still the placeholder `savpkg init` wrote; set the tenant's own." },
  TENANT_UNUSED: { severity: "warning", exit: 0, summary: "A value that has no effect (e.g. a default the binding map always overrides)." },
  TENANT_OVERRIDE_PATH: { severity: "error", exit: 1, summary: "An `overrides` operation's JSON pointer does not fit the rendered document (missing parent, no such value, index past the end)." },
  TENANT_OVERRIDE_TYPED: { severity: "warning", exit: 0, summary: "An override sets what a typed field of the connector controls; write the typed field instead." },
  TENANT_CONNECTOR_SECTION: { severity: "error", exit: 1, summary: "A section that belongs to another connector (cxone/import/provisioning with connector: rest, rest with incontact)." },

  // validate: safety
  SECRET_LITERAL: { severity: "error", exit: 1, summary: "A secret field holds a literal instead of {env: NAME} or {file: path}." },
  SECRET_ENV_MISSING: { severity: "error", exit: 1, summary: "The environment variable a secret refers to is not set." },
  SECRET_FILE_MISSING: { severity: "error", exit: 1, summary: "The file a secret refers to cannot be read." },
  INJECT_TEMPLATE: { severity: "error", exit: 1, summary: "A plain value contains ${, {{ or }} (it would become code)." },
  INJECT_CONTROL: { severity: "error", exit: 1, summary: "A plain value contains a control character." },
  EXPR_UNBALANCED: { severity: "error", exit: 1, summary: "A ${...} expression is not closed, or braces do not balance." },
  EXPR_UNKNOWN_ROOT: { severity: "error", exit: 1, summary: "An expression starts from a binding Saviynt does not provide." },
  EXPR_UNKNOWN_ATTRIBUTE: { severity: "error", exit: 1, summary: "An expression uses an identity attribute that does not exist." },
  EXPR_MISSING_DOLLAR: { severity: "error", exit: 1, summary: "{user.x} without $ is sent literally; write ${user.x}." },
  EXPR_QUOTE: { severity: "error", exit: 1, summary: "A double quote or backslash inside ${...} breaks the JSON body; use single quotes." },
  EXPR_NOT_ALLOWED: { severity: "error", exit: 1, summary: "An expression construct outside the allowlist: a call other than the documented String methods, a subscript, a quoted or JVM member name, a method named without (), new, a cast, a closure, a GString, a unicode escape." },

  // render
  RENDER_FAILED: { severity: "error", exit: 1, summary: "A template did not render (template bug or missing value)." },
  RENDER_NOT_JSON: { severity: "error", exit: 1, summary: "A rendered document is not valid JSON (template bug)." },

  // check: lint rules on attribute documents (docs/saviynt-rest-format.md#lint-rules)
  PKG_JSON_INVALID: { severity: "error", exit: 1, summary: "An attribute value is not valid JSON." },
  PKG_SCHEMA: { severity: "error", exit: 1, summary: "An attribute document does not match its Saviynt schema (schemas/saviynt/)." },
  PKG_PAGINATION_PLACEMENT: { severity: "error", exit: 1, summary: "Pagination outside `call.<n>.pagination`, or page/offset keys misplaced." },
  PKG_ACTIVE_STATUS_KEY: { severity: "error", exit: 1, summary: "Active values under `active`/`status` instead of `activeStatus`." },
  PKG_ACTIVE_STATUS_MIXED: { severity: "warning", exit: 0, summary: "activeStatus mixes strings with other types." },
  PKG_STATUS_COLUMN_UNMAPPED: { severity: "error", exit: 1, summary: "statusColumn is not a target of the account colsToPropsMap." },
  PKG_HTTPPARAMS_NOT_STRING: { severity: "error", exit: 1, summary: "httpParams is an object; Saviynt expects a JSON string." },
  PKG_HTTPPARAMS_INVALID: { severity: "error", exit: 1, summary: "httpParams is not valid JSON after replacing each ${...} with a value." },
  PKG_METHOD: { severity: "error", exit: 1, summary: "httpMethod is not an upper-case method Saviynt knows." },
  PKG_URL_RELATIVE: { severity: "error", exit: 1, summary: "A call URL has no scheme and host." },
  PKG_URL_WHITESPACE: { severity: "error", exit: 1, summary: "A call URL has leading/trailing whitespace." },
  PKG_SUCCESS_RESPONSES: { severity: "error", exit: 1, summary: "A provisioning call has no (or a miscased) successResponses." },
  PKG_ACCESS_NAME: { severity: "error", exit: 1, summary: "An access call's name is not an imported entitlement type." },
  PKG_TYPE_SUFFIX: { severity: "error", exit: 1, summary: "A colsToPropsMap value breaks the `path~#~type` grammar." },
  PKG_TARGET_CASE: { severity: "warning", exit: 0, summary: "An upper-case colsToPropsMap target (CUSTOMPROPERTY1)." },
  PKG_CONNECTION_UNRESOLVED: { severity: "error", exit: 1, summary: "A `connection` value names no ConnectionJSON auth block." },
  PKG_BINDING_MISSING_DOLLAR: { severity: "error", exit: 1, summary: "A binding without $ ({account.x}) is sent literally." },
  PKG_BINDING_UNKNOWN: { severity: "warning", exit: 0, summary: "A binding root or identity attribute Saviynt does not provide (typo?)." },
  PKG_EXPRESSION_NOT_ALLOWED: { severity: "error", exit: 1, summary: "A ${...} expression outside the allowlist of tenant expressions: Groovy code that Saviynt runs on its server." },
  PKG_EMPTY_HEADER: { severity: "error", exit: 1, summary: "An HTTP header with an empty name." },
  PKG_TOTALCOUNT_LITERAL: { severity: "warning", exit: 0, summary: "totalCountPath is a literal number instead of a response path." },
  PKG_PLAINTEXT_CONNECTIONJSON: { severity: "error", exit: 1, summary: "A plaintext ConnectionJSON inside a package (native exports are encrypted)." },
  PKG_LAYOUT: { severity: "error", exit: 1, summary: "The package files do not have the native T2P layout." },
  PKG_LAYOUT_WARNING: { severity: "warning", exit: 0, summary: "The package deviates from the native layout in a tolerated way." },
  PKG_NAME_MISMATCH: { severity: "error", exit: 1, summary: "ObjectSummary, Connection key and connectionname disagree." },
  PKG_ATTRIBUTES: { severity: "error", exit: 1, summary: "The EXTERNAL_ATTR list is missing, duplicated or unknown attributes." },
  PKG_NON_ASCII: { severity: "warning", exit: 0, summary: "A package file is not pure ASCII." },
  PKG_UNREADABLE: { severity: "error", exit: 2, summary: "The input cannot be read as a connection package (the diagnostics before it say why)." },

  // read: hostile or broken zips (docs/engineering-notes.md#zip-reading)
  ZIP_CORRUPT: { severity: "error", exit: 2, summary: "Not a zip, or a truncated/corrupt one." },
  ZIP_UNSAFE_PATH: { severity: "error", exit: 2, summary: "An entry name escapes the archive (.., absolute, drive, backslash, control characters)." },
  ZIP_DUPLICATE: { severity: "error", exit: 2, summary: "Two entries have the same name (also after case/NFC folding)." },
  ZIP_LINK: { severity: "error", exit: 2, summary: "An entry is a symlink or another non-regular file." },
  ZIP_ENCRYPTED: { severity: "error", exit: 2, summary: "An entry is encrypted." },
  ZIP_METHOD: { severity: "error", exit: 2, summary: "An entry uses a compression method other than store/deflate." },
  ZIP_LIMIT: { severity: "error", exit: 2, summary: "Too many entries, an entry or the total too large, or a suspicious compression ratio." },
  ZIP_OVERLAP: { severity: "error", exit: 2, summary: "Entries overlap in the archive (zip-bomb construction)." },
  ZIP_NESTED: { severity: "error", exit: 2, summary: "An archive inside the archive." },

  // build: --check and release metadata
  BUILD_STALE: { severity: "error", exit: 1, summary: "A package on disk differs from what the tenant builds to." },
  BUILD_MISSING: { severity: "error", exit: 1, summary: "A package the tenants build to is not on disk." },
  BUILD_EXTRA: { severity: "error", exit: 1, summary: "A package on disk has no tenant that builds it." },
  BUILD_LOCKED: { severity: "error", exit: 2, summary: "Another build holds the output folder's lock; nothing was written." },
  BUILD_REMOVED: { severity: "info", exit: 0, summary: "build --all removed a package it had recorded for a tenant file that is no longer built." },
  BUILD_SOURCE_DATE_EPOCH: { severity: "error", exit: 2, summary: "SOURCE_DATE_EPOCH is not an integer between 1980-01-01 and 2043-12-31 (the zip DOS time range)." },

  // adopt: exports (or live connections) → tenant files
  ADOPT_INPUT: { severity: "error", exit: 2, summary: "The input is not one connection package (not a T2P export, or several connections in it)." },
  ADOPT_CONNECTION_TYPE: { severity: "error", exit: 2, summary: "The connection type is not one savpkg builds (SOAP and other non-REST connections)." },
  ADOPT_BASE_URL: { severity: "error", exit: 2, summary: "The package has relative call URLs: give --base-url to resolve them." },
  ADOPT_UNREPRESENTABLE: { severity: "error", exit: 1, summary: "The package cannot be rebuilt exactly from a tenant file (the reason is given); nothing is written." },
  ADOPT_NOT_EXACT: { severity: "error", exit: 1, summary: "The adopted tenant would not rebuild the package (a savpkg bug); nothing is written." },
  ADOPT_FILL: { severity: "error", exit: 1, summary: "A value the target API requires is not in the package: the tenant file marks it for you to fill." },
  ADOPT_FIXED: { severity: "info", exit: 0, summary: "A known defect of the package is fixed in the adopted tenant, not copied." },
  ADOPT_OVERRIDE: { severity: "info", exit: 0, summary: "Something the typed model cannot express went into the tenant's overrides." },
  ADOPT_OUTPUT_EXISTS: { severity: "error", exit: 2, summary: "An output file exists; adopt overwrites only with --force." },

  // simulate
  SIM_SEED_INVALID: { severity: "error", exit: 2, summary: "The simulator seed is not a valid CXone state (JSON shape, ids, team/profile references, unique userName)." },
  SIM_KNOBS_INVALID: { severity: "error", exit: 2, summary: "The simulator knobs file is not valid (unknown knob, wrong type or range)." },
  SIM_STEP_FAILED: { severity: "error", exit: 1, summary: "A simulated operation failed." },
  SIM_UNSUPPORTED: { severity: "error", exit: 1, summary: "An expression or construct the executor does not support." },

  // eic: the Saviynt EIC API client (plan, deploy, pull)
  EIC_URL_MISSING: { severity: "error", exit: 2, summary: "No EIC URL: set eic.url in the tenant file or pass --eic." },
  EIC_URL_REFUSED: { severity: "error", exit: 2, summary: "The EIC URL is not https://<host> without a path (plain http only to 127.0.0.1 or localhost); refused before any connection." },
  EIC_AUTH_FAILED: { severity: "error", exit: 2, summary: "EIC refused the login or the token refresh (status and user named, never the password)." },
  EIC_UNREACHABLE: { severity: "error", exit: 2, summary: "An EIC endpoint did not answer (network error or timeout) after bounded retries." },
  EIC_SERVER_ERROR: { severity: "error", exit: 2, summary: "An EIC endpoint answered 5xx after bounded retries, or with another unexpected status." },
  EIC_RESPONSE_SHAPE: { severity: "error", exit: 2, summary: "An EIC response does not match the contract (missing field, wrong type); the field is named." },
  EIC_API_ERROR: { severity: "error", exit: 2, summary: "EIC answered with a non-zero errorCode/errorcode (its msg is shown)." },
  EIC_WRITE_UNKNOWN: { severity: "error", exit: 2, summary: "A write was sent but its outcome is unknown (timeout, 5xx); not retried; run plan to see the live state." },
  EIC_NOT_FOUND: { severity: "error", exit: 1, summary: "The connection does not exist in EIC." },
  EIC_PLAINTEXT_SECRET: { severity: "warning", exit: 0, summary: "EIC returned ConnectionJSON in clear; pull left it out of the package (secrets never reach packages)." },
  EIC_TARGET_TEST_FAILED: { severity: "warning", exit: 0, summary: "EIC saved the connection but its own test of the target system answered \"Connection Failed\"." },

  // deploy: plan files, confirmation, verify-after-write
  DEPLOY_NOT_CONFIRMED: { severity: "error", exit: 2, summary: "deploy without a terminal needs --yes (nothing was sent)." },
  DEPLOY_DECLINED: { severity: "error", exit: 1, summary: "The deploy was declined at the prompt; nothing was sent." },
  DEPLOY_PLAN_INVALID: { severity: "error", exit: 2, summary: "The --plan file is unreadable, not a savpkg plan, or does not cover this tenant." },
  DEPLOY_PLAN_STALE: { severity: "error", exit: 1, summary: "The live connection or the desired build changed since the plan was made; nothing was sent." },
  DEPLOY_VERIFY_FAILED: { severity: "error", exit: 1, summary: "The connection read back after the write differs from the build." },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;

/** Builds a diagnostic with the catalogue's severity unless one is given. */
export function diag(code: Code, message: string, where: Omit<Partial<Diagnostic>, "code" | "message"> = {}): Diagnostic {
  const d: Diagnostic = { code, severity: where.severity ?? CODES[code].severity, message };
  if (where.file !== undefined) d.file = where.file;
  if (where.line !== undefined) d.line = where.line;
  if (where.col !== undefined) d.col = where.col;
  if (where.path !== undefined && where.path !== "") d.path = where.path;
  return d;
}

/**
 * The one exit policy: the highest exit class among the error diagnostics (0 when there are none).
 * A diagnostic made with a severity other than its code's own (a warning promoted to an error, an
 * error demoted) counts by its actual severity: errors whose code is not an error code count as 1.
 */
export function exitCodeFor(diagnostics: readonly Diagnostic[], options: ExitOptions = {}): ExitClass {
  let code: ExitClass = 0;
  for (const d of diagnostics) {
    if (d.severity !== "error") continue;
    const cls = CODES[d.code].exit === 2 ? 2 : (options.inputProblemsAre ?? 1);
    if (cls > code) code = cls;
  }
  return code;
}

export interface ExitOptions {
  /**
   * For commands whose exit 1 already means something else (diff: "different"; simulate: "a step
   * failed"; plan: "changes"): input that could not be used at all exits 2.
   */
  inputProblemsAre?: 1 | 2;
}

/**
 * Exit code of a command whose result is also a verdict (diff: "the packages differ"; simulate: "a
 * step failed"): the diagnostics' class when they fail the command, else 1 for a negative verdict.
 * Such commands pass `inputProblemsAre: 2` when 1 would be ambiguous.
 */
export function verdictExitCode(diagnostics: readonly Diagnostic[], verdict: boolean, options: ExitOptions = {}): ExitClass {
  const code = exitCodeFor(diagnostics, options);
  return code !== 0 ? code : verdict ? 0 : 1;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Stable order: file, line, col, code, path, message (so output never depends on discovery order). */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic): [string, number, number, string, string, string] => [
    d.file ?? "",
    d.line ?? 0,
    d.col ?? 0,
    d.code,
    d.path ?? "",
    d.message,
  ];
  return [...diagnostics].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      const x = ka[i]!;
      const y = kb[i]!;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  });
}

/** Closest candidate by edit distance, for "did you mean" hints; undefined when nothing is close. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = word.toLowerCase();
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    // The distance is at least the length difference: skip the quadratic comparison when that is already too far.
    if (Math.abs(c.length - word.length) > limit) continue;
    const score = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase());
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return bestScore <= limit ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagPrev = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diagPrev + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagPrev = tmp;
    }
  }
  return prev[b.length]!;
}
