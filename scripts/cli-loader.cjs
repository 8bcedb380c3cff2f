/**
 * Loads the bundled CLI (dist/cli.bundle.cjs) with V8's code cache (issue 7: fast start).
 * `npm run build` copies this file to dist/cli-loader.cjs; bin/savpkg.js and the build-time
 * training run (scripts/code-cache.mjs) both load the CLI through it, so the script V8 compiles at
 * run time is exactly the one the caches were made from. CommonJS, like bin/ (bin/package.json):
 * an ES module entry point costs ~10% of `node -e 0` more to start.
 *
 * Why: a cold `savpkg validate` spent more time compiling JavaScript (parsing ~1 MB of bundle, then
 * compiling each function on first call) than running it. A cache holds the bytecode of every
 * function a run of that command used at build time; Node 20 has no module compile cache of its own
 * (module.enableCompileCache arrived in Node 22.1). If a cache is missing, from another build, or
 * rejected by this Node/V8, V8 simply compiles the source: slower, never different.
 *
 * V8 matches a cache to its script by the source's length only, so each cache names the build it
 * belongs to (the bundle's first bytes). dist/ is build output: change the sources and rebuild; a
 * hand edit of dist/cli.bundle.cjs that kept its length and build id would run the cached bytecode.
 */
"use strict";
const { readFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { join } = require("node:path");
const vm = require("node:vm");

const BUNDLE_FILE = join(__dirname, "cli.bundle.cjs");

/** The first bytes of the bundle name its build: `/*savpkg-build:<hex>*\/`. */
const BUILD_ID = /^\/\*savpkg-build:([0-9a-f]{16,64})\*\//;

/** Commands with a cache of their own (smaller to load than one for every command). */
const CACHED_COMMANDS = ["validate", "build", "diff", "render", "lint", "inspect"];

/** Cache file for a command ("" = the one trained on every command). */
function cacheFile(command) {
  return `${BUNDLE_FILE}${command ? `.${command}` : ""}.v8cache`;
}

/** A cache file is this header followed by V8's cached data for that exact bundle. */
function cacheHeader(buildId) {
  return Buffer.from(`savpkg-v8cache:${buildId}\n`, "latin1");
}

function readCache(buildId, command) {
  const header = cacheHeader(buildId);
  for (const file of command && CACHED_COMMANDS.includes(command) ? [cacheFile(command), cacheFile("")] : [cacheFile("")]) {
    try {
      const raw = readFileSync(file);
      if (raw.length > header.length && raw.subarray(0, header.length).equals(header)) return raw.subarray(header.length);
    } catch {
      // Not there: try the next, else compile from source.
    }
  }
  return undefined;
}

/**
 * Compiles and runs the bundle as Node's CommonJS loader would, with the cache for `command` (the
 * first argument) when it belongs to this bundle. Resolves to the CLI module's exports and the
 * script (to make a cache from). Falls back to the unbundled tsc output when there is no bundle.
 */
async function loadCli(command) {
  tuneCompiler(command);
  let source;
  try {
    // ASCII by construction (scripts/build.mjs checks it), so latin1 is exact — and far cheaper than UTF-8 decoding.
    source = readFileSync(BUNDLE_FILE, "latin1");
  } catch (error) {
    if (!error || error.code !== "ENOENT") throw error;
    return { cli: await import("./cli.js"), script: undefined, buildId: undefined, cacheRejected: undefined };
  }
  const buildId = BUILD_ID.exec(source)?.[1];
  // V8 checks a cache only against the source's length and its own version and flags: hence the build id.
  const cachedData = buildId ? readCache(buildId, command) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE_FILE,
    ...(cachedData ? { cachedData } : {}),
    // No importModuleDynamically: the bundle has no dynamic import() (scripts/build.mjs checks it).
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE_FILE), module, BUNDLE_FILE, __dirname);
  return { cli: module.exports, script, buildId, cacheRejected: cachedData ? script.cachedDataRejected === true : undefined };
}

/**
 * A cold command runs for tens of milliseconds; at V8's default tier-up budget TurboFan already
 * compiles its hottest functions on a background thread: for `validate`, ~20% of the CPU savpkg
 * adds to `node -e 0`, for code that is about to exit (issue 15, measured with callgrind). A larger
 * budget delays optimisation until a function has really run a lot. Not for `build`: its CRC-32
 * and zip loops gain from early optimisation, and a batch build needs it. Set here, in the one
 * loader of the bundle, so the build-time training run of each command's cache runs with the same
 * flags (V8 rejects a cache made under others; a build falling back to the shared cache compiles
 * from source). Only on the V8 this was measured on; elsewhere V8's defaults stand.
 */
function tuneCompiler(command) {
  if (command === "build" || !/^11\./.test(process.versions.v8) || tuneCompiler.done) return;
  tuneCompiler.done = true;
  require("node:v8").setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}
const INTERRUPT_BUDGET = 16 * 132 * 1024;

module.exports = { loadCli, cacheFile, cacheHeader, CACHED_COMMANDS, BUNDLE_FILE };
