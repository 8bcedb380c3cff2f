/**
 * readPackage on what real exports contain (docs/saviynt-rest-format.md#t2p): the official fixture,
 * our own packages, and export-shaped fixtures of other connectors. Each folder under
 * test/fixtures/read/ is a case (adding one adds a test): case.json names the input (the official
 * zip or an export.json described package), the expected fatality and diagnostic codes; inspect
 * text/JSON, the unpack plan and the lint findings are golden files next to it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { formatInspectJson, formatInspectText, inspectPackage } from "../src/package/inspect.js";
import type { PackageModel } from "../src/package/model.js";
import { Binding, findDuplicateKeys, looksLikeCiphertext, parseJsonWithBindings, readPackage } from "../src/package/read.js";
import { planUnpack } from "../src/package/unpack.js";
import { lintPackage } from "../src/package/lint.js";
import { formatDiagnosticsText } from "../src/core/format.js";
import { buildExport, buildOurPackage, officialZip, repoRoot, zipWithArchiver, type ExportSpec, type OurPackageSpec } from "./helpers/pkg-zip.js";
import { rawZip } from "./helpers/raw-zip.js";

const casesDir = resolve(repoRoot, "test/fixtures/read");

interface ReadCase {
  description: string;
  zip?: "official";
  export?: string;
  fatal: boolean;
  codes: string[];
}

async function caseBytes(dir: string, c: ReadCase): Promise<Buffer> {
  if (c.zip === "official") return officialZip();
  const spec = JSON.parse(readFileSync(join(dir, c.export ?? "export.json"), "utf8")) as ExportSpec;
  return buildExport(spec);
}

function unpackText(model: PackageModel): string {
  return planUnpack(model)
    .map((f) => `=== ${f.path}${f.secret ? " (secret)" : ""}\n${f.content}${f.content.endsWith("\n") ? "" : "\n"}`)
    .join("");
}

describe("golden read cases (test/fixtures/read/<case>)", () => {
  const names = readdirSync(casesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
    .map((d) => d.name)
    .sort();
  test("there are cases", () => expect(names.length).toBeGreaterThanOrEqual(6));
  test.each(names)("%s", async (name) => {
    const dir = join(casesDir, name);
    const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as ReadCase;
    const result = await readPackage(await caseBytes(dir, c), { source: `${name}.zip` });
    expect(result.fatal).toBe(c.fatal);
    expect([...new Set(result.diagnostics.map((d) => d.code))].sort()).toEqual([...c.codes].sort());
    const model = result.model!;
    const report = inspectPackage(model, result.diagnostics);
    await expect(formatInspectText(report)).toMatchFileSnapshot(join(dir, "inspect.txt"));
    await expect(formatInspectJson(report)).toMatchFileSnapshot(join(dir, "inspect.json"));
    await expect(unpackText(model)).toMatchFileSnapshot(join(dir, "unpack.txt"));
    await expect(formatDiagnosticsText(lintPackage(model, result.diagnostics))).toMatchFileSnapshot(join(dir, "lint.txt"));
  });
});

describe("the official fixture", () => {
  test("reads every field the model carries", async () => {
    const { model, diagnostics, fatal } = await readPackage(officialZip(), { source: "INCONTACT.zip" });
    expect(fatal).toBe(false);
    expect(diagnostics).toEqual([]);
    expect(model!.source).toBe("INCONTACT.zip");
    expect(model!.entries.map((e) => [e.name, e.kind, e.method])).toEqual([
      ["ObjectSummary_2023-07-07_09-54-32(UTC).json", "object-summary", 8],
      ["Connection_2023-07-07_09-54-32(UTC).json", "connection", 8],
    ]);
    expect(model!.layout).toEqual({ folder: "", objectSummaryStamp: "2023-07-07_09-54-32", connectionStamp: "2023-07-07_09-54-32", macosEntries: 0, directoryEntries: 0 });
    expect(model!.summary).toMatchObject({ guid: "60bddbdc-75e8-4978-b522-5d038d238559", exportedBy: "admin", exportedOn: "2023-07-07 09:54:17", system: "scrum-exchange.saviyntcloud.com", connectionNames: ["Incontact"] });
    const c = model!.connection;
    expect([c.key, c.name, c.type, c.description, c.fields.templateName]).toEqual(["Incontact", "Incontact", "REST", "", "INCONTACT"]);
    expect(c.attributes).toHaveLength(24);
    const byName = new Map(c.attributes.map((a) => [a.name, a]));
    expect(byName.get("ConnectionJSON")).toMatchObject({ state: "ciphertext", size: 1560 });
    expect(c.attributes.filter((a) => a.state === "json").map((a) => a.name)).toEqual([
      "ImportAccountEntJSON",
      "CreateAccountJSON",
      "UpdateAccountJSON",
      "EnableAccountJSON",
      "DisableAccountJSON",
      "AddAccessJSON",
      "RemoveAccessJSON",
    ]);
    expect(c.attributes.filter((a) => a.state === "empty")).toHaveLength(16);
    expect((byName.get("AddAccessJSON")!.json as { call: { httpParams: string }[] }).call[0]!.httpParams).toBe('{"agents":[{"agentId": ${account.accountID}}]}');
    expect(byName.get("ImportAccountEntJSON")!.extra).toEqual({ formdata: null, credentialSaveStatus: false });
  });
});

const ours: OurPackageSpec = {
  connection: { name: "InContact_DEV", description: "CXone BU 4600123" },
  summary: { guid: "9c3f2a1e-7b4d-4e8a-9f61-2d5c8b7a6e10", exportedBy: "release-bot", exportedOn: "2024-03-01T12:00:00Z", system: "acme-dev.saviyntcloud.com" },
  attributes: {
    CreateAccountJSON: { call: [{ name: "call1", url: "https://api-na1.niceincontact.com/inContactAPI/services/v34.0/agents", httpMethod: "POST", httpParams: '{"agents":[{"firstName":"${user.firstname}"}]}' }] },
    AddAccessJSON: { call: [{ name: "Teams", httpParams: '{"agents":[{"agentId": ${account.accountID}}]}' }] },
  },
};

describe("our packages", () => {
  test("read back exactly what the builders wrote", async () => {
    const { model, diagnostics, fatal } = await readPackage(await buildOurPackage(ours));
    expect(fatal).toBe(false);
    expect(diagnostics).toEqual([]);
    expect(model!.summary).toMatchObject({ exportedBy: "release-bot", exportedOn: "2024-03-01 12:00:00", system: "acme-dev.saviyntcloud.com", connectionNames: ["InContact_DEV"] });
    expect(model!.layout.connectionStamp).toBe("2024-03-01_12-00-00");
    const c = model!.connection;
    expect([c.key, c.name, c.type, c.description]).toEqual(["InContact_DEV", "InContact_DEV", "REST", "CXone BU 4600123"]);
    expect(c.attributes.map((a) => a.state).filter((s) => s !== "empty")).toEqual(["json", "json"]);
    expect(c.attributes.find((a) => a.name === "ConnectionJSON")!.state).toBe("empty");
    expect(c.attributes.find((a) => a.name === "CreateAccountJSON")!.json).toEqual(ours.attributes.CreateAccountJSON);
    expect(c.attributes.find((a) => a.name === "CreateAccountJSON")!.raw).toContain("\r\n");
  });
});

/** Minimal valid files for package-level cases. */
function files(opts: { summary?: unknown; connection?: unknown; stamp?: string } = {}) {
  const stamp = opts.stamp ?? "2024-01-01_00-00-00";
  const summary = opts.summary ?? { Objects: { connection: ["X"] }, Information: { GUID: "g", "Exported By": "admin", "Exported On": "2024-01-01 00:00:00", System: "s" } };
  const connection = opts.connection ?? { X: { connectionname: "X", externalconnectiontype: "CUSTOM", EXTERNAL_ATTR: [{ attributename: "ImportAccountEntJSON", encryptedattributevalue: "{}" }] } };
  return [
    { name: `ObjectSummary_${stamp}(UTC).json`, data: JSON.stringify(summary) },
    { name: `Connection_${stamp}(UTC).json`, data: typeof connection === "string" ? connection : JSON.stringify(connection) },
  ];
}

const codes = (r: { diagnostics: { code: string }[] }) => r.diagnostics.map((d) => d.code);

describe("package layer", () => {
  test("no Connection file is fatal", async () => {
    const r = await readPackage(await zipWithArchiver([files()[0]!]));
    expect(r.fatal).toBe(true);
    expect(codes(r)).toEqual(["PKG_LAYOUT"]);
  });
  test("two Connection files are fatal", async () => {
    const f = files();
    const r = await readPackage(await zipWithArchiver([...f, { name: "Connection_2024-01-01_00-00-01(UTC).json", data: f[1]!.data }]));
    expect(r.fatal).toBe(true);
    expect(r.diagnostics[0]!.message).toMatch(/2 Connection/);
  });
  test("a Connection file that is not JSON is fatal, with line and column and without quoting it", async () => {
    const r = await readPackage(await zipWithArchiver(files({ connection: '{"X": {"secret": "hunter2",}}' })));
    expect(r.fatal).toBe(true);
    expect(codes(r)).toEqual(["PKG_JSON_INVALID"]);
    expect(r.diagnostics[0]!.message).toMatch(/line 1, column \d+/);
    expect(r.diagnostics[0]!.message).not.toContain("hunter2");
  });
  test("a missing ObjectSummary is an error, the connection is still read", async () => {
    const r = await readPackage(await zipWithArchiver([files()[1]!]));
    expect(r.fatal).toBe(false);
    expect(codes(r)).toEqual(["PKG_LAYOUT"]);
    expect(r.model!.summary).toBeNull();
  });
  test("names that disagree are reported", async () => {
    const r = await readPackage(await zipWithArchiver(files({ connection: { X: { connectionname: "Y", EXTERNAL_ATTR: [] } }, summary: { Objects: { connection: ["Z"] }, Information: {} } })));
    expect(codes(r).filter((c) => c === "PKG_NAME_MISMATCH")).toHaveLength(2);
  });
  test("duplicate and unknown attributes, missing ones, non-string values", async () => {
    const attrs = [
      { attributename: "ConnectionJSON", encryptedattributevalue: "" },
      { attributename: "ConnectionJSON", encryptedattributevalue: "" },
      { attributename: "FancyNewJSON", encryptedattributevalue: "" },
      { attributename: "ImportAccountEntJSON", encryptedattributevalue: { not: "a string" } },
      { nope: 1 },
    ];
    const r = await readPackage(await zipWithArchiver(files({ connection: { X: { connectionname: "X", externalconnectiontype: "REST", EXTERNAL_ATTR: attrs } } })));
    expect(r.fatal).toBe(false);
    const messages = r.diagnostics.filter((d) => d.code === "PKG_ATTRIBUTES").map((d) => `${d.severity}: ${d.message}`);
    expect(messages).toEqual([
      "error: attribute ConnectionJSON appears twice in EXTERNAL_ATTR",
      "error: attribute ImportAccountEntJSON holds a object instead of a string",
      "error: EXTERNAL_ATTR[4] is not an attribute item with an attributename",
      "warning: attributes unknown to a REST connection: FancyNewJSON",
      expect.stringMatching(/^warning: REST attributes missing from EXTERNAL_ATTR: ImportUserJSON, STATUS_THRESHOLD_CONFIG, /),
    ]);
  });
  test("a second connection in one file is an error; the first is read", async () => {
    const r = await readPackage(await zipWithArchiver(files({ connection: { X: { connectionname: "X", EXTERNAL_ATTR: [] }, Y: { connectionname: "Y", EXTERNAL_ATTR: [] } } })));
    expect(r.fatal).toBe(false);
    expect(r.model!.connection.key).toBe("X");
    expect(r.diagnostics.some((d) => d.code === "PKG_LAYOUT" && /2 connections/.test(d.message))).toBe(true);
  });
  test("non-ASCII package files and duplicate keys are warned about", async () => {
    const connection = '{"X": {"connectionname": "X", "connectiondescription": "Zürich", "status": 1, "status": 0, "EXTERNAL_ATTR": []}}';
    const r = await readPackage(await zipWithArchiver(files({ connection })));
    expect(r.fatal).toBe(false);
    expect(codes(r)).toEqual(["PKG_NON_ASCII", "PKG_JSON_INVALID"]);
    expect(r.diagnostics[1]).toMatchObject({ severity: "warning", path: "X" });
    expect(r.model!.connection.description).toBe("Zürich");
  });
  test("unexpected entries, a stamp mismatch and non-native names are tolerated with warnings", async () => {
    const f = files();
    const r = await readPackage(await zipWithArchiver([{ name: "ObjectSummary_2024-01-01_00-00-09(UTC).json", data: f[0]!.data }, f[1]!, { name: "README.txt", data: "hi" }]));
    expect(r.fatal).toBe(false);
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      'ignored unexpected entry "README.txt"',
      "entry-name stamps differ (2024-01-01_00-00-09 vs 2024-01-01_00-00-00)",
    ]);
    const renamed = await readPackage(await zipWithArchiver([{ name: "ObjectSummary.json", data: f[0]!.data }, f[1]!]));
    expect(renamed.model!.layout.objectSummaryStamp).toBeNull();
    expect(renamed.diagnostics.map((d) => d.code)).toEqual(["PKG_LAYOUT_WARNING"]);
  });
  test("ASCII names without the UTF-8 flag (re-zipped ObjectSummary) are fine", async () => {
    const f = files();
    const r = await readPackage(rawZip(f.map((x) => ({ ...x, flags: 0, method: 8 }))));
    expect(r.fatal).toBe(false);
    expect(r.diagnostics).toEqual([]);
  });
  test("attribute states", async () => {
    const value = (v: string | null) => ({ attributename: "ImportAccountEntJSON", encryptedattributevalue: v });
    const states = [];
    for (const v of ["", null, "{}", "[1]", "{\"a\":", "W0BQwICJgA4QnMUdMobNxg==", "plain words", "\uFEFF{\"a\":1}"]) {
      const r = await readPackage(await zipWithArchiver(files({ connection: { X: { connectionname: "X", externalconnectiontype: "CUSTOM", EXTERNAL_ATTR: [value(v)] } } })));
      states.push(r.model!.connection.attributes[0]!.state);
    }
    expect(states).toEqual(["empty", "null", "json", "json", "invalid-json", "ciphertext", "invalid-json", "json"]);
  });
});

describe("JSON helpers", () => {
  test("parseJsonWithBindings keeps unquoted bindings", () => {
    const r = parseJsonWithBindings('{"agents":[{"agentId": ${account.accountID}, "team": ${a ? "x" : "{y}"}}], "name": "${user.firstname}"}');
    expect(r.ok).toBe(true);
    const v = (r as { value: { agents: { agentId: Binding; team: Binding }[]; name: string } }).value;
    expect(v.agents[0]!.agentId).toBeInstanceOf(Binding);
    expect(v.agents[0]!.agentId.expression).toBe("${account.accountID}");
    expect(v.agents[0]!.team.expression).toBe('${a ? "x" : "{y}"}');
    expect(v.name).toBe("${user.firstname}");
  });
  test("parseJsonWithBindings still rejects broken JSON", () => {
    expect(parseJsonWithBindings('{"a": ${x}}}').ok).toBe(false);
    expect(parseJsonWithBindings('{"a": ${user.phonenumber}').ok).toBe(false);
    expect(parseJsonWithBindings('{"a": ${unclosed').ok).toBe(false);
  });
  test("findDuplicateKeys names the object", () => {
    expect(findDuplicateKeys('{"a": {"b": 1, "c": [{"d": 1, "d": 2}], "b": 3}, "e": "x,\\"y"}')).toEqual([
      { key: "d", path: "a.c[0]" },
      { key: "b", path: "a" },
    ]);
    expect(findDuplicateKeys('{"a b": {"x": 1, "x": 1}}')).toEqual([{ key: "x", path: '["a b"]' }]);
  });
  test("looksLikeCiphertext", () => {
    expect(looksLikeCiphertext("W0BQwICJgA4QnMUdMobNxg==")).toBe(true);
    expect(looksLikeCiphertext("W0BQwICJgA4QnMUdMobNxgAB")).toBe(false);
    expect(looksLikeCiphertext("yyyy-MM-dd")).toBe(false);
  });
});

describe("inspect", () => {
  test("never prints an attribute value", async () => {
    const spec = JSON.parse(readFileSync(join(casesDir, "plaintext-connectionjson/export.json"), "utf8")) as ExportSpec;
    const r = await readPackage(await buildExport(spec));
    const report = inspectPackage(r.model!, r.diagnostics);
    for (const out of [formatInspectText(report), formatInspectText(report, { color: true }), formatInspectJson(report)]) {
      expect(out).not.toContain("FIXTURE-");
      expect(out).not.toContain("RklYVFVSRS1CQVNJQy1DUkVE");
    }
  });
  test("escapes control and bidi characters from the package", async () => {
    const evil = "x\u001b]0;pwned\u0007\u009b2J\u202eevil";
    const connection = { [evil]: { connectionname: evil, connectiondescription: evil, EXTERNAL_ATTR: [{ attributename: evil, encryptedattributevalue: "" }] } };
    const r = await readPackage(await zipWithArchiver([{ name: "Connection_2024-01-01_00-00-00(UTC).json", data: JSON.stringify(connection) }]));
    const report = inspectPackage(r.model!, r.diagnostics);
    for (const out of [formatInspectText(report), formatInspectJson(report)]) expect(out).not.toMatch(/[\u0007\u001b\u009b\u202e]/);
    expect(JSON.parse(formatInspectJson(report)).connection.name).toBe(evil);
  });
});
