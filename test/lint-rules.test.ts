/**
 * One minimal failing document per lint rule (docs/saviynt-rest-format.md#lint-rules), each asserting
 * exactly the code and JSON path reported, plus the clean case: our own rendered documents.
 */
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { checkAttributes, type AttributeDocuments } from "../src/package/rules.js";
import { compileTenant } from "../src/build/compile.js";

const repo = resolve(import.meta.dirname, "..");
const headers = { Authorization: "${access_token}" };
const without = (object: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
const call = (extra: Record<string, unknown> = {}) => ({
  name: "call1",
  connection: "acctAuth",
  url: "https://api.example.com/v1/users",
  httpMethod: "POST",
  httpParams: '{"name":"${user.firstname}"}',
  httpHeaders: headers,
  httpContentType: "application/json",
  successResponses: { statusCode: [200] },
  ...extra,
});
const importDoc = (callExtra: Record<string, unknown> = {}, params: Record<string, unknown> = {}) => ({
  accountParams: {
    connection: "acctAuth",
    statusAndThresholdConfig: { statusColumn: "customproperty11", activeStatus: ["true"] },
    ...params,
    call: {
      call1: {
        callOrder: 0,
        http: { url: "https://api.example.com/v1/users", httpHeaders: headers, httpMethod: "GET" },
        listField: "users",
        keyField: "accountID",
        colsToPropsMap: { accountID: "id~#~char", name: "login~#~char", customproperty11: "active~#~char" },
        ...callExtra,
      },
    },
  },
});
const connection = { authentications: { acctAuth: { authType: "oauth2", url: "https://auth.example.com/token", httpMethod: "POST", httpContentType: "application/json" } } };

const CASES: [string, AttributeDocuments, [string, string][]][] = [
  ["relative URL", { CreateAccountJSON: { call: [call({ url: "/agents" })] } }, [["PKG_URL_RELATIVE", "CreateAccountJSON.call[0].url"]]],
  ["URL with a leading space", { CreateAccountJSON: { call: [call({ url: " https://api.example.com/x" })] } }, [["PKG_URL_WHITESPACE", "CreateAccountJSON.call[0].url"]]],
  ["lower-case method", { UpdateAccountJSON: { call: [call({ httpMethod: "put" })] } }, [["PKG_METHOD", "UpdateAccountJSON.call[0].httpMethod"]]],
  ["httpParams as an object", { CreateAccountJSON: { call: [call({ httpParams: {} })] } }, [["PKG_HTTPPARAMS_NOT_STRING", "CreateAccountJSON.call[0].httpParams"]]],
  ["httpParams with an extra brace", { CreateAccountJSON: { call: [call({ httpParams: '{"a":"${user.email}"}}' })] } }, [["PKG_HTTPPARAMS_INVALID", "CreateAccountJSON.call[0].httpParams"]]],
  ["httpParams with an unclosed binding", { CreateAccountJSON: { call: [call({ httpParams: '{"a":"${user.phonenumber"}' })] } }, [["PKG_HTTPPARAMS_INVALID", "CreateAccountJSON.call[0].httpParams"]]],
  ["unquoted numeric binding is fine", { AddAccessJSON: { call: [call({ name: "Teams", httpParams: '{"agents":[{"agentId": ${account.accountID}}]}' })] } }, []],
  ["no successResponses", { CreateAccountJSON: { call: [without(call(), "successResponses")] } }, [["PKG_SUCCESS_RESPONSES", "CreateAccountJSON.call[0]"]]],
  ["miscased SuccessResponses", { CreateAccountJSON: { call: [{ ...without(call(), "successResponses"), SuccessResponses: { statusCode: [200] } }] } }, [["PKG_SUCCESS_RESPONSES", "CreateAccountJSON.call[0].SuccessResponses"]]],
  ["empty header name", { CreateAccountJSON: { call: [call({ httpHeaders: { "": "${access_token}" } })] } }, [["PKG_EMPTY_HEADER", 'CreateAccountJSON.call[0].httpHeaders[""]']]],
  ["binding without $", { CreateAccountJSON: { call: [call({ url: "https://api.example.com/accounts/{account.accountID}" })] } }, [["PKG_BINDING_MISSING_DOLLAR", "CreateAccountJSON.call[0].url"]]],
  ["binding typo", { CreateAccountJSON: { call: [call({ httpParams: '{"a":"${user.custompropertry6}"}' })] } }, [["PKG_BINDING_UNKNOWN", "CreateAccountJSON.call[0].httpParams"]]],
  ["unknown binding root", { CreateAccountJSON: { call: [call({ httpParams: '{"a":"${entitlementValue_entitlement_value}"}' })] } }, [["PKG_BINDING_UNKNOWN", "CreateAccountJSON.call[0].httpParams"]]],
  ["access call name is not an entitlement type", { ImportAccountEntJSON: { ...importDoc(), entitlementParams: { entTypes: { Groups: { call: { call1: { callOrder: 0, http: { url: "https://api.example.com/g", httpMethod: "GET" } } } } } } }, AddAccessJSON: { call: [call({ name: "Entitlement" })] } }, [["PKG_ACCESS_NAME", "AddAccessJSON.call[0].name"]]],
  ["connection names no auth block", { ConnectionJSON: connection, CreateAccountJSON: { call: [call({ connection: "userAuth" })] } }, [["PKG_CONNECTION_UNRESOLVED", "CreateAccountJSON.call[0].connection"]]],
  ["active values under `active`", { ImportAccountEntJSON: importDoc({}, { statusAndThresholdConfig: { statusColumn: "customproperty11", active: ["true"] } }) }, [["PKG_ACTIVE_STATUS_KEY", "ImportAccountEntJSON.accountParams.statusAndThresholdConfig"]]],
  ["activeStatus of mixed types", { ImportAccountEntJSON: importDoc({}, { statusAndThresholdConfig: { statusColumn: "customproperty11", activeStatus: ["true", 1] } }) }, [["PKG_ACTIVE_STATUS_MIXED", "ImportAccountEntJSON.accountParams.statusAndThresholdConfig.activeStatus"]]],
  ["statusColumn not mapped", { ImportAccountEntJSON: importDoc({ colsToPropsMap: { accountID: "id~#~char", name: "login~#~char" } }) }, [["PKG_STATUS_COLUMN_UNMAPPED", "ImportAccountEntJSON.accountParams.statusAndThresholdConfig.statusColumn"]]],
  ["type suffix with a space", { ImportAccountEntJSON: importDoc({ colsToPropsMap: { accountID: "id~#~char ", name: "login~#~char", customproperty11: "active~#~char" } }) }, [["PKG_TYPE_SUFFIX", "ImportAccountEntJSON.accountParams.call.call1.colsToPropsMap.accountID"]]],
  ["missing type suffix", { ImportAccountEntJSON: importDoc({ colsToPropsMap: { accountID: "id", name: "login~#~char", customproperty11: "active~#~char" } }) }, [["PKG_TYPE_SUFFIX", "ImportAccountEntJSON.accountParams.call.call1.colsToPropsMap.accountID"]]],
  ["upper-case target", { ImportAccountEntJSON: importDoc({ colsToPropsMap: { accountID: "id~#~char", name: "login~#~char", customproperty11: "active~#~char", CUSTOMPROPERTY1: "x~#~char" } }) }, [["PKG_TARGET_CASE", "ImportAccountEntJSON.accountParams.call.call1.colsToPropsMap.CUSTOMPROPERTY1"]]],
  ["page directly in a call", { ImportAccountEntJSON: importDoc({ page: { pageSize: 100, pageSizeParam: "limit" } }) }, [["PKG_PAGINATION_PLACEMENT", "ImportAccountEntJSON.accountParams.call.call1.page"]]],
  ["page under accountParams", { ImportAccountEntJSON: importDoc({}, { page: { pageSize: 100 } }) }, [["PKG_PAGINATION_PLACEMENT", "ImportAccountEntJSON.accountParams.page"]]],
  ["pagination on an entitlement type", { ImportAccountEntJSON: { ...importDoc(), entitlementParams: { entTypes: { Permission: { pagination: { nextUrl: { nextUrlPath: "${x}" } }, call: { call1: { callOrder: 0, http: { url: "https://api.example.com/p", httpMethod: "GET" } } } } } } } }, [["PKG_PAGINATION_PLACEMENT", "ImportAccountEntJSON.entitlementParams.entTypes.Permission.pagination"], ["PKG_BINDING_UNKNOWN", "ImportAccountEntJSON.entitlementParams.entTypes.Permission.pagination.nextUrl.nextUrlPath"]]],
  ["totalCountPath literal", { ImportAccountEntJSON: importDoc({ pagination: { offset: { offsetParam: "offset", batchParam: "limit", batchSize: 50, totalCountPath: "5000" } } }) }, [["PKG_TOTALCOUNT_LITERAL", "ImportAccountEntJSON.accountParams.call.call1.pagination.offset.totalCountPath"]]],
];

describe("lint rules", () => {
  test.each(CASES)("%s", (_name, documents, expected) => {
    const found = checkAttributes(documents).map((d) => [d.code, d.path] as [string, string]);
    const sort = (list: [string, string][]) => [...list].sort((a, b) => (a.join() < b.join() ? -1 : 1));
    expect(sort(found)).toEqual(sort(expected));
  });

  test.each(["acme-dev", "acme-prod"])("our %s documents are clean", async (tenant) => {
    const result = await compileTenant(`examples/tenants/${tenant}.yaml`, { cwd: repo, noPack: true });
    expect(checkAttributes(result.attributes!)).toEqual([]);
  });
});
