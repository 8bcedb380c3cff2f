/**
 * The Saviynt `${…}` expression language, in one place: the tokenizer, the parser (one syntax
 * tree with source offsets), the span scanner for text with expressions, the vocabulary of
 * bindings and methods, and the allowlist the tenant checker and the lint rules apply to the tree.
 * The executor interprets the same tree (src/executor/expression.ts).
 */
export { checkExpression, checkExpressions, checkExpressionText, checkTree, type ExpressionProblem, type ProblemKind } from "./allowlist.js";
export { MAX_DEPTH, MAX_LENGTH, parseExpression, subtrees, type BinaryOp, type Node, type Parsed } from "./parser.js";
export { expressionEnd, findExpressions, findMissingDollar, replaceExpressions, type ExpressionSpan } from "./template.js";
export { tokenize, type Token } from "./tokenizer.js";
export { BINDING_ROOTS, isMethod, JVM_MEMBERS, KEYWORDS, METHODS, ROOT_SHAPES, TENANT_METHODS, USER_ATTRIBUTES, type MethodSpec, type Receiver, type RootShape } from "./vocabulary.js";
