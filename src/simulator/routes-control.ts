/**
 * Test control plane under `/__sim/` so a test that spawns the CLI can drive a running simulator
 * over HTTP: state dump and reseed, knobs, faults, token expiry, clock, request log. Control calls
 * need no bearer token (only the optional control token), are never faulted and are not logged.
 *
 *   GET  /__sim/state            dump (seed format)      PUT|POST /__sim/state   reseed (400 + problems if invalid)
 *   GET  /__sim/knobs            current knobs           POST|PATCH /__sim/knobs partial update (400 + problems)
 *   POST /__sim/faults           add rule(s)             DELETE /__sim/faults    clear rules
 *   POST /__sim/tokens/expire    expire access tokens ({"refresh":true} also expires refresh tokens)
 *   GET  /__sim/log              request log             DELETE /__sim/log       clear it
 *   GET  /__sim/clock            {now, settable}         POST /__sim/clock       {"set": ISO} and/or {"advanceMs": n}
 */
import { isObject } from "../core/json.js";
import { checkFault, checkKnobs } from "./knobs.js";
import { parseSeed } from "./seed.js";
import type { SimClock } from "./clock.js";
import type { SimKnobs, SimLogEntry, SimSeed, FaultRule } from "./types.js";
import type { SimResponse } from "./http.js";

export interface ControlPlane {
  knobs: SimKnobs;
  clock: SimClock;
  log: readonly SimLogEntry[];
  setKnobs(patch: Partial<SimKnobs>): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  expireAllTokens(includeRefresh?: boolean): void;
  clearLog(): void;
  dump(): SimSeed;
  reset(seed: SimSeed): void;
}

function bad(message: string, problems: string[] = []): SimResponse {
  return { status: 400, body: { error: message, problems } };
}

export function handleControl(plane: ControlPlane, method: string, path: string, rawBody: string): SimResponse {
  let body: unknown;
  if (rawBody.trim() !== "") {
    try {
      body = JSON.parse(rawBody) as unknown;
    } catch {
      return bad("control body is not valid JSON");
    }
  }
  const route = `${method} ${path.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /__sim/state":
      return { status: 200, body: plane.dump() };
    case "PUT /__sim/state":
    case "POST /__sim/state": {
      const r = parseSeed(body);
      if (!r.seed) return bad("invalid seed", r.diagnostics.map((d) => `${d.path ?? ""}: ${d.message}`));
      plane.reset(r.seed);
      return { status: 200, body: plane.dump() };
    }
    case "GET /__sim/knobs":
      return { status: 200, body: plane.knobs };
    case "POST /__sim/knobs":
    case "PATCH /__sim/knobs": {
      const problems = checkKnobs(body);
      if (problems.length > 0) return bad("invalid knobs", problems);
      plane.setKnobs(body as Partial<SimKnobs>);
      return { status: 200, body: plane.knobs };
    }
    case "POST /__sim/faults": {
      const rules = Array.isArray(body) ? body : [body];
      for (const rule of rules) {
        const problem = checkFault(rule);
        if (problem) return bad(`invalid fault rule: ${problem}`);
      }
      for (const rule of rules) plane.addFault(rule as FaultRule);
      return { status: 200, body: plane.knobs.faults };
    }
    case "DELETE /__sim/faults":
      plane.clearFaults();
      return { status: 200, body: [] };
    case "POST /__sim/tokens/expire":
      plane.expireAllTokens(isObject(body) && body.refresh === true);
      return { status: 200, body: { expired: true } };
    case "GET /__sim/log":
      return { status: 200, body: plane.log };
    case "DELETE /__sim/log":
      plane.clearLog();
      return { status: 200, body: [] };
    case "GET /__sim/clock":
      return { status: 200, body: { now: plane.clock.now().toISOString(), settable: plane.clock.settable } };
    case "POST /__sim/clock": {
      if (!plane.clock.settable) return { status: 409, body: { error: "the clock is injected or real-time and cannot be set" } };
      if (!isObject(body)) return bad("expected {\"set\": ISO date} or {\"advanceMs\": n}");
      if (body.set !== undefined) {
        if (typeof body.set !== "string" || Number.isNaN(Date.parse(body.set))) return bad("set must be an ISO-8601 date-time");
        plane.clock.set(body.set);
      }
      if (body.advanceMs !== undefined) {
        if (!Number.isInteger(body.advanceMs)) return bad("advanceMs must be an integer");
        plane.clock.advance(body.advanceMs as number);
      }
      return { status: 200, body: { now: plane.clock.now().toISOString(), settable: true } };
    }
    default:
      return { status: 404, body: { error: `unknown control route '${route}'` } };
  }
}
