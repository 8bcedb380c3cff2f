/**
 * Issue 7: what scripts/precompile.mjs generates at build time must behave exactly like what
 * schema.ts and render.ts compile at run time (the path these TypeScript sources take under vitest).
 * Validators: the standalone code and ajv's compiled function give the same verdict and the same
 * errors on the example tenants, the whole invalid-tenant corpus and the documents they render.
 * Templates: the precompiled specs render the same text and keep `strict` and knownHelpersOnly.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import Handlebars from "handlebars";
import { fc, test as propTest } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadTenant } from "../src/tenant/load.js";
import { renderAttributes, TEMPLATE_COMPILE_OPTIONS } from "../src/tenant/render.js";
import { AJV_OPTIONS, COMPLETE_TENANT_SCHEMA, configureAjv, readSchemaFile, validatorFor } from "../src/core/schemas.js";
import { validateTenant } from "../src/tenant/validate.js";
import { precompiledModuleSource, templatesModuleSource } from "../scripts/precompile.mjs";

const repo = resolve(import.meta.dirname, "..");
const examples = join(repo, "examples", "tenants");
const corpus = join(repo, "test", "fixtures", "invalid");
const temp = mkdtempSync(join(tmpdir(), "savpkg-precompiled-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

type Validator = ((data: unknown) => boolean) & { errors?: unknown[] | null };
let generated: { validators: Record<string, Validator>; templateSpecs: Record<string, TemplateSpecification> };

beforeAll(async () => {
  let source: string = precompiledModuleSource({ root: repo, ajvOptions: AJV_OPTIONS, configureAjv, templateOptions: TEMPLATE_COMPILE_OPTIONS });
  // The module imports ajv's run-time helpers by package name; point them at this repository's copies.
  const requireHere = createRequire(join(repo, "package.json"));
  source = source.replace(/^import (\w+) from "([^"]+)";$/gm, (_m, local: string, spec: string) => `import ${local} from ${JSON.stringify(pathToFileURL(requireHere.resolve(spec)).href)};`);
  const file = join(temp, "precompiled.mjs");
  writeFileSync(file, source);
  generated = await import(pathToFileURL(file).href);
});

/** Every tenant value we have: the examples and the invalid corpus (loaded, not validated). */
function tenantValues(): { name: string; value: Record<string, unknown> }[] {
  const out: { name: string; value: Record<string, unknown> }[] = [];
  for (const name of readdirSync(examples).sort()) {
    const loaded = loadTenant(name, { cwd: examples });
    if (loaded.value) out.push({ name: `examples/${name}`, value: loaded.value });
  }
  for (const name of readdirSync(corpus).sort()) {
    const dir = join(corpus, name);
    const file = readdirSync(dir).find((f) => /^tenant\.(ya?ml|json)$/.test(f));
    if (!file) continue;
    const loaded = loadTenant(file, { cwd: dir });
    if (loaded.value) out.push({ name: `invalid/${name}`, value: loaded.value });
  }
  return out;
}

/** A validator compiled at run time exactly as schema.ts does it (its own Ajv: schema ids are per instance). */
function compiledValidator(name: string): Validator {
  const instance = configureAjv(new Ajv2020({ ...AJV_OPTIONS }));
  // The compiler's tenant schema refers to the published one by its $id.
  if (name === COMPLETE_TENANT_SCHEMA) instance.addSchema(readSchemaFile("tenant.schema.json"));
  return instance.compile(readSchemaFile(name)) as Validator;
}

let tenantValidator: Validator | undefined;
const compiledTenantValidator = () => (tenantValidator ??= compiledValidator(COMPLETE_TENANT_SCHEMA));

/** The same verdict and the same errors, in the same order. */
function expectSameVerdict(compiled: Validator, standalone: Validator, data: unknown) {
  const expected = compiled(data);
  const expectedErrors = structuredClone(compiled.errors ?? null);
  expect(standalone(data)).toBe(expected);
  expect(standalone.errors ?? null).toEqual(expectedErrors);
}

describe("standalone validators", () => {
  test("there is one for every schema in schemas/, and run-time compiling is the fallback here", () => {
    expect(Object.keys(generated.validators).sort()).toEqual([
      "saviynt/connection-json.schema.json",
      "saviynt/import-account-ent-json.schema.json",
      "saviynt/provisioning-json.schema.json",
      "simulator/knobs.schema.json",
      "simulator/seed.schema.json",
      "tenant-complete.schema.json",
      "tenant.schema.json",
    ]);
    // Under vitest src/generated/precompiled.ts is the empty stand-in: validatorFor compiles.
    expect(validatorFor("tenant.schema.json")).not.toBe(generated.validators["tenant.schema.json"]);
  });

  test("tenant-complete.schema.json: same verdict and errors on the examples and the invalid corpus", () => {
    const values = tenantValues();
    expect(values.length).toBeGreaterThan(40);
    const compiled = compiledValidator(COMPLETE_TENANT_SCHEMA);
    let invalid = 0;
    for (const { value } of values) {
      expectSameVerdict(compiled, generated.validators[COMPLETE_TENANT_SCHEMA]!, value);
      if (!compiled(value)) invalid++;
    }
    expect(invalid).toBeGreaterThan(20);
  });

  test("tenant-complete.schema.json: same errors for wrong types, unknown keys, bad formats and missing keys", () => {
    const dev = loadTenant("acme-dev.yaml", { cwd: examples }).value!;
    const compiled = compiledValidator(COMPLETE_TENANT_SCHEMA);
    const mutations: ((v: any) => void)[] = [
      (v) => (v.import.pageSize = "lots"),
      (v) => (v.import.pageSize = 0),
      (v) => (v.connection.nmae = "x"),
      (v) => delete v.connection,
      (v) => (v.cxone.apiBaseUrl = "not a url"),
      (v) => (v.cxone.apiBaseUrl = "http://api.example.com/inContactAPI/services/v34.0"),
      (v) => (v.package.exportedAt = "yesterday"),
      (v) => (v.cxone.auth.clientSecret = "hunter2"),
      (v) => (v.cxone.auth.grant = "pasword"),
      (v) => (v.import.activeValues = []),
      (v) => (v.provisioning = null),
    ];
    for (const mutate of mutations) {
      const value = structuredClone(dev);
      mutate(value);
      expect(compiled(value)).toBe(false);
      expectSameVerdict(compiled, generated.validators[COMPLETE_TENANT_SCHEMA]!, value);
    }
  });

  // The generated code decides common URLs without ajv-formats' big `uri` regex (scripts/precompile.mjs
  // SIMPLE_URI); the answers must be the same for every string.
  const urlEdgeCases = [
    "https://api-na1.niceincontact.com/inContactAPI/services/v34.0",
    "HTTPS://API.EXAMPLE.COM/Token",
    "https://",
    "https:///x",
    "https://a b/c",
    "https://host:443/x",
    "https://user@host/x",
    "https://ex%41mple.com/",
    "https://[::1]/x",
    "http://x/?q=1#f",
    "https://a..b/-._~",
    "ftp://example.com/x",
    "https:example.com",
    "//example.com/x",
    "https://exa_mple.com/x y",
    "https://example.com/\u00e9",
  ];
  propTest.prop([fc.oneof(fc.constantFrom(...urlEdgeCases), fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.webUrl(), fc.string({ unit: "binary-ascii" }), fc.string().map((s) => `https://${s}`))], { numRuns: 300 })(
    "tenant-complete.schema.json: URL fields get the same verdict and errors as with ajv-formats' own check",
    (url) => {
      const dev = loadTenant("acme-dev.yaml", { cwd: examples }).value as any;
      const compiled = compiledTenantValidator();
      for (const field of ["apiBaseUrl", "tokenUrl"] as const) {
        const value = structuredClone(dev);
        if (field === "apiBaseUrl") value.cxone.apiBaseUrl = url;
        else value.cxone.auth.tokenUrl = url;
        expectSameVerdict(compiled, generated.validators[COMPLETE_TENANT_SCHEMA]!, value);
      }
    },
  );

  test("saviynt/*.json: same verdict and errors on rendered documents, intact and damaged", () => {
    const schemaOf: Record<string, string> = {
      ConnectionJSON: "saviynt/connection-json.schema.json",
      ImportAccountEntJSON: "saviynt/import-account-ent-json.schema.json",
      CreateAccountJSON: "saviynt/provisioning-json.schema.json",
      AddAccessJSON: "saviynt/provisioning-json.schema.json",
    };
    const compiledFor = new Map(Object.values(schemaOf).map((s) => [s, compiledValidator(s)]));
    let checked = 0;
    for (const name of ["acme-dev.yaml", "acme-prod.yaml"]) {
      const tenant = validateTenant(loadTenant(name, { cwd: examples })).tenant!;
      const attributes = renderAttributes(tenant).attributes as Record<string, unknown>;
      for (const [attribute, schema] of Object.entries(schemaOf)) {
        const document = attributes[attribute] as Record<string, unknown>;
        const damaged = [document, { ...document, unexpected: true }, { ...document, call: "not a list" }, Object.fromEntries(Object.keys(document).slice(1).map((k) => [k, document[k]]))];
        for (const doc of damaged) {
          expectSameVerdict(compiledFor.get(schema)!, generated.validators[schema]!, doc);
          checked++;
        }
      }
    }
    expect(checked).toBe(32);
  });
});

describe("precompiled templates", () => {
  test("one spec per template in templates/", () => {
    const names = readdirSync(join(repo, "templates", "incontact")).filter((n) => n.endsWith(".hbs")).map((n) => `incontact/${n.replace(/\.hbs$/, "")}`);
    expect(Object.keys(generated.templateSpecs).sort()).toEqual(names.sort());
  });

  /** Precompiles templates/<connector>/*.hbs written here, with the real options, and loads the result. */
  async function precompileHere(name: string, templates: Record<string, string>) {
    const dir = join(temp, name);
    mkdirSync(join(dir, "t"), { recursive: true });
    for (const [file, text] of Object.entries(templates)) writeFileSync(join(dir, "t", `${file}.hbs`), text);
    const file = join(dir, "specs.mjs");
    writeFileSync(file, templatesModuleSource({ templateDir: dir, templateOptions: TEMPLATE_COMPILE_OPTIONS }));
    return ((await import(pathToFileURL(file).href)) as { templateSpecs: Record<string, TemplateSpecification> }).templateSpecs;
  }

  test("a spec renders what run-time compilation renders, and both are strict", async () => {
    const source = '{"name": "{{connection.name}}", "calls": [{{#each calls}}{{#if @index}}, {{/if}}"{{this.url}}"{{/each}}]}';
    const specs = await precompileHere("strict", { A: source });
    const runtime = Handlebars.create();
    const compiler = Handlebars.create();
    const precompiled = runtime.template(specs["t/A"]!);
    const compiled = compiler.compile(source, { ...TEMPLATE_COMPILE_OPTIONS, knownHelpers: { ...TEMPLATE_COMPILE_OPTIONS.knownHelpers } });
    const context = { connection: { name: "InContact_DEV" }, calls: [{ url: "https://a" }, { url: "https://b" }] };
    expect(precompiled(context)).toBe(compiled(context));
    expect(JSON.parse(precompiled(context))).toEqual({ name: "InContact_DEV", calls: ["https://a", "https://b"] });
    // strict (docs/engineering-notes.md#handlebars): a field the context does not have is an error, not "".
    const failure = (render: (c: unknown) => string, c: unknown) => {
      try {
        render(c);
      } catch (error) {
        return (error as Error).message;
      }
      return "rendered";
    };
    for (const broken of [{ calls: [] }, { connection: {}, calls: [] }, { connection: { name: "x" }, calls: [{}] }]) {
      expect(failure(precompiled, broken)).toMatch(/not defined/);
      expect(failure(precompiled, broken)).toBe(failure(compiled, broken));
    }
  });

  test("knownHelpersOnly holds at build time: a template calling any other helper does not build", async () => {
    await expect(precompileHere("evil", { X: '{"a": {{evil connection.name}} }' })).rejects.toThrow(/knownHelpersOnly/);
    // The two known helpers are fine.
    const specs = await precompileHere("known", { Y: '{"a": {{json a}}, "b": {{httpParams b}} }' });
    expect(Object.keys(specs)).toEqual(["t/Y"]);
  });
});
