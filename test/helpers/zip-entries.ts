/** Reads every entry of a zip (central directory, via yauzl) into memory, in archive order. */
import yauzl from "yauzl";

export interface ZipEntryBytes {
  name: string;
  bytes: Buffer;
  method: number;
  mode: number;
  dosDate: number;
  dosTime: number;
  flags: number;
}

export function readZipEntries(zip: Buffer): Promise<ZipEntryBytes[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true }, (error, archive) => {
      if (error || !archive) return reject(error ?? new Error("no archive"));
      const out: ZipEntryBytes[] = [];
      archive.on("entry", (entry: yauzl.Entry) => {
        archive.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err ?? new Error("no stream"));
          const chunks: Buffer[] = [];
          stream.on("data", (c: Buffer) => chunks.push(c));
          stream.on("end", () => {
            out.push({
              name: entry.fileName,
              bytes: Buffer.concat(chunks),
              method: entry.compressionMethod,
              mode: (entry.externalFileAttributes >>> 16) & 0o7777,
              dosDate: entry.lastModFileDate,
              dosTime: entry.lastModFileTime,
              flags: entry.generalPurposeBitFlag,
            });
            archive.readEntry();
          });
          stream.on("error", reject);
        });
      });
      archive.on("end", () => resolve(out));
      archive.on("error", reject);
      archive.readEntry();
    });
  });
}

/** The connection object of a T2P package and its attributes as name → stored string. */
export async function readConnection(zip: Buffer) {
  const entries = await readZipEntries(zip);
  const connectionEntry = entries.find((e) => /(^|\/)Connection_.*\.json$/.test(e.name));
  const summaryEntry = entries.find((e) => /(^|\/)ObjectSummary_.*\.json$/.test(e.name));
  if (!connectionEntry || !summaryEntry) throw new Error("not a T2P package");
  const file = JSON.parse(connectionEntry.bytes.toString("utf8")) as Record<string, Record<string, unknown>>;
  const [key, connection] = Object.entries(file)[0]!;
  const attributes = (connection.EXTERNAL_ATTR as { attributename: string; encryptedattributevalue: string | null }[]).map((a) => [a.attributename, a.encryptedattributevalue] as const);
  return { entries, key, connection, attributes, summary: JSON.parse(summaryEntry.bytes.toString("utf8")) as Record<string, any> };
}
