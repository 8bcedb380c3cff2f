/**
 * One process of the batch measurement (bench/run.mjs). The last line on stdout is JSON:
 * { ms, cpuMs, maxRssMb, startRssMb, count, code } — `ms` is the wall time of the job itself
 * (process start-up is what the cold rows measure), `cpuMs` its user+sys CPU time, maxRssMb the
 * process's peak resident set. While it runs it prints `progress <done> <total> <ms> <rssMb>` lines
 * on stderr (at most 4 a second), so a run stopped for time can still be reported and extrapolated.
 *
 *   node bench/batch-child.mjs savpkg  <tenant dir> <out dir>   savpkg build --all <dir> --out <out>, in this process
 *   node bench/batch-child.mjs durable <tenant dir> <out dir>   the durable-write reference job, node built-ins only
 *
 * The reference job is the floor for "compile one tenant and write it crash-safely" (issue 15): per
 * tenant file, read it, serialise a ~15 KB document (the size of one INCONTACT.zip) and deflate it,
 * create the tenant's folder and write two files there, each to a temp file that is fsynced and
 * renamed over its target, then fsync the folder (and, once, the output folder that gained the
 * tenant folders). Plain synchronous code, one tenant after the other: what a straightforward
 * crash-safe packager does with no compiler in front of it.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";

const [mode, dir, out] = process.argv.slice(2);
if (!mode || !dir || !out) throw new Error("usage: batch-child.mjs savpkg|durable <tenant dir> <out dir>");

const startRssMb = process.memoryUsage().rss / 2 ** 20;
let started = performance.now();
let lastProgress = 0;
const progress = (done, total) => {
  const now = performance.now();
  if (now - lastProgress < 250 && done !== total) return;
  lastProgress = now;
  process.stderr.write(`progress ${done} ${total} ${(now - started).toFixed(0)} ${(process.memoryUsage().rss / 2 ** 20).toFixed(1)}\n`);
};
let ms;
let count;
let code = 0;
let cpu0;

if (mode === "savpkg") {
  // The CLI exactly as bin/savpkg.js runs it (bundle + code cache). A terminal is claimed so that
  // the build reports progress; its text goes nowhere but the summary line is kept for the count.
  const { loadCli } = createRequire(import.meta.url)("../dist/cli-loader.cjs");
  const { cli } = await loadCli("build");
  let tail = "";
  const io = {
    stdout: () => {},
    stderr: (text) => {
      const m = /^\r\[(\d+)\/(\d+)\]/.exec(text);
      if (m) progress(Number(m[1]), Number(m[2]));
      else tail = (tail + text).slice(-4000);
    },
    env: { NO_COLOR: "1" },
    cwd: process.cwd(),
    isTTY: true,
    runtime: { node: process.versions.node, zlib: process.versions.zlib },
  };
  started = performance.now();
  cpu0 = process.cpuUsage();
  code = await cli.main(["build", "--all", dir, "--out", out], io);
  ms = performance.now() - started;
  count = Number(/built (\d+) packages?/.exec(tail)?.[1] ?? NaN);
  if (code !== 0) process.stderr.write(tail);
} else if (mode === "durable") {
  started = performance.now();
  cpu0 = process.cpuUsage();
  mkdirSync(out, { recursive: true });
  const files = readdirSync(dir).filter((n) => /^tenant-.*\.yaml$/.test(n)).sort();
  for (const [i, name] of files.entries()) {
    const text = readFileSync(join(dir, name), "utf8");
    // ~15 KB of JSON derived from the file, so nothing can be hoisted out of the loop.
    const lines = text.split("\n");
    const document = { name, attributes: Array.from({ length: 40 }, (_, k) => ({ k, line: lines[k % lines.length], text: text.slice(0, 300) })) };
    const json = Buffer.from(JSON.stringify(document));
    const folder = join(out, name.replace(/\.yaml$/, ""));
    mkdirSync(folder, { recursive: true });
    writeDurably(join(folder, "INCONTACT.zip"), deflateRawSync(json));
    writeDurably(join(folder, "ConnectionJSON.json"), json.subarray(0, 1600));
    syncFolder(folder);
    progress(i + 1, files.length);
  }
  syncFolder(out);
  ms = performance.now() - started;
  count = files.length;
} else {
  throw new Error(`unknown mode ${mode}`);
}

/** Temp file beside the target, fsync, rename: the target is old or new, never partial. */
function writeDurably(target, bytes) {
  const temp = `${target}.tmp`;
  const fd = openSync(temp, "w", 0o644);
  try {
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
}

function syncFolder(path) {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const cpu = process.cpuUsage(cpu0);
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb, startRssMb, count, code }) + "\n");
