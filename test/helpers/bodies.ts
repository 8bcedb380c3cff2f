/**
 * Parses an httpParams body that may hold unquoted `${…}` bindings (`{"agentId": ${account.accountID}}`):
 * each unquoted binding becomes the string "⟨raw⟩${…}" so bodies can be compared as JSON.
 */
import { findExpressions } from "../../src/saviynt/expression/index.js";

export function parseBody(text: string): unknown {
  return JSON.parse(replaceBindings(text, (expression, inString) => (inString ? expression : JSON.stringify(`⟨raw⟩${expression}`))));
}

/** Replaces each `${…}` of a body text by `replace(expression, insideAJsonString)`. */
export function replaceBindings(text: string, replace: (expression: string, inString: boolean) => string): string {
  const { spans } = findExpressions(text);
  let out = "";
  let last = 0;
  for (const span of spans) {
    out += text.slice(last, span.start) + replace(text.slice(span.start, span.end), insideString(text.slice(0, span.start)));
    last = span.end;
  }
  return out + text.slice(last);
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
