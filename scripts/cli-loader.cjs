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
 * belongs to (the bundle's first bytes) and the Node that made it. dist/ is build output: change
 * the sources and rebuild; a hand edit of dist/cli.bundle.cjs that kept its length and build id
 * would run the cached bytecode.
 *
 * Caches are made on first use (issue 10: the npm package ships none — they are valid for one Node
 * build only and were 7 MB): when a run found no cache of its own for this bundle and Node, or V8
 * rejected it, bin/savpkg.js calls `saveCodeCache` after the command, which writes the bytecode of
 * that run atomically next to the bundle, or, when that folder is not writable, into the user's
 * cache folder ($XDG_CACHE_HOME/savpkg, else ~/.cache/savpkg; %LOCALAPPDATA%\savpkg on Windows).
 * Never into the shared temp folder: bytecode planted there by another user would run as yours.
 * Any failure is silent (the next run compiles from source again). SAVPKG_CODE_CACHE=0 turns caches
 * off (neither read nor written). `npm run build` still trains caches for the repository's own dist/.
 */
"use strict";
const { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } = require("node:fs");
const { createRequire } = require("node:module");
const { homedir } = require("node:os");
const { basename, dirname, join } = require("node:path");
const vm = require("node:vm");

const BUNDLE_FILE = join(__dirname, "cli.bundle.cjs");

/** The first bytes of the bundle name its build: `/*savpkg-build:<hex>*\/`. */
const BUILD_ID = /^\/\*savpkg-build:([0-9a-f]{16,64})\*\//;

/** Commands with a cache of their own (smaller to load than one for every command). */
const CACHED_COMMANDS = ["validate", "build", "diff", "render", "lint", "inspect"];

/** Cache file for a command ("" = the one trained on every command), next to the bundle. */
function cacheFile(command) {
  return `${BUNDLE_FILE}${command ? `.${command}` : ""}.v8cache`;
}

/** The same cache in the user's cache folder (one folder per build), or undefined without a home. */
function userCacheFile(buildId, command) {
  let base;
  try {
    base = process.platform === "win32" ? process.env.LOCALAPPDATA : process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  } catch {
    return undefined;
  }
  return base ? join(base, "savpkg", buildId, basename(cacheFile(command))) : undefined;
}

/** A cache file is this header followed by V8's cached data for that exact bundle, made by this Node. */
function cacheHeader(buildId) {
  return Buffer.from(`savpkg-v8cache:${buildId}:${process.versions.v8}-${process.arch}\n`, "latin1");
}

const cachesOff = () => process.env.SAVPKG_CODE_CACHE === "0";

/** The cache for `command`: its own file, else the one for every command; next to the bundle first. */
function readCache(buildId, command) {
  if (cachesOff()) return undefined;
  const header = cacheHeader(buildId);
  const names = command && CACHED_COMMANDS.includes(command) ? [command, ""] : [""];
  for (const name of names) {
    for (const file of [cacheFile(name), userCacheFile(buildId, name)]) {
      if (!file) continue;
      try {
        const raw = readFileSync(file);
        if (raw.length > header.length && raw.subarray(0, header.length).equals(header)) return { data: raw.subarray(header.length), own: name === cacheName(command) };
      } catch {
        // Not there: try the next, else compile from source.
      }
    }
  }
  return undefined;
}

/** The file name a run of `command` writes its first-run cache under. */
function cacheName(command) {
  return command && CACHED_COMMANDS.includes(command) ? command : "";
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
    return { cli: await import("./cli/main.js"), script: undefined, buildId: undefined, cacheRejected: undefined, cacheNeeded: false, command };
  }
  const buildId = BUILD_ID.exec(source)?.[1];
  // V8 checks a cache only against the source's length and its own version and flags: hence the build id.
  const cached = buildId ? readCache(buildId, command) : undefined;
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: BUNDLE_FILE,
    ...(cached ? { cachedData: cached.data } : {}),
    // No importModuleDynamically: the bundle has no dynamic import() (scripts/build.mjs checks it).
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE_FILE), module, BUNDLE_FILE, __dirname);
  const cacheRejected = cached ? script.cachedDataRejected === true : undefined;
  return { cli: module.exports, script, buildId, cacheRejected, cacheNeeded: Boolean(buildId) && (!cached || !cached.own || cacheRejected === true), command };
}

/**
 * After a run that had no accepted cache of its own (`cacheNeeded`): writes the bytecode V8 compiled
 * during the run, next to the bundle, else in the user's cache folder. Only after a command did its
 * work (exit 0 or 1), so `--help` or a typo does not become the cache. Never throws.
 * Returns the file written, or undefined.
 */
function saveCodeCache(loaded, exitCode) {
  if (!loaded || !loaded.cacheNeeded || !loaded.script || cachesOff() || (exitCode !== 0 && exitCode !== 1)) return undefined;
  if (loaded.command === undefined || loaded.command.startsWith("-")) return undefined;
  let bytes;
  try {
    bytes = Buffer.concat([cacheHeader(loaded.buildId), loaded.script.createCachedData()]);
  } catch {
    return undefined;
  }
  const name = cacheName(loaded.command);
  for (const target of [cacheFile(name), userCacheFile(loaded.buildId, name)]) {
    if (target && writeAtomic(target, bytes, target !== cacheFile(name))) return target;
  }
  return undefined;
}

/** Temp file beside the target, then rename: a reader sees the old cache or the new one, never half. */
function writeAtomic(target, bytes, isPrivate) {
  const temp = `${target}.tmp-${process.pid}-${Math.random().toString(16).slice(2)}`;
  let fd;
  try {
    if (isPrivate) mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    fd = openSync(temp, "wx", isPrivate ? 0o600 : 0o644);
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
    return true;
  } catch {
    try {
      if (fd !== undefined) closeSync(fd);
      unlinkSync(temp);
    } catch {
      // Nothing was created, or it is gone already.
    }
    return false;
  }
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

module.exports = { loadCli, saveCodeCache, cacheFile, userCacheFile, cacheHeader, CACHED_COMMANDS, BUNDLE_FILE };
