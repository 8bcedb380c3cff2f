/**
 * Build-time compilation of what savpkg would otherwise compile on every start (issue 7):
 * the JSON Schemas in schemas/ become ajv standalone validators (ajv.js.org/standalone,
 * docs/engineering-notes.md#schema-validation) and the Handlebars templates in templates/ become template
 * specifications for the Handlebars runtime (handlebarsjs.com/api-reference/compilation, precompile).
 *
 * The output is one ES module with the shape of src/generated/precompiled.ts:
 *   export const validators = { "<path in schemas/>": validateFunction, … };
 *   export const templateSpecs = { "<connector>/<name>": spec, … };
 * The compile options are passed in by the caller (scripts/build.mjs takes them from the built
 * schema.ts / render.ts), so run time and build time cannot drift apart.
 *
 * Only trusted repository files are compiled here; file names never reach the generated code
 * except as JSON-encoded keys.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative, sep } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import standaloneModule from "ajv/dist/standalone/index.js";
import Handlebars from "handlebars";

const standaloneCode = standaloneModule.default ?? standaloneModule;

/** Files under `dir` whose names end in `suffix`, as sorted posix paths relative to `dir`. */
function filesUnder(dir, suffix) {
  const out = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(suffix)) out.push(relative(dir, path).split(sep).join("/"));
    }
  };
  walk(dir);
  // Byte order, so the generated module is the same on every machine.
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Standalone validator code for every schema in `schemaDir`, as ES module text.
 * ajv writes `require("…")` for its run-time helpers (ucs2length, ajv-formats' formats); those become
 * imports so the module runs as ESM in dist/ and esbuild can inline them into the CLI bundle.
 */
export function validatorsModuleSource({ schemaDir, ajvOptions, configureAjv }) {
  const ajv = configureAjv(new Ajv2020({ ...ajvOptions, code: { source: true, esm: true } }));
  const names = filesUnder(schemaDir, ".json");
  const exportsByName = {};
  names.forEach((name, i) => {
    const schema = JSON.parse(readFileSync(join(schemaDir, name), "utf8"));
    if (typeof schema.$id !== "string") throw new Error(`schemas/${name} has no $id`);
    ajv.addSchema(schema);
    exportsByName[`v${i}`] = schema.$id;
  });
  let code = standaloneCode(ajv, exportsByName);
  code = code.replace(/^"use strict";/, "");
  // ajv writes `require("<module>").<member>` for its run-time helpers (ucs2length, ajv-formats'
  // formats). They become imports, so the module runs as ESM in dist/ and esbuild can inline them.
  // A named import works under every loader; `default` needs care: Node and esbuild give
  // module.exports as the default import, test loaders may give exports.default, so the default
  // export is normalised and required to be a function (what ajv's run-time helpers are).
  const requireHere = createRequire(import.meta.url);
  const imports = [];
  const normalised = [];
  const locals = new Map();
  code = code.replace(/require\("([^"]+)"\)\.(\w+)/g, (_match, spec, member) => {
    const key = `${spec}#${member}`;
    let local = locals.get(key);
    if (!local) {
      local = `__runtime${locals.size}`;
      locals.set(key, local);
      // Packages without an exports map need the file extension under Node's ESM resolver.
      const from = JSON.stringify(/\.[cm]?js$/.test(spec) ? spec : `${spec}.js`);
      if (member === "default") {
        if (typeof requireHere(spec).default !== "function") throw new Error(`${spec}: default export is not a function`);
        imports.push(`import ${local}Module from ${from};`);
        normalised.push(`const ${local} = typeof ${local}Module === "function" ? ${local}Module : ${local}Module.default;`);
      } else if (spec === "ajv-formats/dist/formats" && member === "fullFormats") {
        imports.push(`import { fullFormats as ${local}Formats } from ${from};`);
        normalised.push(`const ${local}Simple = ${SIMPLE_URI};`, `const ${local} = { ...${local}Formats, uri: (str) => ${local}Simple.test(str) || ${local}Formats.uri(str) };`);
      } else {
        imports.push(`import { ${member} as ${local} } from ${from};`);
      }
    }
    return local;
  });
  if (/\brequire\(/.test(code)) throw new Error("ajv standalone code still calls require() in a form precompile.mjs does not convert");
  const table = names.map((name, i) => `  ${JSON.stringify(name)}: v${i},`).join("\n");
  return `${[...imports, ...normalised].join("\n")}\n${code}\n\nexport const validators = {\n${table}\n};\n`;
}

/**
 * ajv-formats' `uri` check is one large case-insensitive RFC 3986 regex: on first use V8 compiles it
 * twice (interpreter, then native code), ~9 ms of a cold `validate` for the two URLs of a tenant.
 * Every string the short pattern below matches is in that regex's language — scheme "http(s):", "//",
 * a reg-name host of letters, digits, "." and "-" (no userinfo, no port), path segments of unreserved
 * characters, no query or fragment — and contains "/", so the answer is the same without compiling
 * it; anything else still goes to ajv-formats' own check. (test/perf-precompiled.test.ts compares both.)
 */
const SIMPLE_URI = String.raw`/^https?:\/\/[a-z0-9.-]+(?:\/[a-z0-9._~-]*)*$/i`;

/** Template specifications for every templates/<connector>/<name>.hbs, as ES module text. */
export function templatesModuleSource({ templateDir, templateOptions }) {
  const entries = filesUnder(templateDir, ".hbs").map((file) => {
    const key = file.replace(/\.hbs$/, "");
    const source = readFileSync(join(templateDir, file), "utf8");
    // precompile() returns the spec as JavaScript source (an object literal with functions).
    const spec = Handlebars.precompile(source, structuredClone(templateOptions));
    return `  ${JSON.stringify(key)}: ${spec},`;
  });
  return `export const templateSpecs = {\n${entries.join("\n")}\n};\n`;
}

/** The whole generated module (what dist/generated/precompiled.js holds after `npm run build`). */
export function precompiledModuleSource({ root, ajvOptions, configureAjv, templateOptions }) {
  return [
    "// Generated by scripts/precompile.mjs from schemas/ and templates/ (npm run build). Do not edit.",
    validatorsModuleSource({ schemaDir: join(root, "schemas"), ajvOptions, configureAjv }),
    templatesModuleSource({ templateDir: join(root, "templates"), templateOptions }),
  ].join("\n");
}
