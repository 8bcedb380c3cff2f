/**
 * Simulator knobs: defaults and validation of partial updates coming over HTTP
 * (`POST /__sim/knobs`) so a spawned CLI's test can drive the server (docs/cxone-contract.md#simulator-auth, #simulator-lists, #simulator-faults).
 */
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

type Check = (value: unknown) => string | undefined;

const positiveInt: Check = (v) => (Number.isInteger(v) && (v as number) > 0 ? undefined : "must be a positive integer");
const nonNegativeInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : "must be an integer >= 0");
const bool: Check = (v) => (typeof v === "boolean" ? undefined : "must be true or false");
const oneOf =
  (...allowed: unknown[]): Check =>
  (v) =>
    allowed.includes(v) ? undefined : `must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`;
const nullableInt: Check = (v) => (v === null || (Number.isInteger(v) && (v as number) >= 0) ? undefined : "must be an integer or null");
const str: Check = (v) => (typeof v === "string" && v !== "" ? undefined : "must be a non-empty string");

const CHECKS: Record<keyof SimKnobs, Check> = {
  tokenTtlSeconds: positiveInt,
  refreshTokenTtlSeconds: positiveInt,
  failNextTokenCalls: nonNegativeInt,
  tokenFailureStatus: oneOf(400, 401, 500, 503),
  lastPageNext: oneOf("null", "omit", "empty"),
  listCap: positiveInt,
  maxAgentsPerCreate: positiveInt,
  maxTeamAssign: positiveInt,
  strictness: oneOf("spec", "lenient"),
  lenientDefaults: (v) => {
    if (!isObject(v)) return "must be an object";
    const checks: Record<string, Check> = { teamId: nullableInt, profileId: nullableInt, timeZone: str, country: str, city: str };
    for (const [k, val] of Object.entries(v)) {
      const check = checks[k];
      if (!check) return `has an unknown key '${k}'`;
      const problem = check(val);
      if (problem) return `.${k} ${problem}`;
    }
    return undefined;
  },
  acceptAgentsArrayOnSinglePut: bool,
  maxActiveAgents: nullableInt,
  v23PutQuirk: bool,
  teamAssignResultSet: bool,
  teamIncludesInactiveAgents: bool,
  faults: (v) => {
    if (!Array.isArray(v)) return "must be an array of fault rules";
    for (const [i, rule] of v.entries()) {
      const problem = checkFault(rule);
      if (problem) return `[${i}] ${problem}`;
    }
    return undefined;
  },
};

/** Returns a problem text, or undefined when `rule` is a usable FaultRule. */
export function checkFault(rule: unknown): string | undefined {
  if (!isObject(rule)) return "must be an object";
  const allowed = new Set(["method", "path", "status", "count", "after", "retryAfter", "latencyMs"]);
  for (const k of Object.keys(rule)) if (!allowed.has(k)) return `has an unknown key '${k}'`;
  if (typeof rule.path !== "string" || !rule.path.startsWith("/")) return "path must be a string starting with /";
  if (rule.method !== undefined && (typeof rule.method !== "string" || rule.method === "")) return "method must be a string";
  if (rule.status !== undefined && ![401, 403, 429, 500, 503].includes(rule.status as number)) return "status must be 401, 403, 429, 500 or 503";
  for (const k of ["count", "after", "retryAfter", "latencyMs"] as const) {
    if (rule[k] !== undefined && !(Number.isInteger(rule[k]) && (rule[k] as number) >= 0)) return `${k} must be an integer >= 0`;
  }
  if (rule.status === undefined && rule.latencyMs === undefined) return "needs a status or a latencyMs";
  return undefined;
}

/**
 * Validates a partial knob object. Returns the problems (empty when `value` can be applied with
 * `applyKnobs`).
 */
export function checkKnobs(value: unknown): string[] {
  if (!isObject(value)) return ["knobs must be a JSON object"];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const check = (CHECKS as Record<string, Check | undefined>)[key];
    if (!check) {
      problems.push(`unknown knob '${key}' (known: ${Object.keys(CHECKS).join(", ")})`);
      continue;
    }
    const problem = check(v);
    if (problem) problems.push(`${key} ${problem}`);
  }
  return problems;
}

/** Applies a validated partial update in place (lenientDefaults merge; faults replace). */
export function applyKnobs(target: SimKnobs, patch: Partial<SimKnobs>): void {
  for (const [key, v] of Object.entries(patch) as Array<[keyof SimKnobs, unknown]>) {
    if (v === undefined) continue;
    if (key === "lenientDefaults") target.lenientDefaults = { ...target.lenientDefaults, ...(v as SimKnobs["lenientDefaults"]) };
    else if (key === "faults") target.faults = (v as FaultRule[]).map((r) => ({ ...r }));
    else (target as unknown as Record<string, unknown>)[key] = v;
  }
}
