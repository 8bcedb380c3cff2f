/**
 * What savpkg relies on in EIC's answers, checked field by field so that a response that does not
 * match the contract becomes one EIC_RESPONSE_SHAPE diagnostic naming the field, never a crash.
 * Field names and types per endpoint differ on purpose (`errorCode` string in getConnections and
 * testConnection, `errorcode` integer in getConnectionDetails): they are what the server sends.
 */
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { isObject } from "../core/json.js";

export type FieldType = "string" | "number" | "integer" | "boolean" | "object" | "array" | "string|null";

/** The first field of `spec` that `body` lacks or has with another type, as a diagnostic. */
export function checkFields(endpoint: string, body: unknown, spec: Record<string, FieldType>, prefix = ""): Diagnostic | undefined {
  if (!isObject(body)) return diag("EIC_RESPONSE_SHAPE", `${endpoint}: the response${prefix ? ` field "${prefix}"` : ""} is ${describeType(body)}, expected a JSON object`);
  for (const [field, type] of Object.entries(spec)) {
    const name = prefix ? `${prefix}.${field}` : field;
    if (!Object.hasOwn(body, field)) return diag("EIC_RESPONSE_SHAPE", `${endpoint}: the response has no field "${name}" (expected ${type})`, { path: name });
    if (!hasType(body[field], type)) return diag("EIC_RESPONSE_SHAPE", `${endpoint}: field "${name}" is ${describeType(body[field])}, expected ${type}`, { path: name });
  }
  return undefined;
}

export function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "string|null":
      return typeof value === "string" || value === null;
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
  }
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** POST /ECM/api/login and /ECM/oauth/access_token (saviynt-eic-api §2). */
export const TOKEN_FIELDS = { access_token: "string", token_type: "string", expires_in: "number" } as const satisfies Record<string, FieldType>;

/** getConnectionDetails success (§4.2); attributes are checked one by one below. */
export const DETAILS_FIELDS = {
  errorcode: "integer",
  msg: "string",
  connectionkey: "integer",
  connectionname: "string",
  connectiontype: "string",
  connectionattributes: "object",
} as const satisfies Record<string, FieldType>;

/** Keys the server adds to connectionattributes, with their (non-string) types (§4.3). */
export const SERVER_ATTRIBUTES: Readonly<Record<string, FieldType>> = {
  connectionTimeoutConfig: "object",
  isTimeoutSupported: "boolean",
  isTimeoutConfigValidated: "boolean",
  connectionType: "string|null",
};

/** getConnections (§3). */
export const LIST_FIELDS = { errorCode: "string", msg: "string", ConnectionList: "array" } as const satisfies Record<string, FieldType>;
export const LIST_ITEM_FIELDS = { CONNECTIONNAME: "string", CONNECTIONTYPE: "string" } as const satisfies Record<string, FieldType>;

/** testConnection (§5.4); connectionKey is checked only on success. */
export const WRITE_FIELDS = { errorCode: "string", msg: "string" } as const satisfies Record<string, FieldType>;

/** A connection as getConnectionDetails returns it. */
export interface LiveConnection {
  key: number;
  name: string;
  type: string;
  description: string;
  /** Attribute name exactly as the server spelled it → its stored text (null when the server says null). */
  attributes: Record<string, string | null>;
  /** The server-added, non-string attributes (connectionTimeoutConfig, ...), kept for pull. */
  serverAttributes: Record<string, unknown>;
}

export interface ConnectionListItem {
  name: string;
  type: string;
  description: string;
  status: number | null;
}

export interface WriteOutcome {
  connectionKey: number;
  msg: string;
  /** EIC saved the connection but its test of the target answered "Connection Failed". */
  targetTestFailed: boolean;
}

/** Reads a getConnectionDetails body into a LiveConnection, or the first contract violation. */
export function parseDetails(endpoint: string, body: unknown): { value?: LiveConnection; problem?: Diagnostic } {
  const problem = checkFields(endpoint, body, DETAILS_FIELDS);
  if (problem) return { problem };
  const b = body as Record<string, unknown> & { connectionattributes: Record<string, unknown> };
  const attributes: Record<string, string | null> = {};
  const serverAttributes: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(b.connectionattributes)) {
    const serverType = SERVER_ATTRIBUTES[name];
    if (serverType !== undefined) {
      if (!hasType(value, serverType)) return { problem: diag("EIC_RESPONSE_SHAPE", `${endpoint}: field "connectionattributes.${name}" is not ${serverType}`, { path: `connectionattributes.${name}` }) };
      serverAttributes[name] = value;
      continue;
    }
    if (!hasType(value, "string|null")) {
      return { problem: diag("EIC_RESPONSE_SHAPE", `${endpoint}: field "connectionattributes.${name}" is ${describeType(value)}, expected a string holding JSON text`, { path: `connectionattributes.${name}` }) };
    }
    attributes[name] = value as string | null;
  }
  const description = typeof b.description === "string" ? b.description : "";
  return { value: { key: b.connectionkey as number, name: b.connectionname as string, type: b.connectiontype as string, description, attributes, serverAttributes } };
}
