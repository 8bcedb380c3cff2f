/** The Saviynt EIC API client: URL policy, contract checks, and the client itself. */
export { checkEicUrl } from "./url.js";
export { EicClient, type EicClientOptions, type Outcome } from "./client.js";
export { checkFields, parseDetails, SERVER_ATTRIBUTES, type ConnectionListItem, type FieldType, type LiveConnection, type WriteOutcome } from "./contract.js";
