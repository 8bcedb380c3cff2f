/**
 * Preparing a run: the documents to execute and the ConnectionJSON they authenticate with. A
 * tenant is compiled with the generated secrets; a zip is read, and its ConnectionJSON (encrypted
 * in real exports) replaced by the one rendered from `--base-url-from` or a generated oauth2 block.
 */
import { resolve } from "node:path";
import { compileTenant } from "../build/compile.js";
import { readZipInput } from "../build/package-input.js";
import { diag, hasErrors } from "../core/diagnostics.js";
import type { Transport } from "../executor/index.js";
import type { Simulator } from "../simulator/index.js";
import type { SimulateOptions } from "./inputs.js";
import type { SimulationReport } from "./report.js";
import { initialRefreshToken, type Credentials } from "./secrets.js";

export interface Prepared {
  documents: Record<string, unknown>;
  connectionJson: unknown;
  /** Absolute base that relative URLs are resolved against (before host rewriting). */
  apiBase: string;
  /** Origins redirected to the simulator; undefined = any host whose path looks like CXone's. */
  origins?: Set<string>;
  transferTeamIds: Set<string>;
}


export interface PrepareInput {
  kind: "tenant" | "zip";
  file: string;
  display: string;
  pageSize: number | null;
  options: SimulateOptions;
  report: SimulationReport;
  creds: Credentials;
  sim: Simulator;
  transport: Transport;
}

/** The documents to run and the ConnectionJSON to run them with, from a tenant (compiled with the generated secrets) or a zip. */
export async function prepare({ kind, file, display, pageSize, options, report, creds, sim, transport }: PrepareInput): Promise<Prepared | undefined> {
  const refreshToken = await initialRefreshToken(sim, creds, transport);
  const secrets = { clientId: creds.clientId, clientSecret: creds.clientSecret, accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, ...(refreshToken ? { refreshToken } : {}) };

  const compile = async (tenantFile: string, set: readonly string[]) => {
    const result = await compileTenant(tenantFile, { cwd: options.cwd, set, secrets, noPack: true });
    report.diagnostics.push(...result.diagnostics.filter((d) => d.severity === "error"));
    if (!result.attributes || !result.tenant || hasErrors(result.diagnostics)) {
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

  // A package zip, read as every reader command reads one.
  const read = await readZipInput(display, { cwd: options.cwd });
  if (read.fatal || !read.model) {
    report.diagnostics.push(...read.diagnostics.filter((d) => d.severity === "error"));
    return undefined;
  }
  // Null prototype: attribute names come from the package (an attribute may be called __proto__).
  const documents: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
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

export function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
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
