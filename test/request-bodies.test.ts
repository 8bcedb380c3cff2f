/**
 * Every rendered request is checked against its CXone operation in
 * test/fixtures/cxone/openapi-subset.yaml: the path and method exist, required query
 * parameters are present, and the body — with each Saviynt binding replaced by a typed sample —
 * validates against the operation's request schema.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { parse } from "yaml";
import { beforeAll, describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { findExpressions } from "../src/saviynt/expression/index.js";

const repo = resolve(import.meta.dirname, "..");
const spec = parse(readFileSync(resolve(repo, "test/fixtures/cxone/openapi-subset.yaml"), "utf8")) as {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean }[]; requestBody?: { content: Record<string, { schema: unknown }> } }>>;
  components: { schemas: Record<string, unknown> };
};

/** Typed samples for the bindings our templates use: a sample identity, account and entitlement. */
const SAMPLES: Record<string, string | number> = {
  "${user.firstname}": "Ada",
  "${user.lastname}": "Lovelace",
  "${user.middlename==null?'':user.middlename}": "",
  "${user.email}": "ada.lovelace@example.com",
  "${user.country}": "US",
  "${user.state==null?'':user.state}": "CO",
  "${user.city}": "Denver",
  "${account.accountID}": 1042,
  "${entitlementValue.entitlementID}": 1202,
};

function substitute(text: string, quotedAsString: boolean): string {
  const { spans } = findExpressions(text);
  let out = "";
  let last = 0;
  for (const span of spans) {
    const expression = text.slice(span.start, span.end);
    if (!(expression in SAMPLES)) throw new Error(`no typed sample for ${expression}`);
    const sample = SAMPLES[expression]!;
    out += text.slice(last, span.start) + (quotedAsString ? String(sample) : JSON.stringify(sample));
    last = span.end;
  }
  return out + text.slice(last);
}

/** Bindings inside JSON strings take the sample's text; unquoted ones its JSON value. */
function bodyWithSamples(httpParams: string): unknown {
  const { spans } = findExpressions(httpParams);
  let out = "";
  let last = 0;
  for (const span of spans) {
    const before = httpParams.slice(0, span.start);
    const inString = (before.match(/(?<!\\)"/g) ?? []).length % 2 === 1;
    out += httpParams.slice(last, span.start) + substitute(httpParams.slice(span.start, span.end), inString);
    last = span.end;
  }
  return JSON.parse(out + httpParams.slice(last));
}

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true, logger: false });
ajv.addSchema({ $id: "cxone", components: spec.components });

function requestSchema(path: string, method: string): unknown {
  const operation = spec.paths[path]?.[method];
  if (!operation?.requestBody) throw new Error(`${method.toUpperCase()} ${path} has no request body in the spec`);
  const schema = structuredClone(Object.values(operation.requestBody.content)[0]!.schema) as Record<string, unknown>;
  // Spec defect (S1 merge artifact): PUT /agents/{id} declares `required: [agentId]` at the top
  // although its only property is `agent` and additionalProperties is false; agentId is required
  // inside `agent` (docs/cxone-contract.md#agents). Drop the unsatisfiable top-level requirement.
  if (path.endsWith("/agents/{agentId|userId}") && method === "put") delete schema.required;
  return JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"cxone#/components/'));
}

/** Maps a rendered URL to the spec path template (bindings become {params}). */
function operationFor(url: string, method: string): { path: string; method: string; query: URLSearchParams } {
  const u = new URL(substitute(url, true));
  const relative = u.pathname.replace(/^\/inContactAPI\/services\/v\d+\.\d+/, "");
  const templates: [RegExp, string][] = [
    [/^\/agents$/, "/agents"],
    [/^\/agents\/\d+$/, "/agents/{agentId|userId}"],
    [/^\/teams\/\d+\/agents$/, "/teams/{teamId}/agents"],
    [/^\/groups\/\d+\/agents$/, "/groups/{groupId}/agents"],
  ];
  const match = templates.find(([re]) => re.test(relative));
  if (!match) throw new Error(`no spec path for ${relative}`);
  const httpMethod = method === "DELETEWITHBODY" ? "delete" : method.toLowerCase();
  return { path: `/inContactAPI/services/v34.0${match[1]}`, method: httpMethod, query: u.searchParams };
}

const ATTRIBUTES = ["CreateAccountJSON", "UpdateAccountJSON", "EnableAccountJSON", "DisableAccountJSON", "AddAccessJSON", "RemoveAccessJSON"] as const;

describe.each(["acme-dev", "acme-prod"])("%s request bodies match the CXone v34 request schemas", (tenant) => {
  let documents: Record<string, { call: { name: string; url: string; httpMethod: string; httpParams: string }[] }>;
  beforeAll(async () => {
    const result = await compileTenant(join(repo, `examples/tenants/${tenant}.yaml`), { cwd: repo, noPack: true });
    documents = result.attributes as never;
  });

  test.each([...ATTRIBUTES])("%s", (attribute) => {
    const calls = documents[attribute]!.call;
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const op = operationFor(call.url, call.httpMethod);
      const operation = spec.paths[op.path]?.[op.method];
      expect(operation, `${call.httpMethod} ${op.path} exists in the spec`).toBeDefined();
      for (const parameter of operation!.parameters ?? []) {
        if (parameter.in === "query" && parameter.required) expect(op.query.has(parameter.name), `${op.path} needs ?${parameter.name}`).toBe(true);
      }
      const validate = ajv.compile(requestSchema(op.path, op.method) as object);
      const body = bodyWithSamples(call.httpParams);
      const ok = validate(body);
      expect(ok ? [] : validate.errors, `${attribute} ${call.name} body ${JSON.stringify(body)}`).toEqual([]);
    }
  });

  test("the create body is rejected by the schema without the defaults (the test can fail)", () => {
    const body = bodyWithSamples(documents.CreateAccountJSON!.call[0]!.httpParams) as { agents: Record<string, unknown>[] };
    delete body.agents[0]!.teamId;
    const validate = ajv.compile(requestSchema("/inContactAPI/services/v34.0/agents", "post") as object);
    expect(validate(body)).toBe(false);
  });
});
