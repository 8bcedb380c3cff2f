/**
 * A command argument that names a package: a zip read with the hardened reader, or a tenant file
 * compiled in memory and read back the same way — so inspect, lint and diff see one model.
 */
import { resolve } from "node:path";
import { diag, exitCodeFor } from "../core/diagnostics.js";
import { folderInput, missingInput, TENANT_FILE } from "../core/input.js";
import { readPackage, type ReadResult } from "../package/read.js";
import { LIMITS } from "../core/limits.js";
import { readRegularFile } from "../core/read-file.js";

export interface PackageInputOptions {
  cwd: string;
  set?: readonly string[];
  sourceDateEpoch?: number;
}


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

/** A zip from disk: a regular file, refused before it is read when no package could be that large; named `arg` in diagnostics. */
export async function readZipInput(arg: string, options: Pick<PackageInputOptions, "cwd">): Promise<ReadResult> {
  const read = readRegularFile(resolve(options.cwd, arg), { maxBytes: LIMITS.packageFileBytes.value, display: arg });
  if (!read.ok) {
    const problem = read.reason === "missing" ? missingInput(arg, "package") : read.folder ? folderInput(arg, "package") : diag(read.reason === "too-large" ? LIMITS.packageFileBytes.code : "IO_READ", read.message, { file: arg });
    return { diagnostics: [problem], fatal: true };
  }
  return unreadable(await readPackage(read.bytes, { source: arg }), arg);
}

/** A zip that yields no model ends with one exit-2 diagnostic, so the exit policy needs no special case. */
function unreadable(result: ReadResult, arg: string): ReadResult {
  if (!result.fatal || exitCodeFor(result.diagnostics) === 2) return result;
  return { ...result, diagnostics: [...result.diagnostics, diag("PKG_UNREADABLE", `${arg} cannot be read as a connection package`, { file: arg })] };
}
