/**
 * `savpkg init`: a commented starter tenant file whose first line points editors at the schema
 * (yaml-language-server), so completion and validation work while typing.
 *
 * Which schema the first line names (`schemaFor`): the nearest copy of savpkg's tenant schema at or
 * above the new file's folder — `tenant.schema.json` or `schemas/tenant.schema.json` in that folder
 * or any folder above it, recognised by its `$id` — so a copy committed with the tenants
 * (`savpkg schema --out schemas/tenant.schema.json`) works for every colleague whatever their
 * layout; else the schema of this savpkg installation. The path is relative to the new file.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { safeLine } from "../core/text-safety.js";
import type { PlannedFile } from "../core/planned-file.js";
import { assetUrl } from "../assets.js";

export interface InitOptions {
  cwd: string;
  file: string;
  name: string;
  force?: boolean;
}

export function initTenantFile(options: InitOptions): { files: PlannedFile[]; diagnostics: Diagnostic[]; schemaRef?: string } {
  const path = resolve(options.cwd, options.file);
  if (existsSync(path) && !options.force) {
    return { files: [], diagnostics: [diag("USAGE", `${options.file} already exists; use --force to overwrite it`, { file: options.file })] };
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(options.name)) {
    return { files: [], diagnostics: [diag("USAGE", `--name ${JSON.stringify(options.name)}: use letters, digits, '_', '.', '-'`)] };
  }
  const schemaRef = safeLine(relative(dirname(path), schemaFor(dirname(path))).split("\\").join("/"));
  // The commands in the file's comment name the file as the user named it (one comment line: safeLine).
  const shown = safeLine(options.file.split("\\").join("/"));
  return { files: [{ path, bytes: Buffer.from(starterText(schemaRef, options.name, shown)) }], diagnostics: [], schemaRef };
}

/** The schema file a new tenant file in `dir` should name (see the module comment). */
export function schemaFor(dir: string): string {
  const installed = fileURLToPath(assetUrl("schemas/tenant.schema.json"));
  const id = schemaId(installed);
  for (let at = resolve(dir); ; at = dirname(at)) {
    for (const candidate of [join(at, "tenant.schema.json"), join(at, "schemas", "tenant.schema.json")]) {
      if (id !== undefined && schemaId(candidate) === id) return candidate;
    }
    if (dirname(at) === at) return installed;
  }
}

function schemaId(file: string): string | undefined {
  try {
    const id = (JSON.parse(readFileSync(file, "utf8")) as { $id?: unknown }).$id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined; // absent, unreadable or not JSON: not a copy of the schema
  }
}

/**
 * Values the starter file holds only as placeholders: validation warns while a tenant still has
 * one (TENANT_PLACEHOLDER). The ids are chosen to be nobody's real team or profile.
 */
export const INIT_PLACEHOLDERS = {
  "package.system": "example.saviyntcloud.com",
  "provisioning.defaults.teamId": 990001,
  "provisioning.defaults.profileId": 990005,
  "provisioning.removeAccess.transferTeamId": 990099,
} as const;

function starterText(schemaRef: string, name: string, file: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
# A savpkg tenant file: one Saviynt tenant's CXone (inContact) connection.
# Check it with:  savpkg validate ${file}   ·   build it with:  savpkg build ${file}
# Every key is described in the schema above (savpkg schema --out schemas/tenant.schema.json
# keeps a copy with your tenants, which savpkg init then points new files at).

# extends: ./base.yaml            # optional: overlay a shared base file (objects merge, arrays replace)

connection:
  name: ${name}                     # Saviynt connection name; an import replaces a connection of this name
  description: "NICE CXone business unit"

package:
  system: ${INIT_PLACEHOLDERS["package.system"]}  # your Saviynt tenant host (ObjectSummary "System")
  exportedBy: savpkg

cxone:
  apiBaseUrl: https://api-na1.niceincontact.com/inContactAPI/services/v34.0
  auth:
    grant: password                 # CXone access key (recommended) or refresh_token
    clientId: { env: CXONE_CLIENT_ID }
    clientSecret: { env: CXONE_CLIENT_SECRET }
    accessKeyId: { env: CXONE_ACCESS_KEY_ID }
    accessKeySecret: { env: CXONE_ACCESS_KEY_SECRET }

import:
  pageSize: 100
  statusColumn: customproperty11    # receives the agent's isActive
  activeValues: ["true"]
  accountThreshold: 10
  accountAttributes:                # Saviynt account attribute <- CXone agent field
    accountID: agentId
    name: userName
    displayName: userName
    customproperty3: firstName
    customproperty5: lastName
  entitlementTypes:
    Teams:
      attributes:
        entitlementID: teamId
        entitlement_value: teamName

provisioning:
  agent:                            # CXone agent field <- Saviynt expression
    firstName: "\${user.firstname}"
    lastName: "\${user.lastname}"
    emailAddress: "\${user.email}"
    userName: "\${user.email}"
  defaults:                         # required by CXone when the map above does not give them
    teamId: ${INIT_PLACEHOLDERS["provisioning.defaults.teamId"]}                  # placeholder: a team of your business unit
    profileId: ${INIT_PLACEHOLDERS["provisioning.defaults.profileId"]}               # placeholder: a security profile
    timeZone: "(GMT-05:00) Eastern Time (US & Canada)"
    country: US
    city: Denver
  removeAccess:
    transferTeamId: ${INIT_PLACEHOLDERS["provisioning.removeAccess.transferTeamId"]}          # placeholder: CXone moves an agent removed from a team here
`;
}
