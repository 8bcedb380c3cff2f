/**
 * The eight steps, in order: import → create → update → disable → enable → add access → remove
 * access → import again. Each runs its attribute's document through the executor, records its
 * calls and what changed in the simulator, and checks the effect (checks.ts).
 */
import { reconcile, runImport, runProvision, type ExecutorContext, type ImportedEntitlement, type ImportRun, type Json, type SaviyntView } from "../executor/index.js";
import type { SimSeed, Simulator } from "../simulator/index.js";
import { redactQuery } from "../saviynt/redaction.js";
import { accessCheck, agentOf, compareWithSimulator, effectCheck, memberOf } from "./checks.js";
import type { SimulateOptions } from "./inputs.js";
import type { Prepared } from "./prepare.js";
import { STEPS, type ImportSummary, type SimulationReport, type StepReport } from "./report.js";
import { generatedPassword } from "./secrets.js";
import { diffState } from "./state-diff.js";

/** The identity whose account is created (`${user.*}`); middlename and state are null on purpose (null-safe bindings). */
export const SAMPLE_IDENTITY: Readonly<Record<string, Json>> = {
  username: "sam.simulator@example.com",
  systemUserName: "ssimulator",
  firstname: "Sam",
  middlename: null,
  lastname: "Simulator",
  displayname: "Sam Simulator",
  email: "sam.simulator@example.com",
  title: "Contact Center Agent",
  employeeid: "SIM0001",
  statuskey: 1,
  country: "US",
  state: null,
  city: "Denver",
  departmentname: "Customer Care",
  companyname: "Example Corp",
};

/** What changes in the identity before the update step. */
export const SAMPLE_IDENTITY_UPDATE: Readonly<Record<string, Json>> = { lastname: "Simulated", city: "Boulder", state: "CO" };

interface Target {
  account: Record<string, Json>;
  accountID: string;
}

export async function runSteps(ctx: ExecutorContext, sim: Simulator, prepared: Prepared, options: SimulateOptions, report: SimulationReport): Promise<void> {
  const docs = prepared.documents;
  let view: SaviyntView | undefined;
  let target: Target | undefined;
  const identity: Record<string, Json> = { ...SAMPLE_IDENTITY, ...(options.identity ?? {}) };
  const password = generatedPassword();
  const accountName = String(identity.username ?? identity.email ?? "sam.simulator");
  const chosen = new Map<string, ImportedEntitlement>();

  for (const def of STEPS) {
    const before = sim.dump();
    const callStart = ctx.calls.length;
    const step: StepReport = { name: def.name, title: def.title, attribute: def.attribute, ok: true, reasons: [], warnings: [], calls: [], checks: [], changes: [] };
    const failStep = (reason: string) => {
      step.ok = false;
      if (!step.reasons.includes(reason)) step.reasons.push(reason);
    };
    const doc = docs[def.attribute];
    const usable = documentProblem(doc, def.attribute);

    if (usable) failStep(usable);
    else if (def.name === "import" || def.name === "reimport") {
      const run = await runImport(ctx, doc, { statusThresholdConfig: docs.STATUS_THRESHOLD_CONFIG });
      for (const s of [run.sections.accounts, run.sections.entitlements, run.sections.memberships]) {
        for (const f of s.failures) failStep(f);
        step.warnings.push(...s.warnings);
      }
      const rec = reconcile(view, run);
      if (!rec.applied) failStep(rec.reason!);
      else if (rec.reason) step.warnings.push(rec.reason);
      if (rec.inactivated.length > 0) step.warnings.push(`Saviynt would mark ${rec.inactivated.length} account(s) inactive: ${rec.inactivated.join(", ")}`);
      view = rec.view;
      step.imported = { ...summarize(run), data: { accounts: run.accounts, entitlements: run.entitlements, memberships: run.memberships } };
      step.checks.push(...compareWithSimulator(run, before, doc));
    } else if (def.name === "create") {
      const run = await runProvision(ctx, {
        attribute: def.attribute,
        document: doc,
        operation: "create",
        bindings: { user: identity, account: { name: accountName }, extra: { accountName, password } },
      });
      if (!run.ok) failStep(run.reason!);
      else if (run.accountId === undefined) failStep(`${def.attribute} has no accountIdPath: Saviynt cannot learn the new account's id`);
      else {
        target = { accountID: run.accountId, account: { accountID: run.accountId, name: accountName } };
        step.target = [{ accountID: run.accountId }];
        const created = agentOf(sim.dump(), run.accountId);
        const existed = agentOf(before, run.accountId);
        step.checks.push({
          name: "the agent exists in the simulator",
          pass: created !== undefined && existed === undefined,
          detail: created === undefined ? `no agent ${run.accountId} in the simulator after create` : existed ? `agent ${run.accountId} already existed before create` : `agent ${run.accountId} created`,
        });
      }
    } else {
      if (!target) {
        target = fallbackTarget(view, before);
        if (target) report.notes.push(`create did not give an account: ${STEPS.find((s) => s.name === def.name)!.title} and later steps act on imported account ${target.accountID}`);
      }
      if (!target) failStep("no account to act on: create failed and the import found no active account");
      else if (def.name === "update" || def.name === "disable" || def.name === "enable") {
        const user = def.name === "update" ? { ...identity, ...SAMPLE_IDENTITY_UPDATE } : identity;
        const accountRecord = { ...(view?.accounts.find((a) => a.accountID === target!.accountID)?.attributes ?? {}), ...target.account };
        step.target = [{ accountID: target.accountID }];
        const run = await runProvision(ctx, { attribute: def.attribute, document: doc, operation: def.name, bindings: { user, account: accountRecord, extra: { accountName: String(accountRecord.name ?? target.accountID), password } } });
        if (!run.ok) failStep(run.reason!);
        else step.checks.push(effectCheck(def.name, target.accountID, before, sim.dump()));
      } else {
        // Access: one task per entitlement type that the JSON has calls for (docs/saviynt-rest-format.md#access-calls).
        const types = accessTypes(doc);
        if (types.length === 0) failStep(`${def.attribute} has no calls`);
        step.target = [];
        for (const type of types) {
          let ent = chosen.get(type);
          if (!ent && def.name === "addAccess") {
            ent = chooseEntitlement(type, target.accountID, view, before, prepared.transferTeamIds, options.entitlements?.[type]);
            if (ent) chosen.set(type, ent);
          }
          if (!ent && def.name === "removeAccess") {
            ent = chooseEntitlement(type, target.accountID, view, before, prepared.transferTeamIds, options.entitlements?.[type], true);
            if (ent) chosen.set(type, ent);
          }
          if (!ent) {
            failStep(`no ${type} entitlement to ${def.name === "addAccess" ? "add" : "remove"} (the import found none of that type)`);
            continue;
          }
          step.target.push({ accountID: target.accountID, entitlementType: type, entitlementID: ent.entitlementID });
          const entitlementValue: Record<string, Json> = { ...ent.attributes, entitlementID: ent.entitlementID, entitlement_value: ent.entitlementValue, entitlementType: type };
          const accountRecord = { ...(view?.accounts.find((a) => a.accountID === target!.accountID)?.attributes ?? {}), ...target.account };
          const mid = sim.dump();
          const run = await runProvision(ctx, {
            attribute: def.attribute,
            document: doc,
            operation: def.name,
            entitlementType: type,
            bindings: { user: identity, account: accountRecord, entitlementValue, extra: { accountName: String(accountRecord.name ?? target.accountID) } },
          });
          if (!run.ok) failStep(run.reason!);
          else {
            const check = accessCheck(def.name, type, target.accountID, ent.entitlementID, mid, sim.dump());
            if (check) step.checks.push(check);
          }
        }
      }
    }

    // Paths as sent may carry a credential in the query (?access_token=…): never in a report.
    step.calls = ctx.calls.slice(callStart).map((call) => ({ ...call, path: redactQuery(call.path) }));
    step.changes = diffState(before, sim.dump());
    for (const c of step.checks) if (!c.pass) failStep(`${c.name}: ${c.detail}`);
    report.steps.push(step);
  }
}

function documentProblem(doc: unknown, attribute: string): string | undefined {
  if (doc === undefined || doc === "") return `${attribute} is empty: the connection cannot do this`;
  if (typeof doc === "object" && doc !== null && "__invalid" in doc) return `${attribute} is not valid JSON: ${String((doc as { __invalid: unknown }).__invalid)}`;
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return `${attribute} is not a JSON object`;
  return undefined;
}

function summarize(run: ImportRun): ImportSummary {
  const entitlements: Record<string, number> = {};
  for (const e of run.entitlements) entitlements[e.entitlementType] = (entitlements[e.entitlementType] ?? 0) + 1;
  // In entitlement-type order (entTypeOrder), like the entitlements.
  const memberships: Record<string, number> = {};
  for (const type of Object.keys(entitlements)) if (run.memberships.some((m) => m.entitlementType === type)) memberships[type] = 0;
  for (const m of run.memberships) memberships[m.entitlementType] = (memberships[m.entitlementType] ?? 0) + 1;
  return {
    accounts: run.accounts.length,
    active: run.accounts.filter((a) => a.status === "active").length,
    inactive: run.accounts.filter((a) => a.status === "inactive").length,
    entitlements,
    memberships,
  };
}

function accessTypes(doc: unknown): string[] {
  const calls = typeof doc === "object" && doc !== null && Array.isArray((doc as { call?: unknown }).call) ? (doc as { call: unknown[] }).call : [];
  const names: string[] = [];
  for (const c of calls) {
    const name = typeof c === "object" && c !== null ? (c as { name?: unknown }).name : undefined;
    if (typeof name === "string" && name !== "" && !names.includes(name)) names.push(name);
  }
  return names;
}


function fallbackTarget(view: SaviyntView | undefined, seed: SimSeed): Target | undefined {
  const account = view?.accounts.find((a) => a.status === "active" && agentOf(seed, a.accountID)?.isActive);
  if (!account) return undefined;
  return { accountID: account.accountID, account: { ...account.attributes, accountID: account.accountID, name: account.name } };
}

function chooseEntitlement(type: string, accountID: string, view: SaviyntView | undefined, seed: SimSeed, transferTeams: Set<string>, wanted: string | undefined, member = false): ImportedEntitlement | undefined {
  const candidates = (view?.entitlements ?? []).filter((e) => e.entitlementType === type);
  if (wanted !== undefined) return candidates.find((e) => e.entitlementID === wanted) ?? { entitlementType: type, entitlementID: wanted, entitlementValue: null, attributes: {} };
  const current = memberOf(seed, type, accountID);
  const active = (e: ImportedEntitlement) => {
    const record = type === "Teams" ? seed.teams.find((t) => String(t.teamId) === e.entitlementID) : type === "Groups" ? seed.groups?.find((g) => String(g.groupId) === e.entitlementID) : undefined;
    return record === undefined || record.isActive;
  };
  const pick = candidates.filter((e) => active(e) && !(type === "Teams" && transferTeams.has(e.entitlementID)));
  if (member) return pick.find((e) => current?.has(e.entitlementID)) ?? pick[0];
  return pick.find((e) => !current?.has(e.entitlementID)) ?? pick[0];
}
