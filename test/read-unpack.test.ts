/**
 * `unpack` (issue 5 item 2): the plan is pure and safe (sanitised names, ConnectionJSON redacted or
 * withheld), and writeUnpack refuses to write outside the target or into a non-empty target
 * without force, leaving everything as it was when it refuses.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { readPackage } from "../src/package/read.js";
import { planUnpack, writeUnpack, type UnpackFile } from "../src/package/unpack.js";
import type { PackageModel } from "../src/package/model.js";
import { buildExport, officialZip, zipWithArchiver } from "./helpers/pkg-zip.js";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "savpkg-unpack-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every file under dir (relative path → content), for before/after comparisons. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const rel = prefix + e.name;
      if (e.isSymbolicLink()) out[rel] = "(link)";
      else if (e.isDirectory()) walk(join(d, e.name), `${rel}/`);
      else out[rel] = readFileSync(join(d, e.name), "utf8");
    }
  };
  walk(dir, "");
  return out;
}

async function official(): Promise<PackageModel> {
  return (await readPackage(officialZip())).model!;
}

describe("planUnpack", () => {
  test("the official package: summary, connection index, one pretty file per JSON attribute, no ciphertext", async () => {
    const plan = planUnpack(await official());
    expect(plan.map((f) => f.path)).toEqual([
      "object-summary.json",
      "connection.json",
      "attributes/ImportAccountEntJSON.json",
      "attributes/CreateAccountJSON.json",
      "attributes/UpdateAccountJSON.json",
      "attributes/EnableAccountJSON.json",
      "attributes/DisableAccountJSON.json",
      "attributes/AddAccessJSON.json",
      "attributes/RemoveAccessJSON.json",
    ]);
    const model = await official();
    const create = plan.find((f) => f.path === "attributes/CreateAccountJSON.json")!;
    expect(JSON.parse(create.content)).toEqual(model.connection.attributes.find((a) => a.name === "CreateAccountJSON")!.json);
    expect(create.content).not.toContain("\r");
    const index = JSON.parse(plan.find((f) => f.path === "connection.json")!.content);
    expect(index.attributes[0]).toEqual({ attributename: "ConnectionJSON", state: "ciphertext", size: 1560, sha256: "e2a9676c", note: "encrypted; not written (--with-secrets writes it)", formdata: null, credentialSaveStatus: false });
    expect(plan.some((f) => f.content.includes(model.connection.attributes[0]!.raw!))).toBe(false);
  });
  test("withSecrets writes the ciphertext, marked secret", async () => {
    const model = await official();
    const file = planUnpack(model, { withSecrets: true }).find((f) => f.path === "attributes/ConnectionJSON.ciphertext.txt")!;
    expect(file).toMatchObject({ secret: true, content: model.connection.attributes[0]!.raw });
  });
  test("a plaintext ConnectionJSON is redacted unless withSecrets", async () => {
    const spec = JSON.parse(readFileSync(new URL("./fixtures/read/plaintext-connectionjson/export.json", import.meta.url), "utf8"));
    const model = (await readPackage(await buildExport(spec))).model!;
    const plain = planUnpack(model);
    for (const f of plain) expect(f.content).not.toMatch(/FIXTURE-/);
    const secret = planUnpack(model, { withSecrets: true }).find((f) => f.path === "attributes/ConnectionJSON.json")!;
    expect(secret.secret).toBe(true);
    expect(secret.content).toContain("FIXTURE-CLIENT-SECRET");
  });
  test("an attribute that is not JSON is text: credentials in it are redacted unless withSecrets", async () => {
    const secret = "FIXTURE-TOKEN-5c1e";
    const text = `{"call":[{"httpHeaders":{"Authorization":"Bearer ${secret}","X-Token":"\${access_token}"}, broken`;
    const connection = { X: { connectionname: "X", EXTERNAL_ATTR: [{ attributename: "UpdateAccountJSON", encryptedattributevalue: text }] } };
    const zip = await zipWithArchiver([{ name: "Connection_2024-01-01_00-00-00(UTC).json", data: JSON.stringify(connection) }]);
    const model = (await readPackage(zip)).model!;
    const plain = planUnpack(model).find((f) => f.path === "attributes/UpdateAccountJSON.txt")!;
    expect(plain.content).not.toContain(secret);
    expect(plain.content).toContain("[REDACTED]");
    // A binding that only names the credential is not one.
    expect(plain.content).toContain('"X-Token":"${access_token}"');
    const index = JSON.parse(planUnpack(model).find((f) => f.path === "connection.json")!.content) as { attributes: { attributename: string; note?: string }[] };
    expect(index.attributes.find((a) => a.attributename === "UpdateAccountJSON")?.note).toMatch(/redacted/);
    expect(planUnpack(model, { withSecrets: true }).find((f) => f.path === "attributes/UpdateAccountJSON.txt")!.content).toBe(text);
  });
  test("attribute names from the package never become unsafe or colliding file names", async () => {
    const item = (attributename: string) => ({ attributename, encryptedattributevalue: "{}" });
    const connection = { X: { connectionname: "X", EXTERNAL_ATTR: [item("../../etc/passwd"), item("ImportAccountEntJSON"), item("importaccountentjson"), item(".hidden"), item("a/b"), item("CON")] } };
    const zip = await zipWithArchiver([{ name: "Connection_2024-01-01_00-00-00(UTC).json", data: JSON.stringify(connection) }]);
    const plan = planUnpack((await readPackage(zip)).model!);
    expect(plan.map((f) => f.path)).toEqual([
      "connection.json",
      "attributes/attribute-0.json",
      "attributes/ImportAccountEntJSON.json",
      "attributes/importaccountentjson-2.json",
      "attributes/attribute-3.json",
      "attributes/attribute-4.json",
      "attributes/attribute-5.json",
    ]);
  });
});

describe("writeUnpack", () => {
  const plan: UnpackFile[] = [
    { path: "connection.json", content: "{}\n" },
    { path: "attributes/A.json", content: "[1]\n" },
    { path: "attributes/ConnectionJSON.json", content: "secret\n", secret: true },
  ];

  test("writes a fresh directory, secrets with mode 0600, and leaves no staging directory", async () => {
    const dir = join(root, "out");
    expect(await writeUnpack(dir, plan)).toEqual([]);
    expect(tree(dir)).toEqual({ "connection.json": "{}\n", "attributes/A.json": "[1]\n", "attributes/ConnectionJSON.json": "secret\n" });
    expect(statSync(join(dir, "attributes/ConnectionJSON.json")).mode & 0o777).toBe(0o600);
    expect(readdirSync(root)).toEqual(["out"]);
  });
  test("an existing empty directory is fine", async () => {
    const dir = join(root, "out");
    mkdirSync(dir);
    expect(await writeUnpack(dir, plan)).toEqual([]);
    expect(Object.keys(tree(dir))).toHaveLength(3);
  });
  test("a non-empty directory is refused without force, and nothing changes", async () => {
    const dir = join(root, "out");
    mkdirSync(dir);
    writeFileSync(join(dir, "connection.json"), "mine");
    const before = tree(root);
    const d = await writeUnpack(dir, plan);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ code: "IO_WRITE", message: expect.stringMatching(/not empty; use --force/) });
    expect(tree(root)).toEqual(before);
  });
  test("force merges: our files replace theirs, other files stay", async () => {
    const dir = join(root, "out");
    mkdirSync(join(dir, "attributes"), { recursive: true });
    writeFileSync(join(dir, "connection.json"), "old");
    writeFileSync(join(dir, "notes.txt"), "keep me");
    expect(await writeUnpack(dir, plan, { force: true })).toEqual([]);
    expect(tree(dir)).toEqual({ "connection.json": "{}\n", "notes.txt": "keep me", "attributes/A.json": "[1]\n", "attributes/ConnectionJSON.json": "secret\n" });
    expect(readdirSync(root)).toEqual(["out"]);
  });
  test.each([["../escape.json"], ["/abs.json"], ["a/../../escape.json"], ["a\\b.json"], [""]])("a plan path %j is refused and nothing is written", async (path) => {
    const dir = join(root, "out");
    const d = await writeUnpack(dir, [...plan, { path, content: "x" }]);
    expect(d).toHaveLength(1);
    expect(d[0]!.code).toBe("IO_WRITE");
    expect(readdirSync(root)).toEqual([]);
  });
  test("a target that is a file or a symlink is refused", async () => {
    writeFileSync(join(root, "file"), "x");
    expect((await writeUnpack(join(root, "file"), plan))[0]!.message).toMatch(/not a directory/);
    mkdirSync(join(root, "real"));
    symlinkSync(join(root, "real"), join(root, "link"));
    expect((await writeUnpack(join(root, "link"), plan))[0]!.message).toMatch(/symbolic link/);
    expect(readdirSync(join(root, "real"))).toEqual([]);
  });
  test("force never writes through a symlinked subdirectory", async () => {
    const dir = join(root, "out");
    const elsewhere = join(root, "elsewhere");
    mkdirSync(dir);
    mkdirSync(elsewhere);
    writeFileSync(join(dir, "x"), "x");
    symlinkSync(elsewhere, join(dir, "attributes"));
    const d = await writeUnpack(dir, plan, { force: true });
    expect(d[0]).toMatchObject({ code: "IO_WRITE", message: expect.stringMatching(/not a plain directory/) });
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(lstatSync(join(dir, "attributes")).isSymbolicLink()).toBe(true);
  });
  test("a relative target needs a cwd (the library never reads process.cwd())", async () => {
    expect((await writeUnpack("out", plan))[0]!.code).toBe("USAGE");
    expect(await writeUnpack("out", plan, { cwd: root })).toEqual([]);
    expect(Object.keys(tree(join(root, "out")))).toHaveLength(3);
  });
  test("the official package round-trips through unpack", async () => {
    const model = await official();
    const dir = join(root, "incontact");
    expect(await writeUnpack(dir, planUnpack(model))).toEqual([]);
    for (const attr of model.connection.attributes.filter((a) => a.state === "json")) {
      expect(JSON.parse(readFileSync(join(dir, "attributes", `${attr.name}.json`), "utf8"))).toEqual(attr.json);
    }
    expect(JSON.parse(readFileSync(join(dir, "object-summary.json"), "utf8"))).toEqual(model.summary!.document);
  });
});
