/**
 * A tiny raw zip writer for crafting hostile archives in tests: every header field can be set to
 * a lie (sizes, CRC, modes, flags, methods, offsets, names that differ between local and central
 * headers), which no real zip library will do for us. Layout per PKWARE APPNOTE 4.3.
 */
import { crc32, deflateRawSync } from "node:zlib";

export interface RawEntry {
  name: string | Buffer;
  /** Uncompressed content. */
  data?: Buffer | string;
  /** 0 store (default), 8 deflate; anything else stores `data` as is under that method number. */
  method?: number;
  /** Explicit compressed bytes (instead of storing/deflating `data`). */
  compressed?: Buffer;
  /** General purpose flags; default 0x800 (UTF-8 names). */
  flags?: number;
  /** Central-directory "version made by"; 0x031e = Unix, 3.0. Default 20 (MS-DOS). */
  versionMadeBy?: number;
  externalAttributes?: number;
  crc?: number;
  compressedSize?: number;
  uncompressedSize?: number;
  /** Name written in the local header when it should differ from the central one. */
  localName?: string | Buffer;
  /** Only a central record, pointing at `offset` (for overlapping entries). */
  centralOnly?: boolean;
  offset?: number;
}

const DOS_TIME = ((8 << 11) | (15 << 5)) & 0xffff; // 08:15:00
const DOS_DATE = (((1985 - 1980) << 9) | (10 << 5) | 26) & 0xffff; // 1985-10-26

interface Prepared {
  entry: RawEntry;
  name: Buffer;
  localName: Buffer;
  payload: Buffer;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  method: number;
  flags: number;
}

function prepare(entry: RawEntry): Prepared {
  const name = typeof entry.name === "string" ? Buffer.from(entry.name, "utf8") : entry.name;
  const localName = entry.localName === undefined ? name : typeof entry.localName === "string" ? Buffer.from(entry.localName, "utf8") : entry.localName;
  const data = entry.data === undefined ? Buffer.alloc(0) : typeof entry.data === "string" ? Buffer.from(entry.data, "utf8") : entry.data;
  const method = entry.method ?? 0;
  const payload = entry.compressed ?? (method === 8 ? deflateRawSync(data) : data);
  return {
    entry,
    name,
    localName,
    payload,
    crc: entry.crc ?? crc32(data),
    compressedSize: entry.compressedSize ?? payload.length,
    uncompressedSize: entry.uncompressedSize ?? data.length,
    method,
    flags: entry.flags ?? 0x800,
  };
}

/** Local file header + data for one entry (also usable as another entry's content). */
export function localRecord(entry: RawEntry): Buffer {
  const p = prepare(entry);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(p.flags, 6);
  header.writeUInt16LE(p.method, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(p.crc >>> 0, 14);
  header.writeUInt32LE(p.compressedSize >>> 0, 18);
  header.writeUInt32LE(p.uncompressedSize >>> 0, 22);
  header.writeUInt16LE(p.localName.length, 26);
  header.writeUInt16LE(0, 28);
  return Buffer.concat([header, p.localName, p.payload]);
}

/** Builds a zip from raw entries, in the given order. */
export function rawZip(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const p = prepare(entry);
    let at = entry.offset ?? offset;
    if (!entry.centralOnly) {
      const record = localRecord(entry);
      locals.push(record);
      at = entry.offset ?? offset;
      offset += record.length;
    }
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(entry.versionMadeBy ?? 20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(p.flags, 8);
    c.writeUInt16LE(p.method, 10);
    c.writeUInt16LE(DOS_TIME, 12);
    c.writeUInt16LE(DOS_DATE, 14);
    c.writeUInt32LE(p.crc >>> 0, 16);
    c.writeUInt32LE(p.compressedSize >>> 0, 20);
    c.writeUInt32LE(p.uncompressedSize >>> 0, 24);
    c.writeUInt16LE(p.name.length, 28);
    c.writeUInt16LE(0, 30);
    c.writeUInt16LE(0, 32);
    c.writeUInt16LE(0, 34);
    c.writeUInt16LE(0, 36);
    c.writeUInt32LE((entry.externalAttributes ?? 0) >>> 0, 38);
    c.writeUInt32LE(at >>> 0, 42);
    centrals.push(Buffer.concat([c, p.name]));
  }
  const central = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(0, 4);
  eocd.writeUInt16LE(0, 6);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(central.length, 12);
  eocd.writeUInt32LE(offset, 16);
  eocd.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, central, eocd]);
}

/** Unix mode in the high 16 bits of the external attributes (with versionMadeBy 0x031e). */
export function unixMode(mode: number): number {
  return (mode << 16) >>> 0;
}
