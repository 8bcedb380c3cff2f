/**
 * List endpoints of the CXone simulator (docs/cxone-contract.md#simulator-lists): paging with absolute
 * `_links`, last-page `next` knob, 204 on empty, filters, orderBy, fields; groups and profiles.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { Simulator, SimulatorOptions } from "../src/simulator/index.js";
import { runningSimulator } from "./helpers/simulator.js";

const CLIENT = { clientId: "lists-client", clientSecret: "lists-secret" };
const KEY = { accessKeyId: "AKLISTS", accessKeySecret: "lists-key-secret" };

interface Sim {
  sim: Simulator;
  get(pathOrUrl: string): Promise<{ status: number; text: string; body: any }>;
  send(method: string, path: string, body: unknown): Promise<{ status: number; body: any }>;
}

async function start(options: SimulatorOptions = {}): Promise<Sim> {
  const sim = await runningSimulator({ clients: [CLIENT], accessKeys: [KEY], ...options });
  const tok = await fetch(sim.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }),
  });
  const { access_token } = (await tok.json()) as { access_token: string };
  const headers = { Authorization: `Bearer ${access_token}`, "Content-Type": "application/json" };
  return {
    sim,
    async get(p) {
      const res = await fetch(p.startsWith("http") ? p : `${sim.apiBaseUrl()}${p}`, { headers });
      const text = await res.text();
      return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
    },
    async send(method, p, body) {
      const res = await fetch(`${sim.apiBaseUrl()}${p}`, { method, headers, body: JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
  };
}

const ids = (rows: Array<{ agentId: number }>) => rows.map((r) => r.agentId);

describe("GET /agents paging", () => {
  test("three pages at top=10 by following the absolute _links.next; next is null on the last page", async () => {
    const { sim, get } = await start();
    const pages: number[][] = [];
    let url: string | null = `${sim.apiBaseUrl()}/agents?top=10`;
    let last: any;
    while (url) {
      const r = await get(url);
      expect(r.status).toBe(200);
      expect(r.body.totalRecords).toBe(25);
      expect(r.body.businessUnitId).toBe(4600123);
      expect(r.body.lastPollTime).toBe("2026-01-15T12:00:00.000Z");
      expect(r.body._links.self).toBe(url);
      pages.push(ids(r.body.agents));
      last = r.body;
      url = r.body._links.next;
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(Array.from({ length: 25 }, (_, i) => 5001 + i));
    expect(last._links).toEqual({ self: `${sim.apiBaseUrl()}/agents?top=10&skip=20`, next: null, previous: `${sim.apiBaseUrl()}/agents?top=10&skip=10` });
  });

  test.each([
    ["omit", undefined, false],
    ["empty", "", true],
    ["null", null, true],
  ] as const)("lastPageNext=%s", async (mode, expected, present) => {
    const { sim, get } = await start({ knobs: { lastPageNext: mode } });
    const r = await get("/agents?skip=20&top=10");
    expect("next" in r.body._links).toBe(present);
    expect(r.body._links.next).toBe(expected);
    expect(sim.knobs.lastPageNext).toBe(mode);
  });

  test("no top returns everything up to the cap; a truncating cap emits next", async () => {
    const { sim, get } = await start();
    const all = await get("/agents");
    expect(all.body.agents).toHaveLength(25);
    expect(all.body._links.next).toBeNull();
    sim.setKnobs({ listCap: 10 });
    const capped = await get("/agents");
    expect(capped.body.agents).toHaveLength(10);
    expect(capped.body._links.next).toBe(`${sim.apiBaseUrl()}/agents?skip=10`);
    expect((await get("/agents?top=50")).body.agents).toHaveLength(10);
  });

  test("a page past the end and a filter matching nothing are 204 with an empty body", async () => {
    const { get } = await start();
    for (const p of ["/agents?skip=25&top=10", "/agents?searchString=nobody-has-this"]) {
      const r = await get(p);
      expect(r.status).toBe(204);
      expect(r.text).toBe("");
    }
  });

  test("malformed skip, top, isActive, updatedSince and orderBy are 400", async () => {
    const { get } = await start();
    for (const q of ["skip=-1", "top=0", "top=ten", "isActive=maybe", "updatedSince=yesterday", "orderBy=shoeSize", "orderBy=lastName%20sideways"]) {
      const r = await get(`/agents?${q}`);
      expect([q, r.status]).toEqual([q, 400]);
      expect(typeof r.body.error).toBe("string");
    }
  });
});

describe("GET /agents filters", () => {
  test("isActive, searchString, updatedSince and updateSince filter; totalRecords is the filtered total", async () => {
    const { get } = await start();
    const inactive = await get("/agents?isActive=false");
    expect(ids(inactive.body.agents)).toEqual([5012, 5019, 5020]);
    expect(inactive.body.totalRecords).toBe(3);
    expect((await get("/agents?isActive=true&top=5")).body.totalRecords).toBe(22);
    expect(ids((await get("/agents?searchString=GOLD")).body.agents)).toEqual([5021, 5025]);
    // lastUpdated of agent i is 2025-06-01 + 7*i days; since 2025-11-05 keeps the last few.
    const since = await get("/agents?updatedSince=2025-11-05T00:00:00Z");
    const spelledV34 = await get("/agents?updateSince=2025-11-05T00:00:00Z");
    expect(ids(since.body.agents)).toEqual([5024, 5025]);
    expect(ids(spelledV34.body.agents)).toEqual([5024, 5025]);
  });

  test("orderBy 'f1 asc,f2 desc' and fields projection", async () => {
    const { get } = await start();
    const r = await get(`/agents?orderBy=${encodeURIComponent("teamId desc,lastName asc")}&top=4&fields=agentId,lastName,teamId`);
    expect(r.body.agents).toEqual([
      { agentId: 5024, lastName: "Cerf", teamId: 1302 },
      { agentId: 5025, lastName: "Goldberg", teamId: 1302 },
      { agentId: 5023, lastName: "Berners-Lee", teamId: 1301 },
      { agentId: 5021, lastName: "Goldwasser", teamId: 1301 },
    ]);
    expect(r.body._links.next).toContain("skip=4");
    expect(r.body._links.next).toContain("orderBy=teamId+desc%2ClastName+asc");
  });

  test("GET /agents/{id}?fields projects one agent", async () => {
    const { get } = await start();
    expect((await get("/agents/5002?fields=userName,middleName")).body).toEqual({ agents: [{ userName: "grace.hopper@acme.example", middleName: "Brewster" }] });
  });
});

describe("GET /teams", () => {
  test("pages like agents and carries agentCount; searchString matches teamName", async () => {
    const { get } = await start();
    const first = await get("/teams?top=3");
    expect(first.body.totalRecords).toBe(7);
    expect(first.body.teams.map((t: { teamId: number }) => t.teamId)).toEqual([1201, 1202, 1203]);
    expect(first.body.teams[0]).toEqual({
      teamId: 1201,
      teamName: "Customer Care",
      isActive: true,
      description: "Inbound voice and chat",
      notes: null,
      teamLeadId: null,
      lastUpdateTime: "2025-02-03T15:00:00.000Z",
      agentCount: 8,
    });
    const third = await get(first.body._links.next.replace("skip=3", "skip=6"));
    expect(third.body.teams.map((t: { teamId: number }) => t.teamId)).toEqual([1399]);
    expect(third.body.teams[0].agentCount).toBe(0);
    expect((await get("/teams?searchString=holding")).body.teams.map((t: { teamId: number }) => t.teamId)).toEqual([1299, 1399]);
  });
});

describe("groups and security profiles", () => {
  test("GET /groups and GET /groups/{id}/agents (agents at the top level, 204 when empty)", async () => {
    const { get, send } = await start();
    const groups = await get("/groups");
    expect(groups.body).toMatchObject({ totalRecords: 2, groups: [{ groupId: 4001, groupName: "Spanish Speakers" }, { groupId: 4002 }] });
    const members = await get("/groups/4001/agents");
    expect(ids(members.body.agents)).toEqual([5002, 5005, 5011]);
    expect(members.body.totalRecords).toBe(3);
    expect((await get("/groups/4001/agents?assigned=false&top=1")).body.totalRecords).toBe(22);
    expect((await get("/groups/abc/agents")).status).toBe(400);
    expect((await get("/groups/9/agents")).status).toBe(404);

    const removed = await send("DELETE", "/groups/4001/agents", { agents: [{ agentId: 5002 }, { agentId: 5005 }, { agentId: 5011 }, { agentId: 5001 }] });
    expect(removed.status).toBe(206);
    expect(removed.body.agentResults[3]).toEqual({ agentId: 5001, success: false, error: "Invalid agentId - '5001', is not a member of group '4001'" });
    expect((await get("/groups/4001/agents")).status).toBe(204);
  });

  test("POST /groups/{id}/agents takes integer agentIds: 200 {agents} when all succeed, 206 otherwise", async () => {
    const { sim, get, send } = await start();
    const ok = await send("POST", "/groups/4002/agents", { agents: [{ agentId: 5001 }, { agentId: 5003 }] });
    expect(ok).toEqual({ status: 200, body: { agents: [{ agentId: 5001 }, { agentId: 5003 }] } });
    const mixed = await send("POST", "/groups/4002/agents", { agents: [{ agentId: "5004" }, { agentId: 123 }] });
    expect(mixed.status).toBe(206);
    expect(mixed.body.agentResults).toEqual([
      { agentId: "5004", success: false, error: "Invalid agentId - '5004', must be an integer" },
      { agentId: 123, success: false, error: "Invalid agentId - '123', does not exist" },
    ]);
    expect(ids((await get("/agents/5001/groups")).body.agentGroups.map((g: { groupId: number }) => ({ agentId: g.groupId })))).toEqual([4002]);
    expect((await get("/agents/5004/groups")).status).toBe(204);
    sim.setKnobs({ strictness: "lenient" });
    expect((await send("POST", "/groups/4002/agents", { agents: [{ agentId: "5004" }] })).status).toBe(200);
  });

  test("GET /security-profiles and /security-profiles/{id}", async () => {
    const { get } = await start();
    const list = await get("/security-profiles");
    expect(list.body.profiles.map((p: { securityProfileId: number; securityProfileName: string }) => [p.securityProfileId, p.securityProfileName])).toEqual([
      [5, "Agent"],
      [7, "Supervisor"],
    ]);
    const one = await get("/security-profiles/7");
    expect(one.body.profile.assignedAgents.map((a: { agentId: number }) => a.agentId)).toEqual([5001, 5009, 5017, 5021]);
    expect((await get("/security-profiles/8")).status).toBe(404);
  });
});
