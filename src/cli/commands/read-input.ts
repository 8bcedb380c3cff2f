import type { Diagnostic } from "../../core/diagnostics.js";
import { parseSourceDateEpoch } from "../../core/source-date-epoch.js";
import type { ReadResult } from "../../package/model.js";
import type { CommandContext } from "../command.js";

/** A command argument read as a package: a zip, or a tenant file compiled in memory. */
export async function readInput(arg: string, set: readonly string[], { io }: CommandContext): Promise<ReadResult & { diagnostics: Diagnostic[] }> {
  const epoch = parseSourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
  if (epoch.diagnostics.length > 0) return { diagnostics: epoch.diagnostics, fatal: true };
  const { readPackageInput } = await import("../../build/package-input.js");
  return readPackageInput(arg, { cwd: io.cwd, set, ...(epoch.seconds !== undefined ? { sourceDateEpoch: epoch.seconds } : {}) });
}
