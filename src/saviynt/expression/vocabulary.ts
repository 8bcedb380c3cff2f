/**
 * What Saviynt binds for `${…}` expressions and which methods savpkg knows: the documented roots
 * with the shape of their values, the identity attributes, and the one method list (which
 * receivers the executor implements a method for, and the short list tenants may write).
 * Sources: docs/saviynt-rest-format.md#bindings (binding tables), #import-calls and #pagination (import bindings).
 */

/**
 * How deep a path from a root may go: `text` roots are a value (`${access_token}`), `record`
 * roots hold text attributes one level down (`${user.firstname}`), `document` roots hold parsed
 * JSON of any depth (`${response.call1.message.id}`).
 */
export type RootShape = "text" | "record" | "document";

/** Binding roots documented for provisioning JSONs (docs/saviynt-rest-format.md#bindings) and imports (#import-calls, #pagination). */
export const ROOT_SHAPES: ReadonlyMap<string, RootShape> = new Map<string, RootShape>([
  ["user", "record"],
  ["userAccount", "record"],
  ["account", "record"],
  ["accountName", "text"],
  ["password", "text"],
  ["requestid", "text"],
  ["response", "document"],
  ["connection", "record"],
  ["endpoints", "document"],
  ["userManager", "record"],
  ["managerAccount", "record"],
  ["approvers", "document"],
  ["arsTasks", "document"],
  // task.endpoint.customproperty5 (docs/saviynt-rest-format.md#bindings): deeper than a record.
  ["task", "document"],
  ["requestAccessAttributes", "record"],
  ["reqAttrs", "record"],
  ["businessJustification", "text"],
  ["ServiceAccountOwnerMap", "document"],
  ["access_token", "text"],
  ["refresh_token", "text"],
  ["entitlementValue", "record"],
  ["ticketID", "text"],
  ["taskIds", "document"],
  ["allEntitlementsValues", "document"],
  ["otp", "text"],
  ["phone", "text"],
  ["passCode", "text"],
  // import-side bindings (docs/saviynt-rest-format.md#import-calls) and pagination context (#pagination)
  ["id", "text"],
  ["entitlementID", "text"],
  ["headers", "document"],
]);

export const BINDING_ROOTS: ReadonlySet<string> = new Set(ROOT_SHAPES.keys());

/** Identity attributes (`user.*`, docs/saviynt-rest-format.md#bindings), customproperty1..50 included. */
export const USER_ATTRIBUTES: ReadonlySet<string> = new Set([
  "firstname",
  "lastname",
  "middlename",
  "email",
  "username",
  "systemUserName",
  "displayname",
  "title",
  "phonenumber",
  "country",
  "state",
  "city",
  "street",
  "departmentname",
  "departmentNumber",
  "jobDescription",
  "jobCode",
  "companyname",
  "orgunitid",
  "regioncode",
  "employeeid",
  "employeeclass",
  "statuskey",
  "manager",
  "startdate",
  "enddate",
  "preferedFirstName",
  "secondaryEmail",
  "secondaryPhone",
  "location",
  "userKey",
  ...Array.from({ length: 50 }, (_, i) => `customproperty${i + 1}`),
]);

/** The kinds of value a method can be called on. */
export type Receiver = "string" | "list" | "map" | "number" | "boolean";

export interface MethodSpec {
  /** Receivers the executor implements the method for (Groovy semantics). */
  on: readonly Receiver[];
  /**
   * Present for the short documented list tenants may write: the number of arguments and that
   * each is an integer literal (the only argument any of them takes).
   */
  tenant?: { minArgs: number; maxArgs: number };
}

/**
 * The one method list. A name outside it is refused by the parser (nothing else is evaluated);
 * the `tenant` entries are the documented String methods the tenant checker and the lint rules
 * accept.
 */
export const METHODS: Readonly<Record<string, MethodSpec>> = {
  toString: { on: ["string", "number", "boolean"] as const, tenant: { minArgs: 0, maxArgs: 0 } },
  toLowerCase: { on: ["string"], tenant: { minArgs: 0, maxArgs: 0 } },
  toUpperCase: { on: ["string"], tenant: { minArgs: 0, maxArgs: 0 } },
  trim: { on: ["string"], tenant: { minArgs: 0, maxArgs: 0 } },
  isEmpty: { on: ["string", "list", "map"], tenant: { minArgs: 0, maxArgs: 0 } },
  length: { on: ["string"], tenant: { minArgs: 0, maxArgs: 0 } },
  substring: { on: ["string"], tenant: { minArgs: 1, maxArgs: 2 } },
  size: { on: ["string", "list", "map"] },
  contains: { on: ["string", "list"] },
  startsWith: { on: ["string"] },
  endsWith: { on: ["string"] },
  replace: { on: ["string"] },
  equals: { on: ["string"] },
  equalsIgnoreCase: { on: ["string"] },
  get: { on: ["list", "map"] },
  containsKey: { on: ["map"] },
};

export const TENANT_METHODS: readonly string[] = Object.keys(METHODS).filter((name) => METHODS[name]!.tenant !== undefined);

/** True for a name of the method list (own keys only: `constructor` is not a method here). */
export function isMethod(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(METHODS, name);
}

/**
 * Member names that reach the JVM instead of data: Groovy resolves them on any object
 * (`x.class.forName(…)`, `x.metaClass`), or as JavaBean properties of a String (`'a'.bytes`).
 */
export const JVM_MEMBERS: ReadonlySet<string> = new Set(["class", "metaClass", "properties", "declaringClass", "classLoader", "bytes", "chars", "empty", "blank"]);

/** Groovy keywords that start statements, declarations or casts: never part of an expression. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "new", "def", "class", "if", "else", "for", "while", "do", "return", "as", "in", "instanceof", "import",
  "try", "catch", "throw", "switch", "case", "this", "super", "var", "final", "static", "assert",
]);
