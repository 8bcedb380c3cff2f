/**
 * The default business unit of the simulator ("Acme", BU 4600123): seven teams (dev-like
 * 1201/1202/1203 with holding team 1299, prod-like 1301/1302 with empty holding team 1399),
 * security profiles 5 and 7, two groups and 25 agents (3 inactive) so paging at top=10 spans 3
 * pages. test/fixtures/simulator/acme-seed.json is this seed written out; a test keeps them equal.
 * Shipped in src/ so `savpkg simulate` has a seed without test fixtures.
 */
import type { SimSeed } from "./types.js";

const EASTERN = "(GMT-05:00) Eastern Time (US & Canada)";
const CENTRAL = "(GMT-06:00) Central Time (US & Canada)";
const MOUNTAIN = "(GMT-07:00) Mountain Time (US & Canada)";

const PLACES: Record<string, { timeZone: string; state: string; city: string }> = {
  den: { timeZone: MOUNTAIN, state: "CO", city: "Denver" },
  nyc: { timeZone: EASTERN, state: "NY", city: "New York" },
  aus: { timeZone: CENTRAL, state: "TX", city: "Austin" },
};

// [firstName, middleName, lastName, teamId, profileId, isActive, place]
const AGENTS: Array<[string, string | null, string, number, number, boolean, keyof typeof PLACES]> = [
  ["Ada", null, "Lovelace", 1201, 7, true, "den"],
  ["Grace", "Brewster", "Hopper", 1201, 5, true, "nyc"],
  ["Alan", null, "Turing", 1201, 5, true, "aus"],
  ["Katherine", null, "Johnson", 1201, 5, true, "den"],
  ["Edsger", null, "Dijkstra", 1201, 5, true, "nyc"],
  ["Barbara", null, "Liskov", 1201, 5, true, "aus"],
  ["Donald", "Ervin", "Knuth", 1201, 5, true, "den"],
  ["Frances", null, "Allen", 1201, 5, true, "nyc"],
  ["Margaret", null, "Hamilton", 1202, 7, true, "aus"],
  ["Dennis", null, "Ritchie", 1202, 5, true, "den"],
  ["Ken", null, "Thompson", 1202, 5, true, "nyc"],
  ["Radia", null, "Perlman", 1202, 5, false, "aus"],
  ["John", null, "Backus", 1202, 5, true, "den"],
  ["Hedy", null, "Lamarr", 1202, 5, true, "nyc"],
  ["Linus", null, "Torvalds", 1203, 5, true, "aus"],
  ["Guido", null, "Rossum", 1203, 5, true, "den"],
  ["Bjarne", null, "Stroustrup", 1203, 7, true, "nyc"],
  ["Anita", null, "Borg", 1203, 5, true, "aus"],
  ["Claude", null, "Shannon", 1299, 5, false, "den"],
  ["Niklaus", null, "Wirth", 1299, 5, false, "nyc"],
  ["Shafi", null, "Goldwasser", 1301, 7, true, "aus"],
  ["Leslie", null, "Lamport", 1301, 5, true, "den"],
  ["Tim", null, "Berners-Lee", 1301, 5, true, "nyc"],
  ["Vint", null, "Cerf", 1302, 5, true, "aus"],
  ["Adele", null, "Goldberg", 1302, 5, true, "den"],
];

function day(base: string, offsetDays: number, hour: number): string {
  const ms = Date.parse(base) + offsetDays * 86_400_000 + hour * 3_600_000;
  return new Date(ms).toISOString();
}

export function demoSeed(): SimSeed {
  const agents: SimSeed["agents"] = AGENTS.map(([firstName, middleName, lastName, teamId, profileId, isActive, place], i) => {
    const agentId = 5001 + i;
    const login = `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z.-]/g, "");
    const p = PLACES[place]!;
    const lastUpdated = day("2025-06-01T00:00:00.000Z", i * 7, 9 + (i % 8));
    return {
      agentId,
      userID: `9c1d0000-acde-4e00-8000-${agentId.toString(16).padStart(12, "0")}`,
      userName: `${login}@acme.example`,
      firstName,
      middleName,
      lastName,
      emailAddress: `${login}@acme.example`,
      isActive,
      teamId,
      profileId,
      timeZone: p.timeZone,
      country: "US",
      state: p.state,
      city: p.city,
      lastLogin: isActive ? day("2026-01-05T00:00:00.000Z", i % 9, 8 + (i % 5)) : null,
      lastUpdated,
      createDate: day("2024-03-01T00:00:00.000Z", i * 3, 10),
      inactiveDate: isActive ? null : lastUpdated,
      internalId: `E${1001 + i}`,
    };
  });
  return {
    businessUnitId: 4600123,
    tenantId: "11ef5a2c-4b1d-4c3e-9f00-004600123000",
    area: "na1",
    nextAgentId: 5026,
    securityProfiles: [
      { securityProfileId: 5, securityProfileName: "Agent" },
      { securityProfileId: 7, securityProfileName: "Supervisor" },
    ],
    teams: [
      team(1201, "Customer Care", "Inbound voice and chat", "2025-02-03T15:00:00.000Z"),
      team(1202, "Billing", "Billing and payments", "2025-02-04T15:00:00.000Z"),
      team(1203, "Technical Support", "Tier 1 and tier 2 support", "2025-02-05T15:00:00.000Z"),
      team(1299, "Holding - Deprovisioned", "Holding team for agents removed from their team", "2025-02-06T15:00:00.000Z"),
      team(1301, "PROD Customer Care", "Production customer care", "2025-03-03T15:00:00.000Z"),
      team(1302, "PROD Billing", "Production billing", "2025-03-04T15:00:00.000Z"),
      team(1399, "PROD Holding", "Production holding team", "2025-03-05T15:00:00.000Z"),
    ],
    agents,
    groups: [
      { groupId: 4001, groupName: "Spanish Speakers", isActive: true, notes: "Bilingual queue", lastUpdated: "2025-04-01T12:00:00.000Z" },
      { groupId: 4002, groupName: "Weekend Shift", isActive: true, notes: null, lastUpdated: "2025-04-02T12:00:00.000Z" },
    ],
    groupMemberships: [
      { groupId: 4001, agentId: 5002 },
      { groupId: 4001, agentId: 5005 },
      { groupId: 4001, agentId: 5011 },
      { groupId: 4002, agentId: 5003 },
      { groupId: 4002, agentId: 5011 },
      { groupId: 4002, agentId: 5020 },
    ],
  };
}

function team(teamId: number, teamName: string, description: string, lastUpdateTime: string) {
  return { teamId, teamName, isActive: true, description, notes: null, teamLeadId: null, lastUpdateTime };
}
