/**
 * A CXone (inContact) package → the typed tenant model wherever the model has a field
 * (schemas/tenant.schema.json, templates/incontact/). The typed tenant is rendered and compared with
 * the package, document by document (ops.ts): a difference that is a known defect of the official
 * package (README "What savpkg fixes") is fixed and listed, any other becomes an `overrides`
 * operation, so the rebuild equals the package except for the listed fixes.
 */
import { hasOwn, isObject } from "../core/json.js";
import { knownKeysAt } from "../core/schemas.js";
import type { PackageModel } from "../package/model.js";
import { parseNestedDocument } from "../package/read.js";
import { documentToData } from "../saviynt/rest-data.js";
import { documents, isRelativeUrl, packageSections, refuse, type AdoptContext, type AdoptedTenant, type Fill, type Fix } from "./common.js";
import type { DataOperation } from "./ops.js";

/** Heuristic: the package talks to CXone (the official template, its API path or its agents/Teams shape). */
export function looksLikeCxone(model: PackageModel): boolean {
  if (model.connection.fields.templateName === "INCONTACT") return true;
  const docs = documents(model);
  if ([...docs.values()].some((doc) => JSON.stringify(doc).includes("/inContactAPI/services/"))) return true;
  const imported = docs.get("ImportAccountEntJSON");
  const call1 = get(imported, "accountParams", "call", "call1");
  return get(call1, "listField") === "agents" && isObject(get(imported, "entitlementParams", "entTypes", "Teams"));
}

const API_BASE = /^(https:\/\/[^\s/?#]+\/inContactAPI\/services\/v[0-9]+\.[0-9]+)\/agents(?:[?#]|$)/;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$/;
const ACCOUNT_TARGET = /^(accountID|name|displayName|displayname|description|comments|accounttype|accountType|lastlogondate|lastpasswordchange|passwordlockdate|validfrom|validthrough|incorrectlogons|orphan|privileged|creator|updatedate|customproperty([1-9]|[1-4][0-9]|5[0-6]))$/;
const ENTITLEMENT_TARGET = /^(entitlementID|entitlement_value|displayname|displayName|description|status|customproperty([1-9]|[1-3][0-9]|40))$/;
const DEFAULT_FIELDS = ["country", "city", "state", "timeZone"] as const;

/** The typed tenant value (with stand-ins for what must be filled) and the fixes made while reading it. */
export function adoptInContact(model: PackageModel, ctx: AdoptContext): AdoptedTenant {
  const { connection, package: pkg } = packageSections(model, ctx);
  const docs = documents(model);
  const fills: Fill[] = [];
  const fixes: Fix[] = [];
  const comments = new Map<string, string>();
  const imported = docs.get("ImportAccountEntJSON");
  const call1 = get(imported, "accountParams", "call", "call1");

  const authName = get(imported, "accountParams", "connection");
  if (typeof authName === "string" && /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(authName)) connection.authName = authName;

  // Base URL: from the account import call, else --base-url for a package with relative URLs.
  const accountsUrl = String(get(call1, "http", "url") ?? "");
  const absolute = API_BASE.exec(accountsUrl.trim());
  let apiBaseUrl = absolute?.[1];
  if (!apiBaseUrl) {
    if (isRelativeUrl(accountsUrl) && ctx.baseUrl !== undefined) apiBaseUrl = ctx.baseUrl.replace(/\/+$/, "");
    else if (!isRelativeUrl(accountsUrl)) {
      refuse(ctx, "ADOPT_UNREPRESENTABLE", `the account import URL ${JSON.stringify(accountsUrl)} is not <CXone API base>/agents; adopt it with --connector rest`, "ImportAccountEntJSON.accountParams.call.call1.http.url");
    }
  }
  const cxone = {
    apiBaseUrl: apiBaseUrl ?? "https://api-na1.niceincontact.com/inContactAPI/services/v34.0",
    auth: {
      clientId: { env: "CXONE_CLIENT_ID" },
      clientSecret: { env: "CXONE_CLIENT_SECRET" },
      accessKeyId: { env: "CXONE_ACCESS_KEY_ID" },
      accessKeySecret: { env: "CXONE_ACCESS_KEY_SECRET" },
    },
  };
  comments.set("cxone.auth", "The package's ConnectionJSON is encrypted (or empty), so its token settings cannot be read: these are the secret references your build resolves (check grant and tokenUrl).");

  // Import.
  const imp: Record<string, unknown> = {};
  const top = /[?&]top=([0-9]+)/.exec(accountsUrl)?.[1];
  if (top !== undefined && Number(top) >= 1 && Number(top) <= 10000) imp.pageSize = Number(top);
  const config = get(imported, "accountParams", "statusAndThresholdConfig");
  const statusColumn = get(config, "statusColumn");
  if (typeof statusColumn === "string" && /^customproperty([1-9]|[1-4][0-9]|5[0-6])$/.test(statusColumn)) imp.statusColumn = statusColumn;
  const active = get(config, "activeStatus");
  if (Array.isArray(active) && active.length > 0 && active.every((v) => typeof v === "string" && v !== "") && new Set(active).size === active.length) imp.activeValues = active;
  const threshold = get(config, "accountThresholdValue");
  if (Number.isInteger(threshold) && (threshold as number) >= 0) imp.accountThreshold = threshold;
  for (const key of ["inactivateAccountsNotInFile", "deleteLinks", "correlateInactiveAccounts", "deleteAccEntForActiveAccounts"]) {
    if (typeof get(config, key) === "boolean") imp[key] = get(config, key);
  }

  const accountAttributes: Record<string, string> = {};
  const map = get(call1, "colsToPropsMap");
  if (isObject(map)) {
    for (const [target, value] of Object.entries(map)) {
      const field = charField(value);
      if (field === undefined) continue;
      if (target === "status" && field === "isActive") {
        fixes.push({ attribute: "ImportAccountEntJSON", pointer: "/accountParams/call/call1/colsToPropsMap/status", message: "isActive mapped straight to status: the status comes from statusColumn + activeValues only" });
        continue;
      }
      if (target === "email") {
        const moved = !hasOwn(map, "customproperty7");
        if (moved) accountAttributes.customproperty7 = field;
        const message = `email is not a Saviynt account column: ${field} ${moved ? "goes to customproperty7" : "is dropped (customproperty7 is taken)"}`;
        for (const target of moved ? ["email", "customproperty7"] : ["email"]) {
          fixes.push({ attribute: "ImportAccountEntJSON", pointer: `/accountParams/call/call1/colsToPropsMap/${target}`, message });
        }
        continue;
      }
      if (ACCOUNT_TARGET.test(target)) accountAttributes[target] = field;
    }
  }
  for (const required of ["accountID", "name"]) {
    if (!hasOwn(accountAttributes, required)) fills.push({ path: ["import", "accountAttributes", required], standIn: required === "accountID" ? "agentId" : "userName", why: `the account map has no ${required} (CXone agent field)` });
  }
  imp.accountAttributes = accountAttributes;

  const entitlementTypes: Record<string, unknown> = {};
  for (const type of ["Teams", "Groups"]) {
    const typeMap = get(imported, "entitlementParams", "entTypes", type, "call", "call1", "colsToPropsMap");
    if (!isObject(typeMap)) continue;
    const attributes: Record<string, string> = {};
    for (const [target, value] of Object.entries(typeMap)) {
      const field = charField(value);
      if (field !== undefined && ENTITLEMENT_TARGET.test(target)) attributes[target] = field;
    }
    entitlementTypes[type] = { attributes };
  }
  if (!entitlementTypes.Teams) refuse(ctx, "ADOPT_UNREPRESENTABLE", "no Teams entitlement type: this is not the CXone connection shape; adopt it with --connector rest", "ImportAccountEntJSON.entitlementParams.entTypes");
  imp.entitlementTypes = entitlementTypes;

  // Provisioning: the create body is the binding map plus the defaults; the update body tells them apart.
  const createAgent = bodyAgent(docs.get("CreateAccountJSON"), "agents");
  const updateAgent = bodyAgent(docs.get("UpdateAccountJSON"), "agent") ?? bodyAgent(docs.get("UpdateAccountJSON"), "agents");
  const agentFields = new Set(knownKeysAt(["provisioning", "agent"]));
  const agent: Record<string, string> = {};
  const defaults: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(createAgent ?? {})) {
    if ((field === "teamId" || field === "profileId") && /^[1-9][0-9]*$/.test(String(value))) {
      defaults[field] = Number(value);
      continue;
    }
    if (typeof value !== "string" || !agentFields.has(field)) continue;
    const isDefault = (DEFAULT_FIELDS as readonly string[]).includes(field) && !value.includes("${") && !(updateAgent && hasOwn(updateAgent, field));
    if (isDefault) defaults[field] = value;
    else agent[field] = value;
  }
  fixAgent(agent, fixes);
  for (const required of ["firstName", "lastName", "emailAddress", "userName"]) {
    if (!hasOwn(agent, required)) fills.push({ path: ["provisioning", "agent", required], standIn: `\${user.${required === "emailAddress" || required === "userName" ? "email" : required.toLowerCase()}}`, why: `the create body does not send ${required}, which CXone requires` });
  }
  const needed: [string, unknown, string][] = [
    ["teamId", 1, "the create body has no teamId: the team a new agent is created in (POST /agents requires it)"],
    ["profileId", 1, "the create body has no profileId: the security profile of a new agent (POST /agents requires it)"],
    ["timeZone", "UTC", "the create body has no timeZone: the time zone display name of a new agent (POST /agents requires it)"],
  ];
  for (const [field, standIn, why] of needed) {
    if (!hasOwn(defaults, field) && !(field === "timeZone" && hasOwn(agent, field))) fills.push({ path: ["provisioning", "defaults", field], standIn, why });
  }
  for (const field of ["teamId", "profileId", "timeZone"] as const) {
    if (!hasOwn(createAgent ?? {}, field) && createAgent) {
      fixes.push({ attribute: "CreateAccountJSON", pointer: `/call/0/httpParams/agents/0/${field}`, message: `the create body lacks ${field}, which POST /agents requires: it comes from provisioning.defaults` });
    }
  }

  const removeAccess: Record<string, unknown> = {};
  const removeUrl = teamsCall(docs.get("RemoveAccessJSON"))?.url;
  const transfer = typeof removeUrl === "string" ? /[?&]transferTeamId=([1-9][0-9]*)/.exec(removeUrl)?.[1] : undefined;
  if (transfer) removeAccess.transferTeamId = Number(transfer);
  else fills.push({ path: ["provisioning", "removeAccess", "transferTeamId"], standIn: 1, why: "removing an agent from a team needs transferTeamId, the team that receives the agent (CXone: 400 Invalid transferTeamId)" });

  const value: Record<string, unknown> = {
    connector: "incontact",
    connection,
    package: pkg,
    cxone,
    import: imp,
    provisioning: { agent, defaults, removeAccess },
  };
  return { connection: model.connection.key, source: ctx.source, connector: "incontact", value, fills, fixes, comments };
}

/** `path~#~char` → path; undefined for another type or a path the typed map does not take. */
function charField(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(.*)~#~char$/.exec(value);
  return m && FIELD_PATH.test(m[1]!) ? m[1] : undefined;
}

/** The agent object of a body: `{"agents":[{…}]}` or `{"agent":{…}}`. */
function bodyAgent(doc: unknown, shape: "agents" | "agent"): Record<string, unknown> | undefined {
  const call = get(doc, "call", 0);
  const params = get(call, "httpParams");
  const body = typeof params === "string" ? parseNestedDocument(params) : undefined;
  const agent = shape === "agents" ? get(body, "agents", 0) : get(body, "agent");
  return isObject(agent) ? agent : undefined;
}

function teamsCall(doc: unknown): Record<string, unknown> | undefined {
  const calls = get(doc, "call");
  return Array.isArray(calls) ? calls.find((c): c is Record<string, unknown> => isObject(c) && c.name === "Teams") : undefined;
}

/** Defects of the official agent map (README table): username as userName, unguarded nullable fields, a non-GUID userId. */
function fixAgent(agent: Record<string, string>, fixes: Fix[]): void {
  const at = (field: string) => ({ attribute: "CreateAccountJSON", pointer: `/call/0/httpParams/agents/0/${field}` });
  if (agent.userName === "${user.username}") {
    agent.userName = "${user.email}";
    fixes.push({ ...at("userName"), message: "userName ← ${user.username}: CXone requires an email-shaped userName, so it is ${user.email}" });
  }
  for (const [field, attr] of [["middleName", "middlename"], ["state", "state"]] as const) {
    if (agent[field] === `\${user.${attr}}`) {
      agent[field] = `\${user.${attr}==null?'':user.${attr}}`;
      fixes.push({ ...at(field), message: `${field} ← \${user.${attr}} is not null-guarded (an identity without it sends "null"): \${user.${attr}==null?'':user.${attr}}` });
    }
  }
  if (agent.userId === "${user.customproperty20}") {
    delete agent.userId;
    fixes.push({ ...at("userId"), message: "userId ← ${user.customproperty20} must be a GUID (else 400): not sent unless you map it" });
  }
}

/** Safe nested read of parsed JSON. */
export function get(node: unknown, ...path: (string | number)[]): unknown {
  let current = node;
  for (const key of path) {
    if (typeof key === "number") current = Array.isArray(current) ? current[key] : undefined;
    else current = isObject(current) && hasOwn(current, key) ? current[key] : undefined;
  }
  return current;
}

// ------------------------------------------------------------------------------------------------
// Known defects: differences between the typed rendering and an official-style package that are
// fixed, not copied (README "What savpkg fixes in the official package").

interface FixRule {
  attribute: RegExp;
  pointer: RegExp;
  /** Extra condition on the operation (turning rendered into package). */
  when?: (op: DataOperation) => boolean;
  message: string;
}

const isBodyBinding = (v: unknown) => isObject(v) && typeof v.$binding === "string";
const relative = (v: unknown) => typeof v === "string" && isRelativeUrl(v);

const FIX_RULES: readonly FixRule[] = [
  { attribute: /^RemoveAccessJSON$/, pointer: /^\/call\/\d+\/url$/, when: (op) => typeof op.value === "string" && !op.value.includes("transferTeamId="), message: "remove from team without transferTeamId (400 Invalid transferTeamId): ?transferTeamId= from provisioning.removeAccess" },
  { attribute: /./, pointer: /\/url$/, when: (op) => op.op === "replace" && relative(op.value), message: "relative URL: absolute from cxone.apiBaseUrl (Saviynt has no base URL to resolve it)" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /\/url$/, when: (op) => typeof op.value === "string" && !/[?&]top=/.test(op.value), message: "list call without paging parameters: explicit top/skip/orderBy from import.pageSize" },
  // The bulk shape itself: the package's `agents` list where savpkg sends `agent` (a field the update adds to `agent` is an override).
  { attribute: /^(Update|Enable|Disable)AccountJSON$/, pointer: /^\/call\/\d+\/httpParams\/(agents(\/.*)?|agent)$/, when: (op) => op.path.includes("/agents") || op.op === "remove", message: "single-agent PUT /agents/{id} sent {\"agents\":[…]} (the bulk shape): {\"agent\":{\"agentId\":…}}, enable/disable through isActive" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /^\/acctEntParams\/entTypes\/Teams\/call\/call1\/listField$/, when: (op) => op.value === "agents", message: "team members read from the top level of GET /teams/{id}: listField teams[0].agents, where CXone puts them" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /\/pagination\/nextUrl\/nextUrlPath$/, when: (op) => typeof op.value === "string" && op.value.includes("_links"), message: "_links.next followed without null-safety: ${response?.completeResponseMap?._links?.next ?: null}" },
  { attribute: /^ImportAccountEntJSON$/, pointer: /^\/acctEntParams\/entTypes\/\w+\/call\/call1\/http\/httpContentType$/, message: "a GET sent as a form post: httpContentType application/json" },
  { attribute: /^(Add|Remove)AccessJSON$/, pointer: /^\/call\/\d+\/httpParams\/agents\/0\/agentId$/, when: (op) => isBodyBinding(op.value), message: "team agentId sent as a number: a string, as the v34 request schema says" },
  // What savpkg adds to every call and the package lacks: success codes (204 pages), doNotChangeIfFailed, showResponse, Accept.
  { attribute: /./, pointer: /\/(successResponses|doNotChangeIfFailed|showResponse)$/, when: (op) => op.op === "remove", message: "successResponses, doNotChangeIfFailed and showResponse on every call (a failed call never counts as done; a 204 page is accepted)" },
  { attribute: /./, pointer: /\/httpHeaders\/Accept$/, when: (op) => op.op === "remove", message: "Accept: application/json on every call" },
];

/** The fix that explains an operation (rendered → package), if it is a known defect. */
export function knownDefect(attribute: string, op: DataOperation): string | undefined {
  return FIX_RULES.find((r) => r.attribute.test(attribute) && r.pointer.test(op.path) && (!r.when || r.when(op)))?.message;
}

/** Data form of a package document, for comparing with the rendering. */
export function packageData(doc: unknown): unknown {
  return documentToData(doc).data;
}
