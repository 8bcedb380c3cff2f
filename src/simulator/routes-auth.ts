/**
 * Token issuers and discovery (docs/cxone-contract.md#tokens, #simulator-routing, #simulator-auth):
 * - `POST /auth/token` (CXone global OIDC): form bodies only, client auth by HTTP Basic or
 *   client_id/client_secret in the body, grants `password` (access key id/secret) and `refresh_token`.
 * - `GET /.well-known/openid-configuration`, `GET /.well-known/cxone-configuration?tenantId=`.
 * - `POST /InContactAuthorizationServer/Token` (legacy, Basic `App@Vendor:BU`).
 * - `POST /authentication/v1/token/access-key` (UserHub, JSON access key).
 */
import { headerValue, json, jsonBody, isResponse, queryParam, headerSafe, type RequestContext, type Route, type SimResponse } from "./http.js";
import { isObject } from "../core/json.js";

const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

function oauthError(status: number, error: string, description: string): SimResponse {
  return { status, body: { error, error_description: description }, headers: { ...NO_STORE, icStatusDescription: headerSafe(description) } };
}

/** The "fail the next token call" knob; undefined when it does not fire. */
function injectedTokenFailure(ctx: RequestContext): SimResponse | undefined {
  const k = ctx.rt.knobs;
  if (k.failNextTokenCalls <= 0) return undefined;
  k.failNextTokenCalls--;
  ctx.notes.push(`fault: token call failed by knob (${k.tokenFailureStatus})`);
  switch (k.tokenFailureStatus) {
    case 400:
      return oauthError(400, "invalid_grant", "Simulated token failure");
    case 401:
      return oauthError(401, "invalid_client", "Simulated token failure");
    case 503:
      return oauthError(503, "temporarily_unavailable", "Simulated token failure");
    default:
      return oauthError(500, "server_error", "Simulated token failure");
  }
}

/**
 * Client credentials from HTTP Basic (preferred) or the form body. RFC 6749 §2.3.1 form-encodes
 * both parts before Base64, but many clients do not, so both readings are kept.
 */
function clientCredentials(ctx: RequestContext, form: URLSearchParams): Array<{ id: string; secret: string | undefined }> | undefined {
  const auth = headerValue(ctx, "authorization");
  const m = auth ? /^basic\s+(\S+)\s*$/i.exec(auth) : null;
  if (m) {
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const id = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? undefined : decoded.slice(colon + 1);
    return [
      { id, secret },
      { id: formDecode(id), secret: secret === undefined ? undefined : formDecode(secret) },
    ];
  }
  const id = form.get("client_id");
  if (id === null || id === "") return undefined;
  return [{ id, secret: form.get("client_secret") ?? undefined }];
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

function isFormRequest(ctx: RequestContext): boolean {
  return /^application\/x-www-form-urlencoded\b/i.test(headerValue(ctx, "content-type") ?? "");
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

/** An unsigned JWT (`alg: none`, empty signature) carrying the claims clients read (docs/cxone-contract.md#tokens). */
function idToken(ctx: RequestContext, clientId: string, subject: string, iat: number, exp: number): string {
  const s = ctx.rt.state;
  const claims = {
    iss: ctx.rt.baseUrl,
    aud: clientId,
    sub: `user:${subject}`,
    tenantId: s.tenantId,
    tenant: `sim_${s.businessUnitId}`,
    icBUId: s.businessUnitId,
    icClusterId: "SIM1",
    icDomain: "localhost",
    area: s.area,
    userId: subject,
    iat,
    exp,
    name: "CXone Simulator Access Key",
  };
  return `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims)}.`;
}

function tokenResponse(ctx: RequestContext, clientId: string, subject: string): SimResponse {
  const k = ctx.rt.knobs;
  const nowMs = ctx.rt.clock.now().getTime();
  const { accessToken, refreshToken } = ctx.rt.tokens.issue(clientId, subject, nowMs, k.tokenTtlSeconds, k.refreshTokenTtlSeconds);
  const iat = Math.floor(nowMs / 1000);
  return json(
    200,
    {
      access_token: accessToken,
      token_type: "Bearer",
      expires_in: k.tokenTtlSeconds,
      refresh_token: refreshToken,
      id_token: idToken(ctx, clientId, subject, iat, iat + k.tokenTtlSeconds),
    },
    NO_STORE,
  );
}

/** The user GUID behind an access key: stable per key id, so id_token `sub` is deterministic. */
function subjectOf(index: number): string {
  return `5e1a0000-0000-4000-a000-${(index + 1).toString(16).padStart(12, "0")}`;
}

function findAccessKey(ctx: RequestContext, id: string, secret: string): string | undefined {
  const i = ctx.rt.accessKeys.findIndex((k) => k.accessKeyId === id && k.accessKeySecret === secret);
  return i < 0 ? undefined : subjectOf(i);
}

function token(ctx: RequestContext): SimResponse {
  const failed = injectedTokenFailure(ctx);
  if (failed) return failed;
  if (!isFormRequest(ctx)) return oauthError(400, "invalid_request", "Content-Type must be application/x-www-form-urlencoded");
  const form = new URLSearchParams(ctx.rawBody);
  const candidates = clientCredentials(ctx, form);
  if (!candidates) return oauthError(400, "invalid_client", "Client authentication is required (HTTP Basic or client_id/client_secret)");
  const client = candidates.find((k) => ctx.rt.clients.some((c) => c.clientId === k.id && c.clientSecret === k.secret));
  if (!client) return oauthError(400, "invalid_client", "Invalid client credentials");
  const grant = form.get("grant_type");
  if (grant === null || grant === "") return oauthError(400, "invalid_request", "grant_type is required");
  if (grant === "password") {
    const username = form.get("username");
    const password = form.get("password");
    if (!username || !password) return oauthError(400, "invalid_request", "username and password are required for the password grant");
    const subject = findAccessKey(ctx, username, password);
    if (!subject) return oauthError(400, "invalid_grant", "Invalid access key id or secret");
    return tokenResponse(ctx, client.id, subject);
  }
  if (grant === "refresh_token") {
    const refresh = form.get("refresh_token");
    if (!refresh) return oauthError(400, "invalid_request", "refresh_token is required");
    const subject = ctx.rt.tokens.redeemRefresh(refresh, client.id, ctx.rt.clock.now().getTime());
    if (!subject) return oauthError(400, "invalid_grant", "Invalid or expired refresh token");
    return tokenResponse(ctx, client.id, subject);
  }
  return oauthError(400, "unsupported_grant_type", `Grant type '${grant}' is not supported`);
}

const LEGACY_SCOPE = "RealTimeApi AdminApi AuthenticationApi PatronApi AgentApi CustomApi ReportingApi";

/** Legacy issuer: Basic base64("App@Vendor:BU") plus a JSON or form body (docs/cxone-contract.md#legacy-token-service). */
function legacyToken(ctx: RequestContext): SimResponse {
  const failed = injectedTokenFailure(ctx);
  if (failed) return failed;
  const auth = headerValue(ctx, "authorization") ?? "";
  const m = /^basic\s+(\S+)\s*$/i.exec(auth);
  const app = m ? Buffer.from(m[1]!, "base64").toString("utf8") : "";
  const appName = app.split(":")[0] ?? "";
  if (!ctx.rt.legacyApplications.includes(app)) {
    return { status: 401, body: { error: "invalid_client", error_description: `Client application '${appName}' not authorized for user` }, headers: { icStatusDescription: headerSafe(`Client application '${appName}' not authorized for user`) } };
  }
  let fields: Record<string, unknown>;
  if (isFormRequest(ctx)) fields = Object.fromEntries(new URLSearchParams(ctx.rawBody));
  else {
    const parsed = jsonBody(ctx);
    if (isResponse(parsed)) return parsed;
    if (!isObject(parsed.value)) return oauthError(400, "invalid_request", "A JSON or form body is required");
    fields = parsed.value;
  }
  let subject: string | undefined;
  if (fields.grant_type === "password") {
    subject = findAccessKey(ctx, String(fields.username ?? ""), String(fields.password ?? ""));
    if (!subject) return oauthError(400, "invalid_grant", "Invalid user name or password");
  } else if (fields.grant_type === "refresh_token") {
    subject = ctx.rt.tokens.refreshGrant(String(fields.refresh_token ?? ""), ctx.rt.clock.now().getTime())?.subject;
    if (!subject) return oauthError(400, "invalid_grant", "Invalid or expired refresh token");
  } else {
    return oauthError(400, "unsupported_grant_type", `Grant type '${String(fields.grant_type ?? "")}' is not supported`);
  }
  const k = ctx.rt.knobs;
  const { accessToken, refreshToken } = ctx.rt.tokens.issue(appName, subject, ctx.rt.clock.now().getTime(), k.tokenTtlSeconds, k.refreshTokenTtlSeconds);
  const first = ctx.rt.state.agentList()[0];
  return json(
    200,
    {
      access_token: accessToken,
      token_type: "bearer",
      expires_in: k.tokenTtlSeconds,
      refresh_token: refreshToken,
      scope: LEGACY_SCOPE,
      resource_server_base_uri: `${ctx.rt.baseUrl}/inContactAPI/`,
      refresh_token_server_uri: `${ctx.rt.baseUrl}/InContactAuthorizationServer/Token`,
      agent_id: first?.agentId ?? 0,
      team_id: first?.teamId ?? 0,
      bus_no: ctx.rt.state.businessUnitId,
    },
    NO_STORE,
  );
}

/** UserHub access-key endpoint (docs/cxone-contract.md#access-key-token). */
function accessKeyToken(ctx: RequestContext): SimResponse {
  const failed = injectedTokenFailure(ctx);
  if (failed) return failed;
  const parsed = jsonBody(ctx);
  if (isResponse(parsed)) return parsed;
  const v = parsed.value;
  if (!isObject(v) || typeof v.accessKeyId !== "string" || typeof v.accessKeySecret !== "string") {
    return oauthError(400, "invalid_request", "accessKeyId and accessKeySecret are required");
  }
  const subject = findAccessKey(ctx, v.accessKeyId, v.accessKeySecret);
  if (!subject) return oauthError(401, "invalid_grant", "Invalid access key id or secret");
  const k = ctx.rt.knobs;
  const { accessToken, refreshToken } = ctx.rt.tokens.issue("userhub", subject, ctx.rt.clock.now().getTime(), k.tokenTtlSeconds, k.refreshTokenTtlSeconds);
  return json(200, { access_token: accessToken, token_type: "Bearer", expires_in: k.tokenTtlSeconds, refresh_token: refreshToken }, NO_STORE);
}

function openidConfiguration(ctx: RequestContext): SimResponse {
  const base = ctx.rt.baseUrl;
  return json(200, {
    issuer: base,
    authorization_endpoint: `${base}/auth/authorize`,
    token_endpoint: `${base}/auth/token`,
    end_session_endpoint: `${base}/auth/logout`,
    token_endpoint_auth_methods_supported: ["client_secret_basic"],
    scopes_supported: ["openid"],
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    claim_types_supported: ["normal"],
    id_token_signing_alg_values_supported: ["RS256"],
  });
}

function cxoneConfiguration(ctx: RequestContext): SimResponse {
  const tenantId = queryParam(ctx.url, "tenantId");
  if (!tenantId) return { status: 400, body: { error: "invalid_request", error_description: "tenantId is required" }, headers: { icStatusDescription: "tenantId is required" } };
  if (tenantId.toLowerCase() !== ctx.rt.state.tenantId.toLowerCase()) {
    return { status: 404, body: { error: "not_found", error_description: `Unknown tenantId '${tenantId}'` }, headers: { icStatusDescription: headerSafe(`Unknown tenantId '${tenantId}'`) } };
  }
  const base = ctx.rt.baseUrl;
  const host = new URL(base).host;
  // api_endpoint is the simulator itself, so discovered clients call back into it (docs/cxone-contract.md#simulator-routing).
  return json(200, {
    private: false,
    ui_endpoint: base,
    auth_endpoint: base,
    api_endpoint: base,
    area: ctx.rt.state.area,
    region: ctx.rt.state.area,
    cluster: "SIM1",
    domain: host,
    acdDomain: host,
    uhDomain: host,
    tenantId: ctx.rt.state.tenantId,
    globaldomain: host,
  });
}

/** Auth and discovery routes, matched against the full path (case-insensitive). */
export const AUTH_ROUTES: Route[] = [
  { method: "POST", pattern: /^\/auth\/token\/?$/i, handler: token },
  { method: "GET", pattern: /^\/\.well-known\/openid-configuration\/?$/i, handler: openidConfiguration },
  { method: "GET", pattern: /^\/\.well-known\/cxone-configuration\/?$/i, handler: cxoneConfiguration },
  { method: "POST", pattern: /^\/incontactauthorizationserver\/token\/?$/i, handler: legacyToken },
  { method: "POST", pattern: /^\/authentication\/v1\/token\/access-key\/?$/i, handler: accessKeyToken },
];
