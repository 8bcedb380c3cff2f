/**
 * Ahead-of-time compiled schema validators and Handlebars templates (docs/engineering-notes.md#schema-validation
 * "Standalone code", issue 7). This committed module is the empty stand-in: when savpkg runs from its
 * TypeScript sources (vitest), schema.ts and render.ts see `undefined` and compile at run time.
 * `npm run build` (scripts/build.mjs) overwrites its compiled output, dist/generated/precompiled.js,
 * with code generated from schemas/ and templates/ by scripts/precompile.mjs, and the CLI bundle
 * inlines that generated module — so an installed savpkg never compiles a schema or a template.
 */
import type { ValidateFunction } from "ajv/dist/2020.js";

/** Validator per file in schemas/, keyed by its path there ("tenant.schema.json", "saviynt/…"). */
export const validators: Readonly<Record<string, ValidateFunction>> | undefined = undefined;

/** Handlebars template specification (handlebars declares the type globally) per template, keyed "<connector>/<name>" (templates/<connector>/<name>.hbs). */
export const templateSpecs: Readonly<Record<string, TemplateSpecification>> | undefined = undefined;
