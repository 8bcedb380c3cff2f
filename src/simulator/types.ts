/**
 * Data model and public types of the CXone simulator (docs/cxone-contract.md#simulator-data).
 * Seeds and dumps share one JSON shape (`SimSeed`), so a dump can seed another simulator.
 */

/** A security profile: exactly one per agent (docs/cxone-contract.md#groups-and-profiles). */
export interface SimProfile {
  securityProfileId: number;
  securityProfileName: string;
}

export interface SimTeam {
  teamId: number;
  /** Unique (case-insensitive). */
  teamName: string;
  isActive: boolean;
  description: string | null;
  notes: string | null;
  teamLeadId: string | null;
  lastUpdateTime: string;
}

export interface SimAgent {
  /** Auto-increment integer. */
  agentId: number;
  /** GUID; responses spell it `userID`, requests `userId` (docs/cxone-contract.md#agents). */
  userID: string;
  /** Unique (case-insensitive), email-shaped. */
  userName: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  emailAddress: string;
  isActive: boolean;
  /** Every agent is in exactly one team. */
  teamId: number;
  profileId: number;
  timeZone: string;
  country: string;
  state: string | null;
  city: string;
  lastLogin: string | null;
  lastUpdated: string;
  createDate: string;
  inactiveDate: string | null;
  /** Other writable fields of the spec (see agent-fields.ts), stored as sent. */
  extra: Record<string, unknown>;
}

/** Groups are optional and multi-valued (docs/cxone-contract.md#groups-and-profiles). */
export interface SimGroup {
  groupId: number;
  groupName: string;
  isActive: boolean;
  notes: string | null;
  lastUpdated: string;
}

export interface SimGroupMembership {
  groupId: number;
  agentId: number;
}

/**
 * The seed / dump document. In a seed, agent fields other than the core ones are kept as extra
 * fields; `userID`, `createDate`, `lastUpdated` and the `next*` counters may be left out.
 */
export interface SimSeed {
  businessUnitId: number;
  /** Tenant UUID, as in the id_token `tenantId` claim and `/.well-known/cxone-configuration?tenantId=`. */
  tenantId: string;
  /** CXone area (na1, eu1, ...), reported by discovery and in the id_token. */
  area?: string;
  nextAgentId?: number;
  securityProfiles: SimProfile[];
  teams: SimTeam[];
  agents: Array<Omit<SimAgent, "extra"> & Record<string, unknown>>;
  groups?: SimGroup[];
  groupMemberships?: SimGroupMembership[];
}

/** What `_links.next` looks like on the last page (docs/cxone-contract.md#simulator-lists, #open-questions). */
export type LastPageNext = "null" | "omit" | "empty";

/** A fault-injection rule (docs/cxone-contract.md#simulator-faults). */
export interface FaultRule {
  /** HTTP method, or "*" / undefined for any. */
  method?: string;
  /**
   * Path pattern, case-insensitive. Matched against the full path and, for API routes, against the
   * path after `/inContactAPI/services/vNN.N`, so `/agents` matches any version. `*` matches
   * within one segment, `**` across segments.
   */
  path: string;
  /** Status to answer with; leave out for a latency-only rule. */
  status?: 401 | 403 | 429 | 500 | 503;
  /** How many times the rule fires (default: every time). */
  count?: number;
  /** Let this many matching requests through before the rule starts firing (default 0). */
  after?: number;
  /** For 429/503: a `Retry-After` header value (seconds). */
  retryAfter?: number;
  /** Added delay before answering (or before the fault fires). */
  latencyMs?: number;
}

/** Behaviour switches. All can be changed while the server runs (programmatically or over HTTP). */
export interface SimKnobs {
  /** Access-token lifetime (`expires_in`). */
  tokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** The next N calls to a token endpoint fail with `tokenFailureStatus`. */
  failNextTokenCalls: number;
  tokenFailureStatus: 400 | 401 | 500 | 503;
  lastPageNext: LastPageNext;
  /** Rows returned when a list call has no `top` (and the largest `top` honoured). */
  listCap: number;
  /** "Cannot create more than N agents at a time". */
  maxAgentsPerCreate: number;
  /** Team assignment / removal limit per call (10,000 per docs/cxone-contract.md#api-basics). */
  maxTeamAssign: number;
  /** `spec` enforces the documented required fields and types; `lenient` lets the official package's minimal body pass. */
  strictness: "spec" | "lenient";
  /** Defaults used in `lenient` mode for missing create fields (null team/profile = lowest id). */
  lenientDefaults: { teamId: number | null; profileId: number | null; timeZone: string; country: string; city: string };
  /** Accept `{"agents":[{…}]}` on `PUT /agents/{id}` (noted in the request log). */
  acceptAgentsArrayOnSinglePut: boolean;
  /** Active-user licence limit; reactivating past it answers 402. null = unlimited. */
  maxActiveAgents: number | null;
  /** v23 behaviour: a PUT without teamId/profileId answers 200 and changes nothing. */
  v23PutQuirk: boolean;
  /** Wrap the `POST /teams/{id}/agents` response in `resultSet`, as the spec documents. */
  teamAssignResultSet: boolean;
  /** `GET /teams/{id}` lists inactive agents too. */
  teamIncludesInactiveAgents: boolean;
  faults: FaultRule[];
}

export interface SimLogEntry {
  seq: number;
  /** Simulator clock time of the request. */
  time: string;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-cased names; Authorization and Cookie values redacted. */
  headers: Record<string, string>;
  /** Parsed JSON or form body (secrets redacted), the raw text if unparseable, null if empty. */
  body: unknown;
  status: number;
  /** Response body (secrets redacted), null for an empty body. */
  response: unknown;
  /** What the simulator tolerated or ignored (compat knobs, unknown fields, faults). */
  notes: string[];
}

export interface SimClient {
  clientId: string;
  clientSecret: string;
}

export interface SimAccessKey {
  accessKeyId: string;
  accessKeySecret: string;
}
