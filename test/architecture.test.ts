/**
 * The architecture's rules (docs/architecture.md), checked over the real import graph of src/:
 * esbuild resolves every static and dynamic import the way the bundle does (its metafile is the
 * graph), and type-only imports, which compile away, are read from the sources. One table says
 * which subsystem may import which; the doc states the same table (checked below), a new folder
 * under src/ needs a row, and a violation names the importing file and what it imports.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { build, transform } from "esbuild";
import { beforeAll, describe, expect, test } from "vitest";

const repoRoot = resolve(import.meta.dirname, "..");

/**
 * Which subsystems each may import besides itself ("*": any but the CLI). `assets` is
 * src/assets.ts, `index` is src/index.ts (the library's surface), `generated` is src/generated/.
 */
const RULES: Readonly<Record<string, readonly string[]>> = {
  core: ["assets", "generated"],
  saviynt: ["core"],
  tenant: ["core", "saviynt", "assets", "generated"],
  package: ["core", "saviynt"],
  build: ["core", "saviynt", "tenant", "package", "assets"],
  executor: ["core", "saviynt"],
  simulator: ["core"],
  simulate: ["core", "saviynt", "tenant", "package", "build", "executor", "simulator"],
  eic: ["core", "saviynt"],
  "eic-fake": ["core"],
  deploy: ["core", "saviynt", "tenant", "package", "build", "eic"],
  adopt: ["core", "saviynt", "tenant", "package", "assets"],
  cli: ["*"],
  index: ["*"],
  generated: [],
  assets: [],
};

/** The only modules that write files (everything else plans files and hands them to emit). */
const WRITERS = ["src/build/emit.ts", "src/package/unpack.ts"];
/** Opens files read-only (O_RDONLY | O_NONBLOCK, to fstat the descriptor it reads): openSync, nothing else. */
const READ_ONLY_OPENERS: Readonly<Record<string, readonly string[]>> = { "src/core/read-file.ts": ["openSync"] };
/** The only folder that touches `process` (argv, env, cwd, streams, exit). */
const PROCESS_OWNER = "src/cli/";

/** node:fs functions that change the file system. */
const FS_WRITES = new Set([
  "appendFile", "appendFileSync", "chmod", "chmodSync", "chown", "chownSync", "copyFile", "copyFileSync", "cp", "cpSync", "createWriteStream",
  "link", "linkSync", "mkdir", "mkdirSync", "mkdtemp", "mkdtempSync", "open", "openSync", "rename", "renameSync", "rm", "rmSync", "rmdir", "rmdirSync",
  "symlink", "symlinkSync", "truncate", "truncateSync", "unlink", "unlinkSync", "utimes", "utimesSync", "writeFile", "writeFileSync", "writeSync", "write",
]);
const FS_MODULE = /^(node:)?fs(\/promises)?$/;

interface Edge {
  from: string;
  to: string;
  kind: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) out.push(path);
  }
  return out.sort();
}

/** `src/tenant/load.ts` → `tenant`; `src/index.ts` → `index`; `src/assets.ts` → `assets`. */
function subsystem(file: string): string {
  const m = /^src\/([^/]+)\//.exec(file);
  if (m) return m[1]!;
  return /^src\/([^/]+)\.ts$/.exec(file)?.[1] ?? file;
}

function allowed(from: string, to: string): boolean {
  if (from === to) return true;
  const rule = RULES[from];
  if (!rule) return false;
  return rule.includes("*") ? to !== "cli" : rule.includes(to);
}

/** `import type … from "x"` and `export type … from "x"`: compiled away, so not in esbuild's graph. */
const TYPE_ONLY = /^(?:import|export)\s+type\b[^;]*?\bfrom\s+"([^"]+)"/gm;

let files: string[];
let edges: Edge[];
/** External modules each file imports (node:fs, node:process, packages). */
let externals: Map<string, string[]>;
/** Each file as plain JavaScript: types and comments gone. */
let code: Map<string, string>;

beforeAll(async () => {
  files = sourceFiles("src");
  const result = await build({
    entryPoints: files.map((f) => join(repoRoot, f)),
    absWorkingDir: repoRoot,
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outdir: "graph-out",
    logLevel: "silent",
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
  });
  edges = [];
  externals = new Map();
  for (const [file, input] of Object.entries(result.metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.external) externals.set(file, [...(externals.get(file) ?? []), imp.path]);
      else edges.push({ from: file, to: imp.path, kind: imp.kind === "dynamic-import" ? "dynamic import" : "import" });
    }
  }
  code = new Map();
  for (const file of files) {
    const text = readFileSync(join(repoRoot, file), "utf8");
    for (const m of text.matchAll(TYPE_ONLY)) {
      const spec = m[1]!;
      if (!spec.startsWith(".")) continue;
      const target = relative(repoRoot, resolve(repoRoot, dirname(file), spec)).replace(/\.js$/, ".ts");
      edges.push({ from: file, to: target, kind: "type import" });
    }
    code.set(file, (await transform(text, { loader: "ts", tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } })).code);
  }
}, 60_000);

describe("import rules", () => {
  test("the graph is real: every subsystem's entry and a lazy import are in it", () => {
    expect(edges.some((e) => e.from === "src/cli/commands/simulate.ts" && e.to === "src/simulate/index.ts" && e.kind === "dynamic import")).toBe(true);
    expect(edges.some((e) => e.from === "src/simulate/url-policy.ts" && e.to === "src/simulate/prepare.ts" && e.kind === "type import")).toBe(true);
    for (const name of ["core", "tenant", "package", "build", "executor", "simulator", "simulate"]) expect(edges.some((e) => subsystem(e.to) === name)).toBe(true);
  });

  test("every folder under src/ has a row in the table", () => {
    const missing = [...new Set(files.map(subsystem))].filter((s) => !(s in RULES));
    expect(missing, `add a row for ${missing.join(", ")} to RULES in test/architecture.test.ts and to the table in docs/architecture.md`).toEqual([]);
  });

  test("no module imports a subsystem its row does not allow", () => {
    const broken = edges
      .filter((e) => !allowed(subsystem(e.from), subsystem(e.to)))
      .map((e) => `${e.from} ${e.kind}s ${e.to}: ${subsystem(e.from)}/ may import only ${[...(RULES[subsystem(e.from)] ?? [])].join(", ") || "itself"}`);
    expect(broken, broken.join("\n")).toEqual([]);
  });

  test("the rule catches a forbidden import (the check can fail)", () => {
    expect(allowed("tenant", "package")).toBe(false);
    expect(allowed("simulator", "executor")).toBe(false);
    expect(allowed("executor", "simulator")).toBe(false);
    expect(allowed("adopt", "build")).toBe(false);
    expect(allowed("index", "cli")).toBe(false);
    expect(allowed("cli", "simulate")).toBe(true);
  });
});

describe("side effects", () => {
  test(`only ${PROCESS_OWNER} touches process`, () => {
    const broken: string[] = [];
    for (const [file, js] of code) {
      if (file.startsWith(PROCESS_OWNER)) continue;
      const at = /(?<![\w$.])process\s*[.[]|globalThis\s*\.\s*process\b/.exec(js);
      if (at) broken.push(`${file} uses ${JSON.stringify(at[0])}: pass the value in from the CLI instead`);
      for (const ext of externals.get(file) ?? []) if (/^(node:)?process$/.test(ext)) broken.push(`${file} imports ${ext}`);
    }
    expect(broken, broken.join("\n")).toEqual([]);
  });

  test(`only ${WRITERS.join(" and ")} write files`, () => {
    const broken: string[] = [];
    for (const [file, js] of code) {
      if (WRITERS.includes(file)) continue;
      for (const m of js.matchAll(/import\s*(\*\s*as\s+\w+|\w+)?\s*,?\s*(?:\{([^}]*)\})?\s*from\s*"([^"]+)"/g)) {
        if (!FS_MODULE.test(m[3]!)) continue;
        if (m[1]) broken.push(`${file} imports all of ${m[3]} (${m[1].trim()}): import the read functions by name`);
        for (const name of (m[2] ?? "").split(",").map((n) => n.trim().split(/\s+as\s+/)[0]!)) {
          if (FS_WRITES.has(name) && !READ_ONLY_OPENERS[file]?.includes(name)) broken.push(`${file} imports ${name} from ${m[3]}: plan files and let build/emit.ts write them`);
        }
      }
      if (/import\(\s*"(node:)?fs(\/promises)?"\s*\)/.test(js)) broken.push(`${file} imports node:fs dynamically`);
    }
    expect(broken, broken.join("\n")).toEqual([]);
  });
});

describe("docs/architecture.md", () => {
  test("states the same import table", () => {
    const doc = readFileSync(join(repoRoot, "docs/architecture.md"), "utf8");
    const block = /<!-- import-rules:start -->([\s\S]*?)<!-- import-rules:end -->/.exec(doc)?.[1];
    expect(block, "docs/architecture.md needs the import table between <!-- import-rules:start --> and <!-- import-rules:end -->").toBeDefined();
    const names = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.replace(/\/$/, "").replace(/^src\//, "").replace(/\.ts$/, ""));
    const table: Record<string, string[]> = {};
    for (const line of block!.split("\n")) {
      const cells = line.split("|").map((c) => c.trim());
      if (cells.length < 4 || !cells[1]!.startsWith("`")) continue;
      table[names(cells[1]!)[0]!] = /anything/.test(cells[2]!) ? ["*"] : names(cells[2]!);
    }
    expect(table).toEqual(Object.fromEntries(Object.entries(RULES).map(([k, v]) => [k, [...v]])));
    for (const w of WRITERS) expect(doc).toContain(w.replace(/^src\//, ""));
  });
});
