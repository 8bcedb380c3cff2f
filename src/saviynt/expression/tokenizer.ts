/**
 * The tokenizer of Saviynt `${…}` expressions (Groovy text). One hand-written pass, linear in the
 * input, no regular expressions. It never fails: a construct outside the language becomes a token
 * that carries the construct's name, so the parser can refuse it by name and the span scanner can
 * still find where the expression ends.
 */

export interface Token {
  type: "ident" | "number" | "string" | "op";
  /** The source text of the token. */
  text: string;
  /** Offsets into the tokenized text (end exclusive). */
  start: number;
  end: number;
  /** A string literal's decoded value. */
  value?: string;
  /** A string literal's quote. */
  quote?: "'" | '"';
  /** Set when the token is outside the language: what it is, for the diagnostic. */
  construct?: string;
}

/** Operators, longest first; a name marks those outside the language. */
const OPERATORS: ReadonlyArray<readonly [string, string?]> = [
  ["==~", "a regex operator"],
  ["<=>", 'the spaceship operator "<=>"'],
  ["..<", 'a range "..<"'],
  [">>>", "a shift operator"],
  ["**=", 'an assignment "**="'],
  ["<<=", 'an assignment "<<="'],
  [">>=", 'an assignment ">>="'],
  ["?.@", 'an annotation or field access ".@"'],
  ["?.&", 'a method pointer ".&"'],
  ["?*.", 'a spread "*."'],
  ["?.", undefined],
  ["?[", undefined],
  ["?:", undefined],
  ["==", undefined],
  ["!=", undefined],
  ["<=", undefined],
  [">=", undefined],
  ["&&", undefined],
  ["||", undefined],
  ["->", 'a closure arrow "->"'],
  ["*.", 'a spread "*."'],
  [".&", 'a method pointer ".&"'],
  [".@", 'an annotation or field access ".@"'],
  ["::", 'a method reference "::"'],
  ["..", 'a range ".."'],
  ["<<", "a shift operator"],
  [">>", "a shift operator"],
  ["++", "an increment or decrement"],
  ["--", "an increment or decrement"],
  ["+=", 'an assignment "+="'],
  ["-=", 'an assignment "-="'],
  ["*=", 'an assignment "*="'],
  ["/=", 'an assignment "/="'],
  ["%=", 'an assignment "%="'],
  ["&=", 'an assignment "&="'],
  ["|=", 'an assignment "|="'],
  ["^=", 'an assignment "^="'],
  ["=~", "a regex operator"],
  ["**", 'the power operator "**"'],
  ["?", undefined],
  [":", undefined],
  ["<", undefined],
  [">", undefined],
  ["!", undefined],
  ["+", undefined],
  ["-", undefined],
  [".", undefined],
  ["(", undefined],
  [")", undefined],
  ["[", undefined],
  ["]", undefined],
  [",", undefined],
  ["=", 'an assignment "="'],
  [";", 'a statement separator ";"'],
  ["{", 'a closure or block "{…}"'],
  ["}", 'a closure or block "{…}"'],
  ["*", "arithmetic other than +"],
  ["/", "arithmetic other than + (or a /slashy/ string)"],
  ["%", "arithmetic other than +"],
  ["~", "a bitwise operator"],
  ["^", "a bitwise operator"],
  ["&", "a bitwise operator"],
  ["|", "a bitwise operator"],
  ["@", 'an annotation or field access "@"'],
];

/** The operators by their first character, longest first within each (a tokenizer hot path). */
const OPERATORS_BY_FIRST: ReadonlyMap<string, ReadonlyArray<readonly [string, string?]>> = (() => {
  const byFirst = new Map<string, (readonly [string, string?])[]>();
  for (const entry of OPERATORS) {
    const list = byFirst.get(entry[0][0]!) ?? [];
    list.push(entry);
    byFirst.set(entry[0][0]!, list);
  }
  return byFirst;
})();

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isIdentStart = (c: string | undefined) => c !== undefined && ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_" || c === "$");
const isIdentPart = (c: string | undefined) => isIdentStart(c) || isDigit(c);
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

export function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
}

const UNICODE_ESCAPE = "a unicode escape \\uXXXX (Groovy decodes it before it reads the code)";

/** The token that starts at `i` (which is not white space and not the end of the text). */
export function tokenAt(text: string, i: number): Token {
  const c = text[i]!;
  const make = (type: Token["type"], end: number, extra: Partial<Token> = {}): Token => ({ type, text: text.slice(i, end), start: i, end, ...extra });
  if (isIdentStart(c)) {
    let j = i + 1;
    while (isIdentPart(text[j])) j++;
    return make("ident", j);
  }
  if (isDigit(c)) {
    let j = i + 1;
    while (isDigit(text[j])) j++;
    if (text[j] === "." && isDigit(text[j + 1])) {
      j += 2;
      while (isDigit(text[j])) j++;
    }
    if (isIdentPart(text[j])) {
      while (isIdentPart(text[j])) j++;
      return make("number", j, { construct: `a number with a type suffix or radix (${text.slice(i, j)})` });
    }
    return make("number", j);
  }
  if (c === "'" || c === '"') return stringAt(text, i, c);
  if (c === "\\") {
    if (text[i + 1] === "u") {
      let j = i + 2;
      while (text[j] === "u") j++;
      for (let k = 0; k < 4 && isHex(text[j]); k++) j++;
      return make("op", j, { construct: UNICODE_ESCAPE });
    }
    return make("op", i + 1, { construct: "a backslash outside a string" });
  }
  for (const [op, construct] of OPERATORS_BY_FIRST.get(c) ?? []) {
    if (text.startsWith(op, i)) return make("op", i + op.length, construct === undefined ? {} : { construct });
  }
  const code = c.codePointAt(0)!;
  const width = code > 0xffff ? 2 : 1;
  return make("op", i + width, { construct: `the character U+${code.toString(16).toUpperCase().padStart(4, "0")}` });
}

/** A '…' or "…" literal with backslash escapes; an unterminated one runs to the end of the text. */
function stringAt(text: string, i: number, quote: "'" | '"'): Token {
  const triple = text.startsWith(quote.repeat(3), i);
  let j = i + (triple ? 3 : 1);
  let value = "";
  let unicode = false;
  let closed = false;
  while (j < text.length) {
    const c = text[j]!;
    if (c === "\\") {
      const e = text[j + 1];
      if (e === "u") unicode = true;
      value += e === undefined ? "" : (ESCAPES[e] ?? e);
      j += 2;
      continue;
    }
    if (triple ? text.startsWith(quote.repeat(3), j) : c === quote) {
      j += triple ? 3 : 1;
      closed = true;
      break;
    }
    value += c;
    j++;
  }
  j = Math.min(j, text.length);
  const token: Token = { type: "string", text: text.slice(i, j), start: i, end: j, value, quote };
  if (!closed) token.construct = "an unterminated string";
  else if (triple) token.construct = "a triple-quoted string";
  else if (unicode) token.construct = UNICODE_ESCAPE;
  // A double-quoted Groovy string is a GString: `$x` and `${…}` inside it are code.
  else if (quote === '"' && value.includes("$")) token.construct = `GString interpolation in ${token.text}`;
  return token;
}

const ESCAPES: Readonly<Record<string, string>> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" };

/** All tokens of an expression body, offsets relative to `text`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (isSpace(text[i])) {
      i++;
      continue;
    }
    const token = tokenAt(text, i);
    tokens.push(token);
    i = token.end;
  }
  return tokens;
}
