/**
 * Issue 4 §7–§8: the tool itself is releasable, and so are its packages.
 *  - `npm pack` makes a small tarball (issue 10 item 8: sizes bounded below) with the CLI and library
 *    bundles, declarations, templates and schemas — no code caches, no sources, tests or build output
 *    of tenants — and no `dependencies`; installed offline into an empty folder outside the
 *    repository it runs `npx savpkg --version`, builds a tenant byte-identical to the repository's
 *    own build (leaving its first code cache), and its library and types work there.
 *  - `.github/workflows/release.yml` is valid YAML with the expected jobs and steps, pinned
 *    actions, and a staging script that produces release assets `sha256sum -c` accepts.
 * The tarball is packed with --ignore-scripts from the dist/ that `npm test` has just built (a
 * `prepack` script would rebuild dist/ under the feet of the tests running in parallel).
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertBuilt, childEnv, copyExamples, repoRoot, runProgram, runSavpkg, sha256, tempDir } from "./helpers/spawn.js";

const NPM_TIMEOUT = 120_000;
const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { name: string; version: string };

let work: ReturnType<typeof tempDir>;

beforeAll(() => {
  assertBuilt();
  work = tempDir("pack");
});

afterAll(() => work?.remove());

/** npm without the developer's colour, update check, audit or funding noise. */
const npmEnv = () =>
  childEnv({
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_color: "false",
    npm_config_loglevel: "warn",
    npm_config_fetch_retries: "2",
    npm_config_fetch_timeout: "30000",
  });

/** Upper bounds for what `npm pack` ships (README "Installing"): measured 0.75 MB packed, 3.2 MB unpacked, 141 files. */
const MAX_PACKED = 1_000_000;
const MAX_UNPACKED = 3_600_000;
const MAX_FILES = 160;

describe("npm pack", () => {
  test(
    "a small tarball with no dependencies installs offline into an empty folder, and its CLI and library work there",
    async () => {
      const packDir = join(work.path, "tarball");
      mkdirSync(packDir);
      const pack = await runProgram("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], { cwd: repoRoot, env: npmEnv(), timeoutMs: NPM_TIMEOUT });
      expect(pack.code, pack.stderr).toBe(0);
      const [info] = JSON.parse(pack.stdout) as [{ filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] }];
      const files = info.files.map((f) => f.path);
      // What runs ships: the two bundles, the loader, yargs' messages, the declarations, templates, schemas…
      for (const needed of ["package.json", "bin/savpkg.js", "dist/cli.bundle.cjs", "dist/cli-loader.cjs", "dist/index.bundle.js", "dist/index.d.ts", "dist/yargs-locales/en.json", "schemas/tenant.schema.json", "templates/incontact/ConnectionJSON.hbs", "templates/incontact/RemoveAccessJSON.hbs"]) {
        expect(files, needed).toContain(needed);
      }
      // …and nothing else: no code caches (one Node build only; made on first use), no unbundled
      // modules, no CLI declarations, nothing of the repository's working material.
      expect(files.filter((f) => f.endsWith(".v8cache"))).toEqual([]);
      expect(files.filter((f) => f.startsWith("dist/") && /\.(m?js|cjs)$/.test(f)).sort()).toEqual(["dist/cli-loader.cjs", "dist/cli.bundle.cjs", "dist/index.bundle.js"]);
      expect(files.filter((f) => f.startsWith("dist/cli/"))).toEqual([]);
      expect(files.filter((f) => /^(src|test|examples|dist-packages|bench|scripts|\.github|node_modules)\//.test(f))).toEqual([]);
      expect(info.size).toBeLessThan(MAX_PACKED);
      expect(info.unpackedSize).toBeLessThan(MAX_UNPACKED);
      expect(info.entryCount).toBeLessThan(MAX_FILES);
      const manifest = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: unknown; peerDependencies?: unknown };
      expect(manifest.dependencies ?? {}).toEqual({});
      expect(manifest.optionalDependencies ?? manifest.peerDependencies).toBeUndefined();
      const tarball = join(packDir, info.filename);
      expect(info.filename).toBe(`${pkg.name}-${pkg.version}.tgz`);

      // An empty folder outside the repository (its own package.json keeps npm from looking upwards);
      // --offline: with nothing to download the registry is never needed.
      const consumer = join(work.path, "consumer");
      mkdirSync(consumer);
      expect(relative(repoRoot, consumer).startsWith("..")).toBe(true);
      writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "savpkg-consumer", version: "0.0.0", private: true, type: "module" }, null, 2) + "\n");
      const install = await runProgram("npm", ["install", "--no-audit", "--no-fund", "--offline", tarball], { cwd: consumer, env: npmEnv(), timeoutMs: NPM_TIMEOUT });
      expect(install.code, install.stderr).toBe(0);
      // One package installed: savpkg itself.
      expect(readdirSync(join(consumer, "node_modules")).filter((e) => !e.startsWith("."))).toEqual([pkg.name]);
      const installed = join(consumer, "node_modules", pkg.name);

      const npx = (args: string[]) => runProgram("npx", ["--no", "--", "savpkg", ...args], { cwd: consumer, env: npmEnv(), timeoutMs: NPM_TIMEOUT });
      const version = await npx(["--version"]);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(pkg.version);

      // A tenant copied there builds; templates and schemas come from the installed package. The
      // first build leaves its code cache beside the bundle (the folder is writable here).
      copyExamples(join(consumer, "tenants"), ["acme-base.yaml", "acme-dev.yaml"]);
      const build = await npx(["build", "tenants/acme-dev.yaml"]);
      expect(build.code, build.stderr).toBe(0);
      expect(build.stderr).toMatch(/^built 1 package in [\d.]+s\n$/);
      expect(readdirSync(join(installed, "dist")).filter((f) => f.endsWith(".v8cache"))).toEqual(["cli.bundle.cjs.build.v8cache"]);
      const installedZip = readFileSync(join(consumer, "dist-packages", "acme-dev", "INCONTACT.zip"));

      // Same savpkg version, same tenant → the same bytes as the repository's CLI.
      const here = join(work.path, "from-repo");
      copyExamples(join(here, "tenants"), ["acme-base.yaml", "acme-dev.yaml"]);
      const local = await runSavpkg(["build", "tenants/acme-dev.yaml"], { cwd: here });
      expect(local.code, local.stderr).toBe(0);
      expect(sha256(installedZip)).toBe(sha256(readFileSync(join(here, "dist-packages", "acme-dev", "INCONTACT.zip"))));

      const schema = await npx(["schema"]);
      expect(schema.code, schema.stderr).toBe(0);
      expect(JSON.parse(schema.stdout)).toEqual(JSON.parse(readFileSync(join(repoRoot, "schemas", "tenant.schema.json"), "utf8")));

      // The library entry (dist/index.bundle.js) works with nothing else installed: same package bytes.
      writeFileSync(
        join(consumer, "use.mjs"),
        'import { compileTenant } from "savpkg";\nconst r = await compileTenant("tenants/acme-dev.yaml", { cwd: process.cwd() });\nprocess.stdout.write(JSON.stringify({ errors: r.diagnostics.filter((d) => d.severity === "error").length, zip: Buffer.from(r.package.zip).toString("base64") }));\n',
      );
      const lib = await runProgram(process.execPath, ["use.mjs"], { cwd: consumer, env: npmEnv() });
      expect(lib.code, lib.stderr).toBe(0);
      const fromLibrary = JSON.parse(lib.stdout) as { errors: number; zip: string };
      expect(fromLibrary.errors).toBe(0);
      expect(sha256(Buffer.from(fromLibrary.zip, "base64"))).toBe(sha256(installedZip));

      // Its declarations name no dependency: a strict TypeScript user without skipLibCheck needs only @types/node.
      writeFileSync(join(consumer, "use.ts"), 'import { compileTenant, formatJsonEnvelope, type Diagnostic } from "savpkg";\nconst r = await compileTenant("tenants/acme-dev.yaml", { cwd: "." });\nconst d: Diagnostic[] = r.diagnostics;\nconsole.log(formatJsonEnvelope("build", {}, d));\n');
      const tsconfig = { compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, noEmit: true, skipLibCheck: false, types: ["node"], typeRoots: [join(repoRoot, "node_modules", "@types")] }, files: ["use.ts"] };
      writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify(tsconfig));
      const tsc = await runProgram(process.execPath, [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: consumer, env: npmEnv() });
      expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    },
    4 * NPM_TIMEOUT,
  );
});

// ---- the CI release workflow ----

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  "working-directory"?: string;
}
interface Workflow {
  on: { push: { branches: string[]; tags: string[] }; pull_request: unknown };
  permissions: Record<string, string>;
  jobs: Record<string, { needs?: string; if?: string; permissions?: Record<string, string>; steps: Step[] }>;
}

const workflowFile = join(repoRoot, ".github", "workflows", "release.yml");

describe(".github/workflows/release.yml", () => {
  const workflow = () => parse(readFileSync(workflowFile, "utf8"), { uniqueKeys: true, prettyErrors: true }) as Workflow;
  const runs = (job: string) => workflow().jobs[job]!.steps.map((s) => s.run ?? "");

  test("is valid YAML: runs on pushes, pull requests and v* tags, read-only by default", () => {
    const w = workflow();
    expect(w.on.push.tags).toEqual(["v*"]);
    expect(w.on.push.branches).toEqual(["main"]);
    expect("pull_request" in w.on).toBe(true);
    expect(w.permissions).toEqual({ contents: "read" });
    expect(Object.keys(w.jobs)).toEqual(["test", "release"]);
  });

  test("the test job installs from the lock file, tests, builds every tenant and checks the output", () => {
    const steps = runs("test");
    const order = ["npm ci --no-audit --no-fund", "npm test", "node bin/savpkg.js build --all", "node bin/savpkg.js build --all --check"].map((cmd) => steps.indexOf(cmd));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const rerun = workflow().jobs.test!.steps.find((s) => s.run === "node bin/savpkg.js build --all --check" && s.env?.TZ);
    expect(rerun?.env).toMatchObject({ TZ: "Asia/Tokyo", LC_ALL: "tr_TR.UTF-8" });
    expect(workflow().jobs.test!.steps.find((s) => s.run === "sha256sum -c SHA256SUMS")?.["working-directory"]).toBe("dist-packages");
  });

  test("the release job runs only for v* tags, after the tests, and is the only one that may write", () => {
    const job = workflow().jobs.release!;
    expect(job.needs).toBe("test");
    expect(job.if).toContain("startsWith(github.ref, 'refs/tags/v')");
    expect(job.permissions).toEqual({ contents: "write" });
    expect(workflow().jobs.test!.permissions).toBeUndefined();
    const release = runs("release").join("\n");
    expect(release).toContain("node bin/savpkg.js build --all --check");
    expect(release).toMatch(/gh release create "\$TAG" release\/\* --verify-tag/);
    expect(release).toMatch(/gh release upload "\$TAG" release\/\* --clobber/);
  });

  test("every action is pinned to a full commit SHA", () => {
    const uses = Object.values(workflow().jobs).flatMap((j) => j.steps.map((s) => s.uses).filter((u): u is string => u !== undefined));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
  });

  test("the staging script turns a real build into assets that sha256sum -c and the docs' recipe accept", async () => {
    const stage = workflow().jobs.release!.steps.find((s) => s.name === "Stage release assets")!;
    const dir = join(work.path, "stage");
    copyExamples(join(dir, "examples", "tenants"));
    const built = await runSavpkg(["build", "--all"], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);
    const r = await runProgram("bash", ["-c", stage.run!], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(join(dir, "release")).sort()).toEqual([
      "SHA256SUMS",
      "acme-dev.ConnectionJSON.json",
      "acme-dev.INCONTACT.zip",
      "acme-prod.ConnectionJSON.json",
      "acme-prod.INCONTACT.zip",
      "manifest.json",
    ]);
    expect(r.stdout).toContain("acme-prod.INCONTACT.zip: OK");
    // The zip hashes are the build's own (dist-packages/SHA256SUMS and manifest.json).
    const sums = readFileSync(join(dir, "release", "SHA256SUMS"), "utf8");
    for (const line of readFileSync(join(dir, "dist-packages", "SHA256SUMS"), "utf8").trimEnd().split("\n")) {
      expect(sums).toContain(line.replace("/INCONTACT.zip", ".INCONTACT.zip"));
    }

    // docs/ci.md's provenance recipe, run as written on the staged assets, passes — and fails on a changed zip.
    const recipe = /<!-- test: verify-download[^>]*-->\n```sh\n([\s\S]*?)\n```/.exec(readFileSync(join(repoRoot, "docs", "ci.md"), "utf8"))?.[1];
    expect(recipe, "docs/ci.md must keep the verify-download recipe").toBeDefined();
    const verify = async (name: string, downloads: string) => {
      const checkout = join(dir, name);
      copyExamples(join(checkout, "examples", "tenants"));
      const script = `set -euo pipefail\nsavpkg() { "${process.execPath}" "${join(repoRoot, "bin", "savpkg.js")}" "$@"; }\n${recipe}`;
      return runProgram("bash", ["-c", script], { cwd: checkout, env: childEnv({ DL: downloads }) });
    };
    const good = await verify("verify-good", join(dir, "release"));
    expect(good.code, good.stderr).toBe(0);
    expect(good.stderr).toMatch(/checked 2 packages in [\d.]+s, 1 base file skipped: up to date/);

    cpSync(join(dir, "release"), join(dir, "download"), { recursive: true });
    writeFileSync(join(dir, "download", "acme-dev.INCONTACT.zip"), Buffer.concat([readFileSync(join(dir, "download", "acme-dev.INCONTACT.zip")), Buffer.from([0])]));
    const tampered = await runProgram("sha256sum", ["-c", "SHA256SUMS"], { cwd: join(dir, "download") });
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain("acme-dev.INCONTACT.zip: FAILED");
    const bad = await verify("verify-bad", join(dir, "download"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("dist-packages/acme-dev/INCONTACT.zip is stale");
  });
});
