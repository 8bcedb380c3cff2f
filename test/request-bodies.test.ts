/**
 * Every rendered request is checked against its CXone operation in
 * test/fixtures/cxone/openapi-subset.yaml (test/helpers/cxone-contract.ts): the path and method exist, required query
 * parameters are present, and the body — with each Saviynt binding replaced by a typed sample —
 * validates against the operation's request schema.
 */
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { ajv, bodyWithSamples, contractProblems, PROVISIONING_ATTRIBUTES, requestSchema } from "./helpers/cxone-contract.js";

const repo = resolve(import.meta.dirname, "..");

describe.each(["acme-dev", "acme-prod"])("%s request bodies match the CXone v34 request schemas", (tenant) => {
  let documents: Record<string, { call: { name: string; url: string; httpMethod: string; httpParams: string }[] }>;
  beforeAll(async () => {
    const result = await compileTenant(join(repo, `examples/tenants/${tenant}.yaml`), { cwd: repo, noPack: true });
    documents = result.attributes as never;
  });

  test.each([...PROVISIONING_ATTRIBUTES])("%s", (attribute) => {
    expect(contractProblems(documents, [attribute])).toEqual([]);
  });

  test("the create body is rejected by the schema without the defaults (the test can fail)", () => {
    const body = bodyWithSamples(documents.CreateAccountJSON!.call[0]!.httpParams) as { agents: Record<string, unknown>[] };
    delete body.agents[0]!.teamId;
    const validate = ajv.compile(requestSchema("/inContactAPI/services/v34.0/agents", "post") as object);
    expect(validate(body)).toBe(false);
  });
});
