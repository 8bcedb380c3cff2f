/**
 * The CXone simulator over real HTTP (docs/cxone-contract.md#simulator): auth, agents, teams, faults,
 * request log, seed/dump. Every test starts its own server on 127.0.0.1:0 from the acme seed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { demoSeed, loadSeed, parseSeed, startSimulator, type Simulator, type SimulatorOptions } from "../src/simulator/index.js";
import { runningSimulator } from "./helpers/simulator.js";

const SEED_FILE = join(import.meta.dirname, "fixtures/simulator/acme-seed.json");
// Secrets with characters that need URL-encoding (docs/cxone-contract.md#tokens).
const CLIENT = { clientId: "savpkg-test-client", clientSecret: "cl=ient+sec/ret" };
const KEY = { accessKeyId: "AKTESTKEY0001", accessKeySecret: "ak-secret-value-0001" };

function start(options: SimulatorOptions = {}): Promise<Simulator> {
  return runningSimulator({ clients: [CLIENT], accessKeys: [KEY], ...options });
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

function tokenCall(sim: Simulator, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Reply> {
  return call(sim.tokenUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
}

async function login(sim: Simulator): Promise<{ access: string; refresh: string }> {
  const r = await tokenCall(sim, { grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }, { Authorization: basic(CLIENT.clientId, CLIENT.clientSecret) });
  expect(r.status).toBe(200);
  return { access: r.body.access_token, refresh: r.body.refresh_token };
}

async function api(sim: Simulator, method: string, path: string, options: { token?: string; body?: unknown; version?: string } = {}): Promise<Reply> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const url = path.startsWith("http") ? path : `${sim.apiBaseUrl(options.version)}${path}`;
  return call(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
}

function decodeJwt(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split(".");
  return JSON.parse(Buffer.from(payload!, "base64url").toString("utf8"));
}

describe("auth: /auth/token", () => {
  test("password grant with HTTP Basic client auth returns the CXone token shape", async () => {
    const sim = await start();
    const r = await tokenCall(sim, { grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }, { Authorization: basic(CLIENT.clientId, CLIENT.clientSecret) });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(["access_token", "expires_in", "id_token", "refresh_token", "token_type"]);
    expect(r.body.token_type).toBe("Bearer");
    expect(r.body.expires_in).toBe(3600);
    expect(r.headers.get("cache-control")).toBe("no-store");
    const claims = decodeJwt(r.body.id_token);
    expect(claims).toMatchObject({ tenantId: "11ef5a2c-4b1d-4c3e-9f00-004600123000", icBUId: 4600123, area: "na1", aud: CLIENT.clientId });
    expect(claims.iat).toBe(Date.parse("2026-01-15T12:00:00.000Z") / 1000);
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  test("client credentials in the body work, and the refresh_token grant issues a new access token", async () => {
    const sim = await start({ knobs: { tokenTtlSeconds: 600 } });
    const first = await tokenCall(sim, { grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(first.status).toBe(200);
    expect(first.body.expires_in).toBe(600);
    const refreshed = await tokenCall(sim, { grant_type: "refresh_token", refresh_token: first.body.refresh_token, client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(first.body.access_token);
    expect((await api(sim, "GET", "/agents/5001", { token: refreshed.body.access_token })).status).toBe(200);
  });

  test.each([
    ["client_credentials is not a CXone grant", { grant_type: "client_credentials" }, true, 400, "unsupported_grant_type"],
    ["authorization_code is not offered", { grant_type: "authorization_code", code: "x", redirect_uri: "http://x" }, true, 400, "unsupported_grant_type"],
    ["wrong access key secret", { grant_type: "password", username: KEY.accessKeyId, password: "nope" }, true, 400, "invalid_grant"],
    ["unknown refresh token", { grant_type: "refresh_token", refresh_token: "sim_rt_unknown" }, true, 400, "invalid_grant"],
    ["no client authentication", { grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }, false, 400, "invalid_client"],
    ["missing grant_type", { username: KEY.accessKeyId }, true, 400, "invalid_request"],
  ])("%s", async (_name, form, withClient, status, error) => {
    const sim = await start();
    const r = await tokenCall(sim, form as Record<string, string>, withClient ? { Authorization: basic(CLIENT.clientId, CLIENT.clientSecret) } : {});
    expect(r.status).toBe(status);
    expect(r.body.error).toBe(error);
    expect(typeof r.body.error_description).toBe("string");
  });

  test("Basic credentials are accepted with or without RFC 6749 form-encoding", async () => {
    const sim = await start();
    const raw = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString("base64")}`;
    const r = await tokenCall(sim, { grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }, { Authorization: raw });
    expect(r.status).toBe(200);
  });

  test("a wrong client secret is invalid_client; a JSON body is refused (form bodies only)", async () => {
    const sim = await start();
    const wrong = await tokenCall(sim, { grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }, { Authorization: basic(CLIENT.clientId, "wrong") });
    expect([wrong.status, wrong.body.error]).toEqual([400, "invalid_client"]);
    const asJson = await call(sim.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: basic(CLIENT.clientId, CLIENT.clientSecret) },
      body: JSON.stringify({ grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }),
    });
    expect([asJson.status, asJson.body.error]).toEqual([400, "invalid_request"]);
  });

  test("the fail-next-token-call knob fails exactly the next N calls", async () => {
    const sim = await start();
    sim.failNextTokenCalls(1, 503);
    const form = { grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret };
    const auth = { Authorization: basic(CLIENT.clientId, CLIENT.clientSecret) };
    expect((await tokenCall(sim, form, auth)).status).toBe(503);
    expect((await tokenCall(sim, form, auth)).status).toBe(200);
  });
});

describe("auth: bearer tokens on the API", () => {
  test("missing, unknown and expired tokens get 401 invalid_token with icStatusDescription", async () => {
    const sim = await start();
    const { access, refresh } = await login(sim);
    for (const r of [await api(sim, "GET", "/agents"), await api(sim, "GET", "/agents", { token: "sim_at_forged" })]) {
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ error: "invalid_token", error_description: "Invalid or expired token" });
      expect(r.headers.get("icstatusdescription")).toBe("Invalid or expired token");
    }
    expect((await api(sim, "GET", "/agents/5001", { token: access })).status).toBe(200);
    // The scheme is case-insensitive.
    const lower = await call(`${sim.apiBaseUrl()}/agents/5001`, { headers: { Authorization: `bearer ${access}` } });
    expect(lower.status).toBe(200);

    sim.clock.advance(3599_000);
    expect((await api(sim, "GET", "/agents/5001", { token: access })).status).toBe(200);
    sim.clock.advance(1_000);
    expect((await api(sim, "GET", "/agents/5001", { token: access })).status).toBe(401);

    const refreshed = await tokenCall(sim, { grant_type: "refresh_token", refresh_token: refresh }, { Authorization: basic(CLIENT.clientId, CLIENT.clientSecret) });
    expect(refreshed.status).toBe(200);
    expect((await api(sim, "GET", "/agents/5001", { token: refreshed.body.access_token })).status).toBe(200);
  });

  test("expire-all-tokens knob and an injected clock", async () => {
    let now = Date.parse("2030-05-05T05:05:05.000Z");
    const sim = await start({ now: () => new Date(now) });
    const { access } = await login(sim);
    expect((await api(sim, "GET", "/agents/5001", { token: access })).status).toBe(200);
    sim.expireAllTokens();
    expect((await api(sim, "GET", "/agents/5001", { token: access })).status).toBe(401);
    const { access: second } = await login(sim);
    now += 3600_000;
    expect((await api(sim, "GET", "/agents/5001", { token: second })).status).toBe(401);
    expect(sim.clock.settable).toBe(false);
  });
});

describe("discovery and routing", () => {
  test("openid and cxone configuration point back at the simulator", async () => {
    const sim = await start();
    const oidc = await call(`${sim.baseUrl}/.well-known/openid-configuration`);
    expect(oidc.body.token_endpoint).toBe(sim.tokenUrl);
    expect(oidc.body.token_endpoint_auth_methods_supported).toEqual(["client_secret_basic"]);
    const cfg = await call(`${sim.baseUrl}/.well-known/cxone-configuration?tenantId=11ef5a2c-4b1d-4c3e-9f00-004600123000`);
    expect(cfg.status).toBe(200);
    expect(cfg.body).toMatchObject({ api_endpoint: sim.baseUrl, auth_endpoint: sim.baseUrl, area: "na1", tenantId: "11ef5a2c-4b1d-4c3e-9f00-004600123000" });
    expect((await call(`${sim.baseUrl}/.well-known/cxone-configuration?tenantId=00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  test("any version v2.0..v35.0, case-insensitive prefix; others are 404", async () => {
    const sim = await start();
    const { access } = await login(sim);
    for (const v of ["v2.0", "v23.0", "V35.0"]) expect((await api(sim, "GET", "/agents/5001", { token: access, version: v })).status).toBe(200);
    const lower = await call(`${sim.baseUrl}/incontactapi/services/v34.0/Agents/5001`, { headers: { Authorization: `Bearer ${access}` } });
    expect(lower.status).toBe(200);
    for (const v of ["v1.0", "v36.0", "v35.1"]) expect((await api(sim, "GET", "/agents/5001", { token: access, version: v })).status).toBe(404);
    const wrongMethod = await api(sim, "DELETE", "/agents", { token: access });
    expect(wrongMethod.status).toBe(405);
  });

  test("legacy token endpoint: Basic App@Vendor:BU, JSON body, resource_server_base_uri", async () => {
    const sim = await start({ legacyApplications: ["Saviynt@Acme:4600123"] });
    const legacy = (app: string) =>
      call(`${sim.baseUrl}/InContactAuthorizationServer/Token`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `basic ${Buffer.from(app).toString("base64")}` },
        body: JSON.stringify({ grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret, scope: "" }),
      });
    const ok = await legacy("Saviynt@Acme:4600123");
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: "bearer", expires_in: 3600, resource_server_base_uri: `${sim.baseUrl}/inContactAPI/`, bus_no: 4600123 });
    expect((await call(`${ok.body.resource_server_base_uri}services/v20.0/agents/5001`, { headers: { Authorization: `bearer ${ok.body.access_token}` } })).status).toBe(200);
    const denied = await legacy("Other@Vendor:4600123");
    expect(denied.status).toBe(401);
    expect(denied.body.error_description).toBe("Client application 'Other@Vendor' not authorized for user");
  });
});

describe("agents", () => {
  test("GET /agents/{id} by agentId and by userID GUID; unknown → 404 with the CXone message", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const byId = await api(sim, "GET", "/agents/5012", { token: access });
    expect(byId.status).toBe(200);
    expect(byId.body.agents).toHaveLength(1);
    expect(byId.body.agents[0]).toMatchObject({ agentId: 5012, teamId: 1202, teamName: "Billing", profileId: 5, profileName: "Agent", isActive: false });
    const byGuid = await api(sim, "GET", `/agents/${byId.body.agents[0].userID.toUpperCase()}`, { token: access });
    expect(byGuid.body.agents[0].agentId).toBe(5012);
    const missing = await api(sim, "GET", "/agents/999999", { token: access });
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("Invalid agentId - '999999', does not exist");
    expect(missing.headers.get("icstatusdescription")).toBe("Invalid agentId - '999999', does not exist");
  });

  test("POST /agents with the official package's body → 206, per-item error naming teamId, profileId and timeZone; nothing created", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const before = sim.dumpJson();
    const r = await api(sim, "POST", "/agents", {
      token: access,
      body: { agents: [{ firstName: "New", middleName: "", lastName: "Hire", emailAddress: "new.hire@acme.example", userName: "new.hire@acme.example", userId: "", country: "US", state: "CO", city: "Denver" }] },
    });
    expect(r.status).toBe(206);
    expect(r.body.errorCount).toBe(1);
    const [item] = r.body.agentResults;
    expect(item.success).toBe(false);
    expect(item.agentId).toBeUndefined();
    for (const field of ["teamId", "profileId", "timeZone"]) expect(item.error).toContain(`Invalid ${field} - ''`);
    expect(sim.dumpJson()).toBe(before);
  });

  test("POST /agents validates each item: lengths, email pattern, existing team/profile, unique userName; 200 when all succeed", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const good = { firstName: "Mary", lastName: "Jackson", emailAddress: "mary.jackson@acme.example", userName: "Mary.Jackson@acme.example", teamId: "1202", profileId: 5, timeZone: "(GMT-05:00) Eastern Time (US & Canada)", country: "US", city: "Hampton" };
    const r = await api(sim, "POST", "/agents", {
      token: access,
      body: {
        agents: [
          good,
          { ...good, userName: "ADA.LOVELACE@acme.example", emailAddress: "x@acme.example" },
          { ...good, userName: "not-an-email", emailAddress: "y@acme.example" },
          { ...good, userName: "z@acme.example", teamId: 9999 },
          { ...good, userName: "w@acme.example", profileId: "5" },
          { ...good, userName: "v@acme.example", firstName: "x".repeat(51) },
        ],
      },
    });
    expect(r.status).toBe(206);
    expect(r.body.errorCount).toBe(5);
    const [created, dup, email, team, profile, long] = r.body.agentResults;
    expect(created).toEqual({ agentId: 5026, success: true });
    expect(dup.error).toBe("Invalid userName - 'ADA.LOVELACE@acme.example', must be unique");
    expect(email.error).toBe("Invalid userName - 'not-an-email', must be a valid email address");
    expect(team.error).toBe("Invalid teamId - '9999', does not exist");
    expect(profile.error).toBe("Invalid profileId - '5', must be an integer");
    expect(long.error).toContain("Invalid firstName - ");
    const agent = (await api(sim, "GET", "/agents/5026", { token: access })).body.agents[0];
    expect(agent).toMatchObject({ teamId: 1202, teamName: "Billing", isActive: true, createDate: "2026-01-15T12:00:00.000Z", lastUpdated: "2026-01-15T12:00:00.000Z", inactiveDate: null });

    const ok = await api(sim, "POST", "/agents", { token: access, body: { agents: [{ ...good, userName: "second@acme.example", teamId: 1201 }] } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ errorCount: 0, agentResults: [{ agentId: 5027, success: true }] });
  });

  test("POST /agents: missing or empty agents → 400; more than the per-call maximum → 400", async () => {
    const sim = await start({ knobs: { maxAgentsPerCreate: 1 } });
    const { access } = await login(sim);
    expect((await api(sim, "POST", "/agents", { token: access, body: {} })).status).toBe(400);
    expect((await api(sim, "POST", "/agents", { token: access, body: { agents: [] } })).status).toBe(400);
    const tooMany = await api(sim, "POST", "/agents", { token: access, body: { agents: [{}, {}] } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toBe("Cannot create more than 1 agents at a time");
    const malformed = await call(`${sim.apiBaseUrl()}/agents`, { method: "POST", headers: { Authorization: `Bearer ${access}`, "Content-Type": "application/json" }, body: "{not json" });
    expect(malformed.status).toBe(400);
  });

  test("lenient strictness lets the official minimal body pass with the default team and profile", async () => {
    const sim = await start({ knobs: { strictness: "lenient" } });
    const { access } = await login(sim);
    const r = await api(sim, "POST", "/agents", {
      token: access,
      body: { agents: [{ firstName: "New", middleName: "", lastName: "Hire", emailAddress: "new.hire@acme.example", userName: "new.hire@acme.example", userId: "", country: "US", state: "CO", city: "Denver" }] },
    });
    expect(r.status).toBe(200);
    const agent = sim.state.agents.get(r.body.agentResults[0].agentId)!;
    expect([agent.teamId, agent.profileId, agent.timeZone]).toEqual([1201, 5, "(GMT-05:00) Eastern Time (US & Canada)"]);
    expect(sim.log.at(-1)!.notes.join("\n")).toContain("lenient: defaulted teamId, profileId, timeZone");
  });

  test("PUT /agents/{id} takes {agent}; isActive false sets inactiveDate, true clears it; unknown fields are ignored and noted", async () => {
    const sim = await start();
    const { access } = await login(sim);
    sim.clock.set("2026-01-15T12:30:00.000Z");
    const off = await api(sim, "PUT", "/agents/5001", { token: access, body: { agent: { agentId: 5001, isActive: false, isActve: true } } });
    expect(off.status).toBe(200);
    expect(off.text).toBe("");
    let a = sim.state.agents.get(5001)!;
    expect([a.isActive, a.inactiveDate, a.lastUpdated]).toEqual([false, "2026-01-15T12:30:00.000Z", "2026-01-15T12:30:00.000Z"]);
    expect(sim.log.at(-1)!.notes).toContain("ignored unknown field 'isActve'");
    sim.clock.advance(60_000);
    expect((await api(sim, "PUT", `/agents/${a.userID}`, { token: access, body: { agent: { isActive: true, city: "Boulder" } } })).status).toBe(200);
    a = sim.state.agents.get(5001)!;
    expect([a.isActive, a.inactiveDate, a.city, a.firstName]).toEqual([true, null, "Boulder", "Ada"]);
    expect((await api(sim, "PUT", "/agents/424242", { token: access, body: { agent: { isActive: true } } })).status).toBe(404);
    const mismatch = await api(sim, "PUT", "/agents/5001", { token: access, body: { agent: { agentId: 5002, city: "X" } } });
    expect(mismatch.status).toBe(400);
    const badEmail = await api(sim, "PUT", "/agents/5001", { token: access, body: { agent: { emailAddress: "nope" } } });
    expect([badEmail.status, badEmail.body.error]).toEqual([400, "Invalid emailAddress - 'nope', must be a valid email address"]);
  });

  test("PUT /agents/{id} with {\"agents\":[…]} is a 400 unless the compat knob is on, which records that it did", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const body = { agents: [{ isActive: false }] };
    const refused = await api(sim, "PUT", "/agents/5001", { token: access, body });
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toContain("{\"agent\":{...}}");
    expect(sim.state.agents.get(5001)!.isActive).toBe(true);
    sim.knobs.acceptAgentsArrayOnSinglePut = true;
    const accepted = await api(sim, "PUT", "/agents/5001", { token: access, body });
    expect(accepted.status).toBe(200);
    expect(sim.state.agents.get(5001)!.isActive).toBe(false);
    expect(sim.log.at(-1)!.notes.some((n) => n.startsWith("compat: accepted {\"agents\":[...]}"))).toBe(true);
  });

  test("a teamId change moves the agent; the licence knob answers 402 on reactivation; the v23 quirk changes nothing", async () => {
    const sim = await start();
    const { access } = await login(sim);
    expect((await api(sim, "PUT", "/agents/5001", { token: access, body: { agent: { teamId: "1203" } } })).status).toBe(200);
    const team = await api(sim, "GET", "/teams/1203", { token: access });
    expect(team.body.teams[0].agents.map((a: { agentId: number }) => a.agentId)).toContain(5001);
    expect((await api(sim, "GET", "/teams/1201", { token: access })).body.teams[0].agents.map((a: { agentId: number }) => a.agentId)).not.toContain(5001);

    sim.setKnobs({ maxActiveAgents: sim.state.activeAgentCount() });
    const lic = await api(sim, "PUT", "/agents/5012", { token: access, body: { agent: { isActive: true } } });
    expect(lic.status).toBe(402);
    expect(lic.body.error).toBe("Maximum active user limit of '22' has been reached");
    expect(sim.state.agents.get(5012)!.isActive).toBe(false);

    sim.setKnobs({ maxActiveAgents: null, v23PutQuirk: true });
    const quirk = await api(sim, "PUT", "/agents/5012", { token: access, body: { agent: { isActive: true } } });
    expect(quirk.status).toBe(200);
    expect(sim.state.agents.get(5012)!.isActive).toBe(false);
    const withIds = await api(sim, "PUT", "/agents/5012", { token: access, body: { agent: { isActive: true, teamId: 1202, profileId: 5 } } });
    expect(withIds.status).toBe(200);
    expect(sim.state.agents.get(5012)!.isActive).toBe(true);
  });

  test("bulk PUT /agents answers per item (206 when any fails)", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const r = await api(sim, "PUT", "/agents", { token: access, body: { agents: [{ agentId: 5002, isActive: false }, { agentId: "5003", city: "Reno" }, { agentId: 1, isActive: false }, { city: "x" }] } });
    expect(r.status).toBe(206);
    expect(r.body.errorCount).toBe(2);
    expect(r.body.agentResults.slice(0, 3)).toEqual([
      { agentId: "5002", success: true },
      { agentId: "5003", success: true },
      { agentId: "1", success: false, error: "Invalid agentId - '1', does not exist" },
    ]);
    expect(sim.state.agents.get(5002)!.isActive).toBe(false);
    expect(sim.state.agents.get(5003)!.city).toBe("Reno");
  });
});

describe("teams", () => {
  test("GET /teams/{id} lists members at teams[0].agents; non-integer → 400, unknown → 404", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const r = await api(sim, "GET", "/teams/1201", { token: access });
    expect(r.status).toBe(200);
    expect(r.body.businessUnitId).toBe(4600123);
    expect(r.body.lastPollTime).toBe("2026-01-15T12:00:00.000Z");
    expect(r.body.teams[0]).toMatchObject({ teamId: 1201, teamName: "Customer Care", agentCount: 8 });
    expect(r.body.teams[0].agents[0]).toEqual({ agentId: 5001, firstName: "Ada", lastName: "Lovelace" });
    expect((await api(sim, "GET", "/teams/abc", { token: access })).status).toBe(400);
    expect((await api(sim, "GET", "/teams/4242", { token: access })).status).toBe(404);
    sim.knobs.teamIncludesInactiveAgents = false;
    expect((await api(sim, "GET", "/teams/1299", { token: access })).body.teams[0].agents).toEqual([]);
  });

  test("GET /teams/{id}/agents is paged and wrapped as teams:[{…, agents}]; an empty team is 204 with no body", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const r = await api(sim, "GET", "/teams/1201/agents?top=5", { token: access });
    expect(r.status).toBe(200);
    expect(r.body.totalRecords).toBe(8);
    expect(r.body.teams[0].teamId).toBe(1201);
    expect(r.body.teams[0].agents).toHaveLength(5);
    expect(r.body.teams[0].agents[0].emailAddress).toBe("ada.lovelace@acme.example");
    expect(r.body._links.next).toBe(`${sim.apiBaseUrl()}/teams/1201/agents?top=5&skip=5`);
    const empty = await api(sim, "GET", "/teams/1399/agents", { token: access });
    expect(empty.status).toBe(204);
    expect(empty.text).toBe("");
    expect(empty.headers.get("content-type")).toBeNull();
  });

  test("POST /teams/{id}/agents moves each agent (agentId string or int); unknown agents fail per item", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const r = await api(sim, "POST", "/teams/1202/agents", { token: access, body: { agents: [{ agentId: "5001" }, { agentId: 5015 }, { agentId: 77 }] } });
    expect(r.status).toBe(206);
    expect(r.body).toEqual({
      errorCount: 1,
      agentResults: [
        { agentId: 5001, success: true },
        { agentId: 5015, success: true },
        { agentId: 77, success: false, error: "Invalid agentId - '77', does not exist" },
      ],
    });
    expect([sim.state.agents.get(5001)!.teamId, sim.state.agents.get(5015)!.teamId]).toEqual([1202, 1202]);
    // One team per agent: every agent appears in exactly one team listing.
    const seen = new Map<number, number>();
    for (const t of sim.state.teamList()) for (const a of sim.state.agentsInTeam(t.teamId)) seen.set(a.agentId, (seen.get(a.agentId) ?? 0) + 1);
    expect(seen.size).toBe(25);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);

    sim.knobs.teamAssignResultSet = true;
    const wrapped = await api(sim, "POST", "/teams/1201/agents", { token: access, body: { agents: [{ agentId: 5001 }] } });
    expect(wrapped.body).toEqual({ resultSet: { errorCount: 0, agentResults: [{ agentId: 5001, success: true }] } });
    expect((await api(sim, "POST", "/teams/4242/agents", { token: access, body: { agents: [{ agentId: 5001 }] } })).status).toBe(404);
    sim.knobs.maxTeamAssign = 2;
    expect((await api(sim, "POST", "/teams/1201/agents", { token: access, body: { agents: [{ agentId: 5001 }, { agentId: 5002 }, { agentId: 5003 }] } })).status).toBe(400);
  });

  test("DELETE /teams/{id}/agents needs transferTeamId (the official package omits it) and moves agents there", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const body = { agents: [{ agentId: 5001 }, { agentId: 5009 }] };
    const missing = await api(sim, "DELETE", "/teams/1201/agents", { token: access, body });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/^Invalid transferTeamId - /);
    expect(missing.headers.get("icstatusdescription")).toMatch(/^Invalid transferTeamId - /);
    expect((await api(sim, "DELETE", "/teams/1201/agents?transferTeamId=4242", { token: access, body })).body.error).toBe("Invalid transferTeamId - '4242', does not exist");
    expect(sim.state.agents.get(5001)!.teamId).toBe(1201);

    const r = await api(sim, "DELETE", "/teams/1201/agents?transferTeamId=1299", { token: access, body });
    expect(r.status).toBe(206);
    expect(r.body).toEqual({
      errorCount: 1,
      agentResults: [
        { agentId: 5001, success: true },
        { agentId: 5009, success: false, error: "Invalid agentId - '5009', is not assigned to team '1201'" },
      ],
    });
    expect(sim.state.agents.get(5001)!.teamId).toBe(1299);
    expect(sim.state.agents.get(5009)!.teamId).toBe(1202);
  });

  test("PUT /teams/{id}: deactivating a team with active agents is 409 unless forceInactive", async () => {
    const sim = await start();
    const { access } = await login(sim);
    const conflict = await api(sim, "PUT", "/teams/1203", { token: access, body: { team: { teamName: "Technical Support", isActive: false } } });
    expect(conflict.status).toBe(409);
    expect(sim.state.teams.get(1203)!.isActive).toBe(true);
    const forced = await api(sim, "PUT", "/teams/1203", { token: access, body: { forceInactive: true, team: { teamName: "Technical Support", isActive: false } } });
    expect(forced.status).toBe(200);
    expect(sim.state.teams.get(1203)!.isActive).toBe(false);
    expect(sim.state.agentsInTeam(1203).every((a) => !a.isActive && a.inactiveDate === "2026-01-15T12:00:00.000Z")).toBe(true);
    expect((await api(sim, "PUT", "/teams/1203", { token: access, body: { team: { isActive: true } } })).status).toBe(400);
  });
});

describe("faults", () => {
  test("429 with Retry-After fires the configured number of times, then the route works again", async () => {
    const sim = await start();
    const { access } = await login(sim);
    sim.addFault({ method: "GET", path: "/agents", status: 429, retryAfter: 7, count: 1 });
    const limited = await api(sim, "GET", "/agents?top=2", { token: access });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.body.error).toBe("Too Many Requests");
    expect(limited.headers.get("icstatusdescription")).toBe("Rate limit exceeded");
    expect((await api(sim, "GET", "/agents?top=2", { token: access })).status).toBe(200);
    // The rule matches /agents only, on any version.
    sim.addFault({ path: "/agents", status: 429 });
    expect((await api(sim, "GET", "/agents/5001", { token: access })).status).toBe(200);
    expect((await api(sim, "GET", "/agents", { token: access, version: "v20.0" })).status).toBe(429);
  });

  test("a 500 on create leaves the state untouched", async () => {
    const sim = await start();
    const { access } = await login(sim);
    sim.addFault({ method: "POST", path: "/agents", status: 500, count: 1 });
    const before = sim.dumpJson();
    const body = { agents: [{ firstName: "A", lastName: "B", emailAddress: "a.b@acme.example", userName: "a.b@acme.example", teamId: 1201, profileId: 5, timeZone: "UTC", country: "US", city: "X" }] };
    const failed = await api(sim, "POST", "/agents", { token: access, body });
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error: "Internal Server Error", error_description: "An unexpected error occurred" });
    expect(sim.dumpJson()).toBe(before);
    expect((await api(sim, "POST", "/agents", { token: access, body })).status).toBe(200);
  });

  test("a 401 fault after N calls expires the presented token (mid-import expiry); 403, 503 and latency", async () => {
    const sim = await start();
    const { access } = await login(sim);
    sim.addFault({ method: "GET", path: "/agents", status: 401, after: 1, count: 1 });
    expect((await api(sim, "GET", "/agents?top=10", { token: access })).status).toBe(200);
    expect((await api(sim, "GET", "/agents?top=10&skip=10", { token: access })).status).toBe(401);
    expect((await api(sim, "GET", "/agents?top=10&skip=10", { token: access })).status).toBe(401);
    const { access: fresh } = await login(sim);
    expect((await api(sim, "GET", "/agents?top=10&skip=10", { token: fresh })).status).toBe(200);

    sim.clearFaults();
    sim.addFault({ path: "/teams/*/agents", method: "POST", status: 403 });
    sim.addFault({ path: "/teams/**", method: "GET", status: 503, retryAfter: 2, count: 1 });
    expect((await api(sim, "POST", "/teams/1201/agents", { token: fresh, body: { agents: [{ agentId: 5001 }] } })).status).toBe(403);
    const unavailable = await api(sim, "GET", "/teams/1201/agents", { token: fresh });
    expect([unavailable.status, unavailable.headers.get("retry-after")]).toEqual([503, "2"]);

    sim.clearFaults();
    sim.addFault({ path: "/security-profiles", latencyMs: 60 });
    const t0 = performance.now();
    expect((await api(sim, "GET", "/security-profiles", { token: fresh })).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(50);
    expect(sim.log.at(-1)!.notes).toContain("fault: +60 ms latency (/security-profiles)");
  });
});

describe("request log", () => {
  test("records method, path, query, headers and body, with Authorization and secrets redacted", async () => {
    const sim = await start();
    const { access, refresh } = await login(sim);
    await api(sim, "GET", "/agents?top=3&isActive=true", { token: access });
    await api(sim, "PUT", "/agents/5001", { token: access, body: { agent: { city: "Lyon" } } });
    const [tokenEntry, listEntry, putEntry] = sim.log;
    expect(tokenEntry).toMatchObject({ seq: 1, method: "POST", path: "/auth/token", status: 200 });
    expect(tokenEntry!.headers.authorization).toBe("Basic [REDACTED]");
    expect(tokenEntry!.body).toEqual({ grant_type: "password", username: KEY.accessKeyId, password: "[REDACTED]" });
    expect(tokenEntry!.response).toMatchObject({ access_token: "[REDACTED]", refresh_token: "[REDACTED]", id_token: "[REDACTED]", token_type: "Bearer" });
    expect(listEntry).toMatchObject({ method: "GET", path: "/inContactAPI/services/v34.0/agents", query: { top: "3", isActive: "true" }, status: 200, time: "2026-01-15T12:00:00.000Z" });
    expect(listEntry!.headers.authorization).toBe("Bearer [REDACTED]");
    expect(putEntry!.body).toEqual({ agent: { city: "Lyon" } });
    const text = JSON.stringify(sim.log);
    for (const secret of [access, refresh, KEY.accessKeySecret, CLIENT.clientSecret, Buffer.from(`${encodeURIComponent(CLIENT.clientId)}:${encodeURIComponent(CLIENT.clientSecret)}`).toString("base64")]) {
      expect(text).not.toContain(secret);
    }
  });
});

describe("seed and dump", () => {
  test("the fixture is the demo seed, and a dump round-trips byte for byte", async () => {
    const fixture = readFileSync(SEED_FILE, "utf8");
    const sim = await start();
    expect(sim.dumpJson()).toBe(fixture);
    expect(parseSeed(demoSeed()).seed).toEqual(JSON.parse(fixture));
    const { access } = await login(sim);
    await api(sim, "POST", "/agents", { token: access, body: { agents: [{ firstName: "R", lastName: "T", emailAddress: "r.t@acme.example", userName: "r.t@acme.example", teamId: 1301, profileId: 7, timeZone: "UTC", country: "US", city: "X", custom1: "c1" }] } });
    await api(sim, "POST", "/groups/4002/agents", { token: access, body: { agents: [{ agentId: 5026 }] } });
    const dumped = sim.dumpJson();
    const again = await runningSimulator({ seed: JSON.parse(dumped) });
    expect(again.dumpJson()).toBe(dumped);
    expect(again.dump().groupMemberships).toContainEqual({ groupId: 4002, agentId: 5026 });
    expect(again.state.agents.get(5026)!.extra).toEqual({ custom1: "c1" });
  });

  test("bad seeds are diagnostics with a path; startSimulator refuses them", async () => {
    expect(loadSeed(join(import.meta.dirname, "fixtures/simulator/missing.json")).diagnostics[0]!.code).toBe("IO_READ");
    const seed = JSON.parse(readFileSync(SEED_FILE, "utf8"));
    seed.agents[0].teamId = 4242;
    seed.agents[1].userName = seed.agents[2].userName.toUpperCase();
    const r = parseSeed(seed, "seed.json");
    expect(r.seed).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.path, d.message])).toEqual([
      ["agents[0].teamId", "seed: teamId 4242 is not a seeded team"],
      ["agents[2].userName", "seed: duplicate userName 'alan.turing@acme.example'"],
    ]);
    const refused = await startSimulator({ seed });
    expect(refused.simulator).toBeUndefined();
    expect(refused.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ["SIM_SEED_INVALID", "agents[0].teamId"],
      ["SIM_SEED_INVALID", "agents[2].userName"],
    ]);
    const badKnobs = await startSimulator({ knobs: { listCap: -1 } as never });
    expect(badKnobs.simulator).toBeUndefined();
    expect(badKnobs.diagnostics.map((d) => d.code)).toEqual(["SIM_KNOBS_INVALID"]);
    const sim = await start();
    const before = sim.dumpJson();
    expect(sim.reset(seed).map((d) => d.path)).toEqual(["agents[0].teamId", "agents[2].userName"]);
    expect(sim.dumpJson()).toBe(before);
  });
});

describe("control plane over HTTP", () => {
  test("knobs, faults, clock, token expiry, state and log can be driven by another process", async () => {
    const sim = await start({ controlToken: "ctl" });
    const ctl = (method: string, path: string, body?: unknown) =>
      call(`${sim.baseUrl}/__sim/${path}`, { method, headers: { "x-sim-control-token": "ctl", "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await call(`${sim.baseUrl}/__sim/state`)).status).toBe(403);
    const { access } = await login(sim);

    expect((await ctl("POST", "knobs", { lastPageNext: "sometimes" })).status).toBe(400);
    expect((await ctl("POST", "knobs", { nope: 1 })).body.problems[0]).toContain("unknown knob 'nope'");
    expect((await ctl("POST", "knobs", { lastPageNext: "omit", maxActiveAgents: 5 })).body.lastPageNext).toBe("omit");
    expect(sim.knobs.maxActiveAgents).toBe(5);

    expect((await ctl("POST", "faults", { path: "/teams", status: 500, count: 1 })).status).toBe(200);
    expect((await api(sim, "GET", "/teams", { token: access })).status).toBe(500);
    expect((await ctl("POST", "faults", { path: "teams", status: 500 })).status).toBe(400);

    expect((await ctl("POST", "clock", { advanceMs: 90_000 })).body.now).toBe("2026-01-15T12:01:30.000Z");
    expect((await ctl("POST", "tokens/expire")).status).toBe(200);
    expect((await api(sim, "GET", "/teams", { token: access })).status).toBe(401);

    const state = await ctl("GET", "state");
    expect(state.body.agents).toHaveLength(25);
    const log = await ctl("GET", "log");
    expect(log.body.map((e: { status: number }) => e.status)).toEqual([200, 500, 401]);
    expect((await ctl("DELETE", "log")).status).toBe(200);
    expect(sim.log).toHaveLength(0);

    const smaller = { ...state.body, agents: state.body.agents.slice(0, 2), groupMemberships: [] };
    expect((await ctl("PUT", "state", smaller)).status).toBe(200);
    expect(sim.state.agents.size).toBe(2);
  });
});
