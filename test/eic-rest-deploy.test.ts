/**
 * plan / deploy / plan for a generic REST tenant (`connector: rest`, as adopt writes one) against the
 * fake EIC over real HTTP: the same life cycle as the typed connector. A rest tenant carries its
 * ConnectionJSON only as the export's ciphertext, so deploy never sends a ConnectionJSON (EIC's
 * update merges: the one already stored stays) and plan notes it as write-only.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { startFakeEic, type FakeEic } from "../src/eic-fake/index.js";
import { readPackage } from "../src/package/read.js";
import { runCli } from "./helpers/cli.js";

const repo = join(import.meta.dirname, "..");
let fake: FakeEic;
let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  fake = await startFakeEic();
  dir = mkdtempSync(join(tmpdir(), "savpkg-rest-deploy-"));
  // The adopted tenant of a multi-call REST import (test/fixtures/adopt), as a user would have it.
  const text = readFileSync(join(repo, "test/fixtures/adopt/rest-multi-call-imports/expected.yaml"), "utf8").replace("$schema=<schema>", "$schema=../schemas/tenant.schema.json");
  writeFileSync(join(dir, "directory.yaml"), text);
  env = { SAVIYNT_USERNAME: fake.credentials.username, SAVIYNT_PASSWORD: fake.credentials.password };
});
afterEach(() => fake.stop());

const cli = (argv: string[]) => runCli([...argv, "--eic", fake.url], { cwd: dir, env });

test("a rest tenant: plan says create, deploy sends its attributes and no ConnectionJSON, plan after shows no drift", async () => {
  const before = await cli(["plan", "directory.yaml"]);
  expect(before.code, before.stderr).toBe(1);
  expect(before.stdout).toMatch(/Acme_Directory.*: create \(/s);

  const deployed = await cli(["deploy", "directory.yaml", "--yes"]);
  expect(deployed.code, deployed.stderr).toBe(0);
  const [write] = fake.requests.filter((r) => r.endpoint === "testConnection");
  const fields = write!.fields!;
  expect(fields.connectionName).toBe("Acme_Directory");
  expect(fields).not.toHaveProperty("ConnectionJSON");
  // Every attribute the build has is sent as its JSON text, exactly.
  const compiled = await compileTenant("directory.yaml", { cwd: dir });
  const model = (await readPackage(compiled.package!.zip)).model!;
  const built = model.connection.attributes.filter((a) => a.state === "json");
  expect(built.length).toBeGreaterThan(0);
  for (const a of built) expect(JSON.parse(fields[a.name]!), a.name).toEqual(a.json);

  const after = await cli(["plan", "directory.yaml"]);
  expect(after.code, after.stdout + after.stderr).toBe(0);
});

test("an out-of-band edit of a rest tenant's attribute is drift, and re-deploy repairs it", async () => {
  expect((await cli(["deploy", "directory.yaml", "--yes"])).code).toBe(0);
  const doc = JSON.parse(fake.storedAttribute("Acme_Directory", "ImportAccountEntJSON")!) as { accountParams: { statusAndThresholdConfig: { accountThresholdValue: number } } };
  doc.accountParams.statusAndThresholdConfig.accountThresholdValue = 99;
  fake.editConnection("Acme_Directory", { ImportAccountEntJSON: JSON.stringify(doc) });
  const drift = await cli(["plan", "directory.yaml"]);
  expect(drift.code).toBe(1);
  expect(drift.stdout).toContain("accountThresholdValue");
  expect((await cli(["deploy", "directory.yaml", "--yes"])).code).toBe(0);
  expect((await cli(["plan", "directory.yaml"])).code).toBe(0);
});
