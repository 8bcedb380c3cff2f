/**
 * Plan files: what a reviewed `savpkg plan --out` saw, as hashes only — one per desired attribute
 * (ConnectionJSON as rendered with secret placeholders, so no secret value or hash of one is
 * ever written) and one of the live connection — so `deploy --plan` applies exactly what was
 * reviewed, or refuses. Deterministic: no clock, no paths outside what the user typed.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { canonicalJson, isObject } from "../core/json.js";
import type { RenderedAttributes } from "../tenant/render.js";
import type { TenantConfig } from "../tenant/validate.js";
import { REST_ATTRIBUTES } from "../saviynt/t2p.js";
import type { LiveConnection } from "../eic/contract.js";
import { liveAttributes } from "./live.js";

export const PLAN_FORMAT = "savpkg.plan";
export const PLAN_VERSION = 1;

export type PlanAction = "create" | "update" | "none";

export interface PlanEntry {
  /** The tenant file as given on the command line. */
  tenant: string;
  connection: string;
  /** EIC origin the plan read. */
  eic: string;
  action: PlanAction;
  /** sha256 of the live connection (ConnectionJSON and server-derived fields excluded); null when it did not exist. */
  live: string | null;
  /** `(connection)` (name, type, description) and every REST attribute → sha256 of its canonical text. */
  desired: Record<string, string>;
}

export interface PlanFile {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  tenants: PlanEntry[];
}

const hash = (text: string) => `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;

/** JSON text compared by content; anything else by its text. */
function canonicalText(text: string): string {
  if (text === "") return "";
  try {
    return canonicalJson(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Hashes of what deploy would send (ConnectionJSON with placeholders: its shape and references, never secrets). */
export function desiredHashes(tenant: TenantConfig, attributes: RenderedAttributes): Record<string, string> {
  const out: Record<string, string> = { "(connection)": hash(canonicalJson({ name: tenant.connection.name, type: "REST", description: tenant.connection.description })) };
  const rendered = attributes as Record<string, unknown>;
  for (const name of REST_ATTRIBUTES) out[name] = hash(rendered[name] === undefined ? "" : canonicalJson(rendered[name]));
  return out;
}

/** Hash of the live state a deploy would overwrite; ConnectionJSON (write-only, always set) is left out. */
export function liveHash(live: LiveConnection | null): string | null {
  if (!live) return null;
  const { managed } = liveAttributes(live);
  const attributes = Object.fromEntries([...managed].filter(([name]) => name !== "ConnectionJSON").map(([name, text]) => [name, canonicalText(text)]));
  return hash(canonicalJson({ name: live.name, type: live.type, description: live.description, attributes }));
}

export function formatPlanFile(entries: readonly PlanEntry[]): string {
  const file: PlanFile = { format: PLAN_FORMAT, version: PLAN_VERSION, tenants: [...entries] };
  return JSON.stringify(file, null, 2) + "\n";
}

/** `deploy --plan FILE`: the file read (relative to `cwd`) and parsed, or one DEPLOY_PLAN_INVALID. */
export function readPlanFile(file: string, cwd: string): { plan?: PlanFile; diagnostics: Diagnostic[] } {
  let text: string;
  try {
    text = readFileSync(resolve(cwd, file), "utf8");
  } catch (error) {
    return { diagnostics: [diag("DEPLOY_PLAN_INVALID", `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`, { file })] };
  }
  return parsePlanFile(text, file);
}

/** A plan file's text → its entries, or one DEPLOY_PLAN_INVALID. */
export function parsePlanFile(text: string, file: string): { plan?: PlanFile; diagnostics: Diagnostic[] } {
  const invalid = (why: string) => ({ diagnostics: [diag("DEPLOY_PLAN_INVALID", `${file}: ${why}`, { file })] });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return invalid("not JSON");
  }
  if (!isObject(value) || value.format !== PLAN_FORMAT) return invalid(`not a savpkg plan (expected "format": "${PLAN_FORMAT}")`);
  if (value.version !== PLAN_VERSION) return invalid(`plan version ${JSON.stringify(value.version)}; this savpkg reads version ${PLAN_VERSION}`);
  if (!Array.isArray(value.tenants)) return invalid(`"tenants" is not a list`);
  for (const [i, e] of value.tenants.entries()) {
    const good =
      isObject(e) &&
      typeof e.tenant === "string" &&
      typeof e.connection === "string" &&
      typeof e.eic === "string" &&
      (e.live === null || typeof e.live === "string") &&
      isObject(e.desired) &&
      Object.values(e.desired).every((h) => typeof h === "string");
    if (!good) return invalid(`tenants[${i}] is not a plan entry (tenant, connection, eic, live, desired)`);
  }
  return { plan: value as unknown as PlanFile, diagnostics: [] };
}

/** Refusals when what deploy sees now is not what the plan saw. */
export function checkAgainstPlan(planned: PlanEntry, now: Omit<PlanEntry, "tenant" | "action">, file: string): Diagnostic[] {
  const where = { file };
  const out: Diagnostic[] = [];
  if (planned.eic !== now.eic) out.push(diag("DEPLOY_PLAN_STALE", `${planned.tenant}: the plan was made against ${planned.eic}, this deploy targets ${now.eic}`, where));
  if (planned.connection !== now.connection) out.push(diag("DEPLOY_PLAN_STALE", `${planned.tenant}: the plan is for connection ${planned.connection}, the tenant now builds ${now.connection}`, where));
  const changed = [...new Set([...Object.keys(planned.desired), ...Object.keys(now.desired)])].filter((k) => planned.desired[k] !== now.desired[k]);
  if (changed.length > 0) out.push(diag("DEPLOY_PLAN_STALE", `${planned.tenant}: the desired build changed since the plan (${changed.join(", ")}); plan again and review`, where));
  if (planned.live !== now.live) {
    const what = planned.live === null ? "the connection now exists" : now.live === null ? "the connection no longer exists" : "the live connection was changed";
    out.push(diag("DEPLOY_PLAN_STALE", `${planned.tenant}: ${what} since the plan (edited in EIC or deployed by someone else); plan again and review`, where));
  }
  return out;
}
