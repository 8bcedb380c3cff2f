/**
 * Outputs stay consistent with the tenant folder (issue 10 item 5): when a tenant file is deleted,
 * the next `build --all` removes the package, its ConnectionJSON.json and the manifest/SHA256SUMS
 * entries that savpkg itself recorded for it, says so, and `--check` is green afterwards. A file
 * savpkg did not record — or whose bytes changed since it recorded them — is never deleted.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertBuilt, copyExamples, derivedTenant, runSavpkg, tempDir } from "./helpers/spawn.js";

let work: ReturnType<typeof tempDir>;
let dir: string;
const out = (...p: string[]) => join(dir, "dist-packages", ...p);
const build = (...args: string[]) => runSavpkg(["build", "--all", "tenants", ...args], { cwd: dir });

beforeAll(() => {
  assertBuilt();
  work = tempDir("stale");
  dir = join(work.path, "repo");
  copyExamples(join(dir, "tenants"));
});
afterAll(() => work?.remove());

describe("build --all after a tenant file is deleted", () => {
  test("removes what savpkg recorded for it, says so, and --check is green", async () => {
    writeFileSync(join(dir, "tenants", "acme-test.yaml"), derivedTenant("InContact_TEST"));
    const first = await build();
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(out("acme-test", "INCONTACT.zip"))).toBe(true);
    expect(readFileSync(out("SHA256SUMS"), "utf8")).toContain("acme-test/INCONTACT.zip");

    unlinkSync(join(dir, "tenants", "acme-test.yaml"));
    const stale = await build("--check");
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain("lists acme-test/INCONTACT.zip, which no tenant builds; savpkg build --all removes it");

    const rebuilt = await build();
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stderr).toContain(
      "dist-packages/acme-test/INCONTACT.zip info BUILD_REMOVED removed dist-packages/acme-test/INCONTACT.zip and its ConnectionJSON.json: savpkg built it from tenants/acme-test.yaml, which this build no longer has",
    );
    expect(rebuilt.stderr).toMatch(/built 2 packages in [\d.]+s, 1 base file skipped, 1 package of deleted tenants removed/);
    expect(existsSync(out("acme-test"))).toBe(false);
    expect(readFileSync(out("SHA256SUMS"), "utf8")).not.toContain("acme-test");
    expect(JSON.parse(readFileSync(out("manifest.json"), "utf8")).packages.map((p: { tenant: string }) => p.tenant)).toEqual(["acme-dev", "acme-prod"]);

    const check = await build("--check");
    expect(check.code, check.stderr).toBe(0);
  });

  test("never deletes a file it did not record, nor a recorded one whose bytes changed", async () => {
    // Unrecorded: a zip copied in by hand, and a note in a tenant folder.
    mkdirSync(out("by-hand"), { recursive: true });
    writeFileSync(out("by-hand", "INCONTACT.zip"), readFileSync(out("acme-dev", "INCONTACT.zip")));
    // Recorded, then edited by hand after the tenant went away.
    writeFileSync(join(dir, "tenants", "acme-qa.yaml"), derivedTenant("InContact_QA"));
    expect((await build()).code).toBe(0);
    writeFileSync(out("acme-qa", "NOTES.txt"), "mine\n");
    unlinkSync(join(dir, "tenants", "acme-qa.yaml"));
    writeFileSync(join(dir, "tenants", "acme-uat.yaml"), derivedTenant("InContact_UAT"));
    expect((await build()).code).toBe(0);
    const uatZip = readFileSync(out("acme-uat", "INCONTACT.zip"));
    unlinkSync(join(dir, "tenants", "acme-uat.yaml"));
    writeFileSync(out("acme-uat", "INCONTACT.zip"), Buffer.concat([uatZip, Buffer.from("edited")]));

    const r = await build();
    expect(r.code, r.stderr).toBe(0);
    // acme-qa: the recorded zip and ConnectionJSON go, the user's note and so the folder stay.
    expect(existsSync(out("acme-qa", "INCONTACT.zip"))).toBe(false);
    expect(existsSync(out("acme-qa", "ConnectionJSON.json"))).toBe(false);
    expect(readFileSync(out("acme-qa", "NOTES.txt"), "utf8")).toBe("mine\n");
    // acme-uat: changed since recorded, so not savpkg's any more: kept, and no longer vouched for.
    expect(existsSync(out("acme-uat", "INCONTACT.zip"))).toBe(true);
    expect(existsSync(out("by-hand", "INCONTACT.zip"))).toBe(true);
    expect(readFileSync(out("SHA256SUMS"), "utf8").split("\n").filter(Boolean).map((l) => l.slice(66))).toEqual(["acme-dev/INCONTACT.zip", "acme-prod/INCONTACT.zip"]);

    const check = await build("--check");
    expect(check.code).toBe(1);
    expect(check.stderr).toContain("dist-packages/by-hand/INCONTACT.zip has no tenant file that builds it; savpkg did not record it");
    expect(check.stderr).toContain("dist-packages/acme-uat/INCONTACT.zip has no tenant file that builds it; savpkg did not record it");
    rmSync(out("by-hand"), { recursive: true });
    rmSync(out("acme-uat"), { recursive: true });
    expect((await build("--check")).code).toBe(0);
  });

  test("a one-tenant build keeps the other tenants' records", async () => {
    writeFileSync(join(dir, "tenants", "acme-keep.yaml"), derivedTenant("InContact_KEEP"));
    expect((await build()).code).toBe(0);
    unlinkSync(join(dir, "tenants", "acme-keep.yaml"));
    const one = await runSavpkg(["build", "tenants/acme-dev.yaml"], { cwd: dir });
    expect(one.code, one.stderr).toBe(0);
    expect(existsSync(out("acme-keep", "INCONTACT.zip"))).toBe(true);
    expect(readFileSync(out("SHA256SUMS"), "utf8")).toContain("acme-keep/INCONTACT.zip");
  });
});
