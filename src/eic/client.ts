/**
 * The Saviynt EIC API client (saviynt-eic-api §1–§5, §7): one login per client, its bearer token
 * reused for every call, refreshed through /ECM/oauth/access_token when a call answers 401 (at
 * most twice per call, as Saviynt's Terraform provider does), with a fresh login when the refresh
 * is refused. Bodies are built with Node's own fetch/FormData/URLSearchParams: multipart with
 * string values for the v5 calls, JSON for login, form-encoded for refresh.
 *
 * Failures are values (Outcome). Reads are retried with exponential backoff on 5xx, network errors
 * and timeouts; a write is retried only when it is known not to have reached the server
 * (connection refused, unknown host) or was refused for its token (401): a write whose outcome is
 * unknown is reported, never repeated. Credentials and tokens never appear in a message or a log line.
 */
import { setTimeout as delay } from "node:timers/promises";
import { diag, type Diagnostic } from "../core/diagnostics.js";
import { isObject } from "../core/json.js";
import { formatLimit, LIMITS, measureJson } from "../core/limits.js";
import {
  checkFields,
  LIST_FIELDS,
  LIST_ITEM_FIELDS,
  parseDetails,
  TOKEN_FIELDS,
  WRITE_FIELDS,
  type ConnectionListItem,
  type FieldType,
  type LiveConnection,
  type WriteOutcome,
} from "./contract.js";

export interface EicClientOptions {
  /** Checked origin (see checkEicUrl): `https://acme.saviyntcloud.com`. */
  origin: string;
  username: string;
  password: string;
  /** Per request, body included (default 30 s). */
  timeoutMs?: number;
  /** Extra attempts for reads after a 5xx, network error or timeout (default 2). */
  retries?: number;
  /** First backoff delay, doubled per retry (default 500 ms). */
  backoffMs?: number;
  /** One line per HTTP exchange (method, path, status, time), for --verbose. Never bodies or headers. */
  log?: (line: string) => void;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

type Mode = "read" | "write";

type Attempt =
  | { kind: "response"; status: number; body: unknown; notJson: boolean; attempts: number; problem?: string }
  | { kind: "error"; reason: string; sent: boolean; attempts: number };

interface Tokens {
  access: string;
  refresh: string;
}

/** Connection-level failures that happen before a request is on the wire. */
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** How a 200 getConnectionDetails says "no such connection" on servers that do not answer 412 (open question 1). */
const NOT_FOUND_MESSAGE = /not\s+(be\s+)?found|does\s*n[o']t\s+exist|no\s+such|invalid\s+connection/i;

const fail = <T>(...diagnostics: Diagnostic[]): Outcome<T> => ({ ok: false, diagnostics });

export class EicClient {
  /** What the run cost: logins, refreshes, and calls per v5 endpoint. */
  readonly stats = { logins: 0, refreshes: 0, calls: {} as Record<string, number> };
  private tokens: Tokens | undefined;
  private pending: Promise<Outcome<Tokens>> | undefined;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(private readonly options: EicClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retries = options.retries ?? 2;
    this.backoffMs = options.backoffMs ?? 500;
  }

  get origin(): string {
    return this.options.origin;
  }

  /** Logs in unless a token is already held (one login per client, shared by concurrent calls). */
  async session(): Promise<Outcome<Tokens>> {
    if (this.tokens) return { ok: true, value: this.tokens };
    this.pending ??= this.login().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** getConnectionDetails by name: the connection, or null when it does not exist (HTTP 412). */
  async getConnectionDetails(name: string): Promise<Outcome<LiveConnection | null>> {
    const endpoint = "getConnectionDetails";
    const sent = await this.call(endpoint, "read", { connectionname: name });
    if (!sent.ok) return sent;
    const { status, body } = sent.value;
    if (status === 412) return { ok: true, value: null };
    if (status !== 200) return fail(unexpectedStatus(endpoint, status));
    if (isObject(body) && Number.isInteger(body.errorcode) && body.errorcode !== 0) {
      const msg = typeof body.msg === "string" ? body.msg : "";
      if (NOT_FOUND_MESSAGE.test(msg)) return { ok: true, value: null };
      return fail(diag("EIC_API_ERROR", `${endpoint} ${JSON.stringify(name)}: errorcode ${String(body.errorcode)}${msg ? `: ${msg}` : ""}`));
    }
    const parsed = parseDetails(endpoint, body);
    return parsed.value ? { ok: true, value: parsed.value } : fail(parsed.problem!);
  }

  /** getConnections with optional filters (all sent as strings). */
  async getConnections(filter: { connectionname?: string; connectiontype?: string; max?: number; offset?: number } = {}): Promise<Outcome<{ items: ConnectionListItem[]; totalCount: number | null }>> {
    const endpoint = "getConnections";
    const fields = Object.fromEntries(Object.entries(filter).map(([k, v]) => [k, String(v)]));
    const answered = await this.succeeded<{ ConnectionList: unknown[]; totalCount?: unknown }>(endpoint, "read", fields, LIST_FIELDS, "");
    if (!answered.ok) return answered;
    const b = answered.value;
    const items: ConnectionListItem[] = [];
    for (const [i, item] of b.ConnectionList.entries()) {
      const bad = checkFields(endpoint, item, LIST_ITEM_FIELDS, `ConnectionList[${i}]`);
      if (bad) return fail(bad);
      const x = item as Record<string, unknown>;
      items.push({
        name: x.CONNECTIONNAME as string,
        type: x.CONNECTIONTYPE as string,
        description: typeof x.CONNECTIONDESCRIPTION === "string" ? x.CONNECTIONDESCRIPTION : "",
        status: typeof x.STATUS === "number" ? x.STATUS : null,
      });
    }
    return { ok: true, value: { items, totalCount: typeof b.totalCount === "number" ? b.totalCount : null } };
  }

  /**
   * testConnection: creates or updates (and tests) a connection. `fields` are sent as they are,
   * one multipart string field each (connectiontype, connectionName, attributes as JSON text).
   */
  async testConnection(fields: Readonly<Record<string, string>>): Promise<Outcome<WriteOutcome>> {
    const endpoint = "testConnection";
    const answered = await this.succeeded<{ connectionKey?: unknown }>(endpoint, "write", fields, WRITE_FIELDS, ` ${JSON.stringify(fields.connectionName ?? "")}`);
    if (!answered.ok) return answered;
    const b = answered.value;
    const keyProblem = checkFields(endpoint, b, { connectionKey: "integer" });
    if (keyProblem) return fail(keyProblem);
    return { ok: true, value: { connectionKey: b.connectionKey as number, msg: b.msg, targetTestFailed: /connection\s+failed/i.test(b.msg) } };
  }

  // ----------------------------------------------------------------------------------------------

  /** A call whose answer is 200 with `errorCode: "0"` on success (getConnections, testConnection, §7). */
  private async succeeded<T>(endpoint: string, mode: Mode, fields: Readonly<Record<string, string>>, spec: Record<string, FieldType>, subject: string): Promise<Outcome<T & { errorCode: string; msg: string }>> {
    const sent = await this.call(endpoint, mode, fields);
    if (!sent.ok) return sent;
    const { status, body } = sent.value;
    if (status !== 200) return fail(unexpectedStatus(endpoint, status));
    const problem = checkFields(endpoint, body, spec);
    if (problem) return fail(problem);
    const b = body as T & { errorCode: string; msg: string };
    if (b.errorCode !== "0") return fail(diag("EIC_API_ERROR", `${endpoint}${subject}: errorCode ${b.errorCode}: ${b.msg}`));
    return { ok: true, value: b };
  }

  /** A v5 call with the bearer token; 401 → refresh (or re-login) and again, at most twice. */
  private async call(endpoint: string, mode: Mode, fields: Readonly<Record<string, string>>): Promise<Outcome<{ status: number; body: unknown }>> {
    this.stats.calls[endpoint] = (this.stats.calls[endpoint] ?? 0) + 1;
    for (let renewals = 0; ; renewals++) {
      const session = await this.session();
      if (!session.ok) return session;
      const tokens = session.value;
      const attempt = await this.exchange(`/ECM/api/v5/${endpoint}`, mode, () => {
        const form = new FormData();
        for (const [k, v] of Object.entries(fields)) form.append(k, v);
        return { headers: { authorization: `Bearer ${tokens.access}` }, body: form };
      });
      if (attempt.kind === "response" && attempt.status === 401) {
        if (renewals >= 2) return fail(diag("EIC_AUTH_FAILED", `${endpoint}: HTTP 401 after renewing the token twice (user ${JSON.stringify(this.options.username)})`));
        const renewed = await this.renew(tokens);
        if (!renewed.ok) return renewed;
        continue;
      }
      return this.settle(endpoint, mode, attempt);
    }
  }

  /** Transport failures and 5xx → diagnostics; any other response is the caller's to read. */
  private settle(endpoint: string, mode: Mode, attempt: Attempt): Outcome<{ status: number; body: unknown }> {
    const tries = `${attempt.attempts} attempt${attempt.attempts === 1 ? "" : "s"}`;
    if (attempt.kind === "error") {
      if (mode === "write" && attempt.sent) {
        return fail(diag("EIC_WRITE_UNKNOWN", `${endpoint} at ${this.origin}: ${attempt.reason}; the write may or may not have been applied (not retried) — run savpkg plan to see the live state`));
      }
      return fail(diag("EIC_UNREACHABLE", `${endpoint} at ${this.origin}: ${attempt.reason} (${tries})`));
    }
    if (attempt.status >= 500) {
      if (mode === "write") return fail(diag("EIC_WRITE_UNKNOWN", `${endpoint} at ${this.origin}: HTTP ${attempt.status}; the write may or may not have been applied (not retried) — run savpkg plan to see the live state`));
      return fail(diag("EIC_SERVER_ERROR", `${endpoint} at ${this.origin}: HTTP ${attempt.status} (${tries})`));
    }
    if (attempt.problem !== undefined) return fail(diag("EIC_RESPONSE_SHAPE", `${endpoint}: ${attempt.problem}`));
    if (attempt.notJson && attempt.status < 300) return fail(diag("EIC_RESPONSE_SHAPE", `${endpoint}: the response is not JSON`));
    return { ok: true, value: { status: attempt.status, body: attempt.body } };
  }

  private async login(): Promise<Outcome<Tokens>> {
    this.stats.logins++;
    const { username, password } = this.options;
    const attempt = await this.exchange("/ECM/api/login", "read", () => ({
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    }));
    return this.tokensFrom("login", attempt, undefined);
  }

  /** After a 401: refresh once (or adopt a token another call already renewed), else log in again. */
  private async renew(used: Tokens): Promise<Outcome<Tokens>> {
    if (this.tokens && this.tokens.access !== used.access) return { ok: true, value: this.tokens };
    this.tokens = undefined;
    this.pending ??= (async () => {
      this.stats.refreshes++;
      const attempt = await this.exchange("/ECM/oauth/access_token", "read", () => ({
        body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: used.refresh }),
      }));
      const refreshed = this.tokensFrom("oauth/access_token", attempt, used.refresh);
      return refreshed.ok ? refreshed : this.login();
    })().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private tokensFrom(endpoint: string, attempt: Attempt, previousRefresh: string | undefined): Outcome<Tokens> {
    const settled = this.settle(endpoint, "read", attempt);
    if (!settled.ok) return settled;
    const { status, body } = settled.value;
    if (status < 200 || status >= 300) {
      return fail(diag("EIC_AUTH_FAILED", `EIC ${endpoint} at ${this.origin} as ${JSON.stringify(this.options.username)} refused: HTTP ${status}`));
    }
    const problem = checkFields(endpoint, body, TOKEN_FIELDS);
    if (problem) return fail(problem);
    const b = body as { access_token: string; refresh_token?: unknown };
    if (b.access_token === "") return fail(diag("EIC_RESPONSE_SHAPE", `${endpoint}: field "access_token" is empty`, { path: "access_token" }));
    // The server may answer an empty refresh token: keep the one we have (saviynt-eic-api §2.2).
    const refresh = typeof b.refresh_token === "string" && b.refresh_token !== "" ? b.refresh_token : (previousRefresh ?? "");
    this.tokens = { access: b.access_token, refresh };
    return { ok: true, value: this.tokens };
  }

  /** One POST with timeout and the bounded retries of its mode. */
  private async exchange(path: string, mode: Mode, init: () => { headers?: Record<string, string>; body: string | FormData | URLSearchParams }): Promise<Attempt> {
    const maxAttempts = 1 + Math.max(0, this.retries);
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let result: Attempt;
      try {
        const response = await fetch(this.origin + path, { method: "POST", ...init(), redirect: "manual", signal: AbortSignal.timeout(this.timeoutMs) });
        const text = await boundedText(response, LIMITS.eicResponseBytes.value);
        let body: unknown;
        let notJson = false;
        let problem: string | undefined;
        if (text === undefined) problem = `the response is larger than ${formatLimit(LIMITS.eicResponseBytes)}`;
        else {
          // The shape is measured before parsing: a deep or huge document is refused, never walked.
          const shape = text === "" ? undefined : measureJson(text).problem;
          if (shape) problem = `the response ${shape.message}`;
          else {
            try {
              body = text === "" ? undefined : JSON.parse(text);
            } catch {
              notJson = true;
            }
          }
        }
        result = { kind: "response", status: response.status, body, notJson, attempts: attempt, ...(problem !== undefined ? { problem } : {}) };
      } catch (error) {
        result = { kind: "error", ...describeFetchError(error, this.timeoutMs), attempts: attempt };
      }
      const ms = Math.round(performance.now() - started);
      this.options.log?.(`POST ${path} → ${result.kind === "response" ? `HTTP ${result.status}` : result.reason} (${ms} ms, attempt ${attempt})`);
      const retryable = result.kind === "error" ? mode === "read" || !result.sent : mode === "read" && result.status >= 500;
      if (!retryable || attempt >= maxAttempts) return result;
      await delay(this.backoffMs * 2 ** (attempt - 1));
    }
  }
}

/** The body as text, or undefined when it exceeds `maxBytes` (reading stops there: bounded memory). */
async function boundedText(response: Response, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // Leaving the loop cancels the stream: nothing more is read.
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function describeFetchError(error: unknown, timeoutMs: number): { reason: string; sent: boolean } {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === "TimeoutError" || e.cause?.name === "TimeoutError") return { reason: `no answer within ${timeoutMs} ms`, sent: true };
  const code = e.cause?.code;
  if (code !== undefined && NOT_SENT.has(code)) return { reason: `cannot connect (${code})`, sent: false };
  return { reason: `network error (${code ?? e.name ?? "unknown"})`, sent: true };
}

function unexpectedStatus(endpoint: string, status: number): Diagnostic {
  return diag("EIC_SERVER_ERROR", `${endpoint}: unexpected HTTP ${status}`);
}
