import { diag, type Diagnostic } from "./diagnostics.js";

/**
 * SOURCE_DATE_EPOCH as the environment gives it: whole seconds, 1980-01-01 ≤ t ≤ 2043-12-31 (what
 * the zip writer can store as DOS time). The one validator of it; an empty value means unset.
 */
export function parseSourceDateEpoch(raw: string | undefined): { seconds?: number; diagnostics: Diagnostic[] } {
  if (raw === undefined || raw === "") return { diagnostics: [] };
  const trimmed = raw.trim();
  if (!/^\d{1,12}$/.test(trimmed) || Number(trimmed) < 315532800 || Number(trimmed) > 2335219199) {
    const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
    return {
      diagnostics: [diag("BUILD_SOURCE_DATE_EPOCH", `SOURCE_DATE_EPOCH=${shown}: expected whole seconds since 1970 between 315532800 (1980-01-01) and 2335219199 (2043-12-31)`)],
    };
  }
  return { seconds: Number(trimmed), diagnostics: [] };
}
