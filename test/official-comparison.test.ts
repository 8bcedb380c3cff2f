/**
 * Structural comparison with the official package (test/fixtures/official/INCONTACT.zip).
 * Every leaf of every official document must be kept by our acme-dev build — same path, same
 * value — unless it is listed below as a deliberate change with its reason; each change asserts
 * what we emit instead, and every listed change must still be needed (no stale entries).
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { compileTenant } from "../src/build/compile.js";
import { REST_ATTRIBUTES } from "../src/saviynt/t2p.js";
import { parseBody } from "./helpers/bodies.js";
import { readConnection } from "./helpers/zip-entries.js";

const repo = resolve(import.meta.dirname, "..");
const officialZip = resolve(repo, "test/fixtures/official/INCONTACT.zip");
const BASE = "https://api-na1.niceincontact.com/inContactAPI/services/v34.0";

type Leaves = Map<string, unknown>;

/** Flattens a document to path → leaf; httpParams strings are parsed and descended into as `httpParams{}`. */
function leaves(value: unknown, path = "", out: Leaves = new Map()): Leaves {
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === "object") for (const [k, v] of Object.entries(value)) leaves(v, path ? `${path}.${k}` : k, out);
  else if (typeof value === "string" && path.endsWith("httpParams")) leaves(parseBody(value), `${path}{}`, out);
  else out.set(path, value);
  return out;
}

interface Change {
  reason: string;
  /** What we emit at the same path, or at `movedTo`. `undefined` = removed on purpose. */
  now: unknown;
  movedTo?: string;
}

const absolute = (path: string) => `${BASE}${path}`;
const importUrlChange = (path: string, query: string): Change => ({
  reason: "absolute URL (Saviynt has no base URL) with explicit paging (docs/cxone-contract.md#agents, docs/saviynt-rest-format.md#relative-urls)",
  now: absolute(`${path}?${query}`),
});
const nextUrl: Change = {
  reason: "null-safe at every level and stops on a null, missing or empty _links.next, and on a 204 page without a body (docs/cxone-contract.md#simulator-lists)",
  now: "${response?.completeResponseMap?._links?.next ?: null}",
};
const agentRefString: Change = { reason: "agentId is a string in the v34 team-membership request schema", now: "${account.accountID}" };
const bodyMoved = (field: string, now: unknown, attribute = "UpdateAccountJSON"): Change => ({
  reason: `${attribute}: single-agent PUT takes {"agent":{…}}, not {"agents":[…]} (docs/cxone-contract.md#agents, #official-package)`,
  now,
  movedTo: `call[0].httpParams{}.agent.${field}`,
});

/** Deliberate changes, keyed by attribute then official leaf path. */
const CHANGES: Record<string, Record<string, Change>> = {
  ImportAccountEntJSON: {
    "accountParams.call.call1.http.url": importUrlChange("/agents", "top=50&skip=0&orderBy=agentId"),
    "accountParams.call.call1.colsToPropsMap.email": {
      reason: "`email` is not a Saviynt account column (docs/saviynt-rest-format.md#target-columns); the address goes to customproperty7",
      now: undefined,
    },
    "accountParams.call.call1.colsToPropsMap.status": {
      reason: "status comes from statusColumn + activeStatus; mapping isActive straight to status is defect #2 of docs/saviynt-rest-format.md#lint-rules",
      now: undefined,
    },
    "accountParams.call.call1.pagination.nextUrl.nextUrlPath": nextUrl,
    "entitlementParams.entTypes.Teams.call.call1.http.url": importUrlChange("/teams", "top=50&skip=0&orderBy=teamId"),
    "entitlementParams.entTypes.Teams.call.call1.pagination.nextUrl.nextUrlPath": nextUrl,
    "acctEntParams.entTypes.Teams.call.call1.http.url": { reason: "absolute URL", now: absolute("/teams/${id}") },
    "acctEntParams.entTypes.Teams.call.call1.http.httpContentType": {
      reason: "a GET carries no form body; the API answers JSON",
      now: "application/json",
    },
    "acctEntParams.entTypes.Teams.call.call1.listField": {
      reason: "GET /teams/{id} returns the members at teams[0].agents, not at the top level (docs/cxone-contract.md#official-package)",
      now: "teams[0].agents",
    },
  },
  CreateAccountJSON: {
    "call[0].url": { reason: "absolute URL", now: absolute("/agents") },
    "call[0].httpParams{}.agents[0].middleName": { reason: "null-safe: an identity without a middle name sends \"\"", now: "${user.middlename==null?'':user.middlename}" },
    "call[0].httpParams{}.agents[0].userName": {
      reason: "CXone requires an email-shaped userName (docs/cxone-contract.md#agents, #official-package); Saviynt usernames are not",
      now: "${user.email}",
    },
    "call[0].httpParams{}.agents[0].userId": {
      reason: "userId is optional and must be a 36–38 character GUID; customproperty20 is not one by default",
      now: undefined,
    },
    "call[0].httpParams{}.agents[0].state": { reason: "null-safe state", now: "${user.state==null?'':user.state}" },
  },
  UpdateAccountJSON: {
    "call[0].url": { reason: "absolute URL", now: absolute("/agents/${account.accountID}") },
    "call[0].httpParams{}.agents[0].firstName": bodyMoved("firstName", "${user.firstname}"),
    "call[0].httpParams{}.agents[0].middleName": bodyMoved("middleName", "${user.middlename==null?'':user.middlename}"),
    "call[0].httpParams{}.agents[0].lastName": bodyMoved("lastName", "${user.lastname}"),
    "call[0].httpParams{}.agents[0].emailAddress": bodyMoved("emailAddress", "${user.email}"),
    "call[0].httpParams{}.agents[0].userName": bodyMoved("userName", "${user.email}"),
    "call[0].httpParams{}.agents[0].userId": { reason: "userId dropped (see CreateAccountJSON)", now: undefined },
    "call[0].httpParams{}.agents[0].country": bodyMoved("country", "${user.country}"),
    "call[0].httpParams{}.agents[0].state": bodyMoved("state", "${user.state==null?'':user.state}"),
    "call[0].httpParams{}.agents[0].city": bodyMoved("city", "${user.city}"),
  },
  EnableAccountJSON: {
    "call[0].url": { reason: "absolute URL", now: absolute("/agents/${account.accountID}") },
    "call[0].httpParams{}.agents[0].isActive": bodyMoved("isActive", true, "EnableAccountJSON"),
  },
  DisableAccountJSON: {
    "call[0].url": { reason: "absolute URL", now: absolute("/agents/${account.accountID}") },
    "call[0].httpParams{}.agents[0].isActive": bodyMoved("isActive", false, "DisableAccountJSON"),
  },
  AddAccessJSON: {
    "call[0].url": { reason: "absolute URL", now: absolute("/teams/${entitlementValue.entitlementID}/agents") },
    "call[0].httpParams{}.agents[0].agentId": agentRefString,
  },
  RemoveAccessJSON: {
    "call[0].url": {
      reason: "DELETE /teams/{id}/agents requires transferTeamId: every agent must stay in a team (docs/cxone-contract.md#teams, #official-package)",
      now: absolute("/teams/${entitlementValue.entitlementID}/agents?transferTeamId=1299"),
    },
    "call[0].httpParams{}.agents[0].agentId": agentRefString,
  },
};

let official: Awaited<ReturnType<typeof readConnection>>;
let ours: Awaited<ReturnType<typeof readConnection>>;
let ourDocs: Record<string, unknown>;

beforeAll(async () => {
  official = await readConnection(readFileSync(officialZip));
  // The official package's tenant values: a threshold of 10 (acme-dev relaxes it to 100).
  const result = await compileTenant(join(repo, "examples/tenants/acme-dev.yaml"), { cwd: repo, set: ["import.accountThreshold=10"] });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  ours = await readConnection(result.package!.zip);
  ourDocs = result.attributes as Record<string, unknown>;
});

describe("official INCONTACT.zip vs our acme-dev build", () => {
  test("same 24 attributes in the same (native) order", () => {
    expect(official.attributes.map(([n]) => n)).toEqual([...REST_ATTRIBUTES]);
    expect(ours.attributes.map(([n]) => n)).toEqual([...REST_ATTRIBUTES]);
  });

  test("the same attributes are filled", () => {
    const filled = (attrs: (readonly [string, string | null])[]) => attrs.filter(([, v]) => v !== null && v !== "").map(([n]) => n);
    // ConnectionJSON: the official one is ciphertext; ours is "" in the zip and written beside it.
    expect(filled(official.attributes)).toEqual(["ConnectionJSON", ...Object.keys(CHANGES)].sort(byNativeOrder));
    expect(filled(ours.attributes)).toEqual(Object.keys(CHANGES).sort(byNativeOrder));
    expect(ours.attributes.find(([n]) => n === "ConnectionJSON")![1]).toBe("");
  });

  test.each(Object.keys(CHANGES))("%s keeps every official mapping or changes it on purpose", (attribute) => {
    const officialText = official.attributes.find(([n]) => n === attribute)![1]!;
    const theirs = leaves(JSON.parse(officialText));
    const mine = leaves(ourDocs[attribute]);
    const changes = CHANGES[attribute]!;
    const unexplained: string[] = [];
    for (const [path, value] of theirs) {
      const change = changes[path];
      if (!change) {
        if (!mine.has(path) || mine.get(path) !== value) unexplained.push(`${path}: official ${JSON.stringify(value)}, ours ${JSON.stringify(mine.get(path))}`);
        continue;
      }
      expect(value, `${path} must still differ from the official value`).not.toEqual(change.now === undefined ? Symbol("removed") : change.movedTo ? Symbol("moved") : change.now);
      if (change.now === undefined) expect(mine.has(path), `${path} is removed (${change.reason})`).toBe(false);
      else expect(mine.get(change.movedTo ?? path), `${path}: ${change.reason}`).toEqual(change.now);
    }
    expect(unexplained).toEqual([]);
    for (const path of Object.keys(changes)) expect(theirs.has(path), `stale change entry ${path}`).toBe(true);
  });

  test("create sends every field CXone v34 requires (the official body misses teamId, profileId, timeZone)", () => {
    const body = leaves(ourDocs.CreateAccountJSON);
    expect(body.get("call[0].httpParams{}.agents[0].teamId")).toBe("1201");
    expect(body.get("call[0].httpParams{}.agents[0].profileId")).toBe(5);
    expect(body.get("call[0].httpParams{}.agents[0].timeZone")).toBe("(GMT-07:00) Mountain Time (US & Canada)");
  });
});

function byNativeOrder(a: string, b: string): number {
  return REST_ATTRIBUTES.indexOf(a as never) - REST_ATTRIBUTES.indexOf(b as never);
}
