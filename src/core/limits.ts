/**
 * Every limit savpkg puts on its inputs, declared once (issue 12). Each limit names the catalogue
 * code its refusal carries; the README "Limits" table is checked against this list by
 * test/limits.test.ts, so the documentation cannot drift from the code.
 *
 * The values are far above anything a real tenant file or T2P export needs (tenant files are a few
 * kilobytes, exports a few tens of kilobytes, nesting under ten levels) and low enough that the
 * worst input within them is handled in bounded time and memory (README "Limits").
 */
import type { Code } from "./diagnostics.js";

const KiB = 1024;
const MiB = 1024 * KiB;

export interface Limit {
  value: number;
  code: Code;
  /** What is limited, for the README table and messages. */
  what: string;
  unit: "bytes" | "levels" | "values" | "characters" | "entries" | "attributes" | "segments" | "ratio";
}

export const LIMITS = {
  tenantFileBytes: { value: 128 * KiB, code: "LIMIT_FILE_SIZE", what: "tenant file or `extends` base", unit: "bytes" },
  secretFileBytes: { value: 64 * KiB, code: "LIMIT_FILE_SIZE", what: "`{file: …}` secret", unit: "bytes" },
  packageFileBytes: { value: 16 * MiB, code: "ZIP_LIMIT", what: "package zip", unit: "bytes" },
  seedFileBytes: { value: 16 * MiB, code: "LIMIT_FILE_SIZE", what: "simulator seed file", unit: "bytes" },
  knobsFileBytes: { value: 1 * MiB, code: "LIMIT_FILE_SIZE", what: "simulator knobs file", unit: "bytes" },
  zipEntries: { value: 64, code: "ZIP_LIMIT", what: "entries in a package zip", unit: "entries" },
  zipEntryBytes: { value: 8 * MiB, code: "ZIP_LIMIT", what: "one inflated zip entry", unit: "bytes" },
  zipTotalBytes: { value: 16 * MiB, code: "ZIP_LIMIT", what: "all inflated zip entries together", unit: "bytes" },
  zipRatio: { value: 1000, code: "ZIP_LIMIT", what: "compression ratio of one entry", unit: "ratio" },
  yamlDepth: { value: 64, code: "LIMIT_DEPTH", what: "nesting of a tenant file (YAML or JSON, after aliases)", unit: "levels" },
  tenantValues: { value: 10_000, code: "TENANT_TOO_COMPLEX", what: "values in a tenant file after expanding aliases", unit: "values" },
  tenantStringLength: { value: 64 * KiB, code: "LIMIT_STRING", what: "one string in a tenant file or `--set` value", unit: "characters" },
  jsonDepth: { value: 64, code: "LIMIT_DEPTH", what: "nesting of a JSON document (package file, attribute, nested httpParams, seed, knobs)", unit: "levels" },
  jsonValues: { value: 100_000, code: "LIMIT_COUNT", what: "values in one JSON document", unit: "values" },
  packageValues: { value: 250_000, code: "LIMIT_COUNT", what: "values in all JSON documents of one package together", unit: "values" },
  jsonStringLength: { value: 1 * MiB, code: "LIMIT_STRING", what: "one string in a JSON document (an attribute value included)", unit: "characters" },
  seedValues: { value: 2_000_000, code: "LIMIT_COUNT", what: "values in a simulator seed file (up to 10,000 agents)", unit: "values" },
  attributes: { value: 1000, code: "LIMIT_COUNT", what: "attributes in a connection's EXTERNAL_ATTR", unit: "attributes" },
  setSegments: { value: 32, code: "LIMIT_SET_PATH", what: "segments of a `--set` path", unit: "segments" },
  eicResponseBytes: { value: 16 * MiB, code: "EIC_RESPONSE_SHAPE", what: "one Saviynt EIC API response body", unit: "bytes" },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;

/** "1 MiB" / "65536" style rendering for messages and the README table. */
export function formatLimit(limit: Limit): string {
  const v = limit.value;
  if (limit.unit === "bytes") {
    if (v % MiB === 0) return `${v / MiB} MiB`;
    if (v % KiB === 0) return `${v / KiB} KiB`;
  }
  if (limit.unit === "ratio") return `${v}:1`;
  // Grouped by hand: no locale may change what savpkg prints.
  return `${String(v).replace(/\B(?=(\d{3})+$)/g, ",")} ${limit.unit}`;
}

// ------------------------------------------------------------------------------------------------
// JSON shape, measured on the text before anything is parsed

export interface JsonShapeLimits {
  depth: number;
  values: number;
  stringLength: number;
}

export const JSON_SHAPE_LIMITS: Readonly<JsonShapeLimits> = {
  depth: LIMITS.jsonDepth.value,
  values: LIMITS.jsonValues.value,
  stringLength: LIMITS.jsonStringLength.value,
};

export interface JsonShapeProblem {
  code: Code;
  message: string;
  /** 1-based line and column in the text where the limit was crossed. */
  line: number;
  col: number;
}

export interface JsonShape {
  /** Values counted (containers, members, items): an upper bound of the parsed value's size. */
  values: number;
  problem?: JsonShapeProblem;
}

/**
 * One linear pass over a JSON text (no allocation, no recursion): nesting depth, a value count and
 * the longest string literal, stopping at the first limit crossed. Run before `JSON.parse`, so that
 * neither the parser's memory nor any recursive walk over the result depends on hostile input.
 * Text that is not JSON passes through (the parser then reports the syntax error).
 */
export function measureJson(text: string, limits: JsonShapeLimits = JSON_SHAPE_LIMITS): JsonShape {
  let depth = 0;
  let values = 1;
  const at = (offset: number, code: Code, message: string): JsonShape => {
    let line = 1;
    let lineStart = 0;
    for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { values, problem: { code, message, line, col: offset - lineStart + 1 } };
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      if (i - start - 1 > limits.stringLength) {
        return at(start, "LIMIT_STRING", `a string of ${i - start - 1} characters; strings are limited to ${limits.stringLength}`);
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limits.depth) return at(i, "LIMIT_DEPTH", `nesting deeper than ${limits.depth} levels`);
      if (++values > limits.values) return at(i, "LIMIT_COUNT", `more than ${limits.values} values in one document`);
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x2c /* , */) {
      if (++values > limits.values) return at(i, "LIMIT_COUNT", `more than ${limits.values} values in one document`);
    }
  }
  return { values };
}
