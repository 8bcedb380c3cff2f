/**
 * The library entry of the npm package (issue 10, "small package"): dist/index.js — tsc's output,
 * with the precompiled validators and templates — and everything it imports, its run-time
 * dependencies included, as one ES module, dist/index.bundle.js. With the CLI bundle
 * (dist/cli.bundle.cjs) beside it, the package needs no `dependencies` at all: an install adds one
 * folder, not the ~80 packages of archiver, yargs, ajv, handlebars, yaml and yauzl.
 *
 * Why a second bundle instead of the dependencies: the package then installs nothing, and no
 * version of a dependency that the tests did not run can end up under the library. Types stay
 * tsc's declarations (dist/**\/*.d.ts, without `@internal` ones: `stripInternal`), which name no
 * dependency, so a TypeScript user needs only @types/node.
 *
 * Lazy parts stay lazy (esbuild keeps each `await import()` of a module in an init function), and
 * Node built-ins stay imports. CommonJS dependencies call `require` for built-ins: the banner gives
 * the module a real `require`.
 */
import { builtinModules } from "node:module";
import { join } from "node:path";
import * as esbuild from "esbuild";

export async function bundleLibrary({ root, dist, writeAtomic }) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [join(dist, "index.js")],
    outfile: join(dist, "index.bundle.js"),
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    banner: { js: 'import { createRequire as __savpkgCreateRequire } from "node:module";\nconst require = __savpkgCreateRequire(import.meta.url);' },
    // The same trade as the CLI bundle: no whitespace, names kept (stack traces stay readable).
    minifyWhitespace: process.env.SAVPKG_BUNDLE_MINIFY !== "0",
    minifySyntax: process.env.SAVPKG_BUNDLE_MINIFY !== "0",
    legalComments: "external",
    logLevel: "warning",
    metafile: true,
  });
  // Only Node built-ins may stay outside: anything else would need a dependency at run time.
  const external = Object.values(result.metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external && !i.path.startsWith("node:") && !builtinModules.includes(i.path)).map((i) => i.path));
  if (external.length > 0) throw new Error(`dist/index.bundle.js would import ${[...new Set(external)].join(", ")} at run time; bundle it or make it a node: import`);
  for (const file of result.outputFiles) writeAtomic(file.path, file.contents);
}
