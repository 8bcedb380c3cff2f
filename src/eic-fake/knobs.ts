/**
 * The fake EIC's switches. Where the public sources leave the real behaviour open
 * (saviynt-eic-api §11), the fake does not guess: each open question is a knob with a default
 * that the docs lean to, so a test can run the client against every answer.
 */

export type EicVersion = "24.10" | "25.A" | "25.B" | "25.C";

/** A scripted failure: the next `times` matching requests answer `status` (or hang, or drop). */
export interface FakeFault {
  /** v5 endpoint name (`getConnectionDetails`), `login`, `access_token`, or "*" for any request. */
  endpoint: string;
  /** HTTP status to answer (e.g. 503), with an empty JSON object body. */
  status?: number;
  /** Delay before answering (slow responses; with a client timeout below it, a timeout). */
  delayMs?: number;
  /** Destroy the socket without answering (a network error). */
  drop?: boolean;
  /** How many matching requests this fires for (default 1). */
  times?: number;
}

export interface FakeEicKnobs {
  /** Emulated release: 25.B adds the entitlement/discovery attributes and masks ChangePassJSON, 25.C adds AppType. */
  version: EicVersion;
  /** `expires_in` of issued access tokens, seconds. */
  expiresIn: number;
  /** Status of a refused login or refresh (open question 10): 401 or 403, with an empty body. */
  authFailureStatus: 401 | 403;
  /** Accept `Authorization: Basic` on /ECM/api/login (the official SDK's form). */
  acceptBasicLogin: boolean;
  /** What a refresh answers as refresh_token: the same one, an empty string, or a new one (§2.2). */
  refreshTokenMode: "same" | "empty" | "rotate";
  /** getConnectionDetails for an unknown connection (open question 1). */
  notFound: { status: number; body: Record<string, unknown> };
  /** Accept application/json bodies on the v5 calls besides multipart (open question 2). */
  acceptJson: boolean;
  /** How ConnectionJSON comes back on read (open question 3). */
  connectionJsonOnRead: "ciphertext" | "empty" | "omitted" | "plaintext";
  /** Attribute key casing on read (open question 4): as the SDK models them, or all upper case. */
  attributeKeyCase: "as-sent" | "upper";
  /** Update semantics (open question 5): merge keeps attributes not sent; replace clears them. */
  updateMode: "merge" | "replace";
  /** Whether sending "" clears a stored attribute (open question 5); otherwise "" is ignored. */
  emptyStringClears: boolean;
  /** How attribute JSON is stored: re-serialised compact with sorted keys (as observed), or verbatim. */
  reserialize: "compact-sorted" | "verbatim";
  /** testConnection fields that are neither base fields nor attributes of the emulated version. */
  unknownFields: "reject" | "ignore";
  /** Value of the server-added `connectionType` attribute (open question 7). */
  connectionTypeAttribute: string;
  /** getConnections paging (open question 9): default page size and whether offset counts from 0 or 1. */
  defaultMax: number;
  offsetBase: 0 | 1;
  /** The target-system test inside testConnection: "failed" answers "Connection Failed" (still saved). */
  targetTest: "success" | "failed";
  /** What transportPackageStatus reports for a job not yet done (open question 12); "success" completes it. */
  transportOutcome: "success" | "in-progress" | "failed";
  /** Added to every response (slow server). */
  latencyMs: number;
  /** After this many authorised v5 calls, every access token expires once (a token expiring mid-run). */
  expireTokensAfterCalls: number | null;
  faults: FakeFault[];
}

export function defaultFakeKnobs(): FakeEicKnobs {
  return {
    version: "25.B",
    expiresIn: 1800,
    authFailureStatus: 401,
    acceptBasicLogin: true,
    refreshTokenMode: "same",
    notFound: { status: 412, body: { errorcode: 1, msg: "Connection does not exist" } },
    acceptJson: true,
    connectionJsonOnRead: "ciphertext",
    attributeKeyCase: "as-sent",
    updateMode: "merge",
    emptyStringClears: true,
    reserialize: "compact-sorted",
    unknownFields: "reject",
    connectionTypeAttribute: "REST",
    defaultMax: 50,
    offsetBase: 0,
    targetTest: "success",
    transportOutcome: "success",
    latencyMs: 0,
    expireTokensAfterCalls: null,
    faults: [],
  };
}

const CHOICES: Partial<Record<keyof FakeEicKnobs, readonly unknown[]>> = {
  version: ["24.10", "25.A", "25.B", "25.C"],
  authFailureStatus: [401, 403],
  refreshTokenMode: ["same", "empty", "rotate"],
  connectionJsonOnRead: ["ciphertext", "empty", "omitted", "plaintext"],
  attributeKeyCase: ["as-sent", "upper"],
  updateMode: ["merge", "replace"],
  reserialize: ["compact-sorted", "verbatim"],
  unknownFields: ["reject", "ignore"],
  offsetBase: [0, 1],
  targetTest: ["success", "failed"],
  transportOutcome: ["success", "in-progress", "failed"],
};

/** Problems with a knob patch (unknown key, value outside its choices); empty when it is usable. */
export function checkFakeKnobs(patch: unknown): string[] {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return ["knobs must be an object"];
  const defaults = defaultFakeKnobs();
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!Object.hasOwn(defaults, key)) {
      problems.push(`unknown knob ${JSON.stringify(key)}`);
      continue;
    }
    const choices = CHOICES[key as keyof FakeEicKnobs];
    const expected = defaults[key as keyof FakeEicKnobs];
    if (choices && !choices.includes(value)) problems.push(`${key}: expected one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`);
    else if (key === "expireTokensAfterCalls" ? value !== null && !Number.isInteger(value) : typeof value !== typeof expected || Array.isArray(value) !== Array.isArray(expected)) {
      problems.push(`${key}: expected ${key === "expireTokensAfterCalls" ? "an integer or null" : Array.isArray(expected) ? "a list" : typeof expected}`);
    }
  }
  return problems;
}
