/**
 * Adopting a live connection (`savpkg adopt --connection NAME --eic URL`): the connection is read
 * from the fake EIC over real HTTP as `pull` reads it, and the tenant file adopt writes rebuilds
 * what the EIC holds (`savpkg diff` of the pulled package and the adopted tenant exits 0).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, expect, test } from "vitest";
import { startFakeEic, type FakeEic } from "../src/eic-fake/index.js";
import { runCli } from "./helpers/cli.js";

const temp = mkdtempSync(join(tmpdir(), "savpkg-adopt-live-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
const CXONE = { CXONE_CLIENT_ID: "id", CXONE_CLIENT_SECRET: "secret", CXONE_ACCESS_KEY_ID: "key-id", CXONE_ACCESS_KEY_SECRET: "key-secret" };

let fake: FakeEic;
let dir: string;
let env: Record<string, string>;
let n = 0;
beforeEach(async () => {
  fake = await startFakeEic();
  dir = join(temp, `w${n++}`);
  cpSync(join(import.meta.dirname, "..", "examples", "tenants"), join(dir, "tenants"), { recursive: true });
  env = { ...CXONE, SAVIYNT_USERNAME: fake.credentials.username, SAVIYNT_PASSWORD: fake.credentials.password };
});
afterEach(() => fake.stop());

test("a deployed connection, adopted live, rebuilds what the EIC holds", async () => {
  expect((await runCli(["deploy", "tenants/acme-dev.yaml", "--yes", "--eic", fake.url], { cwd: dir, env })).code).toBe(0);
  const adopt = await runCli(["adopt", "--connection", "InContact_DEV", "--eic", fake.url, "--out", "adopted.yaml"], { cwd: dir, env });
  expect(adopt.code, adopt.stderr).toBe(0);
  expect(readFileSync(join(dir, "adopted.yaml"), "utf8")).toContain("name: InContact_DEV");
  expect((await runCli(["pull", "--connection", "InContact_DEV", "--eic", fake.url, "--out", "live.zip"], { cwd: dir, env })).code).toBe(0);
  const diff = await runCli(["diff", "live.zip", "adopted.yaml"], { cwd: dir, env });
  expect(diff.code, diff.stdout).toBe(0);
});

test("an unknown live connection exits 2 with the EIC's reason, and nothing is written", async () => {
  const adopt = await runCli(["adopt", "--connection", "InContact_NOPE", "--eic", fake.url, "--out", "adopted.yaml"], { cwd: dir, env });
  expect(adopt.code).toBe(2);
  expect(adopt.stderr).toMatch(/EIC_NOT_FOUND .*InContact_NOPE/);
  expect(adopt.stderr).toContain("ADOPT_INPUT");
});
