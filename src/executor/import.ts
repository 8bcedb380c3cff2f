/**
 * Account, entitlement and account–entitlement import as Saviynt's REST connector runs an
 * ImportAccountEntJSON (docs/saviynt-rest-format.md#import): calls by callOrder, records at `listField`,
 * `colsToPropsMap` with `path~#~type` and `#CONST#`, pagination (`nextUrl`, `page`, `offset`),
 * 204/empty body = no records, statusAndThresholdConfig (statusColumn + activeStatus,
 * accountThresholdValue), entitlement types by entTypeOrder, memberships by `httpEntToAcct`,
 * `httpAcctToEnt` or one `http` call. Interpreted generically: nothing here knows CXone.
 */
import { arrayPaths, evaluateTemplateValue, groovyText, resolvePath, truthy, type Json, type Scope } from "./expression.js";
import { describeResponse, headerScope, judgeSuccess, parseBody, requestParts, send, type CallTemplate, type ExecutorContext, type HttpResponse } from "./http.js";
import { isObject } from "../core/json.js";

export type Scalar = string | number | boolean | null;

export interface ImportedAccount {
  accountID: string;
  name: string | null;
  status: "active" | "inactive";
  /** Every colsToPropsMap target, converted by its type. */
  attributes: Record<string, Scalar>;
}

export interface ImportedEntitlement {
  entitlementType: string;
  entitlementID: string;
  entitlementValue: string | null;
  attributes: Record<string, Scalar>;
}

export interface ImportedMembership {
  accountID: string;
  entitlementType: string;
  entitlementID: string;
}

export interface SectionResult {
  /** False when the document has no such section. */
  ran: boolean;
  ok: boolean;
  failures: string[];
  warnings: string[];
}

export interface StatusThresholdConfig {
  statusColumn?: string;
  activeStatus?: string[];
  accountThresholdValue?: number;
  inactivateAccountsNotInFile?: boolean;
}

export interface ImportRun {
  ok: boolean;
  accounts: ImportedAccount[];
  entitlements: ImportedEntitlement[];
  memberships: ImportedMembership[];
  sections: { accounts: SectionResult; entitlements: SectionResult; memberships: SectionResult };
  config: StatusThresholdConfig & { doNotChangeIfFailed: boolean };
}

/** listField misses per call definition, reported once per import (not once per request). */
type Misses = Map<string, { missed: number; total: number; hint: string | undefined; listField: string; section: SectionResult }>;

export interface ImportOptions {
  /** The STATUS_THRESHOLD_CONFIG attribute, used when accountParams has no statusAndThresholdConfig (docs/saviynt-rest-format.md#status-and-threshold). */
  statusThresholdConfig?: unknown;
  /** Safety stop for pagination (default 1000 pages per call). */
  maxPages?: number;
}

/** colsToPropsMap types (docs/saviynt-rest-format.md#cols-to-props-map). `date`/`epochdate` keep the source text: dates are not parsed. */
const TYPES = new Set(["char", "bool", "int", "date", "epochdate", "listAsString"]);

function section(ran: boolean): SectionResult {
  return { ran, ok: true, failures: [], warnings: [] };
}

function addWarning(s: SectionResult, text: string): void {
  if (!s.warnings.includes(text)) s.warnings.push(text);
}

/** Calls of a `call` object, in callOrder (then key) order. */
function orderedCalls(calls: unknown): Array<[string, Record<string, unknown>]> {
  if (!isObject(calls)) return [];
  return Object.entries(calls)
    .filter((e): e is [string, Record<string, unknown>] => isObject(e[1]))
    .sort((a, b) => num(a[1].callOrder) - num(b[1].callOrder) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : Number.MAX_SAFE_INTEGER;
}

export async function runImport(ctx: ExecutorContext, doc: unknown, options: ImportOptions = {}): Promise<ImportRun> {
  const d = isObject(doc) ? doc : {};
  const accountParams = isObject(d.accountParams) ? d.accountParams : undefined;
  const entitlementParams = isObject(d.entitlementParams) ? d.entitlementParams : undefined;
  const acctEntParams = isObject(d.acctEntParams) ? d.acctEntParams : undefined;
  const run: ImportRun = {
    ok: true,
    accounts: [],
    entitlements: [],
    memberships: [],
    sections: { accounts: section(accountParams !== undefined), entitlements: section(entitlementParams !== undefined), memberships: section(acctEntParams !== undefined) },
    config: { doNotChangeIfFailed: accountParams?.doNotChangeIfFailed === true },
  };
  const statusConfig = statusThreshold(accountParams, options.statusThresholdConfig);
  Object.assign(run.config, statusConfig);
  const runScope: RunScope = { ctx, maxPages: options.maxPages ?? 1000, misses: new Map() };
  const { misses } = runScope;

  if (accountParams) {
    const s = run.sections.accounts;
    for (const key of ["acctEntMappings"]) if (accountParams[key] !== undefined) unsupportedKey(ctx, s, `ImportAccountEntJSON.accountParams.${key}`, key);
    const byId = new Map<string, Record<string, Scalar>>();
    const calls = orderedCalls(accountParams.call);
    if (calls.length === 0) fail(s, "accountParams has no calls");
    for (const [name, call] of calls) {
      if (isObject(call.inputParams) || call.nextApiKeyField !== undefined) {
        unsupportedKey(ctx, s, `ImportAccountEntJSON.accountParams.call.${name}.inputParams`, "dependent calls (inputParams/nextApiKeyField)");
        continue;
      }
      if (call.statusConfig !== undefined) addWarning(s, `${name}: statusConfig (value mapping of the status column) is not applied by the simulator`);
      const listed = await listRecords(runScope, { operation: `import accounts ${name}`, call, s, sectionConnection: str(accountParams.connection), sectionSuccess: accountParams.successResponses, where: `ImportAccountEntJSON.accountParams.call.${name}` });
      if (!listed.ok) continue;
      const keyField = str(call.keyField) ?? "accountID";
      for (const record of listed.records) {
        const mapped = mapRecord(ctx, record, call.colsToPropsMap, s, `ImportAccountEntJSON.accountParams.call.${name}.colsToPropsMap`);
        const id = mapped[keyField];
        if (id === undefined || id === null || id === "") {
          addWarning(s, `${name}: records without a value for keyField ${keyField} were skipped`);
          continue;
        }
        const key = String(id);
        byId.set(key, { ...(byId.get(key) ?? {}), ...mapped });
      }
    }
    const statusColumn = statusConfig.statusColumn;
    if (statusColumn && calls.every(([, c]) => !(isObject(c.colsToPropsMap) && statusColumn in c.colsToPropsMap))) {
      addWarning(s, `statusColumn ${statusColumn} is not a colsToPropsMap target: every account is imported inactive`);
    }
    for (const [id, attributes] of byId) {
      let status: ImportedAccount["status"] = "active";
      if (statusColumn) {
        const v = attributes[statusColumn];
        status = v !== undefined && v !== null && (statusConfig.activeStatus ?? []).includes(String(v)) ? "active" : "inactive";
      }
      const name = attributes.name;
      run.accounts.push({ accountID: id, name: name === undefined || name === null ? null : String(name), status, attributes });
    }
    run.accounts.sort((a, b) => compareIds(a.accountID, b.accountID));
  }

  if (entitlementParams) {
    const s = run.sections.entitlements;
    const types = isObject(entitlementParams.entTypes) ? Object.entries(entitlementParams.entTypes).filter((e): e is [string, Record<string, unknown>] => isObject(e[1])) : [];
    types.sort((a, b) => num(a[1].entTypeOrder) - num(b[1].entTypeOrder) || (a[0] < b[0] ? -1 : 1));
    if (types.length === 0) fail(s, "entitlementParams has no entTypes");
    for (const [type, spec] of types) {
      for (const key of ["acctEntMappings", "entMappings"]) if (spec[key] !== undefined) unsupportedKey(ctx, s, `ImportAccountEntJSON.entitlementParams.entTypes.${type}.${key}`, key);
      const byId = new Map<string, Record<string, Scalar>>();
      for (const [name, call] of orderedCalls(spec.call)) {
        if (isObject(call.inputParams)) {
          unsupportedKey(ctx, s, `ImportAccountEntJSON.entitlementParams.entTypes.${type}.call.${name}.inputParams`, "dependent calls (inputParams)");
          continue;
        }
        const where = `ImportAccountEntJSON.entitlementParams.entTypes.${type}.call.${name}`;
        const listed = await listRecords(runScope, { operation: `import entitlements ${type} ${name}`, call, s, sectionConnection: str(call.connection) ?? str(entitlementParams.connection), sectionSuccess: entitlementParams.successResponses, where });
        if (!listed.ok) continue;
        const keyField = str(call.keyField) ?? "entitlementID";
        for (const record of listed.records) {
          const mapped = mapRecord(ctx, record, call.colsToPropsMap, s, `${where}.colsToPropsMap`);
          const id = mapped[keyField];
          if (id === undefined || id === null || id === "") {
            addWarning(s, `${type} ${name}: records without a value for keyField ${keyField} were skipped`);
            continue;
          }
          byId.set(String(id), { ...(byId.get(String(id)) ?? {}), ...mapped });
        }
      }
      for (const [id, attributes] of [...byId].sort((a, b) => compareIds(a[0], b[0]))) {
        const value = attributes.entitlement_value;
        run.entitlements.push({ entitlementType: type, entitlementID: id, entitlementValue: value === undefined || value === null ? null : String(value), attributes });
      }
    }
  }

  if (acctEntParams) {
    const s = run.sections.memberships;
    const types = isObject(acctEntParams.entTypes) ? Object.entries(acctEntParams.entTypes).filter((e): e is [string, Record<string, unknown>] => isObject(e[1])) : [];
    if (types.length === 0) fail(s, "acctEntParams has no entTypes");
    const seen = new Set<string>();
    const accountIds = new Set(run.accounts.map((a) => a.accountID));
    for (const [type, spec] of types) {
      for (const [name, call] of orderedCalls(spec.call)) {
        const where = `ImportAccountEntJSON.acctEntParams.entTypes.${type}.call.${name}`;
        const processing = str(call.processingType) ?? str(acctEntParams.processingType) ?? "http";
        const connection = str(call.connection) ?? str(acctEntParams.connection);
        const pairs = await membershipCalls(runScope, { run, type, name, call, processing, connection, sectionSuccess: acctEntParams.successResponses, s, where });
        for (const p of pairs) {
          const key = `${p.accountID}\u0000${p.entitlementType}\u0000${p.entitlementID}`;
          if (seen.has(key)) continue;
          seen.add(key);
          if (run.accounts.length > 0 && !accountIds.has(p.accountID)) addWarning(s, `${type}: memberships of accounts that were not imported are ignored`);
          else run.memberships.push(p);
        }
      }
    }
    run.memberships.sort((a, b) => a.entitlementType.localeCompare(b.entitlementType, "en") || compareIds(a.entitlementID, b.entitlementID) || compareIds(a.accountID, b.accountID));
  }

  for (const [where, m] of misses) {
    if (m.missed > 0) addWarning(m.section, `${where}: listField "${m.listField}" matched nothing in ${m.missed} of ${m.total} response(s)${m.hint ? `; arrays of records are at: ${m.hint}` : ""}`);
  }
  run.ok = run.sections.accounts.ok && run.sections.entitlements.ok && run.sections.memberships.ok;
  return run;
}

function fail(s: SectionResult, reason: string): void {
  s.ok = false;
  if (!s.failures.includes(reason)) s.failures.push(reason);
}

function unsupportedKey(ctx: ExecutorContext, s: SectionResult, where: string, what: string): void {
  ctx.noteUnsupported({ kind: "unsupported", expression: what, message: "not executed by the simulator" }, where);
  fail(s, `unsupported: ${what} (${where})`);
}

/** page and offset pagination stop on a short page, or once `page` pages of `size` reach the total (docs/saviynt-rest-format.md#pagination). */
function sizedNext(total: number | undefined, count: number, size: number, page: number): { more?: true } {
  if (count === 0 || count < size) return {};
  if (total !== undefined && page * size >= total) return {};
  return { more: true };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Numeric ids in numeric order, others after them in code-point order. */
export function compareIds(a: string, b: string): number {
  const na = /^-?\d+$/.test(a) ? Number(a) : NaN;
  const nb = /^-?\d+$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  if (!Number.isNaN(na)) return -1;
  if (!Number.isNaN(nb)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function statusThreshold(accountParams: Record<string, unknown> | undefined, attribute: unknown): StatusThresholdConfig {
  let cfg: unknown = accountParams?.statusAndThresholdConfig;
  if (!isObject(cfg) && isObject(attribute)) cfg = isObject(attribute.statusAndThresholdConfig) ? attribute.statusAndThresholdConfig : attribute;
  if (!isObject(cfg)) return {};
  const out: StatusThresholdConfig = {};
  if (typeof cfg.statusColumn === "string" && cfg.statusColumn !== "") out.statusColumn = cfg.statusColumn;
  if (Array.isArray(cfg.activeStatus)) out.activeStatus = cfg.activeStatus.map((v) => String(v));
  const threshold = typeof cfg.accountThresholdValue === "string" ? Number(cfg.accountThresholdValue) : cfg.accountThresholdValue;
  if (typeof threshold === "number" && Number.isFinite(threshold)) out.accountThresholdValue = threshold;
  if (typeof cfg.inactivateAccountsNotInFile === "boolean") out.inactivateAccountsNotInFile = cfg.inactivateAccountsNotInFile;
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Listed {
  ok: boolean;
  records: Json[];
}

/** What every call of one import run shares. */
interface RunScope {
  ctx: ExecutorContext;
  maxPages: number;
  /** listField misses per call, reported once per call when the run ends. */
  misses: Misses;
}

/** One import call to list, with its section's defaults. */
interface ListRequest {
  /** Name in the call log (`import accounts call1`); pages add ` page N`. */
  operation: string;
  call: Record<string, unknown>;
  /** The section failures and warnings go to. */
  s: SectionResult;
  /** The section's connection and successResponses, used when the call has none. */
  sectionConnection: string | undefined;
  sectionSuccess: unknown;
  /** `${id}`, `${accountID}`, `${entitlementID}` for per-record membership calls. */
  scope?: Scope;
  /** Where the call is in the document. */
  where: string;
}

/**
 * Runs one import call with its pagination and returns the records at listField. `where` names
 * the call in the document; failures go to `s`.
 */
async function listRecords({ ctx, maxPages, misses }: RunScope, { operation, call, s, sectionConnection, sectionSuccess, scope = {}, where }: ListRequest): Promise<Listed> {
  const http = isObject(call.http) ? call.http : undefined;
  if (!http || typeof http.url !== "string") {
    fail(s, `${where}: no http.url`);
    return { ok: false, records: [] };
  }
  const connection = str(call.connection) ?? sectionConnection;
  if (!connection) {
    fail(s, `${where}: no connection`);
    return { ok: false, records: [] };
  }
  const { headers, body } = requestParts(http.httpHeaders, http.httpParams);
  const template: CallTemplate = {
    connection,
    url: http.url,
    method: str(http.httpMethod) ?? "GET",
    headers,
    ...(typeof http.httpContentType === "string" ? { contentType: http.httpContentType } : {}),
    ...(body !== undefined ? { body } : {}),
    where: `${where}.http`,
  };
  const success = call.successResponses ?? sectionSuccess;
  const pagination = pager(call, s, where);
  const listField = typeof call.listField === "string" ? call.listField : "";
  const records: Json[] = [];
  const visited = new Set<string>();
  const miss = misses.get(where) ?? { missed: 0, total: 0, hint: undefined, listField, section: s };
  misses.set(where, miss);

  for (let page = 1; ; page++) {
    if (page > maxPages) {
      fail(s, `${where}: stopped after ${maxPages} pages (pagination never ends)`);
      return { ok: false, records };
    }
    const op = page > 1 ? `${operation} page ${page}` : operation;
    const url = pagination.urlFor(template.url, page);
    const sent = await send(ctx, op, { ...template, url }, scope);
    if (!sent.ok) {
      fail(s, `${op}: ${sent.record.reason}`);
      return { ok: false, records };
    }
    if (visited.has(sent.path)) {
      ctx.record({ operation: op, method: sent.method, path: sent.path, status: sent.response.status, result: "fail", reason: "pagination returned a URL already fetched (endless loop)" });
      fail(s, `${op}: pagination loops on ${sent.path}`);
      return { ok: false, records };
    }
    visited.add(sent.path);
    const parsed = parseBody(sent.response);
    const body = "value" in parsed ? parsed.value : undefined;
    const notSuccess = judgeSuccess(sent.response, body, success, call.unsuccessResponses);
    const notes = [...sent.notes];
    if (notSuccess) {
      const reason = `${describeResponse(sent.response)}: ${notSuccess}`;
      ctx.record({ operation: op, method: sent.method, path: sent.path, status: sent.response.status, result: "fail", reason, ...(notes.length ? { notes } : {}) });
      fail(s, `${op}: ${reason}`);
      return { ok: false, records };
    }
    if ("invalid" in parsed) {
      const reason = `the response is not JSON: ${parsed.invalid}`;
      ctx.record({ operation: op, method: sent.method, path: sent.path, status: sent.response.status, result: "fail", reason });
      fail(s, `${op}: ${reason}`);
      return { ok: false, records };
    }
    // 204 / empty body: no records, and nothing to paginate from (docs/cxone-contract.md#api-basics, #official-package).
    if (body === undefined) {
      ctx.record({ operation: op, method: sent.method, path: sent.path, status: sent.response.status, result: "pass", reason: "no content: 0 records", ...(notes.length ? { notes } : {}) });
      break;
    }
    let pageRecords: Json[] = [];
    const at = resolvePath(body, listField);
    miss.total++;
    if (!at.found || at.value === null) {
      miss.missed++;
      const hint = arrayPaths(body).join(", ");
      if (hint && (miss.hint === undefined || hint.length > miss.hint.length)) miss.hint = hint;
      // Noted on the first request only; the import's warning counts them all.
      if (miss.missed === 1) notes.push(`listField "${listField}" is not in the response${hint ? ` (arrays of records are at: ${hint})` : ""}`);
    } else if (Array.isArray(at.value)) pageRecords = at.value;
    else if (isObject(at.value)) pageRecords = [at.value];
    else notes.push(`listField "${listField}" is ${typeof at.value}, not a list`);
    records.push(...pageRecords);
    ctx.record({ operation: op, method: sent.method, path: sent.path, status: sent.response.status, result: "pass", reason: `${pageRecords.length} record(s)`, ...(notes.length ? { notes } : {}) });

    const next = pagination.next(body, pageRecords, sent.response, page, records.length);
    if (next.problem) {
      fail(s, `${op}: ${next.problem}`);
      return { ok: false, records };
    }
    if (next.url === undefined && !next.more) break;
    if (next.url !== undefined) template.url = next.url;
  }
  return { ok: true, records };
}

interface Pager {
  /** URL of page N (page and offset variants set their query parameters). */
  urlFor(url: string, page: number): string;
  /** After a page: the next URL (nextUrl), `more` for page/offset, or a problem. */
  next(body: Json, pageRecords: Json[], response: HttpResponse, page: number, total: number): { url?: string; more?: boolean; problem?: string };
}

/** Pagination variants of docs/saviynt-rest-format.md#pagination. Only one is used; nextUrl wins, then page, then offset. */
function pager(call: Record<string, unknown>, s: SectionResult, where: string): Pager {
  const p = isObject(call.pagination) ? call.pagination : undefined;
  const none: Pager = { urlFor: (u) => u, next: () => ({}) };
  if (!p) {
    if (isObject(call.page) || isObject(call.offset)) addWarning(s, `${where}: "page"/"offset" outside "pagination" is ignored (Saviynt reads call.pagination)`);
    return none;
  }
  const variants = ["nextUrl", "page", "offset"].filter((k) => isObject(p[k]));
  if (variants.length > 1) addWarning(s, `${where}.pagination has ${variants.join(" and ")}; only ${variants[0]} is used`);
  const contextOf = (body: Json, records: Json[], response: HttpResponse): Scope => ({
    response: { completeResponseMap: body, objectList: records },
    headers: headerScope(response.headers),
  });

  if (isObject(p.nextUrl)) {
    const expression = typeof p.nextUrl.nextUrlPath === "string" ? p.nextUrl.nextUrlPath : undefined;
    if (!expression) return { urlFor: (u) => u, next: () => ({ problem: "pagination.nextUrl has no nextUrlPath" }) };
    return {
      urlFor: (u) => u,
      next(body, records, response) {
        const v = evaluateTemplateValue(expression, contextOf(body, records, response));
        if (!v.ok) return { problem: `nextUrlPath ${v.problem.expression}: ${v.problem.kind === "unsupported" ? "unsupported: " : ""}${v.problem.message}` };
        if (v.value === null || v.value === false || v.value === "" || v.value === "null") return {};
        if (typeof v.value !== "string") return { problem: `nextUrlPath evaluated to ${JSON.stringify(v.value)}, not a URL or null` };
        return { url: v.value };
      },
    };
  }
  const totalOf = (spec: unknown, body: Json, response: HttpResponse): number | undefined => {
    if (typeof spec === "number") return spec;
    if (typeof spec !== "string" || spec === "") return undefined;
    if (/^\d+$/.test(spec)) return Number(spec);
    const path = spec.replace(/^response\./, "");
    let value: unknown;
    if (path.startsWith("completeResponseMap.")) {
      const at = resolvePath(body, path.slice("completeResponseMap.".length));
      value = at.found ? at.value : undefined;
    } else if (path.startsWith("headers.")) value = response.headers[path.slice("headers.".length).toLowerCase()];
    else {
      addWarning(s, `${where}: totalCountPath "${spec}" should start with completeResponseMap. or headers.`);
      const at = resolvePath(body, path);
      value = at.found ? at.value : undefined;
    }
    const n = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : undefined;
    return n;
  };
  if (isObject(p.page)) {
    const cfg = p.page;
    const sizeParam = str(cfg.pageSizeParam);
    const numberParam = str(cfg.pageNumberParam);
    const size = Number(cfg.pageSize);
    const first = cfg.firstPageNumber === undefined ? 1 : Number(cfg.firstPageNumber);
    if (!numberParam || !Number.isInteger(size) || size <= 0 || !Number.isInteger(first)) {
      return { urlFor: (u) => u, next: () => ({ problem: "pagination.page needs pageNumberParam and an integer pageSize" }) };
    }
    return {
      urlFor: (u, page) => {
        let out = setQuery(u, numberParam, String(first + page - 1));
        if (sizeParam) out = setQuery(out, sizeParam, String(size));
        return out;
      },
      next: (body, records, response, page) => sizedNext(totalOf(cfg.totalCountPath, body, response), records.length, size, page),
    };
  }
  if (isObject(p.offset)) {
    const cfg = p.offset;
    const offsetParam = str(cfg.offsetParam);
    const batchParam = str(cfg.batchParam);
    const batch = Number(cfg.batchSize);
    if (!offsetParam || !Number.isInteger(batch) || batch <= 0) {
      if (typeof cfg.batchSize === "string") addWarning(s, `${where}: batchSize is a string; Saviynt expects an integer`);
      return { urlFor: (u) => u, next: () => ({ problem: "pagination.offset needs offsetParam and an integer batchSize" }) };
    }
    return {
      urlFor: (u, page) => {
        let out = setQuery(u, offsetParam, String((page - 1) * batch));
        if (batchParam) out = setQuery(out, batchParam, String(batch));
        return out;
      },
      next: (body, records, response, page) => sizedNext(totalOf(cfg.totalCountPath, body, response), records.length, batch, page),
    };
  }
  return none;
}

/** Sets (or appends) one query parameter in URL text that may still hold `${…}`. */
export function setQuery(url: string, name: string, value: string): string {
  const hash = url.indexOf("#");
  const base = hash < 0 ? url : url.slice(0, hash);
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const re = new RegExp(`([?&])${escaped}=[^&]*`);
  if (re.test(base)) return base.replace(re, `$1${name}=${encodeURIComponent(value)}`) + (hash < 0 ? "" : url.slice(hash));
  return `${base}${base.includes("?") ? "&" : "?"}${name}=${encodeURIComponent(value)}${hash < 0 ? "" : url.slice(hash)}`;
}

/** One record → Saviynt attributes by colsToPropsMap (docs/saviynt-rest-format.md#cols-to-props-map). */
function mapRecord(ctx: ExecutorContext, record: Json, map: unknown, s: SectionResult, where: string): Record<string, Scalar> {
  const out: Record<string, Scalar> = {};
  if (!isObject(map)) {
    addWarning(s, `${where} is missing: records carry no attributes`);
    return out;
  }
  for (const [target, spec] of Object.entries(map)) {
    if (typeof spec !== "string") {
      addWarning(s, `${where}.${target} is not a string`);
      continue;
    }
    const cut = spec.lastIndexOf("~#~");
    const source = cut < 0 ? spec : spec.slice(0, cut);
    const type = cut < 0 ? "char" : spec.slice(cut + 3);
    if (cut < 0) addWarning(s, `${where}.${target} has no ~#~type (read as char)`);
    if (!TYPES.has(type)) {
      ctx.noteUnsupported({ kind: "unsupported", expression: spec, message: `type "${type}"` }, `${where}.${target}`);
      fail(s, `unsupported: colsToPropsMap type "${type}" (${where}.${target})`);
      continue;
    }
    let raw: Json;
    if (source.startsWith("#CONST#")) {
      const text = source.slice("#CONST#".length);
      const v = evaluateTemplateValue(text, { response: record });
      if (!v.ok) {
        ctx.noteUnsupported(v.problem, `${where}.${target}`);
        fail(s, `${where}.${target}: ${v.problem.kind === "unsupported" ? "unsupported expression" : "expression failed"} ${v.problem.expression}: ${v.problem.message}`);
        continue;
      }
      raw = v.value;
    } else if (source === "STORE#ACC#ENT#MAPPINGINFO") {
      unsupportedKey(ctx, s, `${where}.${target}`, "STORE#ACC#ENT#MAPPINGINFO (acctEntMappings)");
      continue;
    } else {
      const at = resolvePath(record, source);
      raw = at.found ? at.value : null;
    }
    out[target] = convert(raw, type, s, `${where}.${target}`);
  }
  return out;
}

function convert(raw: Json, type: string, s: SectionResult, where: string): Scalar {
  if (raw === null) return null;
  switch (type) {
    case "bool":
      return typeof raw === "string" ? raw.toLowerCase() === "true" : truthy(raw);
    case "int": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n)) {
        addWarning(s, `${where}: ${JSON.stringify(raw)} is not an integer`);
        return null;
      }
      return n;
    }
    case "listAsString":
      if (Array.isArray(raw)) return raw.map((v) => (typeof v === "object" && v !== null ? JSON.stringify(v) : String(v))).join(",");
      return String(raw);
    default: {
      const text = groovyText(raw);
      if (!text.ok) {
        addWarning(s, `${where}: the source value is ${text.message}; stored as JSON text`);
        return JSON.stringify(raw);
      }
      return text.text;
    }
  }
}

// ---------------------------------------------------------------------------------------------

/** One acctEntParams call: the run so far (its accounts and entitlements), the entitlement type and how the call pairs them. */
interface MembershipRequest {
  run: ImportRun;
  type: string;
  name: string;
  call: Record<string, unknown>;
  /** processingType: httpEntToAcct, httpAcctToEnt or http. */
  processing: string;
  connection: string | undefined;
  sectionSuccess: unknown;
  s: SectionResult;
  where: string;
}

async function membershipCalls(runScope: RunScope, { run, type, name, call, processing, connection, sectionSuccess, s, where }: MembershipRequest): Promise<ImportedMembership[]> {
  const { ctx } = runScope;
  const out: ImportedMembership[] = [];
  const acctIdPath = str(call.acctIdPath);
  const entIdPath = str(call.entIdPath);
  const acctKeyField = str(call.acctKeyField) ?? "accountID";
  const entKeyField = str(call.entKeyField) ?? "entitlementID";
  const entitlements = run.entitlements.filter((e) => e.entitlementType === type);
  const accountBy = keyIndex(run.accounts.map((a) => ({ id: a.accountID, attributes: a.attributes })), acctKeyField);
  const entitlementBy = keyIndex(entitlements.map((e) => ({ id: e.entitlementID, attributes: e.attributes })), entKeyField);
  const idOf = (record: Json, path: string): string | undefined => {
    const at = resolvePath(record, path);
    if (!at.found || at.value === null) return undefined;
    const t = groovyText(at.value);
    return t.ok ? t.text : undefined;
  };
  const accountFor = (v: string) => (acctKeyField === "accountID" ? v : accountBy.get(v));
  const entitlementFor = (v: string) => (entKeyField === "entitlementID" ? v : entitlementBy.get(v));

  switch (processing) {
    case "httpEntToAcct": {
      if (!acctIdPath) {
        fail(s, `${where}: httpEntToAcct needs acctIdPath`);
        return out;
      }
      if (!run.sections.entitlements.ran || entitlements.length === 0) addWarning(s, `${type}: no ${type} entitlements were imported, so no memberships were read`);
      for (const e of entitlements) {
        const listed = await listRecords(runScope, { operation: `import memberships ${type} ${name} (id=${e.entitlementID})`, call, s, sectionConnection: connection, sectionSuccess, scope: { id: e.entitlementID, entitlementID: e.entitlementID }, where });
        if (!listed.ok) continue;
        for (const r of listed.records) {
          const v = idOf(r, acctIdPath);
          const accountID = v === undefined ? undefined : accountFor(v);
          if (accountID === undefined) addWarning(s, `${type}: a member without ${acctIdPath} (or with no matching account ${acctKeyField}) was skipped`);
          else out.push({ accountID, entitlementType: type, entitlementID: e.entitlementID });
        }
      }
      return out;
    }
    case "httpAcctToEnt": {
      if (!entIdPath) {
        fail(s, `${where}: httpAcctToEnt needs entIdPath`);
        return out;
      }
      for (const a of run.accounts) {
        const listed = await listRecords(runScope, { operation: `import memberships ${type} ${name} (id=${a.accountID})`, call, s, sectionConnection: connection, sectionSuccess, scope: { id: a.accountID, accountID: a.accountID }, where });
        if (!listed.ok) continue;
        for (const r of listed.records) {
          const v = idOf(r, entIdPath);
          const entitlementID = v === undefined ? undefined : entitlementFor(v);
          if (entitlementID === undefined) addWarning(s, `${type}: an entitlement without ${entIdPath} (or with no matching ${entKeyField}) was skipped`);
          else out.push({ accountID: a.accountID, entitlementType: type, entitlementID });
        }
      }
      return out;
    }
    case "http": {
      if (!acctIdPath || !entIdPath) {
        fail(s, `${where}: processingType http needs acctIdPath and entIdPath`);
        return out;
      }
      const listed = await listRecords(runScope, { operation: `import memberships ${type} ${name}`, call, s, sectionConnection: connection, sectionSuccess, where });
      for (const r of listed.records) {
        const av = idOf(r, acctIdPath);
        const ev = idOf(r, entIdPath);
        const accountID = av === undefined ? undefined : accountFor(av);
        const entitlementID = ev === undefined ? undefined : entitlementFor(ev);
        if (accountID === undefined || entitlementID === undefined) addWarning(s, `${type}: membership records without ${acctIdPath}/${entIdPath} were skipped`);
        else out.push({ accountID, entitlementType: type, entitlementID });
      }
      return out;
    }
    default:
      unsupportedKey(ctx, s, `${where}.processingType`, `processingType "${processing}"`);
      return out;
  }
}

function keyIndex(items: Array<{ id: string; attributes: Record<string, Scalar> }>, field: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const it of items) {
    const v = it.attributes[field];
    if (v !== undefined && v !== null) m.set(String(v), it.id);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// What Saviynt keeps after an import (docs/saviynt-rest-format.md#status-and-threshold): status, threshold, doNotChangeIfFailed.

export interface SaviyntAccount extends Omit<ImportedAccount, "status"> {
  status: "active" | "inactive" | "suspended";
}

export interface SaviyntView {
  accounts: SaviyntAccount[];
  entitlements: ImportedEntitlement[];
  memberships: ImportedMembership[];
}

export interface Reconciled {
  view: SaviyntView;
  /** False when the previous view was kept (failed import with doNotChangeIfFailed, or threshold exceeded). */
  applied: boolean;
  reason?: string;
  /** Accounts that went from active to inactive/suspended. */
  inactivated: string[];
}

/** Applies an import run to what Saviynt held before, as statusAndThresholdConfig says. */
export function reconcile(previous: SaviyntView | undefined, run: ImportRun): Reconciled {
  const prev: SaviyntView = previous ?? { accounts: [], entitlements: [], memberships: [] };
  const accountsOk = run.sections.accounts.ok;
  // A document without accountParams imports no accounts: it must not inactivate the ones Saviynt has.
  if (!run.sections.accounts.ran) return { view: { ...prev, entitlements: run.sections.entitlements.ran ? run.entitlements : prev.entitlements, memberships: run.sections.memberships.ran ? run.memberships : prev.memberships }, applied: true, inactivated: [] };
  if (!accountsOk && run.config.doNotChangeIfFailed) {
    return { view: prev, applied: false, reason: "the account import failed; doNotChangeIfFailed keeps the accounts Saviynt already had", inactivated: [] };
  }
  const next = new Map<string, SaviyntAccount>(run.accounts.map((a) => [a.accountID, { ...a }]));
  for (const old of prev.accounts) {
    if (next.has(old.accountID)) continue;
    // Not in the feed: inactive, or "Suspended from Import Service" (F-16).
    next.set(old.accountID, { ...old, status: run.config.inactivateAccountsNotInFile === false ? "suspended" : "inactive" });
  }
  const inactivated = prev.accounts.filter((a) => a.status === "active" && next.get(a.accountID)?.status !== "active").map((a) => a.accountID);
  const threshold = run.config.accountThresholdValue;
  if (threshold !== undefined && inactivated.length > threshold) {
    return { view: prev, applied: false, reason: `accountThresholdValue ${threshold} exceeded: the import would inactivate ${inactivated.length} account(s); nothing was changed`, inactivated: [] };
  }
  const accounts = [...next.values()].sort((a, b) => compareIds(a.accountID, b.accountID));
  return {
    view: {
      accounts,
      entitlements: run.sections.entitlements.ok || !run.config.doNotChangeIfFailed ? run.entitlements : prev.entitlements,
      memberships: run.sections.memberships.ok || !run.config.doNotChangeIfFailed ? run.memberships : prev.memberships,
    },
    applied: true,
    ...(accountsOk ? {} : { reason: "the account import failed and doNotChangeIfFailed is not set: the partial result was applied" }),
    inactivated,
  };
}
