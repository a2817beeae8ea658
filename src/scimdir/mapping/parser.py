"""Recursive-descent parser for Entra attribute-mapping expressions (docs/idp/entra-expressions.md
§2).

Hand-written because no library parses this language: it is Microsoft's own, documented only by
prose and examples, with quirks a generated parser would fight (empty argument slots that differ
from ``""``, ``Name()`` meaning zero arguments, bare enum constants, a single optional comparison
per operand position). The grammar (§2.1) is LL(1), so one function per rule suffices.

Nesting is limited to :data:`MAX_DEPTH` levels **[decision]**: Entra's own limit is not documented,
real expressions nest a handful of levels, and the limit keeps a hostile 10,000-character
expression from exhausting Python's stack.
"""

from __future__ import annotations

from dataclasses import dataclass

from scimdir.mapping import ast
from scimdir.mapping.errors import ExpressionSyntaxError
from scimdir.mapping.lexer import Token, TokenKind, tokenize
from scimdir.mapping.validate import validate

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "ParsedExpression", "parse", "parse_expression"]

MAX_LENGTH = 10_000
MAX_DEPTH = 100
ENUM_CONSTANTS = ("vbBinaryCompare", "vbTextCompare")
_OPERATORS: dict[str, ast.CompareOp] = {op: op for op in ("=", "<>", ">", ">=", "<", "<=")}


@dataclass(frozen=True)
class ParsedExpression:
    """A validated syntax tree and the warnings found while reading it."""

    source: str
    node: ast.Node
    warnings: tuple[str, ...]


def parse(expression: str) -> ast.Node:
    """Parse and validate ``expression``; return its syntax tree.

    :raises ExpressionSyntaxError: with the position of the offending token.
    """
    return parse_expression(expression).node


def parse_expression(expression: str) -> ParsedExpression:
    """Like :func:`parse`, also returning the warnings (case-insensitive names, kept escapes)."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            f"The expression is {len(expression)} characters long; Entra accepts at most "
            f"{MAX_LENGTH}. Split the logic over several mappings or simplify it.",
            MAX_LENGTH,
        )
    warnings: list[str] = []
    tokens = tokenize(expression, warnings)
    node = validate(_Parser(tokens).expression(), warnings)
    return ParsedExpression(expression, node, tuple(warnings))


class _Parser:
    """One instance per parse; ``index`` walks ``tokens``."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind is not TokenKind.EOF:
            self.index += 1
        return token

    def expression(self) -> ast.Node:
        if self.current.kind is TokenKind.EOF:
            raise ExpressionSyntaxError(
                'The expression is empty: write a function call, an [attribute] or a "constant".',
                0,
            )
        node = self.comparison(0)
        token = self.current
        if token.kind is not TokenKind.EOF:
            raise ExpressionSyntaxError(self.trailing_message(token, node), token.position)
        return node

    def trailing_message(self, token: Token, previous: ast.Node) -> str:
        if token.kind is TokenKind.ATTRIBUTE and isinstance(previous, ast.Call):
            return (
                f"Indexing with [{token.text}] after a function call is not supported: use "
                f"Item({previous.written}(...), {token.text}) instead."
            )
        if token.kind is TokenKind.OPERATOR:
            return (
                "Only one comparison is allowed here and there is no AND/OR: nest IIF calls "
                'instead, e.g. IIF([a]="x", IIF([b]="y", "True", "False"), "False").'
            )
        if token.kind is TokenKind.RPAREN:
            return "Unbalanced ')': there is no matching '(' before it."
        if token.kind is TokenKind.COMMA:
            return (
                "Unexpected ',': arguments are only allowed inside a function call's parentheses."
            )
        return (
            f"Unexpected {_describe(token)} after a complete expression: separate arguments "
            "with commas inside a function call."
        )

    def comparison(self, depth: int) -> ast.Node:
        if depth > MAX_DEPTH:
            raise ExpressionSyntaxError(
                f"The expression nests more than {MAX_DEPTH} levels deep; simplify it.",
                self.current.position,
            )
        left = self.operand(depth)
        token = self.current
        if token.kind is not TokenKind.OPERATOR:
            return left
        self.advance()
        right = self.operand(depth)
        return ast.Compare(_OPERATORS[token.text], left, right, left.position, token.position)

    def operand(self, depth: int) -> ast.Node:
        token = self.advance()
        kind = token.kind
        if kind is TokenKind.ATTRIBUTE:
            return ast.Attribute(token.text, token.position)
        if kind is TokenKind.STRING:
            return ast.String(token.text, token.position)
        if kind is TokenKind.NUMBER:
            return ast.Number(token.text, token.position)
        if kind is TokenKind.HEX:
            return ast.HexNumber(int(token.text, 16), token.position)
        if kind is TokenKind.NAME:
            if self.current.kind is TokenKind.LPAREN:
                return self.call(token, depth)
            return self.bare_name(token)
        raise ExpressionSyntaxError(self.missing_operand(token), token.position)

    def missing_operand(self, token: Token) -> str:
        if token.kind is TokenKind.EOF:
            return "The expression ends too early: a value is missing here."
        if token.kind is TokenKind.LPAREN:
            return (
                "Parentheses must follow a function name, e.g. Join(...); grouping is not "
                "supported."
            )
        return (
            f'Expected a function call, an [attribute], a "string" or a number, found '
            f"{_describe(token)}."
        )

    def bare_name(self, token: Token) -> ast.Node:
        for constant in ENUM_CONSTANTS:
            if token.text.lower() == constant.lower():
                return ast.EnumConst(constant, token.position)
        raise ExpressionSyntaxError(
            f"'{token.text}' is neither a function call nor a known constant: write "
            f'[{token.text}] for a source attribute, "{token.text}" for text, or '
            f"{token.text}(...) for a function.",
            token.position,
        )

    def call(self, name: Token, depth: int) -> ast.Call:
        opening = self.advance()
        args: list[ast.Node | None] = []
        if self.current.kind is TokenKind.RPAREN:
            self.advance()
            return ast.Call(name.text, (), name.position, name.text)
        while True:
            if self.current.kind in (TokenKind.COMMA, TokenKind.RPAREN):
                args.append(None)
            else:
                args.append(self.comparison(depth + 1))
            token = self.advance()
            if token.kind is TokenKind.RPAREN:
                return ast.Call(name.text, tuple(args), name.position, name.text)
            if token.kind is TokenKind.COMMA:
                continue
            if token.kind is TokenKind.EOF:
                raise ExpressionSyntaxError(
                    f"Missing ')' to close {name.text}( opened at position {opening.position}.",
                    opening.position,
                )
            if token.kind is TokenKind.ATTRIBUTE and isinstance(args[-1], ast.Call):
                raise ExpressionSyntaxError(
                    f"Indexing with [{token.text}] after a function call is not supported: use "
                    f"Item(..., {token.text}) instead.",
                    token.position,
                )
            raise ExpressionSyntaxError(
                f"Expected ',' or ')' in the arguments of {name.text}, found {_describe(token)}.",
                token.position,
            )


def _describe(token: Token) -> str:
    """How to name a token in a message."""
    if token.kind is TokenKind.EOF:
        return "the end of the expression"
    if token.kind is TokenKind.STRING:
        return f'the string "{token.text}"'
    if token.kind is TokenKind.ATTRIBUTE:
        return f"the attribute [{token.text}]"
    if token.kind is TokenKind.NAME:
        return f"the name '{token.text}'"
    return f"'{token.text}'"
