/**
 * `savpkg simulate` on the inputs of a first hour (issue 10 items 4 and 9): an invalid tenant is an
 * input that cannot be used (exit 2, with the located reason) — also when --page-size would
 * override the bad value — and a starter tenant whose own team ids the simulated business unit does
 * not have gets a hint to `--seed`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const repo = resolve(import.meta.dirname, "..");
const dir = join(repo, ".vitest-tmp", `simulate-first-hour-${process.pid}`);
mkdirSync(dir, { recursive: true });
for (const f of ["acme-base.yaml", "acme-dev.yaml"]) writeFileSync(join(dir, f), readFileSync(join(repo, "examples/tenants", f)));

describe("simulate validates first", () => {
  it("pageSize: fifty is exit 2 with the located type error, although --page-size would override it", async () => {
    writeFileSync(join(dir, "fifty.yaml"), readFileSync(join(dir, "acme-dev.yaml"), "utf8").replace(/^( +pageSize:) .*$/m, "$1 fifty"));
    const r = await runCli(["simulate", "fifty.yaml"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toMatch(/fifty\.yaml:\d+:\d+ error TENANT_TYPE/);
    const json = await runCli(["simulate", "fifty.yaml", "--format", "json"], { cwd: dir });
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout);
    expect(report.fatal).toBe(true);
    expect(report.steps).toEqual([]);
    expect(report.diagnostics.map((d: { code: string }) => d.code)).toEqual(["TENANT_TYPE"]);
  });

  it("a missing tenant file is exit 2 in the same words as a missing zip", async () => {
    const tenant = await runCli(["simulate", "nope.yaml"], { cwd: dir });
    const zip = await runCli(["simulate", "nope.zip"], { cwd: dir });
    expect([tenant.code, zip.code]).toEqual([2, 2]);
    expect(tenant.stdout + tenant.stderr).toContain("no such file: nope.yaml");
    expect(zip.stdout + zip.stderr).toContain("no such file: nope.zip");
  });
});

describe("the --seed hint", () => {
  it("is given when CXone says the tenant's own teams do not exist", async () => {
    expect((await runCli(["init", "starter.yaml", "--force"], { cwd: dir })).code).toBe(0);
    const r = await runCli(["simulate", "starter.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      'note: CXone answered "does not exist" and team 990001 (provisioning.defaults.teamId), team 990099 (provisioning.removeAccess.transferTeamId), profile 990005 (provisioning.defaults.profileId) are not in (built-in Acme seed): simulate against your own business unit with --seed FILE',
    );
  });

  it("is not given when the seed has them", async () => {
    const r = await runCli(["simulate", "acme-dev.yaml"], { cwd: dir });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).not.toContain("--seed FILE");
  });
});
