/**
 * Seeds for the simulator: read a JSON file, check it against the data model of
 * docs/cxone-contract.md#simulator-data (ids unique, every agent in exactly one existing team, existing
 * profile, unique user names) and fill in defaults, so the server only ever holds a consistent state.
 * Problems are returned as diagnostics, never thrown.
 */
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { hasOwn, isObject } from "../core/json.js";
import { LIMITS, measureJson } from "../core/limits.js";
import { readRegularFile } from "../core/read-file.js";
import { schemaErrorLines, validatorFor } from "../core/schemas.js";
import type { SimGroup, SimGroupMembership, SimProfile, SimSeed, SimTeam } from "./types.js";

/** Timestamp used for seed records that do not carry one (keeps dumps deterministic). */
export const DEFAULT_SEED_TIME = "2025-01-01T00:00:00.000Z";

export const EMAIL_PATTERN =
  /^[a-zA-Z0-9.!#$%&'*\\/=?^_`{|}~+-]+@[a-zA-Z0-9_](?:[a-zA-Z0-9-_]{0,61}[a-zA-Z0-9_])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
export const GUID_PATTERN = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

/** Agent keys the simulator derives itself; a seed that carries them has them dropped. */
const DERIVED_AGENT_KEYS = new Set(["teamName", "profileName"]);
/** A seed holds up to 10,000 agents (schemas/simulator/seed.schema.json): more values than one package document. */
const SEED_SHAPE = { depth: LIMITS.jsonDepth.value, values: LIMITS.seedValues.value, stringLength: LIMITS.jsonStringLength.value };

export interface SeedResult {
  seed?: SimSeed;
  diagnostics: Diagnostic[];
}

/** Reads and checks a seed JSON file. */
export function loadSeed(file: string): SeedResult {
  const read = readRegularFile(file, { maxBytes: LIMITS.seedFileBytes.value, display: file });
  if (!read.ok) return { diagnostics: [diag(read.reason === "too-large" ? "LIMIT_FILE_SIZE" : "IO_READ", `seed file: ${read.message}`, { file })] };
  const text = read.bytes.toString("utf8");
  const shape = measureJson(text, SEED_SHAPE);
  if (shape.problem) return { diagnostics: [diag(shape.problem.code, `seed file: ${shape.problem.message}`, { file, line: shape.problem.line, col: shape.problem.col })] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { diagnostics: [diag("SIM_SEED_INVALID", `seed file is not valid JSON: ${(e as Error).message}`, { file })] };
  }
  return parseSeed(value, file);
}

/** Checks a seed value and returns it normalised (defaults filled in, keys in canonical order). */
export function parseSeed(value: unknown, file?: string): SeedResult {
  const diagnostics: Diagnostic[] = [];
  const at = (path: string) => (file === undefined ? { path } : { file, path });
  const problem = (path: string, message: string) => diagnostics.push(diag("SIM_SEED_INVALID", `seed: ${message}`, at(path)));
  const warn = (path: string, message: string) => diagnostics.push(diag("SIM_SEED_INVALID", `seed: ${message}`, { ...at(path), severity: "warning" }));

  if (!isObject(value)) {
    problem("", "must be a JSON object");
    return { diagnostics };
  }
  // Shape and ranges first (schemas/simulator/seed.schema.json); references and uniqueness below.
  const validate = validatorFor("simulator/seed.schema.json");
  if (!validate(value)) {
    for (const { path, message } of schemaErrorLines(validate.errors ?? [])) problem(path, `${path === "" ? "the seed" : path} ${message}`);
    return { diagnostics };
  }
  const r = new Reader(value, "", problem);
  const businessUnitId = r.int("businessUnitId");
  const tenantId = r.str("tenantId");
  if (tenantId !== undefined && !GUID_PATTERN.test(tenantId)) problem("tenantId", "must be a UUID");
  const area = r.optStr("area") ?? undefined;

  const profiles: SimProfile[] = [];
  const profileIds = new Set<number>();
  for (const [i, p] of r.arr("securityProfiles").entries()) {
    const pr = new Reader(p, `securityProfiles[${i}]`, problem);
    const securityProfileId = pr.int("securityProfileId");
    const securityProfileName = pr.str("securityProfileName");
    if (securityProfileId === undefined || securityProfileName === undefined) continue;
    if (profileIds.has(securityProfileId)) problem(pr.path("securityProfileId"), `duplicate securityProfileId ${securityProfileId}`);
    else {
      profileIds.add(securityProfileId);
      profiles.push({ securityProfileId, securityProfileName });
    }
  }

  const teams: SimTeam[] = [];
  const teamIds = new Set<number>();
  const teamNames = new Set<string>();
  for (const [i, t] of r.arr("teams").entries()) {
    const tr = new Reader(t, `teams[${i}]`, problem);
    const teamId = tr.int("teamId");
    const teamName = tr.str("teamName");
    const team: Partial<SimTeam> = {
      teamId,
      teamName,
      isActive: tr.optBool("isActive") ?? true,
      description: tr.optStr("description"),
      notes: tr.optStr("notes"),
      teamLeadId: tr.optStr("teamLeadId"),
      lastUpdateTime: tr.optDate("lastUpdateTime") ?? DEFAULT_SEED_TIME,
    };
    tr.unknownKeys(["teamId", "teamName", "isActive", "description", "notes", "teamLeadId", "lastUpdateTime", "agentCount"]);
    if (teamId === undefined || teamName === undefined) continue;
    if (teamIds.has(teamId)) problem(tr.path("teamId"), `duplicate teamId ${teamId}`);
    else if (teamNames.has(teamName.toLowerCase())) problem(tr.path("teamName"), `duplicate teamName '${teamName}'`);
    else {
      teamIds.add(teamId);
      teamNames.add(teamName.toLowerCase());
      teams.push(team as SimTeam);
    }
  }

  const agents: SimSeed["agents"] = [];
  const agentIds = new Set<number>();
  const userNames = new Set<string>();
  for (const [i, a] of r.arr("agents").entries()) {
    const ar = new Reader(a, `agents[${i}]`, problem);
    const agentId = ar.int("agentId");
    const userName = ar.str("userName");
    const emailAddress = ar.str("emailAddress");
    const teamId = ar.int("teamId");
    const profileId = ar.int("profileId");
    const isActive = ar.optBool("isActive") ?? true;
    const lastUpdated = ar.optDate("lastUpdated") ?? DEFAULT_SEED_TIME;
    const agent = {
      agentId,
      userID: ar.optStr("userID") ?? (agentId === undefined ? undefined : derivedUserId(agentId)),
      userName,
      firstName: ar.str("firstName"),
      middleName: ar.optStr("middleName"),
      lastName: ar.str("lastName"),
      emailAddress,
      isActive,
      teamId,
      profileId,
      timeZone: ar.optStr("timeZone") ?? "(GMT-05:00) Eastern Time (US & Canada)",
      country: ar.optStr("country") ?? "US",
      state: ar.optStr("state"),
      city: ar.optStr("city") ?? "Unknown",
      lastLogin: ar.optDate("lastLogin"),
      lastUpdated,
      createDate: ar.optDate("createDate") ?? DEFAULT_SEED_TIME,
      inactiveDate: ar.optDate("inactiveDate") ?? (isActive ? null : lastUpdated),
    };
    const extraEntries: [string, unknown][] = [];
    if (isObject(a)) {
      for (const [k, v] of Object.entries(a)) {
        if (hasOwn(agent, k)) continue;
        if (DERIVED_AGENT_KEYS.has(k)) warn(ar.path(k), `${k} is derived from the team/profile and was ignored`);
        else extraEntries.push([k, v]);
      }
    }
    // fromEntries: an extra field named __proto__ stays a field.
    const extra = Object.fromEntries(extraEntries);
    if (agent.userID && !GUID_PATTERN.test(agent.userID)) problem(ar.path("userID"), "userID must be a GUID");
    if (userName !== undefined && !EMAIL_PATTERN.test(userName)) problem(ar.path("userName"), `userName '${userName}' is not email-shaped`);
    if (emailAddress !== undefined && !EMAIL_PATTERN.test(emailAddress)) problem(ar.path("emailAddress"), `emailAddress '${emailAddress}' is not email-shaped`);
    if (teamId !== undefined && !teamIds.has(teamId)) problem(ar.path("teamId"), `teamId ${teamId} is not a seeded team`);
    if (profileId !== undefined && !profileIds.has(profileId)) problem(ar.path("profileId"), `profileId ${profileId} is not a seeded security profile`);
    if (agentId !== undefined && agentIds.has(agentId)) problem(ar.path("agentId"), `duplicate agentId ${agentId}`);
    if (agentId !== undefined) agentIds.add(agentId);
    if (userName !== undefined) {
      if (userNames.has(userName.toLowerCase())) problem(ar.path("userName"), `duplicate userName '${userName}'`);
      userNames.add(userName.toLowerCase());
    }
    agents.push({ ...(agent as SimSeed["agents"][number]), ...extra });
  }

  const groups: SimGroup[] = [];
  const groupIds = new Set<number>();
  for (const [i, g] of r.optArr("groups").entries()) {
    const gr = new Reader(g, `groups[${i}]`, problem);
    const groupId = gr.int("groupId");
    const groupName = gr.str("groupName");
    const group = {
      groupId,
      groupName,
      isActive: gr.optBool("isActive") ?? true,
      notes: gr.optStr("notes"),
      lastUpdated: gr.optDate("lastUpdated") ?? DEFAULT_SEED_TIME,
    };
    gr.unknownKeys(["groupId", "groupName", "isActive", "notes", "lastUpdated"]);
    if (groupId === undefined || groupName === undefined) continue;
    if (groupIds.has(groupId)) problem(gr.path("groupId"), `duplicate groupId ${groupId}`);
    else {
      groupIds.add(groupId);
      groups.push(group as SimGroup);
    }
  }

  const memberships: SimGroupMembership[] = [];
  const membershipKeys = new Set<string>();
  for (const [i, m] of r.optArr("groupMemberships").entries()) {
    const mr = new Reader(m, `groupMemberships[${i}]`, problem);
    const groupId = mr.int("groupId");
    const agentId = mr.int("agentId");
    mr.unknownKeys(["groupId", "agentId"]);
    if (groupId === undefined || agentId === undefined) continue;
    if (!groupIds.has(groupId)) problem(mr.path("groupId"), `groupId ${groupId} is not a seeded group`);
    else if (!agentIds.has(agentId)) problem(mr.path("agentId"), `agentId ${agentId} is not a seeded agent`);
    else if (membershipKeys.has(`${groupId}/${agentId}`)) warn(mr.path(""), `duplicate membership ${groupId}/${agentId} ignored`);
    else {
      membershipKeys.add(`${groupId}/${agentId}`);
      memberships.push({ groupId, agentId });
    }
  }

  const maxAgentId = agents.reduce((m, a) => Math.max(m, typeof a.agentId === "number" ? a.agentId : 0), 0);
  let nextAgentId = r.optInt("nextAgentId");
  if (nextAgentId !== undefined && nextAgentId <= maxAgentId) {
    problem("nextAgentId", `nextAgentId ${nextAgentId} must be greater than the largest agentId (${maxAgentId})`);
    nextAgentId = undefined;
  }
  r.unknownKeys(["businessUnitId", "tenantId", "area", "nextAgentId", "securityProfiles", "teams", "agents", "groups", "groupMemberships"]);

  if (diagnostics.some((d) => d.severity === "error") || businessUnitId === undefined || tenantId === undefined) return { diagnostics };
  const seed: SimSeed = {
    businessUnitId,
    tenantId,
    ...(area !== undefined ? { area } : {}),
    nextAgentId: nextAgentId ?? Math.max(maxAgentId + 1, 1),
    securityProfiles: profiles.sort((a, b) => a.securityProfileId - b.securityProfileId),
    teams: teams.sort((a, b) => a.teamId - b.teamId),
    agents: agents.sort((a, b) => a.agentId - b.agentId),
    groups: groups.sort((a, b) => a.groupId - b.groupId),
    groupMemberships: memberships.sort((a, b) => a.groupId - b.groupId || a.agentId - b.agentId),
  };
  return { seed, diagnostics };
}

/** Deterministic GUID for an agent that has none (recognisable: the agentId is in the last block). */
export function derivedUserId(agentId: number): string {
  return `5e1a0000-0000-4000-8000-${agentId.toString(16).padStart(12, "0")}`;
}

/** Typed field access with problems reported at a JSON path. */
class Reader {
  private readonly obj: Record<string, unknown>;
  constructor(
    value: unknown,
    private readonly base: string,
    private readonly problem: (path: string, message: string) => void,
  ) {
    if (isObject(value)) this.obj = value;
    else {
      this.obj = {};
      problem(base, "must be an object");
    }
  }
  path(key: string): string {
    return key === "" ? this.base : this.base === "" ? key : `${this.base}.${key}`;
  }
  int(key: string): number | undefined {
    const v = this.get(key);
    if (Number.isInteger(v)) return v as number;
    this.problem(this.path(key), v === undefined ? `${key} is required` : `${key} must be an integer`);
    return undefined;
  }
  optInt(key: string): number | undefined {
    return this.get(key) === undefined ? undefined : this.int(key);
  }
  str(key: string): string | undefined {
    const v = this.get(key);
    if (typeof v === "string" && v !== "") return v;
    this.problem(this.path(key), v === undefined ? `${key} is required` : `${key} must be a non-empty string`);
    return undefined;
  }
  optStr(key: string): string | null {
    const v = this.get(key);
    if (v === undefined || v === null) return null;
    if (typeof v === "string") return v;
    this.problem(this.path(key), `${key} must be a string or null`);
    return null;
  }
  optBool(key: string): boolean | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v === "boolean") return v;
    this.problem(this.path(key), `${key} must be true or false`);
    return undefined;
  }
  optDate(key: string): string | null {
    const v = this.optStr(key);
    if (v === null) return null;
    if (Number.isNaN(Date.parse(v))) {
      this.problem(this.path(key), `${key} '${v}' is not an ISO-8601 date-time`);
      return null;
    }
    return new Date(Date.parse(v)).toISOString();
  }
  arr(key: string): unknown[] {
    const v = this.get(key);
    if (Array.isArray(v)) return v;
    this.problem(this.path(key), v === undefined ? `${key} is required` : `${key} must be an array`);
    return [];
  }
  optArr(key: string): unknown[] {
    return this.get(key) === undefined ? [] : this.arr(key);
  }
  unknownKeys(known: string[]): void {
    for (const k of Object.keys(this.obj)) if (!known.includes(k)) this.problem(this.path(k), `unknown key '${k}'`);
  }
  /** Own properties only: a seed key such as constructor is never read from the prototype. */
  private get(key: string): unknown {
    return hasOwn(this.obj, key) ? this.obj[key] : undefined;
  }
}
