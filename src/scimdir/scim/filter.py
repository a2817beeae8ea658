"""SCIM filters resolved against our schemas: the typed tree that storage compiles to SQL.

RFC 7644 §3.4.2.2. The grammar itself (operators, ``and``/``or``/``not``, precedence, parentheses,
value paths, URN-qualified attribute paths, JSON literals) is parsed by scim2-models
(``scim2_models.ScimFilter``), a maintained implementation of the ABNF with its errata. This module
only does what that library cannot know: it resolves every attribute path against *our* schema
table (:mod:`scimdir.scim.schema`), checks that storage can evaluate it over an index
(``Attribute.filterable``), converts the comparison value to the attribute's type, and refuses
anything else with ``invalidFilter``. Nothing is ever dropped: a filter either resolves whole or is
refused whole.

Resolved attribute keys (``Field.key``) are the storage contract: ``userName``, ``name.givenName``,
``emails.value``, ``members.value``, ``enterprise.department``, ``enterprise.manager.value``,
``meta.created`` and so on; an attribute of a directory's declared extension has the key
``<urn>:<name>`` (:mod:`scimdir.scim.extensions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scim2_models import ScimFilter
from scim2_models.exceptions import InvalidFilterException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)

from scimdir.scim.characters import UNSTORABLE
from scimdir.scim.errors import invalid_filter, shorten
from scimdir.scim.fast_filter import simple_equality
from scimdir.scim.filterlimits import check_filter_size
from scimdir.scim.limits import InputLimits
from scimdir.scim.schema import (
    ENTERPRISE_USER_SCHEMA,
    Attribute,
    AttrType,
    ResourceType,
)

__all__ = [
    "SORTABLE_KEYS",
    "And",
    "Compare",
    "Expr",
    "Field",
    "Has",
    "Negate",
    "Op",
    "Or",
    "Present_",
    "parse_filter",
    "resolve_attribute",
]

Op = CompareOperator

SORTABLE_KEYS: tuple[str, ...] = (
    "id",
    "externalId",
    "userName",
    "displayName",
    "name.givenName",
    "name.familyName",
    "meta.created",
    "meta.lastModified",
)
"""The keys ``sortBy`` accepts (RFC 7644 §3.4.2.3); storage sorts on each over an index."""
_ORDERING = {Op.gt, Op.ge, Op.lt, Op.le}
_SUBSTRING = {Op.co, Op.sw, Op.ew}


@dataclass(frozen=True)
class Field:
    """A filterable attribute, resolved: its storage key, type and case-exactness."""

    key: str
    type: AttrType
    case_exact: bool
    multi_valued: bool = False


@dataclass(frozen=True)
class Compare:
    """``field op value``; ``value`` is typed (str, bool, int, float, datetime or None)."""

    field: Field
    op: CompareOperator
    value: Any


@dataclass(frozen=True)
class Present_:  # noqa: N801 - "Present" is scim2-models' node; the underscore marks ours
    """``field pr``: the attribute has a non-empty value (RFC 7644 §3.4.2.2)."""

    field: Field


@dataclass(frozen=True)
class And:
    """All terms hold."""

    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    """At least one term holds."""

    terms: tuple[Expr, ...]


@dataclass(frozen=True)
class Negate:
    """``not (expr)``."""

    expr: Expr


@dataclass(frozen=True)
class Has:
    """A value path, ``attr[filter]``: one value of the multi-valued ``attribute`` satisfies
    ``condition``, whose fields are that attribute's sub-attributes (``emails.type`` ...).

    RFC 7644 §3.4.2.2: the conditions inside the brackets apply to the *same* value, which is why
    this is not the same as ``and`` over the flattened sub-attributes.
    """

    attribute: str
    condition: Expr


Expr = Compare | Present_ | And | Or | Negate | Has


def parse_filter(resource_type: ResourceType, text: str, limits: InputLimits | None = None) -> Expr:
    """Parse ``text`` and resolve it against ``resource_type``.

    The text is first measured against ``limits`` (:func:`check_filter_size`, default limits
    when ``None``), without parsing it.

    :raises scim2_models.exceptions.SCIMException: ``invalidFilter`` (400) for a filter above the
        published limits, bad syntax, an unknown attribute, an attribute storage cannot filter
        on, or a value of the wrong type or one no database can store (NUL, a lone surrogate).
    :rfc: 7644 §3.4.2.2
    """
    limits = limits or InputLimits()
    tree: FilterNode | None = None
    if len(text) <= limits.max_filter_length and limits.max_filter_terms >= 1:
        # One comparison without nesting is within every other size limit: the identity
        # providers' matching query skips the size scan (a tenth of a lookup's filter work).
        tree = simple_equality(text)
    if tree is None:
        check_filter_size(text, limits)
        tree = _grammar_tree(text)
    expr = _Resolver(resource_type).visit(tree, prefix=None)
    tests = _multi_valued_tests(expr)
    if tests > limits.max_filter_multi_valued:
        raise invalid_filter(
            f"The filter tests multi-valued attributes (emails, groups, members...) {tests} "
            f"times; scimdir accepts at most {limits.max_filter_multi_valued} such tests per "
            "filter (a published limit: each is a subquery). Split it into several requests."
        )
    return expr


def _grammar_tree(text: str) -> FilterNode:
    """The scim2-models syntax tree of ``text``, or ``invalidFilter`` for bad syntax."""
    try:
        return ScimFilter(text).ast
    except InvalidFilterException as exc:
        raise invalid_filter(
            f"The filter {shorten(text)} is not valid SCIM filter syntax "
            f"({shorten(exc.detail or 'syntax', 200)}). "
            'Write it as in RFC 7644 §3.4.2.2, e.g. userName eq "alice@example.com".'
        ) from exc


def _multi_valued_tests(expr: Expr) -> int:
    """How many subqueries ``expr`` needs: value paths and multi-valued comparisons."""
    count, stack = 0, [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Has):
            count += 1
        elif isinstance(node, Compare | Present_):
            count += node.field.multi_valued
        elif isinstance(node, And | Or):
            stack.extend(node.terms)
        elif isinstance(node, Negate):
            stack.append(node.expr)
    return count


def resolve_attribute(resource_type: ResourceType, path: AttrPath) -> tuple[str, Attribute, bool]:
    """Resolve an attribute path to ``(key prefix, attribute, in_extension)``.

    Used for sortBy too (RFC 7644 §3.4.2.3). Raises ``invalidFilter`` for unknown attributes.
    """
    found = resource_type.resolve(path.uri, path.attr)
    if found is None:
        where = f"schema {shorten(path.uri)}" if path.uri else f"the {resource_type.name} schema"
        raise invalid_filter(f"Unknown attribute {shorten(path)} in {where}.")
    schema, attr = found
    in_ext = schema.id == ENTERPRISE_USER_SCHEMA
    if schema is not resource_type.schema and not in_ext:
        # A declared extension (scimdir.scim.extensions): its key is the full ``urn:name``.
        return f"{schema.id}:{attr.name}", attr, True
    return ("enterprise." if in_ext else "") + attr.name, attr, in_ext


class _Resolver:
    def __init__(self, resource_type: ResourceType) -> None:
        self.rt = resource_type

    def visit(self, node: FilterNode, prefix: Attribute | None) -> Expr:
        if isinstance(node, LogicalExpr):
            terms = tuple(self.visit(t, prefix) for t in node.terms)
            return And(terms) if node.op == LogicalOperator.and_ else Or(terms)
        if isinstance(node, Not):
            return Negate(self.visit(node.expr, prefix))
        if isinstance(node, Present):
            return Present_(self.field(node.attr_path, prefix, for_presence=True))
        if isinstance(node, Comparison):
            field = self.field(node.attr_path, prefix)
            return Compare(field, node.op, self.value(field, node.op, node.value, node))
        if isinstance(node, ValuePath):
            if prefix is not None:
                raise invalid_filter("A value path cannot be nested inside another value path.")
            key, attr, _ = resolve_attribute(self.rt, node.attr_path)
            if not attr.multi_valued or attr.type != AttrType.COMPLEX:
                raise invalid_filter(
                    f"{shorten(node.attr_path)} is not a multi-valued complex attribute; "
                    "brackets select values of attributes such as emails or members."
                )
            self.check_filterable(attr, str(node.attr_path))
            return Has(key, self.visit(node.val_filter, attr))
        raise invalid_filter(f"Unsupported filter expression: {shorten(node)}")  # pragma: no cover

    def field(
        self, path: AttrPath, prefix: Attribute | None, *, for_presence: bool = False
    ) -> Field:
        if prefix is not None:
            # Inside brackets: names are sub-attributes of the bracketed attribute.
            if path.uri is not None or path.sub_attr is not None:
                raise invalid_filter(
                    f'Inside {prefix.name}[...] name sub-attributes only, e.g. type eq "work".'
                )
            sub = prefix.sub(path.attr)
            if sub is None:
                raise invalid_filter(f"{prefix.name} has no sub-attribute {shorten(path.attr)}.")
            self.check_filterable(sub, f"{prefix.name}.{sub.name}")
            key = self._key_of(prefix) + "." + sub.name
            return Field(key, sub.type, sub.case_exact)
        key, attr, _ = resolve_attribute(self.rt, path)
        if path.sub_attr is not None:
            sub = attr.sub(path.sub_attr)
            if sub is None:
                raise invalid_filter(f"{attr.name} has no sub-attribute {shorten(path.sub_attr)}.")
            self.check_filterable(sub, f"{attr.name}.{sub.name}")
            return Field(f"{key}.{sub.name}", sub.type, sub.case_exact, attr.multi_valued)
        if attr.type == AttrType.COMPLEX:
            # RFC 7644 §3.4.2.2: a complex attribute compared directly means its "value"
            # sub-attribute; Entra's `members eq "<id>"` and `manager eq "<id>"` rely on it.
            value = attr.sub("value")
            if value is None or not (value.filterable and attr.filterable):
                if for_presence and attr.filterable:
                    first = next(s for s in attr.sub_attributes if s.filterable)
                    return Field(f"{key}.{first.name}", first.type, first.case_exact, True)
                raise invalid_filter(
                    f"{attr.name} is a complex attribute; filter on one of its sub-attributes, "
                    f"e.g. {attr.name}.{attr.sub_attributes[0].name}."
                )
            return Field(f"{key}.value", value.type, value.case_exact, attr.multi_valued)
        self.check_filterable(attr, shorten(path))
        return Field(key, attr.type, attr.case_exact)

    def _key_of(self, attr: Attribute) -> str:
        return attr.name

    def check_filterable(self, attr: Attribute, shown: str) -> None:
        if not attr.filterable:
            raise invalid_filter(
                f"Filtering on {shown} is not supported: scimdir filters only on indexed "
                f"attributes ({', '.join(filterable_names(self.rt))})."
            )

    def value(self, field: Field, op: CompareOperator, value: Any, node: Comparison) -> Any:
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise invalid_filter(
                f"The value {shorten(value)} holds NUL or an unpaired surrogate, which no stored "
                "value can hold; remove it."
            )
        if op in _SUBSTRING and not isinstance(value, str):
            raise invalid_filter(f"{op.value} needs a string value in {shorten(node)}.")
        if value is None:
            if op not in (Op.eq, Op.ne):
                raise invalid_filter(f"null can only be compared with eq or ne in {shorten(node)}.")
            return None
        if field.type == AttrType.BOOLEAN:
            if op in _ORDERING or op in _SUBSTRING:
                raise invalid_filter(f"{op.value} cannot compare the boolean {field.key}.")
            if isinstance(value, bool):
                return value
            raise invalid_filter(f"{field.key} is a boolean; compare it with true or false.")
        if field.type == AttrType.DATETIME:
            if not isinstance(value, str):
                raise invalid_filter(f"{field.key} is a dateTime; give an ISO 8601 string.")
            if op in _SUBSTRING:
                return value
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError as exc:
                raise invalid_filter(
                    f'{shorten(value)} is not an ISO 8601 dateTime, e.g. "2026-01-31T12:00:00Z".'
                ) from exc
            if parsed.tzinfo is None:
                raise invalid_filter(f"{shorten(value)} needs a time zone, e.g. a trailing Z.")
            try:
                return parsed.astimezone(UTC)
            except OverflowError as exc:
                raise invalid_filter(
                    f"{shorten(value)} is outside the dateTime range once converted to UTC "
                    "(years 1 to 9999)."
                ) from exc
        if field.type in (AttrType.INTEGER, AttrType.DECIMAL):
            if op in _SUBSTRING or isinstance(value, bool) or not isinstance(value, int | float):
                raise invalid_filter(
                    f"{field.key} is a number; compare it with eq, ne, gt, ge, lt or le and an "
                    f"unquoted number in {shorten(node)}."
                )
            return value
        if field.type in (AttrType.STRING, AttrType.REFERENCE, AttrType.BINARY):
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise invalid_filter(
                    f"{field.key} is a string; quote the value in {shorten(node)}."
                )
            return str(value)
        return value


def filterable_names(rt: ResourceType) -> list[str]:
    """The attribute paths of ``rt`` a filter may name (published in the docs and errors)."""
    names: list[str] = []
    for schema in rt.schemas():
        prefix = "" if schema is rt.schema else f"{schema.id}:"
        for attr in schema.attributes:
            if not attr.filterable and not any(s.filterable for s in attr.sub_attributes):
                continue
            if attr.type != AttrType.COMPLEX:
                names.append(prefix + attr.name)
            for sub in attr.sub_attributes:
                if sub.filterable:
                    names.append(f"{prefix}{attr.name}.{sub.name}")
    return names
