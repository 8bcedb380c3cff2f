/**
 * Issue 10 item 2: a newcomer can follow the README. Every command in its code blocks (```sh
 * blocks, and `$ savpkg …` lines in output examples) runs as written after the two set-up commands
 * at the top, in a copy of the repository:
 *  - the set-up block must be exactly `npm ci && npm run examples` and `npm test`; the test does
 *    their work itself (dist/ is built by `npm test`; the examples are built into the copy);
 *  - every other command runs through bash in the copy, in README order, with `savpkg` as the
 *    repository's bin/savpkg.js, and must exit 0 or 1 (2 is a usage or I/O error: a missing file,
 *    a wrong flag — not runnable as written);
 *  - the "Deploying to a tenant" block needs an EIC: the test starts the fake EIC on 127.0.0.1,
 *    gives the variables the block's `export` line names (EIC, SAVIYNT_*; CXONE_* for deploy), and
 *    runs plan, deploy (answering "yes" at the prompt, as a user at a terminal would) and pull
 *    in-process against it.
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
  deploySection: boolean;
}

function readmeCommands(): { setup: string[]; commands: Command[] } {
  const blocks = codeBlocks(README);
  const setup = blocks[0]!.lines.map((l) => withoutComment(l.text)).filter(Boolean);
  const commands: Command[] = [];
  for (const block of blocks.slice(1)) {
    const deploySection = block.heading === "Deploying to a tenant";
    for (const { text, line } of block.lines) {
      const command = block.lang === "sh" ? withoutComment(text) : text.startsWith("$ ") ? text.slice(2).trim() : "";
      if (command) commands.push({ command, line, deploySection });
    }
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

  test("every command outside the deploy section runs as written (exit 0 or 1)", async () => {
    const commands = readmeCommands().commands.filter((c) => !c.deploySection);
    expect(commands.length).toBeGreaterThan(10);
    for (const { command, line } of commands) {
      expect(command, `README.md:${line}: a command is savpkg`).toMatch(/^savpkg /);
      const run = await bash(command);
      expect(run.code, `README.md:${line}: ${command}\n${run.stderr}`).toBeLessThanOrEqual(1);
      expect(run.stderr, `README.md:${line}`).not.toMatch(/no such file|USAGE|INTERNAL/);
    }
    // What they wrote is where the README says.
    expect(existsSync(join(copy.path, "diff.md"))).toBe(true);
    expect(existsSync(join(copy.path, "incontact", "connection.json"))).toBe(true);
  }, 300_000);

  test("the deploy section runs against a fake EIC", async () => {
    const commands = readmeCommands().commands.filter((c) => c.deploySection);
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
    const codes: Record<string, number> = {};
    for (const { command, line } of commands.filter((c) => !c.command.startsWith("export "))) {
      expect(command, `README.md:${line}`).toMatch(/^savpkg (plan|deploy|pull) /);
      // The lines use no quoting beyond "$VAR": split on spaces, substitute the variables.
      const argv = command.split(/\s+/).slice(1).map((word) => word.replace(/^"?\$(\w+)"?$/, (_m, name: string) => env[name] ?? `$${name}`));
      const run = await runCli(argv, { cwd: copy.path, env, prompt: async () => "yes" });
      codes[argv[0]!] = run.code;
      expect(run.code, `README.md:${line}: ${command}\n${run.stderr}`).toBeLessThanOrEqual(1);
    }
    // plan: 1, a connection to create; deploy creates and verifies it; pull writes it.
    expect(codes).toEqual({ plan: 1, deploy: 0, pull: 0 });
    expect(existsSync(join(copy.path, "live.zip"))).toBe(true);
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
