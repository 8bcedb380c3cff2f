/**
 * The fake EIC's connections: create-or-update by testConnection (merge or replace), attribute
 * JSON re-serialised the way a real tenant stores it, ConnectionJSON kept but only ever shown
 * as an opaque ciphertext-like value (saviynt-eic-api §4.3, §4.4, §5.1).
 */
import { createHash } from "node:crypto";
import type { EicVersion, FakeEicKnobs } from "./knobs.js";

/** REST attribute names per release (§4.3); written as one line each so the list reads as data. */
const BASE_ATTRIBUTES = (
  "ConnectionJSON ImportUserJSON ImportAccountEntJSON STATUS_THRESHOLD_CONFIG CreateAccountJSON UpdateAccountJSON " +
  "EnableAccountJSON DisableAccountJSON AddAccessJSON RemoveAccessJSON UpdateUserJSON ChangePassJSON RemoveAccountJSON " +
  "TicketStatusJSON CreateTicketJSON ENDPOINTS_FILTER PasswdPolicyJSON ConfigJSON AddFFIDAccessJSON RemoveFFIDAccessJSON " +
  "MODIFYUSERDATAJSON SendOtpJSON ValidateOtpJSON PAM_CONFIG"
).split(" ");
const ATTRIBUTES_25B = "ApplicationDiscoveryJSON CreateEntitlementJSON DeleteEntitlementJSON UpdateEntitlementJSON".split(" ");
const ATTRIBUTES_25C = ["AppType"];

export function attributesOf(version: EicVersion): string[] {
  const later = version === "25.B" || version === "25.C";
  return [...BASE_ATTRIBUTES, ...(later ? ATTRIBUTES_25B : []), ...(version === "25.C" ? ATTRIBUTES_25C : [])];
}

/** Fields of testConnection that are not attributes (§5.2), lower-cased. */
export const BASE_FIELDS = new Set([
  "connectionname",
  "connectiontype",
  "connectionkey",
  "description",
  "defaultsavroles",
  "defaultsavrole",
  "emailtemplate",
  "sslcertificate",
  "vaultconnection",
  "vaultconfiguration",
  "saveinvault",
  "saveconnection",
  "systemname",
]);

/** Attributes that may hold plain text rather than JSON (§5.2). */
const PLAIN_TEXT_ALLOWED = new Set(["PasswdPolicyJSON", "ENDPOINTS_FILTER", "AppType"]);

export function mustParseAsJson(attribute: string): boolean {
  return /JSON$/i.test(attribute) && !PLAIN_TEXT_ALLOWED.has(attribute);
}

export interface StoredConnection {
  key: number;
  name: string;
  type: string;
  description: string;
  /** Attribute (canonical name) → stored text. Never-set attributes are absent. */
  attributes: Map<string, string>;
  createdBy: string;
  createdOn: string;
  updatedBy: string;
  updatedOn: string;
}

/** JSON text → compact, keys sorted at every level (what the tenant hands back after a save). */
export function reserialize(text: string): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sort) : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sort(x)])) : v;
  return JSON.stringify(sort(JSON.parse(text)));
}

/**
 * A stand-in for the encrypted value: base64 of whole 16-byte blocks, derived from the content
 * and a per-server key, so equal content reads back equal and a change reads back different.
 */
export function pseudoCiphertext(text: string, serverKey: string): string {
  const blocks = Math.max(1, Math.ceil((Buffer.byteLength(text) + 1) / 16));
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < blocks * 16; i++) out.push(createHash("sha256").update(`${serverKey}\u0000${i}\u0000${text}`).digest());
  return Buffer.concat(out).subarray(0, blocks * 16).toString("base64");
}

export class ConnectionStore {
  private readonly byKey = new Map<number, StoredConnection>();
  private nextKey = 1000;

  list(): StoredConnection[] {
    return [...this.byKey.values()].sort((a, b) => a.key - b.key);
  }

  find(ref: { name?: string; key?: number }): StoredConnection | undefined {
    if (ref.key !== undefined) return this.byKey.get(ref.key);
    return this.list().find((c) => c.name === ref.name);
  }

  /**
   * Create (name unknown) or update (merge or replace per knobs). `attributes` holds canonical
   * attribute names and the text as sent; it was checked by the caller.
   */
  save(target: StoredConnection | undefined, input: { name: string; type: string; description?: string; attributes: Map<string, string> }, who: string, now: string, knobs: FakeEicKnobs): StoredConnection {
    const stored = (text: string, attribute: string) => (knobs.reserialize === "compact-sorted" && mustParseAsJson(attribute) ? reserialize(text) : text);
    let connection = target;
    if (!connection) {
      connection = { key: this.nextKey++, name: input.name, type: input.type, description: "", attributes: new Map(), createdBy: who, createdOn: now, updatedBy: who, updatedOn: now };
      this.byKey.set(connection.key, connection);
    } else if (knobs.updateMode === "replace") {
      connection.attributes.clear();
    }
    if (input.description !== undefined) connection.description = input.description;
    for (const [attribute, text] of input.attributes) {
      if (text === "") {
        if (knobs.emptyStringClears) connection.attributes.delete(attribute);
      } else connection.attributes.set(attribute, stored(text, attribute));
    }
    connection.updatedBy = who;
    connection.updatedOn = now;
    return connection;
  }
}
