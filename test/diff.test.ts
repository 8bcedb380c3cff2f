/**
 * Semantic diff (issue 5 item 4). Golden cases: each folder under test/fixtures/diff/ (not starting
 * with "_") holds case.json — two package recipes and whether they are the same — and the expected
 * text / JSON / Markdown outputs. Recipes: `official` (the official fixture), `ours:<spec>` (an
 * our-style package built with the src/t2p.ts builders), `export:<spec>` (an export-shaped
 * package), `zip:<path>` (a zip file), `tenant:<path>` (a tenant file compiled in memory, as the
 * CLI does), each optionally edited and re-zipped. Paths are relative to the case folder.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { diffPackages, formatPath, redactionMarker, type DiffResult } from "../src/package/diff.js";
import { formatDiffJson, formatDiffMarkdown, formatDiffText } from "../src/package/diff-format.js";
import type { PackageModel } from "../src/package/model.js";
import { readPackage } from "../src/package/read.js";
import { buildExport, buildOurPackage, officialZip, repack, repoRoot, type Edit, type ExportSpec, type OurPackageSpec, type Rezip } from "./helpers/pkg-zip.js";

const casesDir = resolve(repoRoot, "test/fixtures/diff");

interface Recipe {
  from: string;
  label: string;
  edits?: Edit[];
  rezip?: Rezip;
}

interface DiffCase {
  description: string;
  a: Recipe;
  b: Recipe;
  strict?: boolean;
  same: boolean;
}

async function baseBytes(dir: string, from: string): Promise<Buffer> {
  if (from === "official") return officialZip();
  const [kind, rel] = [from.slice(0, from.indexOf(":")), from.slice(from.indexOf(":") + 1)];
  const path = resolve(dir, rel);
  if (kind === "ours") return buildOurPackage(JSON.parse(readFileSync(path, "utf8")) as OurPackageSpec);
  if (kind === "export") return buildExport(JSON.parse(readFileSync(path, "utf8")) as ExportSpec);
  if (kind === "zip") return readFileSync(path);
  if (kind === "tenant") {
    // What the CLI does for a tenant argument: compile it in memory, then read the zip like any other.
    const compiled = await compileTenant(path, { cwd: repoRoot });
    expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    return compiled.package!.zip;
  }
  throw new Error(`unknown recipe ${from}`);
}

async function load(dir: string, recipe: Recipe): Promise<PackageModel> {
  let bytes = await baseBytes(dir, recipe.from);
  if (recipe.edits || recipe.rezip) {
    const first = await readPackage(bytes);
    bytes = await repack(first.model!, recipe.edits ?? [], recipe.rezip ?? {});
  }
  const result = await readPackage(bytes, { source: recipe.label });
  expect(result.fatal, JSON.stringify(result.diagnostics)).toBe(false);
  return result.model!;
}

describe("golden diff cases (test/fixtures/diff/<case>)", () => {
  const names = readdirSync(casesDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith("_"))
    .map((d) => d.name)
    .sort();
  test("there are cases", () => expect(names.length).toBeGreaterThanOrEqual(8));
  test.each(names)("%s", async (name) => {
    const dir = join(casesDir, name);
    const c = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as DiffCase;
    const result = diffPackages(await load(dir, c.a), await load(dir, c.b), { strict: c.strict === true });
    expect(result.same).toBe(c.same);
    await expect(formatDiffText(result)).toMatchFileSnapshot(join(dir, "expected.txt"));
    await expect(formatDiffJson(result)).toMatchFileSnapshot(join(dir, "expected.json"));
    await expect(formatDiffMarkdown(result)).toMatchFileSnapshot(join(dir, "expected.md"));
  });
});

const acme = JSON.parse(readFileSync(join(casesDir, "_sources/acme-dev.json"), "utf8")) as OurPackageSpec;

async function ourModel(spec: OurPackageSpec, source?: string): Promise<PackageModel> {
  const r = await readPackage(await buildOurPackage(spec), source !== undefined ? { source } : {});
  return r.model!;
}

function withAttributes(spec: OurPackageSpec, attributes: Record<string, unknown>, raw?: Record<string, string | null>): OurPackageSpec {
  const copy = structuredClone(spec);
  Object.assign(copy.attributes, attributes);
  if (raw) copy.rawAttributes = raw;
  return copy;
}

describe("normalisation", () => {
  test("is symmetric: B vs A lists the same paths with old and new swapped", async () => {
    const a = await ourModel(acme);
    const b = (await readPackage(await buildOurPackage(JSON.parse(readFileSync(join(casesDir, "_sources/acme-prod.json"), "utf8")) as OurPackageSpec))).model!;
    const ab = diffPackages(a, b);
    const ba = diffPackages(b, a);
    const flip = { added: "removed", removed: "added", changed: "changed" } as const;
    const key = (r: DiffResult) => r.changes.map((c) => `${c.group} ${c.path} ${c.op}`).sort();
    expect(key(ba)).toEqual(ab.changes.map((c) => `${c.group} ${c.path} ${flip[c.op]}`).sort());
  });
  test("quoted and unquoted bindings differ; the same binding in different whitespace does not", async () => {
    const body = (httpParams: string) => withAttributes(acme, { AddAccessJSON: { call: [{ name: "Teams", httpParams }] } });
    const base = await ourModel(body('{"agents":[{"agentId": ${account.accountID}}]}'));
    const spaced = await ourModel(body('{ "agents" : [ {\r\n\t"agentId" :${account.accountID} } ] }'));
    const quoted = await ourModel(body('{"agents":[{"agentId": "${account.accountID}"}]}'));
    expect(diffPackages(base, spaced).same).toBe(true);
    const d = diffPackages(base, quoted);
    expect(d.changes).toEqual([
      {
        scope: "attribute",
        group: "AddAccessJSON",
        op: "changed",
        path: "call[0].httpParams.agents[0].agentId",
        segments: ["call", 0, "httpParams", "agents", 0, "agentId"],
        old: { $binding: "${account.accountID}" },
        new: "${account.accountID}",
        oldText: "${account.accountID}",
        newText: '"${account.accountID}"',
      },
    ]);
  });
  test("a JSON string and the same value as an object differ (httpParams-object defect)", async () => {
    const a = await ourModel(withAttributes(acme, { EnableAccountJSON: { call: [{ httpParams: '{"isActive":true}' }] } }));
    const b = await ourModel(withAttributes(acme, { EnableAccountJSON: { call: [{ httpParams: { isActive: true } }] } }));
    const d = diffPackages(a, b);
    expect(d.changes.map((c) => [c.path, c.oldText, c.newText])).toEqual([["call[0].httpParams", '"{\\"isActive\\": true}"', '{"isActive": true}']]);
  });
  test("an unparseable body is compared as text, CRLF and outer spaces ignored", async () => {
    const body = (httpParams: string) => withAttributes(acme, { EnableAccountJSON: { call: [{ httpParams }] } });
    const a = await ourModel(body('{"a": 1}}'));
    expect(diffPackages(a, await ourModel(body('{"a": 1}}'))).same).toBe(true);
    const d = diffPackages(a, await ourModel(body('{"a": 2}}')));
    expect(d.changes.map((c) => c.path)).toEqual(["call[0].httpParams"]);
  });
  test("an invalid attribute on both sides is compared by content when bindings make it parse", async () => {
    const raw = (v: string) => withAttributes(acme, {}, { UpdateUserJSON: v });
    const a = await ourModel(raw('{"batchSize": ${x}, "k": 1}'));
    const b = await ourModel(raw('{ "k": 1, "batchSize": ${x} }'));
    expect(diffPackages(a, b).same).toBe(true);
  });
  test("empty, null and absent attributes are the same unless strict", async () => {
    const a = await ourModel(acme);
    const b = await ourModel(withAttributes(acme, {}, { ConfigJSON: null, PAM_CONFIG: null }));
    expect(diffPackages(a, b).same).toBe(true);
    const strict = diffPackages(a, b, { strict: true });
    expect(strict.changes.filter((c) => c.scope === "attribute").map((c) => [c.group, c.oldText, c.newText])).toEqual([
      ["ConfigJSON", '""', "null"],
      ["PAM_CONFIG", '""', "null"],
    ]);
  });
  test("attribute order and GUID only count with strict", async () => {
    const a = await ourModel(acme);
    const m = structuredClone(a);
    m.connection.attributes.reverse();
    m.summary!.document.Information = { ...(m.summary!.document.Information as object), GUID: "other" };
    expect(diffPackages(a, m).same).toBe(true);
    expect(diffPackages(a, m).notes.map((n) => n.message)).toEqual(["ignored volatile differences: GUID, attribute order (--strict compares them)"]);
    expect(diffPackages(a, m, { strict: true }).changes.map((c) => `${c.group} ${c.path}`)).toEqual(["layout attributeOrder", "summary Information.GUID"]);
  });
  test("formatPath quotes keys that are not identifiers", () => {
    expect(formatPath(["Information", "Exported By"])).toBe('Information["Exported By"]');
    expect(formatPath(["a", 0, "b-c", 1])).toBe('a[0]["b-c"][1]');
    expect(formatPath(["(formdata)"])).toBe("(formdata)");
    expect(formatPath([])).toBe("");
  });
});

describe("ConnectionJSON", () => {
  const plain = (secret: string) => ({ authentications: { acctAuth: { authType: "oauth2", httpParams: { client_secret: secret } } } });
  const ciphertext = "W0BQwICJgA4QnMUdMobNxg==";
  test.each([
    ["empty vs plaintext", { ConnectionJSON: "" }, { ConnectionJSON: JSON.stringify(plain("x")) }, "not comparable: empty in A, plaintext in B"],
    ["encrypted vs plaintext", { ConnectionJSON: ciphertext }, { ConnectionJSON: JSON.stringify(plain("x")) }, "not comparable: encrypted (24 bytes) in A, plaintext in B"],
    ["encrypted vs empty", { ConnectionJSON: ciphertext }, { ConnectionJSON: "" }, "not comparable: encrypted (24 bytes) in A, empty in B"],
    ["null vs encrypted", { ConnectionJSON: null }, { ConnectionJSON: ciphertext }, "not comparable: null in A, encrypted (24 bytes) in B"],
  ])("%s is a note, not a difference", async (_, ra, rb, note) => {
    const d = diffPackages(await ourModel(withAttributes(acme, {}, ra)), await ourModel(withAttributes(acme, {}, rb)));
    expect(d.same).toBe(true);
    expect(d.notes).toEqual([{ scope: "attribute", group: "ConnectionJSON", message: note }]);
  });
  test("the same ciphertext is equal; another one is an opaque change", async () => {
    const a = await ourModel(withAttributes(acme, {}, { ConnectionJSON: ciphertext }));
    expect(diffPackages(a, await ourModel(withAttributes(acme, {}, { ConnectionJSON: ciphertext }))).same).toBe(true);
    const other = "AAECAwQFBgcICQoLDA0ODw==";
    const d = diffPackages(a, await ourModel(withAttributes(acme, {}, { ConnectionJSON: other })));
    expect(d.changes.map((c) => [c.group, c.path, c.oldText, c.newText])).toEqual([["ConnectionJSON", "", "‹ciphertext 24 bytes sha256:4229b2e0›", "‹ciphertext 24 bytes sha256:333baf9e›"]]);
  });
});

describe("redaction", () => {
  const CANARY_A = "CANARY-7f3a9c-secret-value-A";
  const CANARY_B = "CANARY-7f3a9c-secret-value-B";
  const canaryDoc = (c: string) => ({
    authentications: {
      acctAuth: {
        authType: "oauth2",
        url: `https://auth.example.com/token?client_secret=${c}`,
        httpMethod: "POST",
        httpParams: JSON.stringify({ grant_type: "password", username: `user-${c}`, password: c, client_id: `id-${c}`, client_secret: c }),
        httpHeaders: { Authorization: `Basic ${c}`, "X-Api-Key": c },
        properties: { userName: `svc-${c}`, password: c, IKEY: c, SKEY: c },
        accessToken: `Bearer ${c}`,
        refreshToken: c,
        refresh_token: c,
        jwtConfig: { key: c, jwtPayload: "{}" },
        ssl: { keyFilePassword: c },
        tokenType: "Bearer",
      },
      userAuth: { authType: "Basic", properties: { userName: c, password: c } },
    },
  });
  const provisioning = (c: string) => ({ call: [{ name: "call1", httpHeaders: { Authorization: `Basic ${c}` }, httpParams: JSON.stringify({ password: c, apiKey: c, name: "${user.firstname}" }) }] });

  test("canary secrets appear in no formatter output, while every change stays visible", async () => {
    const a = await ourModel(withAttributes(acme, { ImportUserJSON: provisioning(CANARY_A) }, { ConnectionJSON: JSON.stringify(canaryDoc(CANARY_A)) }), "a.zip");
    const b = await ourModel(withAttributes(acme, { ImportUserJSON: provisioning(CANARY_B) }, { ConnectionJSON: JSON.stringify(canaryDoc(CANARY_B)) }), "b.zip");
    for (const result of [diffPackages(a, b), diffPackages(a, b, { strict: true }), diffPackages(b, a)]) {
      expect(result.same).toBe(false);
      const outputs = [formatDiffText(result), formatDiffText(result, { color: true }), formatDiffJson(result), formatDiffMarkdown(result), JSON.stringify(result)];
      for (const out of outputs) {
        expect(out).not.toContain("CANARY");
        expect(out).not.toContain("7f3a9c");
      }
      // Every secret-bearing leaf changed, so each one must be reported (redacted on both sides).
      const paths = result.changes.filter((c) => c.group === "ConnectionJSON").map((c) => c.path);
      for (const p of [
        "authentications.acctAuth.url",
        "authentications.acctAuth.httpParams.username",
        "authentications.acctAuth.httpParams.password",
        "authentications.acctAuth.httpParams.client_secret",
        'authentications.acctAuth.httpHeaders["X-Api-Key"]',
        "authentications.acctAuth.httpHeaders.Authorization",
        "authentications.acctAuth.properties.SKEY",
        "authentications.acctAuth.accessToken",
        "authentications.acctAuth.refresh_token",
        "authentications.acctAuth.jwtConfig.key",
        "authentications.acctAuth.ssl.keyFilePassword",
        "authentications.userAuth.properties.userName",
      ]) {
        expect(paths).toContain(p);
      }
      expect(result.changes.filter((c) => c.group === "ImportUserJSON").map((c) => c.path)).toEqual([
        "call[0].httpHeaders.Authorization",
        "call[0].httpParams.password",
        "call[0].httpParams.apiKey",
      ]);
      for (const c of result.changes) {
        expect(c.oldText).toMatch(/^‹redacted sha256:[0-9a-f]{8}›$/);
        expect(c.newText).toMatch(/^‹redacted sha256:[0-9a-f]{8}›$/);
        expect(c.oldText).not.toBe(c.newText);
      }
    }
  });
  test("the marker is the first 8 hex digits of the value's sha256", async () => {
    expect(redactionMarker("x")).toBe("‹redacted sha256:2d711642›");
    const a = await ourModel(withAttributes(acme, {}, { ConnectionJSON: JSON.stringify({ authentications: { a: { accessToken: "x" } } }) }));
    const b = await ourModel(withAttributes(acme, {}, { ConnectionJSON: JSON.stringify({ authentications: { a: { accessToken: "y" } } }) }));
    expect(diffPackages(a, b).changes[0]!.oldText).toBe(redactionMarker("x"));
  });
  test("bindings, placeholders and non-secret settings stay visible", async () => {
    const doc = (v: Record<string, unknown>) => JSON.stringify({ authentications: { acctAuth: { authType: "oauth2", ...v } } });
    const a = await ourModel(withAttributes(acme, {}, { ConnectionJSON: doc({ tokenType: "Bearer", httpHeaders: { Authorization: "${access_token}" }, maxRefreshTryCount: 3, refreshToken: "@@CXONE_REFRESH_TOKEN@@" }) }));
    const b = await ourModel(withAttributes(acme, {}, { ConnectionJSON: doc({ tokenType: "", httpHeaders: { Authorization: "Bearer ${access_token}" }, maxRefreshTryCount: 5, refreshToken: "@@OTHER@@" }) }));
    expect(diffPackages(a, b).changes.map((c) => `${c.path}: ${c.oldText} → ${c.newText}`)).toEqual([
      'authentications.acctAuth.tokenType: "Bearer" → ""',
      'authentications.acctAuth.httpHeaders.Authorization: "${access_token}" → "Bearer ${access_token}"',
      "authentications.acctAuth.maxRefreshTryCount: 3 → 5",
      'authentications.acctAuth.refreshToken: "@@CXONE_REFRESH_TOKEN@@" → "@@OTHER@@"',
    ]);
  });
  test("a quoted literal hidden in a binding is still redacted", async () => {
    const doc = (p: string) => JSON.stringify({ authentications: { a: { password: p } } });
    const a = await ourModel(withAttributes(acme, {}, { ConnectionJSON: doc("${'CANARY-in-groovy'}") }));
    const b = await ourModel(withAttributes(acme, {}, { ConnectionJSON: doc("${'other'}") }));
    expect(formatDiffJson(diffPackages(a, b))).not.toContain("CANARY");
  });
  test("an unparseable plaintext ConnectionJSON is redacted whole", async () => {
    const a = await ourModel(withAttributes(acme, {}, { ConnectionJSON: '{"password": "CANARY-broken",' }));
    const b = await ourModel(withAttributes(acme, {}, { ConnectionJSON: '{"password": "other",' }));
    const d = diffPackages(a, b);
    expect(d.changes.map((c) => c.path)).toEqual([""]);
    expect(formatDiffText(d) + formatDiffJson(d) + formatDiffMarkdown(d)).not.toContain("CANARY");
  });
});

describe("formatters", () => {
  test("untrusted text cannot drive the terminal or break Markdown tables", async () => {
    const evil = "x\u001b[31m\u009b2J\u202e|`<b>";
    const a = await ourModel(acme);
    const b = await ourModel({ ...acme, connection: { name: acme.connection.name, description: evil } });
    const d = diffPackages(a, b);
    const text = formatDiffText(d);
    expect(text).not.toMatch(/[\u001b\u009b\u202e]/);
    const json = formatDiffJson(d);
    expect(json).not.toMatch(/[\u001b\u009b\u202e]/);
    expect(JSON.parse(json).groups[0].changes[0].new).toBe(evil);
    const row = formatDiffMarkdown(d)
      .split("\n")
      .find((l) => l.includes("connectiondescription"))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(6);
    expect(row).not.toContain("<b>");
  });
  test("colour only when asked", async () => {
    const d = diffPackages(await ourModel(acme), await ourModel({ ...acme, connection: { name: acme.connection.name, description: "changed" } }));
    expect(formatDiffText(d)).not.toContain("\u001b[");
    expect(formatDiffText(d, { color: true })).toContain("\u001b[");
  });
});

describe("hostile keys", () => {
  test('a "__proto__" key is read and compared like any other key', async () => {
    const a = await ourModel(withAttributes(acme, {}, { UpdateUserJSON: '{"__proto__": {"x": 1}, "k": 1}' }));
    const b = await ourModel(withAttributes(acme, {}, { UpdateUserJSON: '{"__proto__": {"x": 2}, "k": 1}' }));
    expect(Object.keys(a.connection.attributes.find((x) => x.name === "UpdateUserJSON")!.json as object)).toEqual(["__proto__", "k"]);
    expect(diffPackages(a, b).changes.map((c) => [c.path, c.oldText, c.newText])).toEqual([["__proto__.x", "1", "2"]]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
});
