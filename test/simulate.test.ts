/**
 * `simulate` end to end (src/simulate.ts): the example tenants against the real simulator, fault
 * knobs (expired token mid-import, 429, 500), the official package with `baseUrlFrom`, packages
 * built by savpkg, unsupported expressions, fatal inputs, and the text/JSON reports. Golden text
 * reports live in test/fixtures/simulate/<case>/ (a folder with case.json adds a test).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { nodeTransport, type HttpRequest, type Transport } from "../src/executor/index.js";
import { formatSimulationJson, formatSimulationText, simulate, simulationExitCode, STEPS, type SimulateOptions, type SimulationReport } from "../src/simulate/index.js";
import { loadSeed } from "../src/simulator/index.js";
import { acmeDevPackageWithFirstname } from "./helpers/pkg-zip.js";

const repoRoot = resolve(import.meta.dirname, "..");
const officialZip = resolve(repoRoot, "test/fixtures/official/INCONTACT.zip");
const seed = loadSeed(join(repoRoot, "test/fixtures/simulator/acme-seed.json")).seed!;
const tmp = mkdtempSync(join(tmpdir(), "savpkg-simulate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const noWait = { sleep: async () => undefined };

function run(input: string, options: Partial<SimulateOptions> = {}): Promise<SimulationReport> {
  return simulate(input, { cwd: repoRoot, ...noWait, ...options });
}

function step(report: SimulationReport, name: string) {
  const s = report.steps.find((x) => x.name === name);
  if (!s) throw new Error(`no step ${name}`);
  return s;
}

describe.each([
  ["acme-dev", ["Teams"]],
  ["acme-prod", ["Teams", "Groups"]],
])("example tenant %s", (name, types) => {
  let report: SimulationReport;
  const wire: HttpRequest[] = [];
  test("passes every operation", async () => {
    const real = nodeTransport();
    const transport: Transport = (req) => {
      wire.push(req);
      return real(req);
    };
    report = await run(`examples/tenants/${name}.yaml`, { transport });
    expect(report.steps.map((s) => [s.name, s.ok, s.reasons])).toEqual(STEPS.map((s) => [s.name, true, []]));
    expect(report.ok).toBe(true);
    expect(simulationExitCode(report)).toBe(0);
    expect(report.diagnostics).toEqual([]);
    expect(report.unsupported).toEqual([]);
    expect(report.connection.source).toBe("tenant");
  });

  test("imports at least 3 pages of agents at page size 10", () => {
    for (const s of [step(report, "import"), step(report, "reimport")]) {
      const pages = s.calls.filter((c) => c.operation.startsWith("import accounts call1") && c.result === "pass");
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.map((c) => new URL(c.path, "http://x").searchParams.get("top"))).toEqual(pages.map(() => "10"));
    }
  });

  test("imports exactly the seeded accounts, entitlements and memberships", () => {
    const imported = step(report, "import").imported!;
    expect(imported.data.accounts.map((a) => [a.accountID, a.name, a.status])).toEqual(seed.agents.map((a) => [String(a.agentId), a.userName, a.isActive ? "active" : "inactive"]));
    const expectedEnts = [...seed.teams.map((t) => ["Teams", String(t.teamId), t.teamName])];
    if (types.includes("Groups")) expectedEnts.push(...(seed.groups ?? []).map((g) => ["Groups", String(g.groupId), g.groupName]));
    expect(imported.data.entitlements.map((e) => [e.entitlementType, e.entitlementID, e.entitlementValue])).toEqual(expectedEnts);
    const memberships = imported.data.memberships.map((m) => `${m.entitlementType}:${m.accountID}@${m.entitlementID}`).sort();
    const expected = seed.agents.map((a) => `Teams:${a.agentId}@${a.teamId}`);
    if (types.includes("Groups")) expected.push(...(seed.groupMemberships ?? []).map((m) => `Groups:${m.agentId}@${m.groupId}`));
    expect(memberships).toEqual(expected.sort());
    expect(step(report, "import").changes).toEqual([]);
  });

  test("each step changes the simulator as intended, and import again sees the result", () => {
    expect(step(report, "create").changes.map((c) => c.kind)).toEqual(["agent-created"]);
    const id = step(report, "create").target![0]!.accountID;
    expect(step(report, "update").changes).toMatchObject([{ kind: "agent-updated", agentId: Number(id), fields: { lastName: { from: "Simulator", to: "Simulated" }, city: { from: "Denver", to: "Boulder" }, state: { from: null, to: "CO" } } }]);
    expect(step(report, "disable").changes).toMatchObject([{ kind: "agent-deactivated", agentId: Number(id) }]);
    expect(step(report, "enable").changes).toMatchObject([{ kind: "agent-activated", agentId: Number(id) }]);
    expect(step(report, "addAccess").changes.map((c) => c.kind).sort()).toEqual(types.includes("Groups") ? ["agent-moved", "group-member-added"] : ["agent-moved"]);
    expect(step(report, "removeAccess").changes.map((c) => c.kind).sort()).toEqual(types.includes("Groups") ? ["agent-moved", "group-member-removed"] : ["agent-moved"]);
    const again = step(report, "reimport").imported!;
    expect(again.accounts).toBe(seed.agents.length + 1);
    expect(again.data.accounts.find((a) => a.accountID === id)).toMatchObject({ name: "sam.simulator@example.com", status: "active" });
    expect(step(report, "reimport").checks.every((c) => c.pass)).toBe(true);
  });

  test("the JSON report names every operation; no secret or token reaches either report", () => {
    const json = JSON.parse(formatSimulationJson(report));
    expect(Object.keys(json)).toEqual(["ok", "fatal", "input", "connection", "notes", "steps", "unsupported", "diagnostics", "summary"]);
    expect(json.steps.map((s: { name: string }) => s.name)).toEqual(["import", "create", "update", "disable", "enable", "addAccess", "removeAccess", "reimport"]);
    expect(json.summary).toMatchObject({ steps: 8, passed: 8, failed: 0 });
    const ops = json.steps.flatMap((s: { calls: Array<{ operation: string }> }) => s.calls.map((c) => c.operation));
    for (const op of ["create call1", "update call1", "disable call1", "enable call1", ...types.map((t) => `addAccess ${t}`), ...types.map((t) => `removeAccess ${t}`)]) expect(ops).toContain(op);

    const tokenCall = wire.find((r) => r.url.endsWith("/auth/token"))!;
    const form = new URLSearchParams(tokenCall.body);
    const secrets = [form.get("username")!, form.get("password")!, tokenCall.headers.Authorization!.replace(/^Basic /, "")];
    const bearer = wire.map((r) => r.headers.Authorization).find((h) => h?.startsWith("Bearer sim_at_"))!;
    secrets.push(bearer.slice("Bearer ".length));
    const outputs = [formatSimulationJson(report), formatSimulationText(report)];
    for (const out of outputs) for (const secret of secrets) expect(out).not.toContain(secret);
    expect(secrets.every((s) => s.length >= 8)).toBe(true);
  });
});

describe("faults", () => {
  test("an access token that expires mid-import is refreshed and the page repeated", async () => {
    // Requests to /agents: 1 = placeholder token (401), 2 = page 1, 3 = page 2 → expired.
    const report = await run("examples/tenants/acme-dev.yaml", { knobs: { faults: [{ method: "GET", path: "/agents", status: 401, after: 2, count: 1 }] } });
    expect(report.ok).toBe(true);
    const calls = step(report, "import").calls.map((c) => [c.operation, c.status, c.result]);
    expect(calls.slice(0, 7)).toEqual([
      ["import accounts call1", 401, "retried"],
      ["token acctAuth", 200, "pass"],
      ["import accounts call1", 200, "pass"],
      ["import accounts call1 page 2", 401, "retried"],
      ["token acctAuth", 200, "pass"],
      ["import accounts call1 page 2", 200, "pass"],
      ["import accounts call1 page 3", 200, "pass"],
    ]);
    expect(step(report, "import").imported!.accounts).toBe(25);
  });

  test("a 429 with Retry-After is waited for and retried", async () => {
    const sleeps: number[] = [];
    const report = await run("examples/tenants/acme-dev.yaml", { sleep: async (ms) => void sleeps.push(ms), knobs: { faults: [{ method: "POST", path: "/teams/*/agents", status: 429, retryAfter: 1, count: 1 }] } });
    expect(report.ok).toBe(true);
    expect(sleeps).toEqual([1000]);
    expect(step(report, "addAccess").calls.map((c) => [c.status, c.result, c.reason])).toEqual([
      [429, "retried", "429 Too Many Requests: waited Retry-After 1 s and repeated the call"],
      [200, "pass", undefined],
    ]);
  });

  test("a 429 whose Retry-After exceeds the cap is reported as the step's failure", async () => {
    const report = await run("examples/tenants/acme-dev.yaml", { knobs: { faults: [{ method: "GET", path: "/teams", status: 429, retryAfter: 60 }] } });
    expect(report.ok).toBe(false);
    expect(simulationExitCode(report)).toBe(1);
    expect(step(report, "import").reasons).toEqual(["import entitlements Teams call1: 429 Too Many Requests: Retry-After 60 s exceeds the 5 s cap; not retried"]);
  });

  test("a 500 on create is reported, changes nothing, and later steps use an imported account", async () => {
    const report = await run("examples/tenants/acme-dev.yaml", { knobs: { faults: [{ method: "POST", path: "/agents", status: 500, count: 1 }] } });
    expect(report.ok).toBe(false);
    const create = step(report, "create");
    expect(create.reasons).toEqual(["create call1: 500 An unexpected error occurred — status 500 is not in statusCode [200, 201]"]);
    expect(create.changes).toEqual([]);
    expect(create.calls.map((c) => [c.method, c.path, c.status, c.result])).toEqual([["POST", "/inContactAPI/services/v34.0/agents", 500, "fail"]]);
    expect(report.notes).toContain("create did not give an account: update and later steps act on imported account 5001");
    expect(["update", "disable", "enable", "addAccess", "removeAccess"].map((n) => step(report, n).ok)).toEqual([true, true, true, true, true]);
    expect(step(report, "reimport").imported!.accounts).toBe(25);
    expect(report.diagnostics.map((d) => [d.code, d.path, d.message])).toEqual([["SIM_STEP_FAILED", "CreateAccountJSON", "create failed: create call1: 500 An unexpected error occurred — status 500 is not in statusCode [200, 201]"]]);
  });

  test("a 500 in the middle of an import keeps what Saviynt had (doNotChangeIfFailed) and changes nothing", async () => {
    // Requests to /agents: 1-4 first import (placeholder token, 3 pages), 5 = page 1 again, 6 = page 2 → 500.
    const report = await run("examples/tenants/acme-dev.yaml", { knobs: { faults: [{ method: "GET", path: "/agents", status: 500, after: 5, count: 1 }] } });
    const again = step(report, "reimport");
    expect(again.ok).toBe(false);
    expect(again.reasons).toEqual([
      "import accounts call1 page 2: 500 An unexpected error occurred: status 500 is not in statusCode [200, 204]",
      "the account import failed; doNotChangeIfFailed keeps the accounts Saviynt already had",
    ]);
    expect(again.changes).toEqual([]);
    expect(again.calls.filter((c) => c.operation.startsWith("import accounts")).map((c) => [c.operation, c.status, c.result])).toEqual([
      ["import accounts call1", 200, "pass"],
      ["import accounts call1 page 2", 500, "fail"],
    ]);
  });
});

describe("the official package", () => {
  let report: SimulationReport;
  test("with --base-url-from acme-dev: create and remove access are rejected with clear reasons", async () => {
    report = await run(officialZip, { baseUrlFrom: "examples/tenants/acme-dev.yaml" });
    expect(report.ok).toBe(false);
    expect(report.fatal).toBe(false);
    expect(simulationExitCode(report)).toBe(1);
    expect(report.connection).toEqual({ source: "base-url-from", note: "the package's ConnectionJSON is encrypted; used the ConnectionJSON rendered from examples/tenants/acme-dev.yaml with generated secrets" });
    const create = step(report, "create");
    expect(create.ok).toBe(false);
    for (const field of ["teamId", "profileId", "timeZone"]) expect(create.reasons[0]).toContain(`Invalid ${field} - '', is required`);
    const remove = step(report, "removeAccess");
    expect(remove.ok).toBe(false);
    expect(remove.reasons).toEqual(["removeAccess Teams: 400 Invalid transferTeamId - '', is required — status 400 is not in statusCode [200, 201]"]);
    expect(remove.changes).toEqual([]);
    expect(report.diagnostics.filter((d) => d.code === "SIM_STEP_FAILED").map((d) => d.path)).toEqual(
      expect.arrayContaining(["CreateAccountJSON", "RemoveAccessJSON"]),
    );
  });

  test("its other defects are named too: relative URLs, the {agents:[…]} update body, members read from the wrong level", () => {
    expect(report.notes).toContain(
      "relative URLs are resolved against https://api-na1.niceincontact.com/inContactAPI/services/v34.0 (cxone.apiBaseUrl of examples/tenants/acme-dev.yaml); https://api-na1.niceincontact.com and https://cxone.niceincontact.com are redirected to the simulator",
    );
    expect(step(report, "update").reasons[0]).toContain('PUT /agents/{agentId} expects {"agent":{...}}');
    const membership = step(report, "import").checks.find((c) => c.name === "Teams memberships equal the simulator's")!;
    expect(membership.pass).toBe(false);
    expect(membership.detail).toContain('listField "agents" matched nothing in 7 of 7 response(s); arrays of records are at: teams, teams[0].agents');
    expect(step(report, "import").imported).toMatchObject({ accounts: 25, entitlements: { Teams: 7 }, memberships: {} });
    // Paged by the simulator's list cap: the official call has no top.
    expect(step(report, "import").calls.filter((c) => c.operation.startsWith("import accounts") && c.result === "pass").map((c) => c.path)).toEqual([
      "/inContactAPI/services/v34.0/agents",
      "/inContactAPI/services/v34.0/agents?skip=10",
      "/inContactAPI/services/v34.0/agents?skip=20",
    ]);
    expect(step(report, "addAccess").ok).toBe(true);
    expect(step(report, "create").calls[0]!.notes).toEqual([
      '${user.middlename} is null and was sent as the text "null"',
      '${user.customproperty20} is null and was sent as the text "null"',
      '${user.state} is null and was sent as the text "null"',
    ]);
  });

  test("without --base-url-from a generated connection and the default CXone base are used", async () => {
    const r = await run(officialZip);
    expect(r.connection.source).toBe("generated");
    expect(r.connection.note).toBe("the package's ConnectionJSON is encrypted; used a generated oauth2 block (acctAuth) for the simulator's /auth/token with generated secrets");
    expect(step(r, "import").imported!.accounts).toBe(25);
    expect(step(r, "create").ok).toBe(false);
    expect(step(r, "removeAccess").ok).toBe(false);
  });
});

describe("packages built by savpkg", () => {
  test("the acme-dev package passes with and without --base-url-from", async () => {
    const compiled = await compileTenant(join(repoRoot, "examples/tenants/acme-dev.yaml"), { cwd: repoRoot, set: ["import.pageSize=10"] });
    expect(compiled.package).toBeDefined();
    const zip = join(tmp, "acme-dev.zip");
    writeFileSync(zip, compiled.package!.zip);
    const withBase = await run(zip, { baseUrlFrom: "examples/tenants/acme-dev.yaml" });
    expect(withBase.steps.map((s) => [s.name, s.ok])).toEqual(STEPS.map((s) => [s.name, true]));
    expect(withBase.connection.note).toBe("the package's ConnectionJSON is empty; used the ConnectionJSON rendered from examples/tenants/acme-dev.yaml with generated secrets");
    const alone = await run(zip);
    expect(alone.ok).toBe(true);
    expect(alone.connection.source).toBe("generated");
  });

  test("an expression outside the subset is reported as SIM_UNSUPPORTED and fails its step", async () => {
    const zip = join(tmp, "unsupported.zip");
    writeFileSync(zip, await acmeDevPackageWithFirstname("\"${user.firstname.split(' ')[0]}\""));
    const report = await run(zip, { baseUrlFrom: "examples/tenants/acme-dev.yaml" });
    expect(report.unsupported).toEqual([{ kind: "unsupported", expression: "${user.firstname.split(' ')[0]}", message: "the method split()", where: "CreateAccountJSON.call[0].httpParams" }]);
    expect(step(report, "create").reasons[0]).toBe("create call1: unsupported expression ${user.firstname.split(' ')[0]} in httpParams: the method split()");
    expect(step(report, "create").calls.map((c) => [c.status, c.result])).toEqual([[null, "fail"]]);
    expect(report.diagnostics.find((d) => d.code === "SIM_UNSUPPORTED")).toMatchObject({ severity: "error", path: "CreateAccountJSON.call[0].httpParams", message: "${user.firstname.split(' ')[0]}: the method split()" });
  });
});

describe("inputs that cannot run (exit 2)", () => {
  test.each([
    ["examples/tenants/nope.yaml", {}, "TENANT_NOT_FOUND"],
    ["nope.zip", {}, "IO_READ"],
    ["examples/tenants/acme-dev.yaml", { pageSize: 0 }, "USAGE"],
    ["examples/tenants/acme-dev.yaml", { seed: "test/fixtures/simulate/no-such-seed.json" }, "IO_READ"],
  ] as Array<[string, Partial<SimulateOptions>, string]>)("%s %j → %s", async (input, options, code) => {
    const report = await run(input, options);
    expect(report.fatal).toBe(true);
    expect(simulationExitCode(report)).toBe(2);
    expect(report.steps).toEqual([]);
    expect(report.diagnostics.map((d) => d.code)).toContain(code);
  });

  test("a seed that breaks the data model is refused", async () => {
    const bad = join(tmp, "bad-seed.json");
    writeFileSync(bad, JSON.stringify({ ...seed, agents: [{ ...seed.agents[0], teamId: 9999 }] }));
    const report = await run("examples/tenants/acme-dev.yaml", { seed: bad });
    expect(report.fatal).toBe(true);
    expect(report.diagnostics.some((d) => d.code === "SIM_SEED_INVALID")).toBe(true);
  });

  test("a zip that is not a package is refused", async () => {
    const junk = join(tmp, "junk.zip");
    writeFileSync(junk, "not a zip at all");
    const report = await run(junk);
    expect(report.fatal).toBe(true);
    expect(report.diagnostics.map((d) => d.code)).toContain("ZIP_CORRUPT");
  });
});

describe("golden text reports", () => {
  const root = join(repoRoot, "test/fixtures/simulate");
  const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory());
  test.each(cases.map((d) => d.name))("%s", async (name) => {
    const spec = JSON.parse(readFileSync(join(root, name, "case.json"), "utf8")) as { input: string; baseUrlFrom?: string; knobs?: SimulateOptions["knobs"] };
    const input = spec.input;
    const report = await run(input, { ...(spec.baseUrlFrom ? { baseUrlFrom: spec.baseUrlFrom } : {}), ...(spec.knobs ? { knobs: spec.knobs } : {}) });
    const text = formatSimulationText(report);
    await expect(text).toMatchFileSnapshot(join(root, name, "expected.txt"));
  });
});
