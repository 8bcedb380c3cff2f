/**
 * Simulator knobs: defaults and validation of partial updates coming over HTTP
 * (`POST /__sim/knobs`) so a spawned CLI's test can drive the server (docs/cxone-contract.md#simulator-auth, #simulator-lists, #simulator-faults).
 */
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { LIMITS, measureJson } from "../core/limits.js";
import { readRegularFile } from "../core/read-file.js";
import { schemaErrorLines, validatorFor } from "../core/schemas.js";
import type { FaultRule, SimKnobs } from "./types.js";
import { isObject } from "../core/json.js";

export function defaultKnobs(): SimKnobs {
  return {
    // CXone access tokens last an hour (docs/cxone-contract.md#token-lifetimes); the refresh lifetime is
    // unknown, so the legacy 7200 s is used.
    tokenTtlSeconds: 3600,
    refreshTokenTtlSeconds: 7200,
    failNextTokenCalls: 0,
    tokenFailureStatus: 500,
    lastPageNext: "null",
    listCap: 10_000,
    maxAgentsPerCreate: 1000,
    maxTeamAssign: 10_000,
    strictness: "spec",
    lenientDefaults: {
      teamId: null,
      profileId: null,
      timeZone: "(GMT-05:00) Eastern Time (US & Canada)",
      country: "US",
      city: "Unknown",
    },
    acceptAgentsArrayOnSinglePut: false,
    maxActiveAgents: null,
    v23PutQuirk: false,
    teamAssignResultSet: false,
    teamIncludesInactiveAgents: true,
    faults: [],
  };
}

const KNOBS_SCHEMA = "simulator/knobs.schema.json";

/** Returns a problem text, or undefined when `rule` is a usable FaultRule (schemas/simulator/knobs.schema.json). */
export function checkFault(rule: unknown): string | undefined {
  const problems = checkKnobs({ faults: [rule] });
  return problems[0]?.replace(/^faults\[0\]\.?/, "").trim();
}

/**
 * Validates a partial knob object against schemas/simulator/knobs.schema.json (types and ranges:
 * latency, counts, status codes). Returns the problems (empty when `value` can be applied with
 * `applyKnobs`); a key is only ever looked up in the schema, never on an object's prototype.
 */
export function checkKnobs(value: unknown): string[] {
  if (!isObject(value)) return ["knobs must be a JSON object"];
  const validate = validatorFor(KNOBS_SCHEMA);
  if (validate(value)) return [];
  return schemaErrorLines(validate.errors ?? []).map(({ path, message }) =>
    message === "is not a known key" && !path.includes(".") && !path.includes("[") ? `unknown knob '${path}' (known: ${KNOB_NAMES.join(", ")})` : `${path} ${message}`,
  );
}

const KNOB_NAMES = Object.keys(defaultKnobs());

export interface KnobsFileResult {
  knobs?: Partial<SimKnobs>;
  diagnostics: Diagnostic[];
}

/** Reads and checks a knobs JSON file (`simulate --knobs`): a regular file within the limits, valid for the schema. */
export function loadKnobs(file: string, display = file): KnobsFileResult {
  const read = readRegularFile(file, { maxBytes: LIMITS.knobsFileBytes.value, display });
  if (!read.ok) return { diagnostics: [diag(read.reason === "too-large" ? "LIMIT_FILE_SIZE" : "IO_READ", `--knobs: ${read.message}`, { file: display })] };
  const text = read.bytes.toString("utf8");
  const shape = measureJson(text);
  if (shape.problem) return { diagnostics: [diag(shape.problem.code, `--knobs: ${shape.problem.message}`, { file: display, line: shape.problem.line, col: shape.problem.col })] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { diagnostics: [diag("SIM_KNOBS_INVALID", `--knobs ${display}: not valid JSON (${(error as Error).message})`, { file: display })] };
  }
  const problems = checkKnobs(value);
  if (problems.length > 0) return { diagnostics: [diag("SIM_KNOBS_INVALID", `--knobs ${display}: ${problems.join("; ")}`, { file: display })] };
  return { knobs: value as Partial<SimKnobs>, diagnostics: [] };
}

/** Applies a validated partial update in place (lenientDefaults merge; faults replace). */
export function applyKnobs(target: SimKnobs, patch: Partial<SimKnobs>): void {
  for (const [key, v] of Object.entries(patch) as Array<[keyof SimKnobs, unknown]>) {
    // Only knobs that exist: a patch key such as __proto__ never reaches the target.
    if (v === undefined || !Object.prototype.hasOwnProperty.call(target, key)) continue;
    if (key === "lenientDefaults") target.lenientDefaults = { ...target.lenientDefaults, ...(v as SimKnobs["lenientDefaults"]) };
    else if (key === "faults") target.faults = (v as FaultRule[]).map((r) => ({ ...r }));
    else (target as unknown as Record<string, unknown>)[key] = v;
  }
}
