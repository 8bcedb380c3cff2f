/**
 * The invalid-tenant corpus (issue 3): every folder under test/fixtures/invalid/ is a case. Its
 * tenant.yaml (or tenant.json) is validated with the in-process CLI, cwd = the case folder, with the
 * extra arguments and environment of an optional args.json; the diagnostics' code, file, line and
 * col and the exit code must equal expected.json exactly, in the formatter's order. The text
 * output must show the same diagnostics as `file:line:col severity CODE` lines.
 *
 * Adding a folder adds a test. To write expected.json for a new case, run the case, read the
 * output as a user would, fix the code if it is wrong or unclear, and only then record it.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { runCli } from "./helpers/cli.js";

const root = join(import.meta.dirname, "fixtures", "invalid");
const cases = readdirSync(root).sort();

interface Expected {
  exitCode: number;
  diagnostics: { code: string; file?: string; line?: number; col?: number }[];
}

interface CaseArgs {
  args?: string[];
  env?: Record<string, string>;
  /** Text (a secret written in the wrong place) that must appear in no output. */
  mustNotShow?: string[];
}

function tenantFileOf(dir: string): string {
  for (const name of ["tenant.yaml", "tenant.json"]) if (existsSync(join(dir, name))) return name;
  throw new Error(`${dir}: no tenant.yaml or tenant.json`);
}

test("the corpus has at least 35 cases", () => {
  expect(cases.length).toBeGreaterThanOrEqual(35);
});

describe.each(cases)("invalid tenant %s", (name) => {
  const dir = join(root, name);
  const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
  const extra: CaseArgs = existsSync(join(dir, "args.json")) ? (JSON.parse(readFileSync(join(dir, "args.json"), "utf8")) as CaseArgs) : {};
  const argv = ["validate", tenantFileOf(dir), ...(extra.args ?? [])];
  const env = extra.env ?? {};

  test("json diagnostics and exit code", async () => {
    const run = await runCli([...argv, "--format", "json"], { cwd: dir, env });
    const report = JSON.parse(run.stdout) as { diagnostics: Record<string, unknown>[]; summary: { errors: number } };
    const got = report.diagnostics.map((d) => {
      const out: Record<string, unknown> = { code: d.code };
      for (const key of ["file", "line", "col"]) if (d[key] !== undefined) out[key] = d[key];
      return out;
    });
    expect({ exitCode: run.code, diagnostics: got }).toEqual(expected);
    expect(run.stderr).toBe("");
    // Every diagnostic says something and, when it has a JSON path, says where.
    for (const d of report.diagnostics) {
      expect(typeof d.message === "string" && d.message.length > 10).toBe(true);
      expect(d.severity).toBe("error");
    }
    expect(report.summary.errors).toBe(expected.diagnostics.length);
    for (const secret of extra.mustNotShow ?? []) expect(run.stdout).not.toContain(secret);
  });

  test("text output lists the same diagnostics as file:line:col severity CODE", async () => {
    const run = await runCli(argv, { cwd: dir, env });
    expect(run.code).toBe(expected.exitCode);
    expect(run.stdout).toBe("");
    const lines = run.stderr.split("\n").filter((l) => l !== "");
    const prefixes = expected.diagnostics.map((d) => {
      const where = d.file === undefined ? "" : d.line === undefined ? `${d.file} ` : `${d.file}:${d.line}:${d.col} `;
      return `${where}error ${d.code} `;
    });
    expect(lines.length).toBe(prefixes.length);
    lines.forEach((line, i) => expect(line.startsWith(prefixes[i]!), `${line}\n  should start with ${prefixes[i]}`).toBe(true));
    // Never a terminal escape or a raw control character from the tenant file in the report.
    expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
    for (const secret of extra.mustNotShow ?? []) expect(run.stderr).not.toContain(secret);
  });
});

describe("building a base file", () => {
  const temp = mkdtempSync(join(tmpdir(), "savpkg-abstract-"));
  afterAll(() => rmSync(temp, { recursive: true, force: true }));

  test("build of an abstract tenant fails with TENANT_ABSTRACT and writes nothing", async () => {
    cpSync(join(import.meta.dirname, "..", "examples", "tenants"), temp, { recursive: true });
    const run = await runCli(["build", "acme-base.yaml", "--out", "out", "--format", "json"], { cwd: temp });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { diagnostics: { code: string; file?: string }[] };
    expect(report.diagnostics.map((d) => [d.code, d.file])).toEqual([["TENANT_ABSTRACT", "acme-base.yaml"]]);
    expect(existsSync(join(temp, "out"))).toBe(false);
  });

  test("a tenant extending it builds", async () => {
    const run = await runCli(["build", "acme-dev.yaml", "--out", "out2"], { cwd: temp });
    expect(run.stderr).toMatch(/built 1 package/);
    expect(run.code).toBe(0);
  });
});

/**
 * README "Errors" section: the exact text output of three common mistakes, as golden files
 * (test/fixtures/errors-readme/<case>/expected.txt; refresh with `npx vitest run -u` and review).
 */
describe("README errors", () => {
  const readmeRoot = join(import.meta.dirname, "fixtures", "errors-readme");
  test.each(readdirSync(readmeRoot).sort())("%s", async (name) => {
    const dir = join(readmeRoot, name);
    const spec = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as { args: string[]; exitCode: number };
    const run = await runCli(spec.args, { cwd: dir });
    expect(run.code).toBe(spec.exitCode);
    expect(run.stdout).toBe("");
    await expect(run.stderr).toMatchFileSnapshot(join(dir, "expected.txt"));
  });
});
