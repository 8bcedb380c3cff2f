import { diag, type Diagnostic } from "./diagnostics.js";

/**
 * The times a package can carry: the zip writer stores DOS times 1980-01-01 … 2043-12-31 only
 * (compress-commons clamps the rest while the entry names keep the real stamp). The one place
 * that knows the range, and the one validator of SOURCE_DATE_EPOCH.
 */
export const DOS_TIME_FIRST_MS = Date.UTC(1980, 0, 1);
export const DOS_TIME_END_MS = Date.UTC(2044, 0, 1);
export const DOS_TIME_RANGE_TEXT = "between 1980-01-01T00:00:00Z and 2043-12-31T23:59:59Z (the zip DOS time range)";

export function inDosTimeRange(ms: number): boolean {
  return ms >= DOS_TIME_FIRST_MS && ms < DOS_TIME_END_MS;
}

const FIRST_SECONDS = DOS_TIME_FIRST_MS / 1000;
const LAST_SECONDS = DOS_TIME_END_MS / 1000 - 1;

/** SOURCE_DATE_EPOCH as the environment gives it: whole seconds in the DOS range; an empty value means unset. */
export function parseSourceDateEpoch(raw: string | undefined): { seconds?: number; diagnostics: Diagnostic[] } {
  if (raw === undefined || raw === "") return { diagnostics: [] };
  const trimmed = raw.trim();
  if (!/^\d{1,12}$/.test(trimmed)) return { diagnostics: [epochProblem(raw)] };
  const problems = checkSourceDateEpoch(Number(trimmed), raw);
  return problems.length > 0 ? { diagnostics: problems } : { seconds: Number(trimmed), diagnostics: [] };
}

/** A SOURCE_DATE_EPOCH a library caller passes as a number (compileTenant, runBuild). */
export function checkSourceDateEpoch(seconds: number, shown: string = String(seconds)): Diagnostic[] {
  return Number.isInteger(seconds) && seconds >= FIRST_SECONDS && seconds <= LAST_SECONDS ? [] : [epochProblem(shown)];
}

function epochProblem(raw: string): Diagnostic {
  const shown = raw.length > 40 ? `${raw.slice(0, 40)}…` : raw;
  return diag("BUILD_SOURCE_DATE_EPOCH", `SOURCE_DATE_EPOCH=${shown}: expected whole seconds since 1970 between ${FIRST_SECONDS} (1980-01-01) and ${LAST_SECONDS} (2043-12-31)`);
}
