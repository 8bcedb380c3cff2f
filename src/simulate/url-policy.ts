/**
 * Host rewriting: a simulation can never reach a real system. Absolute URLs of the tenant's CXone
 * hosts (or, without a tenant, any CXone API or token path) go to the simulator with path and API
 * version kept; relative URLs are resolved against the API base; every other host is refused.
 */
import type { UrlPolicy } from "../executor/index.js";
import type { Simulator } from "../simulator/index.js";
import type { Prepared } from "./prepare.js";

const CXONE_PATH = /^\/(incontactapi\/|auth\/token|incontactauthorizationserver\/token|authentication\/v1\/token)/i;

export function urlPolicy(sim: Simulator, prepared: Prepared): UrlPolicy {
  const simBase = new URL(sim.baseUrl);
  const apiBase = new URL(prepared.apiBase);
  const basePath = apiBase.pathname.replace(/\/+$/, "");
  return (url) => {
    const text = url.trim();
    if (/^[a-z][a-z0-9+.-]*:/i.test(text)) {
      let u: URL;
      try {
        u = new URL(text);
      } catch {
        return { ok: false, reason: `"${text}" is not a valid URL` };
      }
      if (u.origin === simBase.origin) return { ok: true, url: u.href };
      const allowed = prepared.origins ? prepared.origins.has(u.origin) : (u.protocol === "https:" || u.protocol === "http:") && CXONE_PATH.test(u.pathname);
      if (!allowed) {
        return { ok: false, reason: `refusing to call ${u.origin}: only ${prepared.origins ? [...prepared.origins].join(" and ") : "CXone API and token URLs"} are redirected to the simulator` };
      }
      return { ok: true, url: `${simBase.origin}${u.pathname}${u.search}` };
    }
    if (text === "" || text.startsWith("//")) return { ok: false, reason: `"${text}" is not a URL` };
    // Relative URLs are undocumented (docs/saviynt-rest-format.md#relative-urls): resolved against the API base, path kept.
    const path = text.startsWith("/") ? text : `/${text}`;
    return { ok: true, url: `${simBase.origin}${basePath}${path}`, note: `relative URL resolved against ${prepared.apiBase}` };
  };
}
