"""Attribute mappings as data, and the SCIM User payload Entra would send
(docs/idp/entra-expressions.md §1, §6, §8).

A mappings file (JSON or YAML; YAML is a superset of JSON, so one ``yaml.safe_load`` reads both)
holds ``{"mappings": [...]}``, each item with ``target`` (the SCIM attribute path), ``type``
(Direct, Constant, Expression, None), ``source`` / ``value`` / ``expression``, ``default`` (used
only when the object is created, CUST), ``apply`` (``always`` or ``only-during-creation``) and
``matchingPrecedence``. Presets ship as package data (``presets/*.yaml``).

:func:`build_payload` evaluates the mappings over one source user and assembles the JSON as Entra's
SCIM client posts it: dotted targets nest (``name.givenName``), filtered targets become list
elements (``emails[type eq "work"].value`` -> ``{"type": "work", "value": ..., "primary": true}``),
enterprise-extension targets nest under their schema URN, and ``active`` becomes a JSON Boolean.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from scimdir.mapping.context import EvalContext
from scimdir.mapping.errors import MappingError
from scimdir.mapping.evaluator import evaluate
from scimdir.mapping.parser import ParsedExpression, parse_expression
from scimdir.mapping.values import to_json

__all__ = [
    "PRESETS",
    "ApplyWhen",
    "AttributeMapping",
    "MappingType",
    "build_payload",
    "load_mappings",
    "matching_targets",
    "preset_text",
]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PRESETS = ("entra-defaults", "entra-recommended")
_FILTERED = re.compile(r'^(\w+)\[(\w+) eq "([^"]*)"\](?:\.(\w+))?$')


class MappingType(enum.Enum):
    """The mapping types of Entra's *Edit Attribute* dialog (CUST)."""

    DIRECT = "Direct"
    CONSTANT = "Constant"
    EXPRESSION = "Expression"
    NONE = "None"


class ApplyWhen(enum.Enum):
    """*Apply this mapping*: always, or only during object creation (Graph ``ObjectAddOnly``)."""

    ALWAYS = "always"
    ON_CREATE = "only-during-creation"


@dataclass(frozen=True)
class AttributeMapping:
    """One row of the mapping table."""

    target: str
    type: MappingType
    source: str | None = None
    default: str | None = None
    apply: ApplyWhen = ApplyWhen.ALWAYS
    matching_precedence: int | None = None

    @property
    def expression(self) -> str | None:
        """The expression equivalent to this mapping (Direct -> ``[source]``, Constant -> a string
        constant); ``None`` for type None."""
        if self.type is MappingType.DIRECT:
            return f"[{self.source}]"
        if self.type is MappingType.CONSTANT:
            escaped = (self.source or "").replace("\\", "\\\\").replace('"', '\\"')
            return f'"{escaped}"'
        if self.type is MappingType.EXPRESSION:
            return self.source
        return None


def matching_targets(mappings: Sequence[AttributeMapping]) -> list[str]:
    """The SCIM attributes Entra matches a source user on, in order of their matching precedence
    (the first is tried first); ``userName`` when no mapping sets one, as in Entra's defaults
    (https://learn.microsoft.com/entra/identity/app-provisioning/customize-application-attributes,
    "Matching users in the source and target systems")."""
    ranked = sorted(
        (m for m in mappings if m.matching_precedence is not None),
        key=lambda m: m.matching_precedence or 0,
    )
    return [m.target for m in ranked] or ["userName"]


def load_mappings(text: str) -> list[AttributeMapping]:
    """Read a mappings document (JSON or YAML). :raises ValueError: naming the faulty item."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"the mappings file is neither JSON nor YAML: {exc}") from None
    items = data.get("mappings") if isinstance(data, Mapping) else data
    if not isinstance(items, list):
        raise ValueError('the mappings file must hold a list under "mappings"')
    return [_item(index, item) for index, item in enumerate(items)]


def _item(index: int, item: Any) -> AttributeMapping:
    where = f"mapping #{index + 1}"
    if not isinstance(item, Mapping) or not isinstance(item.get("target"), str):
        raise ValueError(f"{where} needs a string 'target' (the SCIM attribute)")
    kinds = {kind.value: kind for kind in MappingType}
    applies = {apply.value: apply for apply in ApplyWhen}
    if item.get("type", "Direct") not in kinds:
        raise ValueError(f"{where} ({item['target']}): type must be one of {', '.join(kinds)}")
    if item.get("apply", "always") not in applies:
        raise ValueError(f"{where} ({item['target']}): apply must be one of {', '.join(applies)}")
    kind = kinds[item.get("type", "Direct")]
    apply = applies[item.get("apply", "always")]
    key = {MappingType.DIRECT: "source", MappingType.CONSTANT: "value"}.get(kind, "expression")
    source = item.get(key, item.get("source"))
    if kind is not MappingType.NONE and not isinstance(source, str):
        raise ValueError(f"{where} ({item['target']}): a {kind.value} mapping needs '{key}'")
    precedence = item.get("matchingPrecedence")
    if precedence is not None and (not isinstance(precedence, int) or precedence < 1):
        raise ValueError(f"{where} ({item['target']}): matchingPrecedence must be 1 or more")
    default = item.get("default")
    return AttributeMapping(
        target=item["target"],
        type=kind,
        source=source if isinstance(source, str) else None,
        default=None if default is None else str(default),
        apply=apply,
        matching_precedence=precedence,
    )


def preset_text(name: str) -> str:
    """The text of a shipped preset. :raises KeyError: for an unknown name."""
    if name not in PRESETS:
        raise KeyError(name)
    return resources.files("scimdir.mapping").joinpath(f"presets/{name}.yaml").read_text("utf-8")


def build_payload(
    mappings: list[AttributeMapping],
    source_user: Mapping[str, Any],
    *,
    creating: bool,
    context: EvalContext | None = None,
) -> tuple[dict[str, Any], dict[str, MappingError]]:
    """The SCIM User JSON Entra would send for ``source_user``, and the per-target errors.

    A mapping applied only during creation is skipped when ``creating`` is false; the default
    value is used only when creating and the mapping gives Null (CUST); a Null or ignored value is
    left out (Entra never sends nulls, KI).
    """
    payload: dict[str, Any] = {"schemas": [USER_SCHEMA]}
    errors: dict[str, MappingError] = {}
    for mapping in mappings:
        if mapping.apply is ApplyWhen.ON_CREATE and not creating:
            continue
        expression = mapping.expression
        value: Any = None
        if expression is not None:
            try:
                result = evaluate(_parsed(expression), source_user, context)
            except MappingError as exc:
                errors[mapping.target] = exc
                continue
            if result.ignored:
                continue
            value = to_json(result.value)
        if value is None and creating:
            value = mapping.default
        if value is None:
            continue
        _place(payload, mapping.target, _target_value(mapping.target, value))
    return payload, errors


@functools.lru_cache(maxsize=512)
def _parsed(expression: str) -> ParsedExpression:
    return parse_expression(expression)


def _target_value(target: str, value: Any) -> Any:
    if target == "active" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _place(payload: dict[str, Any], target: str, value: Any) -> None:
    container = payload
    path = target
    if target.lower().startswith("urn:"):
        schema, _, path = target.rpartition(":")
        if schema not in payload["schemas"]:
            payload["schemas"].append(schema)
        container = payload.setdefault(schema, {})
        if path == "manager" and isinstance(value, str):
            value = {"value": value}
    match = _FILTERED.match(path)
    if match:
        name, attribute, filter_value, sub = match.groups()
        elements: list[dict[str, Any]] = container.setdefault(name, [])
        key: Any = filter_value == "True" if attribute == "primary" else filter_value
        element = next((e for e in elements if e.get(attribute) == key), None)
        if element is None:
            element = {attribute: key}
            if name == "emails" and attribute == "type" and filter_value == "work":
                element["primary"] = True
            elements.append(element)
        element[sub or "value"] = value
        return
    *parents, leaf = path.split(".")
    for parent in parents:
        container = container.setdefault(parent, {})
    container[leaf] = value
