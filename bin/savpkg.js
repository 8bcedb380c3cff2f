#!/usr/bin/env node
// Thin launcher (CommonJS: see bin/package.json). Runs the bundled CLI that `npm run build` writes
// (tsc, then scripts/build.mjs) through dist/cli-loader.cjs, which uses V8's code cache, so a cold
// start stays close to `node -e 0` (issue 7).
"use strict";
const argv = process.argv.slice(2);
require("../dist/cli-loader.cjs")
  .loadCli(argv[0])
  .then(({ cli }) => cli.main(argv))
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
