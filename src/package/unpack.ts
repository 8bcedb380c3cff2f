/**
 * `savpkg unpack <zip> <dir>` (issue 5 item 2): plan in memory, then write.
 *
 * The plan is one pretty JSON file per attribute plus connection and object-summary files:
 *
 *     object-summary.json            the ObjectSummary file
 *     connection.json                connection key, fields, and an index of the attributes
 *     attributes/<Name>.json         each JSON attribute, pretty-printed
 *     attributes/<Name>.txt          each text or invalid-JSON attribute, verbatim
 *
 * ConnectionJSON is a credential store (docs/saviynt-rest-format.md#encryption): a plaintext one is written
 * with its secrets redacted and a ciphertext is not written at all, unless `withSecrets`. Literal
 * credentials anywhere else (an `Authorization: Bearer …` or API-key header, a password in a
 * connection field) are redacted by the same policy as `diff` (src/saviynt/redaction.ts).
 * Attribute names come from the package, so file names are sanitised and de-duplicated.
 * writeUnpack stages everything in a temporary sibling directory and renames it into place;
 * it refuses a non-empty target without `force` and any path that would leave the target.
 */
import { lstat, mkdir, mkdtemp, readdir, rename, rm, rmdir, writeFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { redactText } from "../core/redaction.js";
import { isReferenceOnly } from "../saviynt/redaction.js";
import { redactDocument } from "./diff.js";
import type { PackageAttribute, PackageModel } from "./model.js";
import { unsafeNameReason } from "./read.js";
import { SECRET_ATTRIBUTES } from "../saviynt/t2p.js";

export interface UnpackFile {
  /** Relative, `/`-separated path inside the target directory. */
  path: string;
  content: string;
  /** Holds secrets: written with mode 0600. */
  secret?: boolean;
}

export interface UnpackOptions {
  /** Write ConnectionJSON as it is in the package (plaintext or ciphertext). */
  withSecrets?: boolean;
}

const pretty = (value: unknown): string => JSON.stringify(value, null, 2) + "\n";

/** The files `unpack` writes, in a stable order. Pure. */
export function planUnpack(model: PackageModel, opts: UnpackOptions = {}): UnpackFile[] {
  const files: UnpackFile[] = [];
  const withSecrets = opts.withSecrets === true;
  const plain = (value: unknown): unknown => (withSecrets ? value : redactDocument(value, { secretDocument: false }));
  if (model.summary) files.push({ path: "object-summary.json", content: pretty(plain(model.summary.document)) });

  const used = new Set<string>();
  const index: Record<string, unknown>[] = [];
  const attributeFiles: UnpackFile[] = [];
  for (const attr of model.connection.attributes) {
    const entry: Record<string, unknown> = { attributename: attr.name, state: attr.state, size: attr.size };
    if (attr.raw !== null && attr.raw !== "") entry.sha256 = attr.sha256.slice(0, 8);
    const file = attributeFile(attr, withSecrets);
    if (file) {
      const path = `attributes/${uniqueName(attr, file.extension, used)}`;
      attributeFiles.push({ path, content: file.content, ...(file.secret ? { secret: true } : {}) });
      entry.file = path;
    }
    if (file?.note) entry.note = file.note;
    if (!file && attr.state === "ciphertext") entry.note = "encrypted; not written (--with-secrets writes it)";
    // The item's own keys (formdata, credentialSaveStatus…) follow, but never replace ours.
    index.push(Object.fromEntries([...Object.entries(entry), ...Object.entries(attr.extra).filter(([k]) => !Object.hasOwn(entry, k))]));
  }
  files.push({
    path: "connection.json",
    content: pretty({ key: model.connection.key, fields: plain(model.connection.fields), attributes: index }),
  });
  files.push(...attributeFiles);
  return files;
}

function attributeFile(attr: PackageAttribute, withSecrets: boolean): { extension: string; content: string; secret?: boolean; note?: string } | undefined {
  const secret = SECRET_ATTRIBUTES.has(attr.name);
  const raw = attr.raw ?? "";
  switch (attr.state) {
    case "empty":
    case "null":
      return undefined;
    case "ciphertext":
      return withSecrets ? { extension: "ciphertext.txt", content: raw, secret: true } : undefined;
    case "json": {
      if (withSecrets) return { extension: "json", content: pretty(attr.json), ...(secret ? { secret: true } : {}) };
      const content = pretty(redactDocument(attr.json, { secretDocument: secret }));
      if (secret) return { extension: "json", content, note: "secrets redacted (--with-secrets writes them)" };
      return { extension: "json", content, ...(content !== pretty(attr.json) ? { note: "literal credentials redacted (--with-secrets writes them)" } : {}) };
    }
    case "invalid-json":
    case "text":
      if (secret && !withSecrets) return undefined;
      if (withSecrets) return { extension: "txt", content: raw, ...(secret ? { secret: true } : {}) };
      {
        // Text that is not JSON has no keys to go by: the policy's free-text rules apply.
        const content = redactText(raw, { isReference: isReferenceOnly });
        return { extension: "txt", content, ...(content !== raw ? { note: "literal credentials redacted (--with-secrets writes them)" } : {}) };
      }
  }
}

/** A safe, case-insensitively unique file name for an attribute. */
function uniqueName(attr: PackageAttribute, extension: string, used: Set<string>): string {
  // Windows refuses device names even with an extension (CON.json), so they are renamed too.
  const usable = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,99}$/.test(attr.name) && !/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(attr.name);
  const base = usable ? attr.name : `attribute-${attr.index}`;
  let name = `${base}.${extension}`;
  if (used.has(name.toLowerCase())) name = `${base}-${attr.index}.${extension}`;
  used.add(name.toLowerCase());
  return name;
}

export interface WriteUnpackOptions {
  /** Merge into an existing non-empty directory, replacing same-named files. */
  force?: boolean;
  /** Base for a relative `dir` (the library never reads process.cwd()). */
  cwd?: string;
}

/**
 * Writes a plan under `dir`. Nothing is written when a check fails; a failure while writing
 * leaves the target as it was (fresh targets appear in one rename; `force` replaces files one
 * rename at a time and never deletes anything it did not write).
 */
export async function writeUnpack(dir: string, plan: readonly UnpackFile[], opts: WriteUnpackOptions = {}): Promise<Diagnostic[]> {
  if (!isAbsolute(dir) && opts.cwd === undefined) return [diag("USAGE", `unpack target ${JSON.stringify(dir)} must be absolute when no cwd is given`)];
  const target = resolve(opts.cwd ?? "/", dir);
  const where = { file: dir };
  for (const file of plan) {
    const reason = unsafeNameReason(file.path);
    const full = resolve(target, ...file.path.split("/"));
    const rel = relative(target, full);
    if (reason !== undefined || file.path.endsWith("/") || rel === "" || rel.startsWith("..") || isAbsolute(rel)) {
      return [diag("IO_WRITE", `refusing to write ${JSON.stringify(file.path)} outside ${dir}${reason ? ` (${reason})` : ""}`, where)];
    }
  }

  let existing: "none" | "empty" | "full" = "none";
  try {
    const stat = await lstat(target);
    if (stat.isSymbolicLink()) return [diag("IO_WRITE", `${dir} is a symbolic link; give the real directory`, where)];
    if (!stat.isDirectory()) return [diag("IO_WRITE", `${dir} exists and is not a directory`, where)];
    existing = (await readdir(target)).length === 0 ? "empty" : "full";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return [diag("IO_WRITE", `cannot use ${dir}: ${errorCode(error)}`, where)];
  }
  if (existing === "full" && opts.force !== true) return [diag("IO_WRITE", `${dir} is not empty; use --force to write into it`, where)];

  const parent = dirname(target);
  let staging: string | undefined;
  try {
    await mkdir(parent, { recursive: true });
    staging = await mkdtemp(join(parent, `.${basename(target)}.savpkg-`));
    for (const file of plan) {
      const path = join(staging, ...file.path.split("/"));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.content, { encoding: "utf8", mode: file.secret ? 0o600 : 0o644, flag: "wx" });
    }
    if (existing === "none" || existing === "empty") {
      if (existing === "empty") await rmdir(target);
      await rename(staging, target);
      staging = undefined;
      return [];
    }
    // --force into a non-empty directory: move file by file, refusing to follow links.
    for (const file of plan) {
      const segments = file.path.split("/");
      let dirPath = target;
      for (const segment of segments.slice(0, -1)) {
        dirPath = join(dirPath, segment);
        try {
          const st = await lstat(dirPath);
          if (!st.isDirectory() || st.isSymbolicLink()) return [diag("IO_WRITE", `${join(dir, ...segments.slice(0, segments.indexOf(segment) + 1))} is not a plain directory; refusing to write through it`, where)];
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
          await mkdir(dirPath);
        }
      }
      const dest = join(target, ...segments);
      try {
        if ((await lstat(dest)).isDirectory()) return [diag("IO_WRITE", `${join(dir, ...segments)} is a directory`, where)];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
      await rename(join(staging, ...segments), dest);
    }
    return [];
  } catch (error) {
    return [diag("IO_WRITE", `cannot write ${dir}: ${errorCode(error)}`, where)];
  } finally {
    if (staging !== undefined) await rm(staging, { recursive: true, force: true }).catch(() => undefined);
  }
}

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? (e.message || String(error)).replace(/\s+/g, " ");
}
