/**
 * Build-time training run for the CLI's V8 code caches (see scripts/cli-loader.cjs).
 *
 *   node scripts/code-cache.mjs <command> <packages dir>   one command: dist/cli.bundle.cjs.<command>.v8cache
 *   node scripts/code-cache.mjs all <packages dir>         every other start: dist/cli.bundle.cjs.v8cache
 * <packages dir> holds acme-dev/INCONTACT.zip and acme-prod/INCONTACT.zip (built by scripts/build.mjs)
 * for the commands that read packages.
 *
 * scripts/build.mjs runs it once per cache, each in a fresh `node` without NODE_OPTIONS (V8 refuses a
 * cache made under other flags). It loads the bundle through dist/cli-loader.cjs, runs the command(s)
 * on the example tenants with output discarded — the functions a cold run of that command compiles —
 * and writes their bytecode.
 */
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const { loadCli, cacheFile, cacheHeader } = createRequire(import.meta.url)(join(root, "dist", "cli-loader.cjs"));
const which = process.argv[2] ?? "all";
const packagesDir = process.argv[3];

const { cli, script, buildId } = await loadCli(which === "all" ? undefined : which);
if (!script || !buildId) throw new Error("dist/cli.bundle.cjs is missing or has no build id; run scripts/build.mjs");

const out = mkdtempSync(join(tmpdir(), "savpkg-code-cache-"));
try {
  const dev = "examples/tenants/acme-dev.yaml";
  const prod = "examples/tenants/acme-prod.yaml";
  const zips = packagesDir ? [join(packagesDir, "acme-dev", "INCONTACT.zip"), join(packagesDir, "acme-prod", "INCONTACT.zip")] : [];
  if (existsSync(join(root, dev)) && zips.length > 0 && zips.every((z) => existsSync(z))) {
    const runs = {
      validate: [["validate", dev]],
      build: [["build", dev, "--out", join(out, "build")]],
      diff: [["diff", ...zips]],
      render: [["render", dev]],
      lint: [["lint", zips[0]]],
      inspect: [["inspect", zips[0]]],
    };
    const io = { stdout: () => {}, stderr: () => {}, env: {}, cwd: root, isTTY: false };
    const selected = which === "all" ? Object.values(runs).flat() : runs[which];
    if (!selected) throw new Error(`no training run for "${which}"`);
    for (const argv of selected) {
      const code = await cli.main(argv, io);
      // diff exits 1 when the packages differ; above that the run did not do its work.
      if (code > 1) process.stderr.write(`code cache (${which}): savpkg ${argv.join(" ")} exited ${code}; the cache covers less\n`);
    }
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

const target = cacheFile(which === "all" ? "" : which);
const temp = `${target}.tmp-${process.pid}`;
writeFileSync(temp, Buffer.concat([cacheHeader(buildId), script.createCachedData()]));
renameSync(temp, target);
