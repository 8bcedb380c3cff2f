/**
 * The `httpMethod` values Saviynt's REST connector knows, upper-case only; DELETEWITHBODY and
 * GETWITHBODY are its own names for DELETE and GET that carry a body. One list for the lint rule
 * and the executor.
 */
export const SAVIYNT_HTTP_METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "DELETEWITHBODY", "GETWITHBODY"]);

/** Methods whose httpParams is sent as the request body. */
export const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH", "DELETEWITHBODY", "GETWITHBODY"]);
