/**
 * Issue 10 item 2: a newcomer can follow the README. Every command in its code blocks (```sh
 * blocks, and `$ savpkg …` lines in output examples) runs as written after the two set-up commands
 * at the top, in a copy of the repository:
 *  - the set-up block must be exactly `npm ci && npm run examples` and `npm test`; the test does
 *    their work itself (dist/ is built by `npm test`; the examples are built into the copy);
 *  - every other command runs through bash in the copy, in README order, with `savpkg` as the
 *    repository's bin/savpkg.js. A command of a ```sh block must exit 0 or 1 (2 is a usage or I/O
 *    error: a missing file, a wrong flag — not runnable as written); a `$ savpkg …` line of an
 *    output example must print the first line the README shows under it (up to a "…"), whatever
 *    its exit code (some examples show a refusal);
 *  - commands that talk to an EIC (`--eic "$EIC"`: plan, deploy, pull, adopt --connection) need one:
 *    the test starts the fake EIC on 127.0.0.1 with acme-dev's connection already deployed (what a
 *    live tenant has), gives the variables the deploy block's `export` line names (EIC, SAVIYNT_*;
 *    CXONE_* for deploy), and runs them in-process against it, after the others, in README order
 *    (deploy answering "yes" at the prompt, as a user at a terminal would).
 * And every link is a public URL or a file of the repository (with its heading, for an anchor).
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startFakeEic, type FakeEic } from "../src/eic-fake/index.js";
import { runCli } from "./helpers/cli.js";
import { binPath, childEnv, repoRoot, runProgram, tempDir } from "./helpers/spawn.js";

const README = readFileSync(join(repoRoot, "README.md"), "utf8");

interface Block {
  lang: string;
  /** The heading (any level) the block is under. */
  heading: string;
  lines: { text: string; line: number }[];
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  let heading = "";
  let open: Block | undefined;
  markdown.split("\n").forEach((text, i) => {
    const fence = /^```(\w*)\s*$/.exec(text);
    if (fence && !open) open = { lang: fence[1]!, heading, lines: [] };
    else if (fence && open) {
      blocks.push(open);
      open = undefined;
    } else if (open) open.lines.push({ text, line: i + 1 });
    else if (/^#{1,6} /.test(text)) heading = text.replace(/^#+ /, "");
  });
  return blocks;
}

/** A shell line without its trailing `# comment` (the README's commands quote no `#`). */
const withoutComment = (line: string) => line.replace(/\s+#\s.*$/, "").trim();

interface Command {
  command: string;
  line: number;
  /** Under "Deploying to a tenant" (where the EIC variables are exported). */
  deploySection: boolean;
  /** Talks to an EIC: run against the fake. */
  eic: boolean;
  /** For a `$ ` line of an output example: the first line shown under it, up to any "…". */
  shows?: string;
}

function readmeCommands(): { setup: string[]; commands: Command[] } {
  const blocks = codeBlocks(README);
  const setup = blocks[0]!.lines.map((l) => withoutComment(l.text)).filter(Boolean);
  const commands: Command[] = [];
  for (const block of blocks.slice(1)) {
    const deploySection = block.heading === "Deploying to a tenant";
    // A sh line ending in a backslash continues on the next.
    const lines: Block["lines"] = [];
    for (const l of block.lines) {
      const last = lines[lines.length - 1];
      if (block.lang === "sh" && last?.text.endsWith("\\")) last.text = `${last.text.slice(0, -1)} ${l.text.trim()}`;
      else lines.push({ ...l });
    }
    lines.forEach(({ text, line }, i) => {
      const command = block.lang === "sh" ? withoutComment(text) : text.startsWith("$ ") ? text.slice(2).trim() : "";
      if (!command) return;
      const next = lines[i + 1]?.text;
      const shows = block.lang !== "sh" && next !== undefined && !next.startsWith("$ ") ? next.split("…")[0]!.trim() : undefined;
      commands.push({ command, line, deploySection, eic: command.includes('"$EIC"') || command.startsWith("export "), ...(shows ? { shows } : {}) });
    });
  }
  return { setup, commands };
}

let copy: ReturnType<typeof tempDir>;
let fake: FakeEic;

/** The repository as a clone has it: no node_modules, dist, build output or test scratch. */
function copyRepository(to: string): void {
  const skip = new Set(["node_modules", "dist", ".git", ".vitest-tmp", "dist-packages"]);
  for (const entry of readdirSync(repoRoot)) {
    if (skip.has(entry)) continue;
    cpSync(join(repoRoot, entry), join(to, entry), { recursive: true, filter: (src) => !src.startsWith(join(repoRoot, "bench", "results")) });
  }
  mkdirSync(join(to, "dist-packages"));
}

const bash = (command: string) =>
  runProgram("bash", ["-c", `set -o pipefail\nsavpkg() { "${process.execPath}" "${binPath}" "$@"; }\n${command}`], { cwd: copy.path, env: childEnv(), timeoutMs: 120_000 });

beforeAll(async () => {
  copy = tempDir("readme");
  copyRepository(copy.path);
  // `npm run examples` = the build (done by `npm test`) + this:
  const examples = await bash("savpkg build --all examples/tenants");
  expect(examples.code, examples.stderr).toBe(0);
  fake = await startFakeEic();
}, 120_000);
afterAll(async () => {
  await fake?.stop();
  copy?.remove();
});

describe("README commands", () => {
  test("the set-up is the two commands the README starts with", () => {
    expect(readmeCommands().setup).toEqual(["npm ci && npm run examples", "npm test"]);
    const scripts = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.examples).toBe("npm run build && node bin/savpkg.js build --all examples/tenants");
  });

  test("every command that needs no EIC runs as written (exit 0 or 1)", async () => {
    const commands = readmeCommands().commands.filter((c) => !c.eic);
    expect(commands.length).toBeGreaterThan(10);
    for (const { command, line, shows } of commands) {
      expect(command, `README.md:${line}: a command is savpkg`).toMatch(/^savpkg /);
      const run = await bash(command);
      expect(run.stderr, `README.md:${line}`).not.toMatch(/no such file|USAGE|INTERNAL/);
      if (shows !== undefined) expect(run.stdout + run.stderr, `README.md:${line}: ${command}`).toContain(shows);
      else expect(run.code, `README.md:${line}: ${command}\n${run.stderr}`).toBeLessThanOrEqual(1);
    }
    // What they wrote is where the README says.
    expect(existsSync(join(copy.path, "diff.md"))).toBe(true);
    expect(existsSync(join(copy.path, "adopted", "packages", "InContact_PROD", "INCONTACT.zip"))).toBe(true);
    expect(existsSync(join(copy.path, "incontact", "connection.json"))).toBe(true);
  }, 300_000);

  test("the commands that talk to an EIC run against a fake one", async () => {
    const all = readmeCommands().commands;
    // Every line of the deploy block talks to an EIC, and the variables are exported there.
    expect(all.filter((c) => c.deploySection && !c.eic)).toEqual([]);
    const commands = all.filter((c) => c.eic);
    const exported = commands.filter((c) => c.command.startsWith("export ")).flatMap((c) => [...c.command.matchAll(/(\w+)=/g)].map((m) => m[1]!));
    expect(exported).toEqual(["EIC", "SAVIYNT_USERNAME", "SAVIYNT_PASSWORD"]);
    const env: Record<string, string> = {
      EIC: fake.url,
      SAVIYNT_USERNAME: fake.credentials.username,
      SAVIYNT_PASSWORD: fake.credentials.password,
      CXONE_CLIENT_ID: "readme-id",
      CXONE_CLIENT_SECRET: "readme-secret",
      CXONE_ACCESS_KEY_ID: "readme-key-id",
      CXONE_ACCESS_KEY_SECRET: "readme-key-secret",
    };
    // What a live tenant already has: acme-dev's connection.
    const seeded = await runCli(["deploy", "examples/tenants/acme-dev.yaml", "--eic", fake.url, "--yes"], { cwd: copy.path, env });
    expect(seeded.code, seeded.stderr).toBe(0);
    const codes: Record<string, number> = {};
    for (const { command, line } of commands.filter((c) => !c.command.startsWith("export "))) {
      expect(command, `README.md:${line}`).toMatch(/^savpkg (plan|deploy|pull|adopt) /);
      // The lines use no quoting beyond "$VAR": split on spaces, substitute the variables.
      const argv = command.split(/\s+/).slice(1).map((word) => word.replace(/^"?\$(\w+)"?$/, (_m, name: string) => env[name] ?? `$${name}`));
      const run = await runCli(argv, { cwd: copy.path, env, prompt: async () => "yes" });
      codes[argv[0]!] = run.code;
      expect(run.code, `README.md:${line}: ${command}\n${run.stderr}`).toBeLessThanOrEqual(1);
    }
    // plan: 1, a connection to create; deploy creates and verifies it; pull and adopt write files.
    expect(codes).toEqual({ adopt: 0, plan: 1, deploy: 0, pull: 0 });
    expect(existsSync(join(copy.path, "live.zip"))).toBe(true);
    expect(existsSync(join(copy.path, "adopted", "live.yaml"))).toBe(true);
  }, 120_000);
});

/** GitHub's heading anchors (lower case, punctuation dropped, spaces to hyphens) and explicit `<a id>`s. */
function anchors(markdown: string): Set<string> {
  const explicit = [...markdown.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!);
  return new Set([
    ...explicit,
    ...markdown
      .split("\n")
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) =>
        l
          .replace(/^#+ /, "")
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, "")
          .replace(/ /g, "-"),
      ),
  ]);
}

describe("README links", () => {
  test("every link is a public URL or a repository file (and its heading)", () => {
    const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    for (const link of links) {
      if (/^https:\/\//.test(link)) continue;
      expect(link, "no plain http, no other scheme").not.toMatch(/^[a-z]+:/);
      const [path, anchor] = link.split("#") as [string, string | undefined];
      const target = path === "" ? join(repoRoot, "README.md") : join(repoRoot, path);
      expect(existsSync(target), `${link}: no such file in the repository`).toBe(true);
      if (anchor !== undefined) expect(anchors(readFileSync(target, "utf8")).has(anchor), `${link}: no such heading`).toBe(true);
    }
  });
});
