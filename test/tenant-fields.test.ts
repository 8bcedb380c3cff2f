/**
 * The silent mistakes (issue 10 item 6): import maps that name a CXone field the v34 response does
 * not have are refused with the closest field, and the placeholders `savpkg init` writes warn until
 * they are changed.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { AGENT_RESPONSE_FIELDS, GROUP_RESPONSE_FIELDS, TEAM_RESPONSE_FIELDS } from "../src/tenant/cxone-fields.js";
import { INIT_PLACEHOLDERS } from "../src/tenant/init.js";
import { runCli } from "./helpers/cli.js";

const repo = resolve(import.meta.dirname, "..");
const examples = join(repo, "examples/tenants");

describe("CXone response fields", () => {
  it("are exactly the item properties of GET /agents, /teams and /groups in the vendored v34 description", () => {
    const spec = parse(readFileSync(join(repo, "test/fixtures/cxone/openapi-subset.yaml"), "utf8"));
    const deref = (n: any): any => (n?.$ref ? deref(n.$ref.replace(/^#\//, "").split("/").reduce((a: any, k: string) => a[k], spec)) : n);
    const items = (path: string, key: string) => {
      const schema = deref(deref(spec.paths[`/inContactAPI/services/v34.0${path}`].get.responses["200"]).content["application/json"].schema);
      return Object.keys(deref(deref(schema.properties[key]).items).properties).sort();
    };
    expect([...AGENT_RESPONSE_FIELDS].sort()).toEqual(items("/agents", "agents"));
    expect([...TEAM_RESPONSE_FIELDS].sort()).toEqual(items("/teams", "teams"));
    expect([...GROUP_RESPONSE_FIELDS].sort()).toEqual(items("/groups", "groups"));
  });

  const cases: [string, string, string][] = [
    ["import.accountAttributes.customproperty3=firstname", "import.accountAttributes.customproperty3", '"firstname" is not a field of CXone\'s v34 agent (GET /agents) response — did you mean "firstName"?'],
    ["import.accountAttributes.customproperty9=emailAdress", "import.accountAttributes.customproperty9", 'did you mean "emailAddress"?'],
    ["import.entitlementTypes.Teams.attributes.entitlement_value=teamname", "import.entitlementTypes.Teams.attributes.entitlement_value", 'team (GET /teams) response — did you mean "teamName"?'],
    ["import.entitlementTypes.Teams.attributes.entitlementID=teamID", "import.entitlementTypes.Teams.attributes.entitlementID", 'did you mean "teamId"?'],
  ];
  it.each(cases)("--set %s is refused with a located did-you-mean", async (set, path, message) => {
    const result = await compileTenant("acme-dev.yaml", { cwd: examples, set: [set], noPack: true });
    const found = result.diagnostics.filter((d) => d.code === "TENANT_UNKNOWN_FIELD");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: "error", path, file: "--set #1", line: 1 });
    expect(found[0]!.message).toContain(message);
  });

  it("a misspelt field written in the base file is located there", async () => {
    const dir = join(repo, ".vitest-tmp", `fields-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(join(dir, "acme-base.yaml"), readFileSync(join(examples, "acme-base.yaml"), "utf8").replace("customproperty3: firstName", "customproperty3: firstname"));
    writeFileSync(join(dir, "acme-dev.yaml"), readFileSync(join(examples, "acme-dev.yaml")));
    const r = await runCli(["validate", "acme-dev.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^acme-base\.yaml:\d+:22 error TENANT_UNKNOWN_FIELD "firstname" is not a field of CXone's v34 agent \(GET \/agents\) response — did you mean "firstName"\?/m);
  });

  it("the examples use only real fields and no placeholder", async () => {
    for (const file of ["acme-dev.yaml", "acme-prod.yaml"]) {
      const result = await compileTenant(file, { cwd: examples, noPack: true });
      expect(result.diagnostics.filter((d) => d.code === "TENANT_UNKNOWN_FIELD" || d.code === "TENANT_PLACEHOLDER"), file).toEqual([]);
    }
  });
});

describe("init's placeholders", () => {
  it("warn until changed, each at its line; the file still validates (exit 0)", async () => {
    const dir = join(repo, ".vitest-tmp", `placeholders-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    expect((await runCli(["init", "t.yaml", "--force"], { cwd: dir })).code).toBe(0);
    const r = await runCli(["validate", "t.yaml"], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const warned = r.stderr.split("\n").filter((l) => l.includes("TENANT_PLACEHOLDER"));
    expect(warned.map((l) => l.replace(/^t\.yaml:\d+:\d+ warning TENANT_PLACEHOLDER /, "")).sort()).toEqual(
      Object.entries(INIT_PLACEHOLDERS).map(([path, v]) => `${path} is still init's placeholder ${JSON.stringify(v)}; set this tenant's own value`).sort(),
    );
    const changed = await runCli(["validate", "t.yaml", "--set", "package.system=acme.saviyntcloud.com"], { cwd: dir });
    expect(changed.stderr).not.toContain("package.system is still");
  });
});
