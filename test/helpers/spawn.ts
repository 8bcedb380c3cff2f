/**
 * Spawns the real savpkg binary (`node bin/savpkg.js`, the compiled dist/ that `npm test` builds)
 * with a controlled environment, working directory, umask and extra node flags (e.g. `--import` of a
 * clock-shifting preload). The child gets only the variables given here plus PATH and HOME, so
 * the developer's own TZ, LANG or SOURCE_DATE_EPOCH never leak into a test.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..", "..");
export const binPath = join(repoRoot, "bin", "savpkg.js");

export interface SpawnOptions {
  cwd: string;
  /** Added to the minimal environment (PATH, HOME, NO_COLOR=1); `undefined` removes a variable. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Flags for node itself, before the script (e.g. ["--import", preloadUrl]). */
  nodeArgs?: readonly string[];
  /** Run under this umask (through /bin/sh, which then execs node: the pid stays node's). */
  umask?: number;
  timeoutMs?: number;
}

export interface SpawnResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Fails loudly when dist/ was never built (the spawned binary runs the compiled code). */
export function assertBuilt(): void {
  if (!existsSync(join(repoRoot, "dist", "cli", "main.js"))) throw new Error("dist/cli/main.js is missing: run `npm run build` first (npm test does)");
}

export function childEnv(extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...extra };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** Starts `node [nodeArgs] bin/savpkg.js args…` without waiting (the atomic-write test kills it). */
export function startSavpkg(args: readonly string[], options: SpawnOptions): ChildProcess {
  const command = [...(options.nodeArgs ?? []), binPath, ...args];
  const env = childEnv(options.env);
  if (options.umask === undefined) return spawn(process.execPath, command, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  // `exec` keeps the pid: a signal sent to the child reaches node itself.
  const script = `umask ${options.umask.toString(8).padStart(4, "0")} && exec "$0" "$@"`;
  return spawn("/bin/sh", ["-c", script, process.execPath, ...command], { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs savpkg to completion and collects its output. */
export function runSavpkg(args: readonly string[], options: SpawnOptions): Promise<SpawnResult> {
  return collect(startSavpkg(args, options), options.timeoutMs ?? 60_000);
}

/** Runs any program to completion (npm, python3, java, unzip) and collects its output. */
export function runProgram(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string>; timeoutMs?: number; input?: string }): Promise<SpawnResult> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? childEnv(), stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
  if (options.input !== undefined) child.stdin?.end(options.input);
  return collect(child, options.timeoutMs ?? 60_000);
}

export function collect(child: ChildProcess, timeoutMs: number): Promise<SpawnResult> {
  return new Promise((resolvePromise, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (c: string) => void (stdout += c));
    child.stderr?.setEncoding("utf8").on("data", (c: string) => void (stderr += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${timeoutMs} ms: ${child.spawnargs.join(" ")}\n${stderr}`));
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** A fresh temp folder under the OS temp dir (never inside the repository) and its cleanup. */
export function tempDir(prefix: string): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), `savpkg-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }) };
}

// ---- temp trees: the tenants a test builds and what a build leaves on disk ----

export function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The example tenant files, copied into `dir` in the given order (creation order is an input too). */
export const EXAMPLE_TENANTS = ["acme-base.yaml", "acme-dev.yaml", "acme-prod.yaml"] as const;

export function copyExamples(dir: string, order: readonly string[] = EXAMPLE_TENANTS): void {
  mkdirSync(dir, { recursive: true });
  for (const name of order) writeFileSync(join(dir, name), readFileSync(join(repoRoot, "examples", "tenants", name)));
}

/** A tenant derived from acme-dev.yaml with its own connection name (it extends ./acme-base.yaml). */
export function derivedTenant(connectionName: string, edit: (text: string) => string = (t) => t): string {
  const dev = readFileSync(join(repoRoot, "examples", "tenants", "acme-dev.yaml"), "utf8");
  if (!dev.includes("name: InContact_DEV")) throw new Error("acme-dev.yaml changed: update derivedTenant");
  return edit(dev.replace("name: InContact_DEV", `name: ${connectionName}`));
}

export interface TreeEntry {
  kind: "file" | "dir";
  size: number;
  sha256: string;
  mode: number;
  mtimeMs: number;
  ino: number;
}

/** Every file and folder under `root` (dot files included) with content hash, mode, mtime and inode. */
export function snapshotTree(root: string): Map<string, TreeEntry> {
  const out = new Map<string, TreeEntry>();
  if (!existsSync(root)) return out;
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const path = rel === "" ? name : `${rel}/${name}`;
      const stat = lstatSync(join(root, path));
      if (stat.isDirectory()) {
        out.set(path, { kind: "dir", size: 0, sha256: "", mode: stat.mode & 0o7777, mtimeMs: stat.mtimeMs, ino: stat.ino });
        walk(path);
      } else {
        out.set(path, { kind: "file", size: stat.size, sha256: sha256(readFileSync(join(root, path))), mode: stat.mode & 0o7777, mtimeMs: stat.mtimeMs, ino: stat.ino });
      }
    }
  };
  walk("");
  return out;
}
