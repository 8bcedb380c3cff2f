/**
 * Issue 7 (batch builds, memory flat in N): runBuild stages each tenant's files on disk as soon as
 * it is compiled (temp files beside their targets, emit.ts `stageFile`) and renames them into place
 * only when every tenant compiled. These tests pin down what that must not change and what it adds:
 *   - a tenant that fails after others were staged leaves the output exactly as it was (and a new
 *     output folder is not even created);
 *   - a rename failing part-way leaves the metadata vouching only for packages on disk as recorded,
 *     and no temp file behind;
 *   - temp files of an interrupted earlier build are not packages for --check and are removed by the
 *     next build;
 *   - the parse cache shares `extends` bases across loads without changing any result;
 *   - compiling without packing (validate, lint) never loads archiver (lazy import in compile.ts).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runBuild } from "../src/build/batch.js";
import { loadTenant, type ParseCache } from "../src/tenant/load.js";
import { assertBuilt, copyExamples, derivedTenant, repoRoot, snapshotTree, tempDir } from "./helpers/spawn.js";

let work: ReturnType<typeof tempDir>;
let tenants: string;
const NAMES = ["s01", "s02", "s03", "s04"];

beforeAll(() => {
  work = tempDir("stream");
  tenants = join(work.path, "tenants");
  copyExamples(tenants, ["acme-base.yaml"]);
  for (const n of NAMES) writeFileSync(join(tenants, `${n}.yaml`), derivedTenant(`InContact_${n.toUpperCase()}`));
});

afterAll(() => work?.remove());

const build = (out: string, extra: { set?: string[]; check?: boolean; sourceDateEpoch?: number } = {}) =>
  runBuild({ tenants: [], all: tenants, outDir: out, cwd: work.path, runtime: { node: "test", zlib: "test" }, ...extra });

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const errors = (o: Awaited<ReturnType<typeof build>>) => o.diagnostics.filter((d) => d.severity === "error");
const tree = (out: string) => Object.fromEntries([...snapshotTree(out)].map(([p, e]) => [p, { kind: e.kind, sha256: e.sha256, mode: e.mode, ino: e.ino }]));

/** Every package the metadata lists is on disk with the recorded sha256; returns the listed paths. */
function vouched(out: string): string[] {
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { packages: { package: string; sha256: string }[] };
  for (const p of manifest.packages) expect(sha256(readFileSync(join(out, p.package))), p.package).toBe(p.sha256);
  const sums = readFileSync(join(out, "SHA256SUMS"), "utf8").split("\n").filter(Boolean);
  expect(sums).toEqual(manifest.packages.map((p) => `${p.sha256}  ${p.package}`));
  return manifest.packages.map((p) => p.package);
}

describe("a tenant failing after others were staged", () => {
  // The last tenant in byte order fails; the ones before it were compiled and staged by then.
  const withFailingLast = async (body: () => Promise<void>) => {
    const bad = join(tenants, "s99.yaml");
    writeFileSync(bad, derivedTenant("InContact_S99", (t) => t.replace("pageSize: 50", "pageSize: 0")));
    try {
      await body();
    } finally {
      rmSync(bad);
    }
  };

  test("leaves an existing output byte for byte (and inode for inode) as it was", async () => {
    const out = join(work.path, "fail-existing");
    expect(errors(await build(out, { sourceDateEpoch: 1700000000 }))).toEqual([]);
    const before = tree(out);
    await withFailingLast(async () => {
      const r = await build(out, { sourceDateEpoch: 1750000000 });
      expect(errors(r).map((d) => d.file)).toEqual([expect.stringContaining("s99.yaml")]);
      expect(r.summary("0.0")).toContain("nothing written");
      expect(tree(out)).toEqual(before);
    });
  });

  test("does not create a new output folder", async () => {
    await withFailingLast(async () => {
      const r = await build(join(work.path, "fail-new", "dist"));
      expect(errors(r).length).toBe(1);
      expect(existsSync(join(work.path, "fail-new"))).toBe(false);
    });
  });
});

describe("a rename failing part-way", () => {
  test("keeps the packages already in place, vouches only for what is on disk, leaves no temp file", async () => {
    const out = join(work.path, "rename-fails");
    expect(errors(await build(out, { sourceDateEpoch: 1700000000 }))).toEqual([]);
    const old = Object.fromEntries(NAMES.map((n) => [n, sha256(readFileSync(join(out, n, "INCONTACT.zip")))]));
    // A folder where s03's zip goes: the rename of its staged file onto it fails (EISDIR).
    rmSync(join(out, "s03", "INCONTACT.zip"));
    mkdirSync(join(out, "s03", "INCONTACT.zip", "blocker"), { recursive: true });
    const r = await build(out, { sourceDateEpoch: 1750000000 });
    expect(errors(r).map((d) => d.code)).toEqual(["IO_WRITE"]);
    expect(errors(r)[0]!.message).toContain(join(out, "s03", "INCONTACT.zip"));
    // s01, s02 were renamed before the failure: new bytes, and recorded as such.
    for (const n of ["s01", "s02"]) expect(sha256(readFileSync(join(out, n, "INCONTACT.zip")))).not.toBe(old[n]);
    // s04 was never renamed: still the old bytes.
    expect(sha256(readFileSync(join(out, "s04", "INCONTACT.zip")))).toBe(old.s04);
    expect(vouched(out)).toEqual(["s01/INCONTACT.zip", "s02/INCONTACT.zip", "s04/INCONTACT.zip"]);
    const temps = [...snapshotTree(out).keys()].filter((p) => /\.tmp-[0-9a-f]+$/.test(p));
    expect(temps).toEqual([]);
  });
});

describe("temp files an interrupted build left behind", () => {
  test("are not packages for --check, and the next build removes them", async () => {
    const out = join(work.path, "leftovers");
    expect(errors(await build(out))).toEqual([]);
    const leftovers = [join(out, "s01", ".INCONTACT.zip.tmp-0123456789ab"), join(out, "s02", ".ConnectionJSON.json.tmp-ba9876543210")];
    for (const f of leftovers) writeFileSync(f, "half a file");
    const check = await build(out, { check: true });
    expect(errors(check)).toEqual([]);
    expect(errors(await build(out))).toEqual([]);
    for (const f of leftovers) expect(existsSync(f), f).toBe(false);
    expect(readdirSync(join(out, "s01")).sort()).toEqual(["ConnectionJSON.json", "INCONTACT.zip"]);
    vouched(out);
  });
});

describe("--check", () => {
  test("compares per tenant: a stale package among many is named, nothing is written", async () => {
    const out = join(work.path, "check");
    expect(errors(await build(out, { sourceDateEpoch: 1700000000 }))).toEqual([]);
    const before = tree(out);
    const r = await build(out, { check: true, sourceDateEpoch: 1750000000 });
    const stale = errors(r).filter((d) => d.code === "BUILD_STALE" && d.file?.endsWith("INCONTACT.zip"));
    expect(stale.map((d) => d.file!.split("/").slice(-2)[0])).toEqual(NAMES);
    expect(tree(out)).toEqual(before);
  });
});

describe("bases found in the one compiling pass (issue 15)", () => {
  test("a non-abstract base is taken back when a later file extends it; the output equals an explicit build", async () => {
    const dir = join(work.path, "fold");
    copyExamples(dir, ["acme-base.yaml"]);
    // Byte order: a-full.yaml compiles (it is complete) before z-child.yaml shows it is a base;
    // b-part.yaml fails on its own before y-child.yaml shows it is a base, so m-mid.yaml is not
    // staged at first; b-part.yml shares b-part.yaml's folder name and is refused until then.
    writeFileSync(join(dir, "a-full.yaml"), derivedTenant("InContact_FULL"));
    writeFileSync(join(dir, "b-part.yaml"), "extends: ./acme-base.yaml\nimport:\n  pageSize: 33\n");
    writeFileSync(join(dir, "b-part.yml"), derivedTenant("InContact_BPART"));
    writeFileSync(join(dir, "m-mid.yaml"), derivedTenant("InContact_MID"));
    writeFileSync(join(dir, "y-child.yaml"), "extends: b-part.yaml\nconnection:\n  name: InContact_Y\n");
    writeFileSync(join(dir, "z-child.yaml"), "extends: a-full.yaml\nconnection:\n  name: InContact_Z\n");
    const out = join(work.path, "fold-out");
    const r = await runBuild({ tenants: [], all: dir, outDir: out, cwd: work.path, runtime: { node: "test", zlib: "test" } });
    expect(r.diagnostics).toEqual([]);
    expect(r.skippedBases.map((f) => f.split("/").pop())).toEqual(["a-full.yaml", "acme-base.yaml", "b-part.yaml"]);
    expect(r.packages.map((p) => p.tenant)).toEqual(["b-part", "m-mid", "y-child", "z-child"]);
    // Nothing of the taken-back base is left: no folder, no temp file.
    expect([...snapshotTree(out).keys()].filter((p) => !p.includes("/"))).toEqual(["SHA256SUMS", "b-part", "m-mid", "manifest.json", "y-child", "z-child"]);
    const explicit = join(work.path, "fold-explicit");
    const e = await runBuild({
      tenants: ["b-part.yml", "m-mid.yaml", "y-child.yaml", "z-child.yaml"].map((n) => join("fold", n)),
      outDir: explicit,
      cwd: work.path,
      runtime: { node: "test", zlib: "test" },
    });
    expect(e.diagnostics).toEqual([]);
    const bytes = (root: string) => Object.fromEntries([...snapshotTree(root)].map(([p, entry]) => [p, entry.sha256]));
    expect(bytes(out)).toEqual(bytes(explicit));
  });
});

describe("the parse cache", () => {
  test("parses a shared base once and gives the same results as loading without it", () => {
    // A two-level chain: the middle base has its own `extends`, which readChain removes from the
    // layer it uses; a cached layer must keep it, or the next tenant would lose the deepest base.
    const dir = join(work.path, "chain");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "deep.yaml"), "abstract: true\ncxone:\n  businessUnitId: 4600001\nimport:\n  pageSize: 25\n");
    writeFileSync(join(dir, "mid.yaml"), "extends: deep.yaml\nabstract: true\nimport:\n  pageSize: 30\n");
    for (const n of ["a", "b", "c"]) writeFileSync(join(dir, `${n}.yaml`), `extends: mid.yaml\nconnection:\n  name: T_${n}\n`);
    const cache: ParseCache = new Map();
    for (const n of ["a", "b", "c"]) {
      const plain = loadTenant(`${n}.yaml`, { cwd: dir });
      const cached = loadTenant(`${n}.yaml`, { cwd: dir, cache });
      expect(cached).toEqual(plain);
      expect(cached.files.map((f) => f.slice(dir.length + 1))).toEqual([`${n}.yaml`, "mid.yaml", "deep.yaml"]);
      expect(cached.abstract).toBe(false);
      expect(cached.value).toMatchObject({ cxone: { businessUnitId: 4600001 }, import: { pageSize: 30 }, connection: { name: `T_${n}` } });
    }
    // Only the bases are kept: the cache does not grow with the number of tenants.
    expect([...cache.keys()].map((f) => f.slice(dir.length + 1)).sort()).toEqual(["deep.yaml", "mid.yaml"]);
    // An edited base is parsed again.
    writeFileSync(join(dir, "deep.yaml"), "abstract: true\ncxone:\n  businessUnitId: 4600002\n");
    expect(loadTenant("a.yaml", { cwd: dir, cache }).value).toMatchObject({ cxone: { businessUnitId: 4600002 } });
  });
});

describe("the lazy pack import", () => {
  test("compiling without a package never loads archiver; packing does", () => {
    assertBuilt();
    const compile = pathToFileURL(join(repoRoot, "dist", "build", "compile.js")).href;
    const tenant = join(repoRoot, "examples", "tenants", "acme-dev.yaml");
    // A resolve hook (it runs on the loader thread) logs every module URL the child resolves.
    const hook = `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.RESOLVE_LOG, r.url + "\\n");
  return r;
}`;
    const probe = (noPack: boolean) => {
      const log = join(work.path, `resolved-${noPack}.log`);
      writeFileSync(log, "");
      const script = [
        `import { register } from "node:module";`,
        `register(${JSON.stringify("data:text/javascript," + encodeURIComponent(hook))});`,
        `const { compileTenant } = await import(${JSON.stringify(compile)});`,
        `const r = await compileTenant(${JSON.stringify(tenant)}, { noPack: ${noPack} });`,
        `if (r.diagnostics.some((d) => d.severity === "error")) throw new Error("compile failed");`,
        `process.stdout.write(JSON.stringify({ packed: r.package !== undefined }));`,
      ].join("\n");
      const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot, encoding: "utf8", env: { ...process.env, RESOLVE_LOG: log } });
      expect(r.status, r.stderr).toBe(0);
      const urls = readFileSync(log, "utf8").split("\n");
      expect(urls.some((u) => u.endsWith("/dist/tenant/load.js")), "the hook saw the modules").toBe(true);
      return { ...(JSON.parse(r.stdout) as { packed: boolean }), loaded: urls.some((u) => u.includes("/node_modules/archiver/")) };
    };
    expect(probe(true)).toEqual({ loaded: false, packed: false });
    expect(probe(false)).toEqual({ loaded: true, packed: true });
  });
});
