/**
 * What `simulate` is given: the options, the page size, a knobs file, the seed, the input's kind
 * and how paths are shown. All checked here, before a simulator starts.
 */
import { existsSync } from "node:fs";
import { extname, isAbsolute, relative, resolve } from "node:path";
import { diag, hasErrors, type Diagnostic } from "../core/diagnostics.js";
import { missingInput } from "../core/input.js";
import type { TenantConfig } from "../tenant/validate.js";
import type { Json, Transport } from "../executor/index.js";
import { demoSeed, loadKnobs, loadSeed, type SimKnobs, type SimSeed } from "../simulator/index.js";
import { TENANT_FILE } from "../core/input.js";
import { LIMITS } from "../core/limits.js";
import { readRegularFile } from "../core/read-file.js";
import type { SimulationReport } from "./report.js";

/** Page size forced on tenant inputs (and the simulator's list cap) so the default seed spans 3 pages. */
export const DEFAULT_SIM_PAGE_SIZE = 10;

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

export function parsePageSize(raw: SimulateOptions["pageSize"]): number | null {
  if (raw === undefined) return DEFAULT_SIM_PAGE_SIZE;
  if (raw === null || raw === "tenant") return null;
  if (typeof raw === "number") return raw;
  return /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
}

export function isZip(file: string): boolean {
  if (extname(file).toLowerCase() === ".zip") return true;
  if (TENANT_FILE.test(file)) return false;
  // Any other name: sniff the zip signature (a regular file only; a FIFO or device is then refused by the tenant reader).
  const read = readRegularFile(file, { maxBytes: LIMITS.packageFileBytes.value });
  const head = read.ok ? read.bytes : Buffer.alloc(0);
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** Relative to cwd when that is short (at most two `..`), else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  const ups = rel.split(/[\\/]/).filter((s) => s === "..").length;
  return rel !== "" && !isAbsolute(rel) && ups <= 2 ? rel : file;
}

/** The checked inputs of one run; `diagnostics` non-empty means the run cannot start (exit 2). */
export interface SimulationInputs {
  file: string;
  display: string;
  kind: "tenant" | "zip";
  pageSize: number | null;
  seed?: SimSeed;
  /** Knobs for the simulator: the list cap from the page size, then the knobs file, then `options.knobs`. */
  knobs: Partial<SimKnobs>;
  diagnostics: Diagnostic[];
}

/** An empty report for this input: what the formatters print even when nothing could run. */
export function newReport(input: string, options: SimulateOptions): SimulationReport {
  const file = resolve(options.cwd, input);
  return {
    ok: false,
    fatal: false,
    input: { kind: isZip(file) ? "zip" : "tenant", file: displayPath(file, options.cwd), ...(options.baseUrlFrom ? { baseUrlFrom: displayPath(resolve(options.cwd, options.baseUrlFrom), options.cwd) } : {}), seed: "", pageSize: parsePageSize(options.pageSize) },
    connection: { source: "none", note: "" },
    notes: [],
    steps: [],
    unsupported: [],
    diagnostics: [],
    summary: { steps: 0, passed: 0, failed: 0, calls: 0 },
  };
}

/** Page size, knobs file, seed and the input files' existence, checked before a simulator starts; notes and the seed's name go into `report`. */
export function checkInputs(input: string, options: SimulateOptions, report: SimulationReport): SimulationInputs {
  const file = resolve(options.cwd, input);
  const display = report.input.file;
  const kind = report.input.kind;
  const pageSize = report.input.pageSize;
  const inputs: SimulationInputs = { file, display, kind, pageSize, knobs: {}, diagnostics: [] };
  const refuse = (diagnostics: Diagnostic[]): SimulationInputs => ({ ...inputs, diagnostics });

  if (pageSize !== null && (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000)) {
    return refuse([diag("USAGE", `--page-size ${String(options.pageSize)}: expected an integer from 1 to 10000, or "tenant"`)]);
  }
  let fileKnobs: Partial<SimKnobs> = {};
  if (options.knobsFile !== undefined) {
    const loaded = loadKnobs(resolve(options.cwd, options.knobsFile), options.knobsFile);
    if (!loaded.knobs) return refuse(loaded.diagnostics);
    fileKnobs = loaded.knobs;
  }
  if (kind === "tenant" && options.baseUrlFrom) report.notes.push("--base-url-from is ignored for a tenant input (the tenant names its own base URL)");

  // Seed.
  let seed: SimSeed;
  if (options.seed) {
    const seedFile = resolve(options.cwd, options.seed);
    report.input.seed = displayPath(seedFile, options.cwd);
    const loaded = loadSeed(seedFile);
    if (!loaded.seed || hasErrors(loaded.diagnostics)) return refuse(hasErrors(loaded.diagnostics) ? loaded.diagnostics : [...loaded.diagnostics, diag("IO_READ", "seed could not be loaded", { file: report.input.seed })]);
    seed = loaded.seed;
  } else {
    // The built-in Acme business unit (25 agents, 7 teams, 2 groups); test/fixtures/simulator/acme-seed.json is the same data as a file.
    seed = demoSeed();
    report.input.seed = "(built-in Acme seed)";
  }

  // Input bytes / existence before starting a server.
  if (!existsSync(file)) return refuse([missingInput(display, kind === "zip" ? "package" : "tenant")]);
  if (options.baseUrlFrom && kind === "zip" && !existsSync(resolve(options.cwd, options.baseUrlFrom))) {
    return refuse([missingInput(report.input.baseUrlFrom!, "tenant")]);
  }
  return { ...inputs, seed, knobs: { ...(pageSize !== null ? { listCap: pageSize } : {}), ...fileKnobs, ...(options.knobs ?? {}) } };
}

/** The team and profile ids a tenant sends on its own (defaults, transfer team) that the seed does not have. */
export function missingOwnIds(tenant: TenantConfig, seed: SimSeed): string[] {
  const teams = new Set(seed.teams.map((t) => t.teamId));
  const profiles = new Set(seed.securityProfiles.map((p) => p.securityProfileId));
  const out: string[] = [];
  if (tenant.connector !== "incontact") return out;
  const { defaults, removeAccess } = tenant.provisioning;
  if (!teams.has(defaults.teamId)) out.push(`team ${defaults.teamId} (provisioning.defaults.teamId)`);
  if (!teams.has(removeAccess.transferTeamId)) out.push(`team ${removeAccess.transferTeamId} (provisioning.removeAccess.transferTeamId)`);
  if (!profiles.has(defaults.profileId)) out.push(`profile ${defaults.profileId} (provisioning.defaults.profileId)`);
  return out;
}
