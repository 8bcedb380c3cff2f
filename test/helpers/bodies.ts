/**
 * Parses an httpParams body that may hold unquoted `${…}` bindings (`{"agentId": ${account.accountID}}`):
 * each unquoted binding becomes the string "⟨raw⟩${…}" so bodies can be compared as JSON.
 */
import { findExpressions } from "../../src/saviynt/expression/index.js";

export function parseBody(text: string): unknown {
  const { spans } = findExpressions(text);
  let out = "";
  let last = 0;
  for (const span of spans) {
    const before = text.slice(0, span.start);
    out += text.slice(last, span.start);
    out += insideString(before) ? text.slice(span.start, span.end) : JSON.stringify(`⟨raw⟩${text.slice(span.start, span.end)}`);
    last = span.end;
  }
  return JSON.parse(out + text.slice(last));
}

/** True when the end of `prefix` lies inside a JSON string literal. */
function insideString(prefix: string): boolean {
  let inside = false;
  for (let i = 0; i < prefix.length; i++) {
    if (prefix[i] === "\\" && inside) i++;
    else if (prefix[i] === '"') inside = !inside;
  }
  return inside;
}
