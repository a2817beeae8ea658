"""The matching query IdPs send, recognised without the general filter parser.

Entra looks a user up before creating it with ``userName eq "<value>"`` (and groups with
``displayName eq "<value>"``), Okta with ``userName eq "<value>"`` too
(docs/idp/entra.md §4, https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups).
That one shape is most of the filter traffic, and scim2-models' grammar (a lark parser and a
tree transform) spent about 80 µs on it, a sixth of a lookup (docs/performance.md).

:func:`fast_comparison` recognises exactly ``attr eq "value"`` or ``attr.sub eq "value"``: one
space either side of a lower-case ``eq``, a plain attribute name (RFC 7644 §3.4.2.2 ``ATTRNAME``,
no schema URN), and a quoted value without backslash escapes, quotes or control characters, so
the text between the quotes *is* the JSON string's value. It returns the same
:class:`scim2_models.path.Comparison` node that ``ScimFilter(text).ast`` builds; anything else
(other operators, ``and``/``or``, escapes, extra spaces, a URN, another case) returns None and
goes through scim2-models as before. ``tests/scim/test_filter_fastpath.py`` proves the two
agree on generated filters.
"""

from __future__ import annotations

import re

from scim2_models.path import AttrPath, CompareOperator, Comparison

__all__ = ["fast_comparison"]

_EQ = re.compile(
    r'([A-Za-z][A-Za-z0-9_-]*)(?:\.([A-Za-z][A-Za-z0-9_-]*))? eq "([^"\\\x00-\x1f\x7f]*)"'
)


def fast_comparison(text: str) -> Comparison | None:
    """The ``attr eq "value"`` comparison node, or None when ``text`` is any other filter."""
    match = _EQ.fullmatch(text)
    if match is None:
        return None
    attr, sub_attr, value = match.groups()
    return Comparison(AttrPath(attr, sub_attr), CompareOperator.eq, value)
