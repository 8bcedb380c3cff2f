/**
 * The schema editors load (`schemas/tenant.schema.json`, what `savpkg schema` prints and every
 * example's `$schema` comment names) accepts real tenant files as written — a base without a name,
 * an overlay without auth or maps — and still flags misspelt keys and wrong types (issue 10 item 3).
 * Checked with a third-party strict validator: a fresh ajv in strict mode with ajv-formats and no
 * savpkg code, so no savpkg keyword or option can make the schema pass.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers/cli.js";

const run = (argv: string[]) => runCli(argv, { cwd: repo });

const repo = resolve(import.meta.dirname, "..");
const examples = join(repo, "examples/tenants");
const schemaText = readFileSync(join(repo, "schemas/tenant.schema.json"), "utf8");
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => Ajv2020;

function strictValidator() {
  // strict: true turns on strictSchema (unknown keywords), strictTypes, strictTuples and strictRequired.
  const ajv = addFormats(new Ajv2020({ strict: true, allErrors: true }));
  return ajv.compile(JSON.parse(schemaText));
}

const exampleFiles = readdirSync(examples).filter((f) => f.endsWith(".yaml")).sort();

describe("the published tenant schema with a strict third-party validator", () => {
  it("compiles in strict mode (no unknown keywords, no type or required ambiguities)", () => {
    expect(() => strictValidator()).not.toThrow();
    expect(schemaText).not.toMatch(/"x-[a-z-]+"\s*:/);
  });

  it.each(exampleFiles)("accepts examples/tenants/%s as written", (file) => {
    const validate = strictValidator();
    const value = parse(readFileSync(join(examples, file), "utf8"));
    expect(validate(value), JSON.stringify(validate.errors)).toBe(true);
  });

  it("every example names the schema in its first line, by a path that exists", () => {
    for (const file of exampleFiles) {
      const first = readFileSync(join(examples, file), "utf8").split("\n")[0]!;
      const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
      expect(match, file).not.toBeNull();
      expect(readFileSync(resolve(examples, match![1]!), "utf8")).toBe(schemaText);
    }
  });

  it("still flags a misspelt key in an overlay, a misspelt nested key and wrong types", () => {
    const validate = strictValidator();
    const overlay = parse(readFileSync(join(examples, "acme-dev.yaml"), "utf8"));
    const cases: [string, (v: any) => void, string][] = [
      ["misspelt top-level key", (v) => ((v.conection = v.connection), delete v.connection), "additionalProperties"],
      ["misspelt nested key", (v) => (v.import.pageSzie = 5), "additionalProperties"],
      ["wrong type", (v) => (v.import.pageSize = "fifty"), "type"],
      ["unknown agent field", (v) => (v.provisioning = { agent: { firstname: "${user.firstname}" } }), "propertyNames"],
      ["literal secret", (v) => (v.cxone = { auth: { clientSecret: "hunter2" } }), "oneOf"],
    ];
    for (const [name, mutate, keyword] of cases) {
      const value = structuredClone(overlay);
      mutate(value);
      expect(validate(value), name).toBe(false);
      expect(validate.errors!.map((e) => e.keyword), name).toContain(keyword);
    }
  });

  it("`savpkg init` writes a file it accepts", async () => {
    const dir = join(repo, ".vitest-tmp", `schema-editors-${process.pid}`);
    const result = await run(["init", join(dir, "t.yaml"), "--force"]);
    expect(result.code, result.stderr).toBe(0);
    const validate = strictValidator();
    expect(validate(parse(readFileSync(join(dir, "t.yaml"), "utf8"))), JSON.stringify(validate.errors)).toBe(true);
  });

  it("the extends description says what build --all really skips", () => {
    const schema = JSON.parse(schemaText);
    expect(schema.properties.extends.description).not.toMatch(/-base/);
    expect(schema.properties.extends.description).toMatch(/abstract: true/);
  });
});

describe("completeness stays the compiler's job", () => {
  it("an overlay that misses what its base provides is valid for editors, and the compiler locates what a merged tenant lacks", async () => {
    const dir = join(repo, ".vitest-tmp", `schema-complete-${process.pid}`);
    const { mkdirSync, writeFileSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "lonely.yaml"), "connection:\n  name: Lonely\npackage:\n  system: lonely.example.com\n");
    expect(strictValidator()(parse(readFileSync(join(dir, "lonely.yaml"), "utf8")))).toBe(true);
    const result = await run(["validate", join(dir, "lonely.yaml")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/lonely\.yaml:\d+:\d+ error TENANT_MISSING_KEY missing required key "cxone"/);
  });
});
