/**
 * Secret references ({env: NAME} / {file: path}) are resolved only where a secret is really
 * needed: the `--with-secrets` ConnectionJSON file and `simulate` (which generates its own).
 * Everywhere else a secret is shown as a placeholder naming its source, never its value.
 */
import { resolve } from "node:path";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { LIMITS } from "../core/limits.js";
import { readRegularFile } from "../core/read-file.js";
import type { SecretRef, TenantConfig } from "./validate.js";

export const SECRET_FIELDS = ["clientId", "clientSecret", "accessKeyId", "accessKeySecret", "refreshToken"] as const;
export type SecretField = (typeof SECRET_FIELDS)[number];

/** Secret values by field; a field the tenant does not use is absent. */
export type SecretValues = Partial<Record<SecretField, string>>;

/** `@@CXONE_CLIENT_SECRET@@` / `@@file:secrets/key.txt@@`: what the admin replaces after import. */
export function placeholderFor(ref: SecretRef): string {
  return "env" in ref ? `@@${ref.env}@@` : `@@file:${ref.file}@@`;
}

/** The reference a secret field holds; a rest tenant has none (its ConnectionJSON is passed through encrypted). */
function secretRef(tenant: TenantConfig, field: SecretField): SecretRef | undefined {
  return tenant.connector === "incontact" ? tenant.cxone.auth[field] : undefined;
}

export function placeholderSecrets(tenant: TenantConfig): SecretValues {
  const out: SecretValues = {};
  for (const field of SECRET_FIELDS) {
    const ref = secretRef(tenant, field);
    if (ref) out[field] = placeholderFor(ref);
  }
  return out;
}

export interface SecretSource {
  env: Readonly<Record<string, string | undefined>>;
  /** Directory `{file: …}` references are relative to (the tenant file's folder). */
  baseDir: string;
  /** Location of each reference in the tenant file, for diagnostics. */
  locate?: (field: SecretField) => { file?: string; line?: number; col?: number };
}

/** Reads every referenced secret; a missing one names the variable or file, never a value. */
export function resolveSecrets(tenant: TenantConfig, source: SecretSource): { values: SecretValues; diagnostics: Diagnostic[] } {
  const values: SecretValues = {};
  const diagnostics: Diagnostic[] = [];
  for (const field of SECRET_FIELDS) {
    const ref = secretRef(tenant, field);
    if (!ref) continue;
    const value = resolveSecretRef(ref, source, { ...(source.locate?.(field) ?? {}), path: `cxone.auth.${field}` }, diagnostics);
    if (value !== undefined) values[field] = value;
  }
  return { values, diagnostics };
}

/** One reference → its value, or a diagnostic naming the variable or file (and `where.path`), never a value. */
export function resolveSecretRef(
  ref: SecretRef,
  source: Pick<SecretSource, "env" | "baseDir">,
  where: { file?: string; line?: number; col?: number; path: string },
  diagnostics: Diagnostic[],
): string | undefined {
  if ("env" in ref) {
    const value = source.env[ref.env];
    if (value === undefined || value === "") diagnostics.push(diag("SECRET_ENV_MISSING", `environment variable ${ref.env} (${where.path}) is not set`, where));
    return value === "" ? undefined : value;
  }
  const read = readRegularFile(resolve(source.baseDir, ref.file), { maxBytes: LIMITS.secretFileBytes.value, display: ref.file });
  if (read.ok) return read.bytes.toString("utf8").replace(/\r?\n$/, "");
  if (read.reason === "too-large") diagnostics.push(diag("LIMIT_FILE_SIZE", `secret file ${read.message} (${where.path})`, where));
  else diagnostics.push(diag("SECRET_FILE_MISSING", `cannot read secret file (${where.path}): ${read.message}`, where));
  return undefined;
}

/** The EIC login's references: the tenant's `eic` block, else SAVIYNT_USERNAME / SAVIYNT_PASSWORD. */
export const DEFAULT_EIC_CREDENTIALS: { readonly username: SecretRef; readonly password: SecretRef } = {
  username: { env: "SAVIYNT_USERNAME" },
  password: { env: "SAVIYNT_PASSWORD" },
};
