/**
 * Issue 4 §4: `savpkg build --check` rebuilds in memory, compares with the output folder, lists
 * stale, missing and extra packages (and stale ConnectionJSON.json, manifest.json, SHA256SUMS),
 * exits 1 when anything differs and writes nothing — proven by a listing with hashes, modes,
 * mtimes and inodes of the whole output folder before and after every check.
 * The last block changes every effective value of a tenant, one at a time, and shows that --check
 * notices each change.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runBuild } from "../src/build/batch.js";
import { compileTenant } from "../src/build/compile.js";
import { hasErrors } from "../src/core/diagnostics.js";
import { loadTenant } from "../src/tenant/load.js";
import { schemasAt } from "../src/core/schemas.js";
import { AGENT_RESPONSE_FIELDS, TEAM_RESPONSE_FIELDS } from "../src/tenant/cxone-fields.js";
import { assertBuilt, copyExamples, runSavpkg, snapshotTree, tempDir } from "./helpers/spawn.js";

let work: ReturnType<typeof tempDir>;
let dir: string;
const out = () => join(dir, "dist-packages");

beforeAll(async () => {
  assertBuilt();
  work = tempDir("check");
  dir = join(work.path, "repo");
  copyExamples(join(dir, "tenants"));
  const r = await runSavpkg(["build", "--all", "tenants"], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
});

afterAll(() => work?.remove());

/** Runs `build --check` and proves it wrote nothing: same names, bytes, modes, mtimes and inodes. */
async function check(args: string[] = ["--all", "tenants"], env: Record<string, string> = {}) {
  const before = Object.fromEntries(snapshotTree(out()));
  const r = await runSavpkg(["build", ...args, "--check"], { cwd: dir, env });
  expect(Object.fromEntries(snapshotTree(out()))).toEqual(before);
  return r;
}

/** Edits a tenant file for the duration of `body`, then restores it byte for byte. */
async function withEdit(file: string, edit: (text: string) => string, body: () => Promise<void>) {
  const path = join(dir, "tenants", file);
  const original = readFileSync(path);
  const edited = edit(original.toString("utf8"));
  expect(edited, `the edit of ${file} must change it`).not.toBe(original.toString("utf8"));
  writeFileSync(path, edited);
  try {
    await body();
  } finally {
    writeFileSync(path, original);
  }
}

const problems = (stderr: string) =>
  stderr
    .split("\n")
    .filter((l) => / error BUILD_/.test(l))
    .map((l) => l.replace(/ as [0-9a-f]{64}$/, " as <sha>"))
    .sort();

describe("savpkg build --check", () => {
  test("passes right after a build and writes nothing", async () => {
    const r = await check();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^checked 2 packages in [\d.]+s, 1 base file skipped: up to date\n$/);
  });

  test("a changed value in a tenant file makes its package stale (exit 1)", async () => {
    await withEdit("acme-dev.yaml", (t) => t.replace("pageSize: 50", "pageSize: 51"), async () => {
      const r = await check();
      expect(r.code).toBe(1);
      expect(problems(r.stderr)).toEqual([
        "dist-packages/SHA256SUMS error BUILD_STALE dist-packages/SHA256SUMS does not record acme-dev/INCONTACT.zip as <sha>",
        "dist-packages/acme-dev/INCONTACT.zip error BUILD_STALE dist-packages/acme-dev/INCONTACT.zip is stale: the tenant now builds different bytes",
        "dist-packages/manifest.json error BUILD_STALE dist-packages/manifest.json does not record acme-dev/INCONTACT.zip as <sha>",
      ]);
      expect(r.stderr).toMatch(/^check failed: 3 problem\(s\) listed above, nothing written/m);
    });
  });

  test("a changed value in the shared base makes every tenant that uses it stale", async () => {
    await withEdit("acme-base.yaml", (t) => t.replace("exportedBy: release-bot", "exportedBy: release-bot-2"), async () => {
      const r = await check();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("dist-packages/acme-dev/INCONTACT.zip is stale");
      expect(r.stderr).toContain("dist-packages/acme-prod/INCONTACT.zip is stale");
    });
  });

  test("a value that only reaches ConnectionJSON.json (a secret's variable name) is caught too", async () => {
    await withEdit("acme-base.yaml", (t) => t.replace("{ env: CXONE_ACCESS_KEY_ID }", "{ env: CXONE_KEY_ID }"), async () => {
      const r = await check();
      expect(r.code).toBe(1);
      expect(problems(r.stderr)).toEqual([
        "dist-packages/acme-dev/ConnectionJSON.json error BUILD_STALE dist-packages/acme-dev/ConnectionJSON.json is stale: the tenant now renders a different ConnectionJSON (built with --with-secrets? check with it too)",
        "dist-packages/acme-prod/ConnectionJSON.json error BUILD_STALE dist-packages/acme-prod/ConnectionJSON.json is stale: the tenant now renders a different ConnectionJSON (built with --with-secrets? check with it too)",
      ]);
    });
  });

  test("another SOURCE_DATE_EPOCH makes the unpinned package stale, not the pinned one", async () => {
    const r = await check(["--all", "tenants"], { SOURCE_DATE_EPOCH: "1700000000" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("dist-packages/acme-dev/INCONTACT.zip is stale");
    expect(r.stderr).not.toContain("acme-prod/INCONTACT.zip is stale");
  });

  test("a deleted package is listed as missing", async () => {
    const zip = join(out(), "acme-prod", "INCONTACT.zip");
    const saved = readFileSync(zip);
    rmSync(zip);
    try {
      const r = await check();
      expect(r.code).toBe(1);
      expect(problems(r.stderr)).toEqual(["dist-packages/acme-prod/INCONTACT.zip error BUILD_MISSING dist-packages/acme-prod/INCONTACT.zip is missing; run savpkg build"]);
    } finally {
      writeFileSync(zip, saved);
    }
  });

  test("a stray package is listed as extra with --all (and ignored for an explicit tenant list)", async () => {
    mkdirSync(join(out(), "old"));
    copyFileSync(join(out(), "acme-dev", "INCONTACT.zip"), join(out(), "old", "INCONTACT.zip"));
    try {
      const all = await check();
      expect(all.code).toBe(1);
      expect(problems(all.stderr)).toEqual(["dist-packages/old/INCONTACT.zip error BUILD_EXTRA dist-packages/old/INCONTACT.zip has no tenant file that builds it; savpkg did not record it, so a build leaves it: delete it if it is not needed"]);
      const explicit = await check(["tenants/acme-dev.yaml", "tenants/acme-prod.yaml"]);
      expect(explicit.code, explicit.stderr).toBe(0);
    } finally {
      rmSync(join(out(), "old"), { recursive: true });
    }
  });

  test("a checksum file that does not match the packages is stale", async () => {
    const sums = join(out(), "SHA256SUMS");
    const saved = readFileSync(sums, "utf8");
    writeFileSync(sums, saved.replace(/^[0-9a-f]/, (c) => (c === "0" ? "1" : "0")));
    try {
      const r = await check();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/dist-packages\/SHA256SUMS error BUILD_STALE dist-packages\/SHA256SUMS does not record acme-dev\/INCONTACT\.zip as [0-9a-f]{64}/);
      expect(r.stderr).toMatch(/dist-packages\/SHA256SUMS lists acme-dev\/INCONTACT\.zip, which no tenant builds|does not record/);
    } finally {
      writeFileSync(sums, saved);
    }
  });

  test("--format json lists the problems as data", async () => {
    await withEdit("acme-prod.yaml", (t) => t.replace("accountThreshold: 5 ", "accountThreshold: 6 "), async () => {
      const r = await check(["--all", "tenants", "--format", "json"]);
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { diagnostics: { code: string; file: string }[] };
      expect(doc.diagnostics.map((d) => `${d.code} ${d.file}`).sort()).toEqual([
        "BUILD_STALE dist-packages/SHA256SUMS",
        "BUILD_STALE dist-packages/acme-prod/INCONTACT.zip",
        "BUILD_STALE dist-packages/manifest.json",
      ]);
    });
  });

  test("checking an output folder that does not exist lists everything as missing and creates nothing", async () => {
    const r = await runSavpkg(["build", "--all", "tenants", "--out", "nowhere", "--check"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(problems(r.stderr).map((l) => l.split(" ")[0])).toEqual([
      "nowhere/SHA256SUMS",
      "nowhere/acme-dev/ConnectionJSON.json",
      "nowhere/acme-dev/INCONTACT.zip",
      "nowhere/acme-prod/ConnectionJSON.json",
      "nowhere/acme-prod/INCONTACT.zip",
      "nowhere/manifest.json",
    ]);
    expect(existsSync(join(dir, "nowhere"))).toBe(false);
  });

  test("after all that, the untouched output still passes", async () => {
    const r = await check();
    expect(r.code, r.stderr).toBe(0);
  });
});

// ---- every value: change one effective tenant value at a time and expect --check to fail ----

type Path = (string | number)[];

function leaves(value: unknown, path: Path = []): [Path, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [[path, value]];
}

function setAt(root: unknown, path: Path, value: unknown): unknown {
  const copy = structuredClone(root) as Record<string | number, unknown>;
  let node = copy as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
  return copy;
}

/** Other values a leaf could take, most natural first; the first one the schema accepts is used. */
function candidates(path: Path, value: unknown): unknown[] {
  if (typeof value === "boolean") return [!value];
  if (typeof value === "number") return [value + 1, value - 1, value * 2];
  if (typeof value !== "string") return [];
  // Import maps name CXone response fields (validation refuses others): another real field.
  const fields = path[1] === "accountAttributes" ? AGENT_RESPONSE_FIELDS : path[1] === "entitlementTypes" ? TEAM_RESPONSE_FIELDS : undefined;
  if (path[0] === "import" && fields) return fields.filter((f) => f !== value).slice(0, 2);
  const schemaKey = path.map((s) => (typeof s === "number" ? 0 : s));
  const enums = schemasAt(schemaKey).flatMap((s) => (Array.isArray(s.enum) ? (s.enum as unknown[]) : []));
  const bumped = value.replace(/(\d+)(?!.*\d)/, (n) => String(Number(n) + 1));
  return [
    ...enums.filter((e) => e !== value),
    `${value}x`,
    bumped,
    value.replace(/[a-z]/, (c) => (c === "a" ? "b" : "a")),
    value.slice(0, -1),
    value.replace(/\}$/, ".x}"),
    "${user.username}",
  ].filter((c) => c !== value && c !== "");
}

/** Values that can only change together with others (the schema ties the fields of a grant together). */
const COMPANIONS: Record<string, (tenant: unknown) => (readonly [unknown, unknown])[]> = {
  "cxone.auth.grant": (tenant) => {
    const t = structuredClone(tenant) as { cxone: { auth: Record<string, unknown> } };
    t.cxone.auth.grant = "refresh_token";
    t.cxone.auth.refreshToken = { env: "CXONE_REFRESH_TOKEN" };
    delete t.cxone.auth.accessKeyId;
    delete t.cxone.auth.accessKeySecret;
    return [["refresh_token (with a refreshToken)", t]];
  },
};

describe("every tenant value reaches the output", () => {
  test("changing any one effective value of acme-dev makes --check fail with a stale package or ConnectionJSON", async () => {
    const sweep = join(work.path, "sweep");
    mkdirSync(sweep, { recursive: true });
    const merged = loadTenant(join(dir, "tenants", "acme-dev.yaml"), { cwd: dir }).value;
    expect(merged).toBeDefined();
    const file = join(sweep, "flat.json");
    const write = (value: unknown) => writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
    write(merged);
    const built = await runBuild({ tenants: ["flat.json"], outDir: "out", cwd: sweep });
    expect(built.diagnostics).toEqual([]);

    const unchanged: string[] = [];
    const noValidAlternative: string[] = [];
    const all = leaves(merged);
    expect(all.length).toBeGreaterThan(40);
    for (const [path, value] of all) {
      const name = path.join(".");
      let tried = false;
      const tenants = [...candidates(path, value).map((c) => [c, setAt(merged, path, c)] as const), ...(COMPANIONS[name]?.(merged) ?? [])];
      for (const [alternative, tenant] of tenants) {
        write(tenant);
        const compiled = await compileTenant("flat.json", { cwd: sweep, noPack: true });
        if (hasErrors(compiled.diagnostics)) continue;
        tried = true;
        const checked = await runBuild({ tenants: ["flat.json"], outDir: "out", cwd: sweep, check: true });
        const stale = checked.diagnostics.filter((d) => d.code === "BUILD_STALE" && /(INCONTACT\.zip|ConnectionJSON\.json)$/.test(d.file ?? ""));
        if (stale.length === 0) unchanged.push(`${name}: ${JSON.stringify(value)} -> ${JSON.stringify(alternative)}`);
        break;
      }
      if (!tried) noValidAlternative.push(name);
    }
    write(merged);
    expect((await runBuild({ tenants: ["flat.json"], outDir: "out", cwd: sweep, check: true })).diagnostics).toEqual([]);
    expect(unchanged, "values whose change --check did not notice").toEqual([]);
    expect(noValidAlternative, "values the sweep could not change validly").toEqual([]);

  });
});
