/**
 * The words for an input that cannot be used, the same whatever the command: a missing file is
 * "no such file", a folder given where a file is expected names the folder (and, for tenants, the
 * `--all` that reads one), and a package given where a tenant file is expected says which commands
 * take packages.
 */
import { diag, type Diagnostic } from "./diagnostics.js";

export type InputKind = "tenant" | "package";

/** What names a tenant file (YAML or JSON); anything else a command reads is a package. */
export const TENANT_FILE = /\.(ya?ml|json)$/i;

/** Zip local-file, empty-archive and spanned signatures: `PK\x03\x04`, `PK\x05\x06`, `PK\x07\x08`. */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && [0x03, 0x05, 0x07].includes(bytes[2]!) && bytes[3] === bytes[2]! + 1;
}

export function missingInput(display: string, kind: InputKind): Diagnostic {
  return diag(kind === "tenant" ? "TENANT_NOT_FOUND" : "IO_READ", `no such file: ${display}`, { file: display });
}

export function folderInput(display: string, kind: InputKind): Diagnostic {
  const hint = kind === "tenant" ? ` (savpkg build --all ${display} builds every tenant file in it)` : " (expected a package .zip)";
  return diag("IO_READ", `${display} is a folder, not a ${kind === "tenant" ? "tenant" : "package"} file${hint}`, { file: display });
}

export function packageGivenAsTenant(display: string): Diagnostic {
  return diag("INPUT_IS_PACKAGE", `${display} is a package (zip), not a tenant file; read it with savpkg inspect, lint, diff, unpack or simulate`, { file: display });
}

/** The diagnostic for a failed stat/read of an input; `undefined` error code → the error's text. */
export function inputReadError(error: unknown, display: string, kind: InputKind): Diagnostic {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") return missingInput(display, kind);
  if (code === "EISDIR") return folderInput(display, kind);
  return diag("IO_READ", `cannot read ${display}: ${code ?? String(error)}`, { file: display });
}
