/**
 * The savpkg binary as a user runs it (spawned, built output in dist/): exit codes, where output
 * goes, and the commands of issue 2. Runs `node bin/savpkg.js` — `npm test` builds first.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const repo = resolve(import.meta.dirname, "..");
const bin = join(repo, "bin", "savpkg.js");

function savpkg(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: options.cwd ?? repo,
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...options.env },
    encoding: "utf8",
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const temp = () => mkdtempSync(join(tmpdir(), "savpkg-cli-"));

describe("render", () => {
  test("render --attr CreateAccountJSON prints valid JSON", () => {
    const r = savpkg(["render", "examples/tenants/acme-dev.yaml", "--attr", "CreateAccountJSON"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.call[0].httpMethod).toBe("POST");
    expect(r.stderr).toBe("");
  });

  test("render without --attr prints all eight documents", () => {
    const r = savpkg(["render", "examples/tenants/acme-prod.yaml"]);
    expect(r.code).toBe(0);
    expect(Object.keys(JSON.parse(r.stdout))).toHaveLength(8);
  });

  test("render --out writes one file per document", () => {
    const out = temp();
    const r = savpkg(["render", "examples/tenants/acme-dev.yaml", "--out", out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(join(out, "RemoveAccessJSON.json"), "utf8")).call[0].httpMethod).toBe("DELETEWITHBODY");
  });

  test("an unknown --attr is a usage error (exit 2)", () => {
    const r = savpkg(["render", "examples/tenants/acme-dev.yaml", "--attr", "Nope"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error USAGE --attr Nope: expected one of ConnectionJSON/);
  });
});

describe("bad input fails cleanly", () => {
  test("an invalid tenant exits 1 and names the file, line and column", () => {
    const dir = temp();
    writeFileSync(join(dir, "bad.yaml"), readFileSync(join(repo, "examples/tenants/acme-dev.yaml"), "utf8").replace("extends: ./acme-base.yaml", `extends: ${join(repo, "examples/tenants/acme-base.yaml")}`).replace("pageSize: 50", "pageSize: lots"));
    const r = savpkg(["validate", "bad.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^bad\.yaml:16:13 error TENANT_TYPE expected an integer, got the string "lots" \(at import\.pageSize\)$/m);
  });

  test("a missing tenant file exits 2", () => {
    const r = savpkg(["validate", "nope.yaml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error TENANT_NOT_FOUND no such file: nope.yaml");
  });

  test("an unknown command or flag exits 2", () => {
    expect(savpkg(["frobnicate"]).code).toBe(2);
    expect(savpkg(["build", "--frob"]).code).toBe(2);
  });

  test("--format json is a stable document on stdout", () => {
    const r = savpkg(["validate", "nope.yaml", "--format", "json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      diagnostics: [{ code: "TENANT_NOT_FOUND", severity: "error", message: "no such file: nope.yaml", file: "nope.yaml" }],
      summary: { errors: 1, warnings: 0 },
    });
  });
});

describe("build", () => {
  test("builds the examples into the output folder, bases skipped", () => {
    const out = temp();
    const r = savpkg(["build", "--all", "examples/tenants", "--out", out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^built 2 packages in \d+\.\d\ds, 1 base file skipped$/m);
    for (const tenant of ["acme-dev", "acme-prod"]) {
      expect(existsSync(join(out, tenant, "INCONTACT.zip"))).toBe(true);
      const connectionJson = readFileSync(join(out, tenant, "ConnectionJSON.json"), "utf8");
      expect(connectionJson).toContain("@@CXONE_ACCESS_KEY_SECRET@@");
      expect(statSync(join(out, tenant, "ConnectionJSON.json")).mode & 0o777).toBe(0o644);
    }
  });

  test("--with-secrets needs the variables, names the missing one, and writes nothing", () => {
    const out = temp();
    const r = savpkg(["build", "examples/tenants/acme-dev.yaml", "--out", out, "--with-secrets"], { env: { CXONE_CLIENT_ID: "id" } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/examples\/tenants\/acme-base\.yaml:\d+:\d+ error SECRET_ENV_MISSING environment variable CXONE_CLIENT_SECRET/);
    expect(existsSync(join(out, "acme-dev"))).toBe(false);
  });

  test("--with-secrets writes the resolved ConnectionJSON with mode 0600", () => {
    const out = temp();
    const env = { CXONE_CLIENT_ID: "app-id", CXONE_CLIENT_SECRET: "app-secret", CXONE_ACCESS_KEY_ID: "key-id", CXONE_ACCESS_KEY_SECRET: "key-secret" };
    const r = savpkg(["build", "examples/tenants/acme-dev.yaml", "--out", out, "--with-secrets"], { env });
    expect(r.code).toBe(0);
    const file = join(out, "acme-dev", "ConnectionJSON.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const auth = JSON.parse(readFileSync(file, "utf8")).authentications.acctAuth;
    expect(JSON.parse(auth.httpParams)).toEqual({ grant_type: "password", username: "key-id", password: "key-secret" });
    expect(auth.httpHeaders.Authorization).toBe(`Basic ${Buffer.from("app-id:app-secret").toString("base64")}`);
    expect(r.stdout + r.stderr).not.toContain("key-secret");
  });

  test("a base file given explicitly is refused", () => {
    const r = savpkg(["build", "examples/tenants/acme-base.yaml", "--out", temp()]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error TENANT_ABSTRACT");
  });
});

describe("schema, init, help", () => {
  test("schema prints the tenant schema", () => {
    const r = savpkg(["schema"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(repo, "schemas/tenant.schema.json"), "utf8"));
  });

  test("init writes a starter that points at the schema and validates as is; it never overwrites", () => {
    const dir = temp();
    const r = savpkg(["init", "tenants/new.yaml", "--name", "InContact_NEW"], { cwd: dir });
    expect(r.code).toBe(0);
    const text = readFileSync(join(dir, "tenants/new.yaml"), "utf8");
    expect(text.split("\n")[0]).toMatch(/^# yaml-language-server: \$schema=.*schemas\/tenant\.schema\.json$/);
    const schemaPath = resolve(dir, "tenants", text.split("\n")[0]!.split("$schema=")[1]!);
    expect(existsSync(schemaPath)).toBe(true);
    expect(savpkg(["validate", "tenants/new.yaml"], { cwd: dir }).code).toBe(0);
    expect(savpkg(["init", "tenants/new.yaml"], { cwd: dir }).code).toBe(2);
  });

  test("--help lists the commands with examples", () => {
    const r = savpkg(["build", "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Examples:");
    expect(r.stdout).toContain("savpkg build --all --check");
  });
});
