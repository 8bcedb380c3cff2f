/**
 * The second half of `npm run build` (after `tsc`), for issue 7 "fast start":
 *   1. dist/generated/precompiled.js — ajv standalone validators and Handlebars template specs
 *      (scripts/precompile.mjs) replace tsc's empty stand-in, so neither the library in dist/ nor
 *      the CLI compiles a schema or a template at run time.
 *   2. dist/cli.bundle.cjs — the CLI and its run-time dependencies in one script (esbuild), which
 *      bin/savpkg.js runs through dist/cli-loader.cjs. Node reads one file instead of ~300, and
 *      commands stay lazy: esbuild keeps each `await import()`'s modules in an init function that
 *      runs on first use, so `validate` never evaluates the zip writer and no command evaluates
 *      ajv's compiler or Handlebars' compiler (neither is even in the bundle).
 *   3. dist/cli.bundle.cjs[.<command>].v8cache — V8's code caches for that script, made by training
 *      runs (scripts/code-cache.mjs), so a cold start neither parses the bundle nor compiles the
 *      functions the command runs.
 *      They are for the repository's own dist/: the npm package ships none (package.json `files`);
 *      an installed savpkg makes its caches on first use (dist/cli-loader.cjs `saveCodeCache`).
 *   4. dist/index.bundle.js — the library entry with its dependencies inlined (scripts/bundle-library.mjs),
 *      so the package has no run-time `dependencies`.
 * esbuild is a devDependency and runs only here.
 *
 * Every file is written under a temp name and renamed, so a CLI started during a build sees the
 * old or the new file, never half of one; a bundle/cache pair from different builds is detected
 * by the build id and the cache is then ignored.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { bundleLibrary } from "./bundle-library.mjs";
import { precompiledModuleSource } from "./precompile.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");

function writeAtomic(path, contents) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, contents);
  renameSync(temp, path);
}

// 1. Precompile with the options the built modules use at run time.
const { AJV_OPTIONS, configureAjv } = await import(pathToFileURL(join(dist, "core", "schemas.js")).href);
const { TEMPLATE_COMPILE_OPTIONS } = await import(pathToFileURL(join(dist, "tenant", "render.js")).href);
if (!AJV_OPTIONS || !configureAjv || !TEMPLATE_COMPILE_OPTIONS) throw new Error("dist/ is not built from this source; run tsc first");
writeAtomic(
  join(dist, "generated", "precompiled.js"),
  precompiledModuleSource({ root, ajvOptions: AJV_OPTIONS, configureAjv, templateOptions: TEMPLATE_COMPILE_OPTIONS }),
);

// 2. Bundle. A few dependency files are patched in the bundle only (node_modules is untouched); each
// patch fails the build if the text it expects has changed, and test/perf-bundle.test.ts checks that
// the bundle behaves exactly as the sources do.

/**
 * yargs' ESM shim: (1) it finds the program's package.json (for --version) and its locales relative
 * to its own file in node_modules; in the bundle that file is dist/cli.bundle.cjs. (2) It imports
 * node:assert (~5 ms to load) for two checks that pass on every normal run: the real assert is now
 * loaded only to throw its own AssertionError when a check fails (same Object.is comparison).
 */
const yargsShimPaths = patch(/[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/, [
  ["const mainFilename = __dirname.substring(0, __dirname.lastIndexOf('node_modules'));", 'const mainFilename = fileURLToPath(new URL("../", import.meta.url));'],
  ["directory: resolve(__dirname, '../../../locales'),", 'directory: fileURLToPath(new URL("./yargs-locales/", import.meta.url)),'],
  ["import { notStrictEqual, strictEqual } from 'assert'\n", ""],
  [
    "  assert: {\n    notStrictEqual,\n    strictEqual\n  },",
    "  assert: {\n    notStrictEqual: (a, b, m) => { if (Object.is(a, b)) require('node:assert').notStrictEqual(a, b, m) },\n    strictEqual: (a, b, m) => { if (!Object.is(a, b)) require('node:assert').strictEqual(a, b, m) }\n  },",
  ],
]);

/**
 * After running a command's handler, yargs renders that command's full help text and keeps it in
 * case help is shown later (usage.js cacheHelpMessage). savpkg never shows help after a handler
 * ran (its `.fail()` throws, and --help runs no handler), and the rendering — column layout, word
 * wrap, string widths — was ~15% of a cold `validate`. Help text is still rendered when asked for.
 */
const yargsNoHelpCache = patch(/[\\/]yargs[\\/]build[\\/]lib[\\/]usage\.js$/, [
  ["    self.cacheHelpMessage = function () {\n        cachedHelpMessage = this.help();\n    };", "    self.cacheHelpMessage = function () {};"],
]);

/**
 * string-width (yargs' help layout) did expensive work when imported: it built an Intl.Segmenter
 * (loading ICU's break-iterator data, ~20 ms of a ~130 ms `node -e 0`) and created its Unicode
 * property regexes — V8 builds \p{RGI_Emoji} with the `v` flag into a large set, ~40 ms, at parse
 * time or, with the code cache, on first evaluation. Both are now made on first use, after the
 * printable-ASCII shortcut (8.x has it upstream; the 7.x copies under cliui and wrap-ansi get it:
 * such text is one column per character under string-width's own rules). Help for savpkg's own
 * commands is ASCII, so neither is ever made.
 */
const stringWidthLazy = {
  name: "string-width-lazy",
  setup(build) {
    build.onLoad({ filter: /[\\/]string-width[\\/]index\.js$/ }, (args) => {
      let text = readFileSync(args.path, "utf8");
      text = replaceOnce(
        text,
        "const segmenter = new Intl.Segmenter();",
        "let lazySegmenter;\nconst segmenter = { segment: (text) => (lazySegmenter ??= new Intl.Segmenter()).segment(text) };",
        args.path,
      );
      // Top-level `const name = /…\p{…}…/flags;` → `let name;`, assigned by initRegexes().
      const assignments = [];
      text = text.replace(/^const (\w+) = (\/.*\\p\{.*\/[a-z]*);$/gm, (_line, name, literal) => {
        assignments.push(`${name} = ${literal};`);
        return `let ${name};`;
      });
      if (assignments.length === 0) throw new Error(`${args.path} changed (no \\p{…} regex declarations); update the string-width-lazy patch in scripts/build.mjs`);
      text += `\nfunction initRegexes() {\n\tif (initRegexes.done) return;\n\tinitRegexes.done = true;\n\t${assignments.join("\n\t")}\n}\n`;
      const v8FastPath = "\tif (/^[\\u0020-\\u007E]*$/.test(string)) {\n\t\treturn string.length;\n\t}\n";
      const v7 = "export default function stringWidth(string, options = {}) {\n";
      if (text.includes(v8FastPath)) {
        text = replaceOnce(text, v8FastPath, `${v8FastPath}\n\tinitRegexes();\n`, args.path);
      } else {
        text = replaceOnce(
          text,
          v7,
          `${v7}\tif (typeof string === 'string' && /^[\\u0020-\\u007E]*$/.test(string)) {\n\t\treturn string.length;\n\t}\n\n\tinitRegexes();\n`,
          args.path,
        );
      }
      return { contents: text, loader: "js" };
    });
  },
};

/**
 * `await import("node:path")` in the sources would stay a real dynamic import in a CommonJS bundle,
 * and a function that V8 restores from a code cache has lost what Node needs to run one
 * (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING on Node 20). Built-ins are required instead — the same
 * module objects — and the build fails if any real dynamic import is left (see the metafile check).
 */
const builtinDynamicImports = {
  name: "builtin-dynamic-imports",
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => (args.kind === "dynamic-import" ? { path: args.path, namespace: "builtin-require" } : undefined));
    build.onLoad({ filter: /.*/, namespace: "builtin-require" }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: "js" }));
  },
};

function patch(filter, replacements) {
  return {
    name: `patch ${filter.source}`,
    setup(build) {
      build.onLoad({ filter }, (args) => {
        let text = readFileSync(args.path, "utf8");
        for (const [from, to] of replacements) text = replaceOnce(text, from, to, args.path);
        return { contents: text, loader: "js" };
      });
    },
  };
}

function replaceOnce(text, from, to, file) {
  if (text.split(from).length !== 2) throw new Error(`${file} changed (expected exactly one "${from.split("\n")[0]}"); update the patch in scripts/build.mjs`);
  return text.replace(from, () => to);
}

const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: [join(dist, "cli", "main.js")],
  outfile: join(dist, "cli.bundle.cjs"),
  bundle: true,
  write: false,
  // CommonJS so that dist/cli-loader.cjs can compile it with vm.Script and V8's code cache (Node 20
  // has no code cache for ES modules). The modules' import.meta.url becomes the bundle's file URL.
  format: "cjs",
  platform: "node",
  target: "node20",
  define: { "import.meta.url": "__savpkgImportMetaUrl" },
  // "use strict" first: esbuild's own directive below the banner would no longer be a directive.
  banner: { js: '"use strict";var __savpkgImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  // Node 20 has these RegExp features; lowered to `new RegExp(…)`, string-width's \p{RGI_Emoji}
  // pattern was compiled at start-up (~60 ms) instead of on first use.
  supported: { "regexp-set-notation": true, "regexp-unicode-property-escapes": true },
  // SAVPKG_BUNDLE_MINIFY=0 keeps one statement per line, for reading `node --cpu-prof` profiles.
  minifyWhitespace: process.env.SAVPKG_BUNDLE_MINIFY !== "0",
  minifySyntax: process.env.SAVPKG_BUNDLE_MINIFY !== "0",
  // Licence comments go to dist/cli.bundle.cjs.LEGAL.txt: they may hold non-ASCII text, and the
  // loader reads the bundle as one-byte text (decoding 1 MB of UTF-8 cost more than compiling it).
  legalComments: "external",
  charset: "ascii",
  logLevel: "warning",
  plugins: [yargsShimPaths, yargsNoHelpCache, stringWidthLazy, builtinDynamicImports],
  metafile: true,
});
const dynamicImports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.kind === "dynamic-import" && i.external).map((i) => i.path));
if (dynamicImports.length > 0) throw new Error(`the bundle would keep real dynamic imports (${dynamicImports.join(", ")}); see builtinDynamicImports in scripts/build.mjs`);
const bundle = result.outputFiles.find((f) => f.path.endsWith("cli.bundle.cjs"));
if (!bundle) throw new Error("esbuild: no dist/cli.bundle.cjs");
// charset "ascii" escapes every string, regex and name; only comments (kept when not minifying) can be non-ASCII.
let contents = bundle.contents;
if (process.env.SAVPKG_BUNDLE_MINIFY === "0") contents = Buffer.from(Buffer.from(contents).toString("utf8").replace(/[^\x00-\x7f]/g, "?"), "latin1");
// The modules are ES modules, strict mode code: the bundle must start with the directive.
if (!Buffer.from(contents.subarray(0, 13)).equals(Buffer.from('"use strict";'))) throw new Error('dist/cli.bundle.cjs must begin with "use strict";');
const nonAscii = contents.findIndex((byte) => byte > 0x7f);
if (nonAscii >= 0) {
  const at = Buffer.from(contents.subarray(Math.max(0, nonAscii - 60), nonAscii + 20)).toString("utf8");
  throw new Error(`dist/cli.bundle.cjs must be ASCII (dist/cli-loader.cjs reads it as latin1); non-ASCII near: ${JSON.stringify(at)}`);
}
for (const file of result.outputFiles) if (file !== bundle) writeAtomic(file.path, file.contents);
const buildId = createHash("sha256").update(contents).digest("hex").slice(0, 32);
writeAtomic(bundle.path, Buffer.concat([Buffer.from(`/*savpkg-build:${buildId}*/`), contents]));
writeAtomic(join(dist, "cli-loader.cjs"), readFileSync(join(root, "scripts", "cli-loader.cjs")));

// 2b. The library entry of the npm package, dependencies inlined (scripts/bundle-library.mjs).
await bundleLibrary({ root, dist, writeAtomic });

// yargs' message catalogues, where the patched shim looks for them (copied over, never removed first).
const yargsDir = dirname(createRequire(import.meta.url).resolve("yargs/package.json"));
cpSync(join(yargsDir, "locales"), join(dist, "yargs-locales"), { recursive: true });

// 3. The code caches, each made in a clean process (V8 accepts a cache only under the same flags).
const { NODE_OPTIONS: _ignored, ...env } = process.env;
const node = (argv, { quiet = false } = {}) => {
  const run = spawnSync(process.execPath, argv, { cwd: root, env, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`node ${argv.join(" ")} failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  if (run.stderr && !quiet) process.stderr.write(run.stderr);
};
const examples = ["examples/tenants/acme-dev.yaml", "examples/tenants/acme-prod.yaml"];
const packages = mkdtempSync(join(tmpdir(), "savpkg-build-"));
try {
  // Packages for the commands that read them (diff, lint, inspect); without the examples the
  // caches cover start-up only.
  if (examples.every((e) => existsSync(join(root, e)))) node([join(root, "bin", "savpkg.js"), "build", ...examples, "--out", packages], { quiet: true });
  const { CACHED_COMMANDS } = createRequire(import.meta.url)(join(dist, "cli-loader.cjs"));
  for (const which of [...CACHED_COMMANDS, "all"]) node([join(root, "scripts", "code-cache.mjs"), which, packages]);
} finally {
  rmSync(packages, { recursive: true, force: true });
}
