/**
 * Issue 10 item 7: `savpkg init` writes a `$schema` line that survives a colleague's layout, and
 * comments that name the file as it was given. The rule (src/tenant/init.ts): the nearest copy of
 * savpkg's tenant schema — `tenant.schema.json` or `schemas/tenant.schema.json`, in the new file's
 * folder or any folder above, recognised by its `$id` — else the installed schema.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runCli } from "./helpers/cli.js";
import { repoRoot, tempDir } from "./helpers/spawn.js";

const work = tempDir("init-schema");
afterAll(() => work.remove());
let n = 0;
const fresh = () => {
  const dir = join(work.path, `case-${n++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

const installed = readFileSync(join(repoRoot, "schemas", "tenant.schema.json"), "utf8");

/** Runs init in `cwd` and returns the schema path its first line names, resolved from the new file. */
async function initAndResolve(cwd: string, file: string): Promise<{ schema: string; text: string }> {
  const run = await runCli(["init", file], { cwd });
  expect(run.code, run.stderr).toBe(0);
  const text = readFileSync(join(cwd, file), "utf8");
  const ref = /^# yaml-language-server: \$schema=(.+)$/.exec(text.split("\n")[0]!)?.[1];
  expect(ref, text.split("\n")[0]).toBeDefined();
  return { schema: resolve(join(cwd, file, ".."), ref!), text };
}

describe("init's $schema reference", () => {
  test("a copy written by `savpkg schema --out` above the tenants is the one named", async () => {
    const dir = fresh();
    expect((await runCli(["schema", "--out", "schemas/tenant.schema.json"], { cwd: dir })).code).toBe(0);
    const { schema, text } = await initAndResolve(dir, "tenants/acme-test.yaml");
    expect(schema).toBe(join(dir, "schemas", "tenant.schema.json"));
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../schemas/tenant.schema.json");
    // The commands in the comments name the file as given.
    expect(text).toContain("savpkg validate tenants/acme-test.yaml");
    expect(text).toContain("savpkg build tenants/acme-test.yaml");
  });

  test("a copy next to the new file wins over one further up", async () => {
    const dir = fresh();
    await runCli(["schema", "--out", "schemas/tenant.schema.json"], { cwd: dir });
    await runCli(["schema", "--out", "deep/tenants/tenant.schema.json"], { cwd: dir });
    const { schema } = await initAndResolve(dir, "deep/tenants/t.yaml");
    expect(schema).toBe(join(dir, "deep", "tenants", "tenant.schema.json"));
  });

  test("a file of that name that is not savpkg's schema is ignored; without a copy the installed schema is named", async () => {
    const dir = fresh();
    mkdirSync(join(dir, "schemas"));
    writeFileSync(join(dir, "schemas", "tenant.schema.json"), JSON.stringify({ $id: "https://example.com/other.json" }));
    const { schema } = await initAndResolve(dir, "t.yaml");
    // Outside the repository there is no copy above the temp folder: the schema this savpkg ships.
    expect(readFileSync(schema, "utf8")).toBe(installed);
    expect(schema).toBe(join(repoRoot, "schemas", "tenant.schema.json"));
  });

  test("the starter validates as written (placeholders warn) and --format json names the schema", async () => {
    const dir = fresh();
    const run = await runCli(["init", "starter.yaml", "--format", "json"], { cwd: dir });
    const doc = JSON.parse(run.stdout) as { written: string[]; schema: string };
    expect(doc.written).toEqual(["starter.yaml"]);
    expect(resolve(dir, doc.schema)).toBe(join(repoRoot, "schemas", "tenant.schema.json"));
    const validate = await runCli(["validate", "starter.yaml"], { cwd: dir });
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stderr).toContain("TENANT_PLACEHOLDER");
  });
});
