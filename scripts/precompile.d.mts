// Types for scripts/precompile.mjs (imported by test/perf-*.test.ts).
import type { Ajv2020, Options as AjvOptions } from "ajv/dist/2020.js";

export interface ValidatorsModuleOptions {
  schemaDir: string;
  ajvOptions: Readonly<AjvOptions>;
  configureAjv: (ajv: Ajv2020) => Ajv2020;
}
export interface TemplatesModuleOptions {
  templateDir: string;
  templateOptions: Readonly<CompileOptions>;
}
export function validatorsModuleSource(options: ValidatorsModuleOptions): string;
export function templatesModuleSource(options: TemplatesModuleOptions): string;
export function precompiledModuleSource(options: {
  root: string;
  ajvOptions: Readonly<AjvOptions>;
  configureAjv: (ajv: Ajv2020) => Ajv2020;
  templateOptions: Readonly<CompileOptions>;
}): string;
