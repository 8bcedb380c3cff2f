/**
 * plan / deploy / pull as library functions: values and diagnostics in, values and diagnostics
 * out, no process access. Per tenant: compile (src/build/compile.ts), read the live connection
 * once, compare live → desired with the package diff engine (and its redaction) after turning
 * the live connection into a package model, and — for deploy — resolve the secrets, write once
 * with testConnection and read back once to verify. One EIC login per EIC host and user per run;
 * several tenants run with bounded concurrency.
 */
import { resolve } from "node:path";
import { diag, hasErrors, type Diagnostic } from "../core/diagnostics.js";
import { compileTenant, locateInTenant, renderWithSecrets, secretBaseDir, type CompileResult } from "../build/compile.js";
import { diffPackages, type DiffResult } from "../package/diff.js";
import { looksLikeCiphertext, readPackage } from "../package/read.js";
import type { PackageModel } from "../package/model.js";
import { REST_ATTRIBUTES } from "../saviynt/t2p.js";
import { DEFAULT_EIC_CREDENTIALS, resolveSecretRef } from "../tenant/secrets.js";
import type { SecretRef } from "../tenant/validate.js";
import { EicClient, type EicClientOptions } from "../eic/client.js";
import type { LiveConnection } from "../eic/contract.js";
import { checkEicUrl } from "../eic/url.js";
import { comparable, liveAttributes, livePackageZip, readLivePackage } from "./live.js";
import { checkAgainstPlan, desiredHashes, liveHash, type PlanAction, type PlanEntry, type PlanFile } from "./plan-file.js";

export interface EicRunOptions {
  cwd: string;
  /** Where secret references are resolved from (never printed). */
  env: Readonly<Record<string, string | undefined>>;
  set?: readonly string[];
  /** `--eic URL`: overrides every tenant's `eic.url`. */
  eic?: string;
  sourceDateEpoch?: number;
  /** Tenants in flight at once (default 4). */
  concurrency?: number;
  client?: Pick<EicClientOptions, "timeoutMs" | "retries" | "backoffMs" | "log">;
}

export interface TenantPlan {
  /** The tenant file as given. */
  tenant: string;
  connection: string | null;
  eic: string | null;
  /** null when the tenant could not be planned (see diagnostics). */
  action: PlanAction | null;
  /** live → desired; for a create, from an empty connection. */
  diff?: DiffResult;
  entry?: PlanEntry;
  diagnostics: Diagnostic[];
}

export interface PlanReport {
  tenants: TenantPlan[];
  diagnostics: Diagnostic[];
  /** Logins and calls per EIC host (for --verbose and tests). */
  sessions: EicSessions;
}

export type DeployResult = "deployed" | "failed" | "refused" | "declined" | "not-planned";

export interface TenantDeploy extends TenantPlan {
  result: DeployResult;
  connectionKey?: number;
}

export interface DeployOptions extends EicRunOptions {
  /** A reviewed plan (`--plan`): refuse any tenant whose live or desired state moved since. */
  plan?: { file: string; plan: PlanFile };
  /** Asked once, after planning, before any write; false declines every tenant. Omitted = confirmed (`--yes`). */
  confirm?: (plans: readonly TenantPlan[]) => Promise<boolean>;
}

export interface DeployReport {
  tenants: TenantDeploy[];
  diagnostics: Diagnostic[];
  sessions: EicSessions;
}

/** One client per EIC origin and user: one login per run, shared by the tenants that use it. */
export class EicSessions {
  private readonly clients = new Map<string, EicClient>();
  constructor(private readonly options: EicRunOptions["client"] = {}) {}

  get(origin: string, username: string, password: string): EicClient {
    const key = `${origin}\u0000${username}\u0000${password}`;
    let client = this.clients.get(key);
    if (!client) this.clients.set(key, (client = new EicClient({ ...this.options, origin, username, password })));
    return client;
  }

  /** Logins and v5 calls summed over every client. */
  totals(): { logins: number; refreshes: number; calls: Record<string, number> } {
    const out = { logins: 0, refreshes: 0, calls: {} as Record<string, number> };
    for (const c of this.clients.values()) {
      out.logins += c.stats.logins;
      out.refreshes += c.stats.refreshes;
      for (const [k, n] of Object.entries(c.stats.calls)) out.calls[k] = (out.calls[k] ?? 0) + n;
    }
    return out;
  }
}

/** The EIC origin and a logged-in-on-demand client for a tenant (or for `pull --connection`). */
function connect(compiled: CompileResult | undefined, options: EicRunOptions, sessions: EicSessions): { client?: EicClient; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const tenantUrl = compiled?.tenant?.eic?.url;
  const raw = options.eic ?? tenantUrl;
  if (raw === undefined) {
    const where = compiled ? { file: compiled.file } : {};
    return { diagnostics: [diag("EIC_URL_MISSING", compiled ? "no eic.url in the tenant file and no --eic URL" : "pull --connection needs --eic URL", where)] };
  }
  const where = options.eic !== undefined || !compiled ? { path: "--eic" } : { ...locateInTenant(compiled, "/eic/url"), path: "eic.url" };
  const url = checkEicUrl(raw, where);
  if (!url.origin) return url;
  const refs: Record<"username" | "password", SecretRef> = {
    username: compiled?.tenant?.eic?.username ?? DEFAULT_EIC_CREDENTIALS.username,
    password: compiled?.tenant?.eic?.password ?? DEFAULT_EIC_CREDENTIALS.password,
  };
  const source = { env: options.env, baseDir: compiled ? secretBaseDir(compiled) : options.cwd };
  const value = (field: "username" | "password") =>
    resolveSecretRef(refs[field], source, { ...(compiled ? locateInTenant(compiled, `/eic/${field}`) : {}), path: `eic.${field}` }, diagnostics);
  const username = value("username");
  const password = value("password");
  if (username === undefined || password === undefined) return { diagnostics };
  return { client: sessions.get(url.origin, username, password), diagnostics };
}

/** What a planned tenant carries into its write. */
interface Prepared {
  compiled: CompileResult;
  client: EicClient;
  live: LiveConnection | null;
  desired: PackageModel;
}

const CONNECTION_JSON_NOTE = "write-only: will be set on deploy, with the secrets resolved then (EIC never returns it in clear, so it is never compared)";

async function planOne(file: string, options: EicRunOptions, sessions: EicSessions): Promise<{ plan: TenantPlan; prepared?: Prepared }> {
  const plan: TenantPlan = { tenant: file, connection: null, eic: null, action: null, diagnostics: [] };
  const compiled = await compileTenant(file, { cwd: options.cwd, set: options.set ?? [], ...(options.sourceDateEpoch !== undefined ? { sourceDateEpoch: options.sourceDateEpoch } : {}) });
  plan.diagnostics.push(...compiled.diagnostics);
  if (!compiled.package || !compiled.tenant || !compiled.attributes) return { plan };
  plan.connection = compiled.tenant.connection.name;
  const connected = connect(compiled, options, sessions);
  plan.diagnostics.push(...connected.diagnostics);
  if (!connected.client || hasErrors(plan.diagnostics)) return { plan };
  const client = connected.client;
  plan.eic = client.origin;

  const read = await client.getConnectionDetails(compiled.tenant.connection.name);
  if (!read.ok) {
    plan.diagnostics.push(...read.diagnostics.map((d) => inTenant(d, file)));
    return { plan };
  }
  const live = read.value;
  const desiredRead = await readPackage(compiled.package.zip, { source: file });
  if (!desiredRead.model) {
    plan.diagnostics.push(...desiredRead.diagnostics);
    return { plan };
  }
  const compared = await compareLive(live ?? emptyConnection(compiled.tenant.connection.name), desiredRead.model, client.origin);
  if (!compared.diff) {
    plan.diagnostics.push(...compared.diagnostics);
    return { plan };
  }
  const diff = compared.diff;
  if (!live) diff.a.source = `${client.origin} (does not exist: create)`;
  diff.notes.push({ scope: "attribute", group: "ConnectionJSON", message: CONNECTION_JSON_NOTE });
  for (const name of live ? liveAttributes(live).unmanaged : []) {
    diff.notes.push({ scope: "attribute", group: name, message: "set in EIC but not managed by savpkg: left as it is" });
  }
  plan.diff = diff;
  plan.action = !live ? "create" : diff.same ? "none" : "update";
  plan.entry = {
    tenant: file,
    connection: compiled.tenant.connection.name,
    eic: client.origin,
    action: plan.action,
    live: liveHash(live),
    desired: desiredHashes(compiled.tenant, compiled.attributes),
  };
  return { plan, prepared: { compiled, client, live, desired: desiredRead.model } };
}

/** A problem of the EIC side, attributed to the tenant it happened for (unless it has a place already). */
function inTenant(d: Diagnostic, file: string): Diagnostic {
  return d.file !== undefined ? d : { ...d, file };
}

function emptyConnection(name: string): LiveConnection {
  return { key: 0, name, type: "REST", description: "", attributes: {}, serverAttributes: {} };
}

/** live → desired with the package diff engine, both sides as package models. */
async function compareLive(live: LiveConnection, desired: PackageModel, origin: string): Promise<{ diff?: DiffResult; diagnostics: Diagnostic[] }> {
  const read = await readLivePackage(live, { system: new URL(origin).host, source: `${origin} (live)` });
  if (!read.model) return { diagnostics: read.diagnostics };
  return { diff: diffPackages(comparable(read.model), comparable(desired)), diagnostics: [] };
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

async function planAll(files: readonly string[], options: EicRunOptions, sessions: EicSessions) {
  return mapBounded(files, options.concurrency ?? 4, (file) => planOne(file, options, sessions));
}

/** `savpkg plan`: per tenant, the diff of live → desired and a plan-file entry. */
export async function planTenants(files: readonly string[], options: EicRunOptions): Promise<PlanReport> {
  const sessions = new EicSessions(options.client);
  const planned = await planAll(files, options, sessions);
  const tenants = planned.map((p) => p.plan);
  return { tenants, diagnostics: tenants.flatMap((t) => t.diagnostics), sessions };
}

/** Exit policy of plan: 2 on any error (plan could not tell), else 1 when anything would change, else 0. */
export function planExitCode(report: { tenants: readonly TenantPlan[]; diagnostics: readonly Diagnostic[] }): 0 | 1 | 2 {
  if (hasErrors(report.diagnostics)) return 2;
  return report.tenants.some((t) => t.action !== "none") ? 1 : 0;
}

/** `savpkg deploy`: plan, check the reviewed plan, confirm, then write and verify each tenant. */
export async function deployTenants(files: readonly string[], options: DeployOptions): Promise<DeployReport> {
  const sessions = new EicSessions(options.client);
  const planned = await planAll(files, options, sessions);
  const tenants: TenantDeploy[] = planned.map((p) => ({ ...p.plan, result: p.prepared ? "deployed" : "not-planned" }));
  const prepared = new Map<TenantDeploy, Prepared>();
  planned.forEach((p, i) => p.prepared && prepared.set(tenants[i]!, p.prepared));

  if (options.plan) {
    for (const t of tenants) {
      if (!prepared.has(t) || !t.entry) continue;
      const entry = t.entry;
      const reviewed = options.plan.plan.tenants.find((e) => resolve(options.cwd, e.tenant) === resolve(options.cwd, t.tenant));
      const refusals = reviewed
        ? checkAgainstPlan(reviewed, entry, options.plan.file)
        : [diag("DEPLOY_PLAN_INVALID", `${options.plan.file} has no entry for ${t.tenant}; plan it and review`, { file: options.plan.file })];
      if (refusals.length > 0) {
        t.diagnostics.push(...refusals);
        t.result = "refused";
        prepared.delete(t);
      }
    }
  }

  const ready = tenants.filter((t) => prepared.has(t));
  if (ready.length > 0 && options.confirm && !(await options.confirm(ready))) {
    for (const t of ready) {
      t.result = "declined";
      t.diagnostics.push(diag("DEPLOY_DECLINED", "not deployed (declined at the prompt)", { file: t.tenant }));
    }
    prepared.clear();
  }

  await mapBounded(
    tenants.filter((t) => prepared.has(t)),
    options.concurrency ?? 4,
    (t) => writeAndVerify(t, prepared.get(t)!, options),
  );
  return { tenants, diagnostics: tenants.flatMap((t) => t.diagnostics), sessions };
}

/** The testConnection fields: every non-empty desired attribute as JSON text, "" to clear what only live has. */
export function writeFields(compiled: CompileResult, attributes: Readonly<Record<string, unknown>>, live: LiveConnection | null): Record<string, string> {
  const tenant = compiled.tenant!;
  const fields: Record<string, string> = { connectiontype: "REST", connectionName: tenant.connection.name, description: tenant.connection.description };
  const liveValues = live ? liveAttributes(live).managed : new Map<string, string>();
  for (const name of REST_ATTRIBUTES) {
    const value = attributes[name];
    if (value !== undefined && value !== null && value !== "") fields[name] = JSON.stringify(value);
    else if (name !== "ConnectionJSON" && (liveValues.get(name) ?? "") !== "") fields[name] = "";
  }
  return fields;
}

async function writeAndVerify(t: TenantDeploy, p: Prepared, options: DeployOptions): Promise<void> {
  const failWith = (diagnostics: readonly Diagnostic[]) => {
    t.diagnostics.push(...diagnostics.map((d) => inTenant(d, t.tenant)));
    t.result = "failed";
  };
  // Secrets are resolved only now, for the one request that carries them.
  const rendered = renderWithSecrets(p.compiled, options.env);
  if (!rendered.attributes) return failWith(rendered.diagnostics);
  const written = await p.client.testConnection(writeFields(p.compiled, rendered.attributes, p.live));
  if (!written.ok) return failWith(written.diagnostics);
  t.connectionKey = written.value.connectionKey;
  if (written.value.targetTestFailed) {
    t.diagnostics.push(diag("EIC_TARGET_TEST_FAILED", `EIC saved ${t.connection} but its test of the target answered "${written.value.msg}"; check the CXone credentials`, { file: t.tenant }));
  }
  const back = await p.client.getConnectionDetails(p.compiled.tenant!.connection.name);
  if (!back.ok) return failWith(back.diagnostics);
  if (!back.value) return failWith([diag("DEPLOY_VERIFY_FAILED", `${t.connection} does not exist after the write`)]);
  const compared = await compareLive(back.value, p.desired, p.client.origin);
  if (!compared.diff) return failWith(compared.diagnostics);
  if (!compared.diff.same) {
    const where = compared.diff.changes.slice(0, 10).map((c) => (c.path ? `${c.group} ${c.path}` : c.group));
    const more = compared.diff.changes.length > 10 ? ` and ${compared.diff.changes.length - 10} more` : "";
    return failWith([diag("DEPLOY_VERIFY_FAILED", `${t.connection} read back differs from the build: ${where.join(", ")}${more}`)]);
  }
}

export interface PullTarget {
  /** A tenant file: its connection name and EIC. */
  tenant?: string;
  /** Or a connection name on `options.eic`. */
  connection?: string;
}

/** `savpkg pull`: the live connection as a T2P zip in the native layout (ConnectionJSON as the server returned it). */
export async function pullConnection(target: PullTarget, options: EicRunOptions): Promise<{ zip?: Buffer; connection?: string; diagnostics: Diagnostic[] }> {
  const sessions = new EicSessions(options.client);
  let compiled: CompileResult | undefined;
  let name = target.connection;
  const diagnostics: Diagnostic[] = [];
  if (target.tenant !== undefined) {
    compiled = await compileTenant(target.tenant, { cwd: options.cwd, set: options.set ?? [], noPack: true });
    diagnostics.push(...compiled.diagnostics);
    if (!compiled.tenant || hasErrors(diagnostics)) return { diagnostics };
    name = compiled.tenant.connection.name;
  }
  if (name === undefined) return { diagnostics: [diag("USAGE", "pull needs a tenant file or --connection NAME")] };
  const connected = connect(compiled, options, sessions);
  diagnostics.push(...connected.diagnostics);
  if (!connected.client || hasErrors(diagnostics)) return { diagnostics };
  const read = await connected.client.getConnectionDetails(name);
  if (!read.ok) return { diagnostics: [...diagnostics, ...read.diagnostics] };
  if (!read.value) return { diagnostics: [...diagnostics, diag("EIC_NOT_FOUND", `connection ${JSON.stringify(name)} does not exist in ${connected.client.origin}`)] };
  let live = read.value;
  const connectionJson = liveAttributes(live).managed.get("ConnectionJSON") ?? "";
  if (connectionJson !== "" && !looksLikeCiphertext(connectionJson)) {
    // A tenant that answers ConnectionJSON in clear (open question 3): its secrets stay out of the package.
    live = { ...live, attributes: Object.fromEntries(Object.entries(live.attributes).map(([k, v]) => [k, k.toLowerCase() === "connectionjson" ? "" : v])) };
    diagnostics.push(diag("EIC_PLAINTEXT_SECRET", `${connected.client.origin} returned ConnectionJSON of ${JSON.stringify(name)} in clear; it was left out of the package`));
  }
  const time = options.sourceDateEpoch !== undefined ? new Date(options.sourceDateEpoch * 1000) : undefined;
  // Pulled through a tenant, the package carries the tenant's own ObjectSummary facts, so that
  // `diff live.zip tenant.yaml` shows only what differs in the connection.
  const facts = compiled?.tenant ? { system: compiled.tenant.package.system, exportedBy: compiled.tenant.package.exportedBy } : { system: new URL(connected.client.origin).host };
  const zip = await livePackageZip(live, { ...facts, ...(time ? { time } : {}) });
  return { zip, connection: name, diagnostics };
}
