/**
 * Agent routes of the Admin API (docs/cxone-contract.md#agents, #simulator-lists, #simulator-update):
 * `GET /agents`, `GET /agents/{agentId|userId}`, `POST /agents`, `PUT /agents/{id}` (`{agent}`),
 * bulk `PUT /agents` (`{agents:[{agentId,…}]}`), `GET /agents/{id}/groups`.
 */
import {
  agentItems,
  apiError,
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
import { invalid, type SimState } from "./state.js";
import type { SimAgent } from "./types.js";

const AGENT_SEARCH_KEYS = ["userName", "firstName", "lastName", "emailAddress"];

export function notFoundAgent(id: string): SimResponse {
  return apiError(404, `Invalid agentId - '${id}', does not exist`);
}

function getAgents(ctx: RequestContext): SimResponse {
  const s = ctx.rt.state;
  const page = listQuery(
    ctx,
    s.agentList().map((a) => s.renderAgent(a)),
    { searchKeys: AGENT_SEARCH_KEYS, updatedKey: "lastUpdated", idKey: "agentId" },
  );
  if (isResponse(page)) return page;
  if (page.rows.length === 0) return noContent();
  return json(200, {
    businessUnitId: s.businessUnitId,
    _links: page.links,
    lastPollTime: ctx.now(),
    totalRecords: page.total,
    hiddenAgents: 0,
    agents: page.rows,
  });
}

function getAgent(ctx: RequestContext, [id]: string[]): SimResponse {
  const s = ctx.rt.state;
  const agent = s.findAgent(id!);
  if (!agent) return notFoundAgent(id!);
  return json(200, { agents: [project(s.renderAgent(agent), queryParam(ctx.url, "fields"))] });
}

function project(row: Record<string, unknown>, fields: string | undefined): Record<string, unknown> {
  if (fields === undefined || fields.trim() === "") return row;
  const wanted = new Set(fields.split(",").map((f) => f.trim().toLowerCase()));
  return Object.fromEntries(Object.entries(row).filter(([k]) => wanted.has(k.toLowerCase())));
}

function postAgents(ctx: RequestContext): SimResponse {
  const { state, knobs } = ctx.rt;
  const items = agentItems(ctx, knobs.maxAgentsPerCreate, (max) => `Cannot create more than ${max} agents at a time`);
  if (isResponse(items)) return items;
  const results = items.map((item, i) => {
    const outcome = state.createAgent(item, { knobs, now: ctx.now() });
    for (const n of outcome.notes) ctx.notes.push(`agents[${i}]: ${n}`);
    // agentId only on success, error only on failure (docs/cxone-contract.md#agents).
    return outcome.ok ? { agentId: outcome.agent.agentId, success: true } : { success: false, error: outcome.error };
  });
  return itemResults(results);
}

function putAgent(ctx: RequestContext, [id]: string[]): SimResponse {
  const { state, knobs } = ctx.rt;
  const agent = state.findAgent(id!);
  if (!agent) return notFoundAgent(id!);
  const parsed = jsonBody(ctx);
  if (isResponse(parsed)) return parsed;
  const body = parsed.value;
  let patch: Record<string, unknown>;
  if (isObject(body) && isObject(body.agent)) patch = { ...body.agent };
  else if (isObject(body) && Array.isArray(body.agents)) {
    // The Saviynt package sends the bulk shape to the single-agent path (docs/cxone-contract.md#official-package).
    const only = body.agents.length === 1 && isObject(body.agents[0]) ? body.agents[0] : undefined;
    if (!knobs.acceptAgentsArrayOnSinglePut || !only) {
      return apiError(
        400,
        "Invalid agent - the request body must be {\"agent\":{...}}",
        "PUT /agents/{agentId} expects {\"agent\":{...}}; {\"agents\":[...]} is the shape of the bulk PUT /agents",
      );
    }
    ctx.notes.push("compat: accepted {\"agents\":[...]} on PUT /agents/{agentId} (acceptAgentsArrayOnSinglePut)");
    patch = { ...only };
  } else {
    return apiError(400, "Invalid agent - the request body must be {\"agent\":{...}}");
  }
  if (patch.agentId !== undefined && patch.agentId !== null && patch.agentId !== "") {
    if (state.findAgent(typeof patch.agentId === "number" ? patch.agentId : String(patch.agentId)) !== agent) {
      return apiError(400, invalid("agentId", patch.agentId, `does not match the agent in the path ('${id!}')`));
    }
  }
  delete patch.agentId;
  const outcome = state.updateAgent(agent, patch, { knobs, now: ctx.now() });
  ctx.notes.push(...outcome.notes);
  if (!outcome.ok) return apiError(outcome.status, outcome.error);
  return { status: 200, headers: { icStatusDescription: "Success" } };
}

function putAgentsBulk(ctx: RequestContext): SimResponse {
  const { state, knobs } = ctx.rt;
  const items = agentItems(ctx, knobs.maxAgentsPerCreate, (max) => `Cannot update more than ${max} agents at a time`);
  if (isResponse(items)) return items;
  const results = items.map((item, i) => {
    if (!isObject(item)) return { agentId: "", success: false, error: "Invalid agent - each item must be an object" };
    const ref = item.agentId;
    if (ref === undefined || ref === null || ref === "") return { agentId: "", success: false, error: invalid("agentId", ref, "is required") };
    const agent = typeof ref === "number" || typeof ref === "string" ? state.findAgent(ref) : undefined;
    if (!agent) return { agentId: String(ref), success: false, error: invalid("agentId", ref, "does not exist") };
    const patch = { ...item };
    delete patch.agentId;
    const outcome = state.updateAgent(agent, patch, { knobs, now: ctx.now() });
    for (const n of outcome.notes) ctx.notes.push(`agents[${i}]: ${n}`);
    // The bulk response types agentId as a string (docs/cxone-contract.md#agents).
    return outcome.ok ? { agentId: String(agent.agentId), success: true } : { agentId: String(agent.agentId), success: false, error: outcome.error };
  });
  return itemResults(results);
}

function getAgentGroups(ctx: RequestContext, [id]: string[]): SimResponse {
  const s = ctx.rt.state;
  const agent = s.findAgent(id!);
  if (!agent) return notFoundAgent(id!);
  const groups = s.groupsOfAgent(agent.agentId).map((g) => s.renderGroup(g));
  return groups.length === 0 ? noContent() : json(200, { agentGroups: groups });
}

/** Resolves `agentId` of a membership item (string or int per the spec). */
export function resolveAgentRef(state: SimState, ref: unknown): SimAgent | undefined {
  if (typeof ref === "number") return state.findAgent(ref);
  if (typeof ref === "string" && ref.trim() !== "") return state.findAgent(ref);
  return undefined;
}

/** API routes, matched against the path after `/inContactAPI/services/vNN.N` (case-insensitive). */
export const AGENT_ROUTES: Route[] = [
  { method: "GET", pattern: /^\/agents$/i, handler: getAgents },
  { method: "POST", pattern: /^\/agents$/i, handler: postAgents },
  { method: "PUT", pattern: /^\/agents$/i, handler: putAgentsBulk },
  { method: "GET", pattern: /^\/agents\/([^/]+)$/i, handler: getAgent },
  { method: "PUT", pattern: /^\/agents\/([^/]+)$/i, handler: putAgent },
  { method: "GET", pattern: /^\/agents\/([^/]+)\/groups$/i, handler: getAgentGroups },
];
