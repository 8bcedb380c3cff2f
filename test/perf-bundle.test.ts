/**
 * Issue 7: the built CLI (dist/cli.bundle.cjs, run through dist/cli-loader.cjs as bin/savpkg.js runs
 * it) must behave exactly like the TypeScript sources. One child process runs the bundle over the
 * invalid-tenant corpus and the commands users run; every exit code, stdout and stderr must equal
 * the in-process run of src/cli.ts, and a build must write the same bytes. The same child shows
 * that the bundle loads nothing from node_modules (no schema or template compiler at run time) and
 * that V8 accepts the code cache, and exercises the paths the bundling changes: dynamic imports of
 * Node built-ins (render --out, simulate), yargs' help and version lookup, string widths in help
 * text. Needs `npm run build` (npm test runs it first).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { TEMPLATE_COMPILE_OPTIONS } from "../src/tenant/render.js";
import { AJV_OPTIONS, configureAjv } from "../src/core/schemas.js";
import { precompiledModuleSource } from "../scripts/precompile.mjs";
import { runCli } from "./helpers/cli.js";

const repo = resolve(import.meta.dirname, "..");
const dist = join(repo, "dist");
const corpus = join(repo, "test", "fixtures", "invalid");
const temp = mkdtempSync(join(tmpdir(), "savpkg-bundle-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

interface Run {
  argv: string[];
  cwd: string;
  env?: Record<string, string>;
}
interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const dev = join(repo, "examples", "tenants", "acme-dev.yaml");
const prod = join(repo, "examples", "tenants", "acme-prod.yaml");

/** Every case of the invalid corpus, as its test runs it (invalid-tenants.test.ts). */
function corpusRuns(): Run[] {
  return readdirSync(corpus)
    .sort()
    .map((name) => {
      const dir = join(corpus, name);
      const file = readdirSync(dir).find((f) => /^tenant\.(ya?ml|json)$/.test(f))!;
      const args = existsSync(join(dir, "args.json")) ? (JSON.parse(readFileSync(join(dir, "args.json"), "utf8")) as { args?: string[]; env?: Record<string, string> }) : {};
      return { argv: ["validate", file, ...(args.args ?? []), "--format", "json"], cwd: dir, ...(args.env ? { env: args.env } : {}) };
    });
}

const buildOut = { bundle: join(temp, "out-bundle"), sources: join(temp, "out-sources") };
const zipsDir = join(temp, "zips");

function commandRuns(out: string): Run[] {
  return [
    { argv: ["validate", dev, prod], cwd: repo },
    { argv: ["validate", "examples/tenants/acme-prod.yaml", "--set", "import.pageSize=lots"], cwd: repo },
    { argv: ["render", dev, "--attr", "CreateAccountJSON"], cwd: repo },
    { argv: ["render", prod], cwd: repo },
    { argv: ["render", dev, "--out", join(out, "rendered")], cwd: repo },
    { argv: ["simulate", dev, "--format", "json"], cwd: repo },
    { argv: ["build", dev, prod, "--out", out, "--format", "json"], cwd: repo },
    { argv: ["schema"], cwd: repo },
    { argv: ["--help"], cwd: repo },
    { argv: ["validate", "--help"], cwd: repo },
    { argv: ["--version"], cwd: temp },
    { argv: ["nonsense"], cwd: repo },
    { argv: ["validate"], cwd: repo },
    { argv: ["build", "--out", out, "--unknown-flag", dev], cwd: repo },
    { argv: ["diff", join(zipsDir, "acme-dev", "INCONTACT.zip"), join(zipsDir, "acme-prod", "INCONTACT.zip")], cwd: repo },
    { argv: ["diff", join(zipsDir, "acme-dev", "INCONTACT.zip"), join(zipsDir, "acme-prod", "INCONTACT.zip"), "--format", "json"], cwd: repo },
    { argv: ["lint", join(zipsDir, "acme-dev", "INCONTACT.zip")], cwd: repo },
  ];
}

/** Durations are the only output that may differ between two runs. */
const normalise = (o: Outcome): Outcome => ({ ...o, stdout: o.stdout.replace(/\d+\.\d\ds\b/g, "<s>"), stderr: o.stderr.replace(/\d+\.\d\ds\b/g, "<s>") });

let child: { outcomes: Outcome[]; loadedFromNodeModules: string[]; cacheRejected: boolean | undefined; bundled: boolean };
/** The same runs through src/cli.ts in this process (builds into buildOut.sources). */
let sources: { corpus: Outcome[]; commands: Outcome[] };

beforeAll(async () => {
  if (!existsSync(join(dist, "cli.bundle.cjs"))) throw new Error("dist/cli.bundle.cjs is missing: run `npm run build` (npm test does)");
  // Packages for diff and lint, made by the sources.
  const made = await runCli(["build", dev, prod, "--out", zipsDir], { cwd: repo });
  expect(made.code).toBe(0);
  const runs = [...corpusRuns(), ...commandRuns(buildOut.bundle)];
  const script = join(temp, "run-bundle.cjs");
  writeFileSync(
    script,
    `const { loadCli } = require(${JSON.stringify(join(dist, "cli-loader.cjs"))});
(async () => {
  const runs = JSON.parse(require("node:fs").readFileSync(process.argv[2], "utf8"));
  const { cli, script, cacheRejected } = await loadCli();
  const outcomes = [];
  for (const run of runs) {
    let stdout = "", stderr = "";
    const io = { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { NO_COLOR: "1", ...(run.env ?? {}) }, cwd: run.cwd, isTTY: false };
    const code = await cli.main(run.argv, io);
    outcomes.push({ code, stdout, stderr });
  }
  const loadedFromNodeModules = Object.keys(require.cache).filter((k) => k.includes("node_modules"));
  process.stdout.write(JSON.stringify({ outcomes, loadedFromNodeModules, cacheRejected, bundled: script !== undefined }));
})();
`,
  );
  writeFileSync(join(temp, "runs.json"), JSON.stringify(runs));
  // As bin/savpkg.js runs: plain node, no NODE_OPTIONS (V8 flags would make it refuse the cache).
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const result = spawnSync(process.execPath, [script, join(temp, "runs.json")], { env, encoding: "utf8", maxBuffer: 256 * 2 ** 20 });
  if (result.status !== 0) throw new Error(`bundle child failed: ${result.stderr}`);
  child = JSON.parse(result.stdout);
  sources = { corpus: [], commands: [] };
  for (const run of corpusRuns()) sources.corpus.push(await runCli(run.argv, { cwd: run.cwd, ...(run.env ? { env: run.env } : {}) }));
  for (const run of commandRuns(buildOut.sources)) sources.commands.push(await runCli(run.argv, { cwd: run.cwd }));
}, 60_000);

describe("the built CLI", () => {
  test("dist/generated/precompiled.js is what the sources generate (dist is not stale)", () => {
    const expected = precompiledModuleSource({ root: repo, ajvOptions: AJV_OPTIONS, configureAjv, templateOptions: TEMPLATE_COMPILE_OPTIONS });
    expect(readFileSync(join(dist, "generated", "precompiled.js"), "utf8") === expected, "dist/ is stale: run `npm run build`").toBe(true);
  });

  test("runs from the bundle with its code cache, loading nothing from node_modules", () => {
    expect(child.bundled).toBe(true);
    expect(child.cacheRejected).toBe(false);
    // No ajv compiler, no Handlebars compiler, no dependency at all outside the bundle.
    expect(child.loadedFromNodeModules).toEqual([]);
  });

  test("every invalid-corpus case: same exit code and output as the sources", () => {
    const runs = corpusRuns();
    expect(runs.length).toBeGreaterThan(35);
    for (const [i, run] of runs.entries()) {
      const expected = sources.corpus[i]!;
      expect(normalise(child.outcomes[i]!), `${relative(repo, run.cwd)}: ${run.argv.join(" ")}`).toEqual(normalise(expected));
      expect(expected.code).toBeGreaterThan(0);
    }
  });

  test("validate, render, build, simulate, schema, help, usage errors, --version, diff, lint: same as the sources", () => {
    const offset = corpusRuns().length;
    const bundleRuns = commandRuns(buildOut.bundle);
    const sourceRuns = commandRuns(buildOut.sources);
    for (const i of sourceRuns.keys()) {
      const expected = normalise(sources.commands[i]!);
      const actual = normalise(child.outcomes[offset + i]!);
      // The two builds write to different folders; nothing else may differ.
      const label = bundleRuns[i]!.argv.join(" ");
      expect({ ...actual, stdout: actual.stdout.split(buildOut.bundle).join("<out>") }, label).toEqual({ ...expected, stdout: expected.stdout.split(buildOut.sources).join("<out>") });
    }
    const versionRun = sourceRuns.findIndex((r) => r.argv[0] === "--version");
    expect(child.outcomes[offset + versionRun]!.stdout.trim()).toBe(JSON.parse(readFileSync(join(repo, "package.json"), "utf8")).version);
  });

  test("a build writes the same bytes as the sources build", () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)).map((f) => join(e.name, f)) : [e.name])).sort();
    const names = files(buildOut.bundle);
    expect(names).toEqual(files(buildOut.sources));
    expect(names).toContain(join("acme-dev", "INCONTACT.zip"));
    for (const name of names) expect(readFileSync(join(buildOut.bundle, name)).equals(readFileSync(join(buildOut.sources, name))), name).toBe(true);
  });
});
