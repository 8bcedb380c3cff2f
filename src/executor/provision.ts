/**
 * One provisioning task as Saviynt runs a Create/Update/Enable/Disable/AddAccess/RemoveAccess JSON
 * (docs/saviynt-rest-format.md#provisioning): the calls in order — for access JSONs only those whose `name`
 * is the task's entitlement type (docs/saviynt-rest-format.md#access-calls) — with `${…}` bindings resolved from a sample identity,
 * account and entitlement and from earlier responses (`response.call1.message…`,
 * `response.Teams1…`), substituted raw into URL, headers and body; success decided by
 * `successResponses` / `unsuccessResponses`; the new account id read at `accountIdPath`.
 */
import { groovyText, resolvePath, type Json, type Scope } from "./expression.js";
import { describeResponse, judgeSuccess, parseBody, requestParts, send, type CallTemplate, type ExecutorContext } from "./http.js";
import { isObject } from "../core/json.js";

export interface ProvisionBindings {
  /** The identity (`${user.*}`). */
  user?: Record<string, Json>;
  /** The target account (`${account.*}`). */
  account?: Record<string, Json>;
  /** The entitlement of an access task (`${entitlementValue.*}`). */
  entitlementValue?: Record<string, Json>;
  /** Other roots Saviynt binds (`accountName`, `password`, …). */
  extra?: Record<string, Json>;
}

export interface ProvisionRequest {
  /** `CreateAccountJSON`, for messages. */
  attribute: string;
  document: unknown;
  /** Operation label of the calls (`create`, `addAccess Teams`). */
  operation: string;
  bindings: ProvisionBindings;
  /** Access tasks run only the calls named after their entitlement type. */
  entitlementType?: string;
}

export interface ProvisionRun {
  ok: boolean;
  reason?: string;
  /** The value at accountIdPath (create), as text. */
  accountId?: string;
  /** Parsed responses by call name (`call1`, `Teams`, `Teams1`): `{message, statusCode}`. */
  responses: Record<string, Json>;
}

export async function runProvision(ctx: ExecutorContext, req: ProvisionRequest): Promise<ProvisionRun> {
  const responses: Record<string, Json> = {};
  const out: ProvisionRun = { ok: true, responses };
  const stop = (reason: string): ProvisionRun => ({ ...out, ok: false, reason });
  const doc = req.document;
  if (!isObject(doc) || !Array.isArray(doc.call)) return stop(`${req.attribute} has no "call" list`);
  const all = doc.call.map((c, i) => [c, i] as const).filter((e): e is readonly [Record<string, unknown>, number] => isObject(e[0]));
  const calls = req.entitlementType === undefined ? all : all.filter(([c]) => c.name === req.entitlementType);
  if (calls.length === 0) {
    if (req.entitlementType !== undefined) {
      const names = [...new Set(all.map(([c]) => String(c.name)))].join(", ");
      return stop(`${req.attribute} has no call named "${req.entitlementType}" (Saviynt runs the calls named after the entitlement type; it has ${names || "none"})`);
    }
    return stop(`${req.attribute} has no calls`);
  }

  const ordinals = new Map<string, number>();
  for (const [call, index] of calls) {
    const where = `${req.attribute}.call[${index}]`;
    const name = typeof call.name === "string" && call.name !== "" ? call.name : `call${index + 1}`;
    const op = `${req.operation} ${name}`;
    const connection = typeof call.connection === "string" ? call.connection : "";
    if (typeof call.url !== "string" || call.url.trim() === "") {
      ctx.record({ operation: op, method: String(call.httpMethod ?? ""), path: "", status: null, result: "fail", reason: `${where} has no url` });
      return stop(`${op}: no url`);
    }
    const { headers, body } = requestParts(call.httpHeaders, call.httpParams);
    const template: CallTemplate = {
      connection,
      url: call.url,
      method: typeof call.httpMethod === "string" && call.httpMethod !== "" ? call.httpMethod : "POST",
      headers,
      ...(typeof call.httpContentType === "string" ? { contentType: call.httpContentType } : {}),
      ...(body !== undefined ? { body } : {}),
      where,
    };
    const block = ctx.sessions.block(connection);
    const scope: Scope = {
      ...(req.bindings.extra ?? {}),
      ...(req.bindings.user ? { user: req.bindings.user } : {}),
      ...(req.bindings.account ? { account: req.bindings.account } : {}),
      ...(req.bindings.entitlementValue ? { entitlementValue: req.bindings.entitlementValue } : {}),
      response: responses,
      ...(block ? { connection: block } : {}),
    };
    const sent = await send(ctx, op, template, scope);
    if (!sent.ok) return stop(`${op}: ${sent.record.reason}`);
    const parsed = parseBody(sent.response);
    const message: Json = "value" in parsed ? (parsed.value ?? null) : sent.response.text;
    const entry: Json = { message, statusCode: sent.response.status };
    responses[name] = entry;
    if (!/\d$/.test(name)) {
      const n = (ordinals.get(name) ?? 0) + 1;
      ordinals.set(name, n);
      responses[`${name}${n}`] = entry;
    }
    const notes = [...sent.notes];
    if (call.successResponses === undefined) notes.push("no successResponses: any 2xx counts as success");
    const why = judgeSuccess(sent.response, "value" in parsed ? parsed.value : undefined, call.successResponses, call.unsuccessResponses);
    if (why) {
      const reason = `${describeResponse(sent.response)} — ${why}`;
      ctx.record({ operation: op, method: sent.method, path: sent.path, status: sent.response.status, result: "fail", reason, ...(notes.length ? { notes } : {}) });
      return stop(`${op}: ${reason}`);
    }
    ctx.record({ operation: op, method: sent.method, path: sent.path, status: sent.response.status, result: "pass", ...(notes.length ? { notes } : {}) });
  }

  const idPath = typeof doc.accountIdPath === "string" ? doc.accountIdPath.trim() : "";
  if (idPath !== "") {
    if (idPath === "accountName") {
      const name = req.bindings.extra?.accountName;
      if (typeof name === "string") out.accountId = name;
    } else {
      const at = resolvePath(responses, idPath);
      const text = at.found && at.value !== null ? groovyText(at.value) : undefined;
      if (!text || !text.ok || text.text === "") return stop(`accountIdPath "${idPath}" found no account id in the response${at.found ? "" : ` (nothing at ${at.at})`}`);
      out.accountId = text.text;
    }
  }
  return out;
}
