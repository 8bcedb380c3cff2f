/**
 * Issue 4 §5: output writes are atomic (temp file in the same folder, fsync, rename) and the
 * release metadata never vouches for bytes that are not on disk.
 *
 * A child `savpkg build --all` of 6 generated tenants is killed with SIGKILL at random moments
 * (seeded; at least 50 kills, two lanes in parallel). Successive builds use different
 * SOURCE_DATE_EPOCH values, so every build replaces every package with different bytes. After each
 * kill the output folder must hold only complete files:
 *   - every `<tenant>/INCONTACT.zip` opens and is byte-equal to a complete build of that tenant
 *     at one of the epochs (complete-old or complete-new, never a mix or a truncation);
 *   - every package listed in manifest.json or SHA256SUMS has exactly the recorded sha256
 *     (build.ts retracts the packages about to change before writing them, and records them after);
 *   - nothing else is there except temp files named `.<name>.tmp-<hex>`, which no reader takes
 *     for a package (--check does not list them) and the next build removes.
 * Reproduce a failure with SAVPKG_KILL_SEED=<seed printed in the failure>.
 */
import { cpSync, lstatSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { readZipEntries } from "./helpers/zip-entries.js";
import { assertBuilt, collect, copyExamples, derivedTenant, runSavpkg, sha256, snapshotTree, startSavpkg, tempDir } from "./helpers/spawn.js";

const TENANTS = 6;
const KILLS = 50;
const LANES = 2;
const EPOCHS = ["1700000000", "1750000000", "1800000000"] as const;
const SEED = Number(process.env.SAVPKG_KILL_SEED ?? 20261128);

/** mulberry32: a small seeded PRNG, so a failing schedule can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = Array.from({ length: TENANTS }, (_, i) => `t${String(i).padStart(2, "0")}`);
let work: ReturnType<typeof tempDir>;
let tenantsDir: string;
/** tenant → epoch → sha256 of a complete build. */
const expected = new Map<string, Map<string, string>>();
let connectionJson = new Map<string, string>();

beforeAll(async () => {
  assertBuilt();
  work = tempDir("atomic");
  tenantsDir = join(work.path, "tenants");
  copyExamples(tenantsDir, ["acme-base.yaml"]);
  for (const name of names) writeFileSync(join(tenantsDir, `${name}.yaml`), derivedTenant(`InContact_${name.toUpperCase()}`));
  // Reference builds, one per epoch: the only complete versions a package may have after a kill.
  const refs = await Promise.all(EPOCHS.map((epoch) => runSavpkg(["build", "--all", tenantsDir, "--out", join(work.path, `ref-${epoch}`)], { cwd: work.path, env: { SOURCE_DATE_EPOCH: epoch } })));
  for (const r of refs) {
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`built ${TENANTS} packages`);
  }
  for (const name of names) {
    expected.set(name, new Map(EPOCHS.map((epoch) => [sha256(readFileSync(join(work.path, `ref-${epoch}`, name, "INCONTACT.zip"))), epoch])));
  }
  connectionJson = new Map(names.map((n) => [n, sha256(readFileSync(join(work.path, `ref-${EPOCHS[0]}`, n, "ConnectionJSON.json")))]));
  for (const name of names) expect(expected.get(name)!.size, "the epochs must give different bytes").toBe(EPOCHS.length);
}, 120_000);

afterAll(() => work?.remove());

const TEMP = /^\.(INCONTACT\.zip|ConnectionJSON\.json|manifest\.json|SHA256SUMS)\.tmp-[0-9a-f]{12}$/;

interface Inspection {
  epochs: Set<string>;
  temps: number;
  listed: number;
}

/** The invariants of the header comment; returns what the state looked like. */
async function inspect(out: string, context: string): Promise<Inspection> {
  const result: Inspection = { epochs: new Set(), temps: 0, listed: 0 };
  const tree = snapshotTree(out);
  const bytes = new Map<string, string>();
  for (const [path, entry] of tree) {
    const parts = path.split("/");
    const base = parts[parts.length - 1]!;
    if (TEMP.test(base)) {
      result.temps++;
      continue;
    }
    if (entry.kind === "dir") {
      expect(parts.length === 1 && names.includes(base), `${context}: unexpected folder ${path}`).toBe(true);
      continue;
    }
    // A killed build leaves its lock behind: a stale lock of a dead pid, taken over by the next build.
    const known = path === "manifest.json" || path === "SHA256SUMS" || path === ".savpkg-build.lock" || path === ".savpkg-build.lock.takeover" || (parts.length === 2 && names.includes(parts[0]!) && (base === "INCONTACT.zip" || base === "ConnectionJSON.json"));
    expect(known, `${context}: unexpected file ${path}`).toBe(true);
    bytes.set(path, entry.sha256);
  }
  for (const name of names) {
    const zipPath = `${name}/INCONTACT.zip`;
    const hash = bytes.get(zipPath);
    if (hash === undefined) continue;
    const epoch = expected.get(name)!.get(hash);
    expect(epoch, `${context}: ${zipPath} is not a complete build (sha256 ${hash})`).toBeDefined();
    result.epochs.add(epoch!);
    const entries = await readZipEntries(readFileSync(join(out, zipPath)));
    expect(entries.map((e) => e.name.replace(/_\d{4}-.*$/, ""))).toEqual(["ObjectSummary", "Connection"]);
    const cj = bytes.get(`${name}/ConnectionJSON.json`);
    if (cj !== undefined) expect(cj, `${context}: ${name}/ConnectionJSON.json`).toBe(connectionJson.get(name));
  }
  if (bytes.has("manifest.json")) {
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { packages: { package: string; sha256: string; size: number }[] };
    for (const p of manifest.packages) {
      expect(bytes.get(p.package), `${context}: manifest.json lists ${p.package} as ${p.sha256}`).toBe(p.sha256);
      expect(tree.get(p.package)!.size).toBe(p.size);
      result.listed++;
    }
  }
  if (bytes.has("SHA256SUMS")) {
    for (const line of readFileSync(join(out, "SHA256SUMS"), "utf8").split("\n").filter(Boolean)) {
      const [hash, path] = [line.slice(0, 64), line.slice(66)];
      expect(bytes.get(path), `${context}: SHA256SUMS lists ${path} as ${hash}`).toBe(hash);
    }
  }
  return result;
}

const ino = (path: string) => {
  try {
    return lstatSync(path).ino;
  } catch {
    return -1;
  }
};

/**
 * Watches the build's output: `started` resolves when the build starts replacing files (an inode
 * under `out` changes) or ends; `at` is that moment (undefined if it ended first).
 */
function watchWrites(out: string, closed: Promise<unknown>): { started: Promise<void>; at: () => number | undefined } {
  const watched = [join(out, "manifest.json"), join(out, "SHA256SUMS"), join(out, names[0]!, "INCONTACT.zip")];
  const before = watched.map(ino);
  let at: number | undefined;
  const started = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (watched.some((p, i) => ino(p) !== before[i])) {
        at = performance.now();
        finish();
      }
    }, 1);
    const finish = () => {
      clearInterval(timer);
      resolve();
    };
    void closed.then(finish);
  });
  return { started, at: () => at };
}

const sleep = (ms: number, closed: Promise<unknown>) => Promise.race([new Promise((r) => setTimeout(r, ms)), closed]);

/**
 * One output folder, killed again and again. The schedule adapts to the machine: every run
 * measures when writing started (and, if it finished, how long writing took), so a loaded CI
 * machine and a fast laptop both get kills spread over start-up, compile and the write phase.
 */
async function lane(index: number, random: () => number, stop: { now: boolean }) {
  const out = join(work.path, `lane-${index}`);
  cpSync(join(work.path, `ref-${EPOCHS[0]}`), out, { recursive: true });
  const stats = { kills: 0, completed: 0, mixed: 0, tempsSeen: 0, writeHits: 0, writePhaseKills: 0, compileMs: 0, writeMs: 0 };
  let iteration = 0;
  let previous: string = EPOCHS[0];
  while (!stop.now && stats.kills < Math.ceil(KILLS / LANES) && iteration < KILLS * 3) {
    // Never the epoch of the previous build: each build must change bytes, or a kill proves nothing.
    const others = EPOCHS.filter((e) => e !== previous);
    const epoch = others[Math.floor(random() * others.length)]!;
    previous = epoch;
    // The first run is not killed: it calibrates the schedule.
    const mode = iteration === 0 ? "calibrate" : random() < 0.5 ? "writes" : "anywhere";
    iteration++;
    const started = performance.now();
    const child = startSavpkg(["build", "--all", tenantsDir, "--out", out], { cwd: work.path, env: { SOURCE_DATE_EPOCH: epoch } });
    const closed = collect(child, 60_000);
    const writes = watchWrites(out, closed);
    if (mode === "writes") {
      // From the first replaced file, a random part of a typical write phase.
      await writes.started;
      await sleep(random() * stats.writeMs, closed);
    } else if (mode === "anywhere") {
      // From the end of start-up to just after the end of a typical build.
      await sleep((0.2 + random() * 0.9) * (stats.compileMs + stats.writeMs), closed);
    }
    if (mode !== "calibrate") child.kill("SIGKILL");
    const r = await closed;
    const ended = performance.now();
    const context = `seed ${SEED}, lane ${index}, iteration ${iteration} (${mode}, epoch ${epoch}, ${r.signal ?? `exit ${r.code}`})`;
    const writeAt = writes.at();
    if (writeAt !== undefined) stats.compileMs = stats.compileMs === 0 ? writeAt - started : 0.7 * stats.compileMs + 0.3 * (writeAt - started);
    if (r.signal === "SIGKILL") {
      stats.kills++;
      if (mode === "writes") stats.writePhaseKills++;
    } else {
      expect(r.code, `${context}: ${r.stderr}`).toBe(0);
      if (mode !== "calibrate") stats.completed++;
      if (writeAt !== undefined) stats.writeMs = stats.writeMs === 0 ? ended - writeAt : 0.7 * stats.writeMs + 0.3 * (ended - writeAt);
    }
    const seen = await inspect(out, context);
    if (seen.epochs.size > 1) stats.mixed++;
    if (seen.temps > 0) stats.tempsSeen++;
    // A kill that left staged temp files or packages of two builds landed in the write phase.
    if (r.signal === "SIGKILL" && (seen.epochs.size > 1 || seen.temps > 0)) stats.writeHits++;
  }
  return { out, stats };
}

test(`SIGKILL at ${KILLS}+ random moments never leaves a broken package or a manifest that lies`, async () => {
  const random = prng(SEED);
  const seeds = Array.from({ length: LANES }, () => Math.floor(random() * 2 ** 32));
  // On a failure in one lane, the others stop before the next build (then the folder can go).
  const stop = { now: false };
  const settled = await Promise.allSettled(
    seeds.map((s, i) =>
      lane(i, prng(s), stop).catch((error: unknown) => {
        stop.now = true;
        throw error;
      }),
    ),
  );
  const failure = settled.find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
  const lanes = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof lane>>>).value);
  const total = lanes.reduce((n, l) => n + l.stats.kills, 0);
  const writeHits = lanes.reduce((n, l) => n + l.stats.writeHits, 0);
  console.log(`atomic-build: seed ${SEED}:`, JSON.stringify(lanes.map((l) => l.stats)));
  expect(total).toBeGreaterThanOrEqual(KILLS);
  // The schedule must hit the write phase, or the test proves nothing about atomicity.
  expect(writeHits, `kills that landed in the write phase (seed ${SEED}): ${JSON.stringify(lanes.map((l) => l.stats))}`).toBeGreaterThanOrEqual(3);

  for (const { out } of lanes) {
    // Leftover temp files are not packages: --check names only real paths.
    const check = await runSavpkg(["build", "--all", tenantsDir, "--out", out, "--check"], { cwd: work.path, env: { SOURCE_DATE_EPOCH: EPOCHS[0] } });
    expect(check.stderr).not.toMatch(/\.tmp-/);
    // A complete build repairs everything, removes the leftovers, and then --check passes.
    const build = await runSavpkg(["build", "--all", tenantsDir, "--out", out], { cwd: work.path, env: { SOURCE_DATE_EPOCH: EPOCHS[0] } });
    expect(build.code, build.stderr).toBe(0);
    const final = await inspect(out, "after a complete build");
    expect(final.temps).toBe(0);
    expect(final.epochs).toEqual(new Set([EPOCHS[0]]));
    expect(final.listed).toBe(TENANTS);
    const recheck = await runSavpkg(["build", "--all", tenantsDir, "--out", out, "--check"], { cwd: work.path, env: { SOURCE_DATE_EPOCH: EPOCHS[0] } });
    expect(recheck.code, recheck.stderr).toBe(0);
    expect(readFileSync(join(out, "SHA256SUMS"))).toEqual(readFileSync(join(work.path, `ref-${EPOCHS[0]}`, "SHA256SUMS")));
  }
}, 120_000);
