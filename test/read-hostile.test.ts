/**
 * readPackage refuses hostile or broken zips (issue 5 item 1, docs/engineering-notes.md#zip-reading):
 * one crafted archive per refusal, each must give exactly one one-line error, no model, fatal.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { deflateRawSync } from "node:zlib";
import { fc, test as propTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import type { Code } from "../src/core/diagnostics.js";
import { readPackage, ZIP_LIMITS } from "../src/package/read.js";
import { officialZip, repoRoot } from "./helpers/pkg-zip.js";
import { localRecord, rawZip, unixMode, type RawEntry } from "./helpers/raw-zip.js";

const MiB = 1024 * 1024;
const summary = '{"Objects":{"connection":["X"]},"Information":{"GUID":"g"}}';
const connection = '{"X":{"connectionname":"X","EXTERNAL_ATTR":[]}}';
/** A valid minimal package plus one hostile entry. */
const withEntry = (entry: RawEntry): Buffer =>
  rawZip([
    { name: "ObjectSummary_2024-01-01_00-00-00(UTC).json", data: summary },
    { name: "Connection_2024-01-01_00-00-00(UTC).json", data: connection },
    entry,
  ]);

async function expectRefusal(bytes: Uint8Array, code: Code, message?: RegExp): Promise<void> {
  const result = await readPackage(bytes, { source: "hostile.zip" });
  expect(result.fatal, JSON.stringify(result.diagnostics)).toBe(true);
  expect(result.model).toBeUndefined();
  expect(result.diagnostics).toHaveLength(1);
  const [d] = result.diagnostics;
  expect(d!.code).toBe(code);
  expect(d!.severity).toBe("error");
  expect(d!.file).toBe("hostile.zip");
  expect(d!.message).not.toMatch(/[\r\n]/);
  if (message) expect(d!.message).toMatch(message);
}

describe("refuses broken input", () => {
  test("bytes that are not a zip", () => expectRefusal(Buffer.from("this is not a zip file at all"), "ZIP_CORRUPT", /not a zip/));
  test("an empty file", () => expectRefusal(Buffer.alloc(0), "ZIP_CORRUPT"));
  test("a truncated zip (official fixture cut in half)", () => {
    const zip = officialZip();
    return expectRefusal(zip.subarray(0, zip.length >> 1), "ZIP_CORRUPT", /truncated/);
  });
  test("a zip missing its last bytes", () => {
    const zip = officialZip();
    return expectRefusal(zip.subarray(0, zip.length - 5), "ZIP_CORRUPT");
  });
  test("a CRC-32 that does not match the content", () => expectRefusal(withEntry({ name: "x.json", data: "{}", crc: 12345 }), "ZIP_CORRUPT", /CRC/));
  test("a local header that names another file than the central directory", () =>
    expectRefusal(withEntry({ name: "x.json", localName: "../../x.json", data: "{}" }), "ZIP_CORRUPT", /local header/));
  test("a central record pointing at garbage", () => expectRefusal(rawZip([{ name: "a.json", data: "{}" }, { name: "b.json", data: "{}", centralOnly: true, offset: 30 + 6 + 2 }]), "ZIP_CORRUPT", /local header/));
  test("a deflate stream that does not inflate", () => expectRefusal(withEntry({ name: "x.json", method: 8, compressed: Buffer.from([0xff, 0xff, 0xff, 0xff]), uncompressedSize: 10 }), "ZIP_CORRUPT", /inflate/));
});

describe("refuses unsafe names", () => {
  const cases: [string, string | Buffer, RegExp][] = [
    ["path traversal", "../evil.json", /\.\./],
    ["traversal inside the path", "pkg/../../evil.json", /\.\./],
    ["an absolute path", "/etc/evil.json", /absolute/],
    ["a drive letter", "C:/evil.json", /drive/],
    ["a backslash", "pkg\\evil.json", /backslash/],
    ["a control character", "evil\u0007.json", /control/],
    ["an empty segment", "pkg//evil.json", /empty path segment/],
    ["a dot segment", "pkg/./evil.json", /"\." path segment/],
    ["a trailing dot", "pkg/evil.json.", /dot or space/],
    ["a segment over 255 bytes", `${"a".repeat(256)}.json`, /255/],
    ["a non-UTF-8 name without the UTF-8 flag", Buffer.from([0x65, 0x76, 0x8e, 0x6c, 0x2e, 0x6a]), /not marked UTF-8/],
  ];
  test.each(cases)("%s", (_, name, message) => {
    const flags = Buffer.isBuffer(name) ? 0 : 0x800;
    return expectRefusal(withEntry({ name, data: "{}", flags }), "ZIP_UNSAFE_PATH", message);
  });
  test("invalid UTF-8 in a name flagged UTF-8", () => expectRefusal(withEntry({ name: Buffer.from([0x61, 0xc3, 0x28, 0x2e, 0x6a]), data: "{}" }), "ZIP_UNSAFE_PATH", /UTF-8/));
});

describe("refuses links and special files", () => {
  test("a symlink", () => expectRefusal(withEntry({ name: "link.json", data: "/etc/passwd", versionMadeBy: 0x031e, externalAttributes: unixMode(0o120777) }), "ZIP_LINK", /symbolic link/));
  test("a FIFO", () => expectRefusal(withEntry({ name: "fifo", versionMadeBy: 0x031e, externalAttributes: unixMode(0o010644) }), "ZIP_LINK", /not a regular file/));
  test("a directory mode on a file name", () => expectRefusal(withEntry({ name: "dir.json", versionMadeBy: 0x031e, externalAttributes: unixMode(0o040755) }), "ZIP_LINK"));
});

describe("refuses duplicates", () => {
  test("the same name twice", () => expectRefusal(withEntry({ name: "Connection_2024-01-01_00-00-00(UTC).json", data: connection }), "ZIP_DUPLICATE", /twice/));
  test("names that differ only in case", () => expectRefusal(withEntry({ name: "connection_2024-01-01_00-00-00(utc).JSON", data: connection }), "ZIP_DUPLICATE", /collide/));
  test("names that differ only in Unicode normalisation", () =>
    expectRefusal(rawZip([{ name: "caf\u00e9.json", data: "{}" }, { name: "cafe\u0301.json", data: "{}" }]), "ZIP_DUPLICATE", /collide/));
});

describe("refuses encryption and exotic methods", () => {
  test("an encrypted entry", () => expectRefusal(withEntry({ name: "secret.json", method: 8, data: "{}", flags: 0x801 }), "ZIP_ENCRYPTED"));
  test("strong encryption", () => expectRefusal(withEntry({ name: "secret.json", method: 8, data: "{}", flags: 0x841 }), "ZIP_ENCRYPTED"));
  test("method 99 (AES)", () => expectRefusal(withEntry({ name: "x.json", method: 99, data: "{}" }), "ZIP_METHOD", /method 99/));
  test("method 12 (bzip2)", () => expectRefusal(withEntry({ name: "x.json", method: 12, data: "{}" }), "ZIP_METHOD", /method 12/));
});

describe("refuses bombs", () => {
  test("more than 64 entries", () => {
    const entries: RawEntry[] = Array.from({ length: ZIP_LIMITS.maxEntries + 1 }, (_, i) => ({ name: `f${i}.json`, data: "{}" }));
    return expectRefusal(rawZip(entries), "ZIP_LIMIT", /65 entries/);
  });
  test(`an entry declaring more than ${ZIP_LIMITS.maxEntryBytes / MiB} MiB`, () =>
    expectRefusal(withEntry({ name: "big.json", method: 8, compressed: Buffer.alloc(20_000, 1), uncompressedSize: ZIP_LIMITS.maxEntryBytes + 1 }), "ZIP_LIMIT", new RegExp(`${ZIP_LIMITS.maxEntryBytes}-byte limit`)));
  test(`entries declaring more than ${ZIP_LIMITS.maxTotalBytes / MiB} MiB in total`, () => {
    const count = Math.floor(ZIP_LIMITS.maxTotalBytes / (ZIP_LIMITS.maxEntryBytes - 1)) + 1;
    const entries: RawEntry[] = Array.from({ length: count }, (_, i) => ({ name: `part${i}.json`, method: 8, compressed: Buffer.alloc(15_000, 1), uncompressedSize: ZIP_LIMITS.maxEntryBytes - 1 }));
    return expectRefusal(rawZip(entries), "ZIP_LIMIT", /in total/);
  });
  test("a compression ratio over 1000", () => {
    const zeros = Buffer.alloc(8 * MiB);
    const compressed = deflateRawSync(zeros, { level: 9 });
    expect(zeros.length / compressed.length).toBeGreaterThan(1000);
    return expectRefusal(withEntry({ name: "zeros.json", method: 8, data: zeros, compressed }), "ZIP_LIMIT", /ratio/);
  });
  test("an entry that inflates past its declared size (counted while inflating)", () => {
    const data = Buffer.alloc(200_000, 0x20);
    return expectRefusal(withEntry({ name: "liar.json", method: 8, data, uncompressedSize: 1000 }), "ZIP_LIMIT", /declared size/);
  });
  test("a bomb is refused quickly and without inflating it", async () => {
    const zeros = Buffer.alloc(8 * MiB);
    const compressed = deflateRawSync(zeros);
    const entries: RawEntry[] = Array.from({ length: 30 }, (_, i) => ({ name: `z${i}`, method: 8, compressed, crc: 0, uncompressedSize: zeros.length }));
    const started = performance.now();
    await expectRefusal(rawZip(entries), "ZIP_LIMIT");
    expect(performance.now() - started).toBeLessThan(2000);
  });
  test("two central records sharing one local header", () =>
    expectRefusal(rawZip([{ name: "a.json", data: "{}" }, { name: "b.json", data: "{}", centralOnly: true, offset: 0 }]), "ZIP_OVERLAP", /overlap/));
  test("an entry whose local header sits inside another entry's data", () => {
    const inner: RawEntry = { name: "inner.json", data: "{}" };
    const outerName = "outer.json";
    const outer: RawEntry = { name: outerName, data: localRecord(inner) };
    return expectRefusal(rawZip([outer, { ...inner, centralOnly: true, offset: 30 + outerName.length }]), "ZIP_OVERLAP");
  });
});

describe("refuses nested archives", () => {
  test("by name (.zip)", () => expectRefusal(withEntry({ name: "inner.zip", data: "not really" }), "ZIP_NESTED", /inner\.zip/));
  test("by name (.jar)", () => expectRefusal(withEntry({ name: "lib/x.JAR", data: "" }), "ZIP_NESTED"));
  test("by content (PK magic under a .json name)", () => expectRefusal(withEntry({ name: "sneaky.json", method: 8, data: officialZip() }), "ZIP_NESTED", /zip archive inside/));
});

test("the reader has no way to write: it imports no file-system module", () => {
  const source = readFileSync(resolve(repoRoot, "src/package/read.ts"), "utf8");
  expect(source).not.toMatch(/from "node:fs|from "fs|require\(/);
});

describe("never crashes on corrupted archives (property)", () => {
  const zip = officialZip();
  propTest.prop([fc.array(fc.tuple(fc.nat({ max: zip.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })], { numRuns: 150, seed: 5 })(
    "byte flips give a result, never an exception",
    async (flips) => {
      const bytes = Buffer.from(zip);
      for (const [at, value] of flips) bytes[at] = value;
      const result = await readPackage(bytes);
      expect(typeof result.fatal).toBe("boolean");
      for (const d of result.diagnostics) expect(d.message).not.toMatch(/[\r\n]/);
      if (result.fatal) expect(result.model).toBeUndefined();
      else expect(result.model).toBeDefined();
    },
  );
  propTest.prop([fc.nat({ max: zip.length })], { numRuns: 60, seed: 7 })("every truncation is refused or read, never thrown", async (cut) => {
    const result = await readPackage(zip.subarray(0, cut));
    if (cut < zip.length) expect(result.fatal).toBe(true);
  });
});
