#!/usr/bin/env node
// Thin launcher (CommonJS: see bin/package.json). Runs the bundled CLI that `npm run build` writes
// (tsc, then scripts/build.mjs) through dist/cli-loader.cjs, which uses V8's code cache, so a cold
// start stays close to `node -e 0` (issue 7); the caches are made on first use (cli-loader.cjs).
"use strict";
const argv = process.argv.slice(2);
const loader = require("../dist/cli-loader.cjs");
loader
  .loadCli(argv[0])
  // A first run (no code cache for this build and Node yet) leaves one for the next (silently, if it can).
  .then((loaded) => loaded.cli.main(argv).then((code) => (loader.saveCodeCache(loaded, code), code)))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      // The CLI reports its own errors; this is a broken or missing build (run `npm run build`).
      process.stderr.write(`savpkg: cannot start: ${error && error.stack ? error.stack : String(error)}\n`);
      process.exitCode = 2;
    },
  );
