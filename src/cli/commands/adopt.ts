import { diag, exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand } from "../command.js";
import { eicRunOptions, withEic } from "./eic-options.js";
import { readInput } from "./read-input.js";

export default defineCommand({
  command: "adopt [packages..]",
  describe: "Turn connection packages (or live EIC connections) into tenant files that rebuild them (several: a shared base and one overlay each)",
  builder: (y) =>
    withEic(
      y
        .positional("packages", { type: "string", array: true, default: [] as string[], describe: "T2P package zips (exports)" })
        .option("connection", { type: "string", array: true, default: [] as string[], describe: "A live connection to adopt, read from --eic (repeatable)" })
        .option("out", { type: "string", demandOption: true, describe: "Tenant file to write (one package) or folder (base + overlays)" })
        .option("base-url", { type: "string", describe: "Resolves relative call URLs (the official package has them)" })
        .option("connector", { choices: ["incontact", "rest"] as const, describe: "Mapping to use (default: incontact when the package is a CXone connection, else rest)" })
        .option("force", { type: "boolean", default: false, describe: "Overwrite existing files" }),
    )
      .example("$0 adopt INCONTACT.zip --out tenants/incontact.yaml --base-url https://api-na1.niceincontact.com/inContactAPI/services/v34.0", "the official package")
      .example("$0 adopt dev.zip test.zip prod.zip --out tenants/", "a base and one overlay per connection")
      .example("$0 adopt --connection InContact_PROD --eic https://acme.saviyntcloud.com --out tenants/prod.yaml", "a live connection"),
  run: async (args, context) => {
    const { io, report, fail } = context;
    if (args.packages.length === 0 && args.connection.length === 0) return fail([diag("USAGE", "adopt needs package zips or --connection NAME (with --eic)")]);
    const { runAdopt } = await import("../../adopt/index.js");
    const { emitFiles } = await import("../../build/emit.js");
    const { relative } = await import("node:path");
    const inputs = [];
    for (const arg of args.packages) inputs.push({ arg, read: await readInput(arg, [], context) });
    if (args.connection.length > 0) {
      // A live connection is read as `pull` reads it, then adopted like an export.
      const run = eicRunOptions({ ...args, set: [] }, io);
      if (!run.options) return fail(run.diagnostics);
      const { pullConnection } = await import("../../deploy/run.js");
      const { readPackage } = await import("../../package/read.js");
      for (const connection of args.connection) {
        const arg = `${args.eic ?? "eic"}#${connection}`;
        const pulled = await pullConnection({ connection }, run.options);
        inputs.push({ arg, read: pulled.zip ? await readPackage(pulled.zip, { source: arg }) : { diagnostics: pulled.diagnostics, fatal: true } });
      }
    }
    const outcome = await runAdopt({
      inputs,
      out: args.out,
      cwd: io.cwd,
      force: args.force,
      ...(args.baseUrl !== undefined ? { baseUrl: args.baseUrl } : {}),
      ...(args.connector !== undefined ? { connector: args.connector } : {}),
    });
    const problems = emitFiles(outcome.files);
    const diagnostics = [...outcome.diagnostics, ...problems];
    if (problems.length > 0 || outcome.files.length === 0) return fail(diagnostics);
    const written = outcome.files.map((f) => relative(io.cwd, f.path) || f.path);
    await report(diagnostics, { written });
    if (args.format === "text") io.stderr(`wrote ${written.join(", ")}\n`);
    // Files written with values left to fill exit 1 (ADOPT_FILL).
    return exitCodeFor(diagnostics);
  },
});
