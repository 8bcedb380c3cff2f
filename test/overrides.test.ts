/**
 * `overrides` on real renders of the example tenant: whole documents created and emptied, list
 * appends and inserts, pointers into httpParams bodies, the typed-field warning, and the located
 * error for a pointer that does not fit. (Refusals of what an override may carry are cases of the
 * invalid-tenant corpus: test/fixtures/invalid/override-*.)
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { repoRoot } from "./helpers/pkg-zip.js";

const temp = mkdtempSync(join(tmpdir(), "savpkg-overrides-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));
let n = 0;

async function withOverrides(yaml: string) {
  const file = join(temp, `t${n++}.yaml`);
  writeFileSync(file, `extends: ${join(repoRoot, "examples/tenants/acme-dev.yaml")}\noverrides:\n${yaml}`);
  return compileTenant(file, { cwd: temp, noPack: true });
}

test("add at \"\" creates a document the typed model never renders; remove at \"\" empties one", async () => {
  const result = await withOverrides(`  ConfigJSON:\n    - { op: add, path: "", value: { showLogs: true } }\n  DisableAccountJSON:\n    - { op: remove, path: "" }\n`);
  expect(result.diagnostics).toEqual([]);
  const docs = result.attributes as Record<string, unknown>;
  expect(docs.ConfigJSON).toEqual({ showLogs: true });
  expect(docs.DisableAccountJSON).toBeUndefined();
});

test("lists: - appends, an index inserts; bodies are walked as structure and re-encoded", async () => {
  const result = await withOverrides(
    [
      "  UpdateAccountJSON:",
      "    - { op: add, path: /call/0/httpParams/agent/custom1, value: '${user.employeeid}' }",
      "    - { op: add, path: /call/0/successResponses/statusCode/0, value: 202 }",
      "    - { op: add, path: /call/0/successResponses/statusCode/-, value: 204 }",
      "",
    ].join("\n"),
  );
  // A field only the update body sends has no typed field: no warning.
  expect(result.diagnostics.map((d) => d.code)).toEqual([]);
  const call = (result.attributes as any).UpdateAccountJSON.call[0];
  expect(JSON.parse(call.httpParams).agent.custom1).toBe("${user.employeeid}");
  expect(call.successResponses.statusCode).toEqual([202, 200, 201, 204]);
});

test("an override where a typed field decides warns with the field to use", async () => {
  const create = await withOverrides("  CreateAccountJSON:\n    - { op: add, path: /call/0/httpParams/agents/0/custom1, value: '${user.employeeid}' }\n");
  expect(create.diagnostics.map((d) => [d.code, d.message.includes("provisioning.agent.custom1")])).toEqual([["TENANT_OVERRIDE_TYPED", true]]);
  const result = await withOverrides("  ImportAccountEntJSON:\n    - { op: replace, path: /accountParams/statusAndThresholdConfig/accountThresholdValue, value: 50 }\n");
  expect(result.diagnostics).toHaveLength(1);
  expect(result.diagnostics[0]).toMatchObject({ code: "TENANT_OVERRIDE_TYPED", severity: "warning", line: 4, path: "overrides.ImportAccountEntJSON[0].path" });
  expect(result.diagnostics[0]!.message).toContain("accountThreshold");
  expect((result.attributes as any).ImportAccountEntJSON.accountParams.statusAndThresholdConfig.accountThresholdValue).toBe(50);
});

test("a pointer past the end of a list is a located error and nothing is packed", async () => {
  const result = await withOverrides("  AddAccessJSON:\n    - { op: add, path: /call/5, value: {} }\n");
  expect(result.diagnostics.map((d) => [d.code, d.line, d.message])).toEqual([["TENANT_OVERRIDE_PATH", 4, 'AddAccessJSON add "/call/5": index 5 is past the end of the list (1 item)']]);
  expect(result.attributes).toBeUndefined();
});

test("what an override produces is linted like any build", async () => {
  const result = await withOverrides("  CreateAccountJSON:\n    - { op: replace, path: /call/0/url, value: /agents }\n");
  expect(result.diagnostics.map((d) => d.code).sort()).toEqual(["PKG_URL_RELATIVE", "TENANT_OVERRIDE_TYPED"]);
});
