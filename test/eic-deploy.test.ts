/**
 * plan / deploy / pull over real HTTP against the fake EIC (issue 13 "Accepted when"): each test
 * starts its own fake on 127.0.0.1 and a fresh copy of the example tenants, runs the CLI
 * in-process, and checks exit codes, output and what the fake received and stored.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, test } from "vitest";
import { compileTenant, renderWithSecrets } from "../src/build/compile.js";
import { EicClient } from "../src/eic/index.js";
import { startFakeEic, type FakeEic } from "../src/eic-fake/index.js";
import { readPackage } from "../src/package/read.js";
import { runCli } from "./helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "savpkg-eic-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const CXONE = {
  CXONE_CLIENT_ID: "eic-test-client-id",
  CXONE_CLIENT_SECRET: "eic-test-client-secret",
  CXONE_ACCESS_KEY_ID: "eic-test-access-key-id",
  CXONE_ACCESS_KEY_SECRET: "eic-test-access-key-secret",
};
const DEV = "tenants/acme-dev.yaml";
const PROD = "tenants/acme-prod.yaml";

let fake: FakeEic;
let dir: string;
let env: Record<string, string>;
let workspaces = 0;

beforeEach(async () => {
  fake = await startFakeEic();
  dir = join(temp, `w${workspaces++}`);
  cpSync(join(import.meta.dirname, "..", "examples", "tenants"), join(dir, "tenants"), { recursive: true });
  env = { ...CXONE, SAVIYNT_USERNAME: fake.credentials.username, SAVIYNT_PASSWORD: fake.credentials.password };
});
afterEach(() => fake.stop());

const cli = (argv: string[], options: { env?: Record<string, string>; prompt?: (q: string) => Promise<string> } = {}) =>
  runCli([...argv, "--eic", fake.url], { cwd: dir, env: options.env ?? env, ...(options.prompt ? { prompt: options.prompt } : {}) });
const calls = (endpoint: string) => fake.requests.filter((r) => r.endpoint === endpoint);
const json = (text: string) => JSON.parse(text) as Record<string, unknown>;

/** The built package's attribute documents, as the package reader parses them. */
async function builtAttributes(file: string): Promise<Map<string, unknown>> {
  const compiled = await compileTenant(file, { cwd: dir });
  const model = (await readPackage(compiled.package!.zip)).model!;
  return new Map(model.connection.attributes.filter((a) => a.state === "json").map((a) => [a.name, a.json]));
}

describe("plan, deploy, plan again", () => {
  test("plan before create exits 1 and says create", async () => {
    const run = await cli(["plan", DEV]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain("InContact_DEV");
    expect(run.stdout).toMatch(/: create \(/);
    expect(run.stdout).toContain("ConnectionJSON: write-only: will be set on deploy");
    expect(calls("testConnection")).toEqual([]);
  });

  test("deploy sends the built attributes and the resolved ConnectionJSON; plan afterwards shows no drift", async () => {
    const run = await cli(["deploy", DEV, "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/tenants\/acme-dev\.yaml\s+InContact_DEV\s+create\s+deployed, verified/);

    const [write] = calls("testConnection");
    expect(write!.contentType).toBe("multipart/form-data");
    const fields = write!.fields!;
    expect(fields.connectiontype).toBe("REST");
    expect(fields.connectionName).toBe("InContact_DEV");
    const built = await builtAttributes(DEV);
    expect(built.size).toBe(7);
    for (const [name, document] of built) expect(JSON.parse(fields[name]!), name).toEqual(document);
    const sentAttributes = Object.keys(fields).filter((k) => !["connectiontype", "connectionName", "description"].includes(k));
    expect(sentAttributes.sort()).toEqual([...built.keys(), "ConnectionJSON"].sort());

    const compiled = await compileTenant(DEV, { cwd: dir });
    const withSecrets = renderWithSecrets(compiled, env).attributes!;
    expect(JSON.parse(fields.ConnectionJSON!)).toEqual(withSecrets.ConnectionJSON);
    expect(fields.ConnectionJSON).toContain(CXONE.CXONE_ACCESS_KEY_ID);
    expect(fields.ConnectionJSON).toContain(CXONE.CXONE_ACCESS_KEY_SECRET);
    expect(fields.ConnectionJSON).toContain(Buffer.from(`${CXONE.CXONE_CLIENT_ID}:${CXONE.CXONE_CLIENT_SECRET}`).toString("base64"));
    expect(JSON.parse(fake.storedAttribute("InContact_DEV", "ConnectionJSON")!)).toEqual(withSecrets.ConnectionJSON);

    // The fake stored re-serialised JSON (compact, other key order): text differs, content does not.
    const stored = fake.storedAttribute("InContact_DEV", "CreateAccountJSON")!;
    expect(stored).not.toBe(fields.CreateAccountJSON);
    expect(JSON.parse(stored)).toEqual(JSON.parse(fields.CreateAccountJSON!));

    const again = await cli(["plan", DEV]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toContain("InContact_DEV on " + fake.url + ": no changes");
    // Nothing secret came back or was printed.
    for (const secret of Object.values(CXONE)) expect(again.stdout + again.stderr + run.stdout + run.stderr).not.toContain(secret);
  });

  test("an out-of-band edit of one attribute is found by plan, named by attribute and JSON path; re-deploy repairs it", async () => {
    expect((await cli(["deploy", DEV, "--yes"])).code).toBe(0);
    const edited = JSON.parse(fake.storedAttribute("InContact_DEV", "CreateAccountJSON")!) as { call: { url: string }[] };
    edited.call[0]!.url = "https://evil.example/agents";
    fake.editConnection("InContact_DEV", { CreateAccountJSON: JSON.stringify(edited) }, "someone");

    const plan = await cli(["plan", DEV, "--format", "json"]);
    expect(plan.code, plan.stdout).toBe(1);
    const report = json(plan.stdout) as { tenants: { action: string; diff: { groups: { name: string; changes: { path: string; old: unknown; new: unknown }[] }[] } }[] };
    expect(report.tenants[0]!.action).toBe("update");
    expect(report.tenants[0]!.diff.groups.map((g) => [g.name, g.changes.map((c) => [c.path, c.old, c.new])])).toEqual([
      ["CreateAccountJSON", [["call[0].url", "https://evil.example/agents", "https://api-na1.niceincontact.com/inContactAPI/services/v34.0/agents"]]],
    ]);
    const text = await cli(["plan", DEV]);
    expect(text.stdout).toMatch(/CreateAccountJSON\n\s+~ call\[0\]\.url: "https:\/\/evil\.example\/agents" → /);

    const redeploy = await cli(["deploy", DEV, "--yes"]);
    expect(redeploy.code, redeploy.stderr).toBe(0);
    expect(redeploy.stderr).toMatch(/InContact_DEV\s+update\s+deployed, verified/);
    expect((await cli(["plan", DEV])).code).toBe(0);
  });

  test("several tenants: one login, one read + one write + one verifying read each, a summary table", async () => {
    const run = await cli(["deploy", DEV, PROD, "--yes", "--concurrency", "2"]);
    expect(run.code, run.stderr).toBe(0);
    expect(calls("login")).toHaveLength(1);
    expect(calls("getConnectionDetails")).toHaveLength(4);
    expect(calls("testConnection")).toHaveLength(2);
    expect(run.stderr).toMatch(/tenant\s+connection\s+action\s+result\n.*acme-dev.*InContact_DEV.*create.*deployed, verified.*\n.*acme-prod.*InContact_PROD.*create.*deployed, verified/);
  });
});

describe("tokens and credentials", () => {
  test("a token expiring mid-run is refreshed and the call retried; a refused refresh logs in again", async () => {
    fake.setKnobs({ expireTokensAfterCalls: 1 });
    const run = await cli(["deploy", DEV, "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    expect(fake.requests.map((r) => `${r.endpoint} ${r.status}`)).toEqual([
      "login 200",
      "getConnectionDetails 412",
      "testConnection 401",
      "access_token 200",
      "testConnection 200",
      "getConnectionDetails 200",
    ]);
    expect(calls("access_token")[0]!.contentType).toBe("application/x-www-form-urlencoded");

    const client = new EicClient({ origin: fake.url, ...fake.credentials });
    expect((await client.getConnectionDetails("InContact_DEV")).ok).toBe(true);
    fake.expireAllTokens(true);
    const after = await client.getConnectionDetails("InContact_DEV");
    expect(after.ok && after.value?.name).toBe("InContact_DEV");
    expect(client.stats).toMatchObject({ logins: 2, refreshes: 1 });
  });

  test("a wrong password exits 2 with one line naming the status and the user, never the password", async () => {
    const wrong = "not-the-password-4711";
    for (const status of [401, 403] as const) {
      fake.setKnobs({ authFailureStatus: status });
      const run = await cli(["plan", DEV], { env: { ...env, SAVIYNT_PASSWORD: wrong } });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      const lines = run.stderr.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`EIC_AUTH_FAILED .*as "admin" refused: HTTP ${status}`));
      expect(run.stderr).not.toContain(wrong);
      expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  test("plain http to a remote host is refused before any connection, exit 2", async () => {
    for (const url of ["http://acme.saviyntcloud.com", "https://acme.saviyntcloud.com/ECM", "ftp://127.0.0.1"]) {
      const run = await runCli(["plan", DEV, "--eic", url], { cwd: dir, env });
      expect(run.code, url).toBe(2);
      expect(run.stderr, url).toMatch(/EIC_URL_REFUSED/);
    }
    expect(fake.requests).toEqual([]);
  });
});

describe("reviewed plans and confirmation", () => {
  test("deploy --plan applies a current plan and refuses a stale one (live edited, or desired changed)", async () => {
    const first = await cli(["plan", DEV, "--out", "plan.json"]);
    expect(first.code).toBe(1);
    const planText = readFileSync(join(dir, "plan.json"), "utf8");
    for (const secret of Object.values(CXONE)) expect(planText).not.toContain(secret);
    expect(json(planText)).toMatchObject({ format: "savpkg.plan", version: 1, tenants: [{ tenant: DEV, connection: "InContact_DEV", action: "create", live: null }] });
    expect((await cli(["deploy", DEV, "--plan", "plan.json", "--yes"])).code).toBe(0);

    expect((await cli(["plan", DEV, "--out", "plan2.json"])).code).toBe(0);
    const desiredChanged = await cli(["deploy", DEV, "--plan", "plan2.json", "--yes", "--set", "import.pageSize=77"]);
    expect(desiredChanged.code).toBe(1);
    expect(desiredChanged.stderr).toMatch(/DEPLOY_PLAN_STALE .*desired build changed since the plan \(ImportAccountEntJSON\)/);

    fake.editConnection("InContact_DEV", { DisableAccountJSON: '{"call":[]}' }, "someone");
    const writes = calls("testConnection").length;
    const liveChanged = await cli(["deploy", DEV, "--plan", "plan2.json", "--yes"]);
    expect(liveChanged.code).toBe(1);
    expect(liveChanged.stderr).toMatch(/DEPLOY_PLAN_STALE .*the live connection was changed since the plan/);
    expect(liveChanged.stderr).toMatch(/InContact_DEV\s+update\s+refused/);
    expect(calls("testConnection")).toHaveLength(writes);
  });

  test("a missing or foreign --plan file is refused before anything is read or sent (exit 2)", async () => {
    writeFileSync(join(dir, "other.json"), JSON.stringify({ format: "savpkg.diff", version: 1 }));
    for (const [file, message] of [["missing.json", /cannot read missing\.json: ENOENT/], ["other.json", /not a savpkg plan/]] as const) {
      const run = await cli(["deploy", DEV, "--plan", file, "--yes"]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`DEPLOY_PLAN_INVALID .*${message.source}`));
    }
    expect(fake.requests).toEqual([]);
  });

  test("without a terminal --yes is required; at a terminal only 'yes' deploys", async () => {
    const refused = await cli(["deploy", DEV]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/DEPLOY_NOT_CONFIRMED/);
    expect(fake.requests).toEqual([]);

    const questions: string[] = [];
    const declined = await cli(["deploy", DEV], { prompt: async (q) => (questions.push(q), "no") });
    expect(declined.code).toBe(1);
    expect(declined.stderr).toContain("CreateAccountJSON");
    expect(questions).toHaveLength(1);
    expect(calls("testConnection")).toEqual([]);

    const accepted = await cli(["deploy", DEV], { prompt: async () => "yes" });
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(calls("testConnection")).toHaveLength(1);
  });
});

describe("faults", () => {
  test("5xx on a read is retried with backoff; 5xx that persists exits 2 naming the endpoint", async () => {
    fake.addFault({ endpoint: "getConnectionDetails", status: 503, times: 2 });
    const run = await cli(["plan", DEV]);
    expect(run.code, run.stderr).toBe(1);
    expect(calls("getConnectionDetails").map((r) => r.status)).toEqual([503, 503, 412]);

    fake.addFault({ endpoint: "getConnectionDetails", status: 500, times: 3 });
    const down = await cli(["plan", DEV]);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/EIC_SERVER_ERROR .*getConnectionDetails at http:\/\/127\.0\.0\.1:\d+: HTTP 500 \(3 attempts\)/);
  });

  test("a write is not retried when its outcome is unknown; the next plan shows the truth", async () => {
    fake.addFault({ endpoint: "testConnection", status: 502 });
    const run = await cli(["deploy", DEV, "--yes"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/EIC_WRITE_UNKNOWN .*testConnection/);
    expect(calls("testConnection")).toHaveLength(1);
    expect((await cli(["plan", DEV])).stdout).toMatch(/: create \(/);
  });

  test("a slow server times out after bounded retries; 'Connection Failed' is saved with a warning", async () => {
    fake.addFault({ endpoint: "getConnectionDetails", delayMs: 1500, times: 3 });
    const slow = await cli(["plan", DEV, "--timeout", "0.2"]);
    expect(slow.code).toBe(2);
    expect(slow.stderr).toMatch(/EIC_UNREACHABLE .*getConnectionDetails .*no answer within 200 ms \(3 attempts\)/);

    fake.setKnobs({ targetTest: "failed" });
    const failed = await cli(["deploy", DEV, "--yes"]);
    expect(failed.code, failed.stderr).toBe(0);
    expect(failed.stderr).toMatch(/warning EIC_TARGET_TEST_FAILED .*Connection Failed/);
  });

  test("a response that breaks the contract is a diagnostic naming the field", async () => {
    expect((await cli(["deploy", DEV, "--yes"])).code).toBe(0);
    fake.setKnobs({ notFound: { status: 200, body: { errorcode: "0", msg: "success" } } });
    const run = await cli(["pull", "--connection", "NoSuchConnection", "--out", "x.zip"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/EIC_RESPONSE_SHAPE .*field "errorcode" is a string, expected integer/);
  });
});

describe("pull", () => {
  test("pull writes the live connection as a native package that inspect, lint and diff read", async () => {
    expect((await cli(["deploy", DEV, "--yes"])).code).toBe(0);
    const run = await cli(["pull", DEV, "--out", "live.zip"]);
    expect(run.code, run.stderr).toBe(0);
    const model = (await readPackage(readFileSync(join(dir, "live.zip")))).model!;
    const connectionJson = model.connection.attributes.find((a) => a.name === "ConnectionJSON")!;
    expect(connectionJson.state).toBe("ciphertext");
    const diff = await runCli(["diff", "live.zip", DEV], { cwd: dir, env });
    expect(diff.code, diff.stdout).toBe(0);
    expect((await runCli(["lint", "live.zip"], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(["inspect", "live.zip"], { cwd: dir, env })).stdout).toContain("InContact_DEV");
  });

  test("pull of an unknown connection exits 1: does not exist", async () => {
    const run = await cli(["pull", "--connection", "InContact_NOPE", "--out", "x.zip"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/EIC_NOT_FOUND .*"InContact_NOPE" does not exist/);
    writeFileSync(join(dir, "marker"), "");
    expect(() => readFileSync(join(dir, "x.zip"))).toThrow();
  });
});

describe("the fake's open questions are knobs: deploy, then plan shows no drift under each answer", () => {
  const answers: [string, Parameters<FakeEic["setKnobs"]>[0]][] = [
    ["upper-case attribute keys", { attributeKeyCase: "upper" }],
    ["JSON stored verbatim", { reserialize: "verbatim" }],
    ["ConnectionJSON omitted on read", { connectionJsonOnRead: "omitted" }],
    ["ConnectionJSON empty on read", { connectionJsonOnRead: "empty" }],
    ["ConnectionJSON in clear on read", { connectionJsonOnRead: "plaintext" }],
    ["EIC 24.10 (no entitlement JSONs)", { version: "24.10" }],
    ["EIC 25.C (AppType)", { version: "25.C" }],
    ["update replaces", { updateMode: "replace" }],
    ["not found as 200 + errorcode", { notFound: { status: 200, body: { errorcode: 1, msg: "Connection not found" } } }],
  ];
  test.each(answers)("%s", async (_name, knobs) => {
    fake.setKnobs(knobs);
    const plan = await cli(["plan", DEV]);
    expect(plan.code, plan.stderr).toBe(1);
    expect(plan.stdout).toMatch(/: create \(/);
    const run = await cli(["deploy", DEV, "--yes"]);
    expect(run.code, run.stderr).toBe(0);
    const again = await cli(["plan", DEV]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  test("a refresh token answered empty or rotated keeps the run going", async () => {
    for (const refreshTokenMode of ["empty", "rotate"] as const) {
      fake.setKnobs({ refreshTokenMode, expireTokensAfterCalls: 1 });
      fake.clearRequests();
      const run = await cli(["plan", DEV, PROD]);
      expect(run.code, run.stderr).toBe(1);
      expect(calls("access_token").map((r) => r.status)).toEqual([200]);
      expect(calls("login")).toHaveLength(1);
    }
  });

  test("pull leaves a ConnectionJSON answered in clear out of the package, with a warning", async () => {
    fake.setKnobs({ connectionJsonOnRead: "plaintext" });
    expect((await cli(["deploy", DEV, "--yes"])).code).toBe(0);
    const run = await cli(["pull", DEV, "--out", "live.zip"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/warning EIC_PLAINTEXT_SECRET/);
    const text = readFileSync(join(dir, "live.zip")).toString("latin1");
    for (const secret of [CXONE.CXONE_ACCESS_KEY_ID, CXONE.CXONE_ACCESS_KEY_SECRET]) expect(text).not.toContain(secret);
  });
});

describe("adopt a live connection", () => {
  test("a deployed connection, adopted with --connection, rebuilds what the EIC holds", async () => {
    expect((await cli(["deploy", DEV, "--yes"])).code).toBe(0);
    const adopt = await cli(["adopt", "--connection", "InContact_DEV", "--out", "adopted.yaml"]);
    expect(adopt.code, adopt.stderr).toBe(0);
    expect(readFileSync(join(dir, "adopted.yaml"), "utf8")).toContain("name: InContact_DEV");
    expect((await cli(["pull", "--connection", "InContact_DEV", "--out", "live.zip"])).code).toBe(0);
    const diff = await runCli(["diff", "live.zip", "adopted.yaml"], { cwd: dir, env });
    expect(diff.code, diff.stdout).toBe(0);
  });

  test("an unknown live connection exits 2 with the EIC's reason, and nothing is written", async () => {
    const adopt = await cli(["adopt", "--connection", "InContact_NOPE", "--out", "adopted.yaml"]);
    expect(adopt.code).toBe(2);
    expect(adopt.stderr).toMatch(/EIC_NOT_FOUND .*InContact_NOPE/);
    expect(adopt.stderr).toContain("ADOPT_INPUT");
    expect(existsSync(join(dir, "adopted.yaml"))).toBe(false);
  });
});
