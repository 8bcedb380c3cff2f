/**
 * Text with `${…}` expressions in it (a URL, a header, an httpParams body, a tenant agent field):
 * where each expression starts and ends. The end is found with the expression tokenizer, so
 * quotes, escapes and braces inside an expression are read exactly as the parser reads them.
 */
import { isSpace, tokenAt } from "./tokenizer.js";

export interface ExpressionSpan {
  /** Offset of `$`. */
  start: number;
  /** Offset just after the closing `}`. */
  end: number;
  /** The text between `${` and `}`. */
  body: string;
}

/**
 * Index just after the `}` that closes the `${` at `start`, or -1 when it is never closed.
 * Braces of closures inside count; braces inside string literals do not.
 */
export function expressionEnd(text: string, start: number): number {
  let depth = 1;
  let i = start + 2;
  while (i < text.length) {
    if (isSpace(text[i])) {
      i++;
      continue;
    }
    const token = tokenAt(text, i);
    if (token.type === "op" && token.text === "{") depth++;
    else if (token.type === "op" && token.text === "}" && --depth === 0) return token.end;
    i = token.end;
  }
  return -1;
}

/** Finds the `${…}` spans of a text and the offset of an unclosed `${` (after which nothing is read). */
export function findExpressions(text: string): { spans: ExpressionSpan[]; unclosedAt?: number } {
  const spans: ExpressionSpan[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf("${", i);
    if (start < 0) break;
    const end = expressionEnd(text, start);
    if (end < 0) return { spans, unclosedAt: start };
    spans.push({ start, end, body: text.slice(start + 2, end - 1) });
    i = end;
  }
  return { spans };
}

/**
 * The text with each `${…}` replaced by what `replace` returns for it; `undefined` when a `${` is
 * never closed (the caller decides what that means).
 */
export function replaceExpressions(text: string, replace: (span: ExpressionSpan) => string): string | undefined {
  const { spans, unclosedAt } = findExpressions(text);
  if (unclosedAt !== undefined) return undefined;
  let out = "";
  let last = 0;
  for (const span of spans) {
    out += text.slice(last, span.start) + replace(span);
    last = span.end;
  }
  return out + text.slice(last);
}

const MISSING_DOLLAR = /(^|[^$])\{\s*(user|account|entitlementValue|userAccount|task|requestAccessAttributes|connection)\.[A-Za-z_]/g;

/** Offsets of bindings written without `$` (`{account.accountID}`), which Saviynt sends literally (docs/saviynt-rest-format.md#lint-rules). */
export function findMissingDollar(text: string): number[] {
  const offsets: number[] = [];
  for (const m of text.matchAll(MISSING_DOLLAR)) offsets.push(m.index + m[1]!.length);
  return offsets;
}
