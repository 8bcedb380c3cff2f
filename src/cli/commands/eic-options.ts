/** Options shared by the commands that talk to a Saviynt EIC (plan, deploy, pull). */
import type { Argv } from "yargs";
import type { Diagnostic } from "../../core/diagnostics.js";
import { parseSourceDateEpoch } from "../../core/source-date-epoch.js";
import type { EicRunOptions } from "../../deploy/run.js";
import type { CliIO } from "../io.js";

export function withEic<T>(y: Argv<T>) {
  return y
    .option("eic", { type: "string", describe: "EIC URL, https://<tenant>.saviyntcloud.com (overrides eic.url)" })
    .option("timeout", { type: "number", default: 30, describe: "Seconds to wait for each EIC answer" })
    .option("concurrency", { type: "number", default: 4, describe: "Tenants handled at once" });
}

/** The library options of one run; secrets stay in `env` until the library resolves them. */
export function eicRunOptions(
  args: { eic?: string | undefined; timeout: number; concurrency: number; set?: string[]; verbose: boolean },
  io: CliIO,
): { options?: EicRunOptions; diagnostics: Diagnostic[] } {
  const epoch = parseSourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
  if (epoch.diagnostics.length > 0) return { diagnostics: epoch.diagnostics };
  const options: EicRunOptions = {
    cwd: io.cwd,
    env: io.env,
    set: args.set ?? [],
    concurrency: Math.max(1, Math.floor(args.concurrency)),
    client: { timeoutMs: Math.max(1, args.timeout * 1000), ...(args.verbose ? { log: (line: string) => io.stderr(`eic: ${line}\n`) } : {}) },
    ...(args.eic !== undefined ? { eic: args.eic } : {}),
    ...(epoch.seconds !== undefined ? { sourceDateEpoch: epoch.seconds } : {}),
  };
  return { options, diagnostics: [] };
}
