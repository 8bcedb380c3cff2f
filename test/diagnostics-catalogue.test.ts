/**
 * docs/diagnostics.md is the catalogue of src/core/diagnostics.ts as a table; this test regenerates it
 * (`npx vitest run -u` after adding a code) and fails when the two drift apart. It also checks
 * that every code the sources use is in the catalogue.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";
import { CODES } from "../src/core/diagnostics.js";

const repo = resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []));
}

test("docs/diagnostics.md lists the catalogue", async () => {
  const rows = Object.entries(CODES).map(([code, info]) => `| \`${code}\` | ${info.severity} | ${info.exit || "-"} | ${info.summary} |`);
  const text = ["# Diagnostic codes", "", "Generated from `src/core/diagnostics.ts` by `test/diagnostics-catalogue.test.ts`.", "", "Exit: the exit code a command ends with when it reports this code as an error (1: fix the input; 2: usage, I/O, refused input or a savpkg bug). The highest one reported wins; warnings never fail a command.", "", "| code | severity | exit | meaning |", "|---|---|---|---|", ...rows, ""].join("\n");
  await expect(text).toMatchFileSnapshot(join(repo, "docs", "diagnostics.md"));
});

test("codes used in src/ are catalogued", () => {
  const used = new Set<string>();
  for (const file of sourceFiles(join(repo, "src"))) {
    for (const m of readFileSync(file, "utf8").matchAll(/\bdiag\(\s*"([A-Z_]+)"/g)) used.add(m[1]!);
  }
  for (const code of used) expect(Object.keys(CODES), `${code} is used but not catalogued`).toContain(code);
});
