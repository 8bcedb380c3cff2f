/**
 * `simulate`: runs a connection's documents end to end against the CXone simulator
 * (issue 6; reference/cxone-api.md §8, reference/saviynt-rest.md §2–§4): import → create →
 * update → disable → enable → add access → remove access → import again. Each step records its
 * calls (operation, method, path, status, pass/fail, reason), what changed in the simulator (a
 * diff of `dump()` before and after), and checks of the effect (the import equals the simulator's
 * state; the created agent exists; disable really deactivated…).
 *
 * Secrets are generated for each run and registered as the simulator's only client and access
 * key; the user's environment is never read. Absolute URLs of the tenant's CXone hosts are
 * redirected to the simulator (path and API version kept); any other host is refused, so a
 * simulation can never reach a real system.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, isAbsolute, relative, resolve } from "node:path";
import pc from "picocolors";
import { compileTenant } from "../build/compile.js";
import { diag, exitCodeFor, hasErrors, sortDiagnostics, type Diagnostic } from "../core/diagnostics.js";
import {
  compareIds,
  ExecutorContext,
  nodeTransport,
  reconcile,
  runImport,
  runProvision,
  scanDocuments,
  type CallRecord,
  type ImportedAccount,
  type ImportedEntitlement,
  type ImportedMembership,
  type ImportRun,
  type Json,
  type SaviyntView,
  type Transport,
  type UnsupportedUse,
  type UrlPolicy,
} from "../executor/index.js";
import { diagnosticToJson } from "../core/format.js";
import { readPackage, ZIP_LIMITS } from "../package/read.js";
import { checkKnobs, demoSeed, loadSeed, startSimulator, type SimKnobs, type SimSeed, type Simulator } from "../simulator/index.js";

/** Page size forced on tenant inputs (and the simulator's list cap) so the default seed spans 3 pages. */
export const DEFAULT_SIM_PAGE_SIZE = 10;

export type StepName = "import" | "create" | "update" | "disable" | "enable" | "addAccess" | "removeAccess" | "reimport";

export const STEPS: ReadonlyArray<{ name: StepName; title: string; attribute: string }> = [
  { name: "import", title: "import", attribute: "ImportAccountEntJSON" },
  { name: "create", title: "create", attribute: "CreateAccountJSON" },
  { name: "update", title: "update", attribute: "UpdateAccountJSON" },
  { name: "disable", title: "disable", attribute: "DisableAccountJSON" },
  { name: "enable", title: "enable", attribute: "EnableAccountJSON" },
  { name: "addAccess", title: "add access", attribute: "AddAccessJSON" },
  { name: "removeAccess", title: "remove access", attribute: "RemoveAccessJSON" },
  { name: "reimport", title: "import again", attribute: "ImportAccountEntJSON" },
];

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

export interface SimulateOptions {
  /** Base for relative paths and for display. */
  cwd: string;
  /** Tenant file whose cxone.apiBaseUrl / token URL / ConnectionJSON a zip is run with. */
  baseUrlFrom?: string;
  /** Seed file (default: test/fixtures/simulator/acme-seed.json, else the built-in demo seed). */
  seed?: string;
  /** `--set` overrides for tenant inputs. */
  set?: readonly string[];
  /**
   * Page size for tenant inputs and the simulator's list cap (default 10); null or "tenant" keeps
   * the tenant's. A string is the command-line value, checked here.
   */
  pageSize?: number | null | string;
  /** Simulator knobs (faults, strictness, …). */
  knobs?: Partial<SimKnobs>;
  /** A JSON file of knobs, read and checked here (applied under `knobs`). */
  knobsFile?: string;
  /** Identity attributes merged over SAMPLE_IDENTITY. */
  identity?: Record<string, Json>;
  /** Entitlement to add/remove per type (default: the first imported one the account is not in). */
  entitlements?: Record<string, string>;
  /** Longest Retry-After honoured (default 5 s). */
  retryAfterCapSeconds?: number;
  /** Injected wait (tests). */
  sleep?: (ms: number) => Promise<void>;
  /** Injected HTTP transport (default node:http). */
  transport?: Transport;
}

export interface StateChange {
  kind: "agent-created" | "agent-updated" | "agent-activated" | "agent-deactivated" | "agent-moved" | "agent-removed" | "group-member-added" | "group-member-removed" | "team-changed" | "group-changed";
  agentId?: number;
  teamId?: number;
  groupId?: number;
  fields?: Record<string, { from: unknown; to: unknown }>;
  /** One line for people. */
  text: string;
}

export interface CheckResult {
  name: string;
  pass: boolean;
  detail: string;
}

export interface ImportSummary {
  accounts: number;
  active: number;
  inactive: number;
  entitlements: Record<string, number>;
  memberships: Record<string, number>;
}

export interface StepReport {
  name: StepName;
  title: string;
  attribute: string;
  ok: boolean;
  /** Why the step failed (empty when ok). */
  reasons: string[];
  warnings: string[];
  /** The account / entitlement the step acted on. */
  target?: { accountID: string; entitlementType?: string; entitlementID?: string }[];
  calls: CallRecord[];
  checks: CheckResult[];
  changes: StateChange[];
  /** What the import read (import steps only): counts, and the records themselves in `data`. */
  imported?: ImportSummary & { data: { accounts: ImportedAccount[]; entitlements: ImportedEntitlement[]; memberships: ImportedMembership[] } };
}

export interface SimulationReport {
  ok: boolean;
  /** The input could not be used at all (unreadable file, refused zip, bad seed): exit 2. */
  fatal: boolean;
  input: { kind: "tenant" | "zip"; file: string; baseUrlFrom?: string; seed: string; pageSize: number | null };
  connection: { source: "tenant" | "base-url-from" | "generated" | "none"; note: string };
  notes: string[];
  steps: StepReport[];
  unsupported: UnsupportedUse[];
  diagnostics: Diagnostic[];
  summary: { steps: number; passed: number; failed: number; calls: number };
}

interface Prepared {
  documents: Record<string, unknown>;
  connectionJson: unknown;
  /** Absolute base that relative URLs are resolved against (before host rewriting). */
  apiBase: string;
  /** Origins redirected to the simulator; undefined = any host whose path looks like CXone's. */
  origins?: Set<string>;
  transferTeamIds: Set<string>;
}

interface Credentials {
  clientId: string;
  clientSecret: string;
  accessKeyId: string;
  accessKeySecret: string;
}

function parsePageSize(raw: SimulateOptions["pageSize"]): number | null {
  if (raw === undefined) return DEFAULT_SIM_PAGE_SIZE;
  if (raw === null || raw === "tenant") return null;
  if (typeof raw === "number") return raw;
  return /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
}

/** A knobs file: JSON, checked by the simulator's own rules. */
function loadKnobsFile(path: string, cwd: string): { knobs?: Partial<SimKnobs>; diagnostics: Diagnostic[] } {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(resolve(cwd, path), "utf8"));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
    return { diagnostics: [diag("IO_READ", `--knobs: ${reason}`, { file: path })] };
  }
  const problems = checkKnobs(value);
  if (problems.length > 0) return { diagnostics: [diag("SIM_KNOBS_INVALID", `--knobs ${path}: ${problems.join("; ")}`, { file: path })] };
  return { knobs: value as Partial<SimKnobs>, diagnostics: [] };
}

export async function simulate(input: string, options: SimulateOptions): Promise<SimulationReport> {
  const file = resolve(options.cwd, input);
  const display = displayPath(file, options.cwd);
  const kind: "tenant" | "zip" = isZip(file) ? "zip" : "tenant";
  const pageSize = parsePageSize(options.pageSize);
  const report: SimulationReport = {
    ok: false,
    fatal: false,
    input: { kind, file: display, ...(options.baseUrlFrom ? { baseUrlFrom: displayPath(resolve(options.cwd, options.baseUrlFrom), options.cwd) } : {}), seed: "", pageSize },
    connection: { source: "none", note: "" },
    notes: [],
    steps: [],
    unsupported: [],
    diagnostics: [],
    summary: { steps: 0, passed: 0, failed: 0, calls: 0 },
  };
  const fatal = (diagnostics: Diagnostic[]): SimulationReport => {
    report.diagnostics.push(...diagnostics);
    report.fatal = true;
    return finish(report);
  };

  if (pageSize !== null && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000)) {
    return fatal([diag("USAGE", `--page-size ${String(options.pageSize)}: expected an integer from 1 to 10000, or "tenant"`)]);
  }
  let fileKnobs: Partial<SimKnobs> = {};
  if (options.knobsFile !== undefined) {
    const loaded = loadKnobsFile(options.knobsFile, options.cwd);
    if (!loaded.knobs) return fatal(loaded.diagnostics);
    fileKnobs = loaded.knobs;
  }
  if (kind === "tenant" && options.baseUrlFrom) report.notes.push("--base-url-from is ignored for a tenant input (the tenant names its own base URL)");

  // Seed.
  let seed: SimSeed;
  if (options.seed) {
    const seedFile = resolve(options.cwd, options.seed);
    report.input.seed = displayPath(seedFile, options.cwd);
    const loaded = loadSeed(seedFile);
    if (!loaded.seed || hasErrors(loaded.diagnostics)) return fatal(loaded.diagnostics.length ? loaded.diagnostics : [diag("IO_READ", "seed could not be loaded", { file: report.input.seed })]);
    seed = loaded.seed;
  } else {
    // The built-in Acme business unit (25 agents, 7 teams, 2 groups); test/fixtures/simulator/acme-seed.json is the same data as a file.
    seed = demoSeed();
    report.input.seed = "(built-in Acme seed)";
  }

  // Input bytes / existence before starting a server.
  if (!existsSync(file)) return fatal([diag(kind === "zip" ? "IO_READ" : "TENANT_NOT_FOUND", `${display} does not exist`, { file: display })]);
  if (options.baseUrlFrom && kind === "zip" && !existsSync(resolve(options.cwd, options.baseUrlFrom))) {
    return fatal([diag("TENANT_NOT_FOUND", `${report.input.baseUrlFrom} does not exist`, { file: report.input.baseUrlFrom! })]);
  }

  const creds: Credentials = {
    clientId: `savpkg-sim-${hex(4)}`,
    clientSecret: hex(24),
    accessKeyId: `SIMKEY${hex(8).toUpperCase()}`,
    accessKeySecret: hex(24),
  };
  const knobs: Partial<SimKnobs> = { ...(pageSize !== null ? { listCap: pageSize } : {}), ...fileKnobs, ...(options.knobs ?? {}) };
  let sim: Simulator;
  try {
    sim = await startSimulator({ seed, clients: [{ clientId: creds.clientId, clientSecret: creds.clientSecret }], accessKeys: [{ accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret }], knobs });
  } catch (e) {
    return fatal([diag("INTERNAL", `the simulator did not start: ${(e as Error).message}`)]);
  }
  try {
    const transport = options.transport ?? nodeTransport();
    const prepared = await prepare(kind, file, display, options, report, creds, sim, transport, pageSize);
    if (!prepared) return finish(report);
    const ctx = new ExecutorContext(
      {
        transport,
        resolveUrl: urlPolicy(sim, prepared),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.retryAfterCapSeconds !== undefined ? { retryAfterCapSeconds: options.retryAfterCapSeconds } : {}),
      },
      prepared.connectionJson,
    );
    report.unsupported.push(...scanDocuments(prepared.documents));
    await runSteps(ctx, sim, prepared, options, report);
    for (const u of ctx.unsupported) if (!report.unsupported.some((r) => r.where === u.where && r.expression === u.expression)) report.unsupported.push(u);
  } finally {
    await sim.stop();
  }
  return finish(report);
}

function finish(report: SimulationReport): SimulationReport {
  for (const u of report.unsupported) {
    report.diagnostics.push(diag("SIM_UNSUPPORTED", `${u.expression}: ${u.message}`, { file: report.input.file, path: u.where }));
  }
  for (const step of report.steps) {
    if (!step.ok) report.diagnostics.push(diag("SIM_STEP_FAILED", `${step.title} failed: ${step.reasons[0] ?? "see the report"}`, { file: report.input.file, path: step.attribute }));
  }
  report.diagnostics = sortDiagnostics(report.diagnostics);
  report.summary = {
    steps: report.steps.length,
    passed: report.steps.filter((s) => s.ok).length,
    failed: report.steps.filter((s) => !s.ok).length,
    calls: report.steps.reduce((n, s) => n + s.calls.length, 0),
  };
  report.ok = !report.fatal && report.steps.length === STEPS.length && report.summary.failed === 0 && !hasErrors(report.diagnostics);
  return report;
}

function isZip(file: string): boolean {
  if (extname(file).toLowerCase() === ".zip") return true;
  try {
    const fd = readFileSync(file).subarray(0, 4);
    return fd.length === 4 && fd[0] === 0x50 && fd[1] === 0x4b && fd[2] === 0x03 && fd[3] === 0x04;
  } catch {
    return false;
  }
}

/** Relative to cwd when that is short (at most two `..`), else absolute. */
function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  const ups = rel.split(/[\\/]/).filter((s) => s === "..").length;
  return rel !== "" && !isAbsolute(rel) && ups <= 2 ? rel : file;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

// ---------------------------------------------------------------------------------------------
// Preparing the documents and the ConnectionJSON.

async function prepare(
  kind: "tenant" | "zip",
  file: string,
  display: string,
  options: SimulateOptions,
  report: SimulationReport,
  creds: Credentials,
  sim: Simulator,
  transport: Transport,
  pageSize: number | null,
): Promise<Prepared | undefined> {
  // A refresh-token grant needs a refresh token the simulator issued: get one with the generated access key.
  const refreshToken = await initialRefreshToken(sim, creds, transport);
  const secrets = { clientId: creds.clientId, clientSecret: creds.clientSecret, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, ...(refreshToken ? { refreshToken } : {}) };

  const compile = async (tenantFile: string, set: readonly string[]) => {
    const result = await compileTenant(tenantFile, { cwd: options.cwd, set, secrets, noPack: true });
    report.diagnostics.push(...result.diagnostics.filter((d) => d.severity === "error"));
    if (!result.attributes || !result.tenant || hasErrors(result.diagnostics)) {
      if (result.diagnostics.some((d) => d.code === "TENANT_NOT_FOUND" || d.code === "IO_READ")) report.fatal = true;
      return undefined;
    }
    if (result.tenant.connector !== "incontact") {
      // The simulator is CXone's: a generic REST tenant has no CXone base URL or token settings to redirect.
      report.diagnostics.push(diag("SIM_UNSUPPORTED", `${tenantFile} is a connector: ${result.tenant.connector} tenant; simulate runs CXone (connector: incontact) tenants and packages`, { file: tenantFile }));
      return undefined;
    }
    return { tenant: result.tenant, attributes: result.attributes as Record<string, unknown> };
  };

  if (kind === "tenant") {
    const set = [...(options.set ?? []), ...(pageSize !== null ? [`import.pageSize=${pageSize}`] : [])];
    if (pageSize !== null) report.notes.push(`import.pageSize set to ${pageSize} (and the simulator's list cap) so paging is exercised; --page-size tenant (pageSize: null) keeps the tenant's`);
    const compiled = await compile(file, set);
    if (!compiled) return undefined;
    const { tenant, attributes } = compiled;
    report.connection = { source: "tenant", note: `ConnectionJSON rendered from ${display} with generated secrets (client, access key${refreshToken && tenant.cxone.auth.grant === "refresh_token" ? ", refresh token" : ""}); the tenant's secret references were not read` };
    const { ConnectionJSON: connectionJson, ...documents } = attributes;
    report.notes.push(`${origin(tenant.cxone.apiBaseUrl)} and ${origin(tenant.cxone.auth.tokenUrl)} are redirected to the simulator (paths and API version kept)`);
    return {
      documents,
      connectionJson,
      apiBase: tenant.cxone.apiBaseUrl,
      origins: new Set([origin(tenant.cxone.apiBaseUrl), origin(tenant.cxone.auth.tokenUrl)]),
      transferTeamIds: new Set([String(tenant.provisioning.removeAccess.transferTeamId)]),
    };
  }

  // A package zip.
  let bytes: Buffer;
  try {
    if (statSync(file).size > ZIP_LIMITS.maxInputBytes) {
      report.fatal = true;
      report.diagnostics.push(diag("ZIP_LIMIT", `${display} is larger than ${ZIP_LIMITS.maxInputBytes} bytes`, { file: display }));
      return undefined;
    }
    bytes = readFileSync(file);
  } catch (e) {
    report.fatal = true;
    report.diagnostics.push(diag("IO_READ", `cannot read ${display}: ${(e as Error).message}`, { file: display }));
    return undefined;
  }
  const read = await readPackage(bytes, { source: display });
  if (read.fatal || !read.model) {
    report.fatal = true;
    report.diagnostics.push(...read.diagnostics.filter((d) => d.severity === "error"));
    return undefined;
  }
  const documents: Record<string, unknown> = {};
  let packagedConnection = "absent";
  for (const a of read.model.connection.attributes) {
    if (a.name === "ConnectionJSON") {
      packagedConnection = a.state;
      continue;
    }
    if (a.state === "json") documents[a.name] = a.json;
    else if (a.state === "invalid-json") documents[a.name] = { __invalid: a.error ?? "invalid JSON" };
  }
  const packagedNote =
    packagedConnection === "ciphertext"
      ? "the package's ConnectionJSON is encrypted"
      : packagedConnection === "json"
        ? "the package carries a plaintext ConnectionJSON, whose secrets are not used"
        : "the package's ConnectionJSON is empty";
  const used = connectionNames(documents);

  if (options.baseUrlFrom) {
    const tenantFile = resolve(options.cwd, options.baseUrlFrom);
    const compiled = await compile(tenantFile, options.set ?? []);
    if (!compiled) return undefined;
    const { tenant, attributes } = compiled;
    const connectionJson = aliasBlocks(attributes.ConnectionJSON, used, report);
    report.connection = { source: "base-url-from", note: `${packagedNote}; used the ConnectionJSON rendered from ${report.input.baseUrlFrom} with generated secrets` };
    report.notes.push(`relative URLs are resolved against ${tenant.cxone.apiBaseUrl} (cxone.apiBaseUrl of ${report.input.baseUrlFrom}); ${origin(tenant.cxone.apiBaseUrl)} and ${origin(tenant.cxone.auth.tokenUrl)} are redirected to the simulator`);
    if (pageSize !== null) report.notes.push(`the simulator's list cap is ${pageSize}, so list calls without top are paged`);
    return {
      documents,
      connectionJson,
      apiBase: tenant.cxone.apiBaseUrl,
      origins: new Set([origin(tenant.cxone.apiBaseUrl), origin(tenant.cxone.auth.tokenUrl)]),
      transferTeamIds: new Set([String(tenant.provisioning.removeAccess.transferTeamId), ...transferTeams(documents)]),
    };
  }
  const apiBase = "https://api-na1.niceincontact.com/inContactAPI/services/v34.0";
  report.connection = { source: "generated", note: `${packagedNote}; used a generated oauth2 block (${used.join(", ")}) for the simulator's /auth/token with generated secrets` };
  report.notes.push(`no --base-url-from: relative URLs are resolved against ${apiBase}; absolute URLs to CXone API or token paths are redirected to the simulator`);
  if (pageSize !== null) report.notes.push(`the simulator's list cap is ${pageSize}, so list calls without top are paged`);
  return { documents, connectionJson: generatedConnection(used, sim, creds), apiBase, transferTeamIds: new Set(transferTeams(documents)) };
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

async function initialRefreshToken(sim: Simulator, creds: Credentials, transport: Transport): Promise<string | undefined> {
  try {
    const r = await transport({
      method: "POST",
      url: sim.tokenUrl,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString("base64")}` },
      body: new URLSearchParams({ grant_type: "password", username: creds.accessKeyId, password: creds.accessKeySecret }).toString(),
    });
    const body = JSON.parse(r.text) as { refresh_token?: unknown };
    return typeof body.refresh_token === "string" ? body.refresh_token : undefined;
  } catch {
    return undefined;
  }
}

/** Auth-block names the documents refer to (`connection`), default acctAuth. */
function connectionNames(documents: Record<string, unknown>): string[] {
  const names = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 12 || typeof v !== "object" || v === null) return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, depth + 1));
    for (const [k, x] of Object.entries(v)) {
      if (k === "connection" && typeof x === "string" && x !== "") names.add(x);
      else walk(x, depth + 1);
    }
  };
  walk(documents, 0);
  return names.size > 0 ? [...names].sort() : ["acctAuth"];
}

/** The documents name auth blocks the rendered ConnectionJSON may call differently: alias its single block. */
function aliasBlocks(connectionJson: unknown, used: string[], report: SimulationReport): unknown {
  const auths = typeof connectionJson === "object" && connectionJson !== null ? (connectionJson as { authentications?: Record<string, unknown> }).authentications : undefined;
  if (!auths) return connectionJson;
  const have = Object.keys(auths);
  const missing = used.filter((n) => !have.includes(n));
  if (missing.length === 0 || have.length !== 1) return connectionJson;
  report.notes.push(`the package refers to auth block ${missing.join(", ")}; the tenant's block ${have[0]} is used under that name`);
  const block = auths[have[0]!];
  return { authentications: { ...auths, ...Object.fromEntries(missing.map((n) => [n, block])) } };
}

function generatedConnection(names: string[], sim: Simulator, creds: Credentials): unknown {
  const block = {
    authType: "oauth2",
    url: sim.tokenUrl,
    httpMethod: "POST",
    httpParams: JSON.stringify({ grant_type: "password", username: creds.accessKeyId, password: creds.accessKeySecret }),
    httpHeaders: { Accept: "application/json", Authorization: `Basic ${Buffer.from(`${creds.clientId}:${creds.clientSecret}`).toString("base64")}` },
    httpContentType: "application/x-www-form-urlencoded",
    tokenResponsePath: "access_token",
    tokenType: "Bearer",
    accessToken: "Bearer refreshed-on-first-call",
    authError: ["invalid_token", "Invalid or expired token"],
    errorPath: "error",
    retryFailureStatusCode: [401],
    maxRefreshTryCount: 3,
  };
  return { authentications: Object.fromEntries(names.map((n) => [n, block])) };
}

/** transferTeamId values in RemoveAccessJSON URLs (never picked as the team to add and remove). */
function transferTeams(documents: Record<string, unknown>): string[] {
  const text = JSON.stringify(documents.RemoveAccessJSON ?? "");
  return [...text.matchAll(/transferTeamId=(\d+)/gi)].map((m) => m[1]!);
}

const CXONE_PATH = /^\/(incontactapi\/|auth\/token|incontactauthorizationserver\/token|authentication\/v1\/token)/i;

function urlPolicy(sim: Simulator, prepared: Prepared): UrlPolicy {
  const simBase = new URL(sim.baseUrl);
  const apiBase = new URL(prepared.apiBase);
  const basePath = apiBase.pathname.replace(/\/+$/, "");
  return (url) => {
    const text = url.trim();
    if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
      let u: URL;
      try {
        u = new URL(text);
      } catch {
        return { ok: false, reason: `"${text}" is not a valid URL` };
      }
      if (u.origin === simBase.origin) return { ok: true, url: u.href };
      const allowed = prepared.origins ? prepared.origins.has(u.origin) : (u.protocol === "https:" || u.protocol === "http:") && CXONE_PATH.test(u.pathname);
      if (!allowed) {
        return { ok: false, reason: `refusing to call ${u.origin}: only ${prepared.origins ? [...prepared.origins].join(" and ") : "CXone API and token URLs"} are redirected to the simulator` };
      }
      return { ok: true, url: `${simBase.origin}${u.pathname}${u.search}` };
    }
    if (text === "" || text.startsWith("//")) return { ok: false, reason: `"${text}" is not a URL` };
    // Relative URLs are undocumented (reference/saviynt-rest.md §2.6): resolved against the API base, path kept.
    const path = text.startsWith("/") ? text : `/${text}`;
    return { ok: true, url: `${simBase.origin}${basePath}${path}`, note: `relative URL resolved against ${prepared.apiBase}` };
  };
}

// ---------------------------------------------------------------------------------------------
// The steps.

interface Target {
  account: Record<string, Json>;
  accountID: string;
}

async function runSteps(ctx: ExecutorContext, sim: Simulator, prepared: Prepared, options: SimulateOptions, report: SimulationReport): Promise<void> {
  const docs = prepared.documents;
  let view: SaviyntView | undefined;
  let target: Target | undefined;
  const identity: Record<string, Json> = { ...SAMPLE_IDENTITY, ...(options.identity ?? {}) };
  const password = `Sim-${hex(6)}-Aa1!`;
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
        // Access: one task per entitlement type that the JSON has calls for (§4.5).
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

    step.calls = ctx.calls.slice(callStart);
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

function agentOf(seed: SimSeed, accountID: string): SimSeed["agents"][number] | undefined {
  return seed.agents.find((a) => String(a.agentId) === accountID);
}

function fallbackTarget(view: SaviyntView | undefined, seed: SimSeed): Target | undefined {
  const account = view?.accounts.find((a) => a.status === "active" && agentOf(seed, a.accountID)?.isActive);
  if (!account) return undefined;
  return { accountID: account.accountID, account: { ...account.attributes, accountID: account.accountID, name: account.name } };
}

/** Did the simulator change the way the step says it should? (a 2xx that changed nothing is a failure) */
function effectCheck(step: "update" | "disable" | "enable", accountID: string, before: SimSeed, after: SimSeed): CheckResult {
  const was = agentOf(before, accountID);
  const now = agentOf(after, accountID);
  if (!now) return { name: "the agent exists", pass: false, detail: `agent ${accountID} is not in the simulator` };
  if (step === "disable") return { name: "the agent is inactive", pass: now.isActive === false, detail: now.isActive ? `agent ${accountID} is still active` : `agent ${accountID} is inactive` };
  if (step === "enable") return { name: "the agent is active", pass: now.isActive === true, detail: now.isActive ? `agent ${accountID} is active` : `agent ${accountID} is still inactive` };
  const changed = was ? Object.keys(now).filter((k) => k !== "lastUpdated" && JSON.stringify((now as Record<string, unknown>)[k]) !== JSON.stringify((was as Record<string, unknown>)[k])) : [];
  return { name: "the agent changed", pass: changed.length > 0, detail: changed.length > 0 ? `changed ${changed.join(", ")}` : `the update answered success but agent ${accountID} did not change` };
}

/** Teams are single-valued (the agent's teamId), groups multi-valued (reference/cxone-api.md §4, §6). */
function memberOf(seed: SimSeed, type: string, accountID: string): Set<string> | undefined {
  const agent = agentOf(seed, accountID);
  if (type === "Teams") return new Set(agent ? [String(agent.teamId)] : []);
  if (type === "Groups") return new Set((seed.groupMemberships ?? []).filter((m) => String(m.agentId) === accountID).map((m) => String(m.groupId)));
  return undefined;
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

function accessCheck(step: "addAccess" | "removeAccess", type: string, accountID: string, entitlementID: string, before: SimSeed, after: SimSeed): CheckResult | undefined {
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

// ---------------------------------------------------------------------------------------------
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

function compareWithSimulator(run: ImportRun, truth: SimSeed, doc: unknown): CheckResult[] {
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

// ---------------------------------------------------------------------------------------------
// State diff between two dumps.

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

// ---------------------------------------------------------------------------------------------
// Formatters (pure).

export interface SimulationTextOptions {
  color?: boolean;
  /** Also list each import page and membership call (default: import calls are summarised). */
  verbose?: boolean;
}

export function formatSimulationText(report: SimulationReport, options: SimulationTextOptions = {}): string {
  const c = pc.createColors(options.color ?? false);
  const lines: string[] = [];
  lines.push(`${c.bold("savpkg simulate")} ${report.input.file}${report.input.baseUrlFrom ? ` --base-url-from ${report.input.baseUrlFrom}` : ""}`);
  if (report.input.seed) lines.push(c.dim(`  seed ${report.input.seed}${report.input.pageSize !== null ? ` · page size ${report.input.pageSize}` : ""}`));
  if (report.connection.note) lines.push(c.dim(`  connection: ${report.connection.note}`));
  for (const n of report.notes) lines.push(c.dim(`  note: ${n}`));
  lines.push("");
  const mark = (ok: boolean) => (ok ? c.green("PASS") : c.red("FAIL"));
  for (const step of report.steps) {
    const target = step.target?.length ? c.dim(`  (${step.target.map((t) => (t.entitlementType ? `account ${t.accountID}, ${t.entitlementType} ${t.entitlementID}` : `account ${t.accountID}`)).join("; ")})`) : "";
    lines.push(`${mark(step.ok)} ${c.bold(step.title)}${target}`);
    if (step.imported) {
      const i = step.imported;
      const ents = Object.entries(i.entitlements).map(([t, n]) => `${t} ${n}`).join(", ") || "none";
      const mems = Object.entries(i.memberships).map(([t, n]) => `${t} ${n}`).join(", ") || "none";
      lines.push(`     imported ${i.accounts} accounts (${i.active} active, ${i.inactive} inactive) · entitlements ${ents} · memberships ${mems}`);
    }
    const calls = options.verbose ? step.calls : condenseCalls(step.calls);
    for (const call of calls) {
      if (call.method === "…") {
        lines.push(c.dim(`     …     ${call.operation}`));
        continue;
      }
      const result = call.result === "pass" ? c.green("pass") : call.result === "retried" ? c.yellow("retry") : c.red("fail");
      const status = call.status === null ? "---" : String(call.status);
      lines.push(`     ${result.padEnd(options.color ? 14 : 5)} ${status} ${call.method.padEnd(6)} ${call.path}  ${c.dim(call.operation)}${call.reason && call.result !== "pass" ? `\n            ${call.result === "fail" ? c.red(call.reason) : call.reason}` : ""}`);
      for (const note of call.notes ?? []) lines.push(c.dim(`            note: ${note}`));
    }
    for (const check of step.checks) lines.push(`     ${check.pass ? c.green("ok") : c.red("not ok")} ${check.name}: ${check.detail}`);
    for (const change of step.changes) lines.push(`     ${c.cyan("Δ")} ${change.text}`);
    // A warning or reason already shown by a failed check or call is not repeated.
    const shown = [...step.checks.filter((x) => !x.pass).map((x) => `${x.name}: ${x.detail}`), ...step.calls.map((x) => x.reason ?? "")];
    for (const w of step.warnings) if (!shown.some((t) => t.includes(w))) lines.push(c.yellow(`     warning: ${w}`));
    if (!step.ok) for (const r of step.reasons) if (!shown.some((t) => t !== "" && (r === t || r.endsWith(`: ${t}`)))) lines.push(c.red(`     reason: ${r}`));
  }
  if (report.unsupported.length > 0) {
    lines.push("");
    lines.push(c.yellow(`unsupported expressions (${report.unsupported.length}):`));
    for (const u of report.unsupported) lines.push(`  ${u.where}: ${u.expression} — ${u.message}`);
  }
  const other = report.diagnostics.filter((d) => d.code !== "SIM_STEP_FAILED" && d.code !== "SIM_UNSUPPORTED");
  if (other.length > 0) {
    if (lines.at(-1) !== "") lines.push("");
    for (const d of other) lines.push(`${d.file ? `${d.file}${d.line ? `:${d.line}:${d.col ?? 1}` : ""} ` : ""}${d.severity === "error" ? c.red(d.severity) : c.yellow(d.severity)} ${d.code} ${d.message}`);
  }
  if (lines.at(-1) !== "") lines.push("");
  const s = report.summary;
  const verdict = report.ok ? c.green("all steps passed") : report.fatal ? c.red("simulation could not run") : c.red(`${s.failed} step(s) failed: ${report.steps.filter((x) => !x.ok).map((x) => x.title).join(", ")}`);
  lines.push(`${verdict} · ${s.passed}/${STEPS.length} steps · ${s.calls} calls`);
  return lines.join("\n") + "\n";
}

/** Import steps make many similar calls: keep failures, retries, token calls, the first and last page of each operation. */
function condenseCalls(calls: CallRecord[]): CallRecord[] {
  if (calls.length <= 12) return calls;
  const out: CallRecord[] = [];
  let skipped = 0;
  calls.forEach((call, i) => {
    const base = call.operation.replace(/ page \d+$/, "").replace(/ \(id=[^)]*\)$/, "");
    const prev = calls[i - 1];
    const next = calls[i + 1];
    const same = (x: CallRecord | undefined) => x !== undefined && x.operation.replace(/ page \d+$/, "").replace(/ \(id=[^)]*\)$/, "") === base && x.result === "pass";
    if (call.result !== "pass" || call.operation.startsWith("token") || !same(prev) || !same(next) || (call.notes?.length ?? 0) > 0) {
      if (skipped > 0) out.push({ operation: `(${skipped} more call${skipped === 1 ? "" : "s"} like these passed)`, method: "…", path: "", status: null, result: "pass" });
      skipped = 0;
      out.push(call);
    } else skipped++;
  });
  return out;
}

/** The stable JSON document (`--format json`). Key order is fixed by construction. */
export function formatSimulationJson(report: SimulationReport): string {
  return (
    JSON.stringify(
      {
        ok: report.ok,
        fatal: report.fatal,
        input: report.input,
        connection: report.connection,
        notes: report.notes,
        steps: report.steps,
        unsupported: report.unsupported,
        diagnostics: report.diagnostics.map(diagnosticToJson),
        summary: report.summary,
      },
      null,
      2,
    ) + "\n"
  );
}

/**
 * The exit code of `savpkg simulate`: 0 all steps passed, 1 a step failed, 2 the input could not be
 * used (1 already means "a step failed", so input problems are escalated to 2).
 */
export function simulationExitCode(report: SimulationReport): number {
  if (report.fatal) return exitCodeFor(report.diagnostics, { inputProblemsAre: 2 }) || 2;
  return report.ok ? 0 : 1;
}
