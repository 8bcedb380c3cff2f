/**
 * Stage 3 — render: TenantConfig → the attribute documents (parsed JSON), through the Handlebars
 * templates in templates/<connector>/. The environment cannot corrupt JSON (docs/engineering-notes.md#handlebars):
 * every value goes through one JSON-encoding helper, request bodies are built here as objects and
 * encoded by `httpParams`, templates compile with `strict` and known helpers only, and each
 * rendered document is parsed (the pack stage re-serialises it canonically). Tenant values only
 * ever reach the templates as context data, never as template text.
 *
 * The CXone calls follow docs/cxone-contract.md (#agents, #teams, #groups-and-profiles, and
 * #official-package for what the official package gets wrong); the Saviynt shapes follow
 * docs/saviynt-rest-format.md (#connection-json, #import, #provisioning).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type Handlebars from "handlebars";
import * as handlebarsRuntime from "handlebars/runtime.js";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { placeholderSecrets, type SecretValues } from "./secrets.js";
import { REST_ATTRIBUTES, RENDERED_ATTRIBUTES, type RestAttributeName } from "../saviynt/t2p.js";
import type { InContactTenant, RestTenant, TenantConfig } from "./validate.js";
import { hasOwn } from "../core/json.js";
import { templateSpecs } from "../generated/precompiled.js";
import { assetUrl } from "../assets.js";
import { dataToDocument, encodeBody, type RawBinding } from "../saviynt/rest-data.js";

export { encodeBody, type RawBinding };

/**
 * Attribute name → document. The typed connector renders RENDERED_ATTRIBUTES; the rest connector
 * and overrides may fill any REST attribute. An absent attribute is "" in the package.
 */
export type RenderedAttributes = Partial<Record<RestAttributeName, unknown>>;

export interface RenderOptions {
  /** Real secret values (for --with-secrets and simulate); placeholders when absent. */
  secrets?: SecretValues;
}

export interface RenderResult {
  attributes: RenderedAttributes | undefined;
  diagnostics: Diagnostic[];
}

const rawBinding = (expression: string): RawBinding => ({ rawBinding: expression });

const TEMPLATE_DIR = assetUrl("templates/");

/**
 * How every template is compiled, at run time and ahead of time (scripts/precompile.mjs): `strict`
 * and known helpers only, so a template can neither read a missing field nor call anything but
 * the two helpers below (docs/engineering-notes.md#handlebars).
 */
export const TEMPLATE_COMPILE_OPTIONS = {
  strict: true,
  knownHelpers: { json: true, httpParams: true },
  knownHelpersOnly: true,
  noEscape: false,
} as const satisfies CompileOptions;

type HandlebarsEnv = typeof Handlebars;

let runtimeEnvironment: HandlebarsEnv | undefined;
let compilerEnvironment: HandlebarsEnv | undefined;
const compiled = new Map<string, Handlebars.TemplateDelegate>();

/**
 * A Handlebars environment with savpkg's helpers. Precompiled templates (the built CLI) need only
 * the small runtime; the compiler (and its source-map dependency) is loaded only to compile here.
 */
function handlebars(withCompiler: boolean): HandlebarsEnv {
  if (withCompiler) return (compilerEnvironment ??= withHelpers((createRequire(import.meta.url)("handlebars") as HandlebarsEnv).create()));
  return (runtimeEnvironment ??= withHelpers((handlebarsRuntime as unknown as { default: HandlebarsEnv }).default.create()));
}

function withHelpers(env: HandlebarsEnv): HandlebarsEnv {
  // The only way a value enters a template: JSON-encoded, quotes included.
  env.registerHelper("json", (value: unknown) => {
    if (value === undefined) throw new Error("json helper: value is undefined (template refers to a missing context field)");
    return new env.SafeString(JSON.stringify(value));
  });
  // A request body object → its JSON text → that text as a JSON string value.
  env.registerHelper("httpParams", (value: unknown) => {
    if (value === undefined) throw new Error("httpParams helper: value is undefined");
    return new env.SafeString(JSON.stringify(encodeBody(value)));
  });
  return env;
}

/** The template, compiled once per process: from its build-time spec when there is one, else from templates/. */
function template(connector: string, name: string): Handlebars.TemplateDelegate {
  const key = `${connector}/${name}`;
  let fn = compiled.get(key);
  if (!fn) {
    const spec = templateSpecs?.[key];
    if (spec) {
      fn = handlebars(false).template(spec);
    } else {
      const source = readFileSync(new URL(`${connector}/${name}.hbs`, TEMPLATE_DIR), "utf8");
      fn = handlebars(true).compile(source, { ...TEMPLATE_COMPILE_OPTIONS, knownHelpers: { ...TEMPLATE_COMPILE_OPTIONS.knownHelpers } });
    }
    compiled.set(key, fn);
  }
  return fn;
}

export function renderAttributes(tenant: TenantConfig, options: RenderOptions = {}): RenderResult {
  if (tenant.connector === "rest") return { attributes: renderRestAttributes(tenant), diagnostics: [] };
  const context = buildContext(tenant, options.secrets ?? placeholderSecrets(tenant), options.secrets === undefined);
  const attributes: RenderedAttributes = {};
  const diagnostics: Diagnostic[] = [];
  for (const name of RENDERED_ATTRIBUTES) {
    let text: string;
    try {
      text = template(tenant.connector, name)(context, {
        allowProtoMethodsByDefault: false,
        allowProtoPropertiesByDefault: false,
      });
    } catch (error) {
      diagnostics.push(diag("RENDER_FAILED", `templates/${tenant.connector}/${name}.hbs: ${(error as Error).message}`, { path: name }));
      continue;
    }
    try {
      attributes[name] = JSON.parse(text);
    } catch (error) {
      diagnostics.push(diag("RENDER_NOT_JSON", `templates/${tenant.connector}/${name}.hbs rendered invalid JSON: ${(error as Error).message}`, { path: name }));
    }
  }
  return { attributes: diagnostics.length > 0 ? undefined : attributes, diagnostics };
}

/** connector: rest — the documents are the tenant's data, re-encoded (bodies back to JSON text). */
function renderRestAttributes(tenant: RestTenant): RenderedAttributes {
  const attributes: RenderedAttributes = {};
  for (const name of REST_ATTRIBUTES) {
    if (hasOwn(tenant.rest.attributes, name)) attributes[name] = dataToDocument(tenant.rest.attributes[name]);
  }
  return attributes;
}

/** Saviynt's error texts for an expired or refused CXone token (docs/cxone-contract.md#tokens, #simulator-auth). */
const AUTH_ERRORS = ["invalid_token", "invalid_grant", "Invalid or expired token"];

function buildContext(tenant: InContactTenant, secrets: SecretValues, placeholders: boolean) {
  const base = tenant.cxone.apiBaseUrl.replace(/\/+$/, "");
  const auth = tenant.cxone.auth;
  const authName = tenant.connection.authName;
  const clientId = secrets.clientId ?? "";
  const clientSecret = secrets.clientSecret ?? "";
  const refreshing = auth.grant === "refresh_token";

  // Token call: the password grant with an access key is CXone's back-end method (docs/cxone-contract.md#tokens).
  const tokenParams: Record<string, string> = refreshing
    ? { grant_type: "refresh_token", refresh_token: "${refresh_token}", client_id: clientId }
    : { grant_type: "password", username: secrets.accessKeyId ?? "", password: secrets.accessKeySecret ?? "" };
  const tokenHeaders: Record<string, string> = { Accept: "application/json" };
  if (auth.clientAuth === "basic") {
    tokenHeaders.Authorization = placeholders
      ? `Basic @@base64(${stripAt(clientId)}:${stripAt(clientSecret)})@@`
      : `Basic ${Buffer.from(`${clientId}:${clientSecret}`, "utf8").toString("base64")}`;
  } else {
    tokenParams.client_id = clientId;
    tokenParams.client_secret = clientSecret;
  }

  const headers = { Authorization: "${access_token}", Accept: "application/json" };
  const page = tenant.import.pageSize;
  // Follow CXone's absolute _links.next; stop when it is null, missing or "" (Groovy truth), and
  // survive a 204 page that has no body at all (docs/cxone-contract.md#api-basics, #simulator-lists).
  const nextUrlPath = "${response?.completeResponseMap?._links?.next ?: null}";

  const accountMap: Record<string, string> = {};
  for (const [target, field] of Object.entries(tenant.import.accountAttributes)) accountMap[target] = `${field}~#~char`;
  accountMap[tenant.import.statusColumn] ??= "isActive~#~char";

  const entitlementTypes = entitlementTypeContexts(tenant, base, page);

  const agent = tenant.provisioning.agent;
  const defaults = tenant.provisioning.defaults;
  // POST /agents needs every required field (docs/cxone-contract.md#agents): the binding
  // map first, tenant defaults for what it leaves out. teamId is a string in the v34 request schema.
  const createAgent: Record<string, unknown> = { ...agent };
  for (const field of ["country", "city", "state", "timeZone"] as const) {
    if (createAgent[field] === undefined && defaults[field] !== undefined) createAgent[field] = defaults[field];
  }
  createAgent.teamId = String(defaults.teamId);
  createAgent.profileId = defaults.profileId;
  // Single-agent update is {"agent":{…}} on PUT /agents/{id} (docs/cxone-contract.md#agents, #official-package). The team is
  // not sent: it is the Teams entitlement, managed by add/remove access.
  const { password: _password, ...updateFields } = agent;
  const agentRef = "${account.accountID}";

  return {
    connection: { name: tenant.connection.name, authName },
    headers,
    successCodes: [200, 201],
    importSuccessCodes: [200, 204],
    auth: {
      tokenUrl: auth.tokenUrl,
      tokenParams,
      tokenHeaders,
      authErrors: AUTH_ERRORS,
      retryFailureStatusCodes: auth.retryFailureStatusCodes,
      maxRefreshTryCount: auth.maxRefreshTryCount,
      refreshing,
      refreshToken: secrets.refreshToken ?? "",
      testUrl: `${base}/agents?top=1&skip=0`,
    },
    import: {
      accountsUrl: `${base}/agents?top=${page}&skip=0&orderBy=agentId`,
      nextUrlPath,
      statusAndThresholdConfig: {
        statusColumn: tenant.import.statusColumn,
        activeStatus: tenant.import.activeValues,
        deleteLinks: tenant.import.deleteLinks,
        accountThresholdValue: tenant.import.accountThreshold,
        correlateInactiveAccounts: tenant.import.correlateInactiveAccounts,
        inactivateAccountsNotInFile: tenant.import.inactivateAccountsNotInFile,
        deleteAccEntForActiveAccounts: tenant.import.deleteAccEntForActiveAccounts,
      },
      accountMap,
      entitlementTypes,
    },
    provisioning: {
      createUrl: `${base}/agents`,
      createBody: { agents: [createAgent] },
      updateUrl: `${base}/agents/${agentRef}`,
      updateBody: { agent: { agentId: agentRef, ...updateFields } },
      enableBody: { agent: { agentId: agentRef, isActive: true } },
      disableBody: { agent: { agentId: agentRef, isActive: false } },
      access: entitlementTypes.map((t) => t.access),
    },
  };
}

/** `@@NAME@@` → `NAME`, to name both halves inside the Basic placeholder. */
function stripAt(placeholder: string): string {
  return placeholder.replace(/^@@|@@$/g, "");
}

function entitlementTypeContexts(tenant: InContactTenant, base: string, page: number) {
  const types = tenant.import.entitlementTypes;
  const entitlement = "${entitlementValue.entitlementID}";
  const out = [];
  const colsFor = (attributes: Record<string, string>) =>
    Object.fromEntries(Object.entries(attributes).map(([target, field]) => [target, `${field}~#~char`]));

  // Teams: every agent is in exactly one team; members sit at teams[0].agents of GET /teams/{id}
  // (docs/cxone-contract.md#teams, #official-package); removal needs transferTeamId. agentId is a string in v34.
  out.push({
    name: "Teams",
    order: 0,
    url: `${base}/teams?top=${page}&skip=0&orderBy=teamId`,
    listField: "teams",
    map: colsFor(types.Teams.attributes),
    membership: { url: `${base}/teams/\${id}`, listField: "teams[0].agents", paged: false },
    access: {
      name: "Teams",
      addUrl: `${base}/teams/${entitlement}/agents`,
      addBody: { agents: [{ agentId: "${account.accountID}" }] },
      removeUrl: `${base}/teams/${entitlement}/agents?transferTeamId=${tenant.provisioning.removeAccess.transferTeamId}`,
      removeBody: { agents: [{ agentId: "${account.accountID}" }] },
    },
  });
  // Groups: optional and multi-valued; members at the top level of GET /groups/{id}/agents (docs/cxone-contract.md#groups-and-profiles).
  if (types.Groups) {
    out.push({
      name: "Groups",
      order: 1,
      url: `${base}/groups?top=${page}&skip=0&orderBy=groupId`,
      listField: "groups",
      map: colsFor(types.Groups.attributes),
      membership: { url: `${base}/groups/\${id}/agents?top=${page}&skip=0`, listField: "agents", paged: true },
      access: {
        name: "Groups",
        addUrl: `${base}/groups/${entitlement}/agents`,
        addBody: { agents: [{ agentId: rawBinding("${account.accountID}") }] },
        removeUrl: `${base}/groups/${entitlement}/agents`,
        removeBody: { agents: [{ agentId: rawBinding("${account.accountID}") }] },
      },
    });
  }
  return out;
}
