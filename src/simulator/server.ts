/**
 * The CXone simulator: one node:http server on 127.0.0.1 (random port by default) implementing
 * docs/cxone-contract.md#simulator with the shapes of test/fixtures/cxone/openapi-subset.yaml. The caller starts and
 * stops it. Routing order per request: control plane (`/__sim/`), fault rules, auth/discovery
 * routes, then the Admin API under a case-insensitive `/inContactAPI/services/v{N}.{M}/`
 * (v2.0-v35.0) behind a bearer-token check.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { diag, hasErrors, type Diagnostic } from "../core/diagnostics.js";
import { authScheme, isSecretFormField, isSecretKey } from "../core/redaction.js";
import { injectedClock, manualClock, realClock, type SimClock } from "./clock.js";
import { demoSeed } from "./demo-seed.js";
import { apiError, headerValue, type RequestContext, type Route, type SimResponse, type SimRuntime } from "./http.js";
import { applyKnobs, checkKnobs, defaultKnobs } from "./knobs.js";
import { AGENT_ROUTES } from "./routes-agents.js";
import { AUTH_ROUTES } from "./routes-auth.js";
import { handleControl, type ControlPlane } from "./routes-control.js";
import { GROUP_ROUTES } from "./routes-groups.js";
import { TEAM_ROUTES } from "./routes-teams.js";
import { parseSeed } from "./seed.js";
import { SimState } from "./state.js";
import { TokenStore } from "./tokens.js";
import type { FaultRule, SimAccessKey, SimClient, SimKnobs, SimLogEntry, SimSeed } from "./types.js";

export interface SimulatorOptions {
  /** Initial state (checked with `parseSeed`); default: `demoSeed()`. Use `loadSeed(file)` for files. */
  seed?: SimSeed | unknown;
  /** Injected clock. Without it the simulator uses a manual clock (see `startTime`, `sim.clock`). */
  now?: () => Date;
  /** "real" = wall-clock time (only when no `now` is injected). Default "manual". */
  clock?: "manual" | "real";
  /** Start of the manual clock (ISO-8601); default 2026-01-15T12:00:00.000Z. */
  startTime?: string;
  /** OAuth clients accepted by `/auth/token`; default: one generated client. */
  clients?: SimClient[];
  /** Access keys accepted as username/password; default: one generated key. */
  accessKeys?: SimAccessKey[];
  /** Legacy `App@Vendor:BU` strings accepted by `/InContactAuthorizationServer/Token`; default none. */
  legacyApplications?: string[];
  knobs?: Partial<SimKnobs>;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (random free port). */
  port?: number;
  /** When set, `/__sim/` calls must send it in `x-sim-control-token`. */
  controlToken?: string;
  /** Request bodies larger than this get 413 (default 10 MiB). */
  maxBodyBytes?: number;
}

export interface Simulator {
  /** `http://127.0.0.1:<port>`: the token issuer, discovery host and API host at once. */
  baseUrl: string;
  tokenUrl: string;
  /** `<baseUrl>/inContactAPI/services/<version>`, default v34.0. */
  apiBaseUrl(version?: string): string;
  /** The first accepted client and access key (generated unless given). */
  credentials: SimClient & SimAccessKey;
  state: SimState;
  /** Live request log (control-plane calls excluded). */
  readonly log: readonly SimLogEntry[];
  /** Live knobs: assignments take effect on the next request. */
  knobs: SimKnobs;
  clock: SimClock;
  setKnobs(patch: Partial<SimKnobs>): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  /** "Expire all tokens now" (access tokens; refresh tokens too when asked). */
  expireAllTokens(includeRefresh?: boolean): void;
  /** Shorthand for the "fail next token call" knob. */
  failNextTokenCalls(count?: number, status?: SimKnobs["tokenFailureStatus"]): void;
  clearLog(): void;
  /** The state as a seed document (deterministic order). */
  dump(): SimSeed;
  /** `dump()` as pretty JSON with a trailing newline. */
  dumpJson(): string;
  /** Replaces the state with a seed (checked first; nothing changes when it has errors). Tokens, knobs and log are kept. */
  reset(seed: SimSeed | unknown): Diagnostic[];
  stop(): Promise<void>;
}

/**
 * What `startSimulator` returns: a running simulator, or the diagnostics of an invalid seed
 * (SIM_SEED_INVALID, with paths) or knobs (SIM_KNOBS_INVALID) and no server. Seed warnings come
 * with a running simulator.
 */
export type SimulatorStart = { simulator: Simulator; diagnostics: Diagnostic[] } | { simulator?: undefined; diagnostics: Diagnostic[] };

const API_PREFIX = /^\/incontactapi\/services\/v(\d{1,3})\.(\d{1,3})(\/.*)?$/i;
const API_ROUTES: Route[] = [...AGENT_ROUTES, ...TEAM_ROUTES, ...GROUP_ROUTES];
const REDACTED = "[REDACTED]";

/** Starts a simulator; an invalid seed or knobs is reported as diagnostics, never thrown. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorStart> {
  const checked = parseSeed(options.seed ?? demoSeed());
  if (!checked.seed || hasErrors(checked.diagnostics)) return { diagnostics: checked.diagnostics };
  const knobProblems = options.knobs === undefined ? [] : checkKnobs(options.knobs);
  if (knobProblems.length > 0) return { diagnostics: [diag("SIM_KNOBS_INVALID", `knobs: ${knobProblems.join("; ")}`)] };

  const clock = options.now ? injectedClock(options.now) : options.clock === "real" ? realClock() : manualClock(options.startTime);
  const knobs = defaultKnobs();
  if (options.knobs) applyKnobs(knobs, options.knobs);
  const clients = options.clients?.length ? options.clients.map((c) => ({ ...c })) : [{ clientId: `sim-client-${hex(6)}`, clientSecret: hex(24) }];
  const accessKeys = options.accessKeys?.length ? options.accessKeys.map((k) => ({ ...k })) : [{ accessKeyId: `SIMKEY${hex(8).toUpperCase()}`, accessKeySecret: hex(24) }];
  const log: SimLogEntry[] = [];
  const faultCounters = new WeakMap<FaultRule, { seen: number; fired: number }>();
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;

  const rt: SimRuntime = {
    state: new SimState(checked.seed),
    knobs,
    clock,
    tokens: new TokenStore(),
    baseUrl: "",
    clients,
    accessKeys,
    legacyApplications: [...(options.legacyApplications ?? [])],
  };

  const plane: ControlPlane = {
    knobs,
    clock,
    log,
    setKnobs: (patch) => applyKnobs(knobs, patch),
    addFault: (rule) => knobs.faults.push({ ...rule }),
    clearFaults: () => {
      knobs.faults = [];
    },
    expireAllTokens: (includeRefresh) => rt.tokens.expireAll(includeRefresh),
    clearLog: () => {
      log.length = 0;
    },
    dump: () => rt.state.dump(),
    reset: (seed) => {
      rt.state = new SimState(seed);
      sim.state = rt.state;
    },
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      // Only reachable on a socket error after the response started; nothing left to answer.
      if (!res.headersSent) write(res, apiError(500, "Internal simulator error", String((e as Error).message)));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req, maxBody);
    if (raw === undefined) {
      write(res, apiError(413, "Request body too large"));
      return;
    }
    const url = new URL(req.url ?? "/", rt.baseUrl);
    const method = (req.method ?? "GET").toUpperCase();
    if (/^\/__sim(\/|$)/.test(url.pathname)) {
      if (options.controlToken !== undefined && req.headers["x-sim-control-token"] !== options.controlToken) {
        write(res, { status: 403, body: { error: "control token required" } });
        return;
      }
      write(res, handleControl(plane, method, url.pathname, raw));
      return;
    }
    const ctx: RequestContext = {
      rt,
      method,
      path: url.pathname,
      url,
      headers: req.headers,
      rawBody: raw,
      notes: [],
      now: () => clock.now().toISOString(),
    };
    const time = ctx.now();
    let response: SimResponse;
    try {
      response = await dispatch(ctx);
    } catch (e) {
      ctx.notes.push(`simulator error: ${(e as Error).message}`);
      response = apiError(500, "Internal simulator error", (e as Error).message);
    }
    log.push(logEntry(log.length + 1, time, ctx, response));
    write(res, response);
  }

  async function dispatch(ctx: RequestContext): Promise<SimResponse> {
    const api = API_PREFIX.exec(ctx.path);
    const rest = api ? (api[3] ?? "/").replace(/(.)\/+$/, "$1") : undefined;

    const fault = await applyFaults(ctx, rest);
    if (fault) return fault;

    if (!api) {
      const matched = matchRoute(AUTH_ROUTES, ctx.method, ctx.path);
      if (matched) return matched.route.handler(ctx, matched.params);
      return apiError(404, "Not Found", `No simulator route for ${ctx.method} ${ctx.path}`);
    }
    const version = Number(api[1]) + Number(`0.${api[2]}`);
    if (version < 2 || version > 35) return apiError(404, "Not Found", `Unsupported API version v${api[1]}.${api[2]} (the simulator serves v2.0 to v35.0)`);

    // Every API route needs a bearer token (docs/cxone-contract.md#simulator-auth).
    const auth = headerValue(ctx, "authorization") ?? "";
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(auth);
    if (!bearer || !rt.tokens.isValid(bearer[1]!, clock.now().getTime())) {
      return { ...apiError(401, "invalid_token", "Invalid or expired token"), headers: { icStatusDescription: "Invalid or expired token", "WWW-Authenticate": 'Bearer error="invalid_token"' } };
    }
    const matched = matchRoute(API_ROUTES, ctx.method, rest!);
    if (matched) return matched.route.handler(ctx, matched.params);
    const allowed = API_ROUTES.filter((r) => r.pattern.test(rest!)).map((r) => r.method);
    if (allowed.length > 0) return apiError(405, "Method Not Allowed", `${ctx.method} is not supported on ${rest}`, { Allow: [...new Set(allowed)].join(", ") });
    return apiError(404, "Not Found", `No simulator route for ${ctx.method} ${rest}`);
  }

  /** Fault rules in order: latency adds up, the first firing rule with a status answers. */
  async function applyFaults(ctx: RequestContext, rest: string | undefined): Promise<SimResponse | undefined> {
    for (const rule of knobs.faults) {
      if (rule.method !== undefined && rule.method !== "*" && rule.method.toUpperCase() !== ctx.method) continue;
      const re = globToRegExp(rule.path);
      if (!re.test(ctx.path) && !(rest !== undefined && re.test(rest))) continue;
      let counter = faultCounters.get(rule);
      if (!counter) faultCounters.set(rule, (counter = { seen: 0, fired: 0 }));
      counter.seen++;
      if (counter.seen <= (rule.after ?? 0)) continue;
      if (rule.count !== undefined && counter.fired >= rule.count) continue;
      counter.fired++;
      if (rule.latencyMs) {
        ctx.notes.push(`fault: +${rule.latencyMs} ms latency (${rule.path})`);
        await delay(rule.latencyMs);
      }
      if (rule.status !== undefined) {
        ctx.notes.push(`fault: ${rule.status} (${rule.method ?? "*"} ${rule.path})`);
        return faultResponse(ctx, rule);
      }
    }
    return undefined;
  }

  function faultResponse(ctx: RequestContext, rule: FaultRule): SimResponse {
    const retry: Record<string, string> = rule.retryAfter !== undefined ? { "Retry-After": String(rule.retryAfter) } : {};
    switch (rule.status) {
      case 401: {
        // An expired token stays expired: retrying with the same token keeps failing until refreshed.
        const bearer = /^bearer\s+(\S+)/i.exec(headerValue(ctx, "authorization") ?? "");
        if (bearer) rt.tokens.revoke(bearer[1]!);
        return apiError(401, "invalid_token", "Invalid or expired token");
      }
      case 403:
        return apiError(403, "Forbidden", "Security permissions prevent access to data");
      case 429:
        return apiError(429, "Too Many Requests", "Rate limit exceeded", retry);
      case 503:
        return apiError(503, "Service Unavailable", "The service is temporarily unavailable", retry);
      default:
        return apiError(500, "Internal Server Error", "An unexpected error occurred", retry);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  rt.baseUrl = `http://${host}:${address.port}`;

  const sim: Simulator = {
    baseUrl: rt.baseUrl,
    tokenUrl: `${rt.baseUrl}/auth/token`,
    apiBaseUrl: (version = "v34.0") => `${rt.baseUrl}/inContactAPI/services/${version}`,
    credentials: { ...clients[0]!, ...accessKeys[0]! },
    state: rt.state,
    log,
    knobs,
    clock,
    setKnobs: plane.setKnobs,
    addFault: plane.addFault,
    clearFaults: plane.clearFaults,
    expireAllTokens: plane.expireAllTokens,
    failNextTokenCalls: (count = 1, status) => {
      knobs.failNextTokenCalls = count;
      if (status !== undefined) knobs.tokenFailureStatus = status;
    },
    clearLog: plane.clearLog,
    dump: plane.dump,
    dumpJson: () => `${JSON.stringify(rt.state.dump(), null, 2)}\n`,
    reset: (seed) => {
      const r = parseSeed(seed);
      if (r.seed) plane.reset(r.seed);
      return r.diagnostics;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        // fetch keeps connections alive; close them so stop() does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
  return { simulator: sim, diagnostics: checked.diagnostics };
}

function matchRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map(decodeSegment) };
  }
  return undefined;
}

function decodeSegment(s: string | undefined): string {
  if (s === undefined) return "";
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `*` = within one segment, `**` = across segments; case-insensitive, anchored. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else re += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}/?$`, "i");
}

/** Reads the whole body; undefined when it exceeds `max` bytes. */
function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function write(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let payload: string | undefined;
  if (response.body !== undefined && response.status !== 204) {
    payload = JSON.stringify(response.body);
    headers["Content-Type"] = "application/json; charset=utf-8";
  }
  headers["Content-Length"] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

function logEntry(seq: number, time: string, ctx: RequestContext, response: SimResponse): SimLogEntry {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of ctx.url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const headers: Record<string, string> = {};
  for (const name of Object.keys(ctx.headers).sort()) {
    const raw = ctx.headers[name];
    const value = Array.isArray(raw) ? raw.join(", ") : (raw ?? "");
    if (name === "authorization" || name === "proxy-authorization") {
      const scheme = authScheme(value);
      headers[name] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
    } else if (isSecretKey(name) && value !== "") headers[name] = REDACTED;
    else headers[name] = value;
  }
  return {
    seq,
    time,
    method: ctx.method,
    path: ctx.path,
    query,
    headers,
    body: redact(parseLoggedBody(ctx)),
    status: response.status,
    response: response.body === undefined ? null : redact(response.body),
    notes: [...ctx.notes],
  };
}

function parseLoggedBody(ctx: RequestContext): unknown {
  if (ctx.rawBody === "") return null;
  if (/^application\/x-www-form-urlencoded\b/i.test(headerValue(ctx, "content-type") ?? "")) return Object.fromEntries(new URLSearchParams(ctx.rawBody));
  try {
    return JSON.parse(ctx.rawBody) as unknown;
  } catch {
    return ctx.rawBody.length > 10_000 ? `${ctx.rawBody.slice(0, 10_000)}…` : ctx.rawBody;
  }
}

/** Deep copy with secret-bearing keys replaced (secrets never reach logs; the policy is src/saviynt/redaction.ts). */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value === "object" && value !== null) {
    // fromEntries defines own properties: a "__proto__" key stays a logged field.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretFormField(k) && v !== null && v !== "" ? REDACTED : redact(v)]));
  }
  return value;
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}
