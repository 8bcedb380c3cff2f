/**
 * One process of the batch measurement (bench/run.mjs, issue 7 (c)). The last line on stdout is
 * JSON: { ms, maxRssMb, startRssMb, count, code } — `ms` is the wall time of the job itself (process
 * start-up is what the cold rows measure), maxRssMb the process's peak resident set. While it runs
 * it prints `progress <done> <total> <ms> <rssMb>` lines on stderr (at most 4 a second), so a run
 * stopped for time can still be reported and extrapolated.
 *
 *   node bench/batch-child.mjs savpkg    <tenant dir> <out dir>   savpkg build --all <dir> --out <out>, in this process
 *   node bench/batch-child.mjs reference <tenant dir> <out dir>   the reference job, node built-ins only
 *
 * The reference job is the floor for "compile one tenant": per tenant file, read it, serialise a
 * ~15 KB document (the size of one INCONTACT.zip), deflate it and write it.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";

const [mode, dir, out] = process.argv.slice(2);
if (!mode || !dir || !out) throw new Error("usage: batch-child.mjs savpkg|reference <tenant dir> <out dir>");

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
  };
  started = performance.now();
  code = await cli.main(["build", "--all", dir, "--out", out], io);
  ms = performance.now() - started;
  count = Number(/built (\d+) packages?/.exec(tail)?.[1] ?? NaN);
  if (code !== 0) process.stderr.write(tail);
} else if (mode === "reference") {
  started = performance.now();
  mkdirSync(out, { recursive: true });
  const files = readdirSync(dir).filter((n) => /^tenant-.*\.yaml$/.test(n)).sort();
  for (const [i, name] of files.entries()) {
    const text = readFileSync(join(dir, name), "utf8");
    // ~15 KB of JSON derived from the file, so nothing can be hoisted out of the loop.
    const lines = text.split("\n");
    const document = { name, attributes: Array.from({ length: 40 }, (_, k) => ({ k, line: lines[k % lines.length], text: text.slice(0, 300) })) };
    writeFileSync(join(out, `${name}.deflate`), deflateRawSync(Buffer.from(JSON.stringify(document))));
    progress(i + 1, files.length);
  }
  ms = performance.now() - started;
  count = files.length;
} else {
  throw new Error(`unknown mode ${mode}`);
}

const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ ms, maxRssMb, startRssMb, count, code }) + "\n");
