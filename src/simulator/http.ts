/**
 * Request/response plumbing shared by the simulator routes: the per-request context, error bodies
 * with the `icStatusDescription` header (docs/cxone-contract.md#api-basics, #simulator-faults), and the list machinery
 * (filters, orderBy, fields, skip/top, `_links`, 204 on empty) of docs/cxone-contract.md#simulator-lists.
 */
import type { SimClock } from "./clock.js";
import type { SimState } from "./state.js";
import type { TokenStore } from "./tokens.js";
import type { SimAccessKey, SimClient, SimKnobs } from "./types.js";
import { isObject } from "../core/json.js";

export interface SimResponse {
  status: number;
  /** JSON body; undefined for an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

/** Everything a route needs: the server's runtime plus the parsed request. */
export interface SimRuntime {
  state: SimState;
  knobs: SimKnobs;
  clock: SimClock;
  tokens: TokenStore;
  baseUrl: string;
  clients: SimClient[];
  accessKeys: SimAccessKey[];
  legacyApplications: string[];
}

export interface RequestContext {
  rt: SimRuntime;
  method: string;
  /** Path as sent (percent-encoded). */
  path: string;
  /** Absolute URL of the request, on the simulator's base URL. */
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** Notes for the request log (what was tolerated or ignored). */
  notes: string[];
  /** Simulator time as an ISO string. */
  now(): string;
}

export type Handler = (ctx: RequestContext, params: string[]) => SimResponse | Promise<SimResponse>;

export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, body, headers };
}

export function noContent(status = 204): SimResponse {
  return { status };
}

/**
 * An Admin API error: `{error, error_description}` plus the text in `icStatusDescription`
 * (some clients only read the header, docs/cxone-contract.md#api-basics).
 */
export function apiError(status: number, error: string, description: string = error, headers: Record<string, string> = {}): SimResponse {
  return { status, body: { error, error_description: description }, headers: { icStatusDescription: headerSafe(description), ...headers } };
}

/** Header values must be latin1 without control characters. */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?");
}

/** Case-insensitive query parameter (ASP.NET binds query names case-insensitively). */
export function queryParam(url: URL, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of url.searchParams) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export function headerValue(ctx: RequestContext, name: string): string | undefined {
  const v = ctx.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}

/** Parses the JSON body; `undefined` for an empty body, a 400 response for malformed JSON. */
export function jsonBody(ctx: RequestContext): { value: unknown } | SimResponse {
  if (ctx.rawBody.trim() === "") return { value: undefined };
  try {
    return { value: JSON.parse(ctx.rawBody) as unknown };
  } catch (e) {
    return apiError(400, "Invalid request body - malformed JSON", `Invalid request body - malformed JSON: ${(e as Error).message}`);
  }
}

export function isResponse(v: unknown): v is SimResponse {
  return typeof v === "object" && v !== null && "status" in v && typeof (v as SimResponse).status === "number";
}

/** Parses an integer path segment; undefined when it is not one. */
export function intSegment(text: string): number | undefined {
  return /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

export interface ListSpec {
  /** Keys searched by `searchString` (case-insensitive substring). */
  searchKeys: string[];
  /** Key compared with `updatedSince`/`updateSince`; none = the filter is ignored. */
  updatedKey?: string;
  /** Key used as the last tie-breaker of the order (and the default order). */
  idKey: string;
}

export interface ListPage {
  rows: Array<Record<string, unknown>>;
  total: number;
  links: Record<string, string | null>;
}

/**
 * Applies the list query of docs/cxone-contract.md#simulator-lists to rendered rows. Returns the page, or a
 * 400 response for a malformed parameter. The caller answers 204 when `rows` is empty.
 */
export function listQuery(ctx: RequestContext, all: Array<Record<string, unknown>>, spec: ListSpec): ListPage | SimResponse {
  const url = ctx.url;
  const knobs = ctx.rt.knobs;
  let rows = all;

  const isActive = queryParam(url, "isActive");
  if (isActive !== undefined && isActive !== "") {
    if (!/^(true|false)$/i.test(isActive)) return apiError(400, `Invalid isActive - '${isActive}'`);
    const want = isActive.toLowerCase() === "true";
    rows = rows.filter((r) => r.isActive === want);
  }

  const search = queryParam(url, "searchString");
  if (search !== undefined && search !== "") {
    const needle = search.toLowerCase();
    rows = rows.filter((r) => spec.searchKeys.some((k) => typeof r[k] === "string" && (r[k] as string).toLowerCase().includes(needle)));
  }

  // The v34 spec spells it updateSince, older docs updatedSince (docs/cxone-contract.md#agents).
  const sinceName = queryParam(url, "updatedSince") !== undefined ? "updatedSince" : "updateSince";
  const since = queryParam(url, sinceName);
  if (since !== undefined && since !== "") {
    const sinceMs = Date.parse(since);
    if (Number.isNaN(sinceMs)) return apiError(400, `Invalid ${sinceName} - '${since}'`);
    if (spec.updatedKey) {
      const key = spec.updatedKey;
      rows = rows.filter((r) => typeof r[key] === "string" && Date.parse(r[key] as string) >= sinceMs);
    }
  }

  const orderBy = queryParam(url, "orderBy");
  const known = [...new Set(all.flatMap((r) => Object.keys(r)))];
  const order: Array<{ key: string; desc: boolean }> = [];
  if (orderBy !== undefined && orderBy.trim() !== "") {
    for (const part of orderBy.split(",")) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
      const key = m ? resolveKey(m[1]!, known) : undefined;
      if (!m || (known.length > 0 && key === undefined)) return apiError(400, `Invalid orderBy - '${orderBy}'`);
      order.push({ key: key ?? m[1]!, desc: (m[2] ?? "asc").toLowerCase() === "desc" });
    }
  }
  order.push({ key: spec.idKey, desc: false });
  rows = [...rows].sort((a, b) => {
    for (const { key, desc } of order) {
      const c = compareValues(a[key], b[key]);
      if (c !== 0) return desc ? -c : c;
    }
    return 0;
  });

  const skipText = queryParam(url, "skip");
  const topText = queryParam(url, "top");
  if (skipText !== undefined && skipText !== "" && !/^\d+$/.test(skipText)) return apiError(400, `Invalid skip - '${skipText}'`);
  if (topText !== undefined && topText !== "" && !/^[1-9]\d*$/.test(topText)) return apiError(400, `Invalid top - '${topText}'`);
  const skip = skipText ? Number(skipText) : 0;
  // No top: everything up to the server cap; a larger top is capped too.
  const top = Math.min(topText ? Number(topText) : knobs.listCap, knobs.listCap);
  const total = rows.length;
  let page = rows.slice(skip, skip + top);

  const fields = queryParam(url, "fields");
  if (fields !== undefined && fields.trim() !== "") {
    const wanted = new Set(fields.split(",").map((f) => resolveKey(f.trim(), known) ?? f.trim()));
    page = page.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => wanted.has(k))));
  }

  const links: Record<string, string | null> = { self: url.href };
  const last = (): void => {
    if (knobs.lastPageNext === "null") links.next = null;
    else if (knobs.lastPageNext === "empty") links.next = "";
  };
  if (skip + top < total) links.next = withSkip(url, skip + top);
  else last();
  if (skip > 0) links.previous = withSkip(url, Math.max(0, skip - top));
  else if (knobs.lastPageNext === "null") links.previous = null;
  else if (knobs.lastPageNext === "empty") links.previous = "";
  return { rows: page, total, links };
}

/** The same URL with `skip` replaced (keeping the parameter's spelling and position) or appended. */
function withSkip(url: URL, skip: number): string {
  const next = new URL(url.href);
  const params = [...next.searchParams];
  let found = false;
  const out = params.map(([k, v]): [string, string] => {
    if (k.toLowerCase() === "skip") {
      found = true;
      return [k, String(skip)];
    }
    return [k, v];
  });
  if (!found) out.push(["skip", String(skip)]);
  next.search = new URLSearchParams(out).toString();
  return next.href;
}

function resolveKey(name: string, known: string[]): string | undefined {
  const lower = name.toLowerCase();
  return known.find((k) => k.toLowerCase() === lower);
}

/** null/undefined first, then booleans, numbers, strings (case-insensitive, then exact). */
function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown) => (v === null || v === undefined ? 0 : typeof v === "boolean" ? 1 : typeof v === "number" ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return 0;
  if (ra === 1 || ra === 2) return Number(a) - Number(b);
  const sa = typeof a === "string" ? a : JSON.stringify(a);
  const sb = typeof b === "string" ? b : JSON.stringify(b);
  const la = sa.toLowerCase();
  const lb = sb.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * The `agents` array of a bulk body (`{agents:[…]}`): 400 when missing or empty, or when it holds
 * more than `max` items (docs/cxone-contract.md#simulator-create, #simulator-teams).
 */
export function agentItems(ctx: RequestContext, max: number, tooMany: (max: number) => string): unknown[] | SimResponse {
  const parsed = jsonBody(ctx);
  if (isResponse(parsed)) return parsed;
  const body = parsed.value;
  const items = isObject(body) ? body.agents : undefined;
  if (!Array.isArray(items) || items.length === 0) return apiError(400, "Invalid agents - at least one agent is required", "The request body must contain a non-empty 'agents' array");
  if (items.length > max) return apiError(400, tooMany(max));
  return items;
}

/** `{errorCount, agentResults}` with 200 when every item succeeded, 206 otherwise. */
export function itemResults(results: Array<Record<string, unknown>>, wrap = false): SimResponse {
  const errorCount = results.filter((r) => r.success !== true).length;
  const body = { errorCount, agentResults: results };
  return json(errorCount === 0 ? 200 : 206, wrap ? { resultSet: body } : body);
}
