/**
 * Property tests for tenant input (issue 3 §8, docs/engineering-notes.md#testing "Properties worth writing").
 * Seeded and replayable: a failure prints its seed and path; re-run with the same `seed` (and `path`).
 *
 * 1. Any string in any plain string field of a valid tenant either gets exactly the diagnostic the
 *    rules predict (range, control character, template marker) — and then no package — or gives a
 *    package whose every document parses and in which the value reads back exactly.
 * 2. Tenant text is never executed as a template: Handlebars-looking values are refused in plain
 *    fields, and inside a Saviynt expression's string literal they arrive verbatim.
 * 3. Below validation, render and pack carry any string at all (even `{{`, `${`, NUL) through as data.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test } from "@fast-check/vitest";
import { afterAll, describe, expect } from "vitest";
import { stringify as toYaml } from "yaml";
import { compileTenant, type CompileResult } from "../src/build/compile.js";
import { loadTenant } from "../src/tenant/load.js";
import { planPackage } from "../src/package/pack.js";
import { renderAttributes } from "../src/tenant/render.js";
import { RENDERED_ATTRIBUTES } from "../src/saviynt/t2p.js";
import { validateTenant, type TenantConfig } from "../src/tenant/validate.js";
import { parseBody } from "./helpers/bodies.js";
import { readConnection } from "./helpers/zip-entries.js";

const temp = mkdtempSync(join(tmpdir(), "savpkg-props-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A complete, valid tenant; each run puts one generated value into it. */
function baseTenant(): Record<string, any> {
  return {
    connection: { name: "InContact_PROPS", description: "CXone props" },
    package: { system: "props.saviyntcloud.com" },
    cxone: {
      apiBaseUrl: "https://api-na1.niceincontact.com/inContactAPI/services/v34.0",
      auth: {
        clientId: { env: "CXONE_CLIENT_ID" },
        clientSecret: { env: "CXONE_CLIENT_SECRET" },
        accessKeyId: { env: "CXONE_ACCESS_KEY_ID" },
        accessKeySecret: { env: "CXONE_ACCESS_KEY_SECRET" },
      },
    },
    import: {
      activeValues: ["true"],
      accountAttributes: { accountID: "agentId", name: "userName" },
      entitlementTypes: { Teams: { attributes: { entitlementID: "teamId", entitlement_value: "teamName" } } },
    },
    provisioning: {
      agent: { firstName: "${user.firstname}", lastName: "${user.lastname}", emailAddress: "${user.email}", userName: "${user.email}" },
      defaults: { teamId: 1201, profileId: 5, timeZone: "UTC" },
      removeAccess: { transferTeamId: 1299 },
    },
  };
}

type Documents = Record<string, any>;

interface PlainField {
  path: (string | number)[];
  minLength: number;
  maxLength: number;
  /** x-multiline: line feeds and tabs are text here. */
  multiline: boolean;
  /** Where the value lands in the package: the Connection file or a parsed document. */
  readBack: (connection: Record<string, unknown>, docs: Documents) => unknown;
}

const createBody = (docs: Documents) => parseBody(docs.CreateAccountJSON.call[0].httpParams) as { agents: Record<string, unknown>[] };

/** Plain string fields without a pattern (patterned ones refuse almost every string by design). */
const PLAIN_FIELDS: PlainField[] = [
  { path: ["connection", "description"], minLength: 0, maxLength: 1000, multiline: true, readBack: (c) => c.connectiondescription },
  ...(["timeZone", "country", "city", "state"] as const).map((name) => ({
    path: ["provisioning", "defaults", name],
    minLength: 1,
    maxLength: 100,
    multiline: false,
    readBack: (_c: Record<string, unknown>, docs: Documents) => createBody(docs).agents[0]![name],
  })),
  {
    path: ["import", "activeValues", 0],
    minLength: 1,
    maxLength: Infinity,
    multiline: false,
    readBack: (_c, docs) => docs.ImportAccountEntJSON.accountParams.statusAndThresholdConfig.activeStatus[0],
  },
];

function setAt(root: Record<string, any>, path: (string | number)[], value: unknown): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]!] = value;
}

function pathText(path: (string | number)[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

// The rules of validate.ts, restated independently: what a value must be refused with, if anything.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const MARKER = /\$\{|\{\{|\}\}/;
function predictedRefusal(field: PlainField, value: string): string | undefined {
  const length = [...value].length; // JSON Schema lengths count code points
  if (length < field.minLength || length > field.maxLength) return "TENANT_RANGE";
  if (CONTROL.test(field.multiline ? value.replace(/[\n\t]/g, " ") : value)) return "INJECT_CONTROL";
  if (MARKER.test(value)) return "INJECT_TEMPLATE";
  return undefined;
}

let counter = 0;
/** Writes the tenant as JSON or YAML (both go through the same loader) and compiles it to a zip. */
async function compile(tenant: Record<string, unknown>, format: "json" | "yaml"): Promise<CompileResult> {
  const file = join(temp, `t${counter++}.${format}`);
  writeFileSync(file, format === "json" ? JSON.stringify(tenant, null, 2) : toYaml(tenant));
  return compileTenant(file, { cwd: temp });
}

/** The package read back from its zip bytes: the Connection object and every attribute parsed from its stored text. */
async function readBack(result: CompileResult) {
  const pkg = await readConnection(result.package!.zip);
  const docs: Documents = {};
  for (const [name, stored] of pkg.attributes) {
    if (stored === "" || stored === null) continue;
    docs[name] = JSON.parse(stored);
  }
  return { connection: pkg.connection, docs };
}

/** Every httpParams inside a document is a JSON body too (unquoted bindings allowed, as Saviynt substitutes them). */
function httpParamsOf(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => httpParamsOf(n, out));
  else if (node !== null && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "httpParams" && typeof v === "string") out.push(v);
      else httpParamsOf(v, out);
    }
  }
  return out;
}

/** Strings aimed at the seams: quotes, escapes, template and expression markers, separators, NUL, lone surrogates. */
const FRAGMENTS = ['"', "'", "\\", "\n", "\r\n", "\t", "}}", "{{", "${", "}", "{", "\u2028", "\u2029", "\u0000", "\u001b[31m", "\u0085", "\ud800", "\udc00", "😀", "é", "e\u0301", "</script>", "@@", "%s", "\\u0000", "~#~"];
const nastyString = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: "grapheme-ascii", maxLength: 3 })), maxLength: 12 }),
  fc.string({ unit: "grapheme-ascii", minLength: 95, maxLength: 110 }),
);

describe("any string in a plain field", () => {
  test.prop([fc.constantFrom(...PLAIN_FIELDS), nastyString, fc.constantFrom("json" as const, "yaml" as const)], { seed: 0x5a7f3, numRuns: 200 })(
    "is refused with the predicted diagnostic, or read back exactly from the zip",
    async (field, value, format) => {
      const tenant = baseTenant();
      setAt(tenant, field.path, value);
      const result = await compile(tenant, format);
      const refusal = predictedRefusal(field, value);
      if (refusal) {
        expect(result.diagnostics.map((d) => [d.code, d.path])).toEqual([[refusal, pathText(field.path)]]);
        expect(result.package).toBeUndefined();
        return;
      }
      expect(result.diagnostics).toEqual([]);
      const { connection, docs } = await readBack(result);
      // Every stored document parses, equals what was rendered, and every request body parses.
      for (const name of RENDERED_ATTRIBUTES) {
        if (name === "ConnectionJSON") continue; // never stored in plaintext
        expect(docs[name]).toEqual(result.attributes![name]);
        for (const body of httpParamsOf(docs[name])) expect(() => parseBody(body)).not.toThrow();
      }
      expect(field.readBack(connection, docs)).toBe(value);
    },
  );
});

/** Handlebars and Saviynt-expression shaped text. */
const TEMPLATE_TEXT = fc.oneof(
  fc.constantFrom(
    "{{json this}}",
    "{{#each this}}x{{/each}}",
    "{{> partial}}",
    "{{{connection}}}",
    "{{lookup this 'constructor'}}",
    "{{#with (lookup this '__proto__')}}{{/with}}",
    "{{!-- c --}}",
    "{{httpParams provisioning}}",
    "${user.firstname}",
    "${new java.io.File('/')}",
  ),
  fc
    .tuple(fc.constantFrom("{{", "{{#", "{{{", "{{>", "${"), fc.string({ unit: "grapheme-ascii", maxLength: 10 }), fc.constantFrom("}}", "}}}", "}", ""))
    .map(([a, b, c]) => a + b + c),
);

describe("tenant text is never executed as a template", () => {
  test.prop([fc.constantFrom(...PLAIN_FIELDS), TEMPLATE_TEXT, fc.string({ unit: "grapheme-ascii", maxLength: 5 })], { seed: 0x7e4a1, numRuns: 100 })(
    "in a plain field it is refused",
    async (field, text, prefix) => {
      const tenant = baseTenant();
      const value = prefix + text;
      setAt(tenant, field.path, value);
      const result = await compile(tenant, "json");
      expect(result.package).toBeUndefined();
      expect(result.diagnostics.map((d) => d.code)).toEqual([predictedRefusal(field, value)]);
    },
  );

  // Inside `${…}` a '…' literal may hold template-looking text (braces, quotes and backslashes are
  // refused there); when accepted it must reach the request body byte for byte, unrendered.
  test.prop([fc.string({ unit: fc.constantFrom("{", "}", "#", ">", "!", "$", "@", "x", " ", "/", "(", ")", "-", ".", "'"), maxLength: 16 })], {
    seed: 0x3c91d,
    numRuns: 100,
  })("inside an expression's string literal it arrives verbatim or is refused", async (inner) => {
    const tenant = baseTenant();
    const expression = `\${user.firstname=='${inner}'?'':user.middlename}`;
    tenant.provisioning.agent.middleName = expression;
    const result = await compile(tenant, "yaml");
    if (result.package === undefined) {
      expect(result.diagnostics.length).toBeGreaterThan(0);
      for (const d of result.diagnostics) expect(d.code).toMatch(/^(EXPR_|INJECT_)/);
      return;
    }
    expect(inner).not.toMatch(/[{}"\\]/);
    const { docs } = await readBack(result);
    expect(createBody(docs).agents[0]!.middleName).toBe(expression);
    expect((parseBody(docs.UpdateAccountJSON.call[0].httpParams) as { agent: Record<string, unknown> }).agent.middleName).toBe(expression);
  });
});

describe("render and pack carry any string as data", () => {
  const validTenant = (): TenantConfig => {
    const file = join(temp, "render-base.json");
    writeFileSync(file, JSON.stringify(baseTenant()));
    const validated = validateTenant(loadTenant(file, { cwd: temp }));
    if (!validated.tenant) throw new Error(JSON.stringify(validated.diagnostics));
    return validated.tenant;
  };
  const base = validTenant();

  // Validation is bypassed on purpose: even a value that validate would refuse is only ever data.
  test.prop([nastyString, nastyString], { seed: 0x1d2b7, numRuns: 200 })("values round-trip through templates and the Connection file", (a, b) => {
    const tenant = structuredClone(base);
    tenant.provisioning.defaults.timeZone = a;
    tenant.import.activeValues = [b];
    tenant.connection.description = b;
    const rendered = renderAttributes(tenant);
    expect(rendered.diagnostics).toEqual([]);
    const attributes = rendered.attributes as Documents;
    expect(createBody(attributes).agents[0]!.timeZone).toBe(a);
    expect(attributes.ImportAccountEntJSON.accountParams.statusAndThresholdConfig.activeStatus).toEqual([b]);
    const plan = planPackage(tenant, rendered.attributes!);
    const connectionFile = JSON.parse(plan.entries[1]!.bytes.toString("ascii")) as Record<string, { connectiondescription: string }>;
    expect(connectionFile.InContact_PROPS!.connectiondescription).toBe(b);
  });
});
