/**
 * A fake Saviynt EIC: one node:http server on 127.0.0.1 (random port) implementing the connection
 * part of the API as saviynt-eic-api §10 describes it — login (JSON or Basic) and refresh, bearer
 * tokens that expire, 401 without one, getConnections / getConnectionDetails / testConnection with
 * their own field spellings and types, 412 for an unknown connection, multipart with string values,
 * attributes that must be JSON text, update as merge, re-serialised JSON and an opaque
 * ConnectionJSON on read, transport export/import/status jobs (transport.ts) — plus switchable faults. It is a Saviynt, not a savpkg: it knows nothing
 * of savpkg's compiler or package format. The caller starts and stops it.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { checkFakeKnobs, defaultFakeKnobs, type FakeEicKnobs, type FakeFault } from "./knobs.js";
import { attributesOf, BASE_FIELDS, ConnectionStore, mustParseAsJson, pseudoCiphertext, type StoredConnection } from "./store.js";
import { TransportJobs } from "./transport.js";

export interface FakeEicUser {
  username: string;
  password: string;
  firstName?: string;
  lastName?: string;
}

export interface FakeEicOptions {
  /** Accepted API users; default one `admin` with a random password (see `credentials`). */
  users?: FakeEicUser[];
  knobs?: Partial<FakeEicKnobs>;
  /** Clock for token expiry and the created/updated stamps; default the wall clock. */
  now?: () => Date;
  /** Request bodies larger than this get 413 (default 10 MiB). */
  maxBodyBytes?: number;
}

/** One request as the fake saw it. `fields` are the parsed body values (the fake is the server: it sees secrets). */
export interface FakeEicRequest {
  method: string;
  path: string;
  /** `login`, `access_token`, a v5 endpoint name, or "" for anything else. */
  endpoint: string;
  status: number;
  contentType: string;
  fields?: Record<string, string>;
}

export interface FakeEic {
  /** `http://127.0.0.1:<port>`: the EIC URL to give the client. */
  url: string;
  credentials: { username: string; password: string };
  knobs: FakeEicKnobs;
  /** Applies a knob patch; throws on unknown knobs or values (a test bug). */
  setKnobs(patch: Partial<FakeEicKnobs>): void;
  addFault(fault: FakeFault): void;
  /** Every access token expires now; refresh tokens too when asked (forces a new login). */
  expireAllTokens(includeRefresh?: boolean): void;
  readonly requests: readonly FakeEicRequest[];
  clearRequests(): void;
  connections(): readonly StoredConnection[];
  /** A stored attribute's text as the fake keeps it (ConnectionJSON in clear: the fake is the server). */
  storedAttribute(connectionName: string, attribute: string): string | undefined;
  /** An edit made outside savpkg (the EIC UI): saved like any update. */
  editConnection(connectionName: string, attributes: Record<string, string>, by?: string): void;
  stop(): Promise<void>;
}

interface Grant {
  username: string;
  expiresAt: number;
}

interface Exchange {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  contentType: string;
  raw: Buffer;
  /** Set once the body parsed, for the request log. */
  fields?: Record<string, string>;
}

interface Answer {
  status: number;
  body?: unknown;
  /** Close the socket without an answer. */
  drop?: boolean;
}

const V5 = /^\/ECM\/api\/v5\/([A-Za-z]+)$/;
const TRANSPORT = new Set(["exportTransportPackage", "importTransportPackage", "transportPackageStatus"]);
const ok = (body: unknown): Answer => ({ status: 200, body });

export async function startFakeEic(options: FakeEicOptions = {}): Promise<FakeEic> {
  const knobs = defaultFakeKnobs();
  const setKnobs = (patch: Partial<FakeEicKnobs>) => {
    const problems = checkFakeKnobs(patch);
    if (problems.length > 0) throw new Error(`fake EIC knobs: ${problems.join("; ")}`);
    Object.assign(knobs, structuredClone(patch));
  };
  if (options.knobs) setKnobs(options.knobs);
  const users = options.users?.length ? options.users.map((u) => ({ ...u })) : [{ username: "admin", password: randomBytes(12).toString("base64url") }];
  const now = options.now ?? (() => new Date());
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const serverKey = randomBytes(16).toString("hex");
  const store = new ConnectionStore();
  const transport = new TransportJobs(store, knobs);
  const access = new Map<string, Grant>();
  const refresh = new Map<string, Grant>();
  const requests: FakeEicRequest[] = [];
  const faultsFired = new WeakMap<FakeFault, number>();
  let authorisedCalls = 0;

  const stamp = () => now().toISOString().replace(/\.\d{3}Z$/, "Z");
  const userLabel = (username: string) => {
    const u = users.find((x) => x.username === username);
    return `${username}(${u?.firstName ?? username} ${u?.lastName ?? "ADMIN"})`;
  };

  function issue(username: string, previousRefresh?: string) {
    const token = `eic_at_${randomBytes(24).toString("base64url")}`;
    access.set(token, { username, expiresAt: now().getTime() + knobs.expiresIn * 1000 });
    let refreshToken = previousRefresh ?? "";
    if (previousRefresh === undefined || knobs.refreshTokenMode === "rotate") {
      if (previousRefresh !== undefined) refresh.delete(previousRefresh);
      refreshToken = `eic_rt_${randomBytes(24).toString("base64url")}`;
      refresh.set(refreshToken, { username, expiresAt: Number.POSITIVE_INFINITY });
    }
    const roles = ["ROLE_ADMIN"];
    const answered = previousRefresh !== undefined && knobs.refreshTokenMode === "empty" ? "" : refreshToken;
    return ok({ access_token: token, token_type: "Bearer", expires_in: knobs.expiresIn, refresh_token: answered, username, roles });
  }

  const refused = (): Answer => ({ status: knobs.authFailureStatus });

  async function login(x: Exchange): Promise<Answer> {
    let username: string | undefined;
    let password: string | undefined;
    const basic = /^Basic\s+(\S+)$/i.exec(header(x, "authorization"));
    if (basic && knobs.acceptBasicLogin && x.raw.length === 0) {
      const text = Buffer.from(basic[1]!, "base64").toString("utf8");
      const colon = text.indexOf(":");
      if (colon > 0) [username, password] = [text.slice(0, colon), text.slice(colon + 1)];
    } else if (x.contentType === "application/json") {
      const body = parseJson(x.raw);
      if (body && typeof body.username === "string" && typeof body.password === "string") [username, password] = [body.username, body.password];
    }
    const user = users.find((u) => u.username === username && u.password === password);
    return user ? issue(user.username) : refused();
  }

  async function refreshToken(x: Exchange): Promise<Answer> {
    if (x.contentType !== "application/x-www-form-urlencoded") return refused();
    const form = new URLSearchParams(x.raw.toString("utf8"));
    const token = form.get("refresh_token") ?? "";
    const grant = refresh.get(token);
    if (form.get("grant_type") !== "refresh_token" || !grant || now().getTime() >= grant.expiresAt) return refused();
    return issue(grant.username, token);
  }

  /** The body of a v5 call as flat string fields: multipart (or JSON when allowed); a problem text otherwise. */
  async function fieldsOf(x: Exchange): Promise<Record<string, string> | string> {
    if (x.contentType === "multipart/form-data") {
      let form: FormData;
      try {
        form = await new Response(x.raw, { headers: { "content-type": header(x, "content-type") } }).formData();
      } catch {
        return "the multipart body does not parse";
      }
      const out: Record<string, string> = {};
      for (const [k, v] of form.entries()) {
        if (typeof v !== "string") return `field ${k} is a file, expected a string`;
        out[k] = v;
      }
      return out;
    }
    if (x.contentType === "application/json" && knobs.acceptJson) {
      const body = x.raw.length === 0 ? {} : parseJson(x.raw);
      if (!body) return "the JSON body does not parse or is not an object";
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) {
        if (typeof v !== "string") return `field ${k} is not a string`;
        out[k] = v;
      }
      return out;
    }
    return `unsupported content type ${x.contentType || "(none)"}`;
  }

  function attributesFor(c: StoredConnection): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const later = knobs.version === "25.B" || knobs.version === "25.C";
    for (const name of attributesOf(knobs.version)) {
      const text = c.attributes.get(name) ?? "";
      const key = knobs.attributeKeyCase === "upper" ? name.toUpperCase() : name;
      if (name === "ConnectionJSON") {
        if (knobs.connectionJsonOnRead === "omitted") continue;
        out[key] = text === "" || knobs.connectionJsonOnRead === "empty" ? "" : knobs.connectionJsonOnRead === "plaintext" ? text : pseudoCiphertext(text, serverKey);
      } else if (name === "ChangePassJSON" && later && text !== "") {
        out[key] = pseudoCiphertext(text, serverKey);
      } else out[key] = text;
    }
    out.connectionType = knobs.connectionTypeAttribute;
    out.connectionTimeoutConfig = timeoutConfig(c.attributes.get("ConfigJSON"));
    out.isTimeoutSupported = true;
    out.isTimeoutConfigValidated = true;
    return out;
  }

  function details(fields: Record<string, string>): Answer {
    const key = fields.connectionkey;
    if (key === undefined && fields.connectionname === undefined) return ok({ errorcode: 1, msg: "connectionname or connectionkey is required" });
    if (key !== undefined && !/^\d+$/.test(key)) return ok({ errorcode: 1, msg: "connectionkey must be a number" });
    const c = store.find(key !== undefined ? { key: Number(key) } : { name: fields.connectionname! });
    if (!c) return { status: knobs.notFound.status, body: knobs.notFound.body };
    return ok({
      connectionkey: c.key,
      connectionname: c.name,
      connectiontype: c.type,
      description: c.description,
      defaultsavroles: "",
      emailtemplate: "",
      createdby: userLabel(c.createdBy),
      createdon: c.createdOn,
      updatedby: userLabel(c.updatedBy),
      status: 1,
      connectionattributes: attributesFor(c),
      msg: "success",
      errorcode: 0,
    });
  }

  function list(fields: Record<string, string>): Answer {
    for (const k of ["max", "offset"]) if (fields[k] !== undefined && !/^\d+$/.test(fields[k]!)) return ok({ errorCode: "1", msg: `${k} must be a number` });
    const matches = store.list().filter((c) => (fields.connectionname === undefined || c.name === fields.connectionname) && (fields.connectiontype === undefined || c.type === fields.connectiontype));
    const max = fields.max !== undefined ? Number(fields.max) : knobs.defaultMax;
    const offset = Math.max(0, (fields.offset !== undefined ? Number(fields.offset) : knobs.offsetBase) - knobs.offsetBase);
    const page = matches.slice(offset, offset + max);
    return ok({
      msg: "Successful",
      errorCode: "0",
      displayCount: page.length,
      totalCount: matches.length,
      ConnectionList: page.map((c) => ({
        CONNECTIONNAME: c.name,
        CONNECTIONTYPE: c.type,
        CONNECTIONDESCRIPTION: c.description,
        STATUS: 1,
        CREATEDBY: userLabel(c.createdBy),
        CREATEDON: c.createdOn,
        UPDATEDBY: userLabel(c.updatedBy),
        UPDATEDON: c.updatedOn,
      })),
    });
  }

  function save(fields: Record<string, string>, who: string, standard: boolean): Answer {
    const refuse = (msg: string) => ok({ errorCode: "1", msg });
    const keyText = fields.connectionkey;
    if (keyText !== undefined && !/^\d+$/.test(keyText)) return refuse("connectionkey must be a number");
    const byKey = keyText !== undefined ? store.find({ key: Number(keyText) }) : undefined;
    if (keyText !== undefined && !byKey) return refuse(`no connection with key ${keyText}`);
    const name = byKey?.name ?? fields.connectionName;
    const type = byKey?.type ?? fields.connectiontype;
    if (!name) return refuse("connectionName is required");
    if (!type) return refuse("connectiontype is required");
    const known = new Map(attributesOf(knobs.version).map((a) => [a, a]));
    const attributes = new Map<string, string>();
    for (const [field, value] of Object.entries(fields)) {
      if (BASE_FIELDS.has(field.toLowerCase())) continue;
      const attribute = known.get(field);
      if (!attribute) {
        if (knobs.unknownFields === "reject") return refuse(`unknown field ${field} for a ${type} connection on ${knobs.version}`);
        continue;
      }
      if (value !== "" && mustParseAsJson(attribute)) {
        try {
          JSON.parse(value);
        } catch {
          return refuse(`${attribute} is not valid JSON`);
        }
      }
      attributes.set(attribute, value);
    }
    const existing = byKey ?? store.find({ name });
    const saved = store.save(existing, { name, type: existing?.type ?? type, ...(fields.description !== undefined ? { description: fields.description } : {}), attributes }, who, stamp(), knobs);
    const failed = knobs.targetTest === "failed";
    const body: Record<string, unknown> = { errorCode: "0", msg: failed ? "Connection Failed" : "Connection Successful", connectionKey: saved.key };
    if (standard) {
      Object.assign(body, {
        connectionName: saved.name,
        connectionType: saved.type,
        connectionStatus: failed ? "FAILURE" : "SUCCESS",
        connectionResult: { errors: failed ? [{ errorMessage: "The target system did not answer the test call" }] : [] },
      });
    }
    return ok(body);
  }

  async function v5(x: Exchange, endpoint: string): Promise<Answer> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(header(x, "authorization"));
    const grant = bearer ? access.get(bearer[1]!) : undefined;
    if (!grant || now().getTime() >= grant.expiresAt) return { status: 401 };
    authorisedCalls++;
    if (knobs.expireTokensAfterCalls !== null && authorisedCalls >= knobs.expireTokensAfterCalls) {
      knobs.expireTokensAfterCalls = null;
      for (const g of access.values()) g.expiresAt = Number.NEGATIVE_INFINITY;
    }
    if (TRANSPORT.has(endpoint)) {
      // JSON bodies with nested values (objectstoexport), not flat string fields (§6).
      const body = x.contentType === "application/json" ? parseJson(x.raw) : undefined;
      if (!body) return { status: 412, body: { errorcode: 1, msg: "Invalid request Payload", msgDescription: "expected a JSON object body" } };
      x.fields = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
      if (endpoint === "exportTransportPackage") return transport.export(body, grant.username, stamp());
      if (endpoint === "importTransportPackage") return transport.import(body);
      return transport.status(body, grant.username, stamp());
    }
    const fields = await fieldsOf(x);
    if (typeof fields === "string") return endpoint === "getConnectionDetails" ? ok({ errorcode: 1, msg: fields }) : ok({ errorCode: "1", msg: fields });
    x.fields = fields;
    switch (endpoint) {
      case "getConnectionDetails":
        return details(fields);
      case "getConnections":
        return list(fields);
      case "testConnection":
        return save(fields, grant.username, header(x, "response").toLowerCase() === "standard");
      default:
        return { status: 404 };
    }
  }

  function endpointOf(path: string): string {
    if (path === "/ECM/api/login") return "login";
    if (path === "/ECM/oauth/access_token") return "access_token";
    return V5.exec(path)?.[1] ?? "";
  }

  async function answer(x: Exchange, endpoint: string): Promise<Answer> {
    for (const fault of knobs.faults) {
      if (fault.endpoint !== "*" && fault.endpoint !== endpoint) continue;
      const fired = faultsFired.get(fault) ?? 0;
      if (fired >= (fault.times ?? 1)) continue;
      faultsFired.set(fault, fired + 1);
      if (fault.delayMs) await delay(fault.delayMs);
      if (fault.drop) return { status: 0, drop: true };
      if (fault.status !== undefined) return { status: fault.status, body: {} };
    }
    // transportPackageStatus is a GET with a JSON body; everything else is a POST (§1).
    if (x.method !== (endpoint === "transportPackageStatus" ? "GET" : "POST")) return { status: 405 };
    if (endpoint === "login") return login(x);
    if (endpoint === "access_token") return refreshToken(x);
    if (endpoint !== "") return v5(x, endpoint);
    return { status: 404 };
  }

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= maxBody) chunks.push(chunk);
    }
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const endpoint = endpointOf(path);
    const x: Exchange = {
      method: (req.method ?? "GET").toUpperCase(),
      path,
      headers: req.headers,
      contentType: (header({ headers: req.headers }, "content-type").split(";")[0] ?? "").trim().toLowerCase(),
      raw: Buffer.concat(chunks),
    };
    const result: Answer = size > maxBody ? { status: 413 } : await answer(x, endpoint);
    if (knobs.latencyMs > 0) await delay(knobs.latencyMs);
    requests.push({ method: x.method, path, endpoint, status: result.status, contentType: x.contentType, ...(x.fields ? { fields: x.fields } : {}) });
    if (result.drop) {
      res.destroy();
      return;
    }
    // Every answer is application/json, an empty body included (§10 General).
    const payload = result.body === undefined ? "" : JSON.stringify(result.body);
    res.writeHead(result.status, { "content-type": "application/json;charset=UTF-8", "content-length": String(Buffer.byteLength(payload)) });
    res.end(payload);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    credentials: { username: users[0]!.username, password: users[0]!.password },
    knobs,
    setKnobs,
    addFault: (fault) => void knobs.faults.push({ ...fault }),
    expireAllTokens(includeRefresh = false) {
      for (const g of access.values()) g.expiresAt = Number.NEGATIVE_INFINITY;
      if (includeRefresh) for (const g of refresh.values()) g.expiresAt = Number.NEGATIVE_INFINITY;
    },
    requests,
    clearRequests: () => void (requests.length = 0),
    connections: () => store.list(),
    storedAttribute: (connectionName, attribute) => store.find({ name: connectionName })?.attributes.get(attribute),
    editConnection(connectionName, attributes, by = users[0]!.username) {
      const c = store.find({ name: connectionName });
      if (!c) throw new Error(`fake EIC: no connection ${connectionName}`);
      store.save(c, { name: c.name, type: c.type, attributes: new Map(Object.entries(attributes)) }, by, stamp(), knobs);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function header(x: { headers: IncomingMessage["headers"] }, name: string): string {
  const v = x.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

function parseJson(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(raw.toString("utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** connectionTimeoutConfig: the defaults of §4.3, overridden by ConfigJSON's own block when it has one. */
function timeoutConfig(configJson: string | undefined): Record<string, number> {
  const config: Record<string, number> = { connectionTimeout: 10, readTimeout: 1800, retryCount: 3, retryWait: 2, retryWaitMaxValue: 100, tokenRefreshMaxTryCount: 3 };
  const own = configJson ? parseJson(Buffer.from(configJson))?.connectionTimeoutConfig : undefined;
  if (own !== null && typeof own === "object") for (const [k, v] of Object.entries(own)) if (k in config && Number.isInteger(v)) config[k] = v as number;
  return config;
}
