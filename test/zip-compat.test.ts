/**
 * Issue 4 §6: every package savpkg builds opens in the readers importers and operators use —
 * Python's zipfile, Java's java.util.zip.ZipInputStream (streamed local headers, CRC checked), and
 * Info-ZIP `unzip -t` / `unzip` — and each of them reads exactly the bytes yauzl (savpkg's own
 * reader, via the central directory) reads. Packages are built by the real binary, with the default
 * time, a SOURCE_DATE_EPOCH time, and a tenant whose texts need escaping.
 * The tools are required on CI (CI=true); elsewhere a missing one skips its test with the reason.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readZipEntries } from "./helpers/zip-entries.js";
import { assertBuilt, copyExamples, derivedTenant, repoRoot, runProgram, runSavpkg, sha256, tempDir } from "./helpers/spawn.js";

const has = (tool: string, ...args: string[]) => spawnSync(tool, args, { stdio: "ignore" }).status === 0;
const tools = {
  python3: has("python3", "--version"),
  java: has("java", "-version") && has("javac", "-version"),
  unzip: has("unzip", "-v"),
};
/** On CI a missing reader is a failure, not a skip. */
const skipUnless = (ok: boolean) => !ok && process.env.CI !== "true";

interface EntryView {
  name: string;
  size: number;
  sha256: string;
  /** DOS time as written, "yyyy-mm-ddThh:mm:ss". */
  time: string;
  stored: boolean;
}

let work: ReturnType<typeof tempDir>;
const zips: string[] = [];
/** What yauzl reads: zip path → entries in archive order. */
const reference = new Map<string, { view: EntryView[]; bytes: Map<string, Buffer> }>();

const TRICKY = derivedTenant("InContact_TRICKY", (t) =>
  t.replace('description: "ACME contact center (NICE CXone) - development"', `description: 'Quotes " and backslash \\ and ümlauts — “typographic”, 日本語 and a tab\t'`),
);

beforeAll(async () => {
  assertBuilt();
  work = tempDir("compat");
  copyExamples(join(work.path, "tenants"));
  writeFileSync(join(work.path, "tenants", "tricky.yaml"), TRICKY);
  const builds = await Promise.all([
    runSavpkg(["build", "--all", "tenants", "--out", "out-default"], { cwd: work.path }),
    runSavpkg(["build", "--all", "tenants", "--out", "out-sde"], { cwd: work.path, env: { SOURCE_DATE_EPOCH: "1700000001" } }),
  ]);
  for (const b of builds) expect(b.code, b.stderr).toBe(0);
  for (const out of ["out-default", "out-sde"]) {
    for (const tenant of readdirSync(join(work.path, out), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
      zips.push(join(work.path, out, tenant, "INCONTACT.zip"));
    }
  }
  expect(zips).toHaveLength(6);
  for (const zip of zips) {
    const entries = await readZipEntries(readFileSync(zip));
    const p = (n: number) => String(n).padStart(2, "0");
    reference.set(zip, {
      view: entries.map((e) => ({
        name: e.name,
        size: e.bytes.length,
        sha256: sha256(e.bytes),
        time: `${(e.dosDate >> 9) + 1980}-${p((e.dosDate >> 5) & 15)}-${p(e.dosDate & 31)}T${p(e.dosTime >> 11)}:${p((e.dosTime >> 5) & 63)}:${p((e.dosTime & 31) * 2)}`,
        stored: e.method === 0,
      })),
      bytes: new Map(entries.map((e) => [e.name, e.bytes])),
    });
  }
}, 60_000);

afterAll(() => work?.remove());

describe("the yauzl reference itself", () => {
  test("two STORED entries per package with one stamp, matching the DOS time (even second)", () => {
    for (const [zip, { view }] of reference) {
      expect(view.map((e) => e.stored), zip).toEqual([true, true]);
      const stamp = /^ObjectSummary_(\d{4})-(\d\d)-(\d\d)_(\d\d)-(\d\d)-(\d\d)\(UTC\)\.json$/.exec(view[0]!.name);
      expect(stamp, zip).not.toBeNull();
      const [, y, mo, d, h, mi, s] = stamp!;
      const even = String(Number(s) - (Number(s) % 2)).padStart(2, "0");
      for (const e of view) expect(e.time).toBe(`${y}-${mo}-${d}T${h}:${mi}:${even}`);
    }
  });
});

describe.skipIf(skipUnless(tools.python3))("Python zipfile", () => {
  test("testzip() finds no error and every entry reads back byte-equal, stored, 0644, same time", async () => {
    const script = [
      "import hashlib, json, sys, zipfile",
      "out = {}",
      "for path in sys.argv[1:]:",
      "    with zipfile.ZipFile(path) as z:",
      "        assert z.testzip() is None, path",
      "        out[path] = [{'name': i.filename, 'size': len(z.read(i)), 'sha256': hashlib.sha256(z.read(i)).hexdigest(),",
      "                      'time': '%04d-%02d-%02dT%02d:%02d:%02d' % i.date_time, 'stored': i.compress_type == zipfile.ZIP_STORED,",
      "                      'mode': (i.external_attr >> 16) & 0o7777} for i in z.infolist()]",
      "print(json.dumps(out))",
    ].join("\n");
    const r = await runProgram("python3", ["-c", script, ...zips], { cwd: work.path });
    expect(r.code, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as Record<string, (EntryView & { mode: number })[]>;
    for (const zip of zips) {
      expect(seen[zip]!.map(({ mode: _mode, ...view }) => view), zip).toEqual(reference.get(zip)!.view);
      expect(seen[zip]!.map((e) => e.mode)).toEqual([0o644, 0o644]);
    }
  });
});

describe.skipIf(skipUnless(tools.java))("Java ZipInputStream", () => {
  test("streams every entry (CRC checked) with the same names, bytes and DOS time", async () => {
    const classes = join(work.path, "java");
    const javac = await runProgram("javac", ["-d", classes, join(repoRoot, "test", "helpers", "ZipRead.java")], { cwd: work.path });
    expect(javac.code, javac.stderr).toBe(0);
    const r = await runProgram("java", ["-cp", classes, "ZipRead", ...zips], { cwd: work.path });
    expect(r.code, r.stderr).toBe(0);
    const byZip = new Map<string, EntryView[]>();
    for (const line of r.stdout.trimEnd().split("\n")) {
      const [zip, name, size, hash, method, time] = line.split("\t") as [string, string, string, string, string, string];
      const list = byZip.get(zip) ?? [];
      // LocalDateTime.toString() drops ":00" seconds; normalise to hh:mm:ss.
      list.push({ name, size: Number(size), sha256: hash, time: time.length === 16 ? `${time}:00` : time, stored: method === "0" });
      byZip.set(zip, list);
    }
    for (const zip of zips) expect(byZip.get(zip), zip).toEqual(reference.get(zip)!.view);
  });
});

describe.skipIf(skipUnless(tools.unzip))("Info-ZIP unzip", () => {
  test("unzip -t reports no errors for every package", async () => {
    for (const zip of zips) {
      const r = await runProgram("unzip", ["-t", zip], { cwd: work.path });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain("No errors detected in compressed data");
    }
  });

  test("unzip extracts the same bytes yauzl reads", async () => {
    for (const [i, zip] of zips.entries()) {
      const dest = join(work.path, `unzipped-${i}`);
      const r = await runProgram("unzip", ["-q", "-o", zip, "-d", dest], { cwd: work.path });
      expect(r.code, r.stderr).toBe(0);
      const { bytes } = reference.get(zip)!;
      expect(readdirSync(dest).sort()).toEqual([...bytes.keys()].sort());
      for (const [name, content] of bytes) expect(readFileSync(join(dest, name)).equals(content), `${zip} ${name}`).toBe(true);
    }
  });
});
