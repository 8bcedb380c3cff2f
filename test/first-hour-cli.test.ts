/**
 * The first hour's mistakes get exit codes and messages that mean what the README says
 * (issue 10 item 4): 2 for inputs that cannot be used and usage errors, with words that say what to do.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const repo = resolve(import.meta.dirname, "..");
const zip = "test/fixtures/official/INCONTACT.zip";
const run = (...argv: string[]) => runCli(argv, { cwd: repo });
const empty = join(repo, ".vitest-tmp", `empty-${process.pid}`);
mkdirSync(empty, { recursive: true });

const cases: [string, string[], number, RegExp][] = [
  ["a zip given to build", ["build", zip, "--out", join(empty, "out")], 2, /INPUT_IS_PACKAGE .*INCONTACT\.zip is a package \(zip\), not a tenant file; read it with savpkg inspect, lint, diff, unpack or simulate/],
  ["a zip given to validate", ["validate", zip], 2, /INPUT_IS_PACKAGE/],
  ["a zip given to render", ["render", zip], 2, /INPUT_IS_PACKAGE/],
  ["a folder given to build", ["build", "examples/tenants", "--out", join(empty, "out")], 2, /IO_READ examples\/tenants is a folder, not a tenant file \(savpkg build --all examples\/tenants builds every tenant file in it\)/],
  ["a folder given to inspect", ["inspect", "examples"], 2, /IO_READ examples is a folder, not a package file/],
  ["a folder given to lint", ["lint", "examples"], 2, /IO_READ examples is a folder/],
  ["a folder given to diff", ["diff", "examples", zip], 2, /IO_READ examples is a folder/],
  ["a folder given to unpack", ["unpack", "examples", join(empty, "u")], 2, /IO_READ examples is a folder/],
  ["a missing zip", ["inspect", "nope.zip"], 2, /IO_READ no such file: nope\.zip/],
  ["a missing tenant", ["validate", "nope.yaml"], 2, /TENANT_NOT_FOUND no such file: nope\.yaml/],
  ["--set without =", ["validate", "examples/tenants/acme-dev.yaml", "--set", "import.pageSize"], 2, /TENANT_SET_SYNTAX/],
  ["--set with a badly typed value", ["validate", "examples/tenants/acme-dev.yaml", "--set", "import.pageSize=fifty"], 1, /TENANT_SET_TYPE/],
  ["build --all in a folder without tenants", ["build", "--all", ".vitest-tmp/" + empty.split("/").pop()!], 2, /no tenant files \(\*\.yaml, \*\.yml, \*\.json\) in \.vitest-tmp\/empty-\d+\/ of .*; give the folder: savpkg build --all DIR/],
  ["a mistyped command", ["biuld", "examples/tenants/acme-dev.yaml"], 2, /USAGE unknown command "biuld" — did you mean "build"\?/],
  ["an invalid tenant given to diff", ["diff", "examples/tenants/acme-dev.yaml", zip, "--set", "import.pageSize=fifty"], 2, /TENANT_SET_TYPE/],
];

describe("first-hour mistakes", () => {
  it.each(cases)("%s", async (_name, argv, code, message) => {
    const r = await run(...argv);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it("build --all with no tenant folder names both folders it looked in", async () => {
    const r = await runCli(["build", "--all"], { cwd: empty });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--all: no tenant folder (looked in tenants/ and examples/tenants/ of");
  });
});
