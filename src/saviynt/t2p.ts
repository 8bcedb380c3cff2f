/**
 * The T2P (transport) connection-package format as Saviynt's exporter writes it.
 * Spec: docs/saviynt-rest-format.md#t2p (#zip-layout, #object-summary, #connection-file,
 * #attribute-list, #encoding). Shared by pack (writer) and read (reader).
 */

/** The 24 REST attributes in the exporter's fixed order (docs/saviynt-rest-format.md#attribute-list). */
export const REST_ATTRIBUTES = [
  "ConnectionJSON",
  "ImportUserJSON",
  "ImportAccountEntJSON",
  "STATUS_THRESHOLD_CONFIG",
  "CreateAccountJSON",
  "UpdateAccountJSON",
  "EnableAccountJSON",
  "DisableAccountJSON",
  "AddAccessJSON",
  "RemoveAccessJSON",
  "UpdateUserJSON",
  "ChangePassJSON",
  "RemoveAccountJSON",
  "TicketStatusJSON",
  "CreateTicketJSON",
  "ENDPOINTS_FILTER",
  "PasswdPolicyJSON",
  "ConfigJSON",
  "AddFFIDAccessJSON",
  "RemoveFFIDAccessJSON",
  "MODIFYUSERDATAJSON",
  "SendOtpJSON",
  "ValidateOtpJSON",
  "PAM_CONFIG",
] as const;

/** The 24 SOAP attributes (docs/saviynt-rest-format.md#attribute-list); readers must accept them. */
export const SOAP_ATTRIBUTES = [
  "CONNECTIONJSON",
  "SOAP_ENDPOINT",
  "SOAP_OR_XML",
  "PAGE_SIZE",
  "HR_IMPORT_JSON",
  "ACCOUNTS_IMPORT_JSON",
  "STATUS_THRESHOLD_CONFIG",
  "CUSTOM_CONFIG",
  "RESPONSEPATH_TOTALRESULTS",
  "RESPONSEPATH_PAGERESULTS",
  "RESPONSEPATH_USERLIST",
  "DATEFORMAT",
  "COMBINEDCREATEREQUEST",
  "CREATEACCOUNTJSON",
  "UPDATEACCOUNTJSON",
  "DELETEACCOUNTJSON",
  "DISABLEACCOUNTJSON",
  "ENABLEACCOUNTJSON",
  "GRANTACCESSJSON",
  "REVOKEACCESSJSON",
  "CHANGEPASSJSON",
  "UPDATEUSERJSON",
  "TICKETSTATUSJSON",
  "MODIFYUSERDATAJSON",
] as const;

export type RestAttributeName = (typeof REST_ATTRIBUTES)[number];

/** The attributes savpkg renders for inContact (the rest are written as ""). */
export const RENDERED_ATTRIBUTES = [
  "ConnectionJSON",
  "ImportAccountEntJSON",
  "CreateAccountJSON",
  "UpdateAccountJSON",
  "EnableAccountJSON",
  "DisableAccountJSON",
  "AddAccessJSON",
  "RemoveAccessJSON",
] as const satisfies readonly RestAttributeName[];

export type RenderedAttributeName = (typeof RENDERED_ATTRIBUTES)[number];

/** Attributes that carry credentials: never plaintext inside a package (docs/saviynt-rest-format.md#encryption). */
export const SECRET_ATTRIBUTES: ReadonlySet<string> = new Set(["ConnectionJSON", "CONNECTIONJSON"]);

/** `yyyy-MM-dd_HH-mm-ss` in UTC, the stamp in both entry names (docs/saviynt-rest-format.md#zip-layout). */
export function entryStamp(date: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    `${p(date.getUTCFullYear(), 4)}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}_` +
    `${p(date.getUTCHours())}-${p(date.getUTCMinutes())}-${p(date.getUTCSeconds())}`
  );
}

/** `yyyy-MM-dd HH:mm:ss` in UTC, the ObjectSummary "Exported On" value (docs/saviynt-rest-format.md#object-summary). */
export function exportedOnText(date: Date): string {
  return entryStamp(date).replace("_", " ").replace(/-(\d\d)-(\d\d)$/, ":$1:$2");
}

export function objectSummaryEntryName(stamp: string): string {
  return `ObjectSummary_${stamp}(UTC).json`;
}

export function connectionEntryName(stamp: string): string {
  return `Connection_${stamp}(UTC).json`;
}

/** Matches either root entry name and captures kind and stamp. */
export const ENTRY_NAME_PATTERN = /^(ObjectSummary|Connection)_(\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d)\(UTC\)\.json$/;

/** Escapes every non-ASCII code unit so package files are pure ASCII (docs/saviynt-rest-format.md#encoding). */
function asciiOnly(json: string): string {
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * An attribute document as the exporter stores it: 2-space pretty JSON with CRLF line ends,
 * ASCII only (docs/saviynt-rest-format.md#encoding). The value is already canonical (parsed and re-serialised).
 */
export function serializeAttributeValue(value: unknown): string {
  return asciiOnly(JSON.stringify(value, null, 2)).replace(/\n/g, "\r\n");
}

/**
 * A package file in the exporter's style: 2-space indentation, LF, no final newline, and arrays
 * opened on the line after `"key": ` (with its trailing space), as in every native export.
 */
export function serializeNativeFile(value: unknown): string {
  return asciiOnly(nativeJson(value, ""));
}

function nativeJson(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = indent + "  ";
    return `[\n${value.map((v) => inner + nativeJson(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    const inner = indent + "  ";
    const lines = entries.map(([k, v]) => {
      const key = `${inner}${JSON.stringify(k)}: `;
      return Array.isArray(v) && v.length > 0 ? `${key}\n${inner}${nativeJson(v, inner)}` : key + nativeJson(v, inner);
    });
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** A package's metadata besides its documents (the tenant's `package` section; a PackSource). */
export interface PackageMetadata {
  /** ObjectSummary "Exported By" and "System" (section 5.2). */
  exportedBy: string;
  system: string;
  /** Package time (RFC 3339) for the stamps and "Exported On". */
  exportedAt?: string;
  /** An encrypted ConnectionJSON passed through (section 5.6). */
  connectionJsonCiphertext?: string;
  /** Passed through from an export (adopt): the connection's template, its encrypted data, and other fields that differ from the defaults (section 5.3). */
  templateName?: string;
  templateMandatoryData?: string;
  connectionFields?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface ObjectSummaryInput {
  connectionName: string;
  guid: string;
  exportedBy: string;
  exportedOn: Date;
  system: string;
}

/** ObjectSummary_*.json with the exporter's fixed key order (docs/saviynt-rest-format.md#object-summary). */
export function buildObjectSummary(input: ObjectSummaryInput): Record<string, unknown> {
  return {
    Objects: { connection: [input.connectionName] },
    Information: {
      GUID: input.guid,
      "Exported By": input.exportedBy,
      "Exported On": exportedOnText(input.exportedOn),
      System: input.system,
      TransferOwners: "0",
      TransferUsers: "0",
    },
  };
}

export interface ConnectionFileInput {
  name: string;
  description: string;
  /** Attribute name -> stored string ("" for unused ones). Must cover REST_ATTRIBUTES. */
  attributes: ReadonlyMap<string, string>;
  /**
   * Connection fields that differ from the exporter defaults (templateName, status, …), passed
   * through from an export: a known field keeps its place, any other goes before EXTERNAL_ATTR.
   */
  fields?: Readonly<Record<string, unknown>>;
}

/** Connection_*.json: one key (the connection name) -> connection object, EXTERNAL_ATTR last (docs/saviynt-rest-format.md#connection-file). */
export function buildConnectionFile(input: ConnectionFileInput): Record<string, unknown> {
  return {
    [input.name]: {
      ...connectionFields(input),
      EXTERNAL_ATTR: REST_ATTRIBUTES.map((attributename) => ({
        attributename,
        encryptedattributevalue: input.attributes.get(attributename) ?? "",
        formdata: null,
        credentialSaveStatus: false,
      })),
    },
  };
}

/** The connection's fields without EXTERNAL_ATTR: exporter defaults, then the passed-through ones. */
export function connectionFields(input: ConnectionFileInput): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    connectionname: input.name,
    connectiondescription: input.description,
    externalconnectiontype: "REST",
    status: 1,
    statusForEnableDisable: 1,
    templateName: null,
    templateMandatoryData: null,
    connectorms: false,
    msconnectorversion: null,
    connectorType: null,
    sslCertificate: null,
    sslCertificateId: null,
    vaultConfig: null,
    vaultCredentialConnection: null,
    credentialChangeConfig: null,
  };
  for (const [key, value] of Object.entries(input.fields ?? {})) {
    // Own data property even for "__proto__": field names come from an export.
    Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return fields;
}
