/** What a step changed in the simulator: a diff of two `dump()`s, one line per change for people. */
import type { SimSeed } from "../simulator/index.js";
import type { StateChange } from "./report.js";

export function diffState(before: SimSeed, after: SimSeed): StateChange[] {
  const out: StateChange[] = [];
  const teamName = (seed: SimSeed, id: unknown) => seed.teams.find((t) => t.teamId === id)?.teamName;
  const groupName = (seed: SimSeed, id: number) => seed.groups?.find((g) => g.groupId === id)?.groupName;
  const beforeAgents = new Map(before.agents.map((a) => [a.agentId, a]));
  const afterAgents = new Map(after.agents.map((a) => [a.agentId, a]));
  const SKIP = new Set(["lastUpdated", "inactiveDate", "isActive", "teamId"]);
  for (const [id, a] of afterAgents) {
    const b = beforeAgents.get(id);
    if (!b) {
      out.push({ kind: "agent-created", agentId: id, teamId: a.teamId, text: `agent ${id} ${a.userName} created in team ${a.teamId}${teamName(after, a.teamId) ? ` (${teamName(after, a.teamId)})` : ""}, profile ${a.profileId}, ${a.isActive ? "active" : "inactive"}` });
      continue;
    }
    const fields: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (SKIP.has(k)) continue;
      const x = (b as Record<string, unknown>)[k];
      const y = (a as Record<string, unknown>)[k];
      if (JSON.stringify(x) !== JSON.stringify(y)) fields[k] = { from: x ?? null, to: y ?? null };
    }
    if (Object.keys(fields).length > 0) {
      out.push({ kind: "agent-updated", agentId: id, fields, text: `agent ${id} ${Object.entries(fields).map(([k, v]) => `${k}: ${JSON.stringify(v.from)} → ${JSON.stringify(v.to)}`).join(", ")}` });
    }
    if (a.isActive !== b.isActive) out.push({ kind: a.isActive ? "agent-activated" : "agent-deactivated", agentId: id, text: `agent ${id} ${a.isActive ? "activated" : "deactivated"}` });
    if (a.teamId !== b.teamId) {
      out.push({ kind: "agent-moved", agentId: id, teamId: a.teamId, fields: { teamId: { from: b.teamId, to: a.teamId } }, text: `agent ${id} moved from team ${b.teamId}${teamName(after, b.teamId) ? ` (${teamName(after, b.teamId)})` : ""} to team ${a.teamId}${teamName(after, a.teamId) ? ` (${teamName(after, a.teamId)})` : ""}` });
    }
  }
  for (const id of beforeAgents.keys()) if (!afterAgents.has(id)) out.push({ kind: "agent-removed", agentId: id, text: `agent ${id} removed` });

  const key = (m: { groupId: number; agentId: number }) => `${m.groupId}:${m.agentId}`;
  const was = new Set((before.groupMemberships ?? []).map(key));
  const now = new Set((after.groupMemberships ?? []).map(key));
  for (const m of after.groupMemberships ?? []) if (!was.has(key(m))) out.push({ kind: "group-member-added", agentId: m.agentId, groupId: m.groupId, text: `agent ${m.agentId} added to group ${m.groupId}${groupName(after, m.groupId) ? ` (${groupName(after, m.groupId)})` : ""}` });
  for (const m of before.groupMemberships ?? []) if (!now.has(key(m))) out.push({ kind: "group-member-removed", agentId: m.agentId, groupId: m.groupId, text: `agent ${m.agentId} removed from group ${m.groupId}${groupName(after, m.groupId) ? ` (${groupName(after, m.groupId)})` : ""}` });

  for (const t of after.teams) {
    const b = before.teams.find((x) => x.teamId === t.teamId);
    if (!b || JSON.stringify(b) !== JSON.stringify(t)) out.push({ kind: "team-changed", teamId: t.teamId, text: b ? `team ${t.teamId} changed` : `team ${t.teamId} ${t.teamName} created` });
  }
  for (const g of after.groups ?? []) {
    const b = before.groups?.find((x) => x.groupId === g.groupId);
    if (!b || JSON.stringify(b) !== JSON.stringify(g)) out.push({ kind: "group-changed", groupId: g.groupId, text: b ? `group ${g.groupId} changed` : `group ${g.groupId} ${g.groupName} created` });
  }
  return out;
}

