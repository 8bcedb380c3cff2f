/**
 * Issue 10 item 7: `--help` reads well in an 80-column terminal. For the top level and every
 * command, run through the CLI with a CliIO that reports 80 columns: no line is wider than 80,
 * every example is one line (command and explanation side by side), and every positional has a
 * description.
 */
import { describe, expect, test } from "vitest";
import { COMMANDS } from "../src/cli/commands/index.js";
import { runCli } from "./helpers/cli.js";
import { repoRoot } from "./helpers/spawn.js";

const names = COMMANDS.map((c) => c.command.split(" ")[0]!);

/** The lines of one section ("Examples:", "Positionals:") up to the next blank line. */
function section(help: string, title: string): string[] {
  const lines = help.split("\n");
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && l.trim() === "");
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

describe("--help at 80 columns", () => {
  test.each([["(top level)"], ...names.map((n) => [n])])("%s", async (name) => {
    const argv = name === "(top level)" ? ["--help"] : [name, "--help"];
    const run = await runCli(argv, { cwd: repoRoot, columns: 80 });
    expect(run.code, run.stderr).toBe(0);
    const help = run.stdout;
    expect(help).toContain("savpkg");
    for (const line of help.split("\n")) expect(line.length, line).toBeLessThanOrEqual(80);
    if (name === "(top level)") return;

    const examples = section(help, "Examples:");
    expect(examples.length, `${name} shows at least one example`).toBeGreaterThan(0);
    for (const line of examples) {
      // One line each: the command, at least two spaces, what it does.
      expect(line, `${name}: an example wrapped onto a second line`).toMatch(new RegExp(`^  savpkg ${name}\\b.*\\S {2,}\\S`));
    }

    const positionals = (COMMANDS.find((c) => c.command.split(" ")[0] === name)!.command.match(/[<[]([\w-]+)(?:\.\.)?[\]>]/g) ?? []).map((p) => p.replace(/[<>[\].]/g, ""));
    const described = section(help, "Positionals:");
    for (const positional of positionals) {
      const line = described.find((l) => l.trimStart().startsWith(positional + " "));
      expect(line, `${name}: positional ${positional} is listed`).toBeDefined();
      // name, then a description before the [type] column
      expect(line!.trim(), `${name}: positional ${positional} is described`).toMatch(new RegExp(`^${positional} +[A-Z(]\\S*`));
    }
  });
});
