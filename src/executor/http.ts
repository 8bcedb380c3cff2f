/**
 * HTTP for the executor: a transport that can send a body with any method (Saviynt's
 * DELETEWITHBODY / GETWITHBODY, docs/saviynt-rest-format.md#methods), the token call described by a
 * ConnectionJSON auth block (docs/saviynt-rest-format.md#connection-json: httpParams as form fields or JSON, tokenResponsePath, tokenType,
 * rotating refresh tokens through `${refresh_token}`), and one `send` that retries a call after
 * refreshing the token (retryFailureStatusCode / authError / expiryError, maxRefreshTryCount) and
 * after a 429/503 whose Retry-After fits a small cap. Every request is recorded as a CallRecord;
 * request bodies, tokens and secrets never are.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { setTimeout as delay } from "node:timers/promises";
import { findSpans, renderTemplate, resolvePath, type Json, type Scope, type TemplateProblem } from "./expression.js";
import { isObject } from "../core/json.js";
import { BODY_METHODS, SAVIYNT_HTTP_METHODS } from "../saviynt/http-methods.js";
import { replaceExpressions } from "../saviynt/expression/index.js";

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  text: string;
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

/** Largest response body read (the simulator's pages are far smaller). */
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** node:http(s) transport; unlike fetch it sends a body with GET as well. */
export function nodeTransport(timeoutMs = 30_000): Transport {
  return (req) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const send = url.protocol === "https:" ? httpsRequest : url.protocol === "http:" ? httpRequest : undefined;
      if (!send) {
        reject(new Error(`unsupported URL scheme ${url.protocol}`));
        return;
      }
      const headers: Record<string, string> = { ...req.headers };
      if (req.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(req.body));
      const r = send(url, { method: req.method, headers, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) res.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
          else chunks.push(c);
        });
        res.on("error", reject);
        res.on("end", () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(", ") : v;
          resolve({ status: res.statusCode ?? 0, headers: out, text: Buffer.concat(chunks).toString("utf8") });
        });
      });
      r.on("timeout", () => r.destroy(new Error(`no response within ${timeoutMs} ms`)));
      r.on("error", reject);
      r.end(req.body);
    });
}

/** One request as the report shows it. */
export interface CallRecord {
  /** What Saviynt was doing: `token acctAuth`, `import accounts call1`, `create call1`, `addAccess Teams`. */
  operation: string;
  /** The Saviynt method (`DELETEWITHBODY` stays as written; it is sent as DELETE with a body). */
  method: string;
  /** Path and query of the request as sent (no scheme or host), or the URL text when nothing was sent. */
  path: string;
  /** HTTP status, or null when the call was not sent. */
  status: number | null;
  /** `retried`: this attempt failed and the call was repeated (after a token refresh or a Retry-After wait). */
  result: "pass" | "fail" | "retried";
  reason?: string;
  /** Things worth knowing that did not decide the result (null bindings sent as "null", tolerated shapes). */
  notes?: string[];
}

/** A `${…}` outside the supported subset, with where it is. */
export interface UnsupportedUse extends TemplateProblem {
  /** `CreateAccountJSON.call[0].httpParams`, `ConnectionJSON.acctAuth.httpParams`. */
  where: string;
}

export type UrlPolicy = (url: string) => { ok: true; url: string; note?: string } | { ok: false; reason: string };

export interface ExecutorEnv {
  transport: Transport;
  /** Where a URL from a document really goes (relative → base, known hosts → simulator); refuses the rest. */
  resolveUrl: UrlPolicy;
  sleep?: (ms: number) => Promise<void>;
  /** Longest Retry-After honoured (seconds); longer waits are reported instead (default 5). */
  retryAfterCapSeconds?: number;
  /** Retries of one call after 429/503 (default 3). */
  maxRateLimitRetries?: number;
}

/** Shared state of one run: the env, recorded calls, unsupported uses, token sessions. */
export class ExecutorContext {
  readonly calls: CallRecord[] = [];
  readonly unsupported: UnsupportedUse[] = [];
  readonly sessions: Sessions;
  readonly sleep: (ms: number) => Promise<void>;
  readonly retryAfterCapSeconds: number;
  readonly maxRateLimitRetries: number;
  private readonly urlNotes = new Set<string>();

  constructor(
    readonly env: ExecutorEnv,
    connectionJson: unknown,
  ) {
    this.sessions = new Sessions(connectionJson, this);
    this.sleep = env.sleep ?? ((ms) => delay(ms).then(() => undefined));
    this.retryAfterCapSeconds = env.retryAfterCapSeconds ?? 5;
    this.maxRateLimitRetries = env.maxRateLimitRetries ?? 3;
  }

  record(call: CallRecord): CallRecord {
    this.calls.push(call);
    return call;
  }

  noteUnsupported(problem: TemplateProblem, where: string): void {
    if (problem.kind !== "unsupported") return;
    if (!this.unsupported.some((u) => u.where === where && u.expression === problem.expression)) this.unsupported.push({ ...problem, where });
  }

  /** URL notes (relative URL resolved…) are reported once per distinct note. */
  urlNote(note: string | undefined): string | undefined {
    if (note === undefined || this.urlNotes.has(note)) return undefined;
    this.urlNotes.add(note);
    return note;
  }
}

/** What a call template looks like before `${…}` is resolved. */
export interface CallTemplate {
  /** Auth block name (`connection`). */
  connection: string;
  url: string;
  /** Saviynt method, possibly a `${…}` expression. */
  method: string;
  headers: Record<string, string>;
  contentType?: string;
  /** httpParams text; sent only by methods that carry a body. */
  body?: string;
  /** Where the template is, for unsupported-expression reports. */
  where: string;
}

export type Sent =
  | { ok: true; response: HttpResponse; method: string; path: string; notes: string[] }
  | { ok: false; record: CallRecord };


/**
 * Renders and sends one call, refreshing the token and retrying as ConnectionJSON says. Returns the
 * final response for the caller to judge (and record), or a failure that is already recorded.
 */
export async function send(ctx: ExecutorContext, operation: string, call: CallTemplate, scope: Scope): Promise<Sent> {
  let refreshes = 0;
  let rateRetries = 0;
  const fail = (method: string, path: string, status: number | null, reason: string, notes: string[] = []): Sent => ({
    ok: false,
    record: ctx.record({ operation, method, path, status, result: "fail", reason, ...(notes.length ? { notes } : {}) }),
  });
  for (;;) {
    const session = ctx.sessions.get(call.connection);
    if (!session.ok) return fail(call.method, call.url, null, session.reason);
    const token = await session.value.currentToken(operation);
    if (!token.ok) return fail(call.method, call.url, null, token.reason);
    const full: Scope = { ...scope, access_token: token.value };

    const notes: string[] = [];
    let problem: string | undefined;
    const render = (text: string, field: string): string | undefined => {
      const r = renderTemplate(text, full);
      if (!r.ok) {
        ctx.noteUnsupported(r.problem, `${call.where}.${field}`);
        problem = `${r.problem.kind === "unsupported" ? "unsupported expression" : "expression failed"} ${r.problem.expression} in ${field}: ${r.problem.message}`;
        return undefined;
      }
      for (const n of r.notes) if (!notes.includes(n)) notes.push(n);
      return r.text;
    };
    const method = render(call.method, "httpMethod")?.trim().toUpperCase();
    const urlText = problem ? undefined : render(call.url, "url")?.trim();
    const headers: Record<string, string> = {};
    if (!problem) {
      for (const [name, value] of Object.entries(call.headers)) {
        const v = render(String(value), `httpHeaders.${name}`);
        if (v === undefined) break;
        headers[name] = v;
      }
    }
    const carriesBody = method !== undefined && BODY_METHODS.has(method);
    const body = !problem && carriesBody && call.body !== undefined && call.body !== "" ? render(call.body, "httpParams") : undefined;
    if (problem || method === undefined || urlText === undefined) return fail(method ?? call.method, urlText ?? call.url, null, problem ?? "the call could not be rendered", notes);
    const writtenMethod = call.method.includes("${") ? method : call.method.trim();
    if (writtenMethod !== method) notes.push(`httpMethod "${writtenMethod}" is not upper-case (sent as ${method})`);
    if (!SAVIYNT_HTTP_METHODS.has(method)) return fail(method, urlText, null, `httpMethod "${method}" is not one Saviynt knows (${[...SAVIYNT_HTTP_METHODS].join(", ")})`, notes);
    if (!carriesBody && call.body !== undefined && call.body.trim() !== "" && call.body.trim() !== "{}") notes.push(`httpParams is not sent with ${method}`);

    const target = ctx.env.resolveUrl(urlText);
    if (!target.ok) return fail(method, urlText, null, target.reason, notes);
    const urlNote = ctx.urlNote(target.note);
    if (urlNote) notes.push(urlNote);
    const url = new URL(target.url);
    const path = url.pathname + url.search;
    if (body !== undefined) {
      headers["Content-Type"] ??= call.contentType ?? "application/json";
      if (/json/i.test(headers["Content-Type"]!) && !isJson(body)) notes.push("the body is not valid JSON after substitution (sent as is)");
    }
    const wire = method === "DELETEWITHBODY" ? "DELETE" : method === "GETWITHBODY" ? "GET" : method;
    let response: HttpResponse;
    try {
      response = await ctx.env.transport({ method: wire, url: target.url, headers, ...(body !== undefined ? { body } : {}) });
    } catch (e) {
      return fail(method, path, null, `request failed: ${(e as Error).message}`, notes);
    }

    const auth = session.value.authFailure(response);
    if (auth) {
      if (refreshes >= session.value.maxRefreshTryCount) {
        return fail(method, path, response.status, `${describeResponse(response)} (${auth}); still refused after ${refreshes} token refresh(es) (maxRefreshTryCount ${session.value.maxRefreshTryCount})`, notes);
      }
      refreshes++;
      ctx.record({ operation, method, path, status: response.status, result: "retried", reason: `${auth}: refreshing the token and repeating the call`, ...(notes.length ? { notes } : {}) });
      const refreshed = await session.value.refresh(operation);
      if (!refreshed.ok) return fail(method, path, null, `token refresh failed: ${refreshed.reason}`);
      continue;
    }
    if (response.status === 429 || response.status === 503) {
      const wait = retryAfterSeconds(response.headers["retry-after"]);
      const label = `${response.status}${response.status === 429 ? " Too Many Requests" : " Service Unavailable"}`;
      if (wait === undefined) return fail(method, path, response.status, `${label} without a Retry-After header: not retried`, notes);
      if (wait > ctx.retryAfterCapSeconds) return fail(method, path, response.status, `${label}: Retry-After ${wait} s exceeds the ${ctx.retryAfterCapSeconds} s cap; not retried`, notes);
      if (rateRetries >= ctx.maxRateLimitRetries) return fail(method, path, response.status, `${label}: still throttled after ${rateRetries} retries`, notes);
      rateRetries++;
      ctx.record({ operation, method, path, status: response.status, result: "retried", reason: `${label}: waited Retry-After ${wait} s and repeated the call` });
      await ctx.sleep(wait * 1000);
      continue;
    }
    return { ok: true, response, method, path, notes };
  }
}

function retryAfterSeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The parsed JSON body: undefined for an empty body, `{invalid}` when it is not JSON. */
export function parseBody(response: HttpResponse): { value: Json | undefined } | { invalid: string } {
  if (response.text.trim() === "") return { value: undefined };
  try {
    return { value: JSON.parse(response.text) as Json };
  } catch (e) {
    return { invalid: (e as Error).message };
  }
}

/** `400 Invalid transferTeamId - '', is required`: the status and the error texts a body or icStatusDescription carries. */
export function describeResponse(response: HttpResponse): string {
  const texts: string[] = [];
  const parsed = parseBody(response);
  if ("value" in parsed && parsed.value !== undefined) collectErrors(parsed.value, texts, "");
  const header = response.headers["icstatusdescription"];
  if (texts.length === 0 && header && header !== "Success") texts.push(header);
  return texts.length > 0 ? `${response.status} ${texts.join("; ")}` : String(response.status);
}

const ERROR_KEYS = /^(error_description|errordescription|error|message|errormessage|detail)$/i;

function collectErrors(value: Json, out: string[], path: string, depth = 0): void {
  if (out.length >= 3 || depth > 5 || value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectErrors(v, out, `${path}[${i}]`, depth + 1));
    return;
  }
  // error_description first: it is the readable half of {error, error_description}.
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b));
  let took = false;
  for (const k of keys) {
    const v = value[k];
    if (ERROR_KEYS.test(k) && typeof v === "string" && v.trim() !== "" && !took) {
      const where = path ? `${path}.${k}` : "";
      if (!out.some((t) => t.includes(v))) out.push(where && depth > 0 ? `${where}: ${v}` : v);
      took = true;
    }
  }
  for (const k of keys) if (typeof value[k] === "object") collectErrors(value[k]!, out, path ? `${path}.${k}` : k, depth + 1);
}

function rank(key: string): number {
  const k = key.toLowerCase();
  return k === "error_description" || k === "errordescription" ? 0 : k === "error" ? 1 : 2;
}

// ---------------------------------------------------------------------------------------------
// ConnectionJSON auth blocks (docs/saviynt-rest-format.md#connection-json).

type Result<T> = { ok: true; value: T } | { ok: false; reason: string };

export class Sessions {
  private readonly blocks: Record<string, Json>;
  private readonly sessions = new Map<string, Session>();
  /** Why ConnectionJSON itself is unusable, if it is. */
  readonly problem: string | undefined;

  constructor(
    connectionJson: unknown,
    private readonly ctx: ExecutorContext,
  ) {
    const auths = isObject(connectionJson) ? connectionJson.authentications : undefined;
    this.blocks = isObject(auths) ? (auths as Record<string, Json>) : {};
    this.problem = isObject(auths) && Object.keys(auths).length > 0 ? undefined : "ConnectionJSON has no authentications";
  }

  names(): string[] {
    return Object.keys(this.blocks);
  }

  get(name: string): Result<Session> {
    let s = this.sessions.get(name);
    if (s) return { ok: true, value: s };
    if (this.problem) return { ok: false, reason: this.problem };
    const block = Object.prototype.hasOwnProperty.call(this.blocks, name) ? this.blocks[name] : undefined;
    if (!isObject(block)) return { ok: false, reason: `connection "${name}" is not an auth block of ConnectionJSON (it has ${this.names().join(", ") || "none"})` };
    s = new Session(name, block as Record<string, Json>, this.ctx);
    this.sessions.set(name, s);
    return { ok: true, value: s };
  }

  /** The auth block's own keys, for `${connection.<key>}` bindings. */
  block(name: string): Record<string, Json> | undefined {
    const b = this.blocks[name];
    return isObject(b) ? (b as Record<string, Json>) : undefined;
  }
}

export class Session {
  private token: string | undefined;
  private refreshToken: string | undefined;
  readonly maxRefreshTryCount: number;
  private readonly retryCodes: number[];
  private readonly authErrors: string[];
  private readonly errorPath: string | undefined;

  constructor(
    readonly name: string,
    private readonly block: Record<string, Json>,
    private readonly ctx: ExecutorContext,
  ) {
    const access = block.accessToken;
    this.token = typeof access === "string" && access.trim() !== "" ? access : undefined;
    this.refreshToken = typeof block.refreshToken === "string" ? block.refreshToken : undefined;
    const max = block.maxRefreshTryCount;
    this.maxRefreshTryCount = typeof max === "number" && Number.isInteger(max) && max >= 0 ? Math.min(max, 10) : 1;
    this.retryCodes = Array.isArray(block.retryFailureStatusCode) ? block.retryFailureStatusCode.filter((c): c is number => typeof c === "number") : [];
    const errors = Array.isArray(block.authError) ? block.authError.filter((e): e is string => typeof e === "string" && e !== "") : [];
    if (typeof block.expiryError === "string" && block.expiryError !== "") errors.push(block.expiryError);
    this.authErrors = errors;
    this.errorPath = typeof block.errorPath === "string" && block.errorPath !== "" ? block.errorPath : undefined;
  }

  /** The value `${access_token}` expands to (prefix included); fetched first when no accessToken is configured. */
  async currentToken(operation: string): Promise<Result<string>> {
    if (this.token !== undefined) return { ok: true, value: this.token };
    const refreshed = await this.refresh(operation);
    return refreshed.ok ? { ok: true, value: this.token! } : refreshed;
  }

  /** Why a response means "token refused" (undefined when it does not). */
  authFailure(response: HttpResponse): string | undefined {
    if (this.retryCodes.includes(response.status)) return `${response.status} is in retryFailureStatusCode`;
    if (this.authErrors.length === 0) return undefined;
    let text: string | undefined;
    if (this.errorPath) {
      const parsed = parseBody(response);
      if ("value" in parsed && parsed.value !== undefined) {
        const at = resolvePath(parsed.value, this.errorPath);
        if (at.found && typeof at.value === "string") text = at.value;
      }
    } else if (response.status >= 400) text = response.text;
    const hit = text === undefined ? undefined : this.authErrors.find((e) => text!.includes(e));
    return hit ? `the response's ${this.errorPath ?? "body"} says "${hit}" (authError/expiryError)` : undefined;
  }

  /** The token call (docs/saviynt-rest-format.md#auth-block, #refresh-tokens); records itself as `token <name>`. */
  async refresh(operation: string): Promise<Result<void>> {
    const b = this.block;
    const op = `token ${this.name}`;
    const authType = typeof b.authType === "string" ? b.authType : "";
    const record = (method: string, path: string, status: number | null, result: "pass" | "fail", reason?: string) =>
      this.ctx.record({ operation: op, method, path, status, result, ...(reason ? { reason } : {}) });
    if (authType.toLowerCase() !== "oauth2") {
      const problem = { kind: "unsupported" as const, expression: `authType ${JSON.stringify(authType)}`, message: "only oauth2 token calls are executed" };
      this.ctx.noteUnsupported(problem, `ConnectionJSON.${this.name}.authType`);
      record("", "", null, "fail", `unsupported: authType "${authType}" (the executor runs oauth2 token calls only)`);
      return { ok: false, reason: `authType "${authType}" is not supported by the executor` };
    }
    if (isObject(b.refreshTokenCall)) {
      this.ctx.noteUnsupported({ kind: "unsupported", expression: "refreshTokenCall", message: "a separate refresh-token API is not executed" }, `ConnectionJSON.${this.name}.refreshTokenCall`);
      record("", "", null, "fail", "unsupported: refreshTokenCall (a separate refresh-token API)");
      return { ok: false, reason: "refreshTokenCall is not supported by the executor" };
    }
    if (typeof b.url !== "string" || b.url.trim() === "") {
      record("", "", null, "fail", "the auth block has no url: the token cannot be refreshed");
      return { ok: false, reason: `auth block ${this.name} has no url to refresh the token` };
    }
    const method = (typeof b.httpMethod === "string" && b.httpMethod !== "" ? b.httpMethod : "POST").toUpperCase();
    const target = this.ctx.env.resolveUrl(b.url.trim());
    if (!target.ok) {
      record(method, b.url, null, "fail", target.reason);
      return { ok: false, reason: target.reason };
    }
    const url = new URL(target.url);
    const path = url.pathname + url.search;

    // httpParams: a JSON string (usual) or an object (docs/saviynt-rest-format.md#auth-block); `${refresh_token}` is substituted raw.
    let paramsText: string;
    if (typeof b.httpParams === "string") paramsText = b.httpParams;
    else if (isObject(b.httpParams)) paramsText = JSON.stringify(b.httpParams);
    else paramsText = "{}";
    const spans = findSpans(paramsText).spans;
    for (const span of spans) {
      if (span.body.trim() !== "refresh_token") {
        const problem = { kind: "unsupported" as const, expression: paramsText.slice(span.start, span.end), message: "only ${refresh_token} is bound in a token call" };
        this.ctx.noteUnsupported(problem, `ConnectionJSON.${this.name}.httpParams`);
        record(method, path, null, "fail", `unsupported expression ${problem.expression} in httpParams: ${problem.message}`);
        return { ok: false, reason: `unsupported expression in ${this.name}.httpParams` };
      }
    }
    if (spans.length > 0 && this.refreshToken === undefined) {
      record(method, path, null, "fail", "httpParams uses ${refresh_token} but the auth block has no refreshToken");
      return { ok: false, reason: "no refresh token" };
    }
    const substituted = spans.length > 0 ? (replaceExpressions(paramsText, () => this.refreshToken!) ?? paramsText) : paramsText;
    let params: Record<string, Json>;
    try {
      const parsed = JSON.parse(substituted) as Json;
      if (!isObject(parsed)) throw new Error("not a JSON object");
      params = parsed as Record<string, Json>;
    } catch (e) {
      record(method, path, null, "fail", `httpParams is not a JSON object: ${(e as Error).message}`);
      return { ok: false, reason: "httpParams is not a JSON object" };
    }
    const contentType = typeof b.httpContentType === "string" && b.httpContentType !== "" ? b.httpContentType : "application/x-www-form-urlencoded";
    let body: string;
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) form.append(k, typeof v === "string" ? v : JSON.stringify(v));
      // The -pws variant (v23.5+) encodes spaces as %20 (docs/saviynt-rest-format.md#auth-block).
      body = /-pws$/i.test(contentType) ? form.toString().replace(/\+/g, "%20") : form.toString();
    } else if (/json/i.test(contentType)) body = JSON.stringify(params);
    else {
      record(method, path, null, "fail", `unsupported: httpContentType "${contentType}" for a token call`);
      return { ok: false, reason: `httpContentType ${contentType} is not supported for token calls` };
    }
    const headers: Record<string, string> = { "Content-Type": contentType.replace(/-pws$/i, "") };
    if (isObject(b.httpHeaders)) for (const [k, v] of Object.entries(b.httpHeaders)) if (typeof v === "string") headers[k] = v;

    let response: HttpResponse;
    try {
      response = await this.ctx.env.transport({ method, url: target.url, headers, body });
    } catch (e) {
      record(method, path, null, "fail", `request failed: ${(e as Error).message}`);
      return { ok: false, reason: (e as Error).message };
    }
    if (response.status < 200 || response.status > 299) {
      const reason = describeResponse(response);
      record(method, path, response.status, "fail", reason);
      return { ok: false, reason: `${op}: ${reason}` };
    }
    const responsePath = typeof b.tokenResponsePath === "string" && b.tokenResponsePath !== "" ? b.tokenResponsePath : "access_token";
    const token = this.readFromResponse(response, responsePath);
    if (typeof token !== "string" || token === "") {
      record(method, path, response.status, "fail", `tokenResponsePath "${responsePath}" found no token in the response`);
      return { ok: false, reason: `no token at ${responsePath}` };
    }
    const prefix = typeof b.tokenType === "string" ? b.tokenType.trim() : "";
    this.token = prefix ? `${prefix} ${token}` : token;
    let note: string | undefined;
    if (typeof b.refreshType === "string" && b.refreshType.toLowerCase() === "refreshtoken") {
      const rtPath = typeof b.refreshTokenResponsePath === "string" && b.refreshTokenResponsePath !== "" ? b.refreshTokenResponsePath : "refresh_token";
      const next = this.readFromResponse(response, rtPath);
      if (typeof next === "string" && next !== "") {
        this.refreshToken = next;
        note = "rotated the refresh token";
      } else note = `refreshTokenResponsePath "${rtPath}" found no refresh token; the old one is kept`;
    }
    this.ctx.record({ operation: op, method, path, status: response.status, result: "pass", reason: `token for ${operation}`, ...(note ? { notes: [note] } : {}) });
    return { ok: true, value: undefined };
  }

  private readFromResponse(response: HttpResponse, path: string): Json | undefined {
    const header = /^#HEADERS#(.+)$/i.exec(path);
    if (header) return response.headers[header[1]!.trim().toLowerCase()];
    const parsed = parseBody(response);
    if (!("value" in parsed) || parsed.value === undefined) return undefined;
    const at = resolvePath(parsed.value, path);
    return at.found ? at.value : undefined;
  }
}

/** A call's headers (string values only) and body text as Saviynt sends them (httpParams string, or an object serialised). */
export function requestParts(httpHeaders: unknown, httpParams: unknown): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = {};
  if (isObject(httpHeaders)) for (const [k, v] of Object.entries(httpHeaders)) if (typeof v === "string") headers[k] = v;
  const body = typeof httpParams === "string" ? httpParams : isObject(httpParams) ? JSON.stringify(httpParams) : undefined;
  return { headers, body };
}

/** Response headers for `headers.X` in pagination expressions: lower-case and Canonical-Case names. */
export function headerScope(headers: Record<string, string>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = v;
    out[k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())] = v;
  }
  return out;
}

/**
 * `successResponses` / `unsuccessResponses` (docs/saviynt-rest-format.md#success-responses): `{statusCode:[…]}`
 * and/or `{"<body path>": [expected values]}`. Without successResponses any 2xx passes (noted by
 * the caller). Returns undefined on success, else the reason.
 */
export function judgeSuccess(response: HttpResponse, body: Json | undefined, success: unknown, unsuccess: unknown): string | undefined {
  const check = (rules: Record<string, unknown>): { matched: boolean; why: string } => {
    const reasons: string[] = [];
    let matched = true;
    for (const [key, expected] of Object.entries(rules)) {
      const wanted = Array.isArray(expected) ? expected : [expected];
      if (key === "statusCode") {
        const ok = wanted.some((c) => Number(c) === response.status);
        if (!ok) {
          matched = false;
          reasons.push(`status ${response.status} is not in statusCode [${wanted.join(", ")}]`);
        }
        continue;
      }
      const at = body === undefined ? { found: false as const } : resolvePath(body, key);
      const actual = at.found ? at.value : undefined;
      const ok = actual !== undefined && wanted.some((w) => (typeof w === "string" && actual !== null && typeof actual !== "object" ? String(actual) === w : JSON.stringify(actual) === JSON.stringify(w)));
      if (!ok) {
        matched = false;
        reasons.push(`response ${key} is ${actual === undefined ? "missing" : JSON.stringify(actual)}, expected ${wanted.map((w) => JSON.stringify(w)).join(" or ")}`);
      }
    }
    return { matched, why: reasons.join("; ") };
  };
  if (isObject(unsuccess) && Object.keys(unsuccess).length > 0) {
    const u = check(unsuccess);
    if (u.matched) return `the response matches unsuccessResponses ${JSON.stringify(unsuccess)}`;
  }
  if (isObject(success) && Object.keys(success).length > 0) {
    const s = check(success);
    return s.matched ? undefined : s.why;
  }
  return response.status >= 200 && response.status <= 299 ? undefined : `status ${response.status} is not 2xx`;
}
