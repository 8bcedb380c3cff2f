/**
 * inspect, lint, diff and unpack through the real binary, on the official fixture, on our packages
 * and on packages shaped like real exports of other connectors (SOAP, nested folder + __MACOSX,
 * broken inner JSON); hostile input exits 2 with a one-line reason and writes nothing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { buildExport, officialZipPath, type ExportSpec } from "./helpers/pkg-zip.js";
import { rawZip, unixMode } from "./helpers/raw-zip.js";

const repo = resolve(import.meta.dirname, "..");
const bin = join(repo, "bin", "savpkg.js");
const work = mkdtempSync(join(tmpdir(), "savpkg-cli-pkg-"));

function savpkg(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" }, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const exportZip = async (name: string) => {
  const spec = JSON.parse(readFileSync(join(repo, "test/fixtures/read", name, "export.json"), "utf8")) as ExportSpec;
  const file = join(work, `${name}.zip`);
  writeFileSync(file, await buildExport(spec));
  return file;
};

let devZip: string;
let soapZip: string;
let nestedZip: string;
let brokenZip: string;

beforeAll(async () => {
  const out = join(work, "dist");
  expect(savpkg(["build", "examples/tenants/acme-dev.yaml", "--out", out]).code).toBe(0);
  devZip = join(out, "acme-dev", "INCONTACT.zip");
  soapZip = await exportZip("soap-export");
  nestedZip = await exportZip("nested-folder-macosx");
  brokenZip = await exportZip("broken-inner-json");
});

describe("inspect", () => {
  test.each([
    ["official", () => officialZipPath, /Incontact \(REST\)/, 0],
    ["ours", () => devZip, /InContact_DEV \(REST\)/, 0],
    ["SOAP export", () => soapZip, /SAP_Marketing_Cloud \(SOAP\)/, 0],
    ["nested folder + __MACOSX", () => nestedZip, /statuspage/i, 0],
    ["broken inner JSON", () => brokenZip, /invalid-json/, 1],
  ] as const)("%s", (_name, zip, pattern, code) => {
    const r = savpkg(["inspect", zip()]);
    expect(r.code).toBe(code);
    expect(r.stdout).toMatch(pattern);
  });

  test("--format json is parseable", () => {
    const r = savpkg(["inspect", officialZipPath, "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).attributes).toHaveLength(24);
  });
});

describe("lint", () => {
  test("the official package: relative URLs are errors (exit 1)", () => {
    const r = savpkg(["lint", officialZipPath]);
    expect(r.code).toBe(1);
    expect(r.stderr.match(/error PKG_URL_RELATIVE/g)).toHaveLength(9);
  });

  test("our package and our tenant are clean", () => {
    for (const target of [devZip, "examples/tenants/acme-prod.yaml"]) {
      const r = savpkg(["lint", target]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/no problems found/);
    }
  });

  test("export-shaped packages: warnings for a re-zipped layout, errors for broken JSON", () => {
    expect(savpkg(["lint", soapZip]).code).toBe(0);
    const nested = savpkg(["lint", nestedZip]);
    expect(nested.code).toBe(0);
    expect(nested.stderr).toContain("warning PKG_LAYOUT_WARNING");
    const broken = savpkg(["lint", brokenZip, "--format", "json"]);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout).diagnostics.map((d: { code: string }) => d.code)).toContain("PKG_JSON_INVALID");
  });
});

describe("diff", () => {
  test("a package against itself is the same (exit 0)", () => {
    expect(savpkg(["diff", devZip, devZip]).code).toBe(0);
  });

  test("a tenant against the package built from it is the same (exit 0)", () => {
    const r = savpkg(["diff", "examples/tenants/acme-dev.yaml", devZip]);
    expect(r.code).toBe(0);
  });

  test("official vs our build differs (exit 1), in every format", () => {
    const text = savpkg(["diff", officialZipPath, devZip]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("CreateAccountJSON");
    expect(text.stdout).toContain("not comparable");
    const json = savpkg(["diff", officialZipPath, devZip, "--format", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ format: "savpkg.diff", version: 1, same: false });
    const markdown = savpkg(["diff", officialZipPath, devZip, "--format", "markdown"]);
    expect(markdown.stdout).toMatch(/^\|.*\|$/m);
  });
});

describe("unpack", () => {
  test("writes one file per attribute into an empty folder, refuses a non-empty one", () => {
    const dir = join(work, "unpacked");
    const r = savpkg(["unpack", officialZipPath, dir]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, "attributes"))).toContain("CreateAccountJSON.json");
    expect(savpkg(["unpack", officialZipPath, dir]).code).toBe(2);
  });
});

describe("hostile input", () => {
  test.each([
    ["path traversal", rawZip([{ name: "../evil.json", data: "{}" }]), "ZIP_UNSAFE_PATH"],
    ["symlink", rawZip([{ name: "link.json", data: "/etc/passwd", versionMadeBy: 0x031e, externalAttributes: unixMode(0o120777) }]), "ZIP_LINK"],
    ["not a zip", Buffer.from("hello, I am not a zip"), "ZIP_CORRUPT"],
  ])("%s exits 2 with a one-line reason and writes nothing", (name, bytes, code) => {
    const zip = join(work, `${name.replace(/\W/g, "-")}.zip`);
    writeFileSync(zip, bytes);
    for (const command of [["inspect", zip], ["lint", zip], ["diff", zip, devZip], ["unpack", zip, join(work, `out-${code}`)]]) {
      const r = savpkg(command);
      expect(r.code, command.join(" ")).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(code);
    }
    expect(existsSync(join(work, `out-${code}`))).toBe(false);
  });
});
