/**
 * Issue 12 item 6: two `build --all` into one output folder. Without a lock they renamed over each
 * other's temp files and, about one time in 40, left a 0-byte SHA256SUMS and an empty manifest. With
 * the advisory lock (src/build/lock.ts) the second build waits for the first; after every round
 * both succeeded and the metadata describes exactly the files on disk. Also: a stale lock of a
 * dead process is taken over, and a live one makes the build wait, then refuse, writing nothing.
 */
import { spawn } from "node:child_process";
import { processIO } from "../src/cli/io.js";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { LOCK_NAME } from "../src/build/lock.js";
import { runBuild } from "../src/build/batch.js";
import { assertBuilt, copyExamples, runSavpkg, sha256, tempDir } from "./helpers/spawn.js";

const work = tempDir("concurrent-build");
afterAll(() => work.remove());
copyExamples(join(work.path, "tenants"));

/** Every SHA256SUMS line and manifest record names a file on disk with that hash; both list the same packages. */
function expectHonestMetadata(out: string): void {
  const sums = readFileSync(join(out, "SHA256SUMS"), "utf8");
  const lines = sums.split("\n").filter((l) => l !== "");
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const [hash, file] = [line.slice(0, 64), line.slice(66)];
    expect(sha256(readFileSync(join(out, file))), file).toBe(hash);
  }
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { packages: { package: string; sha256: string }[] };
  expect(manifest.packages.map((p) => `${p.sha256}  ${p.package}`).sort()).toEqual([...lines].sort());
  expect(existsSync(join(out, LOCK_NAME))).toBe(false);
}

describe("two real build --all processes into one folder", () => {
  test("never leave metadata that lies, over many rounds", async () => {
    assertBuilt();
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      const out = `out-${round % 2}`;
      // Different SOURCE_DATE_EPOCH: the two builds write different bytes, so a mix-up would show.
      const runs = await Promise.all(
        [1_700_000_000, 1_750_000_000].map((epoch) => runSavpkg(["build", "--all", "tenants", "--out", out], { cwd: work.path, env: { SOURCE_DATE_EPOCH: String(epoch + round) } })),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expectHonestMetadata(join(work.path, out));
    }
  }, 120_000);
});

describe("the lock", () => {
  const env = {};
  // The owner the CLI passes (src/cli/io.ts), here for this test process.
  const lockOwner = { pid: process.pid, started: new Date().toISOString(), isRunning: (pid: number) => pid === process.pid };
  const build = (out: string, lockWaitMs?: number) =>
    runBuild({ tenants: [], all: "tenants", outDir: out, cwd: work.path, env, lockOwner, sourceDateEpoch: 1_700_000_000, ...(lockWaitMs !== undefined ? { lockWaitMs } : {}) });

  test("a stale lock from a dead process is taken over", async () => {
    const out = join(work.path, "stale");
    mkdirSync(out, { recursive: true });
    // No process has pid 2^22 + 1 (above Linux's pid_max default): the owner is gone.
    writeFileSync(join(out, LOCK_NAME), JSON.stringify({ pid: 4_194_305, started: "2020-01-01T00:00:00.000Z", token: "dead" }));
    const r = await build(out);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expectHonestMetadata(out);
  });

  test("a live owner is waited for, then the build is refused and writes nothing", async () => {
    const out = join(work.path, "held");
    mkdirSync(out, { recursive: true });
    // This test process itself holds it.
    writeFileSync(join(out, LOCK_NAME), JSON.stringify({ pid: process.pid, started: "2020-01-01T00:00:00.000Z", token: "live" }));
    const started = performance.now();
    const r = await build(out, 300);
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["BUILD_LOCKED"]);
    expect(r.diagnostics[0]!.message).toContain(`pid ${process.pid}`);
    expect(r.summary("0.0")).toContain("nothing written");
    expect(existsSync(join(out, "manifest.json"))).toBe(false);
    // The foreign lock is left alone.
    expect(JSON.parse(readFileSync(join(out, LOCK_NAME), "utf8")).token).toBe("live");
  });

  test("the CLI's owner check: a running pid with another start time is a reused pid, so its lock is stale", () => {
    const owner = processIO().lockOwner!;
    // This process's parent runs; it did not start in 2020.
    expect(owner.isRunning(process.ppid, "2020-01-01T00:00:00.000Z")).toBe(false);
    expect(owner.isRunning(process.pid, owner.started)).toBe(true);
    expect(owner.isRunning(4_194_305, owner.started)).toBe(false);
    // A child started now runs, and its start time is when we saw it start.
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 5000)"]);
    try {
      expect(owner.isRunning(child.pid!, new Date().toISOString())).toBe(true);
    } finally {
      child.kill();
    }
  });
});
