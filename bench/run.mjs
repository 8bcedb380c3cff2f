/**
 * `npm run bench` (after `npm run build`): savpkg's speed measured side by side with plain Node and
 * with a durable-write reference job on this machine (issue 15). Not a test: it never fails on a
 * missed target, it reports it. Every target row prints measured / target / met.
 *
 *   cold `savpkg build <tenant> --out <tmp>`   ≤ 1.6× `node -e 0`   (wall and CPU, each a median)
 *   cold `savpkg validate <tenant>`             ≤ 1.4×
 *   cold `savpkg diff <zipA> <zipB>`            ≤ 1.6×
 *   `build --all` of 1,000 and 10,000 generated tenants in one process   ≤ 2× the durable-write
 *       reference job (bench/batch-child.mjs) run in the same bench on the same tenants
 *   peak RSS at 10,000 tenants ≤ 250 MB; peak RSS growth per extra tenant (1,000 → 10,000) ≤ 1 KB
 *   `savpkg plan` of 50 tenants in one run against the fake EIC (dist/eic-fake/, 25 ms a call):
 *       one login per run, ≤ 3 API calls per connection, time ≤ 2 × (one tenant's plan + 50 ×
 *       calls per connection × latency / concurrency), i.e. really concurrent
 *
 * Cold runs are interleaved (one of each command per round) so load from other processes hits every
 * row alike; each row is the median of the rounds after two warm-up rounds. Wall and CPU time
 * (user+sys) of each child come from bash's `time` (getrusage of the child, microseconds), so they
 * exclude the bench's own spawning; without bash, wall time is taken around spawnSync and CPU from
 * /proc/self/stat (10 ms ticks). Batch sizes run reference and savpkg alternately, `--batch-rounds`
 * times for sizes ≤ 1,000 (median), once for larger ones.
 *
 * Prints a table and writes bench/results/<timestamp>.json.
 *
 * Options: --runs N (cold rounds, default 15, at least 5), --sizes 1000,10000, --batch-rounds N
 * (default 3), --batch-timeout S (default 300 s per batch run), --only cold|batch|plan, --keep.
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
const RUNS = Math.max(5, Number(option("runs", "15")));
const WARMUP = 2;
const SIZES = option("sizes", "1000,10000").split(",").map(Number).filter((n) => n > 0);
const BATCH_ROUNDS = Math.max(1, Number(option("batch-rounds", "3")));
const BATCH_TIMEOUT_MS = Number(option("batch-timeout", "300")) * 1000;
const ONLY = option("only", "");
const KEEP = args.includes("--keep");
const runs = (part) => ONLY === "" || ONLY === part;

const TARGETS = { build: 1.6, validate: 1.4, diff: 1.6, vsReference: 2, rssMb: 250, growthKb: 1, planVsIdeal: 2, planLogins: 1, planCallsPerConnection: 3 };

const benchStarted = performance.now();
const loadStart = loadavg();
const work = mkdtempSync(join(tmpdir(), "savpkg-bench-"));
const log = (text) => process.stderr.write(text + "\n");

if (!existsSync(join(root, "dist", "cli.bundle.cjs"))) {
  log("dist/cli.bundle.cjs is missing: run `npm run bench` (it builds first) or `npm run build`.");
  process.exit(2);
}

// ---- one cold run: wall and CPU of the child alone ----
const BASH = ["/bin/bash", "/usr/bin/bash"].find((p) => existsSync(p));
// The child's stderr goes to fd 3 (kept), its stdout nowhere; `time` reports on the group's stderr = stdout.
const TIMED = `TIMEFORMAT='%3R %3U %3S'; { time "$@" 2>&3 >/dev/null; } 3>&2 2>&1`;

function childCpuMs() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[13]) + Number(fields[14])) * 10; // cutime + cstime, USER_HZ 100
  } catch {
    return undefined;
  }
}

function runOnce(argv) {
  const env = { ...process.env, NO_COLOR: "1" };
  if (BASH) {
    const r = spawnSync(BASH, ["-c", TIMED, "bash", process.execPath, ...argv], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 2 ** 20 });
    const m = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(r.stdout.toString());
    if (m) return { ms: Number(m[1]) * 1000, cpuMs: (Number(m[2]) + Number(m[3])) * 1000, code: r.status, stderr: r.stderr.toString() };
  }
  const cpu0 = childCpuMs();
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, argv, { cwd: root, env, stdio: ["ignore", "ignore", "pipe"], maxBuffer: 64 * 2 ** 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu1 = childCpuMs();
  return { ms, cpuMs: cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined, code: r.status, stderr: r.stderr?.toString() ?? "" };
}

const median = (xs) => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- setup: two packages for diff ----
const exampleDir = join(root, "examples", "tenants");
const tenantA = join(exampleDir, "acme-dev.yaml");
const tenantB = join(exampleDir, "acme-prod.yaml");

const results = { cold: undefined, batch: [], plan: undefined };

if (runs("cold")) {
  const diffOut = join(work, "diff-input");
  const setupBuild = runOnce([bin, "build", tenantA, tenantB, "--out", diffOut]);
  if (setupBuild.code !== 0) {
    log(`setup: savpkg build of the examples failed (exit ${setupBuild.code}):\n${setupBuild.stderr}`);
    process.exit(2);
  }
  const zipA = join(diffOut, "acme-dev", "INCONTACT.zip");
  const zipB = join(diffOut, "acme-prod", "INCONTACT.zip");
  const cold = [
    { key: "node", label: "node -e 0", argv: ["-e", "0"], ok: [0] },
    { key: "build", label: "savpkg build acme-dev.yaml --out <tmp>", argv: [bin, "build", tenantA, "--out", join(work, "cold-build")], ok: [0] },
    { key: "validate", label: "savpkg validate acme-dev.yaml", argv: [bin, "validate", tenantA], ok: [0] },
    { key: "diff", label: "savpkg diff <zipA> <zipB>", argv: [bin, "diff", zipA, zipB], ok: [0, 1] },
  ];
  log(`cold starts: ${WARMUP} warm-up + ${RUNS} interleaved rounds of ${cold.length} commands (${BASH ? "bash time" : "spawnSync + /proc"}) …`);
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
      cpuMedianMs: median(s.cpuMs),
      runs: s.ms.length,
      samplesMs: s.ms.map((x) => Math.round(x * 10) / 10),
      samplesCpuMs: s.cpuMs.map((x) => Math.round(x * 10) / 10),
    };
  }
  const base = coldResults.node;
  for (const r of Object.values(coldResults)) {
    r.ratio = r.medianMs / base.medianMs;
    r.cpuRatio = r.cpuMedianMs !== undefined && base.cpuMedianMs ? r.cpuMedianMs / base.cpuMedianMs : undefined;
  }
  results.cold = coldResults;
}

// ---- batch builds in one process, against the durable-write reference ----
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
      let report;
      try {
        report = JSON.parse(stdout.trim().split("\n").pop());
      } catch {
        report = undefined;
      }
      resolve({ code, signal, report, stderr, progress: last });
    });
  });
}

if (runs("batch")) {
  for (const n of SIZES) {
    const dir = generateTenants(n);
    const rounds = n <= 1000 ? BATCH_ROUNDS : 1;
    const ref = [];
    const own = [];
    let failure;
    for (let round = 0; round < rounds && !failure; round++) {
      const outRef = join(work, `ref-out-${n}`);
      const outOwn = join(work, `out-${n}`);
      log(`batch ${n} tenants, round ${round + 1}/${rounds}: durable reference …`);
      const r = await runChild([join(root, "bench", "batch-child.mjs"), "durable", dir, outRef], BATCH_TIMEOUT_MS);
      if (r.report && r.report.count === n) ref.push(r.report);
      else failure = `reference: exit ${r.code} ${r.signal ?? ""} ${r.stderr.slice(0, 500)}`;
      log(`batch ${n} tenants, round ${round + 1}/${rounds}: savpkg build --all …`);
      const s = await runChild([join(root, "bench", "batch-child.mjs"), "savpkg", dir, outOwn], BATCH_TIMEOUT_MS);
      if (s.report && s.report.code === 0 && s.report.count === n) own.push(s.report);
      else if (s.signal) failure = `savpkg stopped after ${BATCH_TIMEOUT_MS / 1000} s${s.progress ? ` at ${s.progress.done}/${n} compiled` : ""}`;
      else failure = `savpkg: exit ${s.report?.code ?? s.code}, built ${s.report?.count ?? "?"} of ${n}: ${s.stderr.slice(0, 1000)}`;
      rmSync(outRef, { recursive: true, force: true });
      rmSync(outOwn, { recursive: true, force: true });
    }
    const pick = (xs, key) => median(xs.map((x) => x[key]));
    const entry = {
      tenants: n,
      rounds,
      reference: { ms: pick(ref, "ms"), cpuMs: pick(ref, "cpuMs"), maxRssMb: pick(ref, "maxRssMb"), samplesMs: ref.map((x) => Math.round(x.ms)) },
      savpkg: { ms: pick(own, "ms"), cpuMs: pick(own, "cpuMs"), maxRssMb: pick(own, "maxRssMb"), samplesMs: own.map((x) => Math.round(x.ms)) },
      ...(failure ? { error: failure } : {}),
    };
    entry.ratio = entry.savpkg.ms !== undefined && entry.reference.ms ? entry.savpkg.ms / entry.reference.ms : undefined;
    entry.cpuRatio = entry.savpkg.cpuMs !== undefined && entry.reference.cpuMs ? entry.savpkg.cpuMs / entry.reference.cpuMs : undefined;
    results.batch.push(entry);
    rmSync(dir, { recursive: true, force: true });
  }
}

// Peak RSS growth per extra tenant between the smallest and the largest size.
const measured = results.batch.filter((b) => b.savpkg.maxRssMb !== undefined);
if (measured.length >= 2) {
  const [small, large] = [measured[0], measured[measured.length - 1]];
  if (large.tenants > small.tenants) results.rssGrowthKbPerTenant = ((large.savpkg.maxRssMb - small.savpkg.maxRssMb) * 1024) / (large.tenants - small.tenants);
}

// ---- plan over 50 tenants against the fake EIC ----
if (runs("plan")) {
  const fakeModule = join(root, "dist", "eic-fake", "index.js");
  const planAvailable = existsSync(fakeModule) && runOnce([bin, "plan", "--help"]).code === 0;
  if (!planAvailable) results.plan = { status: "pending: needs `savpkg plan` and the fake EIC (dist/eic-fake/)" };
  else results.plan = await measurePlan(fakeModule);
}

/**
 * `savpkg plan` of 50 generated tenants in one run against the fake EIC with a fixed latency per
 * call, and of one tenant, alternately (median of PLAN_ROUNDS). The fake logs every request: logins
 * per run and API calls per connection are counted from it. The ideal for 50 is one tenant's plan
 * plus 50 × calls per connection × latency / concurrency (really concurrent, nothing else slow).
 */
async function measurePlan(fakeModule) {
  const N = 50;
  const LATENCY_MS = 25;
  const CONCURRENCY = 4;
  const PLAN_ROUNDS = 3;
  const { startFakeEic } = await import(fakeModule);
  const dir = generateTenants(N);
  const tenants = Array.from({ length: N }, (_, i) => join(dir, `tenant-${String(i + 1).padStart(5, "0")}.yaml`));
  const fake = await startFakeEic({ knobs: { latencyMs: LATENCY_MS } });
  const env = {
    ...process.env,
    NO_COLOR: "1",
    SAVIYNT_USERNAME: fake.credentials.username,
    SAVIYNT_PASSWORD: fake.credentials.password,
    CXONE_CLIENT_ID: "bench-client-id",
    CXONE_CLIENT_SECRET: "bench-client-secret",
    CXONE_ACCESS_KEY_ID: "bench-access-key-id",
    CXONE_ACCESS_KEY_SECRET: "bench-access-key-secret",
  };
  const plan = (files) =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const child = spawn(process.execPath, [bin, "plan", ...files, "--eic", fake.url, "--concurrency", String(CONCURRENCY)], { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
      child.on("close", (code) => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, code, stderr }));
    });
  const one = [];
  const all = [];
  let counts;
  let failure;
  try {
    log(`plan: ${PLAN_ROUNDS} alternating rounds of one tenant and ${N} tenants against the fake EIC (${LATENCY_MS} ms a call, --concurrency ${CONCURRENCY}) …`);
    for (let round = 0; round < PLAN_ROUNDS + 1 && !failure; round++) {
      const single = await plan(tenants.slice(0, 1));
      fake.clearRequests();
      const batch = await plan(tenants);
      // plan exits 1 when something would change (every connection is new here): 2 is a failure.
      if (single.code > 1 || batch.code > 1) failure = `plan exited ${single.code}/${batch.code}: ${(batch.stderr || single.stderr).slice(0, 500)}`;
      const requests = fake.requests;
      const logins = requests.filter((r) => r.endpoint === "login").length;
      counts = { logins, callsPerConnection: (requests.length - logins) / N, requests: requests.length };
      if (round === 0) continue; // warm-up
      one.push(single.ms);
      all.push(batch.ms);
    }
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  if (failure) return { status: failure };
  const oneMs = median(one);
  const allMs = median(all);
  const idealMs = oneMs + (N * counts.callsPerConnection * LATENCY_MS) / CONCURRENCY;
  return { status: "measured", tenants: N, latencyMs: LATENCY_MS, concurrency: CONCURRENCY, oneMs, allMs, idealMs, ratio: allMs / idealMs, ...counts, samplesOneMs: one.map(Math.round), samplesAllMs: all.map(Math.round) };
}

// ---- report ----
const fmt = (x, digits = 0) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));
const met = (value, target) => (value === undefined ? "-" : value <= target ? "yes" : "NO");
const rows = [["target row", "measured wall", "measured CPU", "target", "met (wall / CPU)"]];
if (results.cold) {
  const c = results.cold;
  rows.push(["node -e 0 (the baseline)", `${fmt(c.node.medianMs)} ms`, `${fmt(c.node.cpuMedianMs)} ms`, "", ""]);
  for (const key of ["build", "validate", "diff"]) {
    const r = c[key];
    rows.push([
      `cold ${r.command}`,
      `${fmt(r.medianMs)} ms = ${fmt(r.ratio, 2)}×`,
      `${fmt(r.cpuMedianMs)} ms = ${fmt(r.cpuRatio, 2)}×`,
      `≤ ${TARGETS[key]}× node -e 0`,
      `${met(r.ratio, TARGETS[key])} / ${met(r.cpuRatio, TARGETS[key])}`,
    ]);
  }
} else rows.push(["cold build / validate / diff", "not run (--only)", "", "", ""]);
for (const b of results.batch) {
  const label = `${b.tenants.toLocaleString("en")} tenants`;
  rows.push([`durable-write reference, ${label}`, `${fmt(b.reference.ms / 1000, 2)} s`, `${fmt(b.reference.cpuMs / 1000, 2)} s`, "", ""]);
  if (b.error && b.savpkg.ms === undefined) {
    rows.push([`build --all, ${label}`, b.error, "", `≤ ${TARGETS.vsReference}× reference`, "NO"]);
    continue;
  }
  rows.push([
    `build --all, ${label}`,
    `${fmt(b.savpkg.ms / 1000, 2)} s = ${fmt(b.ratio, 2)}×`,
    `${fmt(b.savpkg.cpuMs / 1000, 2)} s = ${fmt(b.cpuRatio, 2)}×`,
    `≤ ${TARGETS.vsReference}× reference`,
    `${met(b.ratio, TARGETS.vsReference)} / ${met(b.cpuRatio, TARGETS.vsReference)}`,
  ]);
}
const largest = results.batch.find((b) => b.tenants === 10000) ?? results.batch[results.batch.length - 1];
if (largest) {
  rows.push([`peak RSS, ${largest.tenants.toLocaleString("en")} tenants`, `${fmt(largest.savpkg.maxRssMb)} MB`, "", `≤ ${TARGETS.rssMb} MB`, met(largest.savpkg.maxRssMb, TARGETS.rssMb)]);
}
if (results.rssGrowthKbPerTenant !== undefined) {
  rows.push([`peak RSS growth per extra tenant (${measured[0].tenants} → ${measured[measured.length - 1].tenants})`, `${fmt(results.rssGrowthKbPerTenant, 2)} KB`, "", `≤ ${TARGETS.growthKb} KB`, met(results.rssGrowthKbPerTenant, TARGETS.growthKb)]);
}
if (results.plan?.status === "measured") {
  const p = results.plan;
  rows.push([`plan, 1 tenant, fake EIC (${p.latencyMs} ms a call)`, `${fmt(p.oneMs)} ms`, "", "", ""]);
  rows.push([
    `plan, ${p.tenants} tenants in one run, --concurrency ${p.concurrency}`,
    `${fmt(p.allMs)} ms = ${fmt(p.ratio, 2)}× ideal ${fmt(p.idealMs)} ms`,
    "",
    `≤ ${TARGETS.planVsIdeal}× (one plan + ${p.tenants} × calls × latency / concurrency)`,
    met(p.ratio, TARGETS.planVsIdeal),
  ]);
  rows.push(["plan: logins per run / API calls per connection", `${p.logins} / ${fmt(p.callsPerConnection, 2)}`, "", `${TARGETS.planLogins} / ≤ ${TARGETS.planCallsPerConnection}`, p.logins <= TARGETS.planLogins && p.callsPerConnection <= TARGETS.planCallsPerConnection ? "yes" : "NO"]);
} else if (results.plan) {
  rows.push(["plan, 50 tenants, fake EIC", results.plan.status, "", `≤ ${TARGETS.planVsIdeal}× (one plan + 50 × calls × latency / concurrency)`, "pending"]);
  rows.push(["plan: logins per run / API calls per connection", "pending", "", `${TARGETS.planLogins} / ≤ ${TARGETS.planCallsPerConnection}`, "pending"]);
}

const table = (data) => {
  const widths = data[0].map((_, i) => Math.max(...data.map((r) => String(r[i]).length)));
  return data.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd()).join("\n");
};

const cpuModel = cpus()[0]?.model ?? "unknown CPU";
const machine = `${cpuModel}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GB, ${platform()} ${release()}, Node ${process.versions.node}`;
const loadEnd = loadavg();
const load = (l) => l.map((x) => x.toFixed(2)).join(" ");
process.stdout.write(
  [
    "",
    `savpkg bench — ${machine}`,
    `load average (1/5/15 min) at start ${load(loadStart)}, at end ${load(loadEnd)}`,
    `cold rows: median of ${RUNS} interleaved runs after ${WARMUP} warm-up rounds; batch rows: median of ${BATCH_ROUNDS} alternating runs for ≤ 1,000 tenants, one run above`,
    "",
    table(rows),
    "",
  ].join("\n") + "\n",
);

const saved = {
  date: new Date().toISOString(),
  machine: { cpu: cpuModel, cores: cpus().length, memoryGb: totalmem() / 2 ** 30, platform: platform(), release: release(), node: process.versions.node },
  loadAverageStart: loadStart,
  loadAverageEnd: loadEnd,
  runs: RUNS,
  timing: BASH ? "bash time (getrusage)" : "spawnSync wall, /proc/self/stat CPU",
  targets: TARGETS,
  ...results,
  benchSeconds: (performance.now() - benchStarted) / 1000,
};
const resultsDir = join(root, "bench", "results");
mkdirSync(resultsDir, { recursive: true });
const resultsFile = join(resultsDir, `${saved.date.replace(/[:.]/g, "-")}.json`);
writeFileSync(resultsFile, JSON.stringify(saved, null, 2) + "\n");
log(`results: ${resultsFile} (bench took ${saved.benchSeconds.toFixed(0)} s)`);
if (!KEEP) rmSync(work, { recursive: true, force: true });
else log(`kept ${work}`);
