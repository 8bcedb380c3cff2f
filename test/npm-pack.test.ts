/**
 * Issue 4 §7–§8: the tool itself is releasable, and so are its packages.
 *  - `npm pack` makes a tarball with the built CLI, templates and schemas (and no sources, tests
 *    or build output of tenants); installed into an empty folder outside the repository it runs
 *    `npx savpkg --version` and builds a tenant — byte-identical to the repository's own build.
 *    This needs the npm registry for the dependencies; if the registry cannot be reached the test
 *    is skipped with the reason (it is never skipped for any other failure).
 *  - `.github/workflows/release.yml` is valid YAML with the expected jobs and steps, pinned
 *    actions, and a staging script that produces release assets `sha256sum -c` accepts.
 * The tarball is packed with --ignore-scripts from the dist/ that `npm test` has just built (a
 * `prepack` script would rebuild dist/ under the feet of the tests running in parallel).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** Why the registry cannot be used, or undefined when `npm ping` gets an answer. */
async function registryProblem(): Promise<string | undefined> {
  const ping = await runProgram("npm", ["ping"], { cwd: work.path, env: npmEnv(), timeoutMs: 30_000 }).catch((e: Error) => ({ code: 1, stdout: "", stderr: e.message }));
  return ping.code === 0 ? undefined : ping.stderr.trim().split("\n").slice(-3).join(" ");
}

const NETWORK_ERROR = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|network request to .* failed|request to .* failed, reason)\b/i;

describe("npm pack", () => {
  test(
    "the tarball installs into an empty folder and builds a tenant without the repository",
    async (ctx) => {
      const packDir = join(work.path, "tarball");
      mkdirSync(packDir);
      const pack = await runProgram("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", packDir], { cwd: repoRoot, env: npmEnv(), timeoutMs: NPM_TIMEOUT });
      expect(pack.code, pack.stderr).toBe(0);
      const [info] = JSON.parse(pack.stdout) as [{ filename: string; files: { path: string }[] }];
      const files = info.files.map((f) => f.path);
      // What the CLI needs at run time ships…
      for (const needed of ["package.json", "bin/savpkg.js", "dist/cli/main.js", "dist/index.js", "schemas/tenant.schema.json", "templates/incontact/ConnectionJSON.hbs", "templates/incontact/RemoveAccessJSON.hbs"]) {
        expect(files, needed).toContain(needed);
      }
      // …and nothing of the repository's working material.
      expect(files.filter((f) => /^(src|test|examples|dist-packages|bench|scripts|\.github|node_modules)\//.test(f))).toEqual([]);
      const tarball = join(packDir, info.filename);
      expect(info.filename).toBe(`${pkg.name}-${pkg.version}.tgz`);

      // An empty folder outside the repository (its own package.json keeps npm from looking upwards).
      const consumer = join(work.path, "consumer");
      mkdirSync(consumer);
      expect(relative(repoRoot, consumer).startsWith("..")).toBe(true);
      writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "savpkg-consumer", version: "0.0.0", private: true }, null, 2) + "\n");
      const install = await runProgram("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball], { cwd: consumer, env: npmEnv(), timeoutMs: NPM_TIMEOUT }).catch(async (error: Error) => {
        // A hang is a skip only when the registry does not answer a ping either.
        const problem = await registryProblem();
        if (problem !== undefined) ctx.skip(`npm registry unreachable, npm install timed out: ${problem}`);
        throw error;
      });
      if (install.code !== 0 && NETWORK_ERROR.test(install.stderr)) {
        ctx.skip(`npm registry unreachable, cannot install the dependencies: ${install.stderr.split("\n").find((l) => NETWORK_ERROR.test(l))}`);
      }
      expect(install.code, install.stderr).toBe(0);
      expect(existsSync(join(consumer, "node_modules", pkg.name, "dist", "cli", "main.js"))).toBe(true);

      const npx = (args: string[]) => runProgram("npx", ["--no", "--", "savpkg", ...args], { cwd: consumer, env: npmEnv(), timeoutMs: NPM_TIMEOUT });
      const version = await npx(["--version"]);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(pkg.version);

      // A tenant copied there builds; templates and schemas come from the installed package.
      copyExamples(join(consumer, "tenants"), ["acme-base.yaml", "acme-dev.yaml"]);
      const build = await npx(["build", "tenants/acme-dev.yaml"]);
      expect(build.code, build.stderr).toBe(0);
      expect(build.stderr).toMatch(/^built 1 package in [\d.]+s\n$/);
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
