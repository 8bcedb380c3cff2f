/**
 * Issue 10 item 8: the npm package ships no V8 code caches; an installed savpkg makes them on first
 * use (dist/cli-loader.cjs `saveCodeCache`). In a folder laid out as the package installs (bin/,
 * the bundle and loader, package.json, schemas/, templates/ — no caches, no node_modules): the
 * first run writes its cache atomically next to the bundle and the next run uses it; when that
 * folder cannot take the file the user's cache folder does; when nothing can, the run is the same,
 * silently. Output never depends on any of it. Needs `npm run build` (npm test runs it first).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { assertBuilt, repoRoot, tempDir } from "./helpers/spawn.js";

let work: ReturnType<typeof tempDir>;
let n = 0;

beforeAll(() => {
  assertBuilt();
  work = tempDir("code-cache");
});
afterAll(() => work?.remove());

/** A fresh installed-like package folder, and a tenant to validate beside it. */
function installLike(): { pkg: string; cache: string } {
  const root = join(work.path, `case-${n++}`);
  const pkg = join(root, "savpkg");
  mkdirSync(join(pkg, "dist"), { recursive: true });
  for (const entry of ["bin", "package.json", "schemas", "templates"]) cpSync(join(repoRoot, entry), join(pkg, entry), { recursive: true });
  for (const entry of ["cli.bundle.cjs", "cli-loader.cjs", "yargs-locales"]) cpSync(join(repoRoot, "dist", entry), join(pkg, "dist", entry), { recursive: true });
  cpSync(join(repoRoot, "examples", "tenants"), join(root, "tenants"), { recursive: true });
  return { pkg, cache: join(root, "user-cache") };
}

const baseEnv = (cache: string, extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? "", HOME: join(cache, "..", "home"), XDG_CACHE_HOME: cache, NO_COLOR: "1", ...extra });

function savpkg(pkg: string, args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [join(pkg, "bin", "savpkg.js"), ...args], { cwd: join(pkg, ".."), env, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** What the loader finds for `command` now: whether V8 took a cache and whether the run would write one. */
function probe(pkg: string, command: string, env: Record<string, string>): { rejected: boolean | null; needed: boolean } {
  const script = `require(${JSON.stringify(join(pkg, "dist", "cli-loader.cjs"))}).loadCli(${JSON.stringify(command)}).then((l) => process.stdout.write(JSON.stringify({ rejected: l.cacheRejected ?? null, needed: l.cacheNeeded })))`;
  const r = spawnSync(process.execPath, ["-e", script], { env, encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { rejected: boolean | null; needed: boolean };
}

const distFiles = (pkg: string) => readdirSync(join(pkg, "dist")).sort();
const caches = (pkg: string) => distFiles(pkg).filter((f) => f.endsWith(".v8cache"));

describe("code caches made on first use", () => {
  test("the first run writes its cache next to the bundle; the next run uses it; output is the same", () => {
    const { pkg, cache } = installLike();
    const env = baseEnv(cache);
    expect(caches(pkg)).toEqual([]);
    expect(probe(pkg, "validate", env)).toEqual({ rejected: null, needed: true });
    const first = savpkg(pkg, ["validate", "tenants/acme-dev.yaml"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(caches(pkg)).toEqual(["cli.bundle.cjs.validate.v8cache"]);
    expect(readFileSync(join(pkg, "dist", "cli.bundle.cjs.validate.v8cache")).subarray(0, 15).toString("latin1")).toBe("savpkg-v8cache:");
    expect(probe(pkg, "validate", env)).toEqual({ rejected: false, needed: false });
    const second = savpkg(pkg, ["validate", "tenants/acme-dev.yaml"], env);
    expect(second).toEqual(first);
    // Commands without a cache of their own share one; nothing else is left in dist/.
    expect(savpkg(pkg, ["schema"], env).code).toBe(0);
    expect(caches(pkg)).toEqual(["cli.bundle.cjs.v8cache", "cli.bundle.cjs.validate.v8cache"]);
    expect(distFiles(pkg).filter((f) => f.includes(".tmp-"))).toEqual([]);
    expect(existsSync(cache)).toBe(false);
  });

  test("--help, --version and a mistyped command leave no cache", () => {
    const { pkg, cache } = installLike();
    const env = baseEnv(cache);
    expect(savpkg(pkg, ["--help"], env).code).toBe(0);
    expect(savpkg(pkg, ["--version"], env).code).toBe(0);
    expect(savpkg(pkg, ["valdate", "x.yaml"], env).code).toBe(2);
    expect(caches(pkg)).toEqual([]);
  });

  test("when the package folder cannot take the file, the user's cache folder does (private), and is read", () => {
    const { pkg, cache } = installLike();
    const env = baseEnv(cache);
    // A folder where the cache file would go: the rename onto it fails, as on a read-only install.
    mkdirSync(join(pkg, "dist", "cli.bundle.cjs.validate.v8cache", "blocker"), { recursive: true });
    const first = savpkg(pkg, ["validate", "tenants/acme-dev.yaml"], env);
    expect(first.code, first.stderr).toBe(0);
    const [buildId] = readdirSync(join(cache, "savpkg"));
    const file = join(cache, "savpkg", buildId!, "cli.bundle.cjs.validate.v8cache");
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(cache, "savpkg")).mode & 0o777).toBe(0o700);
    expect(probe(pkg, "validate", env)).toEqual({ rejected: false, needed: false });
    expect(savpkg(pkg, ["validate", "tenants/acme-dev.yaml"], env)).toEqual(first);
  });

  test("when nothing can be written the run is the same, silently", () => {
    const { pkg, cache } = installLike();
    mkdirSync(join(pkg, "dist", "cli.bundle.cjs.validate.v8cache", "blocker"), { recursive: true });
    mkdirSync(join(cache, ".."), { recursive: true });
    writeFileSync(cache, "a file where the cache folder would be\n");
    const env = baseEnv(cache);
    const runs = [1, 2].map(() => savpkg(pkg, ["validate", "tenants/acme-dev.yaml"], env));
    expect(runs[0]!.code, runs[0]!.stderr).toBe(0);
    expect(runs[0]!.stderr).toBe("1 tenant file(s) valid\n");
    expect(runs[1]).toEqual(runs[0]);
    expect(distFiles(pkg).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  test("a cache of another build or Node, or damaged bytes, is ignored and replaced", () => {
    const { pkg, cache } = installLike();
    const env = baseEnv(cache);
    const target = join(pkg, "dist", "cli.bundle.cjs.build.v8cache");
    writeFileSync(target, "savpkg-v8cache:0123456789abcdef0123456789abcdef:0.0.0-x\nnot bytecode");
    const out = join(pkg, "..", "out");
    const first = savpkg(pkg, ["build", "tenants/acme-dev.yaml", "--out", out], env);
    expect(first.code, first.stderr).toBe(0);
    const zip = readFileSync(join(out, "acme-dev", "INCONTACT.zip"));
    expect(readFileSync(target).toString("latin1")).not.toContain("not bytecode");
    expect(probe(pkg, "build", env)).toEqual({ rejected: false, needed: false });

    // Right header, damaged data: V8 rejects it, the run is unchanged and writes a good one.
    const good = readFileSync(target);
    const header = good.indexOf(0x0a) + 1;
    writeFileSync(target, Buffer.concat([good.subarray(0, header), Buffer.alloc(good.length - header, 0x5a)]));
    expect(probe(pkg, "build", env)).toEqual({ rejected: true, needed: true });
    const second = savpkg(pkg, ["build", "tenants/acme-dev.yaml", "--out", out], env);
    expect(second.code, second.stderr).toBe(0);
    expect(readFileSync(join(out, "acme-dev", "INCONTACT.zip")).equals(zip)).toBe(true);
    expect(probe(pkg, "build", env)).toEqual({ rejected: false, needed: false });
  });

  test("SAVPKG_CODE_CACHE=0: neither read nor written", () => {
    const { pkg, cache } = installLike();
    const env = baseEnv(cache, { SAVPKG_CODE_CACHE: "0" });
    expect(savpkg(pkg, ["validate", "tenants/acme-dev.yaml"], env).code).toBe(0);
    expect(caches(pkg)).toEqual([]);
    expect(existsSync(cache)).toBe(false);
  });
});
