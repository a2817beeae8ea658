"""``attributes``/``excludedAttributes`` projection of rendered resources (RFC 7644 §3.4.2.5).

Works on the full rendered SCIM JSON (stored documents are served without a pydantic round trip,
docs/architecture.md, rule 4), so it is a small dictionary walk rather than
scim2-models' model-based response serialisation.

- Paths are attribute names, ``attr.sub``, URN-qualified names (``urn:...:User:manager.value``) or a
  bare extension URN; names are case-insensitive (RFC 7643 §2.1). The grammar is scim2-models'.
- ``returned: always`` attributes (``id``) and ``schemas`` are always kept (RFC 7643 §7).
- ``meta`` is kept whole when ``attributes`` is given, whatever it names: its sub-attributes are
  ``returned: default`` (RFC 7643 §3.1), so the server may return them, and a resource is only
  readable with them (``resourceType``, ``location``, and the ``version`` its ETag header names;
  clients such as python-scim's fill ``meta.version`` from the ETag and fail on a missing or
  partial ``meta``). ``excludedAttributes`` may still remove ``meta`` or its sub-attributes.
- An unknown attribute name is refused with 400 ``invalidValue``, consistently with filters: the
  RFC leaves it open, and a silent empty projection would hide a typo. Entra asks for
  ``excludedAttributes=members`` (docs/idp/entra.md §0.3) and ``attributes=id``; both known.
- With both parameters, ``attributes`` selects first and ``excludedAttributes`` then removes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path import AttrPath

from scimdir.scim.errors import invalid_value, shorten
from scimdir.scim.schema import AttrType, ResourceType, Returned

__all__ = ["parse_attribute_list", "project", "wants_attribute"]


def parse_attribute_list(rt: ResourceType, raw: str | None) -> tuple[str, ...] | None:
    """Parse a comma-separated ``attributes``/``excludedAttributes`` value into canonical paths.

    Returns ``None`` for an absent or blank parameter. Canonical paths are ``name``,
    ``name.sub``, ``<extension URN>``, ``<extension URN>:name[.sub]``.

    :raises scim2_models.exceptions.SCIMException: 400 ``invalidValue`` naming a malformed or
        unknown attribute.
    """
    if raw is None or not raw.strip():
        return None
    out: list[str] = []
    for text in (part.strip() for part in raw.split(",")):
        if text and (path := _canonical(rt, text)) not in out:
            out.append(path)
    return tuple(out) or None


def _canonical(rt: ResourceType, text: str) -> str:
    ext = rt.extension(text)
    if ext is not None:
        return ext.id
    try:
        node = Path(text).ast
    except SCIMException:
        node = None
    if isinstance(node, AttrPath):
        found = rt.resolve(node.uri, node.attr)
        if found is not None:
            schema, attr = found
            prefix = "" if schema is rt.schema else f"{schema.id}:"
            if node.sub_attr is None:
                return prefix + attr.name
            sub = attr.sub(node.sub_attr) if attr.type == AttrType.COMPLEX else None
            if sub is not None:
                return f"{prefix}{attr.name}.{sub.name}"
    raise invalid_value(
        f"{shorten(text)} is not an attribute of {rt.name}; list attribute names such as "
        f"{_example(rt)}, separated by commas (RFC 7644 §3.4.2.5)."
    )


def _example(rt: ResourceType) -> str:
    names = [a.name for a in rt.schema.attributes if a.name not in ("id", "meta")][:3]
    return ", ".join(names)


def _always(rt: ResourceType, key: str) -> bool:
    if key.lower() == "schemas":
        return True
    attr = rt.schema.get(key)
    return attr is not None and attr.returned == Returned.ALWAYS


def _lower(paths: Sequence[str] | None) -> set[str] | None:
    return None if paths is None else {p.lower() for p in paths}


def project(
    rt: ResourceType,
    resource: dict[str, Any],
    attributes: Sequence[str] | None,
    excluded: Sequence[str] | None,
) -> dict[str, Any]:
    """Return ``resource`` restricted to ``attributes`` and without ``excluded``.

    Without either parameter the resource is returned as it is (stored documents never hold a
    ``returned: never`` attribute), which keeps plain reads and Entra's lookups cheap.
    """
    if attributes is None and excluded is None:
        return resource
    wanted, unwanted = _lower(attributes), _lower(excluded)
    out: dict[str, Any] = {}
    for key, value in resource.items():
        if _always(rt, key):
            out[key] = value
            continue
        if rt.extension(key) is not None and isinstance(value, dict):
            prefix = key.lower()
            kept: dict[str, Any] = {}
            for sub_key, sub_value in value.items():
                chosen = _select(f"{prefix}:{sub_key.lower()}", sub_value, wanted, unwanted, prefix)
                if chosen is not None:
                    kept[sub_key] = chosen
            if kept:
                out[key] = kept
            continue
        # meta stays whole under `attributes`: see the module docstring.
        asked = None if key.lower() == "meta" else wanted
        selected = _select(key.lower(), value, asked, unwanted, None)
        if selected is not None:
            out[key] = selected
    return out


def _select(
    full: str, value: Any, wanted: set[str] | None, unwanted: set[str] | None, ext: str | None
) -> Any:
    """Project one attribute whose canonical lower-case path is ``full``; None drops it."""
    if unwanted is not None and (full in unwanted or (ext is not None and ext in unwanted)):
        return None
    whole = wanted is None or full in wanted or (ext is not None and ext in wanted)
    subs: set[str] | None = None
    if not whole:
        assert wanted is not None  # whole is True when nothing was asked for
        subs = {w[len(full) + 1 :] for w in wanted if w.startswith(full + ".")}
        if not subs:
            return None
    dropped = {u[len(full) + 1 :] for u in unwanted or () if u.startswith(full + ".")}
    if subs is None and not dropped:
        return value
    return _select_subs(value, subs, dropped)


def _select_subs(value: Any, subs: set[str] | None, dropped: set[str]) -> Any:
    if isinstance(value, list):
        items = [_select_subs(item, subs, dropped) for item in value]
        kept = [i for i in items if i]
        return kept or None
    if not isinstance(value, dict):
        return value if subs is None else None
    kept_dict = {
        k: v
        for k, v in value.items()
        if (subs is None or k.lower() in subs) and k.lower() not in dropped
    }
    return kept_dict or None


def wants_attribute(
    rt: ResourceType,
    name: str,
    attributes: Sequence[str] | None,
    excluded: Sequence[str] | None,
) -> bool:
    """Whether the projection keeps any part of ``name`` (so the service can skip loading it).

    ``wants_attribute(GROUP_TYPE, "members", None, ["members"])`` is ``False``.
    """
    if _always(rt, name):
        return True
    lowered = name.lower()
    wanted, unwanted = _lower(attributes), _lower(excluded)
    if unwanted is not None and any(_within(lowered, u) for u in unwanted):
        return False
    if wanted is None:
        return True
    return any(_within(lowered, w) or _within(w, lowered) for w in wanted)


def _within(path: str, ancestor: str) -> bool:
    """``path`` is ``ancestor`` or lies inside it (``name.givenName`` in ``name``)."""
    return path == ancestor or path.startswith((ancestor + ".", ancestor + ":"))
