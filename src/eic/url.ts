/**
 * Where savpkg may send EIC credentials: `https://<host>[:port]` with no path, query or user info
 * (a base URL with a path makes login 404 on a real tenant), or plain http to this machine only
 * (127.0.0.1 / localhost, for fakes and tests). Checked before any connection is attempted.
 */
import { diag, type Diagnostic } from "../core/diagnostics.js";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** The origin (`https://acme.saviyntcloud.com`) of an acceptable EIC URL, or one EIC_URL_REFUSED. */
export function checkEicUrl(raw: string, where: { file?: string; line?: number; col?: number; path?: string } = {}): { origin?: string; diagnostics: Diagnostic[] } {
  const refuse = (why: string) => ({ diagnostics: [diag("EIC_URL_REFUSED", `EIC URL ${JSON.stringify(raw)} refused: ${why}`, where)] });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("not a URL; expected https://<tenant>.saviyntcloud.com");
  }
  if (url.username !== "" || url.password !== "") return refuse("user info in the URL; credentials come from eic.username / eic.password");
  if (url.protocol === "http:" && !LOOPBACK.has(url.hostname)) return refuse("plain http is only allowed to 127.0.0.1 or localhost; use https");
  if (url.protocol !== "https:" && url.protocol !== "http:") return refuse(`scheme ${url.protocol} is not https`);
  if ((url.pathname !== "/" && url.pathname !== "") || url.search !== "" || url.hash !== "") return refuse("give the host only, without a path, query or fragment (EIC serves /ECM/... itself)");
  return { origin: url.origin, diagnostics: [] };
}
