/**
 * `npm run bench` (after `npm run build`): savpkg's speed measured side by side with plain Node on
 * this machine, issue 7. Not a test; it never fails on a missed target, it reports it.
 *
 *   (a) cold `savpkg build <tenant> --out <tmp>`   vs `node -e 0`   target ≤ 1.5×
 *   (b) cold `savpkg validate <tenant>`             vs `node -e 0`   target ≤ 1.4×
 *   (c) one process building 1,000 and 10,000 generated tenants: wall time, ms/tenant, peak RSS,
 *       and the same against a reference job (read, serialise ~15 KB, deflate, write per tenant)
 *       targets: 1,000 ≤ 2 s, 10,000 ≤ 20 s, RSS ≤ 250 MB and flat in N, ≤ 4× the reference job
 *   (d) cold `savpkg diff <zipA> <zipB>`            vs `node -e 0`   target ≤ 1.4×
 *
 * Cold runs are interleaved (one of each per round) so load from other processes hits every row
 * alike; each row is the median of the rounds after two warm-up rounds. On Linux the children's
 * CPU time (user+sys, from /proc/self/stat) is shown too: it is much less sensitive to other load.
 * Prints a table and writes bench/results/<timestamp>.json.
 *
 * Options: --runs N (default 15, at least 10), --sizes 1000,10000, --batch-timeout S (default 75 s
 * per batch run), --keep (keep the temp folder).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin", "savpkg.js");
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const RUNS = Math.max(10, Number(option("runs", "15")));
const WARMUP = 2;
const SIZES = option("sizes", "1000,10000").split(",").map(Number).filter((n) => n > 0);
const KEEP = args.includes("--keep");
/** The whole bench must finish in 3 minutes; a batch run that cannot is stopped and reported. */
const BATCH_TIMEOUT_MS = Number(option("batch-timeout", "75")) * 1000;

const TARGETS = { build: 1.5, validate: 1.4, diff: 1.4, batch1000Ms: 2000, batch10000Ms: 20000, rssMb: 250, vsReference: 4 };

const benchStarted = performance.now();
const work = mkdtempSync(join(tmpdir(), "savpkg-bench-"));
const log = (text) => process.stderr.write(text + "\n");

if (!existsSync(join(root, "dist", "cli.bundle.cjs"))) {
  log("dist/cli.bundle.cjs is missing: run `npm run bench` (it builds first) or `npm run build`.");
  process.exit(2);
}

// ---- children's CPU time (Linux): cutime + cstime of this process, in clock ticks (USER_HZ 100) ----
function childCpuMs() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "(comm) ", field 3 (state) is index 0; cutime and cstime are fields 16 and 17.
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function runOnce(argv) {
  const cpu0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: root, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu1 = childCpuMs();
  return { ms, cpuMs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined, code: r.status, stderr: r.stderr?.toString() ?? "" };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

// ---- setup: two packages for diff, and the generated tenants for (c) ----
const exampleDir = join(root, "examples", "tenants");
const tenantA = join(exampleDir, "acme-dev.yaml");
const tenantB = join(exampleDir, "acme-prod.yaml");
const diffOut = join(work, "diff-input");
const setupBuild = runOnce([bin, "build", tenantA, tenantB, "--out", diffOut]);
if (setupBuild.code !== 0) {
  log(`setup: savpkg build of the examples failed (exit ${setupBuild.code}):\n${setupBuild.stderr}`);
  process.exit(2);
}
const zipA = join(diffOut, "acme-dev", "INCONTACT.zip");
const zipB = join(diffOut, "acme-prod", "INCONTACT.zip");
const diffProbe = runOnce([bin, "diff", zipA, zipB]);
const diffAvailable = diffProbe.code === 0 || diffProbe.code === 1;
if (!diffAvailable) log(`(d) diff: pending (command not available; savpkg diff exited ${diffProbe.code})`);

// ---- (a), (b), (d): cold starts, interleaved ----
const cold = [
  { key: "node", label: "node -e 0", argv: ["-e", "0"], ok: [0] },
  { key: "build", label: "savpkg build acme-dev.yaml --out <tmp>", argv: [bin, "build", tenantA, "--out", join(work, "cold-build")], ok: [0] },
  { key: "validate", label: "savpkg validate acme-dev.yaml", argv: [bin, "validate", tenantA], ok: [0] },
  ...(diffAvailable ? [{ key: "diff", label: "savpkg diff <zipA> <zipB>", argv: [bin, "diff", zipA, zipB], ok: [0, 1] }] : []),
];
log(`cold starts: ${WARMUP} warm-up + ${RUNS} interleaved rounds of ${cold.length} commands …`);
const samples = new Map(cold.map((c) => [c.key, { ms: [], cpuMs: [] }]));
for (let round = 0; round < WARMUP + RUNS; round++) {
  for (const c of cold) {
    const r = runOnce(c.argv);
    if (!c.ok.includes(r.code)) {
      log(`${c.label} exited ${r.code}:\n${r.stderr}`);
      process.exit(2);
    }
    if (round >= WARMUP) {
      samples.get(c.key).ms.push(r.ms);
      if (r.cpuMs !== undefined) samples.get(c.key).cpuMs.push(r.cpuMs);
    }
  }
}
const coldResults = {};
for (const c of cold) {
  const s = samples.get(c.key);
  coldResults[c.key] = {
    command: c.label,
    medianMs: median(s.ms),
    minMs: Math.min(...s.ms),
    cpuMeanMs: s.cpuMs.length === s.ms.length ? mean(s.cpuMs) : undefined,
    runs: s.ms.length,
    samplesMs: s.ms.map((x) => Math.round(x * 10) / 10),
  };
}
const base = coldResults.node;
for (const key of Object.keys(coldResults)) {
  const r = coldResults[key];
  r.ratio = r.medianMs / base.medianMs;
  r.cpuRatio = r.cpuMeanMs !== undefined && base.cpuMeanMs ? r.cpuMeanMs / base.cpuMeanMs : undefined;
}

// ---- (c): batch builds in one process ----
const baseYaml = readFileSync(join(exampleDir, "acme-base.yaml"), "utf8");
const variants = [readFileSync(tenantA, "utf8"), readFileSync(tenantB, "utf8")];

/** N tenant files extending one base, each with its own name and values (all valid). */
function generateTenants(n) {
  const dir = join(work, `tenants-${n}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "acme-base.yaml"), baseYaml);
  for (let i = 1; i <= n; i++) {
    const id = String(i).padStart(5, "0");
    const text = variants[i % 2]
      .replace(/^( {2}name:) \S+/m, `$1 InContact_T${id}`)
      .replace(/^( {2}description:) .*$/m, `$1 "Generated tenant ${id} for the savpkg bench"`)
      .replace(/^( {2}system:) \S+/m, `$1 t${id}.saviyntcloud.com`)
      .replace(/^( {2}pageSize:) \d+/m, `$1 ${10 + (i % 990)}`)
      .replace(/^( {4}teamId:) \d+/m, `$1 ${1000 + i}`)
      .replace(/^( {4}transferTeamId:) \d+/m, `$1 ${20000 + i}`);
    writeFileSync(join(dir, `tenant-${id}.yaml`), text);
  }
  return dir;
}

function runChild(argv, timeoutMs) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let last; // the latest "progress <done> <total> <ms> <rssMb>" line
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      for (const line of String(d).split("\n")) {
        const m = /^progress (\d+) (\d+) (\d+) ([\d.]+)$/.exec(line);
        if (m) last = { done: Number(m[1]), total: Number(m[2]), ms: Number(m[3]), rssMb: Number(m[4]) };
        else if (line) stderr = (stderr + line + "\n").slice(-4000);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let report;
      try {
        report = JSON.parse(stdout.trim().split("\n").pop());
      } catch {
        report = undefined;
      }
      resolve({ code, signal, wallMs, report, stderr, progress: last });
    });
  });
}

const batch = [];
for (const n of SIZES) {
  const dir = generateTenants(n);
  log(`(c) ${n} tenants: reference job …`);
  const ref = await runChild([join(root, "bench", "batch-child.mjs"), "reference", dir, join(work, `ref-out-${n}`)], BATCH_TIMEOUT_MS);
  log(`(c) ${n} tenants: savpkg build --all …`);
  const elapsed = performance.now() - benchStarted;
  // Leave time for removing a stopped run's output and for the report.
  const budget = Math.max(10_000, Math.min(BATCH_TIMEOUT_MS, 160_000 - elapsed));
  const run = await runChild([join(root, "bench", "batch-child.mjs"), "savpkg", dir, join(work, `out-${n}`)], budget);
  const entry = { tenants: n, reference: ref.report ?? { error: ref.stderr.slice(0, 500) } };
  if (run.report && run.report.code === 0 && run.report.count === n) {
    entry.savpkg = { ...run.report, msPerTenant: run.report.ms / n };
    entry.vsReference = ref.report ? run.report.ms / ref.report.ms : undefined;
  } else if (run.signal) {
    const p = run.progress;
    entry.savpkg = {
      timedOut: true,
      budgetMs: budget,
      // Progress counts tenants compiled; a run stopped after the last one was still writing.
      ...(p ? { done: p.done, msAtLastProgress: p.ms, rssMbAtStop: p.rssMb } : {}),
      ...(p && p.done > 0 && p.done < n ? { projectedMs: (p.ms / p.done) * n, msPerTenant: p.ms / p.done } : {}),
      error: !p
        ? `stopped after ${(budget / 1000).toFixed(0)} s`
        : p.done < n
          ? `stopped after ${(budget / 1000).toFixed(0)} s at ${p.done}/${n} compiled (projected ≥ ${((p.ms / Math.max(1, p.done)) * n / 1000).toFixed(0)} s)`
          : `all ${n} compiled after ${(p.ms / 1000).toFixed(0)} s, stopped while writing at ${(budget / 1000).toFixed(0)} s`,
    };
    const lowerBoundMs = p && p.done > 0 && p.done < n ? (p.ms / p.done) * n : budget;
    if (ref.report) entry.vsReference = lowerBoundMs / ref.report.ms;
  } else {
    entry.savpkg = { error: `exit ${run.report?.code ?? run.code}, built ${run.report?.count ?? "?"} of ${n}`, stderr: run.stderr.slice(0, 2000) };
  }
  batch.push(entry);
  rmSync(dir, { recursive: true, force: true });
  rmSync(join(work, `out-${n}`), { recursive: true, force: true });
  rmSync(join(work, `ref-out-${n}`), { recursive: true, force: true });
}

// RSS growth per extra tenant between the smallest and largest run (a stopped run counts with the
// tenants it had done and its RSS then): flat means "a result record", not "a package", per tenant.
const points = batch
  .map((b) => (b.savpkg?.maxRssMb !== undefined ? [b.tenants, b.savpkg.maxRssMb] : b.savpkg?.rssMbAtStop !== undefined ? [b.savpkg.done, b.savpkg.rssMbAtStop] : undefined))
  .filter((p) => p !== undefined && p[0] > 0);
let rssGrowthKbPerTenant;
if (points.length >= 2) {
  const [small, large] = [points[0], points[points.length - 1]];
  if (large[0] > small[0]) rssGrowthKbPerTenant = ((large[1] - small[1]) * 1024) / (large[0] - small[0]);
}

// ---- report ----
const fmt = (x, digits = 0) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));
const verdict = (value, target) => (value === undefined ? "-" : value <= target ? "ok" : "MISSED");
const rows = [["measurement", "median ms", "min ms", "ratio", "cpu ms", "cpu ratio", "target", ""]];
const coldRow = (key, target) => {
  const r = coldResults[key];
  rows.push([r.command, fmt(r.medianMs), fmt(r.minMs), key === "node" ? "1.00×" : `${fmt(r.ratio, 2)}×`, fmt(r.cpuMeanMs), r.cpuRatio === undefined ? "-" : `${fmt(r.cpuRatio, 2)}×`, target ? `≤ ${target}×` : "", target ? verdict(r.ratio, target) : ""]);
};
coldRow("node");
coldRow("build", TARGETS.build);
coldRow("validate", TARGETS.validate);
if (coldResults.diff) coldRow("diff", TARGETS.diff);
else rows.push(["savpkg diff <zipA> <zipB>", "pending (command not available)", "", "", "", "", `≤ ${TARGETS.diff}×`, ""]);

const table = (data) => {
  const widths = data[0].map((_, i) => Math.max(...data.map((r) => String(r[i]).length)));
  return data.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd()).join("\n");
};

const batchRows = [["batch (one process)", "total s", "ms/tenant", "peak RSS MB", "reference s", "vs reference", "targets", ""]];
for (const b of batch) {
  const s = b.savpkg;
  const timeTarget = b.tenants === 1000 ? TARGETS.batch1000Ms : b.tenants === 10000 ? TARGETS.batch10000Ms : undefined;
  if (s.timedOut) {
    batchRows.push([`${b.tenants} tenants`, `> ${fmt((s.projectedMs ?? s.budgetMs) / 1000, 0)}`, s.projectedMs ? `~${fmt(s.msPerTenant, 2)}` : `> ${fmt(s.budgetMs / b.tenants, 2)}`, s.rssMbAtStop ? `≥ ${fmt(s.rssMbAtStop)}` : "-", fmt(b.reference.ms / 1000, 2), b.vsReference ? `> ${fmt(b.vsReference, 1)}×` : "-", timeTarget ? `≤ ${timeTarget / 1000} s` : "", `MISSED (${s.error})`]);
    continue;
  }
  if (s.error) {
    batchRows.push([`${b.tenants} tenants`, s.error, "", "", fmt(b.reference.ms / 1000, 2), "", "", "MISSED"]);
    continue;
  }
  const misses = [];
  if (timeTarget !== undefined && s.ms > timeTarget) misses.push("time");
  if (s.maxRssMb > TARGETS.rssMb) misses.push("RSS");
  if (b.vsReference !== undefined && b.vsReference > TARGETS.vsReference) misses.push("vs ref");
  batchRows.push([
    `${b.tenants} tenants`,
    fmt(s.ms / 1000, 2),
    fmt(s.msPerTenant, 2),
    fmt(s.maxRssMb),
    fmt(b.reference.ms / 1000, 2),
    `${fmt(b.vsReference, 2)}×`,
    `${timeTarget ? `≤ ${timeTarget / 1000} s, ` : ""}≤ ${TARGETS.rssMb} MB, ≤ ${TARGETS.vsReference}×`,
    misses.length ? `MISSED: ${misses.join(", ")}` : "ok",
  ]);
}

const cpuModel = cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpuModel}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GB, ${platform()} ${release()}, Node ${process.versions.node}`;
const loadEnd = loadavg();
const report = [
  "",
  `savpkg bench — ${machine}`,
  `load average at the end: ${loadEnd.map((x) => x.toFixed(2)).join(" ")} (cold rows: median of ${RUNS} interleaved runs after ${WARMUP} warm-up rounds)`,
  "",
  table(rows),
  "",
  table(batchRows),
  rssGrowthKbPerTenant === undefined ? "" : `peak RSS growth: ${fmt(rssGrowthKbPerTenant, 1)} KB per extra tenant (${rssGrowthKbPerTenant <= 2 ? "flat: result records only" : "NOT flat: grows with the packages"})`,
  "",
].join("\n");
process.stdout.write(report + "\n");

const results = {
  date: new Date().toISOString(),
  machine: { cpu: cpuModel, cores: cpus().length, memoryGb: totalmem() / 2 ** 30, platform: platform(), release: release(), node: process.versions.node },
  loadAverageEnd: loadEnd,
  runs: RUNS,
  targets: TARGETS,
  cold: coldResults,
  diff: diffAvailable ? "measured" : "pending (command not available)",
  batch,
  rssGrowthKbPerTenant,
  benchSeconds: (performance.now() - benchStarted) / 1000,
};
const resultsDir = join(root, "bench", "results");
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, `${results.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + "\n");
log(`results: ${resultsFile} (bench took ${results.benchSeconds.toFixed(0)} s)`);
if (!KEEP) rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
