/**
 * The one way savpkg reads an input file (tenant, `extends` base, `{file: …}` secret, package zip,
 * simulator seed and knobs): only regular files, never more than a size cap.
 *
 * The type is checked with fstat on the descriptor that is then read, so nothing can be swapped in
 * between the check and the read. The file is opened non-blocking: opening a FIFO without a writer
 * would otherwise hang before fstat could refuse it (O_NONBLOCK changes nothing for regular files).
 * Devices (`/dev/zero`), FIFOs, sockets and folders are refused with a message naming the path;
 * at most `maxBytes + 1` bytes are ever read, even from a file that grows while it is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";

export type ReadFileResult =
  | { ok: true; bytes: Buffer }
  | {
      ok: false;
      /** missing: ENOENT/ENOTDIR; not-regular: a folder, device, FIFO or socket; too-large: over maxBytes; io: anything else. */
      reason: "missing" | "not-regular" | "too-large" | "io";
      /** One line naming `display` (the path as the user wrote it) and what is wrong. */
      message: string;
      /** The file's size, for too-large. */
      size?: number;
      /** not-regular because it is a folder (commands word that case their own way). */
      folder?: true;
    };

export function readRegularFile(path: string, options: { maxBytes: number; display?: string }): ReadFileResult {
  const shown = options.display ?? path;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { ok: false, reason: "missing", message: `${shown}: no such file` };
    // A Unix socket cannot be opened at all (ENXIO).
    if (code === "ENXIO") return { ok: false, reason: "not-regular", message: `${shown} is a socket or device, not a regular file` };
    return { ok: false, reason: "io", message: `cannot read ${shown}: ${code ?? String(error)}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: "not-regular", message: `${shown} is ${kindOf(stat)}, not a regular file`, ...(stat.isDirectory() ? { folder: true as const } : {}) };
    if (stat.size > options.maxBytes) {
      return { ok: false, reason: "too-large", size: stat.size, message: `${shown} is ${stat.size} bytes, more than the ${options.maxBytes}-byte limit` };
    }
    // Read to the end, not to stat.size: the file may have changed size since the fstat.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(stat.size - total, 0) + 1, options.maxBytes + 1 - total, 1024 * 1024));
      if (chunk.length === 0) break;
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > options.maxBytes) {
        return { ok: false, reason: "too-large", size: total, message: `${shown} is more than the ${options.maxBytes}-byte limit` };
      }
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR") return { ok: false, reason: "not-regular", folder: true, message: `${shown} is a folder, not a regular file` };
    return { ok: false, reason: "io", message: `cannot read ${shown}: ${code ?? String(error)}` };
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: import("node:fs").Stats): string {
  if (stat.isDirectory()) return "a folder";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isCharacterDevice()) return "a character device";
  if (stat.isBlockDevice()) return "a block device";
  if (stat.isSocket()) return "a socket";
  return "not a regular file";
}
