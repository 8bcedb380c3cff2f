/**
 * The Saviynt REST executor (src/executor/) against the real CXone simulator on 127.0.0.1:
 * token handling (refresh on retryFailureStatusCode / authError, maxRefreshTryCount, rotating
 * refresh tokens), import (listField, colsToPropsMap, nextUrl/page/offset pagination, 204,
 * statusAndThresholdConfig, httpEntToAcct/httpAcctToEnt/http), provisioning (bindings, chaining
 * through `response.call1.message`, successResponses by status and by body, DELETEWITHBODY,
 * GETWITHBODY, access dispatch by entitlement type), Retry-After, and the URL policy.
 * A few cases need shapes CXone does not have (page numbers, dotted keys, a body on GET): those use
 * a small HTTP server in this file.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { ExecutorContext, nodeTransport, reconcile, runImport, runProvision, type HttpRequest, type Transport } from "../src/executor/index.js";
import { loadSeed, type Simulator, type SimulatorOptions } from "../src/simulator/index.js";
import { runningSimulator } from "./helpers/simulator.js";

const SEED_FILE = join(import.meta.dirname, "fixtures/simulator/acme-seed.json");
const CLIENT = { clientId: "exec-test-client", clientSecret: "exec=secret+1" };
const KEY = { accessKeyId: "EXECKEY0001", accessKeySecret: "exec-key-secret" };
const BASIC = `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString("base64")}`;
const HEADERS = { Authorization: "${access_token}", Accept: "application/json" };

function start(options: SimulatorOptions = {}): Promise<Simulator> {
  return runningSimulator({ clients: [CLIENT], accessKeys: [KEY], ...options });
}

function auth(sim: Simulator, overrides: Record<string, unknown> = {}) {
  return {
    authentications: {
      acctAuth: {
        authType: "oauth2",
        url: sim.tokenUrl,
        httpMethod: "POST",
        httpParams: JSON.stringify({ grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }),
        httpHeaders: { Authorization: BASIC },
        httpContentType: "application/x-www-form-urlencoded",
        tokenResponsePath: "access_token",
        tokenType: "Bearer",
        accessToken: "Bearer dummy-until-refreshed",
        retryFailureStatusCode: [401],
        maxRefreshTryCount: 2,
        ...overrides,
      },
    },
  };
}

interface Setup {
  ctx: ExecutorContext;
  sleeps: number[];
  wire: HttpRequest[];
}

/** An executor that may call only the given origins; `wire` records what was sent. */
function executor(origins: string[], connectionJson: unknown, extra: { retryAfterCapSeconds?: number } = {}): Setup {
  const sleeps: number[] = [];
  const wire: HttpRequest[] = [];
  const real = nodeTransport();
  const transport: Transport = (req) => {
    wire.push(req);
    return real(req);
  };
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  const ctx = new ExecutorContext(
    {
      transport,
      resolveUrl: (url) => {
        try {
          const u = new URL(url);
          return allowed.has(u.origin) ? { ok: true, url: u.href } : { ok: false, reason: `refusing to call ${u.origin}` };
        } catch {
          return { ok: false, reason: `"${url}" is not a URL` };
        }
      },
      sleep: async (ms) => void sleeps.push(ms),
      ...extra,
    },
    connectionJson,
  );
  return { ctx, sleeps, wire };
}

function agentsImport(sim: Simulator, call: Record<string, unknown> = {}, accountParams: Record<string, unknown> = {}) {
  return {
    accountParams: {
      connection: "acctAuth",
      statusAndThresholdConfig: { statusColumn: "customproperty11", activeStatus: ["true"], accountThresholdValue: 10 },
      call: {
        call1: {
          callOrder: 0,
          http: { url: `${sim.apiBaseUrl()}/agents?top=10&skip=0`, httpHeaders: HEADERS, httpContentType: "application/json", httpMethod: "GET" },
          listField: "agents",
          keyField: "accountID",
          colsToPropsMap: { accountID: "agentId~#~char", name: "userName~#~char", customproperty11: "isActive~#~char", customproperty12: "teamId~#~int" },
          pagination: { nextUrl: { nextUrlPath: "${response?.completeResponseMap?._links?.next ?: null}" } },
          successResponses: { statusCode: [200, 204] },
          ...call,
        },
      },
      ...accountParams,
    },
  };
}

/** A small HTTP server for shapes the simulator does not have. */
async function fixtureServer(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  onTestFinished(() => new Promise<void>((ok) => server.close(() => ok())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

describe("token handling (ConnectionJSON)", () => {
  test("the placeholder accessToken is refused with 401, refreshed by the token call, and the call repeated", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.ok).toBe(true);
    expect(ctx.calls.slice(0, 3).map((c) => [c.operation, c.status, c.result])).toEqual([
      ["import accounts call1", 401, "retried"],
      ["token acctAuth", 200, "pass"],
      ["import accounts call1", 200, "pass"],
    ]);
    expect(ctx.calls[0]!.reason).toBe("401 is in retryFailureStatusCode: refreshing the token and repeating the call");
    // Form fields from the httpParams JSON string, client auth from httpHeaders.
    const tokenCall = sim.log.find((e) => e.path === "/auth/token")!;
    expect(tokenCall.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(tokenCall.body).toEqual({ grant_type: "password", username: KEY.accessKeyId, password: "[REDACTED]" });
  });

  test("without an accessToken the token is fetched before the first call", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim, { accessToken: "" }));
    await runImport(ctx, agentsImport(sim));
    expect(ctx.calls.slice(0, 2).map((c) => [c.operation, c.status, c.result])).toEqual([
      ["token acctAuth", 200, "pass"],
      ["import accounts call1", 200, "pass"],
    ]);
  });

  test("authError matched at errorPath triggers a refresh even without retryFailureStatusCode", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim, { retryFailureStatusCode: [], authError: ["invalid_token"], errorPath: "error" }));
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.ok).toBe(true);
    expect(ctx.calls[0]!.reason).toBe('the response\'s error says "invalid_token" (authError/expiryError): refreshing the token and repeating the call');
  });

  test("with no refresh trigger configured the 401 fails the call", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim, { retryFailureStatusCode: [] }));
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.ok).toBe(false);
    expect(run.sections.accounts.failures[0]).toMatch(/^import accounts call1: 401 Invalid or expired token: status 401 is not in statusCode \[200, 204\]$/);
  });

  test("maxRefreshTryCount bounds the refreshes when the API keeps refusing", async () => {
    const sim = await start({ knobs: { faults: [{ method: "GET", path: "/agents", status: 401 }] } });
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.ok).toBe(false);
    expect(ctx.calls.filter((c) => c.operation === "token acctAuth")).toHaveLength(2);
    expect(run.sections.accounts.failures[0]).toMatch(/still refused after 2 token refresh\(es\) \(maxRefreshTryCount 2\)/);
  });

  test("a failing token call is reported with the issuer's error", async () => {
    const sim = await start();
    sim.failNextTokenCalls(1, 400);
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.sections.accounts.failures[0]).toBe("import accounts call1: token refresh failed: token acctAuth: 400 Simulated token failure");
    expect(ctx.calls.find((c) => c.operation === "token acctAuth")).toMatchObject({ status: 400, result: "fail", reason: "400 Simulated token failure" });
  });

  test("a rotating refresh token is substituted into ${refresh_token} and replaced from refreshTokenResponsePath", async () => {
    const sim = await start();
    const first = await fetch(sim.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: BASIC },
      body: new URLSearchParams({ grant_type: "password", username: KEY.accessKeyId, password: KEY.accessKeySecret }),
    }).then((r) => r.json() as Promise<{ refresh_token: string }>);
    const { ctx, wire } = executor(
      [sim.baseUrl],
      auth(sim, {
        httpParams: JSON.stringify({ grant_type: "refresh_token", refresh_token: "${refresh_token}", client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }),
        httpHeaders: { Accept: "application/json" },
        refreshType: "RefreshToken",
        refreshToken: first.refresh_token,
        refreshTokenResponsePath: "refresh_token",
      }),
    );
    expect((await runImport(ctx, agentsImport(sim))).ok).toBe(true);
    sim.expireAllTokens();
    expect((await runImport(ctx, agentsImport(sim))).ok).toBe(true);
    const tokenBodies = wire.filter((r) => r.url.endsWith("/auth/token")).map((r) => new URLSearchParams(r.body));
    expect(tokenBodies).toHaveLength(2);
    expect(tokenBodies[0]!.get("refresh_token")).toBe(first.refresh_token);
    // The second refresh used the token the first one returned.
    expect(tokenBodies[1]!.get("refresh_token")).not.toBe(first.refresh_token);
    expect(tokenBodies[1]!.get("refresh_token")).toMatch(/^sim_rt_/);
    expect(ctx.calls.filter((c) => c.operation === "token acctAuth").every((c) => c.notes?.includes("rotated the refresh token"))).toBe(true);
  });

  test("an unsupported auth type is reported, not guessed", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim, { authType: "BasicWithHmac", accessToken: "" }));
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.ok).toBe(false);
    expect(ctx.unsupported).toEqual([{ kind: "unsupported", expression: 'authType "BasicWithHmac"', message: "only oauth2 token calls are executed", where: "ConnectionJSON.acctAuth.authType" }]);
  });
});

describe("account import", () => {
  test("nextUrl pagination, listField, colsToPropsMap types and statusColumn/activeStatus", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, agentsImport(sim));
    const seed = loadSeed(SEED_FILE).seed!;
    expect(run.accounts.map((a) => a.accountID)).toEqual(seed.agents.map((a) => String(a.agentId)));
    expect(run.accounts.map((a) => a.status)).toEqual(seed.agents.map((a) => (a.isActive ? "active" : "inactive")));
    expect(run.accounts[0]).toEqual({
      accountID: "5001",
      name: "ada.lovelace@acme.example",
      status: "active",
      attributes: { accountID: "5001", name: "ada.lovelace@acme.example", customproperty11: "true", customproperty12: 1201 },
    });
    expect(ctx.calls.filter((c) => c.operation.startsWith("import accounts") && c.result === "pass").map((c) => c.path)).toEqual([
      "/inContactAPI/services/v34.0/agents?top=10&skip=0",
      "/inContactAPI/services/v34.0/agents?top=10&skip=10",
      "/inContactAPI/services/v34.0/agents?top=10&skip=20",
    ]);
  });

  test("offset pagination sets offsetParam/batchParam and stops at totalCountPath", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const doc = agentsImport(sim, {
      http: { url: `${sim.apiBaseUrl()}/agents?orderBy=agentId`, httpHeaders: HEADERS, httpMethod: "GET" },
      pagination: { offset: { offsetParam: "skip", batchParam: "top", batchSize: 10, totalCountPath: "completeResponseMap.totalRecords" } },
    });
    const run = await runImport(ctx, doc);
    expect(run.accounts).toHaveLength(25);
    expect(ctx.calls.filter((c) => c.result === "pass" && c.operation.startsWith("import")).map((c) => c.path)).toEqual([
      "/inContactAPI/services/v34.0/agents?orderBy=agentId&skip=0&top=10",
      "/inContactAPI/services/v34.0/agents?orderBy=agentId&skip=10&top=10",
      "/inContactAPI/services/v34.0/agents?orderBy=agentId&skip=20&top=10",
    ]);
  });

  test("page pagination with pageNumberParam/pageSizeParam and firstPageNumber", async () => {
    const sim = await start();
    const users = Array.from({ length: 7 }, (_, i) => ({ id: `u${i + 1}`, "odata.type": "user", profile: { email: `u${i + 1}@x.test` }, active: i % 2 === 0 }));
    const base = await fixtureServer((req, _body, res) => {
      const u = new URL(req.url!, "http://x");
      const page = Number(u.searchParams.get("page"));
      const size = Number(u.searchParams.get("size"));
      sendJson(res, 200, { data: { users: users.slice(page * size, page * size + size) }, total: users.length });
    });
    const { ctx } = executor([sim.baseUrl, base], auth(sim));
    const doc = {
      accountParams: {
        connection: "acctAuth",
        statusAndThresholdConfig: { statusColumn: "customproperty2", activeStatus: ["true"] },
        call: {
          call1: {
            http: { url: `${base}/users`, httpHeaders: HEADERS, httpMethod: "GET" },
            listField: "data.users",
            keyField: "accountID",
            colsToPropsMap: { accountID: "id~#~char", name: "profile.email~#~char", customproperty1: "odata~dot#type~#~char", customproperty2: "active~#~bool", customproperty3: "#CONST#Simulated~#~char", customproperty4: "#CONST#${response.id + '@' + response.profile.email}~#~char" },
            pagination: { page: { pageSizeParam: "size", pageSize: 3, pageNumberParam: "page", firstPageNumber: 0, totalCountPath: "completeResponseMap.total" } },
          },
        },
      },
    };
    const run = await runImport(ctx, doc);
    expect(run.ok).toBe(true);
    expect(run.accounts.map((a) => a.accountID)).toEqual(["u1", "u2", "u3", "u4", "u5", "u6", "u7"]);
    expect(run.accounts[0]).toEqual({
      accountID: "u1",
      name: "u1@x.test",
      status: "active",
      attributes: { accountID: "u1", name: "u1@x.test", customproperty1: "user", customproperty2: true, customproperty3: "Simulated", customproperty4: "u1@u1@x.test" },
    });
    expect(run.accounts[1]!.status).toBe("inactive");
    expect(ctx.calls.filter((c) => c.operation.startsWith("import")).map((c) => c.path)).toEqual(["/users?page=0&size=3", "/users?page=1&size=3", "/users?page=2&size=3"]);
  });

  test("nextUrlPath can read response headers and response.objectList", async () => {
    const sim = await start();
    const base = await fixtureServer((req, _body, res) => {
      const n = Number(new URL(req.url!, "http://x").searchParams.get("n") ?? "1");
      const headers: Record<string, string> = n < 3 ? { Link: `<${base}/items?n=${n + 1}>; rel="next"`, "X-Next": `${base}/items?n=${n + 1}` } : {};
      sendJson(res, 200, { items: [{ id: `i${n}` }] }, headers);
    });
    const { ctx } = executor([sim.baseUrl, base], auth(sim));
    const doc = agentsImport(sim, {
      http: { url: `${base}/items`, httpHeaders: HEADERS, httpMethod: "GET" },
      listField: "items",
      colsToPropsMap: { accountID: "id~#~char" },
      pagination: { nextUrl: { nextUrlPath: "${response.objectList.size() > 0 && headers?.get('x-next') != null ? headers['X-Next'] : null}" } },
    });
    const run = await runImport(ctx, doc);
    expect(run.accounts.map((a) => a.accountID)).toEqual(["i1", "i2", "i3"]);
  });

  test("204 with no body is success with no records", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, agentsImport(sim, { http: { url: `${sim.apiBaseUrl()}/agents?searchString=nobody-matches`, httpHeaders: HEADERS, httpMethod: "GET" } }));
    expect(run.ok).toBe(true);
    expect(run.accounts).toEqual([]);
    expect(ctx.calls.at(-1)).toMatchObject({ status: 204, result: "pass", reason: "no content: 0 records" });
  });

  test("a 204 that successResponses does not list fails the import", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, agentsImport(sim, { http: { url: `${sim.apiBaseUrl()}/agents?searchString=nobody-matches`, httpHeaders: HEADERS, httpMethod: "GET" }, successResponses: { statusCode: [200] } }));
    expect(run.ok).toBe(false);
    expect(run.sections.accounts.failures[0]).toBe("import accounts call1: 204: status 204 is not in statusCode [200]");
  });

  test("a listField that matches nothing is reported with where the records are", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, agentsImport(sim, { listField: "agentList" }));
    expect(run.accounts).toEqual([]);
    expect(run.sections.accounts.warnings).toContain('ImportAccountEntJSON.accountParams.call.call1: listField "agentList" matched nothing in 3 of 3 response(s); arrays of records are at: agents');
  });

  test("accountThresholdValue stops an import that would inactivate too many accounts; doNotChangeIfFailed keeps accounts on failure", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const doc = agentsImport(sim, {}, { statusAndThresholdConfig: { statusColumn: "customproperty11", activeStatus: ["true"], accountThresholdValue: 2, inactivateAccountsNotInFile: true }, doNotChangeIfFailed: true });
    const first = reconcile(undefined, await runImport(ctx, doc));
    expect(first.applied).toBe(true);
    expect(first.view.accounts.filter((a) => a.status === "active")).toHaveLength(22);

    const seed = sim.dump();
    for (const a of seed.agents) if ([5001, 5002, 5003].includes(a.agentId)) a.isActive = false;
    sim.reset(seed);
    const second = reconcile(first.view, await runImport(ctx, doc));
    expect(second).toMatchObject({ applied: false, reason: "accountThresholdValue 2 exceeded: the import would inactivate 3 account(s); nothing was changed" });
    expect(second.view).toBe(first.view);

    sim.addFault({ method: "GET", path: "/agents", status: 500 });
    const failedRun = await runImport(ctx, doc);
    expect(failedRun.sections.accounts.failures[0]).toMatch(/^import accounts call1: 500 An unexpected error occurred: status 500 is not in statusCode \[200, 204\]$/);
    const third = reconcile(first.view, failedRun);
    expect(third).toMatchObject({ applied: false, reason: "the account import failed; doNotChangeIfFailed keeps the accounts Saviynt already had" });
  });

  test("accounts missing from the feed become inactive (or suspended)", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const doc = agentsImport(sim, {}, { statusAndThresholdConfig: { statusColumn: "customproperty11", activeStatus: ["true"], accountThresholdValue: 100, inactivateAccountsNotInFile: false } });
    const before = reconcile(undefined, await runImport(ctx, doc));
    const seed = sim.dump();
    seed.agents = seed.agents.filter((a) => a.agentId !== 5001);
    sim.reset(seed);
    const after = reconcile(before.view, await runImport(ctx, doc));
    expect(after.inactivated).toEqual(["5001"]);
    expect(after.view.accounts.find((a) => a.accountID === "5001")!.status).toBe("suspended");
  });

  test("an ImportAccountEntJSON without accountParams keeps the accounts Saviynt has", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const first = reconcile(undefined, await runImport(ctx, agentsImport(sim)));
    const entitlementsOnly = { entitlementParams: { connection: "acctAuth", entTypes: { Teams: { call: { call1: { http: { url: `${sim.apiBaseUrl()}/teams`, httpHeaders: HEADERS }, listField: "teams", colsToPropsMap: { entitlementID: "teamId~#~char" } } } } } } };
    const next = reconcile(first.view, await runImport(ctx, entitlementsOnly));
    expect(next.view.accounts).toEqual(first.view.accounts);
    expect(next.view.entitlements).toHaveLength(7);
    expect(next.inactivated).toEqual([]);
  });
});

describe("entitlement and membership import", () => {
  function fullImport(sim: Simulator, membership: Record<string, unknown>) {
    return {
      ...agentsImport(sim),
      entitlementParams: {
        connection: "acctAuth",
        entTypes: {
          Groups: { entTypeOrder: 1, call: { call1: { http: { url: `${sim.apiBaseUrl()}/groups`, httpHeaders: HEADERS, httpMethod: "GET" }, listField: "groups", keyField: "entitlementID", colsToPropsMap: { entitlementID: "groupId~#~char", entitlement_value: "groupName~#~char" } } } },
          Teams: { entTypeOrder: 0, call: { call1: { http: { url: `${sim.apiBaseUrl()}/teams`, httpHeaders: HEADERS, httpMethod: "GET" }, listField: "teams", keyField: "entitlementID", colsToPropsMap: { entitlementID: "teamId~#~char", entitlement_value: "teamName~#~char" } } } },
        },
      },
      acctEntParams: { connection: "acctAuth", entTypes: membership },
    };
  }
  const seed = () => loadSeed(SEED_FILE).seed!;

  test("entitlement types run in entTypeOrder; httpEntToAcct binds ${id} to each entitlementID and reads listField teams[0].agents", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(
      ctx,
      fullImport(sim, {
        Teams: { call: { call1: { processingType: "httpEntToAcct", http: { url: `${sim.apiBaseUrl()}/teams/\${id}`, httpHeaders: HEADERS, httpMethod: "GET" }, listField: "teams[0].agents", acctIdPath: "agentId", acctKeyField: "accountID", entKeyField: "entitlementID" } } },
      }),
    );
    expect(run.ok).toBe(true);
    expect(ctx.calls.filter((c) => c.operation.startsWith("import entitlements")).map((c) => c.operation)).toEqual(["import entitlements Teams call1", "import entitlements Groups call1"]);
    expect(run.entitlements.map((e) => `${e.entitlementType}:${e.entitlementID}:${e.entitlementValue}`)).toEqual([
      ...seed().teams.map((t) => `Teams:${t.teamId}:${t.teamName}`),
      ...seed().groups!.map((g) => `Groups:${g.groupId}:${g.groupName}`),
    ]);
    expect(run.memberships.map((m) => `${m.accountID}@${m.entitlementID}`).sort()).toEqual(seed().agents.map((a) => `${a.agentId}@${a.teamId}`).sort());
  });

  test("httpAcctToEnt binds ${id} to each accountID; 204 answers mean no memberships", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(
      ctx,
      fullImport(sim, {
        Groups: { call: { call1: { processingType: "httpAcctToEnt", http: { url: `${sim.apiBaseUrl()}/agents/\${id}/groups`, httpHeaders: HEADERS, httpMethod: "GET" }, listField: "agentGroups", entIdPath: "groupId", entKeyField: "entitlementID", successResponses: { statusCode: [200, 204] } } } },
      }),
    );
    expect(run.ok).toBe(true);
    expect(ctx.calls.filter((c) => c.operation.startsWith("import memberships"))).toHaveLength(25);
    expect(run.memberships.map((m) => `${m.accountID}@${m.entitlementID}`).sort()).toEqual(seed().groupMemberships!.map((m) => `${m.agentId}@${m.groupId}`).sort());
  });

  test("processingType http reads every membership from one call; entKeyField entitlement_value is translated to the id", async () => {
    const sim = await start();
    const base = await fixtureServer((_req, _body, res) => sendJson(res, 200, { links: [{ user: 5001, team: "Billing" }, { user: 5002, team: "Customer Care" }] }));
    const { ctx } = executor([sim.baseUrl, base], auth(sim));
    const run = await runImport(ctx, fullImport(sim, { Teams: { call: { call1: { processingType: "http", http: { url: `${base}/links`, httpHeaders: HEADERS, httpMethod: "GET" }, listField: "links", acctIdPath: "user", entIdPath: "team", entKeyField: "entitlement_value" } } } }));
    expect(run.memberships).toEqual([
      { accountID: "5002", entitlementType: "Teams", entitlementID: "1201" },
      { accountID: "5001", entitlementType: "Teams", entitlementID: "1202" },
    ]);
  });

  test("acctToEntMapping is reported as unsupported", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const run = await runImport(ctx, fullImport(sim, { Teams: { call: { call1: { processingType: "acctToEntMapping" } } } }));
    expect(run.sections.memberships.ok).toBe(false);
    expect(ctx.unsupported.map((u) => u.where)).toEqual(["ImportAccountEntJSON.acctEntParams.entTypes.Teams.call.call1.processingType"]);
  });
});

describe("provisioning", () => {
  const user = { firstname: "Pat", middlename: null, lastname: "Tester", email: "pat.tester@example.com", country: "US", city: "Denver" };

  test("create binds user.*, passes on successResponses, reads accountIdPath; a second call chains response.call1.message", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim));
    const base = sim.apiBaseUrl();
    const doc = {
      accountIdPath: "call1.message.agentResults[0].agentId",
      call: [
        {
          name: "call1",
          connection: "acctAuth",
          url: `${base}/agents`,
          httpMethod: "POST",
          httpParams: '{"agents":[{"firstName":"${user.firstname}","middleName":"${user.middlename==null?\'\':user.middlename}","lastName":"${user.lastname}","emailAddress":"${user.email}","userName":"${user.email}","country":"${user.country}","city":"${user.city}","timeZone":"(GMT-07:00) Mountain Time (US & Canada)","teamId":"1201","profileId":5}]}',
          httpHeaders: HEADERS,
          httpContentType: "application/json",
          successResponses: { statusCode: [200, 201] },
        },
        {
          name: "call2",
          connection: "acctAuth",
          url: `${base}/agents/\${response.call1.message.agentResults[0].agentId}`,
          httpMethod: "PUT",
          httpParams: '{"agent":{"notes":"created by ${access_token == null ? \'nobody\' : \'savpkg\'} for ${user.firstname}"}}',
          httpHeaders: HEADERS,
          httpContentType: "application/json",
          successResponses: { statusCode: [200] },
        },
      ],
    };
    const run = await runProvision(ctx, { attribute: "CreateAccountJSON", document: doc, operation: "create", bindings: { user } });
    expect(run).toMatchObject({ ok: true, accountId: "5026" });
    const agent = sim.dump().agents.find((a) => a.agentId === 5026)!;
    expect(agent).toMatchObject({ firstName: "Pat", middleName: null, lastName: "Tester", userName: "pat.tester@example.com", teamId: 1201, notes: "created by savpkg for Pat" });
    expect(ctx.calls.filter((c) => c.operation.startsWith("create")).map((c) => [c.operation, c.method, c.path, c.status, c.result])).toEqual([
      ["create call1", "POST", "/inContactAPI/services/v34.0/agents", 401, "retried"],
      ["create call1", "POST", "/inContactAPI/services/v34.0/agents", 200, "pass"],
      ["create call2", "PUT", "/inContactAPI/services/v34.0/agents/5026", 200, "pass"],
    ]);
  });

  test("a per-item failure (206) fails the task with the API's error text; the next call does not run", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim, { accessToken: "" }));
    const doc = {
      accountIdPath: "call1.message.agentResults[0].agentId",
      call: [
        { name: "call1", connection: "acctAuth", url: `${sim.apiBaseUrl()}/agents`, httpMethod: "POST", httpParams: '{"agents":[{"firstName":"${user.firstname}","lastName":"${user.lastname}","emailAddress":"${user.email}","userName":"${user.email}","middleName":"${user.middlename}"}]}', httpHeaders: HEADERS, httpContentType: "application/json", successResponses: { statusCode: [200, 201] } },
        { name: "call2", connection: "acctAuth", url: `${sim.apiBaseUrl()}/agents`, httpMethod: "GET", httpHeaders: HEADERS, successResponses: { statusCode: [200] } },
      ],
    };
    const run = await runProvision(ctx, { attribute: "CreateAccountJSON", document: doc, operation: "create", bindings: { user } });
    expect(run.ok).toBe(false);
    expect(run.reason).toBe(
      "create call1: 206 agentResults[0].error: Invalid teamId - '', is required; Invalid profileId - '', is required; Invalid timeZone - '', is required; Invalid country - '', is required; Invalid city - '', is required — status 206 is not in statusCode [200, 201]",
    );
    const create = ctx.calls.find((c) => c.operation === "create call1")!;
    expect(create.notes).toEqual(['${user.middlename} is null and was sent as the text "null"']);
    expect(ctx.calls.some((c) => c.operation === "create call2")).toBe(false);
    expect(sim.dump().agents).toHaveLength(25);
  });

  test("successResponses and unsuccessResponses on body paths", async () => {
    const sim = await start();
    const { ctx } = executor([sim.baseUrl], auth(sim, { accessToken: "" }));
    const call = (agentId: string, rules: Record<string, unknown>) => ({
      call: [{ name: "Teams", connection: "acctAuth", url: `${sim.apiBaseUrl()}/teams/\${entitlementValue.entitlementID}/agents`, httpMethod: "POST", httpParams: `{"agents":[{"agentId":"${agentId}"}]}`, httpHeaders: HEADERS, httpContentType: "application/json", ...rules }],
    });
    const ent = { entitlementID: "1202" };
    const ok = await runProvision(ctx, { attribute: "AddAccessJSON", document: call("${account.accountID}", { successResponses: { errorCount: [0] } }), operation: "addAccess", entitlementType: "Teams", bindings: { account: { accountID: "5001" }, entitlementValue: ent } });
    expect(ok.ok).toBe(true);
    const bad = await runProvision(ctx, { attribute: "AddAccessJSON", document: call("999", { successResponses: { statusCode: [200, 206] }, unsuccessResponses: { errorCount: [1] } }), operation: "addAccess", entitlementType: "Teams", bindings: { account: { accountID: "5001" }, entitlementValue: ent } });
    expect(bad.reason).toBe(`addAccess Teams: 206 agentResults[0].error: Invalid agentId - '999', does not exist — the response matches unsuccessResponses {"errorCount":[1]}`);
    const wrongValue = await runProvision(ctx, { attribute: "AddAccessJSON", document: call("5002", { successResponses: { errorCount: ["1"] } }), operation: "addAccess", entitlementType: "Teams", bindings: { entitlementValue: ent } });
    expect(wrongValue.reason).toBe('addAccess Teams: 200 — response errorCount is 0, expected "1"');
  });

  test("access tasks run only the calls named after the entitlement type; DELETEWITHBODY sends its body with DELETE", async () => {
    const sim = await start();
    const { ctx, wire } = executor([sim.baseUrl], auth(sim, { accessToken: "" }));
    const base = sim.apiBaseUrl();
    const mk = (method: string) => ({
      call: [
        { name: "Teams", connection: "acctAuth", url: `${base}/teams/\${entitlementValue.entitlementID}/agents?transferTeamId=1299`, httpMethod: method, httpParams: '{"agents":[{"agentId":"${account.accountID}"}]}', httpHeaders: HEADERS, httpContentType: "application/json", successResponses: { statusCode: [200] } },
        { name: "Groups", connection: "acctAuth", url: `${base}/groups/\${entitlementValue.entitlementID}/agents`, httpMethod: method, httpParams: '{"agents":[{"agentId":${account.accountID}}]}', httpHeaders: HEADERS, httpContentType: "application/json", successResponses: { statusCode: [200] } },
      ],
    });
    const bindings = { account: { accountID: "5003" }, entitlementValue: { entitlementID: "4002" } };
    expect(await runProvision(ctx, { attribute: "AddAccessJSON", document: mk("POST"), operation: "addAccess", entitlementType: "Groups", bindings })).toMatchObject({ ok: true });
    expect(sim.dump().groupMemberships).toContainEqual({ groupId: 4002, agentId: 5003 });
    expect(await runProvision(ctx, { attribute: "RemoveAccessJSON", document: mk("DELETEWITHBODY"), operation: "removeAccess", entitlementType: "Groups", bindings })).toMatchObject({ ok: true });
    expect(sim.dump().groupMemberships).not.toContainEqual({ groupId: 4002, agentId: 5003 });
    const sent = wire.filter((r) => r.url.includes("/groups/"));
    expect(sent.map((r) => [r.method, r.body])).toEqual([
      ["POST", '{"agents":[{"agentId":5003}]}'],
      ["DELETE", '{"agents":[{"agentId":5003}]}'],
    ]);
    expect(ctx.calls.filter((c) => c.operation.includes("Teams"))).toEqual([]);
    const none = await runProvision(ctx, { attribute: "AddAccessJSON", document: mk("POST"), operation: "addAccess", entitlementType: "Skills", bindings });
    expect(none.reason).toBe('AddAccessJSON has no call named "Skills" (Saviynt runs the calls named after the entitlement type; it has Teams, Groups)');
  });

  test("GETWITHBODY sends the body with GET; a plain GET does not", async () => {
    const seen: Array<[string, string]> = [];
    const base = await fixtureServer((req, body, res) => {
      seen.push([req.method!, body]);
      sendJson(res, 200, { ok: true });
    });
    const { ctx } = executor([base], { authentications: { acctAuth: { authType: "oauth2", accessToken: "Bearer static" } } });
    const doc = (method: string) => ({ call: [{ name: "call1", connection: "acctAuth", url: `${base}/search`, httpMethod: method, httpParams: '{"q":"${account.name}"}', httpHeaders: HEADERS, successResponses: { ok: [true] } }] });
    expect(await runProvision(ctx, { attribute: "UpdateAccountJSON", document: doc("GETWITHBODY"), operation: "update", bindings: { account: { name: "x" } } })).toMatchObject({ ok: true });
    expect(await runProvision(ctx, { attribute: "UpdateAccountJSON", document: doc("GET"), operation: "update", bindings: { account: { name: "x" } } })).toMatchObject({ ok: true });
    expect(seen).toEqual([
      ["GET", '{"q":"x"}'],
      ["GET", ""],
    ]);
    expect(ctx.calls.at(-1)!.notes).toEqual(["httpParams is not sent with GET"]);
  });

  test("an unsupported expression or a missing binding stops the call before anything is sent", async () => {
    const sim = await start();
    const { ctx, wire } = executor([sim.baseUrl], auth(sim));
    const doc = (params: string) => ({ call: [{ name: "call1", connection: "acctAuth", url: `${sim.apiBaseUrl()}/agents/\${account.accountID}`, httpMethod: "PUT", httpParams: params, httpHeaders: HEADERS, successResponses: { statusCode: [200] } }] });
    const unsupported = await runProvision(ctx, { attribute: "UpdateAccountJSON", document: doc('{"agent":{"hireDate":"${new Date().format(\'yyyy-MM-dd\')}"}}'), operation: "update", bindings: { account: { accountID: "5001" } } });
    expect(unsupported.reason).toBe("update call1: unsupported expression ${new Date().format('yyyy-MM-dd')} in httpParams: the keyword \"new\"");
    expect(ctx.unsupported).toEqual([{ kind: "unsupported", expression: "${new Date().format('yyyy-MM-dd')}", message: 'the keyword "new"', where: "UpdateAccountJSON.call[0].httpParams" }]);
    const missing = await runProvision(ctx, { attribute: "UpdateAccountJSON", document: doc('{"agent":{"notes":"${requestAccessAttributes.reason}"}}'), operation: "update", bindings: { account: { accountID: "5001" } } });
    expect(missing.reason).toMatch(/^update call1: expression failed \$\{requestAccessAttributes\.reason\} in httpParams: no binding "requestAccessAttributes"/);
    expect(wire.filter((r) => r.method === "PUT")).toEqual([]);
  });

  test("a URL outside the allowed hosts is refused, never sent", async () => {
    const sim = await start();
    const { ctx, wire } = executor([sim.baseUrl], auth(sim));
    const run = await runProvision(ctx, { attribute: "DisableAccountJSON", document: { call: [{ name: "call1", connection: "acctAuth", url: "https://api-na1.niceincontact.com/inContactAPI/services/v34.0/agents/${account.accountID}", httpMethod: "PUT", httpParams: "{}", httpHeaders: HEADERS }] }, operation: "disable", bindings: { account: { accountID: "5001" } } });
    expect(run.reason).toBe("disable call1: refusing to call https://api-na1.niceincontact.com");
    expect(wire).toEqual([]);
  });
});

describe("throttling", () => {
  test("429 with Retry-After within the cap is waited for and retried", async () => {
    const sim = await start({ knobs: { faults: [{ method: "GET", path: "/agents", status: 429, retryAfter: 2, count: 1 }] } });
    const { ctx, sleeps } = executor([sim.baseUrl], auth(sim, { accessToken: "" }));
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.ok).toBe(true);
    expect(sleeps).toEqual([2000]);
    expect(ctx.calls[1]).toMatchObject({ status: 429, result: "retried", reason: "429 Too Many Requests: waited Retry-After 2 s and repeated the call" });
  });

  test("429 with a Retry-After over the cap, or none, is reported", async () => {
    const sim = await start({ knobs: { faults: [{ method: "GET", path: "/agents", status: 429, retryAfter: 120, count: 1 }, { method: "GET", path: "/teams", status: 429, count: 1 }] } });
    const { ctx, sleeps } = executor([sim.baseUrl], auth(sim, { accessToken: "" }), { retryAfterCapSeconds: 3 });
    const run = await runImport(ctx, agentsImport(sim));
    expect(run.sections.accounts.failures).toEqual(["import accounts call1: 429 Too Many Requests: Retry-After 120 s exceeds the 3 s cap; not retried"]);
    const teams = await runProvision(ctx, { attribute: "X", document: { call: [{ name: "call1", connection: "acctAuth", url: `${sim.apiBaseUrl()}/teams`, httpMethod: "GET", httpHeaders: HEADERS }] }, operation: "x", bindings: {} });
    expect(teams.reason).toBe("x call1: 429 Too Many Requests without a Retry-After header: not retried");
    expect(sleeps).toEqual([]);
  });
});
