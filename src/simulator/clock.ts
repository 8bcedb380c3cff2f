/**
 * The simulator's clock. Token expiry, `lastUpdated`, `inactiveDate` and `lastPollTime` all come
 * from it, so tests stay deterministic: by default it is a manual clock that only moves when told
 * to. A caller may inject its own `now`, or ask for wall-clock time explicitly.
 */
export interface SimClock {
  now(): Date;
  /** False for an injected or real-time clock: `set`/`advance` then return false and do nothing. */
  readonly settable: boolean;
  set(time: Date | string): boolean;
  advance(ms: number): boolean;
}

/** Default start of the manual clock. */
export const DEFAULT_START = "2026-01-15T12:00:00.000Z";

export function manualClock(start: Date | string = DEFAULT_START): SimClock {
  let current = toMs(start);
  return {
    settable: true,
    now: () => new Date(current),
    set(time) {
      current = toMs(time);
      return true;
    },
    advance(ms) {
      current += ms;
      return true;
    },
  };
}

export function injectedClock(now: () => Date): SimClock {
  return { settable: false, now, set: () => false, advance: () => false };
}

/** Wall-clock time; only used when the caller asks for it (`clock: "real"`). */
export function realClock(): SimClock {
  return injectedClock(() => new Date());
}

function toMs(time: Date | string): number {
  const ms = typeof time === "string" ? Date.parse(time) : time.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not a date: ${String(time)}`);
  return ms;
}
