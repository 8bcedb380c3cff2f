/**
 * The built zip has the native T2P layout of docs/saviynt-rest-format.md#t2p: two root entries with
 * one stamp, one connection whose key = connectionname = Objects.connection[0], 24 attributes in
 * exporter order, ConnectionJSON "", formdata null, credentialSaveStatus false, LF files without a
 * final newline, CRLF pretty inner documents, pure ASCII, fixed mode and DOS time.
 */
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { REST_ATTRIBUTES, RENDERED_ATTRIBUTES } from "../src/saviynt/t2p.js";
import { readConnection, type ZipEntryBytes } from "./helpers/zip-entries.js";

const repo = resolve(import.meta.dirname, "..");

describe.each([
  ["acme-dev", "1985-10-26_08-15-00", "InContact_DEV"],
  ["acme-prod", "2026-11-02_09-30-00", "InContact_PROD"],
])("%s package layout", (tenant, stamp, connectionName) => {
  let pkg: Awaited<ReturnType<typeof readConnection>>;
  let entries: ZipEntryBytes[];
  beforeAll(async () => {
    const result = await compileTenant(join(repo, `examples/tenants/${tenant}.yaml`), { cwd: repo });
    expect(result.diagnostics).toEqual([]);
    pkg = await readConnection(result.package!.zip);
    entries = pkg.entries;
  });

  test("two root entries with the same stamp, ObjectSummary first", () => {
    expect(entries.map((e) => e.name)).toEqual([`ObjectSummary_${stamp}(UTC).json`, `Connection_${stamp}(UTC).json`]);
  });

  test("entries are stored with mode 0644 and the package time as DOS time", () => {
    for (const e of entries) {
      expect(e.method).toBe(0);
      expect(e.mode).toBe(0o644);
      const [date, time] = stamp.split("_") as [string, string];
      const [y, mo, d] = date.split("-").map(Number) as [number, number, number];
      const [h, mi, s] = time.split("-").map(Number) as [number, number, number];
      expect(e.dosDate).toBe(((y - 1980) << 9) | (mo << 5) | d);
      expect(e.dosTime).toBe((h << 11) | (mi << 5) | Math.floor(s / 2));
    }
  });

  test("files are ASCII, LF-only, no final newline, arrays opened on the next line", () => {
    for (const e of entries) {
      const text = e.bytes.toString("latin1");
      expect(/^[\x00-\x7f]*$/.test(text)).toBe(true);
      expect(text.endsWith("\n")).toBe(false);
      expect(text.includes("\r")).toBe(false);
    }
    expect(entries[1]!.bytes.toString()).toContain(`"EXTERNAL_ATTR": \n    [\n      {`);
    expect(entries[0]!.bytes.toString()).toContain(`"connection": \n    [\n      "${connectionName}"\n    ]`);
  });

  test("one connection; its key, connectionname and ObjectSummary agree", () => {
    expect(pkg.key).toBe(connectionName);
    expect(pkg.connection.connectionname).toBe(connectionName);
    expect(pkg.summary.Objects.connection).toEqual([connectionName]);
    expect(Object.keys(pkg.summary.Information)).toEqual(["GUID", "Exported By", "Exported On", "System", "TransferOwners", "TransferUsers"]);
    expect(pkg.summary.Information.GUID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(pkg.summary.Information["Exported On"]).toBe(stamp.replace("_", " ").replace(/-(\d\d)-(\d\d)$/, ":$1:$2"));
    expect(Object.keys(pkg.connection).at(-1)).toBe("EXTERNAL_ATTR");
    expect(pkg.connection.externalconnectiontype).toBe("REST");
    expect(pkg.connection.templateName).toBeNull();
  });

  test("24 attributes in native order, unused ones empty, ConnectionJSON never plaintext", () => {
    const items = pkg.connection.EXTERNAL_ATTR as Record<string, unknown>[];
    expect(items.map((i) => i.attributename)).toEqual([...REST_ATTRIBUTES]);
    for (const item of items) {
      expect(Object.keys(item).sort()).toEqual(["attributename", "credentialSaveStatus", "encryptedattributevalue", "formdata"]);
      expect(item.formdata).toBeNull();
      expect(item.credentialSaveStatus).toBe(false);
      const rendered = (RENDERED_ATTRIBUTES as readonly string[]).includes(item.attributename as string) && item.attributename !== "ConnectionJSON";
      if (!rendered) expect(item.encryptedattributevalue).toBe("");
      else {
        const value = item.encryptedattributevalue as string;
        expect(value).toContain("\r\n  ");
        expect(value.replace(/\r\n/g, "")).not.toContain("\n");
        expect(JSON.stringify(JSON.parse(value), null, 2).replace(/\n/g, "\r\n")).toBe(value);
      }
    }
    expect(items[0]!.encryptedattributevalue).toBe("");
  });
});
