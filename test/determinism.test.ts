/**
 * Issue 4 §1: a package is a pure function of the tenant files and the savpkg version. The real
 * binary is spawned under different time zones, locales, working directories, umasks, wall-clock
 * times (a preload shifts Date by years) and file creation orders; every run must give the same
 * bytes. The package time comes only from the tenant's `package.exportedAt`, else
 * SOURCE_DATE_EPOCH, else 1985-10-26T08:15:00Z (docs/engineering-notes.md#package-time).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readConnection, readZipEntries } from "./helpers/zip-entries.js";
import { assertBuilt, copyExamples, derivedTenant, runSavpkg, sha256, tempDir, type SpawnOptions } from "./helpers/spawn.js";

/** File names whose byte order differs from any locale's collation (upper case, accents). */
const EXTRA_TENANTS: Record<string, string> = { "Zeta.yaml": "InContact_ZETA", "alpha.yaml": "InContact_ALPHA", "émile.yaml": "InContact_EMILE" };
/** Byte order of the packages: what SHA256SUMS and manifest.json must use on every machine. */
const PACKAGES = ["Zeta", "acme-dev", "acme-prod", "alpha", "émile"];

/**
 * Preload for `node --import`: shifts the wall clock by SAVPKG_TEST_CLOCK_SHIFT_MS and, at exit,
 * records what the build process actually saw, so the test proves each variation took effect.
 */
const PRELOAD = `import { writeFileSync } from "node:fs";
const shift = Number(process.env.SAVPKG_TEST_CLOCK_SHIFT_MS ?? "0");
const RealDate = Date;
function ShiftedDate(...args) {
  if (!new.target) return new RealDate(RealDate.now() + shift).toString();
  return args.length === 0 ? new RealDate(RealDate.now() + shift) : new RealDate(...args);
}
ShiftedDate.prototype = RealDate.prototype;
ShiftedDate.now = () => RealDate.now() + shift;
ShiftedDate.parse = RealDate.parse;
ShiftedDate.UTC = RealDate.UTC;
globalThis.Date = ShiftedDate;
process.on("exit", () => {
  const probe = process.env.SAVPKG_TEST_PROBE;
  if (!probe) return;
  const intl = Intl.DateTimeFormat().resolvedOptions();
  writeFileSync(probe, JSON.stringify({ year: new Date().getUTCFullYear(), locale: intl.locale, timeZone: intl.timeZone, umask: process.umask(), cwd: process.cwd() }));
});
`;

const YEAR_MS = 365.25 * 24 * 3600 * 1000;

let work: ReturnType<typeof tempDir>;
let dirA: string;
let dirB: string;
let dirC: string;
let preloadUrl: string;

beforeAll(() => {
  assertBuilt();
  work = tempDir("determinism");
  dirA = join(work.path, "checkout-a");
  dirB = join(work.path, "elsewhere", "checkout-b");
  dirC = join(work.path, "neutral-cwd");
  mkdirSync(dirC, { recursive: true });
  // Same files, created in opposite orders, with churn in B so directory slots differ too.
  copyExamples(join(dirA, "tenants"));
  for (const [file, connection] of Object.entries(EXTRA_TENANTS)) writeFileSync(join(dirA, "tenants", file), derivedTenant(connection));
  mkdirSync(join(dirB, "tenants"), { recursive: true });
  for (const [file, connection] of Object.entries(EXTRA_TENANTS).reverse()) {
    writeFileSync(join(dirB, "tenants", `zz-${file}.tmp`), "churn");
    writeFileSync(join(dirB, "tenants", file), derivedTenant(connection));
  }
  copyExamples(join(dirB, "tenants"), ["acme-prod.yaml", "acme-dev.yaml", "acme-base.yaml"]);
  for (const file of Object.keys(EXTRA_TENANTS)) rmSync(join(dirB, "tenants", `zz-${file}.tmp`));
  writeFileSync(join(work.path, "clock.mjs"), PRELOAD);
  preloadUrl = pathToFileURL(join(work.path, "clock.mjs")).href;
});

afterAll(() => work?.remove());

interface Variation {
  id: string;
  cwd: () => string;
  args: () => string[];
  /** Where the run writes (absolute). */
  out: () => string;
  tz: string;
  locale: string;
  umask: number;
  /** Wall-clock shift in years; undefined = no preload at all. */
  shiftYears?: number;
}

const VARIATIONS: Variation[] = [
  { id: "plain", cwd: () => dirA, args: () => ["build", "--all", "tenants", "--out", "out-plain"], out: () => join(dirA, "out-plain"), tz: "UTC", locale: "C.UTF-8", umask: 0o022 },
  { id: "los-angeles", cwd: () => dirB, args: () => ["build", "--all", "tenants", "--out", "out-la"], out: () => join(dirB, "out-la"), tz: "America/Los_Angeles", locale: "de_DE.UTF-8", umask: 0o077, shiftYears: 25 },
  { id: "tokyo", cwd: () => dirA, args: () => ["build", "--all", "tenants", "--out", "out-tokyo"], out: () => join(dirA, "out-tokyo"), tz: "Asia/Tokyo", locale: "tr_TR.UTF-8", umask: 0o002, shiftYears: -12 },
  {
    id: "absolute-paths",
    cwd: () => dirC,
    args: () => ["build", "--all", join(dirB, "tenants"), "--out", join(dirC, "out")],
    out: () => join(dirC, "out"),
    tz: "Asia/Tokyo",
    locale: "C.UTF-8",
    umask: 0o027,
    shiftYears: 3,
  },
  {
    id: "explicit-shuffled-list",
    cwd: () => dirB,
    args: () => ["build", "tenants/émile.yaml", "tenants/acme-prod.yaml", "tenants/Zeta.yaml", "tenants/alpha.yaml", "tenants/acme-dev.yaml", "--out", "out-list"],
    out: () => join(dirB, "out-list"),
    tz: "America/Los_Angeles",
    locale: "tr_TR.UTF-8",
    umask: 0o022,
    shiftYears: 0,
  },
  { id: "utc-german", cwd: () => dirB, args: () => ["build", "--all", "tenants", "--out", "out-de"], out: () => join(dirB, "out-de"), tz: "UTC", locale: "de_DE.UTF-8", umask: 0o077, shiftYears: 0 },
];

function spawnOptions(v: Variation): SpawnOptions {
  const probe = join(work.path, `probe-${v.id}.json`);
  return {
    cwd: v.cwd(),
    umask: v.umask,
    env: {
      TZ: v.tz,
      LANG: v.locale,
      LC_ALL: v.locale,
      ...(v.shiftYears !== undefined ? { SAVPKG_TEST_CLOCK_SHIFT_MS: String(Math.round(v.shiftYears * YEAR_MS)), SAVPKG_TEST_PROBE: probe } : {}),
    },
    ...(v.shiftYears !== undefined ? { nodeArgs: ["--import", preloadUrl] } : {}),
  };
}

describe("byte-identical packages", () => {
  test("time zone, locale, working directory, umask, wall clock, argument and creation order do not change a byte", async () => {
    const results = await Promise.all(VARIATIONS.map((v) => runSavpkg(v.args(), spawnOptions(v))));
    for (const [i, r] of results.entries()) {
      expect(r.stderr, VARIATIONS[i]!.id).toMatch(/^built 5 packages in [\d.]+s(, 1 base file skipped)?\n$/);
      expect(r.code, VARIATIONS[i]!.id).toBe(0);
    }

    // The variations really happened inside the build processes.
    const probes = VARIATIONS.filter((v) => v.shiftYears !== undefined).map((v) => JSON.parse(readFileSync(join(work.path, `probe-${v.id}.json`), "utf8")) as { year: number; locale: string; timeZone: string; umask: number; cwd: string });
    expect(new Set(probes.map((p) => p.timeZone))).toEqual(new Set(["UTC", "America/Los_Angeles", "Asia/Tokyo"]));
    expect(new Set(probes.map((p) => p.locale))).toEqual(new Set(["de-DE", "tr-TR", "en-US"]));
    expect(new Set(probes.map((p) => p.year)).size).toBeGreaterThanOrEqual(3);
    expect(Math.max(...probes.map((p) => p.year)) - Math.min(...probes.map((p) => p.year))).toBeGreaterThanOrEqual(30);
    expect(new Set(probes.map((p) => p.umask)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(probes.map((p) => p.cwd)).size).toBe(3);
    // The umask reached the files (0600 vs 0644) — and still not the bytes.
    expect(statSync(join(dirA, "out-plain", "acme-dev", "INCONTACT.zip")).mode & 0o777).toBe(0o644);
    expect(statSync(join(dirB, "out-la", "acme-dev", "INCONTACT.zip")).mode & 0o777).toBe(0o600);

    // One sha256 per package, the same ConnectionJSON.json and checksum file everywhere.
    for (const name of PACKAGES) {
      const zips = new Set(VARIATIONS.map((v) => sha256(readFileSync(join(v.out(), name, "INCONTACT.zip")))));
      expect(zips.size, name).toBe(1);
      const connections = new Set(VARIATIONS.map((v) => sha256(readFileSync(join(v.out(), name, "ConnectionJSON.json")))));
      expect(connections.size, name).toBe(1);
    }
    const sums = VARIATIONS.map((v) => readFileSync(join(v.out(), "SHA256SUMS"), "utf8"));
    expect(new Set(sums).size).toBe(1);
    // Byte order, not collation: "Zeta" first, "émile" last, under de_DE and tr_TR too.
    expect(sums[0]!.trimEnd().split("\n").map((l) => l.slice(66))).toEqual(PACKAGES.map((p) => `${p}/INCONTACT.zip`));

    // The manifest is identical too; only `tenantFile` (relative to the cwd) follows the command line.
    const manifests = VARIATIONS.map((v) => readFileSync(join(v.out(), "manifest.json"), "utf8"));
    const relativeRuns = VARIATIONS.map((v, i) => [v, manifests[i]!] as const).filter(([v]) => v.id !== "absolute-paths");
    expect(new Set(relativeRuns.map(([, m]) => m)).size).toBe(1);
    const withoutTenantFile = (text: string) => {
      const m = JSON.parse(text) as { packages: { tenantFile?: string }[] };
      for (const p of m.packages) delete p.tenantFile;
      return JSON.stringify(m);
    };
    expect(new Set(manifests.map(withoutTenantFile)).size).toBe(1);
    expect((JSON.parse(manifests[0]!) as { packages: { tenantFile: string }[] }).packages.map((p) => p.tenantFile)).toEqual(PACKAGES.map((p) => `tenants/${p}.yaml`));
  });

  test("two builds of one tenant in a row give the same bytes and leave the output folder unchanged", async () => {
    const out = join(dirA, "out-twice");
    const first = await runSavpkg(["build", "tenants/acme-dev.yaml", "--out", out], { cwd: dirA });
    expect(first.code).toBe(0);
    const bytes = readFileSync(join(out, "acme-dev", "INCONTACT.zip"));
    const second = await runSavpkg(["build", "tenants/acme-dev.yaml", "--out", out], { cwd: dirA, env: { TZ: "Pacific/Kiritimati" } });
    expect(second.code).toBe(0);
    expect(readFileSync(join(out, "acme-dev", "INCONTACT.zip")).equals(bytes)).toBe(true);
  });
});

describe("the package time", () => {
  const build = async (tenant: string, out: string, sourceDateEpoch?: string) => {
    const r = await runSavpkg(["build", `tenants/${tenant}.yaml`, "--out", out], { cwd: dirA, env: sourceDateEpoch === undefined ? {} : { SOURCE_DATE_EPOCH: sourceDateEpoch } });
    expect(r.code, r.stderr).toBe(0);
    return readFileSync(join(dirA, out, tenant, "INCONTACT.zip"));
  };

  /** DOS date/time fields → "yyyy-mm-dd hh:mm:ss" as written (archiver writes UTC, 2-second steps). */
  const dos = (date: number, time: number) => {
    const p = (n: number) => String(n).padStart(2, "0");
    return `${(date >> 9) + 1980}-${p((date >> 5) & 15)}-${p(date & 31)} ${p(time >> 11)}:${p((time >> 5) & 63)}:${p((time & 31) * 2)}`;
  };

  test("SOURCE_DATE_EPOCH sets the stamp in the entry names, the DOS times and Exported On; two values give two packages", async () => {
    const [a, b, none] = await Promise.all([build("acme-dev", "out-sde-a", "1700000000"), build("acme-dev", "out-sde-b", "1800000000"), build("acme-dev", "out-sde-none")]);
    const cases = [
      { zip: a, stamp: "2023-11-14_22-13-20", exportedOn: "2023-11-14 22:13:20" },
      { zip: b, stamp: "2027-01-15_08-00-00", exportedOn: "2027-01-15 08:00:00" },
      { zip: none, stamp: "1985-10-26_08-15-00", exportedOn: "1985-10-26 08:15:00" },
    ];
    const guids = new Set<string>();
    for (const c of cases) {
      const entries = await readZipEntries(c.zip);
      expect(entries.map((e) => e.name)).toEqual([`ObjectSummary_${c.stamp}(UTC).json`, `Connection_${c.stamp}(UTC).json`]);
      for (const e of entries) expect(dos(e.dosDate, e.dosTime)).toBe(c.exportedOn);
      const { summary } = await readConnection(c.zip);
      expect(summary.Information["Exported On"]).toBe(c.exportedOn);
      guids.add(summary.Information.GUID as string);
    }
    expect(new Set(cases.map((c) => sha256(c.zip))).size).toBe(3);
    // The GUID is derived from the content (name-based), so it changes with the stamp.
    expect(guids.size).toBe(3);
  });

  test("an odd SOURCE_DATE_EPOCH keeps its second in the names; the DOS time rounds down to an even second", async () => {
    const zip = await build("acme-dev", "out-sde-odd", "1700000001");
    const entries = await readZipEntries(zip);
    expect(entries[0]!.name).toBe("ObjectSummary_2023-11-14_22-13-21(UTC).json");
    expect(dos(entries[0]!.dosDate, entries[0]!.dosTime)).toBe("2023-11-14 22:13:20");
  });

  test("a tenant-pinned package.exportedAt wins over SOURCE_DATE_EPOCH", async () => {
    const [a, b, none] = await Promise.all([build("acme-prod", "out-pin-a", "1700000000"), build("acme-prod", "out-pin-b", "1800000000"), build("acme-prod", "out-pin-none")]);
    expect(a.equals(b) && a.equals(none)).toBe(true);
    expect((await readZipEntries(a)).map((e) => e.name)).toEqual(["ObjectSummary_2026-11-02_09-30-00(UTC).json", "Connection_2026-11-02_09-30-00(UTC).json"]);
  });

  test.each([
    ["abc", /SOURCE_DATE_EPOCH=abc: expected whole seconds since 1970/],
    ["-1", /SOURCE_DATE_EPOCH=-1: expected whole seconds since 1970/],
    ["100", /SOURCE_DATE_EPOCH=100: expected whole seconds since 1970 between 315532800 \(1980-01-01\)/],
    ["1.5", /SOURCE_DATE_EPOCH=1\.5: expected whole seconds/],
    // DOS time ends in 2043 as archiver writes it: later stamps would be clamped in the headers.
    ["2335219200", /SOURCE_DATE_EPOCH=2335219200: expected whole seconds.*2043-12-31/],
  ])("SOURCE_DATE_EPOCH=%s is a usage error (exit 2) and writes nothing", async (value, message) => {
    const out = `out-bad-sde-${value}`;
    const r = await runSavpkg(["build", "tenants/acme-dev.yaml", "--out", out], { cwd: dirA, env: { SOURCE_DATE_EPOCH: value } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(dirA, out))).toBe(false);
  });

  test("a pinned exportedAt outside the DOS time range is a located tenant error (exit 1)", async () => {
    const dir = join(work.path, "old-pin");
    copyExamples(dir);
    writeFileSync(join(dir, "acme-prod.yaml"), readFileSync(join(dir, "acme-prod.yaml"), "utf8").replace('exportedAt: "2026-11-02T09:30:00Z"', 'exportedAt: "1979-12-31T23:59:59Z"'));
    const r = await runSavpkg(["build", "acme-prod.yaml", "--out", "out"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^acme-prod\.yaml:11:15 error TENANT_RANGE package\.exportedAt 1979-12-31T23:59:59Z must be between 1980-01-01T00:00:00Z and 2043-12-31T23:59:59Z/m);
    expect(existsSync(join(dir, "out"))).toBe(false);
  });
});
