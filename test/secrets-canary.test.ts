/**
 * Secret canary (issue 3 acceptance): unique canary values sit in the environment variables and the
 * secret file the example tenants refer to, and every command runs on a fresh copy of the examples.
 * The canaries — raw, and in the encodings a leak would take (base64 of one value or of the Basic
 * `id:secret` pair) — must appear nowhere in stdout, stderr or any file the command writes, zip
 * entries included. The one exception is `build --with-secrets`: there they appear only in
 * ConnectionJSON.json, and that file has mode 0600.
 *
 * New commands (inspect, lint, diff, simulate, ...) are one entry in COMMANDS; a test fails when
 * the CLI has a command this list does not cover. Commands that talk to Saviynt EIC (plan, deploy,
 * pull) run against a fresh fake EIC whose API password is a canary too.
 */
import { COMMANDS as CLI_COMMANDS } from "../src/cli/commands/index.js";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { startFakeEic, type FakeEicKnobs } from "../src/eic-fake/index.js";
import { RENDERED_ATTRIBUTES } from "../src/saviynt/t2p.js";
import { runCli } from "./helpers/cli.js";
import { readZipEntries } from "./helpers/zip-entries.js";

/** The EIC API user's password (the user name is not a secret: errors name it). */
const EIC_USER = "canary-deployer";
const EIC_PASSWORD = "CANARY-7f3a91c2-eic-password";
const WRONG_EIC_PASSWORD = "CANARY-7f3a91c2-wrong-eic-password";
/** Stands for the fake EIC's URL in a case's argv. */
const EIC = "@EIC@";

const CXONE_CANARIES = {
  CXONE_CLIENT_ID: "CANARY-7f3a91c2-client-id",
  CXONE_CLIENT_SECRET: "CANARY-7f3a91c2-client-secret",
  CXONE_ACCESS_KEY_ID: "CANARY-7f3a91c2-access-key-id",
  CXONE_ACCESS_KEY_SECRET: "CANARY-7f3a91c2-access-key-secret",
};
const CANARIES = { ...CXONE_CANARIES, SAVIYNT_USERNAME: EIC_USER, SAVIYNT_PASSWORD: EIC_PASSWORD };

/** The canaries without one variable (a secret that is not set). */
function withoutEnv(name: keyof typeof CANARIES): Record<string, string> {
  const { [name]: _removed, ...rest } = CANARIES;
  return rest;
}

/** A fourth tenant reads its refresh token from a file, so `{file: …}` references are covered too. */
const FILE_CANARY = "CANARY-7f3a91c2-refresh-token-from-file";

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
/** Each needle and a name saying which secret and which encoding leaked. */
const NEEDLES: [string, string][] = [
  ...Object.entries(CXONE_CANARIES).flatMap(([name, value]): [string, string][] => [
    [value, name],
    [b64(value), `base64(${name})`],
  ]),
  [FILE_CANARY, "refresh token file"],
  [b64(FILE_CANARY), "base64(refresh token file)"],
  [b64(`${CANARIES.CXONE_CLIENT_ID}:${CANARIES.CXONE_CLIENT_SECRET}`), "Basic client_id:client_secret"],
  ...[EIC_PASSWORD, WRONG_EIC_PASSWORD].flatMap((value): [string, string][] => [
    [value, "EIC password"],
    [b64(value), "base64(EIC password)"],
    [b64(`${EIC_USER}:${value}`), "Basic EIC user:password"],
  ]),
];

function leaksIn(text: string): string[] {
  return NEEDLES.filter(([needle]) => text.includes(needle)).map(([, name]) => name);
}

const examples = join(import.meta.dirname, "..", "examples", "tenants");
const temp = mkdtempSync(join(tmpdir(), "savpkg-canary-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

/** A fresh workspace: the examples under tenants/, plus a refresh-token tenant with a secret file. */
let workspaces = 0;
function workspace(): string {
  const dir = join(temp, `w${workspaces++}`);
  mkdirSync(join(dir, "tenants"), { recursive: true });
  cpSync(examples, join(dir, "tenants"), { recursive: true });
  mkdirSync(join(dir, "tenants", "secrets"));
  writeFileSync(join(dir, "tenants", "secrets", "refresh-token.txt"), FILE_CANARY + "\n", { mode: 0o600 });
  writeFileSync(
    join(dir, "tenants", "acme-refresh.yaml"),
    [
      "extends: ./acme-base.yaml",
      "connection: { name: InContact_REFRESH }",
      "cxone:",
      "  auth:",
      "    grant: refresh_token",
      "    clientAuth: body",
      "    refreshToken: { file: secrets/refresh-token.txt }",
      "",
    ].join("\n"),
  );
  for (const path of listFiles(dir)) INPUTS.add(path);
  return dir;
}

/** The files a workspace starts with: inputs, not outputs of the command. */
const INPUTS = new Set<string>();

function listFiles(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? listFiles(path, root) : [relative(root, path)];
  });
}

interface Written {
  path: string;
  text: string;
  mode: number;
}

/** Every file the command wrote, zip entries unpacked as `<zip>!<entry>`. */
async function writtenFiles(dir: string): Promise<Written[]> {
  const out: Written[] = [];
  for (const path of listFiles(dir).filter((p) => !INPUTS.has(p))) {
    const bytes = readFileSync(join(dir, path));
    const mode = statSync(join(dir, path)).mode & 0o777;
    out.push({ path, text: bytes.toString("latin1"), mode });
    if (path.endsWith(".zip")) {
      for (const entry of await readZipEntries(bytes)) out.push({ path: `${path}!${entry.name}`, text: entry.bytes.toString("latin1"), mode });
    }
  }
  return out;
}

interface CommandCase {
  /** The CLI command this case exercises (checked against the CLI's command list). */
  command: string;
  /** Commands run first in the same workspace (e.g. a build whose zip is read); their output is checked too. */
  before?: string[][];
  /** Exit codes the `before` commands may end with (default 0; plan says 1 for "changes"). */
  beforeExit?: number[];
  /** Knobs of the fake EIC the case runs against (when its argv names EIC). */
  knobs?: Partial<FakeEicKnobs>;
  argv: string[];
  /** Environment: the canaries unless a case removes some. */
  env?: Record<string, string>;
  /** Expected exit code (a failing command must not leak either). */
  exitCode?: number;
  /** Files the command must have written (so a case that silently does nothing fails). */
  writes?: RegExp[];
}

const ALL = ["build", "--all", "tenants"];
const DEV_PROD = ["tenants/acme-dev.yaml", "tenants/acme-prod.yaml"];
const DEPLOY = ["deploy", ...DEV_PROD, "--eic", EIC, "--yes"];
const COMMANDS: CommandCase[] = [
  { command: "validate", argv: ["validate", "tenants/acme-dev.yaml", "tenants/acme-prod.yaml", "tenants/acme-refresh.yaml"] },
  { command: "validate", argv: ["validate", "tenants/acme-prod.yaml", "--format", "json"] },
  { command: "validate", argv: ["validate", "tenants/acme-base.yaml"], exitCode: 1 },
  // A secret typed on the command line by mistake is refused without being echoed.
  { command: "validate", argv: ["validate", "tenants/acme-dev.yaml", "--set", `cxone.auth.clientSecret=${CANARIES.CXONE_CLIENT_SECRET}`], exitCode: 1 },
  { command: "validate", argv: ["validate", "tenants/acme-dev.yaml", "--set", `cxone.auth.clientSecret:${CANARIES.CXONE_CLIENT_SECRET}`], exitCode: 2 },
  { command: "render", argv: ["render", "tenants/acme-prod.yaml"] },
  { command: "render", argv: ["render", "tenants/acme-refresh.yaml", "--format", "json"] },
  ...RENDERED_ATTRIBUTES.map((attr): CommandCase => ({ command: "render", argv: ["render", "tenants/acme-dev.yaml", "--attr", attr] })),
  { command: "render", argv: ["render", "tenants/acme-refresh.yaml", "--out", "rendered"], writes: [/^rendered\/ConnectionJSON\.json$/] },
  { command: "build", argv: [...ALL], writes: [/^dist-packages\/acme-prod\/INCONTACT\.zip$/, /^dist-packages\/manifest\.json$/] },
  { command: "build", argv: [...ALL, "--verbose"], writes: [/^dist-packages\/acme-refresh\/ConnectionJSON\.json$/] },
  { command: "build", argv: [...ALL, "--format", "json", "--verbose"], writes: [/^dist-packages\/acme-dev\/INCONTACT\.zip$/] },
  { command: "build", argv: ["build", "tenants/acme-dev.yaml", "--out", "out"], writes: [/^out\/acme-dev\/ConnectionJSON\.json$/] },
  { command: "build", argv: [...ALL, "--check", "--verbose"], exitCode: 1 },
  {
    command: "build",
    argv: [...ALL, "--with-secrets", "--verbose"],
    env: { CXONE_CLIENT_ID: CANARIES.CXONE_CLIENT_ID },
    exitCode: 1,
  },
  // Readers: our own package, a tenant file as input, and both at once.
  { command: "inspect", before: [ALL], argv: ["inspect", "dist-packages/acme-refresh/INCONTACT.zip"] },
  { command: "inspect", argv: ["inspect", "tenants/acme-refresh.yaml", "--format", "json", "--verbose"] },
  { command: "unpack", before: [ALL], argv: ["unpack", "dist-packages/acme-dev/INCONTACT.zip", "unpacked"], writes: [/^unpacked\//] },
  { command: "unpack", before: [ALL], argv: ["unpack", "dist-packages/acme-dev/INCONTACT.zip", "unpacked", "--with-secrets"], writes: [/^unpacked\//] },
  { command: "unpack", argv: ["unpack", "tenants/acme-refresh.yaml", "unpacked", "--with-secrets", "--verbose"], writes: [/^unpacked\//] },
  { command: "lint", before: [ALL], argv: ["lint", "dist-packages/acme-prod/INCONTACT.zip", "--verbose"] },
  { command: "lint", argv: ["lint", "tenants/acme-refresh.yaml", "--format", "json"] },
  { command: "diff", argv: ["diff", "tenants/acme-dev.yaml", "tenants/acme-refresh.yaml", "--verbose"], exitCode: 1 },
  { command: "diff", before: [ALL], argv: ["diff", "tenants/acme-prod.yaml", "dist-packages/acme-prod/INCONTACT.zip", "--format", "json"] },
  { command: "diff", before: [ALL], argv: ["diff", "dist-packages/acme-dev/INCONTACT.zip", "dist-packages/acme-refresh/INCONTACT.zip", "--strict"], exitCode: 1 },
  // simulate generates its own secrets: the user's variables are never read, in either output format.
  { command: "simulate", argv: ["simulate", "tenants/acme-dev.yaml", "--verbose"] },
  { command: "simulate", argv: ["simulate", "tenants/acme-refresh.yaml", "--format", "json"] },
  { command: "simulate", before: [ALL], argv: ["simulate", "dist-packages/acme-prod/INCONTACT.zip", "--base-url-from", "tenants/acme-prod.yaml"] },
  // EIC: credentials and ConnectionJSON secrets are resolved, sent, and never printed or written.
  { command: "plan", argv: ["plan", ...DEV_PROD, "tenants/acme-refresh.yaml", "--eic", EIC, "--verbose"], exitCode: 1 },
  { command: "plan", argv: ["plan", ...DEV_PROD, "--eic", EIC, "--format", "json", "--out", "plan.json"], exitCode: 1, writes: [/^plan\.json$/] },
  { command: "plan", before: [DEPLOY], argv: ["plan", ...DEV_PROD, "--eic", EIC, "--format", "markdown", "--verbose"] },
  { command: "plan", argv: ["plan", "tenants/acme-dev.yaml", "--eic", EIC], env: { ...CANARIES, SAVIYNT_PASSWORD: WRONG_EIC_PASSWORD }, exitCode: 2 },
  { command: "deploy", argv: [...DEPLOY, "--verbose"] },
  { command: "deploy", argv: [...DEPLOY, "--format", "json", "--verbose"] },
  { command: "deploy", before: [["plan", ...DEV_PROD, "--eic", EIC, "--out", "plan.json"]], beforeExit: [1], argv: [...DEPLOY, "--plan", "plan.json"] },
  { command: "deploy", argv: ["deploy", "tenants/acme-refresh.yaml", "--eic", EIC, "--yes"], knobs: { targetTest: "failed" } },
  { command: "deploy", argv: [...DEPLOY, "--verbose"], env: withoutEnv("CXONE_ACCESS_KEY_SECRET"), exitCode: 1 },
  { command: "deploy", argv: ["deploy", "tenants/acme-dev.yaml", "--eic", EIC], exitCode: 2 },
  { command: "pull", before: [DEPLOY], argv: ["pull", "tenants/acme-dev.yaml", "--eic", EIC, "--out", "live.zip", "--verbose"], writes: [/^live\.zip$/] },
  { command: "pull", before: [DEPLOY], argv: ["pull", "--connection", "InContact_PROD", "--eic", EIC, "--out", "live.zip"], knobs: { connectionJsonOnRead: "plaintext" }, writes: [/^live\.zip$/] },
  { command: "pull", argv: ["pull", "--connection", "InContact_NOPE", "--eic", EIC, "--out", "live.zip", "--format", "json"], exitCode: 1 },
  { command: "schema", argv: ["schema"] },
  // Adopt reads packages (and tenant files, compiled in memory) and writes tenant files: references only, never values.
  { command: "adopt", before: [ALL], argv: ["adopt", "dist-packages/acme-dev/INCONTACT.zip", "dist-packages/acme-refresh/INCONTACT.zip", "--out", "adopted", "--verbose"], writes: [/^adopted\/base\.yaml$/, /^adopted\/InContact_REFRESH\.yaml$/] },
  { command: "adopt", argv: ["adopt", "tenants/acme-refresh.yaml", "--out", "adopted.yaml", "--format", "json"], writes: [/^adopted\.yaml$/] },
  { command: "init", argv: ["init", "tenants/new.yaml", "--name", "InContact_NEW"], writes: [/^tenants\/new\.yaml$/] },
  { command: "init", argv: ["init", "starter.yaml"], writes: [/^starter\.yaml$/] },
];

describe("secret canaries never leak", () => {
  // Test titles show <canary> instead of the value: CI logs are output too.
  const title = (c: CommandCase) => c.argv.map((a) => NEEDLES.reduce((t, [needle]) => t.split(needle).join("<canary>"), a)).join(" ");
  test.each(COMMANDS.map((c) => [title(c), c] as const))("%s", async (_name, c) => {
    const dir = workspace();
    const eic = [c.argv, ...(c.before ?? [])].some((a) => a.includes(EIC)) ? await startFakeEic({ users: [{ username: EIC_USER, password: EIC_PASSWORD }] }) : undefined;
    try {
      if (eic && c.knobs) eic.setKnobs(c.knobs);
      const withEic = (argv: string[]) => argv.map((a) => (a === EIC ? eic!.url : a));
      for (const step of c.before ?? []) {
        const setup = await runCli(withEic(step), { cwd: dir, env: CANARIES });
        expect(c.beforeExit ?? [0], setup.stderr).toContain(setup.code);
        expect(leaksIn(setup.stdout + setup.stderr), step.join(" ")).toEqual([]);
      }
      const run = await runCli(withEic(c.argv), { cwd: dir, env: c.env ?? CANARIES });
      expect(run.code, run.stderr).toBe(c.exitCode ?? 0);
      expect(leaksIn(run.stdout), "stdout").toEqual([]);
      expect(leaksIn(run.stderr), "stderr").toEqual([]);
      const files = await writtenFiles(dir);
      for (const file of files) expect(leaksIn(file.text), file.path).toEqual([]);
      for (const pattern of c.writes ?? []) expect(files.map((f) => f.path).some((p) => pattern.test(p)), String(pattern)).toBe(true);
    } finally {
      await eic?.stop();
    }
  });

  test("deploy sends the secrets to EIC, and only there", async () => {
    const dir = workspace();
    const eic = await startFakeEic({ users: [{ username: EIC_USER, password: EIC_PASSWORD }] });
    try {
      const run = await runCli(DEPLOY.map((a) => (a === EIC ? eic.url : a)), { cwd: dir, env: CANARIES });
      expect(run.code, run.stderr).toBe(0);
      expect(leaksIn(run.stdout + run.stderr)).toEqual([]);
      // Not vacuous: the fake received the EIC password at login and the CXone secrets in ConnectionJSON.
      expect(eic.requests.filter((r) => r.endpoint === "login")).toHaveLength(1);
      const stored = eic.storedAttribute("InContact_DEV", "ConnectionJSON")!;
      expect(stored).toContain(CANARIES.CXONE_ACCESS_KEY_SECRET);
      expect(stored).toContain(b64(`${CANARIES.CXONE_CLIENT_ID}:${CANARIES.CXONE_CLIENT_SECRET}`));
    } finally {
      await eic.stop();
    }
  });

  test("build --with-secrets puts them in ConnectionJSON.json only, with mode 0600", async () => {
    const dir = workspace();
    const run = await runCli([...ALL, "--with-secrets", "--verbose"], { cwd: dir, env: CANARIES });
    expect(run.code, run.stderr).toBe(0);
    expect(leaksIn(run.stdout + run.stderr)).toEqual([]);
    const files = await writtenFiles(dir);
    const connectionFiles = files.filter((f) => /^dist-packages\/[^/]+\/ConnectionJSON\.json$/.test(f.path));
    expect(connectionFiles.map((f) => f.path).sort()).toEqual(
      ["acme-dev", "acme-prod", "acme-refresh"].map((t) => `dist-packages/${t}/ConnectionJSON.json`),
    );
    for (const file of files) {
      if (connectionFiles.includes(file)) continue;
      expect(leaksIn(file.text), file.path).toEqual([]);
    }
    for (const file of connectionFiles) expect(file.mode, file.path).toBe(0o600);
    // And the secrets really are there: the check above is not vacuous.
    const basic = b64(`${CANARIES.CXONE_CLIENT_ID}:${CANARIES.CXONE_CLIENT_SECRET}`);
    const dev = connectionFiles.find((f) => f.path.includes("acme-dev"))!.text;
    expect(dev).toContain(CANARIES.CXONE_ACCESS_KEY_ID);
    expect(dev).toContain(CANARIES.CXONE_ACCESS_KEY_SECRET);
    expect(dev).toContain(basic);
    const refresh = connectionFiles.find((f) => f.path.includes("acme-refresh"))!.text;
    expect(refresh).toContain(FILE_CANARY);
    expect(refresh).toContain(CANARIES.CXONE_CLIENT_SECRET);
  });

  test("a missing secret is named by its variable, not by any value", async () => {
    const dir = workspace();
    const { CXONE_ACCESS_KEY_SECRET: _missing, ...partial } = CANARIES;
    const run = await runCli(["build", "tenants/acme-dev.yaml", "--with-secrets", "--format", "json"], { cwd: dir, env: partial });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { diagnostics: { code: string; message: string; file?: string; line?: number }[] };
    expect(report.diagnostics.map((d) => [d.code, d.file, d.line])).toEqual([["SECRET_ENV_MISSING", "tenants/acme-base.yaml", 23]]);
    expect(report.diagnostics[0]!.message).toContain("CXONE_ACCESS_KEY_SECRET");
    expect(leaksIn(run.stdout + run.stderr)).toEqual([]);
    expect(listFiles(dir).filter((p) => !INPUTS.has(p))).toEqual([]);
  });

  test("the detector finds a planted canary in every encoding it looks for", () => {
    for (const [needle, name] of NEEDLES) expect(leaksIn(`{"x": "Basic ${needle}"}`)).toContain(name);
    expect(leaksIn("@@CXONE_CLIENT_SECRET@@ CANARY-7f3a91c2")).toEqual([]);
  });

  test("every CLI command has a canary case", () => {
    // The command names as the CLI registers them (src/cli/commands/index.ts).
    const declared = CLI_COMMANDS.map((c) => c.command.split(" ")[0]!);
    expect(declared.length).toBeGreaterThan(0);
    const covered = new Set(COMMANDS.map((c) => c.command));
    expect(declared.filter((name) => !covered.has(name))).toEqual([]);
  });
});
