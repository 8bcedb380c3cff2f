/**
 * Checks of a step's effect on the simulator: the import equals the simulator's state, the created
 * agent exists, disable really deactivated, access really changed membership. A 2xx that changed
 * nothing is a failure.
 */
import { compareIds, type ImportRun } from "../executor/index.js";
import type { SimSeed } from "../simulator/index.js";
import type { CheckResult } from "./report.js";

export function agentOf(seed: SimSeed, accountID: string): SimSeed["agents"][number] | undefined {
  return seed.agents.find((a) => String(a.agentId) === accountID);
}

/** Did the simulator change the way the step says it should? (a 2xx that changed nothing is a failure) */
export function effectCheck(step: "update" | "disable" | "enable", accountID: string, before: SimSeed, after: SimSeed): CheckResult {
  const was = agentOf(before, accountID);
  const now = agentOf(after, accountID);
  if (!now) return { name: "the agent exists", pass: false, detail: `agent ${accountID} is not in the simulator` };
  if (step === "disable") return { name: "the agent is inactive", pass: now.isActive === false, detail: now.isActive ? `agent ${accountID} is still active` : `agent ${accountID} is inactive` };
  if (step === "enable") return { name: "the agent is active", pass: now.isActive === true, detail: now.isActive ? `agent ${accountID} is active` : `agent ${accountID} is still inactive` };
  const changed = was ? Object.keys(now).filter((k) => k !== "lastUpdated" && JSON.stringify((now as Record<string, unknown>)[k]) !== JSON.stringify((was as Record<string, unknown>)[k])) : [];
  return { name: "the agent changed", pass: changed.length > 0, detail: changed.length > 0 ? `changed ${changed.join(", ")}` : `the update answered success but agent ${accountID} did not change` };
}

/** Teams are single-valued (the agent's teamId), groups multi-valued (docs/cxone-contract.md#teams, #groups-and-profiles). */
export function memberOf(seed: SimSeed, type: string, accountID: string): Set<string> | undefined {
  const agent = agentOf(seed, accountID);
  if (type === "Teams") return new Set(agent ? [String(agent.teamId)] : []);
  if (type === "Groups") return new Set((seed.groupMemberships ?? []).filter((m) => String(m.agentId) === accountID).map((m) => String(m.groupId)));
  return undefined;
}


export function accessCheck(step: "addAccess" | "removeAccess", type: string, accountID: string, entitlementID: string, before: SimSeed, after: SimSeed): CheckResult | undefined {
  const now = memberOf(after, type, accountID);
  if (!now) return undefined;
  const label = type === "Teams" ? "team" : "group";
  if (step === "addAccess") {
    return { name: `the agent is in ${label} ${entitlementID}`, pass: now.has(entitlementID), detail: now.has(entitlementID) ? `agent ${accountID} is in ${label} ${entitlementID}` : `agent ${accountID} is in ${[...now].join(", ") || "no " + label}` };
  }
  const was = memberOf(before, type, accountID);
  const detail = now.has(entitlementID)
    ? `agent ${accountID} is still in ${label} ${entitlementID}`
    : type === "Teams"
      ? `agent ${accountID} moved from team ${entitlementID} to ${[...now].join(", ")}`
      : `agent ${accountID} left group ${entitlementID}`;
  return { name: `the agent left ${label} ${entitlementID}`, pass: !now.has(entitlementID) && (was?.has(entitlementID) ?? true), detail: was?.has(entitlementID) === false ? `agent ${accountID} was not in ${label} ${entitlementID} before the call` : detail };
}

// Import vs the simulator's state.
/** The agent field behind Saviynt's accountID (colsToPropsMap `accountID: "agentId~#~char"`). */
function keySource(doc: unknown, section: "account" | string): string | undefined {
  const d = doc as Record<string, any> | undefined;
  const calls = section === "account" ? d?.accountParams?.call : d?.entitlementParams?.entTypes?.[section]?.call;
  if (typeof calls !== "object" || calls === null) return undefined;
  for (const call of Object.values(calls as Record<string, any>)) {
    const key = typeof call?.keyField === "string" ? call.keyField : section === "account" ? "accountID" : "entitlementID";
    const spec = call?.colsToPropsMap?.[key];
    if (typeof spec === "string") {
      const path = spec.split("~#~")[0]!;
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(path)) return path;
    }
  }
  return undefined;
}

export function compareWithSimulator(run: ImportRun, truth: SimSeed, doc: unknown): CheckResult[] {
  const checks: CheckResult[] = [];
  const setCheck = (name: string, imported: string[], expected: string[], unit: string): CheckResult => {
    const have = new Set(imported);
    const want = new Set(expected);
    const missing = expected.filter((x) => !have.has(x));
    const extra = imported.filter((x) => !want.has(x));
    const pass = missing.length === 0 && extra.length === 0;
    const parts = [`imported ${imported.length} of ${expected.length} ${unit}`];
    if (missing.length) parts.push(`missing ${sample(missing)}`);
    if (extra.length) parts.push(`not in the simulator ${sample(extra)}`);
    return { name, pass, detail: parts.join("; ") };
  };

  if (run.sections.accounts.ran && run.sections.accounts.ok) {
    const field = keySource(doc, "account") ?? "agentId";
    const key = (a: Record<string, unknown>) => String(a[field]);
    checks.push(setCheck("accounts equal the simulator's agents", run.accounts.map((a) => a.accountID), truth.agents.map((a) => key(a)), "agents"));
    const wrong = run.accounts.filter((acc) => {
      const agent = truth.agents.find((a) => key(a) === acc.accountID);
      return agent !== undefined && (acc.status === "active") !== agent.isActive;
    });
    checks.push({ name: "account status equals isActive", pass: wrong.length === 0, detail: wrong.length === 0 ? `${run.accounts.filter((a) => a.status === "active").length} active, ${run.accounts.filter((a) => a.status === "inactive").length} inactive` : `wrong status for ${sample(wrong.map((a) => a.accountID))}` });
  }
  const types = [...new Set(run.entitlements.map((e) => e.entitlementType))];
  const docTypes = Object.keys(((doc as Record<string, any>)?.entitlementParams?.entTypes as object | undefined) ?? {});
  for (const type of [...new Set([...types, ...docTypes])]) {
    if (!run.sections.entitlements.ok) break;
    const truthIds = type === "Teams" ? truth.teams.map((t) => String(t.teamId)) : type === "Groups" ? (truth.groups ?? []).map((g) => String(g.groupId)) : undefined;
    if (!truthIds) continue;
    const field = keySource(doc, type);
    if (field && field !== (type === "Teams" ? "teamId" : "groupId")) continue;
    checks.push(setCheck(`${type} equal the simulator's ${type.toLowerCase()}`, run.entitlements.filter((e) => e.entitlementType === type).map((e) => e.entitlementID), truthIds, type.toLowerCase()));
  }
  const memberTypes = Object.keys(((doc as Record<string, any>)?.acctEntParams?.entTypes as object | undefined) ?? {});
  // Memberships are read per imported entitlement: compared only when both imports succeeded.
  if (run.sections.memberships.ran && run.sections.memberships.ok && run.sections.entitlements.ok) {
    for (const type of memberTypes) {
      const expected =
        type === "Teams"
          ? truth.agents.map((a) => `${a.agentId}@${a.teamId}`)
          : type === "Groups"
            ? (truth.groupMemberships ?? []).map((m) => `${m.agentId}@${m.groupId}`)
            : undefined;
      if (!expected) continue;
      const imported = run.memberships.filter((m) => m.entitlementType === type).map((m) => `${m.accountID}@${m.entitlementID}`);
      const check = setCheck(`${type} memberships equal the simulator's`, imported, expected, "memberships (agent@id)");
      const hint = run.sections.memberships.warnings.find((w) => w.includes("listField") && w.includes(`.${type}.`));
      if (!check.pass && hint) check.detail += ` — ${hint}`;
      checks.push(check);
    }
  }
  return checks;
}

function sample(ids: string[]): string {
  const sorted = [...ids].sort(compareIds);
  return sorted.length > 6 ? `${sorted.slice(0, 6).join(", ")} and ${sorted.length - 6} more` : sorted.join(", ");
}

