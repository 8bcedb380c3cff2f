import { exitCodeFor } from "../../core/diagnostics.js";
import { defineCommand } from "../command.js";
import { readInput } from "./read-input.js";

export default defineCommand({
  command: "adopt <packages..>",
  describe: "Turn connection packages into tenant files that rebuild them (several: a shared base and one overlay each)",
  builder: (y) =>
    y
      .positional("packages", { type: "string", array: true, demandOption: true, describe: "T2P package zips (exports)" })
      .option("out", { type: "string", demandOption: true, describe: "Tenant file to write (one package) or folder (base + overlays)" })
      .option("base-url", { type: "string", describe: "Resolves relative call URLs (the official package has them)" })
      .option("connector", { choices: ["incontact", "rest"] as const, describe: "Mapping to use (default: incontact when the package is a CXone connection, else rest)" })
      .option("force", { type: "boolean", default: false, describe: "Overwrite existing files" })
      .example("$0 adopt INCONTACT.zip --out tenants/incontact.yaml --base-url https://api-na1.niceincontact.com/inContactAPI/services/v34.0", "the official package")
      .example("$0 adopt dev.zip test.zip prod.zip --out tenants/", "a base and one overlay per connection"),
  run: async (args, context) => {
    const { io, report, fail } = context;
    const { runAdopt } = await import("../../adopt/index.js");
    const { emitFiles } = await import("../../build/emit.js");
    const { relative } = await import("node:path");
    const inputs = [];
    for (const arg of args.packages) inputs.push({ arg, read: await readInput(arg, [], context) });
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
