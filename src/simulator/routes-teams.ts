/**
 * Team routes (docs/cxone-contract.md#teams, #simulator-lists, #simulator-reads, #simulator-teams). Team membership is single-valued:
 * assigning an agent to a team moves it, and removing it needs a `transferTeamId` to move it to.
 */
import {
  agentItems,
  apiError,
  intSegment,
  isResponse,
  itemResults,
  json,
  jsonBody,
  listQuery,
  noContent,
  queryParam,
  type RequestContext,
  type Route,
  type SimResponse,
} from "./http.js";
import { isObject } from "../core/json.js";
import { resolveAgentRef } from "./routes-agents.js";
import { invalid } from "./state.js";
import type { SimTeam } from "./types.js";

/** The team named by the path: 400 for a non-integer id, 404 for an unknown one (docs/cxone-contract.md#simulator-reads). */
function pathTeam(ctx: RequestContext, id: string): SimTeam | SimResponse {
  const teamId = intSegment(id);
  if (teamId === undefined) return apiError(400, invalid("teamId", id, "must be an integer"));
  const team = ctx.rt.state.teams.get(teamId);
  return team ?? apiError(404, invalid("teamId", id, "does not exist"));
}

function getTeams(ctx: RequestContext): SimResponse {
  const s = ctx.rt.state;
  const page = listQuery(
    ctx,
    s.teamList().map((t) => s.renderTeam(t)),
    { searchKeys: ["teamName"], updatedKey: "lastUpdateTime", idKey: "teamId" },
  );
  if (isResponse(page)) return page;
  if (page.rows.length === 0) return noContent();
  return json(200, { businessUnitId: s.businessUnitId, _links: page.links, lastPollTime: ctx.now(), totalRecords: page.total, teams: page.rows });
}

/** `GET /teams/{id}`: the team with `agents:[{agentId, firstName, lastName}]` at `teams[0].agents` (docs/cxone-contract.md#official-package). */
function getTeam(ctx: RequestContext, [id]: string[]): SimResponse {
  const team = pathTeam(ctx, id!);
  if (isResponse(team)) return team;
  const s = ctx.rt.state;
  const agents = s
    .agentsInTeam(team.teamId)
    .filter((a) => a.isActive || ctx.rt.knobs.teamIncludesInactiveAgents)
    .map((a) => ({ agentId: a.agentId, firstName: a.firstName, lastName: a.lastName }));
  return json(200, { businessUnitId: s.businessUnitId, lastPollTime: ctx.now(), teams: [{ ...s.renderTeam(team), agents }] });
}

/** `GET /teams/{id}/agents`: paged full agents, wrapped as `teams:[{…team, agents}]`. */
function getTeamAgents(ctx: RequestContext, [id]: string[]): SimResponse {
  const team = pathTeam(ctx, id!);
  if (isResponse(team)) return team;
  const s = ctx.rt.state;
  const page = listQuery(
    ctx,
    s.agentsInTeam(team.teamId).map((a) => s.renderAgent(a)),
    { searchKeys: ["userName", "firstName", "lastName", "emailAddress"], updatedKey: "lastUpdated", idKey: "agentId" },
  );
  if (isResponse(page)) return page;
  if (page.rows.length === 0) return noContent();
  return json(200, {
    businessUnitId: s.businessUnitId,
    _links: page.links,
    lastPollTime: ctx.now(),
    totalRecords: page.total,
    teams: [{ ...s.renderTeam(team), agents: page.rows }],
  });
}

/** `GET /teams/agents`: every team with its agents. */
function getAllTeamAgents(ctx: RequestContext): SimResponse {
  const s = ctx.rt.state;
  const teams = s.teamList().map((t) => ({ ...s.renderTeam(t), agents: s.agentsInTeam(t.teamId).map((a) => s.renderAgent(a)) }));
  return teams.length === 0 ? noContent() : json(200, { lastPollTime: ctx.now(), teams });
}

/** `POST /teams/{id}/agents`: moves each listed agent into the team. */
function postTeamAgents(ctx: RequestContext, [id]: string[]): SimResponse {
  const team = pathTeam(ctx, id!);
  if (isResponse(team)) return team;
  const { state, knobs } = ctx.rt;
  const items = agentItems(ctx, knobs.maxTeamAssign, (max) => `Cannot assign more than ${max} agents at a time`);
  if (isResponse(items)) return items;
  const results = items.map((item) => {
    const ref = isObject(item) ? item.agentId : undefined;
    const agent = resolveAgentRef(state, ref);
    if (!agent) return { agentId: ref ?? null, success: false, error: invalid("agentId", ref, ref === undefined ? "is required" : "does not exist") };
    state.moveAgent(agent, team.teamId, ctx.now());
    return { agentId: agent.agentId, success: true };
  });
  return itemResults(results, knobs.teamAssignResultSet);
}

/** `DELETE /teams/{id}/agents?transferTeamId=X` with `{agents:[{agentId}]}`: moves each agent to X. */
function deleteTeamAgents(ctx: RequestContext, [id]: string[]): SimResponse {
  const team = pathTeam(ctx, id!);
  if (isResponse(team)) return team;
  const { state, knobs } = ctx.rt;
  // "All Agents must be assigned to a Team" (docs/cxone-contract.md#teams): no transfer team, no removal.
  const transferText = queryParam(ctx.url, "transferTeamId");
  if (transferText === undefined || transferText.trim() === "") return apiError(400, invalid("transferTeamId", transferText, "is required"));
  const transferId = intSegment(transferText.trim());
  if (transferId === undefined) return apiError(400, invalid("transferTeamId", transferText, "must be an integer"));
  if (!state.teams.has(transferId)) return apiError(400, invalid("transferTeamId", transferText, "does not exist"));
  if (transferId === team.teamId) return apiError(400, invalid("transferTeamId", transferText, "must differ from the team the agents are removed from"));
  const items = agentItems(ctx, knobs.maxTeamAssign, (max) => `Cannot remove more than ${max} agents at a time`);
  if (isResponse(items)) return items;
  const results = items.map((item) => {
    const ref = isObject(item) ? item.agentId : undefined;
    const agent = resolveAgentRef(state, ref);
    if (!agent) return { agentId: ref ?? null, success: false, error: invalid("agentId", ref, ref === undefined ? "is required" : "does not exist") };
    if (agent.teamId !== team.teamId) return { agentId: agent.agentId, success: false, error: invalid("agentId", ref, `is not assigned to team '${team.teamId}'`) };
    state.moveAgent(agent, transferId, ctx.now());
    return { agentId: agent.agentId, success: true };
  });
  return itemResults(results);
}

interface TeamFields {
  teamName?: string;
  isActive?: boolean;
  description?: string | null;
  notes?: string | null;
  teamLeadId?: string | null;
}

/** Checks a team object of PUT/POST /teams; `self` is the team being updated. */
function checkTeam(ctx: RequestContext, input: Record<string, unknown>, self: SimTeam | undefined): { fields: TeamFields } | { error: string } {
  const fields: TeamFields = {};
  const lenient = ctx.rt.knobs.strictness === "lenient";
  for (const [k, v] of Object.entries(input)) {
    switch (k) {
      case "teamName":
        if (typeof v !== "string" || v.trim() === "" || v.length > 100) return { error: invalid("teamName", v, "must be 1 to 100 characters") };
        if ([...ctx.rt.state.teams.values()].some((t) => t !== self && t.teamName.toLowerCase() === v.toLowerCase())) return { error: invalid("teamName", v, "must be unique") };
        fields.teamName = v;
        break;
      case "isActive":
        if (typeof v !== "boolean") return { error: invalid("isActive", v, "must be true or false") };
        fields.isActive = v;
        break;
      case "description":
      case "notes":
      case "teamLeadId":
        if (v !== null && typeof v !== "string") return { error: invalid(k, v, "must be a string") };
        fields[k] = v;
        break;
      default:
        ctx.notes.push(`ignored team field '${k}'`);
    }
  }
  if (fields.teamName === undefined && !lenient) {
    // teamName is required in the PUT and POST team schemas (docs/cxone-contract.md#teams).
    return { error: invalid("teamName", input.teamName, "is required") };
  }
  return { fields };
}

/** `PUT /teams/{id}` with `{forceInactive, team:{…}}`; 409 when deactivating a team with active agents. */
function putTeam(ctx: RequestContext, [id]: string[]): SimResponse {
  const team = pathTeam(ctx, id!);
  if (isResponse(team)) return team;
  const parsed = jsonBody(ctx);
  if (isResponse(parsed)) return parsed;
  const body = parsed.value;
  if (!isObject(body) || !isObject(body.team)) return apiError(400, "Invalid team - the request body must be {\"team\":{...}}");
  const checked = checkTeam(ctx, body.team, team);
  if ("error" in checked) return apiError(400, checked.error);
  const { fields } = checked;
  const state = ctx.rt.state;
  const now = ctx.now();
  if (fields.isActive === false && team.isActive) {
    const active = state.agentsInTeam(team.teamId).filter((a) => a.isActive);
    if (active.length > 0) {
      if (body.forceInactive !== true) {
        return apiError(409, `Team '${team.teamName}' has ${active.length} active agent(s); set forceInactive to deactivate them with the team`);
      }
      for (const a of active) {
        a.isActive = false;
        a.inactiveDate = now;
        a.lastUpdated = now;
      }
      ctx.notes.push(`forceInactive: deactivated agents ${active.map((a) => a.agentId).join(", ")}`);
    }
  }
  Object.assign(team, fields);
  team.lastUpdateTime = now;
  return { status: 200, headers: { icStatusDescription: "Success" } };
}

/** `POST /teams` with `{teams:[{teamName,…}]}` → `{errorCount, results}`. */
function postTeams(ctx: RequestContext): SimResponse {
  const parsed = jsonBody(ctx);
  if (isResponse(parsed)) return parsed;
  const body = parsed.value;
  const items = isObject(body) ? body.teams : undefined;
  if (!Array.isArray(items) || items.length === 0) return apiError(400, "Invalid teams - at least one team is required");
  const state = ctx.rt.state;
  const results = items.map((item) => {
    if (!isObject(item)) return { success: false, error: "Invalid team - each item must be an object" };
    const checked = checkTeam(ctx, item, undefined);
    if ("error" in checked) return { success: false, error: checked.error };
    if (checked.fields.teamName === undefined) return { success: false, error: invalid("teamName", undefined, "is required") };
    const teamId = Math.max(0, ...state.teams.keys()) + 1;
    state.teams.set(teamId, {
      teamId,
      teamName: checked.fields.teamName,
      isActive: checked.fields.isActive ?? true,
      description: checked.fields.description ?? null,
      notes: checked.fields.notes ?? null,
      teamLeadId: checked.fields.teamLeadId ?? null,
      lastUpdateTime: ctx.now(),
    });
    return { success: true, teamId };
  });
  const errorCount = results.filter((r) => !r.success).length;
  return json(errorCount === 0 ? 200 : 206, { errorCount, results });
}

export const TEAM_ROUTES: Route[] = [
  { method: "GET", pattern: /^\/teams$/i, handler: getTeams },
  { method: "POST", pattern: /^\/teams$/i, handler: postTeams },
  { method: "GET", pattern: /^\/teams\/agents$/i, handler: getAllTeamAgents },
  { method: "GET", pattern: /^\/teams\/([^/]+)$/i, handler: getTeam },
  { method: "PUT", pattern: /^\/teams\/([^/]+)$/i, handler: putTeam },
  { method: "GET", pattern: /^\/teams\/([^/]+)\/agents$/i, handler: getTeamAgents },
  { method: "POST", pattern: /^\/teams\/([^/]+)\/agents$/i, handler: postTeamAgents },
  { method: "DELETE", pattern: /^\/teams\/([^/]+)\/agents$/i, handler: deleteTeamAgents },
];
