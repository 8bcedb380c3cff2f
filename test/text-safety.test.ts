/**
 * One text-safety rule (src/core/text-safety.ts) behind every formatter: hostile strings — ANSI
 * and OSC escapes, C1 CSI, BEL, CR, NUL, DEL, line/paragraph separators, bidi overrides and
 * isolates, invisible marks — are fed through every formatter savpkg has, on real reports
 * (a package read from disk, a diff, a simulation run), and no raw control or bidi character may
 * reach the output. Plus the two leaks issue 11 names, end to end through real inputs.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fc, test as fcTest } from "@fast-check/vitest";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { diag, type Diagnostic } from "../src/core/diagnostics.js";
import { formatDiagnosticsJson, formatDiagnosticsText, formatDiagnosticText } from "../src/core/format.js";
import { isSafeLine, safeJson, safeLine, safeText } from "../src/core/text-safety.js";
import { diffPackages, type DiffResult } from "../src/package/diff.js";
import { formatDiffJson, formatDiffMarkdown, formatDiffText } from "../src/package/diff-format.js";
import { formatInspectJson, formatInspectText, inspectPackage, type InspectReport } from "../src/package/inspect.js";
import { readPackage } from "../src/package/read.js";
import { formatSimulationJson, formatSimulationText, simulate, type SimulationReport } from "../src/simulate/index.js";
import { acmeDevPackageWithFirstname, officialZip, repoRoot, zipWithArchiver } from "./helpers/pkg-zip.js";
import { runCli } from "./helpers/cli.js";

/** Every character the rule escapes, one of each class. */
const HOSTILE: ReadonlyArray<[string, string]> = [
  ["ANSI SGR", "\u001b[31mred\u001b[0m"],
  ["ANSI clear screen", "\u001b[2J\u001b[H"],
  ["OSC 8 hyperlink", "\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007"],
  ["OSC title", "\u001b]0;pwned\u001b\\"],
  ["C1 CSI", "\u009b2J"],
  ["C1 OSC", "\u009d0;x\u009c"],
  ["BEL", "ding\u0007"],
  ["backspace", "abc\u0008\u0008\u0008xyz"],
  ["carriage return", "fine\rEVIL"],
  ["NUL", "a\u0000b"],
  ["DEL", "a\u007fb"],
  ["line separator", "a\u2028b"],
  ["paragraph separator", "a\u2029b"],
  ["RLO override", "\u202eexe.txt"],
  ["LRO/PDF", "\u202dx\u202c"],
  ["RLE/LRE", "\u202bx\u202ay"],
  ["isolates", "\u2066a\u2067b\u2068c\u2069"],
  ["ALM / RLM / LRM", "\u061cx\u200fy\u200ez"],
  ["zero-width", "a\u200bb\u200cc\u200dd"],
  ["BOM", "\ufeffx"],
  ["tab", "a\tb"],
  ["newline", "forged\n  ~ fake.line: 1 → 2"],
  ["vertical tab / form feed", "a\u000bb\u000cc"],
];

const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/;
/** Colour codes savpkg writes itself (picocolors), removed before looking for hostile ESCs. */
const OWN_SGR = /\u001b\[\d+(;\d+)*m/g;

function assertSafe(output: string, where: string): void {
  const rest = output.replace(OWN_SGR, "");
  const found = UNSAFE.exec(rest);
  if (found) {
    const at = found.index;
    throw new Error(`${where}: raw U+${found[0].charCodeAt(0).toString(16).padStart(4, "0")} at ${at}: ${JSON.stringify(rest.slice(Math.max(0, at - 40), at + 20))}`);
  }
}

/** savpkg's own enum fields (not input text): left alone so the formatters take their normal branches. */
const OWN_FIELDS = new Set(["code", "severity", "op", "scope", "state", "kind", "result"]);

/** Every string of a real report, with a hostile string appended (keys too, where they are data). */
function poison<T>(value: T, hostile: string, key = ""): T {
  if (typeof value === "string") return (OWN_FIELDS.has(key) ? value : value + hostile) as T;
  if (Array.isArray(value)) return value.map((v) => poison(v, hostile, key)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = poison(v, hostile, k);
    return out as T;
  }
  return value;
}

let tmp: string;
let inspectReport: InspectReport;
let diffResult: DiffResult;
let simulation: SimulationReport;
let readerDiagnostics: Diagnostic[];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), "savpkg-text-safety-"));
  const official = await readPackage(officialZip(), { source: "INCONTACT.zip" });
  inspectReport = inspectPackage(official.model!, official.diagnostics);
  const ours = await compileTenant(join(repoRoot, "examples/tenants/acme-dev.yaml"), { cwd: repoRoot });
  const oursRead = await readPackage(ours.package!.zip, { source: "acme-dev.zip" });
  diffResult = diffPackages(official.model!, oursRead.model!);
  readerDiagnostics = [...official.diagnostics, ...oursRead.diagnostics];
  simulation = await simulate("examples/tenants/acme-dev.yaml", { cwd: repoRoot });
}, 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const someDiagnostics = (): Diagnostic[] => [
  diag("PKG_SCHEMA", "a message", { file: "pkg.zip", path: "CreateAccountJSON.call[0].url" }),
  diag("ZIP_UNSAFE_PATH", "entry name", { file: "pkg.zip" }),
  diag("TENANT_TYPE", "a tenant value", { file: "t.yaml", line: 3, col: 5, path: "cxone.apiBaseUrl" }),
  diag("INTERNAL", "a stack\n    at somewhere (file.js:1:1)"),
  ...readerDiagnostics,
];

/** The formatters, each applied to a real report poisoned with one hostile string. */
const FORMATTERS: ReadonlyArray<[string, (hostile: string) => string]> = [
  ["formatDiagnosticsText", (h) => formatDiagnosticsText(poison(someDiagnostics(), h))],
  ["formatDiagnosticsText --color", (h) => formatDiagnosticsText(poison(someDiagnostics(), h), { color: true })],
  ["formatDiagnosticText", (h) => formatDiagnosticText(poison(someDiagnostics()[0]!, h))],
  ["formatDiagnosticsJson", (h) => formatDiagnosticsJson(poison(someDiagnostics(), h), { packages: [h] })],
  ["formatInspectText", (h) => formatInspectText(poison(inspectReport, h))],
  ["formatInspectText --color", (h) => formatInspectText(poison(inspectReport, h), { color: true })],
  ["formatInspectJson", (h) => formatInspectJson(poison(inspectReport, h))],
  ["formatDiffText", (h) => formatDiffText(poison(diffResult, h))],
  ["formatDiffText --color", (h) => formatDiffText(poison(diffResult, h), { color: true })],
  ["formatDiffJson", (h) => formatDiffJson(poison(diffResult, h))],
  ["formatDiffMarkdown", (h) => formatDiffMarkdown(poison(diffResult, h))],
  ["formatSimulationText", (h) => formatSimulationText(poison(simulation, h))],
  ["formatSimulationText --verbose --color", (h) => formatSimulationText(poison(simulation, h), { verbose: true, color: true })],
  ["formatSimulationJson", (h) => formatSimulationJson(poison(simulation, h))],
];

describe("every formatter × every hostile string", () => {
  const table = FORMATTERS.flatMap(([name, format]) => HOSTILE.map(([what, hostile]) => [name, what, format, hostile] as const));
  test.each(table)("%s × %s", (name, what, format, hostile) => {
    const output = format(hostile);
    assertSafe(output, `${name} × ${what}`);
    // Shown, not dropped: text shows the escaped form; JSON parses back to the hostile string itself.
    if (name.endsWith("Json")) expect(JSON.stringify(JSON.parse(output))).toContain(JSON.stringify(hostile).slice(1, -1));
    else expect(output.replace(OWN_SGR, "")).toContain(safeLine(hostile));
  });

  test("diagnostics text stays one line per diagnostic (INTERNAL's stack excepted)", () => {
    for (const [, hostile] of HOSTILE) {
      const diagnostics = poison(someDiagnostics(), hostile).filter((d) => d.code !== "INTERNAL");
      expect(formatDiagnosticsText(diagnostics).split("\n").length - 1).toBe(diagnostics.length);
    }
  });

  test("JSON output is still the same value: hostile strings survive a parse", () => {
    for (const [, hostile] of HOSTILE) {
      const report = poison(inspectReport, hostile);
      expect(JSON.parse(formatInspectJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
    }
  });
});

describe("the rule itself", () => {
  test("every code point it must escape, alone, is escaped by safeLine; safeText keeps only \\n", () => {
    const must = [
      ...Array.from({ length: 0x20 }, (_, i) => i),
      ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
      0x061c, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff,
    ];
    for (const cp of must) {
      const ch = String.fromCharCode(cp);
      expect(safeLine(ch)).toBe(`\\u${cp.toString(16).padStart(4, "0")}`);
      expect(isSafeLine(ch)).toBe(false);
      expect(safeText(ch)).toBe(ch === "\n" ? ch : `\\u${cp.toString(16).padStart(4, "0")}`);
    }
    expect(safeLine("plain ASCII, Ünïcödé, 日本語, emoji 🙂")).toBe("plain ASCII, Ünïcödé, 日本語, emoji 🙂");
  });

  fcTest.prop([fc.string({ unit: "binary", maxLength: 80 })])("safeLine output never holds an unsafe character", (text) => {
    expect(UNSAFE.test(safeLine(text)) || safeLine(text).includes("\n")).toBe(false);
    expect(isSafeLine(safeLine(text))).toBe(true);
  });

  fcTest.prop([fc.jsonValue()])("safeJson is the same JSON value, with nothing unsafe in the text", (value) => {
    const text = safeJson(value);
    assertSafe(text, "safeJson");
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
  });
});

describe("the leaks issue 11 names, through real inputs", () => {
  test("a U+202E in an entry name reaches a reader diagnostic, but not the terminal", async () => {
    const name = "Connection\u202egpj.json";
    const zip = await zipWithArchiver([{ name, data: "{}" }]);
    const read = await readPackage(zip, { source: "evil.zip" });
    // The precondition: the reader quotes the name in a diagnostic.
    expect(read.diagnostics.some((d) => d.message.includes("\u202e"))).toBe(true);
    const text = formatDiagnosticsText(read.diagnostics);
    assertSafe(text, "formatDiagnosticsText");
    expect(text).toContain("\\u202e");
    assertSafe(formatDiagnosticsJson(read.diagnostics), "formatDiagnosticsJson");

    const file = join(tmp, "evil.zip");
    writeFileSync(file, zip);
    for (const command of [["lint", file], ["inspect", file], ["lint", file, "--format", "json"]]) {
      const run = await runCli(command, { cwd: tmp });
      assertSafe(run.stdout + run.stderr, command.join(" "));
    }
  });

  test("an ESC sequence in a package expression does not reach the simulation text", async () => {
    const evil = "${user.firstname\u001b[2J\u001b]0;pwned\u0007\u202e}";
    const zip = join(tmp, "escape.zip");
    // The raw ESC is inside httpParams (the package's JSON escapes it; the reader gives it back).
    writeFileSync(zip, await acmeDevPackageWithFirstname(`"${evil}"`));
    const report = await simulate(zip, { cwd: tmp });
    // The precondition: the raw expression is in the report.
    const texts = [...report.unsupported.map((u) => u.expression), ...report.steps.flatMap((step) => [...step.reasons, ...step.calls.map((c) => c.reason ?? "")])];
    expect(texts.some((t) => t.includes("\u001b[2J"))).toBe(true);
    for (const text of [formatSimulationText(report), formatSimulationText(report, { color: true, verbose: true }), formatSimulationJson(report)]) assertSafe(text, "simulate");
    expect(formatSimulationText(report)).toContain("\\u001b[2J");
  });
});
