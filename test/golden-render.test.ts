/**
 * Golden rendered attributes: every folder under test/fixtures/golden/ is a case
 * (case.json names the tenant file and optional --set overrides); the rendered documents must
 * equal expected/<Attribute>.json byte for byte. Refresh with `npx vitest run -u` and review the diff.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { RENDERED_ATTRIBUTES } from "../src/saviynt/t2p.js";

const root = join(import.meta.dirname, "fixtures", "golden");
const cases = readdirSync(root).sort();

describe.each(cases)("golden %s", (name) => {
  const dir = join(root, name);
  const spec = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as { tenant: string; set?: string[] };

  test.each([...RENDERED_ATTRIBUTES])("%s", async (attribute) => {
    const result = await compileTenant(spec.tenant, { cwd: dir, set: spec.set ?? [], noPack: true });
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const text = JSON.stringify(result.attributes![attribute], null, 2) + "\n";
    await expect(text).toMatchFileSnapshot(join(dir, "expected", `${attribute}.json`));
  });
});
