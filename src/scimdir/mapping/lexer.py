"""Tokens of the Entra expression language (docs/idp/entra-expressions.md §2.1, §2.2).

Hand-written: the language is tiny and its quirks (``\\`` escapes that keep unknown sequences,
``&H`` hex literals, a ``&`` that must be refused with a hint) are easier to state as code than as
a regular-expression table. Every token carries its 0-based position for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from scimdir.mapping.errors import ExpressionSyntaxError

__all__ = ["Token", "TokenKind", "tokenize"]

_WHITESPACE = " \t\r\n"
_OPERATORS = ("<>", ">=", "<=", "=", ">", "<")
_DIGITS = "0123456789"
_DIGITS_NONEMPTY = tuple(_DIGITS)
_HEX_DIGITS = "0123456789abcdefABCDEF"


class TokenKind(Enum):
    """The kinds of token of §2.1."""

    NAME = "name"
    ATTRIBUTE = "attribute"
    STRING = "string"
    NUMBER = "number"
    HEX = "hex number"
    LPAREN = "("
    RPAREN = ")"
    COMMA = ","
    OPERATOR = "comparison operator"
    EOF = "end of expression"


@dataclass(frozen=True)
class Token:
    """One token: ``text`` is the decoded payload (string value, attribute name, numeral)."""

    kind: TokenKind
    text: str
    position: int


def tokenize(source: str, warnings: list[str] | None = None) -> list[Token]:
    """Split ``source`` into tokens, ending with an ``EOF`` token.

    :param warnings: receives a note for each backslash sequence kept as written (§2.2 rule 4).
    :raises ExpressionSyntaxError: on an unterminated string or attribute, ``&`` concatenation or an
        unexpected character.
    """
    tokens: list[Token] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch in _WHITESPACE:
            i += 1
        elif ch == '"':
            i = _string(source, i, tokens, warnings)
        elif ch == "[":
            end = source.find("]", i + 1)
            if end == -1:
                raise ExpressionSyntaxError(
                    "Unterminated attribute reference: add ']' after the attribute name.", i
                )
            if end == i + 1:
                raise ExpressionSyntaxError(
                    "Empty attribute reference '[]': write the source attribute name inside the "
                    "brackets, e.g. [mail].",
                    i,
                )
            tokens.append(Token(TokenKind.ATTRIBUTE, source[i + 1 : end], i))
            i = end + 1
        elif ch == "&":
            i = _hex(source, i, tokens)
        elif ch in _DIGITS or (ch == "-" and source[i + 1 : i + 2] in _DIGITS_NONEMPTY):
            i = _number(source, i, tokens)
        elif ch.isalpha():
            j = i + 1
            while j < n and (source[j].isalnum() or source[j] == "_"):
                j += 1
            tokens.append(Token(TokenKind.NAME, source[i:j], i))
            i = j
        elif ch in "(),":
            kind = {"(": TokenKind.LPAREN, ")": TokenKind.RPAREN, ",": TokenKind.COMMA}[ch]
            tokens.append(Token(kind, ch, i))
            i += 1
        elif ch in "<>=":
            op = next(op for op in _OPERATORS if source.startswith(op, i))
            tokens.append(Token(TokenKind.OPERATOR, op, i))
            i += len(op)
        else:
            raise ExpressionSyntaxError(_unexpected(ch), i)
    tokens.append(Token(TokenKind.EOF, "", n))
    return tokens


def _string(source: str, start: int, tokens: list[Token], warnings: list[str] | None) -> int:
    r"""Read a string constant; ``\"`` and ``\\`` are escapes, other ``\x`` are kept as written."""
    out: list[str] = []
    i = start + 1
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == '"':
            tokens.append(Token(TokenKind.STRING, "".join(out), start))
            return i + 1
        if ch == "\\" and i + 1 < n:
            nxt = source[i + 1]
            if nxt in '"\\':
                out.append(nxt)
            else:
                out.append(ch + nxt)
                if warnings is not None:
                    warnings.append(
                        f"Position {i}: '\\{nxt}' is not an escape; it is kept as the two "
                        f"characters '\\{nxt}'. Write '\\\\' for a literal backslash."
                    )
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ExpressionSyntaxError(
        'Unterminated string constant: close it with a double quote ("); write \\" for a quotation '
        "mark inside the string.",
        start,
    )


def _hex(source: str, start: int, tokens: list[Token]) -> int:
    """Read ``&H...``; any other ``&`` is the Cloud Sync concatenation operator, refused."""
    j = start + 2
    if source[start + 1 : start + 2] in ("H", "h"):
        while j < len(source) and source[j] in _HEX_DIGITS:
            j += 1
        if j > start + 2:
            tokens.append(Token(TokenKind.HEX, source[start + 2 : j], start))
            return j
    raise ExpressionSyntaxError(
        "The '&' concatenation operator is not supported in application provisioning: use "
        'Join("", a, b) or Append(a, b) instead. (&H followed by hex digits is a hex number.)',
        start,
    )


def _number(source: str, start: int, tokens: list[Token]) -> int:
    """Read ``[-]digits[.digits]``."""
    j = start + 1
    n = len(source)
    while j < n and source[j] in _DIGITS:
        j += 1
    if j + 1 < n and source[j] == "." and source[j + 1] in _DIGITS:
        j += 1
        while j < n and source[j] in _DIGITS:
            j += 1
    tokens.append(Token(TokenKind.NUMBER, source[start:j], start))
    return j


def _unexpected(ch: str) -> str:
    """An admin-friendly message for a character that starts no token."""
    if ch == "'":
        return 'Unexpected "\'": string constants use double quotes, e.g. "text".'
    if ch == "]":
        return "Unexpected ']': attribute references are written [attributeName]."
    if ch == "+":
        return "The '+' operator is not supported: use Join(\"\", a, b) or Append(a, b)."
    return (
        f"Unexpected character {ch!r}: expressions are made of Function(...) calls, "
        '[attribute] references, "string" constants and numbers.'
    )
