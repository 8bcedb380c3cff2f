/**
 * The fake EIC against the checklist of saviynt-eic-api §10, with Node's own fetch: if the fake
 * drifts from the contract, the client tests in eic-deploy.test.ts would prove nothing.
 */
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { looksLikeCiphertext } from "../src/package/read.js";
import { startFakeEic, type FakeEic } from "../src/eic-fake/index.js";

let fake: FakeEic;
beforeEach(async () => {
  fake = await startFakeEic({ users: [{ username: "admin", password: "pw-1", firstName: "Ada", lastName: "Admin" }] });
});
afterEach(() => fake.stop());

const post = (path: string, init: RequestInit = {}) => fetch(fake.url + path, { method: "POST", ...init });
const form = (fields: Record<string, string>) => {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
};

async function token(): Promise<string> {
  const r = await post("/ECM/api/login", { headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: "pw-1" }) });
  return ((await r.json()) as { access_token: string }).access_token;
}

async function v5(endpoint: string, fields: Record<string, string> | string, extra: Record<string, string> = {}): Promise<{ status: number; body: Record<string, any> }> {
  const body = typeof fields === "string" ? fields : form(fields);
  const headers: Record<string, string> = { authorization: `Bearer ${await token()}`, ...extra };
  if (typeof fields === "string") headers["content-type"] = "application/json";
  const r = await post(`/ECM/api/v5/${endpoint}`, { headers, body });
  expect(r.headers.get("content-type")).toMatch(/^application\/json/);
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : {} };
}

describe("auth", () => {
  test("login by JSON or Basic; the token shape; refused logins get a bare 401; a base URL with a path gets 404", async () => {
    const json = await post("/ECM/api/login", { headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: "pw-1" }) });
    const body = (await json.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "refresh_token", "roles", "token_type", "username"]);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 1800, username: "admin", roles: ["ROLE_ADMIN"] });
    const basic = await post("/ECM/api/login", { headers: { authorization: `Basic ${Buffer.from("admin:pw-1").toString("base64")}` } });
    expect(basic.status).toBe(200);
    const bad = await post("/ECM/api/login", { headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: "nope" }) });
    expect([bad.status, await bad.text()]).toEqual([401, ""]);
    expect((await post("/saviynt/ECM/api/login", { headers: { "content-type": "application/json" }, body: "{}" })).status).toBe(404);
  });

  test("v5 calls need a valid bearer token; refresh is form-encoded and answers the refresh token per knob", async () => {
    const noToken = await post("/ECM/api/v5/getConnections", { headers: { "content-type": "application/json" }, body: "{}" });
    expect(noToken.status).toBe(401);
    const login = (await (await post("/ECM/api/login", { headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: "pw-1" }) })).json()) as Record<string, string>;
    fake.expireAllTokens();
    const expired = await post("/ECM/api/v5/getConnections", { headers: { authorization: `Bearer ${login.access_token}`, "content-type": "application/json" }, body: "{}" });
    expect(expired.status).toBe(401);
    const asJson = await post("/ECM/oauth/access_token", { headers: { "content-type": "application/json" }, body: JSON.stringify({ grant_type: "refresh_token", refresh_token: login.refresh_token }) });
    expect(asJson.status).toBe(401);
    for (const [mode, expected] of [["same", login.refresh_token], ["empty", ""]] as const) {
      fake.setKnobs({ refreshTokenMode: mode });
      const r = await post("/ECM/oauth/access_token", { body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: login.refresh_token! }) });
      expect(((await r.json()) as Record<string, string>).refresh_token).toBe(expected);
    }
  });
});

describe("connections", () => {
  const create = (name: string, extra: Record<string, string> = {}) => v5("testConnection", { connectiontype: "REST", connectionName: name, ...extra });

  test("testConnection: creates, merges updates, clears on \"\", keeps name/type/key, answers the documented shapes", async () => {
    const created = await create("A", { ImportAccountEntJSON: '{ "b": 1, "a": 2 }', CreateAccountJSON: '{"call":[]}' });
    expect(created).toEqual({ status: 200, body: { errorCode: "0", msg: "Connection Successful", connectionKey: 1000 } });
    const updated = await create("A", { CreateAccountJSON: "" });
    expect(updated.body).toMatchObject({ errorCode: "0", connectionKey: 1000 });
    const standard = await v5("testConnection", { connectiontype: "REST", connectionName: "A" }, { response: "standard" });
    expect(standard.body).toMatchObject({ connectionName: "A", connectionType: "REST", connectionStatus: "SUCCESS", connectionResult: { errors: [] } });
    const details = await v5("getConnectionDetails", { connectionname: "A" });
    expect(details.body).toMatchObject({ errorcode: 0, msg: "success", connectionkey: 1000, connectionname: "A", connectiontype: "REST", status: 1 });
    expect(details.body.createdby).toBe("admin(Ada Admin)");
    expect(details.body.createdon).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const attributes = details.body.connectionattributes as Record<string, unknown>;
    expect(attributes.ImportAccountEntJSON).toBe('{"a":2,"b":1}');
    expect(attributes.CreateAccountJSON).toBe("");
    expect(attributes.UpdateEntitlementJSON).toBe("");
    expect(attributes).toMatchObject({ connectionTimeoutConfig: { connectionTimeout: 10, readTimeout: 1800 }, isTimeoutSupported: true, isTimeoutConfigValidated: true });
    expect(Object.keys(attributes)).toHaveLength(24 + 4 + 4); // REST attributes, 25.B additions, server-added keys
  });

  test("testConnection refuses missing name or type, attributes that are not JSON text, and non-string values", async () => {
    expect((await v5("testConnection", { connectiontype: "REST" })).body).toMatchObject({ errorCode: "1" });
    expect((await v5("testConnection", { connectionName: "X" })).body).toMatchObject({ errorCode: "1" });
    expect((await create("X", { CreateAccountJSON: "map[call:[]]" })).body).toMatchObject({ errorCode: "1", msg: "CreateAccountJSON is not valid JSON" });
    expect((await create("X", { CONNECTIONJSON: "{}" })).body).toMatchObject({ errorCode: "1" });
    const objectTyped = await v5("testConnection", JSON.stringify({ connectiontype: "REST", connectionName: "X", ConnectionJSON: { a: 1 } }));
    expect(objectTyped.body).toMatchObject({ errorCode: "1", msg: "field ConnectionJSON is not a string" });
    fake.setKnobs({ acceptJson: false });
    expect((await v5("testConnection", JSON.stringify({ connectiontype: "REST", connectionName: "X" }))).body).toMatchObject({ errorCode: "1" });
    expect(fake.connections()).toEqual([]);
  });

  test("ConnectionJSON never comes back in clear; ChangePassJSON is masked from 25.B; the key wins over the name", async () => {
    await create("A", { ConnectionJSON: '{"authentications":{"x":{"password":"pw"}}}', ChangePassJSON: '{"call":[]}' });
    await create("B");
    const read = async (fields: Record<string, string>) => (await v5("getConnectionDetails", fields)).body;
    const a = await read({ connectionname: "B", connectionkey: "1000" });
    expect(a.connectionname).toBe("A");
    expect(looksLikeCiphertext(a.connectionattributes.ConnectionJSON)).toBe(true);
    expect(looksLikeCiphertext(a.connectionattributes.ChangePassJSON)).toBe(true);
    fake.setKnobs({ version: "25.A" });
    expect((await read({ connectionname: "A" })).connectionattributes.ChangePassJSON).toBe('{"call":[]}');
    expect(await v5("getConnectionDetails", { connectionname: "nope" })).toEqual({ status: 412, body: { errorcode: 1, msg: "Connection does not exist" } });
  });

  test("getConnections: JSON {} is valid, UPPER-CASE items, max/offset slicing with totalCount of all matches", async () => {
    for (const name of ["A", "B", "C"]) await create(name);
    const all = await v5("getConnections", "{}");
    expect(all.body).toMatchObject({ msg: "Successful", errorCode: "0", displayCount: 3, totalCount: 3 });
    expect(Object.keys(all.body.ConnectionList[0]).sort()).toEqual(["CONNECTIONDESCRIPTION", "CONNECTIONNAME", "CONNECTIONTYPE", "CREATEDBY", "CREATEDON", "STATUS", "UPDATEDBY", "UPDATEDON"]);
    const page = await v5("getConnections", { max: "1", offset: "1" });
    expect([page.body.displayCount, page.body.totalCount, page.body.ConnectionList[0].CONNECTIONNAME]).toEqual([1, 3, "B"]);
    fake.setKnobs({ offsetBase: 1 });
    expect((await v5("getConnections", { max: "1", offset: "1" })).body.ConnectionList[0].CONNECTIONNAME).toBe("A");
    expect((await v5("getConnections", { max: "x" })).body.errorCode).toBe("1");
  });
});

describe("transport", () => {
  /** transportPackageStatus is a GET with a JSON body, which fetch refuses to send: node:http does. */
  async function getWithBody(path: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
    const { request } = await import("node:http");
    const bearer = await token();
    const text = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${bearer}`, "content-type": "application/json", "content-length": String(Buffer.byteLength(text)) };
      const req = request(fake.url + path, { method: "GET", headers }, (res) => {
        let answer = "";
        res.on("data", (c: Buffer) => (answer += c.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode!, body: answer ? JSON.parse(answer) : {} }));
      });
      req.on("error", reject);
      req.end(text);
    });
  }

  test("export snapshots the named connections, import applies them when its job completes, status reports both", async () => {
    await v5("testConnection", { connectiontype: "REST", connectionName: "A", CreateAccountJSON: '{"call":[1]}' });
    const refused = await v5("exportTransportPackage", JSON.stringify({ exportonline: "false", objectstoexport: { connection: ["A"] } }));
    expect(refused).toMatchObject({ status: 412, body: { errorcode: 1, msg: "Invalid request Payload" } });
    expect((await v5("exportTransportPackage", JSON.stringify({ exportonline: "false", exportpath: "/x", objectstoexport: {} }))).status).toBe(412);

    const exported = await v5("exportTransportPackage", JSON.stringify({ exportonline: "false", exportpath: "/saviynt_shared/export", objectstoexport: { connection: ["A"] } }));
    expect(exported.body).toMatchObject({ errorcode: 0, msg: "success" });
    const fileName = exported.body.fileName as string;
    expect(fileName).toMatch(/^transport_admin_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\(UTC\)\.zip$/);
    expect((await post("/ECM/api/v5/transportPackageStatus", { headers: { authorization: `Bearer ${await token()}`, "content-type": "application/json" }, body: "{}" })).status).toBe(405);
    expect((await getWithBody("/ECM/api/v5/transportPackageStatus", { operation: "export", filename: fileName })).body).toEqual({
      errorCode: 0,
      msg: "Success",
      msgDescription: "The environment package was successfully exported.",
    });

    // Edited after the export: the import brings back the exported state.
    fake.editConnection("A", { CreateAccountJSON: '{"call":[2]}' });
    expect((await v5("importTransportPackage", JSON.stringify({ packagetoimport: "/elsewhere/" + fileName }))).status).toBe(412);
    const imported = await v5("importTransportPackage", JSON.stringify({ packagetoimport: `/saviynt_shared/export/${fileName}` }));
    expect(imported.body).toMatchObject({ errorcode: 0, msg: "success" });
    expect(typeof imported.body.requestId).toBe("string");
    expect((await getWithBody("/ECM/api/v5/transportPackageStatus", { operation: "import", filename: fileName })).body).toEqual({
      errorCode: 1,
      msg: "Invalid request Payload",
      msgDescription: "Requestid cannot be blank",
    });
    fake.setKnobs({ transportOutcome: "in-progress" });
    const pending = await getWithBody("/ECM/api/v5/transportPackageStatus", { operation: "import", filename: fileName, requestid: imported.body.requestId });
    expect(pending.body.msg).toBe("In Progress");
    expect(fake.storedAttribute("A", "CreateAccountJSON")).toBe('{"call":[2]}');
    fake.setKnobs({ transportOutcome: "success" });
    const done = await getWithBody("/ECM/api/v5/transportPackageStatus", { operation: "import", filename: fileName, requestid: imported.body.requestId });
    expect(done.body.msgDescription).toBe("The environment package was successfully imported.");
    expect(fake.storedAttribute("A", "CreateAccountJSON")).toBe('{"call":[1]}');
  });
});
