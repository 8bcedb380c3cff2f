/**
 * The Groovy attack corpus (test/fixtures/groovy-attacks/payloads.json, issue 11): every payload is
 * refused in every expression field of the tenant schema (found by the `x-expression` annotation of the compiler's complete schema),
 * written in the tenant file and given with --set, each time with one located diagnostic that
 * points at the construct inside the value and names it; and the lint rules flag the same payloads
 * inside a package read from elsewhere. No payload ever reaches a package.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { lintPackage } from "../src/package/lint.js";
import { readPackage } from "../src/package/read.js";
import { loadTenant } from "../src/tenant/load.js";
import { validateTenant } from "../src/tenant/validate.js";
import { buildOurPackage } from "./helpers/pkg-zip.js";

const repo = resolve(import.meta.dirname, "..");
const corpus = JSON.parse(readFileSync(join(repo, "test/fixtures/groovy-attacks/payloads.json"), "utf8")) as {
  payloads: { kind: string; payload: string; names: string; at: string }[];
};
// Shapes (and the names a map allows) are in the published schema; the x-expression marker is in the
// compiler's complete schema at the same path.
const schema = JSON.parse(readFileSync(join(repo, "schemas/tenant.schema.json"), "utf8")) as Record<string, unknown>;
const complete = JSON.parse(readFileSync(join(repo, "schemas/tenant-complete.schema.json"), "utf8")) as Record<string, unknown>;

type Schema = Record<string, unknown>;

const deref = (node: Schema): Schema => (typeof node.$ref === "string" ? (((schema.$defs as Record<string, Schema>)[node.$ref.replace("#/$defs/", "")] ?? {}) as Schema) : node);
const isExpression = (node: Schema | undefined): boolean => node?.["x-expression"] === true;

/** Paths (keys of nested objects) of every field whose complete schema carries `x-expression: true`. */
function expressionFields(shape: Schema, marks: Schema | undefined, path: string[] = []): string[][] {
  const resolved = deref(shape);
  const out: string[][] = [];
  const markProps = (marks?.properties ?? {}) as Record<string, Schema>;
  for (const [key, sub] of Object.entries((resolved.properties ?? {}) as Record<string, Schema>)) {
    if (isExpression(markProps[key])) out.push([...path, key]);
    else out.push(...expressionFields(sub, markProps[key], [...path, key]));
  }
  const extra = resolved.additionalProperties as Schema | undefined;
  if (extra && typeof extra === "object") {
    // A map whose values are expressions: every name its propertyNames allow is a field.
    const names = ((resolved.propertyNames as Schema | undefined)?.enum ?? []) as string[];
    const extraMarks = marks?.additionalProperties as Schema | undefined;
    if (isExpression(extraMarks)) for (const name of names) out.push([...path, name]);
    else for (const name of names) out.push(...expressionFields(extra, extraMarks, [...path, name]));
  }
  return out;
}

const FIELDS = expressionFields(schema, complete);
const temp = mkdtempSync(join(tmpdir(), "savpkg-attacks-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const TENANT_HEAD = `connection:
  name: InContact_ATTACK
  description: CXone attack corpus
package:
  system: attack.saviyntcloud.com
cxone:
  apiBaseUrl: https://api-na1.niceincontact.com/inContactAPI/services/v34.0
  auth:
    clientId: { env: CXONE_CLIENT_ID }
    clientSecret: { env: CXONE_CLIENT_SECRET }
    accessKeyId: { env: CXONE_ACCESS_KEY_ID }
    accessKeySecret: { env: CXONE_ACCESS_KEY_SECRET }
import:
  activeValues: ["true"]
  accountAttributes: { accountID: agentId, name: userName }
  entitlementTypes: { Teams: { attributes: { entitlementID: teamId, entitlement_value: teamName } } }
provisioning:
  defaults: { teamId: 1201, profileId: 5, timeZone: UTC }
  removeAccess: { transferTeamId: 1299 }
  agent:
`;
const SAFE = ["firstName", "lastName", "emailAddress", "userName"];

/** A YAML scalar for the payload, verbatim (its text is the value) when a quoting style allows. */
function yamlScalar(payload: string): { text: string; verbatim: boolean } {
  if (!payload.includes("'")) return { text: `'${payload}'`, verbatim: true };
  if (!payload.includes('"') && !payload.includes("\\")) return { text: `"${payload}"`, verbatim: true };
  return { text: JSON.stringify(payload), verbatim: false };
}

test("the corpus has at least 50 payloads, and the schema at least one expression field", () => {
  expect(corpus.payloads.length).toBeGreaterThanOrEqual(50);
  expect(FIELDS.length).toBeGreaterThan(0);
  for (const field of FIELDS) expect(field.slice(0, 2)).toEqual(["provisioning", "agent"]);
  for (const p of corpus.payloads) expect(p.payload.indexOf(p.at), p.payload).toBeGreaterThan(1);
});

describe.each(corpus.payloads)("$kind: $payload", ({ payload, names, at }) => {
  const offset = payload.indexOf(at);

  test("refused in every expression field of the tenant file, located at the construct", () => {
    // Every field holds the payload (the four required ones too: they are fields like the others).
    const agentKeys = FIELDS.map((f) => f[f.length - 1]!);
    const scalar = yamlScalar(payload);
    const lines = agentKeys.map((key) => `    ${key}: ${scalar.text}`);
    const file = join(temp, "tenant.yaml");
    writeFileSync(file, TENANT_HEAD + lines.join("\n") + "\n");
    const result = validateTenant(loadTenant(file, { cwd: temp }));
    expect(result.tenant).toBeUndefined();
    const head = TENANT_HEAD.split("\n").length - 1;
    for (const [i, key] of agentKeys.entries()) {
      const found = result.diagnostics.filter((d) => d.path === `provisioning.agent.${key}`);
      expect(found.length, `${key}: ${JSON.stringify(result.diagnostics)}`).toBeGreaterThan(0);
      const d = found.find((x) => x.code !== "EXPR_UNKNOWN_ROOT" && x.code !== "EXPR_UNKNOWN_ATTRIBUTE");
      expect(d, `${key}: ${JSON.stringify(found)}`).toBeDefined();
      expect(d!.code).toMatch(/^EXPR_/);
      expect(d!.severity).toBe("error");
      expect(d!.message.toLowerCase()).toContain(names.toLowerCase());
      expect(d!.file).toBe("tenant.yaml");
      expect(d!.line).toBe(head + i + 1);
      const valueCol = `    ${key}: `.length + 1;
      expect(d!.col).toBe(scalar.verbatim ? valueCol + 1 + offset : valueCol);
    }
  });

  test("refused through --set in every expression field, located at the construct", () => {
    const file = join(temp, "base.yaml");
    writeFileSync(file, TENANT_HEAD + SAFE.map((k) => `    ${k}: "\${user.email}"`).join("\n") + "\n");
    const sets = FIELDS.map((f) => `${f.join(".")}=${payload}`);
    const result = validateTenant(loadTenant(file, { cwd: temp, set: sets }));
    expect(result.tenant).toBeUndefined();
    FIELDS.forEach((field, i) => {
      const found = result.diagnostics.filter((d) => d.path === field.join(".") && d.code !== "EXPR_UNKNOWN_ROOT" && d.code !== "EXPR_UNKNOWN_ATTRIBUTE");
      expect(found.length, `${field.join(".")}: ${JSON.stringify(result.diagnostics)}`).toBeGreaterThan(0);
      expect(found[0]!.code).toMatch(/^EXPR_/);
      expect(found[0]!.message.toLowerCase()).toContain(names.toLowerCase());
      expect(found[0]).toMatchObject({ file: `--set #${i + 1}`, line: 1, col: field.join(".").length + 2 + offset });
    });
  });

  test("flagged by the lint rules inside a package read from elsewhere", async () => {
    const zip = await buildOurPackage({
      connection: { name: "InContact_ELSEWHERE" },
      summary: { guid: "00000000-0000-4000-8000-000000000011", exportedBy: "admin", exportedOn: "2024-01-02T03:04:05Z", system: "elsewhere.saviyntcloud.com" },
      attributes: {
        CreateAccountJSON: {
          accountIdPath: "call1.message.agentId",
          call: [
            {
              name: "call1",
              connection: "userAuth",
              url: `https://api.example.com/agents/${payload}`,
              httpMethod: "POST",
              // Unquoted, as bindings of numbers are written (docs/saviynt-rest-format.md#official-package): the payload's text is verbatim.
              httpParams: `{"firstName": ${payload}}`,
              httpHeaders: { Authorization: "${access_token}", "X-Note": payload },
              httpContentType: "application/json",
              successResponses: { statusCode: [200, 201] },
            },
          ],
        },
      },
    });
    const read = await readPackage(zip, { source: "elsewhere.zip" });
    expect(read.model).toBeDefined();
    const flagged = lintPackage(read.model!, read.diagnostics).filter((d) => d.code === "PKG_EXPRESSION_NOT_ALLOWED");
    const paths = new Set(flagged.map((d) => d.path));
    for (const path of ["CreateAccountJSON.call[0].url", "CreateAccountJSON.call[0].httpParams", 'CreateAccountJSON.call[0].httpHeaders["X-Note"]']) {
      expect(paths.has(path), `${path} in ${JSON.stringify(flagged)}`).toBe(true);
    }
    for (const d of flagged) {
      expect(d.severity).toBe("error");
      expect(d.message.toLowerCase()).toContain(names.toLowerCase());
    }
  });
});

test("a payload never reaches a package: build refuses the tenant", async () => {
  const file = join(temp, "build.yaml");
  const payload = corpus.payloads.find((p) => p.kind === "subscript")!.payload;
  writeFileSync(file, TENANT_HEAD + [...SAFE.map((k) => `    ${k}: "\${user.email}"`), `    notes: ${yamlScalar(payload).text}`].join("\n") + "\n");
  const result = await compileTenant(file, { cwd: temp });
  expect(result.package).toBeUndefined();
  expect(result.diagnostics.map((d) => d.code)).toEqual(["EXPR_NOT_ALLOWED"]);
});
