/**
 * `savpkg init`: a commented starter tenant file whose first line points editors at the schema
 * (yaml-language-server), so completion and validation work while typing.
 */
import { existsSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import type { PlannedFile } from "../core/planned-file.js";
import { assetUrl } from "../assets.js";

export interface InitOptions {
  cwd: string;
  file: string;
  name: string;
  force?: boolean;
}

export function initTenantFile(options: InitOptions): { files: PlannedFile[]; diagnostics: Diagnostic[] } {
  const path = resolve(options.cwd, options.file);
  if (existsSync(path) && !options.force) {
    return { files: [], diagnostics: [diag("USAGE", `${options.file} already exists; use --force to overwrite it`, { file: options.file })] };
  }
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/.test(options.name)) {
    return { files: [], diagnostics: [diag("USAGE", `--name ${JSON.stringify(options.name)}: use letters, digits, '_', '.', '-'`)] };
  }
  const schema = fileURLToPath(assetUrl("schemas/tenant.schema.json"));
  const schemaRef = relative(dirname(path), schema).split("\\").join("/");
  return { files: [{ path, bytes: Buffer.from(starterText(schemaRef, options.name)) }], diagnostics: [] };
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

function starterText(schemaRef: string, name: string): string {
  return `# yaml-language-server: $schema=${schemaRef}
# A savpkg tenant file: one Saviynt tenant's CXone (inContact) connection.
# Build it with:  savpkg build ${name}.yaml   ·   Reference: savpkg schema

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
