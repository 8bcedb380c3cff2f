/**
 * Issue 10 item 7: every command's `--format json` is one envelope
 * `{format: "savpkg.<command>", version: 1, <payload>, diagnostics, summary}` — on success, on an
 * input problem and on a usage error — and it is the only thing on stdout. Real inputs: the example
 * tenants, the official package, a fake EIC on 127.0.0.1 for plan, deploy and pull.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { COMMANDS } from "../src/cli/commands/index.js";
import { startFakeEic, type FakeEic } from "../src/eic-fake/index.js";
import { runCli } from "./helpers/cli.js";
import { officialZipPath } from "./helpers/pkg-zip.js";
import { repoRoot, tempDir } from "./helpers/spawn.js";

const CXONE = { CXONE_CLIENT_ID: "id", CXONE_CLIENT_SECRET: "client-secret", CXONE_ACCESS_KEY_ID: "key-id", CXONE_ACCESS_KEY_SECRET: "key-secret" };

let work: ReturnType<typeof tempDir>;
let fake: FakeEic;
let env: Record<string, string>;

beforeAll(async () => {
  work = tempDir("envelope");
  cpSync(join(repoRoot, "examples", "tenants"), join(work.path, "tenants"), { recursive: true });
  cpSync(officialZipPath, join(work.path, "official.zip"));
  writeFileSync(join(work.path, "tenants", "broken.yaml"), "extends: ./acme-base.yaml\nconection:\n  name: X\n");
  fake = await startFakeEic();
  env = { ...CXONE, SAVIYNT_USERNAME: fake.credentials.username, SAVIYNT_PASSWORD: fake.credentials.password };
});
afterAll(async () => {
  await fake?.stop();
  work?.remove();
});

type Envelope = Record<string, unknown> & { format: string; version: number; diagnostics: { code: string; severity: string }[]; summary: { errors: number; warnings: number } };

async function json(argv: string[], expectedCode: number): Promise<Envelope> {
  const run = await runCli([...argv, "--format", "json"], { cwd: work.path, env });
  expect(run.code, `${argv.join(" ")}\n${run.stdout}${run.stderr}`).toBe(expectedCode);
  const doc = JSON.parse(run.stdout) as Envelope; // exactly one document: JSON.parse refuses trailing text
  const keys = Object.keys(doc);
  expect(keys.slice(0, 2), argv.join(" ")).toEqual(["format", "version"]);
  expect(keys.slice(-2), argv.join(" ")).toEqual(["diagnostics", "summary"]);
  expect(doc.version).toBe(1);
  expect(doc.summary.errors).toBe(doc.diagnostics.filter((d) => d.severity === "error").length);
  expect(doc.summary.warnings).toBe(doc.diagnostics.filter((d) => d.severity === "warning").length);
  return doc;
}

describe("one envelope, every command", () => {
  test("validate lists the files that passed", async () => {
    const doc = await json(["validate", "tenants/acme-dev.yaml", "tenants/broken.yaml", "tenants/acme-prod.yaml"], 1);
    expect(doc.format).toBe("savpkg.validate");
    expect(doc.valid).toEqual(["tenants/acme-dev.yaml", "tenants/acme-prod.yaml"]);
    expect(doc.diagnostics.map((d) => d.code)).toContain("TENANT_UNKNOWN_KEY");
  });

  test("render: the documents inside the envelope; with --out the files written", async () => {
    const one = await json(["render", "tenants/acme-dev.yaml", "--attr", "CreateAccountJSON"], 0);
    expect(one.format).toBe("savpkg.render");
    expect((one.rendered as { call: unknown[] }).call.length).toBeGreaterThan(0);
    const text = await runCli(["render", "tenants/acme-dev.yaml", "--attr", "CreateAccountJSON"], { cwd: work.path });
    expect(JSON.parse(text.stdout)).toEqual(one.rendered);
    const out = await json(["render", "tenants/acme-dev.yaml", "--out", "rendered"], 0);
    expect((out.written as string[]).length).toBeGreaterThan(1);
    for (const file of out.written as string[]) expect(existsSync(join(work.path, file)), file).toBe(true);
  });

  test("build lists its packages", async () => {
    const doc = await json(["build", "tenants/acme-dev.yaml", "--out", "out"], 0);
    expect(doc.format).toBe("savpkg.build");
    expect(doc.packages).toMatchObject([{ tenant: "acme-dev", package: "acme-dev/INCONTACT.zip" }]);
  });

  test("init and unpack list the paths they wrote", async () => {
    const init = await json(["init", "tenants/new.yaml"], 0);
    expect(init).toMatchObject({ format: "savpkg.init", written: ["tenants/new.yaml"] });
    expect(existsSync(resolve(work.path, "tenants", init.schema as string))).toBe(true);
    const unpack = await json(["unpack", "official.zip", "unpacked"], 0);
    expect(unpack.format).toBe("savpkg.unpack");
    expect((unpack.written as string[]).length).toBeGreaterThan(3);
    for (const file of unpack.written as string[]) expect(existsSync(join(work.path, file)), file).toBe(true);
  });

  test("inspect, lint and diff", async () => {
    const inspect = await json(["inspect", "official.zip"], 0);
    expect(inspect).toMatchObject({ format: "savpkg.inspect", source: "official.zip", objectSummary: { system: expect.any(String) } });
    const lint = await json(["lint", "official.zip"], 1);
    expect(lint).toMatchObject({ format: "savpkg.lint", input: "official.zip" });
    expect(lint.summary.errors).toBeGreaterThan(0);
    const diff = await json(["diff", "official.zip", "tenants/acme-dev.yaml"], 1);
    expect(diff).toMatchObject({ format: "savpkg.diff", same: false });
    // Inputs that cannot be compared: exit 2, the same envelope with the reasons and no verdict.
    const broken = await json(["diff", "tenants/broken.yaml", "tenants/acme-dev.yaml"], 2);
    expect(broken.format).toBe("savpkg.diff");
    expect("same" in broken).toBe(false);
    expect(broken.diagnostics.map((d) => d.code)).toContain("TENANT_UNKNOWN_KEY");
  });

  test("simulate adds its step counts to the summary", async () => {
    const doc = await json(["simulate", "tenants/acme-dev.yaml"], 0);
    expect(doc).toMatchObject({ format: "savpkg.simulate", ok: true, summary: { errors: 0, warnings: 0, steps: 8, failed: 0 } });
  });

  test("plan, deploy and pull against a fake EIC", async () => {
    const plan = await json(["plan", "tenants/acme-dev.yaml", "--eic", fake.url, "--out", "plan.json"], 1);
    expect(plan).toMatchObject({ format: "savpkg.plan", changes: true, written: ["plan.json"], tenants: [{ action: "create", diff: { format: "savpkg.diff", version: 1 } }] });
    const deploy = await json(["deploy", "tenants/acme-dev.yaml", "--eic", fake.url, "--yes"], 0);
    expect(deploy).toMatchObject({ format: "savpkg.deploy", tenants: [{ result: "deployed" }] });
    const pull = await json(["pull", "tenants/acme-dev.yaml", "--eic", fake.url, "--out", "live.zip"], 0);
    expect(pull).toMatchObject({ format: "savpkg.pull", written: ["live.zip"] });
    expect(existsSync(join(work.path, "live.zip"))).toBe(true);
  });

  test("adopt lists the tenant files it wrote", async () => {
    const built = await json(["build", "tenants/acme-prod.yaml", "--out", "adopt-in"], 0);
    expect(built.packages).toHaveLength(1);
    const doc = await json(["adopt", "adopt-in/acme-prod/INCONTACT.zip", "--out", "adopted/prod.yaml"], 0);
    expect(doc).toMatchObject({ format: "savpkg.adopt", written: ["adopted/prod.yaml"] });
    expect(existsSync(join(work.path, "adopted", "prod.yaml"))).toBe(true);
  });

  test("schema: the schema inside the envelope, or the copy written", async () => {
    const schema = await json(["schema"], 0);
    expect(schema.schema).toEqual(JSON.parse(readFileSync(join(repoRoot, "schemas", "tenant.schema.json"), "utf8")));
    mkdirSync(join(work.path, "schemas"), { recursive: true });
    const out = await json(["schema", "--out", "schemas/tenant.schema.json"], 0);
    expect(out.written).toEqual(["schemas/tenant.schema.json"]);
    expect(readFileSync(join(work.path, "schemas", "tenant.schema.json"), "utf8")).toBe(readFileSync(join(repoRoot, "schemas", "tenant.schema.json"), "utf8"));
  });

  test("usage errors before any command runs: the command's envelope, or `savpkg` when none is named", async () => {
    const missing = await json(["diff", "official.zip"], 2);
    expect(missing.format).toBe("savpkg.diff");
    expect(missing.diagnostics.map((d) => d.code)).toEqual(["USAGE"]);
    const unknown = await json(["valdate", "tenants/acme-dev.yaml"], 2);
    expect(unknown.format).toBe("savpkg");
    const noSuchFile = await json(["inspect", "nope.zip"], 2);
    expect(noSuchFile.format).toBe("savpkg.inspect");
  });

  test("every command is covered above", () => {
    const covered = ["validate", "render", "build", "init", "unpack", "inspect", "lint", "diff", "simulate", "plan", "deploy", "pull", "adopt", "schema"];
    expect(COMMANDS.map((c) => c.command.split(" ")[0]).sort()).toEqual(covered.sort());
  });
});
