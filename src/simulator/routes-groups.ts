/**
 * Groups (optional, multi-valued) and security profiles (single-valued, read-only here)
 * (docs/cxone-contract.md#groups-and-profiles, #simulator-lists). Shapes follow test/fixtures/cxone/openapi-subset.yaml: group lists carry
 * `{_links, totalRecords, groups}`, group agents sit at the top level as `agents`.
 */
import { agentItems, apiError, intSegment, isResponse, itemResults, json, listQuery, noContent, queryParam, type RequestContext, type Route, type SimResponse } from "./http.js";
import { isObject } from "../core/json.js";
import { invalid } from "./state.js";
import type { SimAgent, SimGroup } from "./types.js";

function pathGroup(ctx: RequestContext, id: string): SimGroup | SimResponse {
  const groupId = intSegment(id);
  if (groupId === undefined) return apiError(400, invalid("groupId", id, "must be an integer"));
  return ctx.rt.state.groups.get(groupId) ?? apiError(404, invalid("groupId", id, "does not exist"));
}

function getGroups(ctx: RequestContext): SimResponse {
  const s = ctx.rt.state;
  const page = listQuery(
    ctx,
    s.groupList().map((g) => s.renderGroup(g)),
    { searchKeys: ["groupName"], updatedKey: "lastUpdated", idKey: "groupId" },
  );
  if (isResponse(page)) return page;
  if (page.rows.length === 0) return noContent();
  return json(200, { _links: page.links, totalRecords: page.total, groups: page.rows });
}

function getGroup(ctx: RequestContext, [id]: string[]): SimResponse {
  const group = pathGroup(ctx, id!);
  if (isResponse(group)) return group;
  return json(200, { groups: [ctx.rt.state.renderGroup(group)], totalRecords: 1 });
}

/** `GET /groups/{id}/agents` (`assigned=false` lists the agents not in the group). */
function getGroupAgents(ctx: RequestContext, [id]: string[]): SimResponse {
  const group = pathGroup(ctx, id!);
  if (isResponse(group)) return group;
  const s = ctx.rt.state;
  const assigned = queryParam(ctx.url, "assigned");
  const members = s.groupMembers.get(group.groupId) ?? new Set<number>();
  const agents = assigned !== undefined && assigned.toLowerCase() === "false" ? s.agentList().filter((a) => !members.has(a.agentId)) : s.agentsInGroup(group.groupId);
  const page = listQuery(
    ctx,
    agents.map((a) => s.renderAgent(a)),
    { searchKeys: ["userName", "firstName", "lastName", "emailAddress"], updatedKey: "lastUpdated", idKey: "agentId" },
  );
  if (isResponse(page)) return page;
  if (page.rows.length === 0) return noContent();
  return json(200, { _links: page.links, totalRecords: page.total, agents: page.rows });
}

/** Group items carry an integer agentId (the spec types it so; `lenient` also takes a numeric string). */
function groupItemAgent(ctx: RequestContext, item: unknown): { agent: SimAgent } | { agentId: unknown; error: string } {
  const ref = isObject(item) ? item.agentId : undefined;
  if (ref === undefined || ref === null || ref === "") return { agentId: ref ?? null, error: invalid("agentId", ref, "is required") };
  const lenient = ctx.rt.knobs.strictness === "lenient";
  const id = typeof ref === "number" ? ref : lenient && typeof ref === "string" && /^\d+$/.test(ref.trim()) ? Number(ref) : NaN;
  if (!Number.isInteger(id)) return { agentId: ref, error: invalid("agentId", ref, "must be an integer") };
  const agent = ctx.rt.state.agents.get(id);
  return agent ? { agent } : { agentId: ref, error: invalid("agentId", ref, "does not exist") };
}

/** `POST /groups/{id}/agents`: 200 `{agents:[{agentId}]}` when all succeed, else 206 `{errorCount, agentResults}`. */
function postGroupAgents(ctx: RequestContext, [id]: string[]): SimResponse {
  const group = pathGroup(ctx, id!);
  if (isResponse(group)) return group;
  const items = agentItems(ctx, ctx.rt.knobs.maxTeamAssign, (max) => `Cannot assign more than ${max} agents at a time`);
  if (isResponse(items)) return items;
  const s = ctx.rt.state;
  const members = s.groupMembers.get(group.groupId) ?? new Set<number>();
  s.groupMembers.set(group.groupId, members);
  const results = items.map((item) => {
    const r = groupItemAgent(ctx, item);
    if ("error" in r) return { agentId: r.agentId, success: false, error: r.error };
    members.add(r.agent.agentId);
    return { agentId: r.agent.agentId, success: true };
  });
  if (results.every((r) => r.success)) return json(200, { agents: results.map((r) => ({ agentId: r.agentId })) });
  return itemResults(results);
}

function deleteGroupAgents(ctx: RequestContext, [id]: string[]): SimResponse {
  const group = pathGroup(ctx, id!);
  if (isResponse(group)) return group;
  const items = agentItems(ctx, ctx.rt.knobs.maxTeamAssign, (max) => `Cannot remove more than ${max} agents at a time`);
  if (isResponse(items)) return items;
  const members = ctx.rt.state.groupMembers.get(group.groupId) ?? new Set<number>();
  const results = items.map((item) => {
    const r = groupItemAgent(ctx, item);
    if ("error" in r) return { agentId: r.agentId, success: false, error: r.error };
    if (!members.delete(r.agent.agentId)) return { agentId: r.agent.agentId, success: false, error: invalid("agentId", r.agent.agentId, `is not a member of group '${group.groupId}'`) };
    return { agentId: r.agent.agentId, success: true };
  });
  return itemResults(results);
}

function getSecurityProfiles(ctx: RequestContext): SimResponse {
  const s = ctx.rt.state;
  const page = listQuery(
    ctx,
    s.profileList().map((p) => s.renderProfile(p)),
    { searchKeys: ["securityProfileName"], idKey: "securityProfileId" },
  );
  if (isResponse(page)) return page;
  if (page.rows.length === 0) return noContent();
  return json(200, { _links: page.links, totalRecords: page.total, profiles: page.rows });
}

function getSecurityProfile(ctx: RequestContext, [id]: string[]): SimResponse {
  const profileId = intSegment(id!);
  if (profileId === undefined) return apiError(400, invalid("profileId", id, "must be an integer"));
  const s = ctx.rt.state;
  const profile = s.profiles.get(profileId);
  if (!profile) return apiError(404, invalid("profileId", id, "does not exist"));
  const assignedAgents = s
    .agentList()
    .filter((a) => a.profileId === profileId)
    .map((a) => ({ agentId: a.agentId, firstName: a.firstName, lastName: a.lastName }));
  return json(200, { profile: { ...s.renderProfile(profile), assignedAgents } });
}

export const GROUP_ROUTES: Route[] = [
  { method: "GET", pattern: /^\/groups$/i, handler: getGroups },
  { method: "GET", pattern: /^\/groups\/([^/]+)$/i, handler: getGroup },
  { method: "GET", pattern: /^\/groups\/([^/]+)\/agents$/i, handler: getGroupAgents },
  { method: "POST", pattern: /^\/groups\/([^/]+)\/agents$/i, handler: postGroupAgents },
  { method: "DELETE", pattern: /^\/groups\/([^/]+)\/agents$/i, handler: deleteGroupAgents },
  { method: "GET", pattern: /^\/security-profiles$/i, handler: getSecurityProfiles },
  { method: "GET", pattern: /^\/security-profiles\/([^/]+)$/i, handler: getSecurityProfile },
];
