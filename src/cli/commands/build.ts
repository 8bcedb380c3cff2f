import { exitCodeFor } from "../../core/diagnostics.js";
import { parseSourceDateEpoch } from "../../core/source-date-epoch.js";
import { safeLine } from "../../core/text-safety.js";
import { defineCommand, withSet } from "../command.js";

export default defineCommand({
  command: "build [tenants..]",
  describe: "Build INCONTACT.zip packages into dist-packages/<tenant>/",
  builder: (y) =>
    withSet(
      y
        .positional("tenants", { type: "string", array: true, default: [] as string[], describe: "Tenant files" })
        .option("all", { type: "string", describe: "Build every tenant file in DIR (default tenants/, else examples/tenants/)" })
        .option("out", { type: "string", default: "dist-packages", describe: "Output folder" })
        .option("check", { type: "boolean", default: false, describe: "Rebuild in memory and fail if the output folder differs; writes nothing" })
        .option("with-secrets", { type: "boolean", default: false, describe: "Resolve secrets into ConnectionJSON.json (mode 0600)" }),
    )
      .example("$0 build examples/tenants/acme-dev.yaml", "build one package")
      .example("$0 build --all", "build every tenant (bases are skipped)")
      .example("$0 build --all --check", "fail in CI when committed packages are stale"),
  run: async (args, { io, report, fail }) => {
    const epoch = parseSourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
    if (epoch.diagnostics.length > 0) return fail(epoch.diagnostics);
    const { runBuild } = await import("../../build/batch.js");
    const progress = io.isTTY && args.format === "text";
    const started = performance.now();
    const outcome = await runBuild({
      tenants: args.tenants,
      ...(args.all !== undefined ? { all: args.all === "" ? true : args.all } : {}),
      outDir: args.out,
      check: args.check,
      withSecrets: args.withSecrets,
      set: args.set,
      cwd: io.cwd,
      env: io.env,
      runtime: io.runtime,
      ...(io.lockOwner ? { lockOwner: io.lockOwner } : {}),
      ...(epoch.seconds !== undefined ? { sourceDateEpoch: epoch.seconds } : {}),
      ...(progress ? { onProgress: (done: number, total: number, name: string) => io.stderr(`\r[${done}/${total}] ${safeLine(name)}\x1b[K`) } : {}),
    });
    if (progress) io.stderr("\r\x1b[K");
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    await report(outcome.diagnostics, { packages: outcome.packages });
    if (args.format === "text") io.stderr(outcome.summary(seconds) + "\n");
    return exitCodeFor(outcome.diagnostics);
  },
});
