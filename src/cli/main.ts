/**
 * The command layer: parses arguments (yargs), calls the library, prints, and maps results to exit
 * codes — 0 ok, 1 problems found in the input, 2 usage or I/O error. It is the only module that
 * touches `process`; everything it needs from the process arrives through `CliIO`.
 * Command modules are imported lazily so each command loads only what it needs.
 */
import yargs from "yargs";
import { exitCodeFor, type Diagnostic } from "../core/diagnostics.js";

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** stdout/stderr are terminals (progress and colour only then). */
  isTTY: boolean;
}

export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stderr.isTTY),
  };
}

type Format = "text" | "json" | "markdown";

interface GlobalArgs {
  format: Format;
  verbose: boolean;
  color?: boolean;
}


class UsageError extends Error {}

export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = 0;
  const useColor = (args: GlobalArgs) => args.color ?? (io.isTTY && !io.env.NO_COLOR && io.env.TERM !== "dumb");

  /** Prints diagnostics in the chosen format (text on stderr, JSON on stdout). */
  const report = async (args: GlobalArgs, diagnostics: readonly Diagnostic[], extra: Record<string, unknown> = {}) => {
    const format = await import("../core/format.js");
    if (args.format === "json") io.stdout(format.formatDiagnosticsJson(diagnostics, extra));
    else if (diagnostics.length > 0) io.stderr(format.formatDiagnosticsText(diagnostics, { color: useColor(args) }));
  };

  /** A zip or a tenant file compiled in memory, read with the hardened reader. */
  const readInput = async (arg: string, args: any) => {
    const { readPackageInput } = await import("../build/package-input.js");
    const sourceDateEpoch = parseSourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
    return readPackageInput(arg, { cwd: io.cwd, set: args.set ?? [], ...(sourceDateEpoch !== undefined ? { sourceDateEpoch } : {}) });
  };
  /** A refused or unreadable package is exit 2; an invalid tenant behind it keeps its own exit code. */
  const failRead = async (args: GlobalArgs, diagnostics: readonly Diagnostic[]) => {
    await report(args, diagnostics);
    return Math.max(exitCodeFor(diagnostics), diagnostics.some((d) => d.code.startsWith("ZIP_") || d.code.startsWith("PKG_")) ? 2 : 1);
  };

  const run = (handler: (args: any) => Promise<number>) => async (args: any) => {
    exitCode = await handler(args);
  };

  const parser = yargs(argv as string[])
    .scriptName("savpkg")
    .usage("$0 <command> [options]\n\nCompile, lint, diff and simulate Saviynt EIC connection packages for NICE CXone.")
    .option("format", { choices: ["text", "json", "markdown"], default: "text", describe: "Output format (json is stable and documented; markdown: diff only)" })
    .option("verbose", { type: "boolean", default: false, describe: "Show stack traces of internal errors" })
    .option("color", { type: "boolean", describe: "Force colour on or off (default: on a TTY unless NO_COLOR)" })
    .command(
      "init [file]",
      "Write a commented starter tenant file",
      (y: any) =>
        y
          .positional("file", { type: "string", describe: "Where to write it (default: <name>.yaml)" })
          .option("name", { type: "string", default: "my-tenant", describe: "Connection/tenant name" })
          .option("force", { type: "boolean", default: false, describe: "Overwrite an existing file" })
          .example("$0 init tenants/acme-test.yaml --name InContact_TEST", "start a new tenant file"),
      run(async (args) => {
        const { initTenantFile } = await import("../tenant/init.js");
        const { emitFiles } = await import("../build/emit.js");
        const file = args.file ?? `${args.name}.yaml`;
        const planned = initTenantFile({ cwd: io.cwd, file, name: args.name, force: args.force });
        const diagnostics = planned.diagnostics.length > 0 ? planned.diagnostics : emitFiles(planned.files);
        await report(args, diagnostics);
        if (diagnostics.length === 0 && args.format === "text") io.stderr(`wrote ${file}\n`);
        return diagnostics.length > 0 ? 2 : 0;
      }),
    )
    .command(
      "validate <tenants..>",
      "Load, validate, render and lint tenant files; writes nothing",
      (y: any) =>
        withSet(y.positional("tenants", { type: "string", array: true })).example("$0 validate examples/tenants/acme-prod.yaml", "check one tenant"),
      run(async (args) => {
        const { compileTenant } = await import("../build/compile.js");
        const diagnostics: Diagnostic[] = [];
        for (const file of args.tenants as string[]) {
          const result = await compileTenant(file, { cwd: io.cwd, set: args.set ?? [], noPack: true });
          diagnostics.push(...result.diagnostics);
        }
        await report(args, diagnostics);
        if (args.format === "text" && exitCodeFor(diagnostics) === 0) io.stderr(`${(args.tenants as string[]).length} tenant file(s) valid\n`);
        return exitCodeFor(diagnostics);
      }),
    )
    .command(
      "render <tenant>",
      "Print (or write) the rendered attribute documents as pretty JSON",
      (y: any) =>
        withSet(
          y
            .positional("tenant", { type: "string" })
            .option("attr", { type: "string", describe: "Only this attribute (e.g. CreateAccountJSON)" })
            .option("out", { type: "string", describe: "Write one <Attribute>.json per document into this folder" }),
        ).example("$0 render examples/tenants/acme-dev.yaml --attr CreateAccountJSON", "show the create call"),
      run(async (args) => {
        const { compileTenant } = await import("../build/compile.js");
        const { RENDERED_ATTRIBUTES } = await import("../saviynt/t2p.js");
        const result = await compileTenant(args.tenant, { cwd: io.cwd, set: args.set ?? [], noPack: true });
        const code = exitCodeFor(result.diagnostics);
        if (!result.attributes || code !== 0) {
          await report(args, result.diagnostics);
          return code || 1;
        }
        const attributes = result.attributes as Record<string, unknown>;
        if (args.attr !== undefined && !(RENDERED_ATTRIBUTES as readonly string[]).includes(args.attr)) {
          throw new UsageError(`--attr ${args.attr}: expected one of ${RENDERED_ATTRIBUTES.join(", ")}`);
        }
        const names = args.attr ? [args.attr as string] : [...RENDERED_ATTRIBUTES];
        if (args.out) {
          const { emitFiles } = await import("../build/emit.js");
          const { join, resolve } = await import("node:path");
          const files = names.map((n) => ({ path: join(resolve(io.cwd, args.out), `${n}.json`), bytes: Buffer.from(JSON.stringify(attributes[n], null, 2) + "\n") }));
          const problems = emitFiles(files);
          await report(args, [...result.diagnostics, ...problems]);
          return problems.length > 0 ? 2 : 0;
        }
        if (result.diagnostics.length > 0 && args.format === "text") await report(args, result.diagnostics);
        const value = args.attr ? attributes[args.attr] : Object.fromEntries(names.map((n) => [n, attributes[n]]));
        io.stdout(JSON.stringify(value, null, 2) + "\n");
        return 0;
      }),
    )
    .command(
      "build [tenants..]",
      "Build INCONTACT.zip packages into dist-packages/<tenant>/",
      (y: any) =>
        withSet(
          y
            .positional("tenants", { type: "string", array: true, describe: "Tenant files" })
            .option("all", { type: "string", describe: "Build every tenant file in DIR (default tenants/, else examples/tenants/)" })
            .option("out", { type: "string", default: "dist-packages", describe: "Output folder" })
            .option("check", { type: "boolean", default: false, describe: "Rebuild in memory and fail if the output folder differs; writes nothing" })
            .option("with-secrets", { type: "boolean", default: false, describe: "Resolve secrets into ConnectionJSON.json (mode 0600)" }),
        )
          .example("$0 build examples/tenants/acme-dev.yaml", "build one package")
          .example("$0 build --all", "build every tenant (bases are skipped)")
          .example("$0 build --all --check", "fail in CI when committed packages are stale"),
      run(async (args) => {
        const { runBuild } = await import("../build/batch.js");
        const sourceDateEpoch = parseSourceDateEpoch(io.env.SOURCE_DATE_EPOCH);
        const started = performance.now();
        const outcome = await runBuild({
          tenants: args.tenants ?? [],
          ...(args.all !== undefined ? { all: args.all === "" ? true : args.all } : {}),
          outDir: args.out,
          check: args.check,
          withSecrets: args.withSecrets,
          set: args.set ?? [],
          cwd: io.cwd,
          env: io.env,
          runtime: { node: process.versions.node, zlib: process.versions.zlib ?? "unknown" },
          ...(sourceDateEpoch !== undefined ? { sourceDateEpoch } : {}),
          ...(io.isTTY && args.format === "text" ? { onProgress: (done: number, total: number, name: string) => io.stderr(`\r[${done}/${total}] ${name}\x1b[K`) } : {}),
        });
        if (io.isTTY && args.format === "text") io.stderr("\r\x1b[K");
        const seconds = ((performance.now() - started) / 1000).toFixed(2);
        await report(args, outcome.diagnostics, { packages: outcome.packages });
        if (args.format === "text") io.stderr(outcome.summary(seconds) + "\n");
        return exitCodeFor(outcome.diagnostics);
      }),
    )
    .command(
      "inspect <package>",
      "Show a package's connection, origin and attributes (any T2P export, or a tenant file)",
      (y: any) => y.positional("package", { type: "string" }).example("$0 inspect INCONTACT.zip", "what is in an export"),
      run(async (args) => {
        const read = await readInput(args.package, args);
        if (!read.model) return failRead(args, read.diagnostics);
        const { inspectPackage, formatInspectJson, formatInspectText } = await import("../package/inspect.js");
        const inspected = inspectPackage(read.model, read.diagnostics);
        io.stdout(args.format === "json" ? formatInspectJson(inspected) : formatInspectText(inspected, { color: useColor(args) }));
        return exitCodeFor(read.diagnostics);
      }),
    )
    .command(
      "unpack <package> <dir>",
      "Write a package's attributes as pretty JSON files into an empty folder",
      (y: any) =>
        y
          .positional("package", { type: "string" })
          .positional("dir", { type: "string" })
          .option("force", { type: "boolean", default: false, describe: "Write into a non-empty folder (replaces same-named files, deletes nothing)" })
          .option("with-secrets", { type: "boolean", default: false, describe: "Also write ConnectionJSON credentials (mode 0600)" })
          .example("$0 unpack INCONTACT.zip ./incontact", "one file per attribute"),
      run(async (args) => {
        const read = await readInput(args.package, args);
        if (!read.model) return failRead(args, read.diagnostics);
        const { planUnpack, writeUnpack } = await import("../package/unpack.js");
        const plan = planUnpack(read.model, { withSecrets: args.withSecrets });
        const problems = await writeUnpack(args.dir, plan, { force: args.force, cwd: io.cwd });
        await report(args, [...read.diagnostics, ...problems]);
        if (problems.length > 0) return 2;
        if (args.format !== "json") io.stderr(`wrote ${plan.length} files to ${args.dir}\n`);
        return exitCodeFor(read.diagnostics);
      }),
    )
    .command(
      "lint <package>",
      "Run the lint rules on a package zip or a tenant file",
      (y: any) => withSet(y.positional("package", { type: "string" })).example("$0 lint ../exports/INCONTACT.zip", "find the known defect classes"),
      run(async (args) => {
        const { TENANT_FILE } = await import("../build/package-input.js");
        let diagnostics: Diagnostic[];
        if (TENANT_FILE.test(args.package)) {
          const { compileTenant } = await import("../build/compile.js");
          diagnostics = (await compileTenant(args.package, { cwd: io.cwd, set: args.set ?? [], noPack: true })).diagnostics;
        } else {
          const read = await readInput(args.package, args);
          if (!read.model) return failRead(args, read.diagnostics);
          const { lintPackage } = await import("../package/lint.js");
          diagnostics = lintPackage(read.model, read.diagnostics);
        }
        await report(args, diagnostics);
        const code = exitCodeFor(diagnostics);
        if (args.format === "text") io.stderr(lintSummary(args.package, diagnostics) + "\n");
        return code;
      }),
    )
    .command(
      "diff <a> <b>",
      "Semantic diff of two packages or tenant files (0 same, 1 different, 2 error)",
      (y: any) =>
        withSet(
          y
            .positional("a", { type: "string" })
            .positional("b", { type: "string" })
            .option("strict", { type: "boolean", default: false, describe: "Also compare GUID, stamps, layout and formatting" }),
        )
          .example("$0 diff examples/tenants/acme-dev.yaml examples/tenants/acme-prod.yaml", "dev vs prod")
          .example("$0 diff exported.zip dist-packages/acme-prod/INCONTACT.zip --format markdown", "for a pull-request comment"),
      run(async (args) => {
        const [a, b] = [await readInput(args.a, args), await readInput(args.b, args)];
        if (!a.model || !b.model) return failRead(args, [...a.diagnostics, ...b.diagnostics]);
        const { diffPackages } = await import("../package/diff.js");
        const { formatDiffJson, formatDiffMarkdown, formatDiffText } = await import("../package/diff-format.js");
        const result = diffPackages(a.model, b.model, { strict: args.strict });
        io.stdout(args.format === "json" ? formatDiffJson(result) : args.format === "markdown" ? formatDiffMarkdown(result) : formatDiffText(result, { color: useColor(args) }));
        if (args.verbose) await report({ ...args, format: "text" }, [...a.diagnostics, ...b.diagnostics]);
        return result.same ? 0 : 1;
      }),
    )
    .command(
      "simulate <input>",
      "Run a tenant's or package's import and provisioning calls against a local CXone simulator",
      (y: any) =>
        withSet(
          y
            .positional("input", { type: "string", describe: "Tenant file (.yaml) or package (.zip)" })
            .option("seed", { type: "string", describe: "Simulator seed JSON (default: the Acme business unit, 25 agents)" })
            .option("base-url-from", { type: "string", describe: "For a zip: tenant whose cxone.apiBaseUrl resolves relative URLs and whose ConnectionJSON is used" })
            .option("page-size", { type: "string", default: "10", describe: "Import page size and simulator list cap, or 'tenant' to keep the tenant's" })
            .option("knobs", { type: "string", describe: "JSON file of simulator knobs (faults, strictness, ...)" }),
        )
          .example("$0 simulate examples/tenants/acme-dev.yaml", "run every operation of a tenant against the simulator")
          .example("$0 simulate INCONTACT.zip --base-url-from examples/tenants/acme-dev.yaml --format json", "check a package"),
      run(async (args) => {
        const { simulate, formatSimulationJson, formatSimulationText, simulationExitCode } = await import("../simulate/index.js");
        const raw = String(args.pageSize);
        const pageSize = raw === "tenant" ? null : /^\d+$/.test(raw) ? Number(raw) : undefined;
        if (pageSize === undefined) throw new UsageError(`--page-size ${raw}: expected a number or "tenant"`);
        let knobs: Record<string, unknown> | undefined;
        if (args.knobs !== undefined) {
          const { resolve } = await import("node:path");
          const { loadKnobs } = await import("../simulator/index.js");
          const loaded = loadKnobs(resolve(io.cwd, args.knobs), args.knobs);
          if (!loaded.knobs) {
            await report(args, loaded.diagnostics);
            return 2;
          }
          knobs = loaded.knobs as Record<string, unknown>;
        }
        const result = await simulate(args.input, {
          cwd: io.cwd,
          set: args.set ?? [],
          pageSize,
          ...(args.seed !== undefined ? { seed: args.seed } : {}),
          ...(args.baseUrlFrom !== undefined ? { baseUrlFrom: args.baseUrlFrom } : {}),
          ...(knobs ? { knobs } : {}),
        });
        io.stdout(args.format === "json" ? formatSimulationJson(result) : formatSimulationText(result, { color: useColor(args), verbose: args.verbose }));
        return simulationExitCode(result);
      }),
    )
    .command(
      "schema",
      "Print the tenant JSON Schema (for editors and CI)",
      (y: any) => y.example("$0 schema > tenant.schema.json", "save the schema"),
      run(async () => {
        const { tenantSchemaText } = await import("../core/schemas.js");
        io.stdout(tenantSchemaText());
        return 0;
      }),
    )
    .demandCommand(1, "Give a command; see savpkg --help")
    .strict()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message: string | undefined, error: Error | undefined) => {
      throw error ?? new UsageError(message ?? "invalid command line");
    })
    .help()
    .alias("h", "help")
    .version();

  // For errors yargs raises before a handler runs: the output format as the user asked for it.
  const formatIndex = argv.findIndex((a) => a === "--format" || a.startsWith("--format="));
  const askedFormat = formatIndex < 0 ? undefined : argv[formatIndex]!.includes("=") ? argv[formatIndex]!.split("=")[1] : argv[formatIndex + 1];
  const globals: GlobalArgs = { format: askedFormat === "json" ? "json" : "text", verbose: argv.includes("--verbose") };
  try {
    // With a callback yargs hands --help/--version text back instead of printing it itself.
    let output = "";
    await parser.parseAsync(argv as string[], {}, (_error: unknown, _argv: unknown, text: string) => {
      output = text ?? "";
    });
    if (output) io.stdout(output.endsWith("\n") ? output : output + "\n");
    return exitCode;
  } catch (error) {
    if (error instanceof UsageError || (error as Error).name === "YError") {
      await report(globals, [{ code: "USAGE", severity: "error", message: (error as Error).message }]);
      return 2;
    }
    const message = globals.verbose ? ((error as Error).stack ?? String(error)) : `${(error as Error).message} (run with --verbose for details; please report this)`;
    await report(globals, [{ code: "INTERNAL", severity: "error", message }]);
    return 2;
  }
}

function lintSummary(target: string, diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  return errors + warnings === 0 ? `${target}: no problems found` : `${target}: ${errors} error(s), ${warnings} warning(s)`;
}

function withSet(y: any): any {
  return y.option("set", { type: "string", array: true, describe: "Override a value: --set import.pageSize=50 (typed by the schema)" });
}

/** SOURCE_DATE_EPOCH: integer seconds, 1980-01-01 ≤ t ≤ 2043-12-31 (what the zip writer stores as DOS time; engineering.md C1.2). */
export function parseSourceDateEpoch(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 315532800 || Number(raw) > 2335219199) {
    throw new UsageError(`SOURCE_DATE_EPOCH=${raw}: expected whole seconds since 1970 between 315532800 (1980-01-01) and 2335219199 (2043-12-31)`);
  }
  return Number(raw);
}
