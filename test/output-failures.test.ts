/**
 * Output failures: a full disk or an output path that cannot be a folder gives a clear error and
 * exit 2, leaves no partial or temp file, and leaves an earlier package byte-identical. The full
 * disk is a real one: a 64 KiB tmpfs mounted for this test (root only; CI runs as root).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, test } from "vitest";

const repo = resolve(import.meta.dirname, "..");
const bin = join(repo, "bin", "savpkg.js");
const work = mkdtempSync(join(tmpdir(), "savpkg-outfail-"));

function savpkg(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env }, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === "lost+found") continue;
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out[`${prefix}${e.name}`] = readFileSync(join(d, e.name)).toString("base64");
    }
  };
  walk(dir, "");
  return out;
}

const mountPoint = join(work, "small-disk");
let mounted = false;
afterAll(() => {
  if (mounted) execFileSync("umount", [mountPoint]);
});

describe("a full disk", () => {
  const isRoot = process.getuid?.() === 0;
  test.skipIf(!isRoot)("fails with a clear error, no partial file, the earlier package intact", () => {
    mkdirSync(mountPoint);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint]);
    mounted = true;
    const out = join(mountPoint, "dist");
    expect(savpkg(["build", "examples/tenants/acme-dev.yaml", "--out", out]).code).toBe(0);
    const before = listing(out);
    // Leave about 8 KiB: less than a new 15 KiB package needs.
    const free = Number(execFileSync("df", ["--output=avail", "-B1", mountPoint], { encoding: "utf8" }).split("\n")[1]);
    writeFileSync(join(mountPoint, "filler"), Buffer.alloc(Math.max(0, free - 8192)));

    const r = savpkg(["build", "examples/tenants/acme-dev.yaml", "--out", out], { SOURCE_DATE_EPOCH: "1700000000" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error IO_WRITE cannot write .*INCONTACT\.zip: the disk is full; nothing was changed there/);
    expect(listing(out)).toEqual(before);
  });
});

describe("an output path that cannot be a folder", () => {
  test("exits 2 naming the path; nothing is written", () => {
    const blocker = join(work, "not-a-folder");
    writeFileSync(blocker, "a file where the output folder should be\n");
    const r = savpkg(["build", "examples/tenants/acme-dev.yaml", "--out", join(blocker, "dist")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error IO_WRITE cannot write .*not-a-folder\/dist/);
    expect(readFileSync(blocker, "utf8")).toBe("a file where the output folder should be\n");
  });
});

describe("a failing tenant", () => {
  test("leaves the earlier package untouched", () => {
    const out = join(work, "dist-keep");
    expect(savpkg(["build", "--all", "examples/tenants", "--out", out]).code).toBe(0);
    const before = listing(out);
    const r = savpkg(["build", "--all", "examples/tenants", "--out", out, "--set", "import.pageSize=0"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nothing written");
    expect(listing(out)).toEqual(before);
    expect(existsSync(join(out, "acme-dev", "INCONTACT.zip"))).toBe(true);
  });
});
