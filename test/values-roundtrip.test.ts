/**
 * Values that need escaping at every quoting level (package file → attribute string → httpParams
 * string) come back exactly: quotes, backslashes, newlines and non-ASCII text.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";
import { parse } from "yaml";
import { compileTenant } from "../src/build/compile.js";
import { readConnection } from "./helpers/zip-entries.js";

const repo = resolve(import.meta.dirname, "..");
const DESCRIPTION = 'He said "hi" \\ C:\\path\nsecond line\twith a tab — Zürich 日本 🎧';
const CITY = 'O"Brien \\ Saint-Jérôme';
const TIME_ZONE = "(GMT+09:00) 大阪、札幌、東京";

test("quotes, backslash, newline and non-ASCII round-trip through every quoting level", async () => {
  const dir = mkdtempSync(join(tmpdir(), "savpkg-roundtrip-"));
  // A standalone tenant whose binding map has no city, so the default city goes into the create body.
  const tenantValue = parse(readFileSync(join(repo, "examples/tenants/acme-base.yaml"), "utf8"));
  delete tenantValue.abstract;
  tenantValue.connection = { name: "RoundTrip", description: DESCRIPTION };
  delete tenantValue.provisioning.agent.city;
  tenantValue.provisioning.defaults.city = CITY;
  tenantValue.provisioning.defaults.timeZone = TIME_ZONE;
  const tenant = join(dir, "tenant.json");
  writeFileSync(tenant, JSON.stringify(tenantValue, null, 2));

  const result = await compileTenant(tenant, { cwd: dir });
  expect(result.diagnostics).toEqual([]);
  const zip = result.package!.zip;

  const pkg = await readConnection(zip);
  for (const entry of pkg.entries) expect(/^[\x00-\x7f]*$/.test(entry.bytes.toString("latin1"))).toBe(true);
  expect(pkg.connection.connectiondescription).toBe(DESCRIPTION);
  const create = JSON.parse(pkg.attributes.find(([n]) => n === "CreateAccountJSON")![1]!);
  const agent = JSON.parse(create.call[0].httpParams).agents[0];
  expect(agent.timeZone).toBe(TIME_ZONE);
  expect(agent.city).toBe(CITY);
});
