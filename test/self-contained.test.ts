/**
 * The repository stands on its own (issue 10 item 1): no project file points outside it — no
 * sibling `shared` folder, no research notes that a clone does not have — and every in-repo
 * documentation link a comment or a page gives (a docs page with an anchor, relative Markdown links)
 * resolves to a file and an anchor that exist.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..");

/** Tracked (and new, not ignored) files; without git (a copied tree) every file outside the ignored folders. */
function projectFiles(): string[] {
  try {
    const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const inside = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: repo, encoding: "utf8" }).trim();
    if (resolve(inside) === repo) return out.split("\0").filter((f) => f && existsSync(join(repo, f)));
  } catch {
    // not a git checkout: walk the tree
  }
  const skip = new Set(["node_modules", "dist", ".git", "dist-packages", ".vitest-tmp", "bench/results"]);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repo, dir), { withFileTypes: true })) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (skip.has(path)) continue;
      if (entry.isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk("");
  return files;
}

const TEXT = /\.(ts|mts|cts|js|mjs|cjs|json|md|yaml|yml|hbs|txt|java|sh)$|(^|\/)(run|\.gitignore|savpkg\.js)$/;
const allFiles = projectFiles();
const files = allFiles.filter((f) => f !== "package-lock.json" && TEXT.test(f) && statSync(join(repo, f)).size < 2_000_000);
const text = new Map(files.map((f) => [f, readFileSync(join(repo, f), "utf8")]));

// Written in two parts so this file does not match itself.
const SIBLING = [".." + "/shared", "/work" + "/shared"];
const RESEARCH_NOTE = new RegExp(["reference", "/[\\w-]+\\.md"].join("") + "|\\b(cxone-api|saviynt-rest|engineering)\\.md\\b");

describe("the repository is self-contained", () => {
  it("finds the project's files", () => {
    expect(files).toContain("README.md");
    expect(allFiles).toContain("test/fixtures/official/INCONTACT.zip");
  });

  it("no file names a folder beside the repository", () => {
    const hits = [...text].flatMap(([f, t]) => t.split("\n").flatMap((line, i) => (SIBLING.some((s) => line.includes(s)) ? [`${f}:${i + 1}: ${line.trim()}`] : [])));
    expect(hits).toEqual([]);
  });

  it("no file cites research notes that are not in the repository", () => {
    const hits = [...text]
      .filter(([f]) => !f.startsWith("test/fixtures/saviynt-eic/") && !f.startsWith("test/fixtures/cxone/")) // vendored as they came
      .flatMap(([f, t]) => t.split("\n").flatMap((line, i) => (RESEARCH_NOTE.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])));
    expect(hits).toEqual([]);
  });

  it("every docs/<page>.md#anchor cited anywhere exists", () => {
    const anchorsOf = new Map<string, Set<string>>();
    const anchors = (page: string) => {
      let set = anchorsOf.get(page);
      if (!set) {
        const body = text.get(page) ?? "";
        set = new Set([...body.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]!));
        for (const m of body.matchAll(/^#+\s+(.+)$/gm)) set.add(slug(m[1]!));
        anchorsOf.set(page, set);
      }
      return set;
    };
    const broken: string[] = [];
    let cited = 0;
    for (const [f, t] of text) {
      // "<page>#a, #b" and "<page> (#a, #b)": the anchors after a page belong to it.
      for (const m of t.matchAll(/(?:\.\.\/)?(docs\/[\w-]+\.md)((?:#[\w-]+)(?:,\s*#[\w-]+)*|\s\((?:#[\w-]+(?:,\s*(?:and\s+)?)?)+)/g)) {
        const page = m[1]!;
        if (!text.has(page)) {
          broken.push(`${f}: ${page} does not exist`);
          continue;
        }
        for (const a of m[2]!.matchAll(/#([\w-]+)/g)) {
          cited++;
          if (!anchors(page).has(a[1]!)) broken.push(`${f}: ${page}#${a[1]} has no such anchor`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(cited).toBeGreaterThan(100);
  });

  it("every relative Markdown link in a tracked page points at a file in the repository", () => {
    const broken: string[] = [];
    for (const [f, t] of text) {
      if (!f.endsWith(".md") || f.startsWith("test/fixtures/")) continue;
      const withoutCode = t.replace(/```[\s\S]*?```/g, "");
      for (const m of withoutCode.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
        const path = relative(repo, resolve(repo, dirname(f), target.split("#")[0]!));
        if (path.startsWith("..") || !existsSync(join(repo, path))) broken.push(`${f}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");
}
