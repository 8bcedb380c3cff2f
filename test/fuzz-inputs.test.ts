/**
 * Issue 12 item 7: structure fuzzing of tenant YAML and package JSON (fast-check, fixed seeds, a few
 * seconds). Generated documents mix valid shapes with hostile ones — deep nesting, anchors and
 * aliases, prototype key names, long strings, odd scalars — and every run must end with exit 0, 1
 * or 2, never INTERNAL, each within the time budget of the limits (README "Limits").
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, expect, test } from "vitest";
import { runCli } from "./helpers/cli.js";
import { limitPackage } from "./helpers/limit-inputs.js";
import { tempDir } from "./helpers/spawn.js";

const work = tempDir("fuzz");
afterAll(() => work.remove());
let n = 0;

const KEYS = ["connection", "name", "cxone", "auth", "import", "pageSize", "activeValues", "provisioning", "agent", "__proto__", "constructor", "toString", "extends", "a", "b"];
const key = fc.constantFrom(...KEYS);
const scalar = fc.oneof(
  fc.constantFrom("1", "-0", "1e999", "true", "null", "~", "''", '"x"', "${user.x}", "{{x}}", "0x1F", "2026-01-01", "!!binary AA==", "*missing"),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.integer({ min: 1, max: 100_000 }).map((k) => `"${"x".repeat(k)}"`),
);

/** YAML text: block mappings and sequences, flow collections, anchors and aliases, any depth up to ~150. */
const yamlNode: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("node"), { maxLength: 4 }).map((items) => `[${items.join(", ")}]`),
    fc.array(fc.tuple(key, tie("node")), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(", ")}}`),
    fc.tuple(fc.constantFrom("&a ", "&b ", ""), tie("node")).map(([anchor, v]) => anchor + v),
    fc.constantFrom("*a", "*b"),
    fc.integer({ min: 50, max: 3000 }).map((d) => "[".repeat(d) + "]".repeat(d)),
  ),
})).node;

const tenantText = fc
  .array(fc.tuple(key, yamlNode, fc.boolean()), { minLength: 1, maxLength: 6 })
  .map((pairs) => pairs.map(([k, v, block]) => (block ? `${k}:\n  - ${v}\n` : `${k}: ${v}\n`)).join(""));

const jsonValue: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom("1", "null", "true", '""', '"${account.id}"', '"Bearer abc"'),
    fc.array(tie("v"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
    fc.array(fc.tuple(key, tie("v")), { maxLength: 4 }).map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
    fc.integer({ min: 60, max: 5_000 }).map((d) => "[".repeat(d) + "]".repeat(d)),
    fc.integer({ min: 1, max: 60_000 }).map((k) => `[${"0,".repeat(k)}0]`),
  ),
})).v;

const attributeName = fc.constantFrom("ImportAccountEntJSON", "CreateAccountJSON", "ConnectionJSON", "toString", "__proto__", "constructor", "X");

/**
 * In-process and beside the other test worker: the time bound here only catches runaway work; the
 * 2 s / 400 MB budget itself is measured on spawned processes by test/limits-resources.test.ts.
 */
async function expectBounded(args: string[]): Promise<void> {
  const started = performance.now();
  const r = await runCli(args, { cwd: work.path });
  const out = r.stdout + r.stderr;
  expect([0, 1, 2], out.slice(0, 500)).toContain(r.code);
  expect(out.slice(0, 100_000)).not.toMatch(/INTERNAL|call stack|FATAL/);
  expect(performance.now() - started).toBeLessThan(15_000);
}

test("tenant YAML structure: every run is exit 0/1/2, never INTERNAL", async () => {
  await fc.assert(
    fc.asyncProperty(tenantText, async (text) => {
      const file = `t${++n}.yaml`;
      writeFileSync(join(work.path, file), text);
      await expectBounded(["validate", file]);
    }),
    { seed: 0x12_2026, numRuns: 60, endOnFailure: true },
  );
}, 60_000);

test("package JSON structure: every run is exit 0/1/2, never INTERNAL", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(attributeName, jsonValue), { maxLength: 4 }), fc.option(jsonValue, { nil: undefined }), async (attributes, summary) => {
      const file = `p${++n}.zip`;
      writeFileSync(join(work.path, file), await limitPackage({ attributes, ...(summary !== undefined ? { summaryText: summary } : {}) }));
      for (const command of ["lint", "inspect"]) await expectBounded([command, file]);
      await expectBounded(["diff", file, file]);
    }),
    { seed: 0x12_0012, numRuns: 25, endOnFailure: true },
  );
}, 60_000);
