/**
 * Golden adopt cases: every folder under test/fixtures/adopt/ is a case. Its package is either a
 * vendored zip (`case.json` "zip") or an export described compactly in `package.json` (the
 * connection's non-empty attributes as documents; fields, summary and the other attributes take the
 * exporter's values unless the case says otherwise). The in-process CLI runs `savpkg adopt` on it
 * (extra arguments from case.json); the exit code and the diagnostics' codes must equal case.json,
 * the written tenant file must equal expected.yaml byte for byte (absent when nothing may be
 * written), and for `exact` cases `savpkg diff <package> <tenant>` must exit 0 and the tenant's
 * build must read back the package's documents unchanged.
 *
 * Adding a folder adds a test. Refresh expected.yaml with `npx vitest run test/adopt-cases.test.ts -u`
 * and review it as a user would.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { connectionFields, REST_ATTRIBUTES } from "../src/saviynt/t2p.js";
import { runCli } from "./helpers/cli.js";
import { buildExport, exportFiles, repoRoot, zipWithArchiver, type ExportSpec } from "./helpers/pkg-zip.js";

const root = join(import.meta.dirname, "fixtures", "adopt");
const cases = readdirSync(root).sort();
const temp = mkdtempSync(join(tmpdir(), "savpkg-adopt-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

interface CaseSpec {
  /** A vendored zip (repository-relative) instead of package.json. */
  zip?: string;
  args?: string[];
  exit: number;
  /** Sorted, de-duplicated codes of the adopt diagnostics. */
  codes: string[];
  /** The tenant rebuilds the package exactly (diff exits 0). */
  exact?: boolean;
  /** Arguments for building the written tenant (e.g. --set for fills), and the exit code expected then. */
  build?: { args: string[]; exit: number };
}

/** Compact export description: what differs from a plain REST export. */
interface CompactPackage {
  key: string;
  description?: string;
  type?: string;
  fields?: Record<string, unknown>;
  summary?: Record<string, unknown>;
  /** Attribute → document (serialised as the exporter does) … */
  attributes: Record<string, unknown>;
  /** … or → raw stored text (ciphertext, invalid JSON). */
  raw?: Record<string, string | null>;
  /** Attribute names in EXTERNAL_ATTR order (default: the 24 REST ones). */
  names?: string[];
  /** Several connections in the file (extra keys with the same body). */
  extraConnections?: string[];
}

function exportSpec(p: CompactPackage): ExportSpec {
  const names = p.names ?? [...REST_ATTRIBUTES];
  const fields = {
    ...connectionFields({ name: p.key, description: p.description ?? "", attributes: new Map() }),
    externalconnectiontype: p.type ?? "REST",
    ...p.fields,
  };
  const summary = {
    Objects: { connection: [p.key, ...(p.extraConnections ?? [])] },
    Information: {
      GUID: "0d5e7a3c-2b1f-4c9e-8a7d-6f5e4d3c2b1a",
      "Exported By": "admin",
      "Exported On": "2024-01-02 03:03:50",
      System: "acme-dev.saviyntcloud.com",
      TransferOwners: "0",
      TransferUsers: "0",
      ...(p.summary ?? {}),
    },
  };
  const attributes = names.map((name) =>
    p.raw && name in p.raw ? { name, raw: p.raw[name]! } : name in p.attributes ? { name, doc: p.attributes[name] } : { name, raw: "" },
  );
  return { summary, connection: { key: p.key, fields, attributes } };
}

async function packageFor(dir: string, spec: CaseSpec): Promise<string> {
  if (spec.zip) return join(repoRoot, spec.zip);
  const compact = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as CompactPackage;
  const built = exportSpec(compact);
  let zip = await buildExport(built);
  if (compact.extraConnections) {
    // Several connections in one Connection file: the reader reads the first and reports the rest.
    const files = exportFiles(built).map((f) => {
      if (!f.name.startsWith("Connection_")) return f;
      const doc = JSON.parse(String(f.data)) as Record<string, unknown>;
      for (const extra of compact.extraConnections!) doc[extra] = { ...(doc[compact.key] as object), connectionname: extra };
      return { ...f, data: JSON.stringify(doc, null, 2) };
    });
    zip = await zipWithArchiver(files);
  }
  const path = join(temp, `${dir.split("/").pop()}.zip`);
  writeFileSync(path, zip);
  return path;
}

test("there are adopt cases", () => {
  expect(cases.length).toBeGreaterThanOrEqual(10);
});

describe.each(cases)("adopt %s", (name) => {
  const dir = join(root, name);
  const spec = JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as CaseSpec;

  test("exit code, diagnostics and the written tenant", async () => {
    const work = join(temp, name);
    mkdirSync(work, { recursive: true });
    const zip = await packageFor(dir, spec);
    const out = join(work, "tenant.yaml");
    const run = await runCli(["adopt", zip, "--out", "tenant.yaml", ...(spec.args ?? []), "--format", "json"], { cwd: work });
    const report = JSON.parse(run.stdout) as { diagnostics: { code: string }[] };
    const codes = [...new Set(report.diagnostics.map((d) => d.code))].sort();
    expect({ exit: run.code, codes }, run.stdout).toEqual({ exit: spec.exit, codes: spec.codes });
    const expectedFile = join(dir, "expected.yaml");
    if (!existsSync(out)) {
      expect(existsSync(expectedFile), "expected.yaml exists but nothing was written").toBe(false);
      return;
    }
    // The header names the package by its path; make it the case's own name so the file is stable.
    const text = readFileSync(out, "utf8").replace(zip, spec.zip ?? `${name}.zip`).replace(/\$schema=\S+/, "$schema=<schema>");
    await expect(text).toMatchFileSnapshot(expectedFile);

    if (spec.exact) {
      const diff = await runCli(["diff", zip, "tenant.yaml"], { cwd: work });
      expect(diff.code, diff.stdout).toBe(0);
    }
    if (spec.build) {
      const build = await runCli(["build", "tenant.yaml", "--out", "dist", ...spec.build.args], { cwd: work });
      expect(build.code, build.stderr).toBe(spec.build.exit);
    }
  });
});
