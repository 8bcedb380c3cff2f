/**
 * The simulated business unit: security profiles, teams, agents, groups and group memberships,
 * with the rules of docs/cxone-contract.md#simulator-data, #simulator-create, #simulator-teams (validation, one team per agent,
 * partial updates, licence limit). HTTP concerns live in the routes-*.ts files; this module only
 * holds data and answers "is this allowed, and what changes".
 */
import { EXTRA_AGENT_FIELDS } from "./agent-fields.js";
import { DEFAULT_SEED_TIME, derivedUserId, EMAIL_PATTERN, GUID_PATTERN } from "./seed.js";
import type { SimAgent, SimGroup, SimKnobs, SimProfile, SimSeed, SimTeam } from "./types.js";
import { isObject } from "../core/json.js";

/** Fields the simulator sets itself; sending them is ignored (and noted). */
const READ_ONLY_AGENT_FIELDS = new Set(["userID", "teamName", "profileName", "createDate", "lastUpdated", "inactiveDate", "lastLogin", "agentId"]);

/** Required per agent on create (docs/cxone-contract.md#agents, v34 required list). */
export const CREATE_REQUIRED_SPEC = ["firstName", "lastName", "emailAddress", "userName", "teamId", "profileId", "timeZone", "country", "city"] as const;
/** What `lenient` mode still insists on (the official package's minimal body has these). */
export const CREATE_REQUIRED_LENIENT = ["firstName", "lastName", "emailAddress", "userName"] as const;

interface StringRule {
  min: number;
  max: number;
  email?: boolean;
  nullable?: boolean;
}

/** Core string fields with the lengths the spec documents; others get a generous bound. */
const STRING_RULES: Record<string, StringRule> = {
  firstName: { min: 1, max: 50 },
  middleName: { min: 0, max: 50, nullable: true },
  lastName: { min: 1, max: 50 },
  emailAddress: { min: 1, max: 255, email: true },
  userName: { min: 1, max: 255, email: true },
  timeZone: { min: 1, max: 255 },
  country: { min: 1, max: 255 },
  state: { min: 0, max: 255, nullable: true },
  city: { min: 1, max: 255 },
};

export interface Change {
  ok: true;
  /** Things tolerated or ignored, for the request log. */
  notes: string[];
}
export interface Refusal {
  ok: false;
  status: number;
  error: string;
  notes: string[];
}

export interface CreateOutcome extends Change {
  agent: SimAgent;
}

export interface MutationContext {
  knobs: SimKnobs;
  now: string;
}

/** Values checked and normalised from a create/update body. */
interface CheckedAgentInput {
  core: Partial<Omit<SimAgent, "extra">>;
  extra: Record<string, unknown>;
  errors: string[];
  notes: string[];
}

export class SimState {
  businessUnitId: number;
  tenantId: string;
  area: string;
  nextAgentId: number;
  readonly profiles = new Map<number, SimProfile>();
  readonly teams = new Map<number, SimTeam>();
  readonly agents = new Map<number, SimAgent>();
  readonly groups = new Map<number, SimGroup>();
  readonly groupMembers = new Map<number, Set<number>>();

  /** `seed` must come from `parseSeed` (checked and normalised). */
  constructor(seed: SimSeed) {
    this.businessUnitId = seed.businessUnitId;
    this.tenantId = seed.tenantId;
    this.area = seed.area ?? "na1";
    for (const p of seed.securityProfiles) this.profiles.set(p.securityProfileId, { ...p });
    for (const t of seed.teams) this.teams.set(t.teamId, { ...t });
    let maxId = 0;
    for (const a of seed.agents) {
      const { agentId, userID, userName, firstName, middleName, lastName, emailAddress, isActive, teamId, profileId, timeZone, country, state, city, lastLogin, lastUpdated, createDate, inactiveDate, ...extra } = a;
      this.agents.set(agentId, {
        agentId,
        userID: userID || derivedUserId(agentId),
        userName,
        firstName,
        middleName: middleName ?? null,
        lastName,
        emailAddress,
        isActive,
        teamId,
        profileId,
        timeZone,
        country,
        state: state ?? null,
        city,
        lastLogin: lastLogin ?? null,
        lastUpdated: lastUpdated ?? DEFAULT_SEED_TIME,
        createDate: createDate ?? DEFAULT_SEED_TIME,
        inactiveDate: inactiveDate ?? null,
        extra: structuredClone(extra),
      });
      maxId = Math.max(maxId, agentId);
    }
    this.nextAgentId = Math.max(seed.nextAgentId ?? 1, maxId + 1);
    for (const g of seed.groups ?? []) {
      this.groups.set(g.groupId, { ...g });
      this.groupMembers.set(g.groupId, new Set());
    }
    for (const m of seed.groupMemberships ?? []) this.groupMembers.get(m.groupId)?.add(m.agentId);
  }

  /** The state as a seed document, in a deterministic order (ids ascending, fixed key order). */
  dump(): SimSeed {
    const memberships: Array<{ groupId: number; agentId: number }> = [];
    for (const g of this.groupList()) for (const agentId of [...(this.groupMembers.get(g.groupId) ?? [])].sort((a, b) => a - b)) memberships.push({ groupId: g.groupId, agentId });
    return {
      businessUnitId: this.businessUnitId,
      tenantId: this.tenantId,
      area: this.area,
      nextAgentId: this.nextAgentId,
      securityProfiles: this.profileList().map((p) => ({ ...p })),
      teams: this.teamList().map((t) => ({ ...t })),
      agents: this.agentList().map((a) => this.agentRecord(a, false) as SimSeed["agents"][number]),
      groups: this.groupList().map((g) => ({ ...g })),
      groupMemberships: memberships,
    };
  }

  agentList(): SimAgent[] {
    return [...this.agents.values()].sort((a, b) => a.agentId - b.agentId);
  }
  teamList(): SimTeam[] {
    return [...this.teams.values()].sort((a, b) => a.teamId - b.teamId);
  }
  groupList(): SimGroup[] {
    return [...this.groups.values()].sort((a, b) => a.groupId - b.groupId);
  }
  profileList(): SimProfile[] {
    return [...this.profiles.values()].sort((a, b) => a.securityProfileId - b.securityProfileId);
  }
  agentsInTeam(teamId: number): SimAgent[] {
    return this.agentList().filter((a) => a.teamId === teamId);
  }
  agentsInGroup(groupId: number): SimAgent[] {
    const members = this.groupMembers.get(groupId) ?? new Set<number>();
    return this.agentList().filter((a) => members.has(a.agentId));
  }
  groupsOfAgent(agentId: number): SimGroup[] {
    return this.groupList().filter((g) => this.groupMembers.get(g.groupId)?.has(agentId));
  }
  activeAgentCount(): number {
    let n = 0;
    for (const a of this.agents.values()) if (a.isActive) n++;
    return n;
  }

  /** An agent by integer agentId or by userID GUID (docs/cxone-contract.md#agents: v11+ accepts either). */
  findAgent(ref: string | number): SimAgent | undefined {
    if (typeof ref === "number") return Number.isInteger(ref) ? this.agents.get(ref) : undefined;
    const text = ref.trim();
    if (/^\d+$/.test(text)) return this.agents.get(Number(text));
    if (GUID_PATTERN.test(text)) {
      const bare = text.replace(/[{}]/g, "").toLowerCase();
      for (const a of this.agents.values()) if (a.userID.toLowerCase() === bare) return a;
    }
    return undefined;
  }

  /** The agent as the API returns it: derived teamName/profileName, extras after the core fields. */
  renderAgent(agent: SimAgent): Record<string, unknown> {
    return this.agentRecord(agent, true);
  }

  private agentRecord(a: SimAgent, withDerived: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {
      agentId: a.agentId,
      userID: a.userID,
      userName: a.userName,
      firstName: a.firstName,
      middleName: a.middleName,
      lastName: a.lastName,
      emailAddress: a.emailAddress,
      isActive: a.isActive,
      teamId: a.teamId,
    };
    if (withDerived) out.teamName = this.teams.get(a.teamId)?.teamName ?? null;
    out.profileId = a.profileId;
    if (withDerived) out.profileName = this.profiles.get(a.profileId)?.securityProfileName ?? null;
    Object.assign(out, {
      timeZone: a.timeZone,
      country: a.country,
      state: a.state,
      city: a.city,
      lastLogin: a.lastLogin,
      lastUpdated: a.lastUpdated,
      createDate: a.createDate,
      inactiveDate: a.inactiveDate,
    });
    for (const k of Object.keys(a.extra).sort()) if (!(k in out)) out[k] = structuredClone(a.extra[k]);
    return out;
  }

  renderTeam(t: SimTeam): Record<string, unknown> {
    return {
      teamId: t.teamId,
      teamName: t.teamName,
      isActive: t.isActive,
      description: t.description,
      notes: t.notes,
      teamLeadId: t.teamLeadId,
      lastUpdateTime: t.lastUpdateTime,
      agentCount: this.agentsInTeam(t.teamId).length,
    };
  }

  renderGroup(g: SimGroup): Record<string, unknown> {
    return { groupId: g.groupId, groupName: g.groupName, isActive: g.isActive, notes: g.notes, lastUpdated: g.lastUpdated };
  }

  renderProfile(p: SimProfile): Record<string, unknown> {
    return {
      securityProfileId: p.securityProfileId,
      securityProfileName: p.securityProfileName,
      securityProfileStatusName: "Active",
      isInternal: false,
    };
  }

  /** `POST /agents`, one item (docs/cxone-contract.md#simulator-create). */
  createAgent(input: unknown, ctx: MutationContext): CreateOutcome | Refusal {
    if (!isObject(input)) return { ok: false, status: 400, error: "Invalid agent - each item must be an object", notes: [] };
    const checked = this.checkAgentInput(input, "create", ctx.knobs, undefined);
    const { core } = checked;
    const lenient = ctx.knobs.strictness === "lenient";
    const required: readonly string[] = lenient ? CREATE_REQUIRED_LENIENT : CREATE_REQUIRED_SPEC;
    const missing = required.filter((f) => (core as Record<string, unknown>)[f] === undefined && !checked.errors.some((e) => e.startsWith(`Invalid ${f} -`)));
    const errors = [...missing.map((f) => invalid(f, input[f], "is required")), ...checked.errors];
    if (errors.length > 0) return { ok: false, status: 400, error: errors.join("; "), notes: checked.notes };

    if (lenient) {
      const d = ctx.knobs.lenientDefaults;
      const defaulted: string[] = [];
      if (core.teamId === undefined) {
        core.teamId = d.teamId ?? this.teamList().find((t) => t.isActive)?.teamId ?? this.teamList()[0]?.teamId;
        defaulted.push("teamId");
      }
      if (core.profileId === undefined) {
        core.profileId = d.profileId ?? this.profileList()[0]?.securityProfileId;
        defaulted.push("profileId");
      }
      for (const f of ["timeZone", "country", "city"] as const) {
        if (core[f] === undefined) {
          core[f] = d[f];
          defaulted.push(f);
        }
      }
      if (core.teamId === undefined || !this.teams.has(core.teamId)) return { ok: false, status: 400, error: invalid("teamId", core.teamId, "does not exist"), notes: checked.notes };
      if (core.profileId === undefined || !this.profiles.has(core.profileId)) return { ok: false, status: 400, error: invalid("profileId", core.profileId, "does not exist"), notes: checked.notes };
      if (defaulted.length > 0) checked.notes.push(`lenient: defaulted ${defaulted.join(", ")}`);
    }

    const agentId = this.nextAgentId++;
    const isActive = core.isActive ?? true;
    const agent: SimAgent = {
      agentId,
      userID: core.userID ?? derivedUserId(agentId),
      userName: core.userName!,
      firstName: core.firstName!,
      middleName: core.middleName ?? null,
      lastName: core.lastName!,
      emailAddress: core.emailAddress!,
      isActive,
      teamId: core.teamId!,
      profileId: core.profileId!,
      timeZone: core.timeZone!,
      country: core.country!,
      state: core.state ?? null,
      city: core.city!,
      lastLogin: null,
      lastUpdated: ctx.now,
      createDate: ctx.now,
      inactiveDate: isActive ? null : ctx.now,
      extra: checked.extra,
    };
    this.agents.set(agentId, agent);
    return { ok: true, agent, notes: checked.notes };
  }

  /**
   * A partial update of one agent (both PUT shapes, docs/cxone-contract.md#simulator-update). `patch` is the
   * agent object without its `agentId`.
   */
  updateAgent(agent: SimAgent, patch: Record<string, unknown>, ctx: MutationContext): Change | Refusal {
    if (ctx.knobs.v23PutQuirk && (patch.teamId === undefined || patch.profileId === undefined)) {
      return { ok: true, notes: ["v23 quirk: update without teamId/profileId answered 200 and changed nothing"] };
    }
    const checked = this.checkAgentInput(patch, "update", ctx.knobs, agent);
    if (checked.errors.length > 0) return { ok: false, status: 400, error: checked.errors.join("; "), notes: checked.notes };
    const { core } = checked;
    const max = ctx.knobs.maxActiveAgents;
    if (core.isActive === true && !agent.isActive && max !== null && this.activeAgentCount() >= max) {
      return { ok: false, status: 402, error: `Maximum active user limit of '${max}' has been reached`, notes: checked.notes };
    }

    let changed = false;
    const set = <K extends keyof SimAgent>(key: K, value: SimAgent[K]) => {
      if (agent[key] !== value) {
        agent[key] = value;
        changed = true;
      }
    };
    for (const key of ["userName", "firstName", "middleName", "lastName", "emailAddress", "teamId", "profileId", "timeZone", "country", "state", "city"] as const) {
      const v = core[key];
      if (v !== undefined) set(key, v as never);
    }
    if (core.isActive !== undefined && core.isActive !== agent.isActive) {
      set("isActive", core.isActive);
      set("inactiveDate", core.isActive ? null : ctx.now);
    }
    for (const [k, v] of Object.entries(checked.extra)) {
      if (JSON.stringify(agent.extra[k]) !== JSON.stringify(v)) {
        agent.extra[k] = v;
        changed = true;
      }
    }
    if (changed) agent.lastUpdated = ctx.now;
    return { ok: true, notes: checked.notes };
  }

  /** Moves an agent to a team (team assignment, removal with transfer, or a teamId change). */
  moveAgent(agent: SimAgent, teamId: number, now: string): void {
    if (agent.teamId === teamId) return;
    agent.teamId = teamId;
    agent.lastUpdated = now;
  }

  private checkAgentInput(input: Record<string, unknown>, mode: "create" | "update", knobs: SimKnobs, self: SimAgent | undefined): CheckedAgentInput {
    const lenient = knobs.strictness === "lenient";
    const out: CheckedAgentInput = { core: {}, extra: {}, errors: [], notes: [] };
    const bad = (field: string, value: unknown, reason: string) => out.errors.push(invalid(field, value, reason));

    for (const [key, value] of Object.entries(input)) {
      const rule = STRING_RULES[key];
      if (rule) {
        if (value === null || value === undefined || (value === "" && rule.nullable)) {
          if (rule.nullable) (out.core as Record<string, unknown>)[key] = null;
          else if (mode === "update") bad(key, value, "is required");
          continue;
        }
        let text: string;
        if (typeof value === "string") text = value;
        else if (lenient && (typeof value === "number" || typeof value === "boolean")) text = String(value);
        else {
          bad(key, value, "must be a string");
          continue;
        }
        if (text.length < rule.min || text.length > rule.max) {
          bad(key, text, text.length === 0 ? "is required" : rule.min > 0 ? `must be ${rule.min} to ${rule.max} characters` : `must be at most ${rule.max} characters`);
          continue;
        }
        if (rule.email && !EMAIL_PATTERN.test(text)) {
          bad(key, text, "must be a valid email address");
          continue;
        }
        if (key === "userName") {
          const clash = [...this.agents.values()].find((a) => a !== self && a.userName.toLowerCase() === text.toLowerCase());
          if (clash) {
            bad(key, text, "must be unique");
            continue;
          }
        }
        (out.core as Record<string, unknown>)[key] = text;
        continue;
      }
      switch (key) {
        case "teamId": {
          // The v34 request schema types teamId as a string; v9 and responses use an int. Accept both.
          const id = typeof value === "number" ? value : typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
          if (!Number.isInteger(id)) bad(key, value, value === "" || value === null ? "is required" : "must be an integer");
          else if (!this.teams.has(id)) bad(key, value, "does not exist");
          else out.core.teamId = id;
          break;
        }
        case "profileId": {
          // profileId must be an int; a string value fails (docs/cxone-contract.md#agents: a PowerShell client casts it for that reason).
          const id = typeof value === "number" ? value : lenient && typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
          if (!Number.isInteger(id)) bad(key, value, value === "" || value === null ? "is required" : "must be an integer");
          else if (!this.profiles.has(id)) bad(key, value, "does not exist");
          else out.core.profileId = id;
          break;
        }
        case "isActive": {
          const b = toBool(value);
          if (b === undefined) bad(key, value, "must be true or false");
          else {
            if (typeof value === "string") out.notes.push(`isActive given as the string '${value}'`);
            out.core.isActive = b;
          }
          break;
        }
        case "userId": {
          if (value === "" || value === null) break;
          if (typeof value !== "string" || !GUID_PATTERN.test(value)) {
            bad(key, value, "must be a GUID");
            break;
          }
          const bare = value.replace(/[{}]/g, "").toLowerCase();
          if (mode === "update") {
            if (self && bare !== self.userID.toLowerCase()) out.notes.push("ignored userId: an agent's userID cannot be changed");
            break;
          }
          if ([...this.agents.values()].some((a) => a.userID.toLowerCase() === bare)) bad(key, value, "must be unique");
          else out.core.userID = bare;
          break;
        }
        case "password":
          if (value !== null && (typeof value !== "string" || value.length > 50)) bad(key, "***", "must be a string of at most 50 characters");
          else out.notes.push("password accepted and not stored");
          break;
        case "forceChangeOnLogon":
          if (value !== null && toBool(value) === undefined) bad(key, value, "must be true or false");
          break;
        default: {
          if (READ_ONLY_AGENT_FIELDS.has(key)) {
            out.notes.push(`ignored read-only field '${key}'`);
            break;
          }
          const spec = EXTRA_AGENT_FIELDS[key];
          if (!spec) {
            out.notes.push(`ignored unknown field '${key}'`);
            break;
          }
          const problem = checkExtra(value, spec.type, spec.max, lenient);
          if (typeof problem === "string") bad(key, value, problem);
          else out.extra[key] = problem.value;
        }
      }
    }
    return out;
  }
}

/** The CXone error-message template: "Invalid {field} - '{value}', {reason}" (docs/cxone-contract.md#agents). */
export function invalid(field: string, value: unknown, reason: string): string {
  return `Invalid ${field} - '${display(value)}', ${reason}`;
}

function display(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function toBool(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  // Json.NET binds "true"/"false" strings to booleans.
  if (typeof value === "string" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
  return undefined;
}

function checkExtra(value: unknown, type: string, max: number | undefined, lenient: boolean): { value: unknown } | string {
  if (value === null) return { value: null };
  switch (type) {
    case "boolean": {
      const b = toBool(value);
      return b === undefined ? "must be true or false" : { value: b };
    }
    case "integer":
      if (Number.isInteger(value)) return { value };
      if (lenient && typeof value === "string" && /^-?\d+$/.test(value.trim())) return { value: Number(value) };
      return value === "" ? { value: null } : "must be an integer";
    case "number":
      if (typeof value === "number" && Number.isFinite(value)) return { value };
      return "must be a number";
    case "array":
      return Array.isArray(value) ? { value: structuredClone(value) } : "must be an array";
    default: {
      if (typeof value !== "string" && !(lenient && typeof value === "number")) return "must be a string";
      const text = String(value);
      if (max !== undefined && text.length > max) return `must be at most ${max} characters`;
      return { value: text };
    }
  }
}
