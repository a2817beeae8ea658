"""IdP dialects: which quirks of :mod:`scimdir.scim.quirks` run for which identity provider.

A directory's IdP preset picks its dialect; the web layer runs the request body through
:meth:`Dialect.normalize_patch` or :meth:`Dialect.normalize_resource` before the core parses it,
and logs the names of the quirks that fired (docs/architecture.md).

Every dialect runs the ``lenient.*`` quirks (:mod:`scimdir.scim.lenient`): they accept requests
whose meaning is unambiguous although RFC 7644 refuses them (a PATCH without ``schemas``), and
change the meaning of no compliant request.

Each IdP's dialect is exactly the quirks its page in docs/idp/ shows it needs (on top of the
lenient ones), so ``scimdir quirks --idp X`` lists what that IdP is accepted with and nothing else:

- ``entra``: every Entra quirk (docs/idp/entra.md §0, §6, §11).
- ``okta``: none. Everything Okta sends (docs/idp/okta.md §0, §5) is RFC-compatible and handled
  by the core: readOnly echoes ignored, the create password never stored, path-less
  ``{"id", "displayName"}`` replaces, members without ``type``, ``replace members []``.
- ``onelogin``: legacy schema URNs, ``emails`` as one object, string booleans (onelogin.md §7).
- ``jumpcloud``: member removal by value (jumpcloud.md §4).
- ``authentik``: member removal by value, and bare-word filter values from releases before
  2025.10 (authentik.md §7).
- ``pingone``: none; its case-insensitive filter operators are core behaviour (pingone.md §7).
- ``rippling``: none known; nothing Rippling sends is publicly documented (rippling.md §5, §7).
- ``generic``: strict RFC 7644, plus only the lenient quirks. It is also what a directory with
  an unknown stored IdP name gets.

Adding an IdP is one entry in :data:`DIALECTS` (plus a module in ``quirks`` if it needs new
rewrites).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from scimdir.scim.body_facts import body_facts
from scimdir.scim.quirks import LENIENT_PREFIX, QUIRKS, Guard, Quirk
from scimdir.scim.schema import ResourceType

__all__ = ["DIALECTS", "Dialect", "dialect_for", "foreign_shape"]


@dataclass(frozen=True)
class Dialect:
    """A named, ordered set of quirks applied to request bodies of one IdP."""

    name: str
    quirks: tuple[Quirk, ...]

    def normalize_patch(self, rt: ResourceType, body: Any) -> tuple[Any, list[str]]:
        """Rewrite a PatchOp body; returns the new body and the names of the quirks that fired."""
        fired: list[str] = []
        for quirk in self.quirks:
            if quirk.patch is not None:
                body, hit = quirk.patch(rt, body)
                if hit:
                    fired.append(quirk.name)
        return body, fired

    @functools.cached_property
    def _guards(self) -> tuple[Guard, ...] | None:
        """Every resource quirk's ``may_rewrite``, or None when one has none (always runs)."""
        guards = [q.may_rewrite for q in self.quirks if q.resource is not None]
        if any(g is None for g in guards):
            return None
        return tuple(g for g in guards if g is not None)

    def normalize_resource(self, rt: ResourceType, body: Any) -> tuple[Any, list[str]]:
        """Rewrite a POST/PUT body; returns the new body and the names of the quirks that fired.

        A body no quirk may rewrite (one walk of :func:`~scimdir.scim.body_facts.body_facts`
        tells) comes back as it is, without each quirk's own walk: what they would all return.
        """
        guards = self._guards
        if guards is not None:
            facts = body_facts(body)
            if facts is not None and not any(guard(facts) for guard in guards):
                return body, []
        fired: list[str] = []
        for quirk in self.quirks:
            if quirk.resource is not None:
                body, hit = quirk.resource(rt, body)
                if hit:
                    fired.append(quirk.name)
        return body, fired

    def normalize_filter(self, text: str) -> tuple[str, list[str]]:
        """Rewrite a list request's filter text; returns it and the names of the quirks that
        fired."""
        fired: list[str] = []
        for quirk in self.quirks:
            if quirk.filter is not None:
                text, hit = quirk.filter(text)
                if hit:
                    fired.append(quirk.name)
        return text, fired


_BY_NAME = {q.name: q for q in QUIRKS}
_LENIENT = tuple(q for q in QUIRKS if q.name.startswith(LENIENT_PREFIX))


def _dialect(name: str, *quirks: str) -> Dialect:
    """The lenient quirks plus the named ones, in :data:`QUIRKS` order (URN fixes first)."""
    wanted = {_BY_NAME[q].name for q in quirks} | {q.name for q in _LENIENT}
    return Dialect(name, tuple(q for q in QUIRKS if q.name in wanted))


_ENTRA = _dialect("entra", *(q.name for q in QUIRKS if q.name.startswith("entra.")))
_GENERIC = _dialect("generic")

DIALECTS: Mapping[str, Dialect] = MappingProxyType(
    {
        "entra": _ENTRA,
        "okta": _dialect("okta"),
        "onelogin": _dialect(
            "onelogin",
            "onelogin.legacy-schema-urns",
            "onelogin.emails-object",
            "entra.string-boolean",
        ),
        "jumpcloud": _dialect("jumpcloud", "entra.member-remove-by-value"),
        "pingone": _dialect("pingone"),
        "rippling": _dialect("rippling"),
        "authentik": _dialect(
            "authentik", "entra.member-remove-by-value", "authentik.unquoted-filter-value"
        ),
        "generic": _GENERIC,
    }
)
"""IdP preset name -> dialect."""


_RFC_OPS = frozenset({"add", "remove", "replace"})


def foreign_shape(dialect: Dialect, body: Any) -> str | None:
    """The IdP whose dialect ``body`` (a PATCH body, as this dialect left it) clearly belongs to,
    when ``dialect`` itself cannot read it; else None.

    Today one shape is unambiguous: a PATCH ``op`` spelt other than in lower case (``"Replace"``)
    is Entra's (docs/idp/entra.md §0.4; RFC 7644 §3.5.2 spells ops in lower case, and no other
    documented IdP capitalises them). Only the ``entra`` dialect lower-cases it, so at any other
    directory it means the directory is set to the wrong IdP.
    """
    if any(q.name == "entra.capitalised-op" for q in dialect.quirks) or not isinstance(body, dict):
        return None
    key = next((k for k in body if isinstance(k, str) and k.lower() == "operations"), None)
    ops = body.get(key) if key is not None else None
    if not isinstance(ops, list):
        return None
    for op in ops:
        name = op.get("op") if isinstance(op, dict) else None
        if isinstance(name, str) and name.lower() in _RFC_OPS and name != name.lower():
            return "entra"
    return None


def dialect_for(idp: str) -> Dialect:
    """The dialect of an IdP preset (case-insensitive).

    Directory creation refuses unknown names, so only a hand-edited (or newer) database holds one:
    it gets ``generic`` (strict RFC 7644 plus the lenient quirks), and an error in the server
    log (once per name).
    """
    dialect = DIALECTS.get(idp.strip().lower())
    if dialect is None:
        _report_unknown(idp)
        return _GENERIC
    return dialect


@functools.cache
def _report_unknown(idp: str) -> None:
    logging.getLogger(__name__).error(
        "unknown IdP preset %r stored on a directory; serving it with the generic dialect. "
        "Valid presets: %s",
        idp,
        ", ".join(DIALECTS),
    )
