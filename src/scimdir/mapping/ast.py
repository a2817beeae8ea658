"""The syntax tree of an Entra attribute-mapping expression (docs/idp/entra-expressions.md §2.1).

Every node keeps ``position``, the 0-based offset of its first character, so that errors found while
validating or evaluating point at the right place. An empty argument slot (``Switch(x, , ...)``) is
``None`` in :attr:`Call.args`: it means "parameter not supplied", which is not the same as ``""``
(§2.2 rule 5, Graph ``parseExpression``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "Attribute",
    "Call",
    "Compare",
    "CompareOp",
    "EnumConst",
    "HexNumber",
    "Node",
    "Number",
    "String",
]

CompareOp = Literal["=", "<>", ">", ">=", "<", "<="]


@dataclass(frozen=True)
class Attribute:
    """``[name]``: the value of a source attribute (Null when absent)."""

    name: str
    position: int


@dataclass(frozen=True)
class String:
    """``"text"``: a string constant, escapes already resolved."""

    value: str
    position: int


@dataclass(frozen=True)
class Number:
    """``42``, ``-10``, ``42568.75``: a numeral, kept as written (Graph stores it as a Constant)."""

    text: str
    position: int


@dataclass(frozen=True)
class HexNumber:
    """``&HF7``: a VBA hexadecimal integer constant."""

    value: int
    position: int


@dataclass(frozen=True)
class EnumConst:
    """``vbTextCompare`` / ``vbBinaryCompare``: a bare enum name (the InStr compare type)."""

    name: str
    position: int


@dataclass(frozen=True)
class Compare:
    """``left op right``: a comparison, yielding a Boolean (IIF conditions, CBool)."""

    op: CompareOp
    left: Node
    right: Node
    position: int
    op_position: int


@dataclass(frozen=True)
class Call:
    """``Name(arg, , arg)``: a function call; ``None`` marks an empty slot.

    ``name`` is the canonical spelling once validated; ``written`` is what the admin typed.
    """

    name: str
    args: tuple[Node | None, ...]
    position: int
    written: str


Node = Attribute | String | Number | HexNumber | EnumConst | Compare | Call
