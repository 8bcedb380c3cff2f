/**
 * Adopt's guarantees (issue 14 item 4), each on real packages:
 * - every example tenant and generated tenants (property test): build → adopt → build gives the
 *   same zip bytes, with nothing in overrides and nothing to fill;
 * - several packages → a base plus overlays: `build --all` on the folder rebuilds each byte for byte;
 * - packages edited the way admins edit them in the UI: adopt → build → diff exits 0, and an edit
 *   the typed model can express lands in its typed field, not in overrides;
 * - the official package: adopt exits 1 naming teamId, profileId, timeZone and transferTeamId; once
 *   they are filled with --set the build is clean, its calls fit the CXone v34 contract and the
 *   simulated connection passes every step.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test as propTest } from "@fast-check/vitest";
import { afterAll, describe, expect, test } from "vitest";
import { stringify as toYaml } from "yaml";
import { adoptPackage, planAdoptFiles, type AdoptedTenant } from "../src/adopt/index.js";
import { runBuild } from "../src/build/batch.js";
import { compileTenant } from "../src/build/compile.js";
import { emitFiles } from "../src/build/emit.js";
import type { PackageModel } from "../src/package/model.js";
import { readPackage } from "../src/package/read.js";
import { diffPackages } from "../src/package/diff.js";
import { runCli } from "./helpers/cli.js";
import { contractProblems } from "./helpers/cxone-contract.js";
import { officialZipPath, repack, repoRoot, type Edit } from "./helpers/pkg-zip.js";

const temp = mkdtempSync(join(tmpdir(), "savpkg-adopt-rt-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const schemaPath = join(repoRoot, "schemas/tenant.schema.json");
let dirs = 0;
const freshDir = () => join(temp, `d${dirs++}`);

async function build(file: string): Promise<Buffer> {
  const result = await compileTenant(file, { cwd: repoRoot });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return result.package!.zip;
}

async function model(zip: Buffer, source = "package.zip"): Promise<PackageModel> {
  const read = await readPackage(zip, { source });
  expect(read.fatal).toBe(false);
  return read.model!;
}

/** Adopts one package and writes the tenant file; returns the adopted tenant, its file and the diagnostics. */
async function adoptToFile(zip: Buffer, options: { baseUrl?: string } = {}) {
  const read = await readPackage(zip, { source: "package.zip" });
  const outcome = await adoptPackage(read.model!, read.diagnostics, options);
  expect(outcome.tenant, JSON.stringify(outcome.diagnostics)).toBeDefined();
  const file = join(freshDir(), "tenant.yaml");
  const planned = planAdoptFiles([outcome.tenant!], { out: file, cwd: repoRoot, schemaPath });
  expect(emitFiles(planned.files)).toEqual([]);
  return { tenant: outcome.tenant!, file, diagnostics: outcome.diagnostics };
}

const codes = (diagnostics: readonly { code: string; severity: string }[]) => diagnostics.filter((d) => d.severity !== "info").map((d) => d.code);

describe("build → adopt → build gives the same bytes", () => {
  test.each(["acme-dev", "acme-prod"])("examples/tenants/%s.yaml", async (name) => {
    const original = await build(join(repoRoot, `examples/tenants/${name}.yaml`));
    const { tenant, file, diagnostics } = await adoptToFile(original);
    expect(codes(diagnostics)).toEqual([]);
    expect(tenant.value.overrides).toBeUndefined();
    expect(tenant.fixes).toEqual([]);
    expect((await build(file)).equals(original)).toBe(true);
  });

  const agentBinding = fc.constantFrom("${user.firstname}", "${user.preferedFirstName}", "${user.displayname}", "${user.customproperty3}");
  const generated = fc.record({
    name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/),
    description: fc.option(fc.stringMatching(/^[A-Za-z0-9 ,.()-]{1,40}$/), { nil: undefined }),
    system: fc.constantFrom("acme.saviyntcloud.com", "t1.example.com", "dev-tech.saviyntcloud.com"),
    host: fc.constantFrom("api-na1", "api-eu1", "api-au1"),
    version: fc.constantFrom("v33.0", "v34.0"),
    pageSize: fc.integer({ min: 1, max: 10000 }),
    threshold: fc.integer({ min: 0, max: 5000 }),
    statusColumn: fc.integer({ min: 1, max: 56 }).map((n) => `customproperty${n}`),
    activeValues: fc.uniqueArray(fc.constantFrom("true", "1", "Active", "yes"), { minLength: 1, maxLength: 3 }),
    flags: fc.tuple(fc.boolean(), fc.boolean(), fc.boolean(), fc.boolean()),
    extraAttributes: fc.uniqueArray(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.constantFrom("firstName", "lastName", "teamName", "lastLogin", "profileName")), { maxLength: 4, selector: ([n]) => n }),
    groups: fc.boolean(),
    firstName: agentBinding,
    optional: fc.subarray(["country", "city", "notes", "custom1"] as const),
    teamId: fc.integer({ min: 1, max: 99999 }),
    profileId: fc.integer({ min: 1, max: 999 }),
    timeZone: fc.constantFrom("UTC", "(GMT-05:00) Eastern Time (US & Canada)"),
    transferTeamId: fc.integer({ min: 1, max: 99999 }),
    exportedAt: fc.option(fc.integer({ min: 1_000_000_000, max: 2_000_000_000 }).map((s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, "Z")), { nil: undefined }),
    authName: fc.constantFrom("acctAuth", "cxoneAuth"),
  });

  propTest.prop([generated], { numRuns: 25 })("generated tenants", async (g) => {
    const accountAttributes: Record<string, string> = { accountID: "agentId", name: "userName" };
    for (const [n, field] of g.extraAttributes) accountAttributes[`customproperty${n}`] = field;
    const agent: Record<string, string> = { firstName: g.firstName, lastName: "${user.lastname}", emailAddress: "${user.email}", userName: "${user.email}" };
    for (const field of g.optional) agent[field] = `\${user.${field === "notes" ? "title" : field === "custom1" ? "employeeid" : field}}`;
    const tenant = {
      connection: { name: g.name, ...(g.description ? { description: g.description } : {}), authName: g.authName },
      package: { system: g.system, ...(g.exportedAt ? { exportedAt: g.exportedAt } : {}) },
      cxone: {
        apiBaseUrl: `https://${g.host}.niceincontact.com/inContactAPI/services/${g.version}`,
        auth: { clientId: { env: "A" }, clientSecret: { env: "B" }, accessKeyId: { env: "C" }, accessKeySecret: { env: "D" } },
      },
      import: {
        pageSize: g.pageSize,
        statusColumn: g.statusColumn,
        activeValues: g.activeValues,
        accountThreshold: g.threshold,
        inactivateAccountsNotInFile: g.flags[0],
        deleteLinks: g.flags[1],
        correlateInactiveAccounts: g.flags[2],
        deleteAccEntForActiveAccounts: g.flags[3],
        accountAttributes,
        entitlementTypes: {
          Teams: { attributes: { entitlementID: "teamId", entitlement_value: "teamName" } },
          ...(g.groups ? { Groups: { attributes: { entitlementID: "groupId", entitlement_value: "groupName" } } } : {}),
        },
      },
      provisioning: { agent, defaults: { teamId: g.teamId, profileId: g.profileId, timeZone: g.timeZone }, removeAccess: { transferTeamId: g.transferTeamId } },
    };
    const source = join(freshDir(), "generated.yaml");
    emitFiles([{ path: source, bytes: Buffer.from(toYaml(tenant)) }]);
    const original = await build(source);
    const { tenant: adopted, file, diagnostics } = await adoptToFile(original);
    expect(codes(diagnostics)).toEqual([]);
    expect(adopted.value.overrides).toBeUndefined();
    expect((await build(file)).equals(original)).toBe(true);
  });
});

test("several packages → a base and one overlay each; build --all rebuilds every package byte for byte", async () => {
  const names = ["acme-dev", "acme-prod"];
  const zips = await Promise.all(names.map((n) => build(join(repoRoot, `examples/tenants/${n}.yaml`))));
  const tenants: AdoptedTenant[] = [];
  for (const zip of zips) {
    const read = await readPackage(zip, { source: "x.zip" });
    tenants.push((await adoptPackage(read.model!, read.diagnostics)).tenant!);
  }
  const out = freshDir();
  const planned = planAdoptFiles(tenants, { out, cwd: repoRoot, schemaPath });
  expect(planned.files.map((f) => f.path.slice(out.length + 1))).toEqual(["base.yaml", "InContact_DEV.yaml", "InContact_PROD.yaml"]);
  expect(emitFiles(planned.files)).toEqual([]);
  // The overlays hold only what differs: the shared agent map is in the base alone.
  const overlay = readFileSync(join(out, "InContact_DEV.yaml"), "utf8");
  expect(overlay).toContain("extends: ./base.yaml");
  expect(overlay).not.toContain("firstName");
  expect(readFileSync(join(out, "base.yaml"), "utf8")).toContain("abstract: true");
  const dist = freshDir();
  const outcome = await runBuild({ tenants: [], all: out, outDir: dist, cwd: repoRoot, env: {}, runtime: { node: "test", zlib: "test" } });
  expect(outcome.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  for (const [i, zip] of zips.entries()) {
    expect(readFileSync(join(dist, tenants[i]!.connection, "INCONTACT.zip")).equals(zip)).toBe(true);
  }
});

propTest.prop([fc.array(fc.dictionary(fc.stringMatching(/^[a-c]{1,2}$/), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), { minLength: 2, maxLength: 4 })], { numRuns: 60 })(
  "base + overlays, written as YAML and loaded with extends, give every tenant value back",
  async (values) => {
    const { splitBase, tenantYaml } = await import("../src/adopt/index.js");
    const { loadTenant } = await import("../src/tenant/load.js");
    const dir = freshDir();
    const { base, overlays } = splitBase(values);
    const files = [{ path: join(dir, "base.yaml"), bytes: Buffer.from(tenantYaml({ abstract: true, ...base }, { schemaRef: "s", header: [] })) }];
    overlays.forEach((o, i) => files.push({ path: join(dir, `t${i}.yaml`), bytes: Buffer.from(tenantYaml({ extends: "./base.yaml", ...o }, { schemaRef: "s", header: [] })) }));
    expect(emitFiles(files)).toEqual([]);
    values.forEach((value, i) => {
      const loaded = loadTenant(join(dir, `t${i}.yaml`));
      expect(loaded.diagnostics).toEqual([]);
      // JSON semantics: -0 is 0 once written as text.
      expect(loaded.value).toEqual(JSON.parse(JSON.stringify(value)));
    });
  },
);

describe("packages edited in the UI: adopt → build → diff exits 0, typed edits in typed fields", () => {
  const BASE = "https://api-na1.niceincontact.com/inContactAPI/services/v34.0";
  let dev: PackageModel;
  const doc = (m: PackageModel, name: string) => structuredClone(m.connection.attributes.find((a) => a.name === name)!.json) as Record<string, any>;
  const body = (call: { httpParams: string }) => JSON.parse(call.httpParams) as Record<string, any>;
  const setBody = (call: { httpParams: string }, value: unknown) => void (call.httpParams = JSON.stringify(value));

  interface UiEdit {
    name: string;
    edits: (m: PackageModel) => Edit[];
    /** Where the edit must show up in the adopted tenant (dotted path → value); undefined = in overrides. */
    typed?: Record<string, unknown>;
  }
  const EDITS: UiEdit[] = [
    {
      name: "changed page size",
      edits: (m) => {
        const d = doc(m, "ImportAccountEntJSON");
        d.accountParams.call.call1.http.url = `${BASE}/agents?top=75&skip=0&orderBy=agentId`;
        d.entitlementParams.entTypes.Teams.call.call1.http.url = `${BASE}/teams?top=75&skip=0&orderBy=teamId`;
        return [{ attribute: "ImportAccountEntJSON", set: d }];
      },
      typed: { "import.pageSize": 75 },
    },
    {
      name: "threshold",
      edits: (m) => {
        const d = doc(m, "ImportAccountEntJSON");
        d.accountParams.statusAndThresholdConfig.accountThresholdValue = 42;
        return [{ attribute: "ImportAccountEntJSON", set: d }];
      },
      typed: { "import.accountThreshold": 42 },
    },
    {
      name: "extra account attribute",
      edits: (m) => {
        const d = doc(m, "ImportAccountEntJSON");
        d.accountParams.call.call1.colsToPropsMap.customproperty12 = "teamName~#~char";
        return [{ attribute: "ImportAccountEntJSON", set: d }];
      },
      typed: { "import.accountAttributes.customproperty12": "teamName" },
    },
    {
      name: "other time zone",
      edits: (m) => {
        const d = doc(m, "CreateAccountJSON");
        const b = body(d.call[0]);
        b.agents[0].timeZone = "(GMT+00:00) Dublin, Edinburgh, Lisbon, London";
        setBody(d.call[0], b);
        return [{ attribute: "CreateAccountJSON", set: d }];
      },
      typed: { "provisioning.defaults.timeZone": "(GMT+00:00) Dublin, Edinburgh, Lisbon, London" },
    },
    {
      name: "other binding",
      edits: (m) => {
        const create = doc(m, "CreateAccountJSON");
        const update = doc(m, "UpdateAccountJSON");
        const cb = body(create.call[0]);
        const ub = body(update.call[0]);
        cb.agents[0].firstName = "${user.preferedFirstName}";
        ub.agent.firstName = "${user.preferedFirstName}";
        setBody(create.call[0], cb);
        setBody(update.call[0], ub);
        return [
          { attribute: "CreateAccountJSON", set: create },
          { attribute: "UpdateAccountJSON", set: update },
        ];
      },
      typed: { "provisioning.agent.firstName": "${user.preferedFirstName}" },
    },
    {
      name: "other transfer team",
      edits: (m) => {
        const d = doc(m, "RemoveAccessJSON");
        d.call[0].url = d.call[0].url.replace(/transferTeamId=\d+/, "transferTeamId=1350");
        return [{ attribute: "RemoveAccessJSON", set: d }];
      },
      typed: { "provisioning.removeAccess.transferTeamId": 1350 },
    },
    { name: "description", edits: () => [{ connection: ["connectiondescription"], set: "CXone — edited in the UI" }], typed: { "connection.description": "CXone — edited in the UI" } },
    { name: "system", edits: () => [{ summary: ["Information", "System"], set: "acme-test.saviyntcloud.com" }], typed: { "package.system": "acme-test.saviyntcloud.com" } },
    {
      name: "base URL",
      edits: (m) =>
        ["ImportAccountEntJSON", "CreateAccountJSON", "UpdateAccountJSON", "EnableAccountJSON", "DisableAccountJSON", "AddAccessJSON", "RemoveAccessJSON"].map((name) => ({
          attribute: name,
          set: JSON.parse(JSON.stringify(doc(m, name)).split("api-na1.niceincontact.com/inContactAPI/services/v34.0").join("api-eu1.niceincontact.com/inContactAPI/services/v33.0")),
        })),
      typed: { "cxone.apiBaseUrl": "https://api-eu1.niceincontact.com/inContactAPI/services/v33.0" },
    },
    {
      name: "an extra header",
      edits: (m) => {
        const d = doc(m, "UpdateAccountJSON");
        d.call[0].httpHeaders["X-Request-Source"] = "saviynt-eic";
        return [{ attribute: "UpdateAccountJSON", set: d }];
      },
    },
    {
      name: "a field only the update body sends",
      edits: (m) => {
        const d = doc(m, "UpdateAccountJSON");
        const b = body(d.call[0]);
        b.agent.custom5 = "${user.employeeclass}";
        setBody(d.call[0], b);
        return [{ attribute: "UpdateAccountJSON", set: d }];
      },
    },
    {
      name: "a second update call",
      edits: (m) => {
        const d = doc(m, "UpdateAccountJSON");
        d.call.push({ ...structuredClone(d.call[0]), name: "call2", url: `${BASE}/agents/\${account.accountID}/skills`, httpMethod: "POST", httpParams: '{"skills":[{"skillId": ${user.customproperty9}}]}' });
        return [{ attribute: "UpdateAccountJSON", set: d }];
      },
    },
  ];

  test.each(EDITS)("$name", async (edit) => {
    dev ??= await model(await build(join(repoRoot, "examples/tenants/acme-dev.yaml")));
    const edited = await repack(dev, edit.edits(dev));
    const { tenant, file, diagnostics } = await adoptToFile(edited);
    expect(codes(diagnostics)).toEqual([]);
    const rebuilt = await readPackage(await build(file), { source: "rebuilt.zip" });
    expect(diffPackages(await model(edited), rebuilt.model!).changes).toEqual([]);
    writeFileSync(join(file, "..", "edited.zip"), edited);
    const diff = await runCli(["diff", "edited.zip", "tenant.yaml"], { cwd: join(file, "..") });
    expect(diff.code, diff.stdout).toBe(0);
    if (edit.typed) {
      expect(tenant.value.overrides).toBeUndefined();
      for (const [path, value] of Object.entries(edit.typed)) {
        expect(path.split(".").reduce<any>((node, key) => node?.[key], tenant.value), path).toEqual(value);
      }
    } else {
      // Only in overrides, and nowhere a typed field controls (no TENANT_OVERRIDE_TYPED warning on the build).
      expect(Object.keys(tenant.value.overrides as object)).toEqual(["UpdateAccountJSON"]);
      const validate = await compileTenant(file, { cwd: repoRoot, noPack: true });
      expect(validate.diagnostics.map((d) => d.code)).toEqual([]);
    }
  });
});

describe("the official package", () => {
  const BASE = "https://api-na1.niceincontact.com/inContactAPI/services/v34.0";
  const FILLS = ["provisioning.defaults.teamId=1201", "provisioning.defaults.profileId=5", "provisioning.defaults.timeZone=(GMT-07:00) Mountain Time (US & Canada)", "provisioning.removeAccess.transferTeamId=1299"];

  test("adopt exits 1 naming teamId, profileId, timeZone and transferTeamId; filled with --set, the build fits the CXone contract and simulates clean", async () => {
    const dir = freshDir();
    const run = await runCli(["adopt", officialZipPath, "--out", join(dir, "official.yaml"), "--base-url", BASE, "--format", "json"], { cwd: repoRoot });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { diagnostics: { code: string; path?: string }[] };
    const fills = report.diagnostics.filter((d) => d.code === "ADOPT_FILL").map((d) => d.path);
    expect(fills.sort()).toEqual(["provisioning.defaults.profileId", "provisioning.defaults.teamId", "provisioning.defaults.timeZone", "provisioning.removeAccess.transferTeamId"]);
    // No override re-introduces a defect: every difference from the official package is a listed fix.
    expect(readFileSync(join(dir, "official.yaml"), "utf8")).not.toContain("overrides:");
    expect(report.diagnostics.filter((d) => d.code === "ADOPT_FIXED").length).toBeGreaterThanOrEqual(10);

    const unfilled = await compileTenant(join(dir, "official.yaml"), { cwd: dir, noPack: true });
    expect(unfilled.diagnostics.filter((d) => d.severity === "error").map((d) => d.path).sort()).toEqual(fills.sort());

    const filled = await compileTenant(join(dir, "official.yaml"), { cwd: dir, set: FILLS });
    expect(filled.diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
    expect(contractProblems(filled.attributes as Record<string, unknown>)).toEqual([]);
    // The check can fail: the same create call without the teamId that adopt made you fill.
    const withoutTeam = structuredClone(filled.attributes) as Record<string, any>;
    withoutTeam.CreateAccountJSON.call[0].httpParams = withoutTeam.CreateAccountJSON.call[0].httpParams.replace(/"teamId":"1201",?/, "");
    expect(contractProblems(withoutTeam, ["CreateAccountJSON"])).toHaveLength(1);

    const sim = await runCli(["simulate", join(dir, "official.yaml"), ...FILLS.flatMap((s) => ["--set", s])], { cwd: repoRoot });
    expect(sim.code, sim.stdout).toBe(0);
  });
});

test("an existing output is refused unless --force, and nothing is half-written", async () => {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  const zip = join(dir, "dev.zip");
  emitFiles([{ path: zip, bytes: await build(join(repoRoot, "examples/tenants/acme-dev.yaml")) }]);
  writeFileSync(join(dir, "tenant.yaml"), "keep me\n");
  const refused = await runCli(["adopt", "dev.zip", "--out", "tenant.yaml"], { cwd: dir });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("ADOPT_OUTPUT_EXISTS");
  expect(readFileSync(join(dir, "tenant.yaml"), "utf8")).toBe("keep me\n");
  const forced = await runCli(["adopt", "dev.zip", "--out", "tenant.yaml", "--force"], { cwd: dir });
  expect(forced.code).toBe(0);
  expect(readFileSync(join(dir, "tenant.yaml"), "utf8")).toContain("name: InContact_DEV");
});

test("a zip that is not a connection package exits 2 with the reason", async () => {
  const dir = freshDir();
  mkdirSync(dir, { recursive: true });
  const { zipWithArchiver } = await import("./helpers/pkg-zip.js");
  writeFileSync(join(dir, "photos.zip"), await zipWithArchiver([{ name: "holiday.txt", data: "not a package" }]));
  const run = await runCli(["adopt", "photos.zip", "--out", "tenant.yaml"], { cwd: dir });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/ADOPT_INPUT .*not a connection package: no Connection_<stamp>\(UTC\)\.json entry/);
});
