/**
 * A command argument that names a package: a zip read with the hardened reader, or a tenant file
 * compiled in memory and read back the same way — so inspect, lint and diff see one model.
 */
import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { diag, exitCodeFor } from "../core/diagnostics.js";
import { folderInput, inputReadError } from "../core/input.js";
import { readPackage, ZIP_LIMITS, type ReadResult } from "../package/read.js";

export interface PackageInputOptions {
  cwd: string;
  set?: readonly string[];
  sourceDateEpoch?: number;
}

export const TENANT_FILE = /\.(ya?ml|json)$/i;

export async function readPackageInput(arg: string, options: PackageInputOptions): Promise<ReadResult> {
  if (TENANT_FILE.test(arg)) {
    // The compiler (YAML, ajv validators, Handlebars, archiver) loads only for a tenant argument:
    // diff and inspect of zips never pay for it (issue 15).
    const { compileTenant } = await import("./compile.js");
    const compiled = await compileTenant(arg, {
      cwd: options.cwd,
      set: options.set ?? [],
      ...(options.sourceDateEpoch !== undefined ? { sourceDateEpoch: options.sourceDateEpoch } : {}),
    });
    if (!compiled.package) return { diagnostics: compiled.diagnostics, fatal: true };
    return readPackage(compiled.package.zip, { source: arg });
  }
  return readZipInput(arg, options);
}

/** A zip from disk (size-capped before it is read), named `arg` in diagnostics. */
export async function readZipInput(arg: string, options: Pick<PackageInputOptions, "cwd">): Promise<ReadResult> {
  const path = resolve(options.cwd, arg);
  const cannotRead = (error: unknown): ReadResult => ({ diagnostics: [inputReadError(error, arg, "package")], fatal: true });
  let size: number;
  try {
    const stats = await stat(path);
    if (stats.isDirectory()) return { diagnostics: [folderInput(arg, "package")], fatal: true };
    size = stats.size;
  } catch (error) {
    return cannotRead(error);
  }
  // Bounded memory: refuse before reading a file no package could be.
  if (size > ZIP_LIMITS.maxInputBytes) {
    return { diagnostics: [diag("ZIP_LIMIT", `${arg} is ${size} bytes, more than the ${ZIP_LIMITS.maxInputBytes}-byte limit`, { file: arg })], fatal: true };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    return cannotRead(error);
  }
  return unreadable(await readPackage(bytes, { source: arg }), arg);
}

/** A zip that yields no model ends with one exit-2 diagnostic, so the exit policy needs no special case. */
function unreadable(result: ReadResult, arg: string): ReadResult {
  if (!result.fatal || exitCodeFor(result.diagnostics) === 2) return result;
  return { ...result, diagnostics: [...result.diagnostics, diag("PKG_UNREADABLE", `${arg} cannot be read as a connection package`, { file: arg })] };
}
