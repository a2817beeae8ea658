"""authentik's filter quirk: a comparison value sent without quotes (``userName eq akadmin``).

authentik's SCIM provider looks a user up after a 409 on create with
``GET /Users?filter=userName eq <name>``; releases before 2025.10 formatted the name without
quotes (https://github.com/goauthentik/authentik/issues/16455, fixed by
https://github.com/goauthentik/authentik/pull/16465). RFC 7644 §3.4.2.2 makes ``compValue`` a
JSON value, so a bare word is a syntax error for every other client; the rewrite only quotes
such bare words and therefore changes the meaning of no valid filter. Evidence:
docs/idp/authentik.md §0.4, §5 and §7.

Unlike the body quirks of :mod:`scimdir.scim.quirks`, this one rewrites a query-string filter
(``(text) -> (new_text, fired)``), pure and never raising: what it does not recognise is left for
:func:`scimdir.scim.filter.parse_filter` to refuse with ``invalidFilter``.
"""

from __future__ import annotations

import json
import re

__all__ = ["AUTHENTIK_FILTER_SOURCE", "unquoted_filter_value"]

AUTHENTIK_FILTER_SOURCE = "https://github.com/goauthentik/authentik/issues/16455"

# A quoted string (skipped as is), or a comparison operator after white space followed by a
# value that is neither quoted nor one of RFC 7644's other compValues.
_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"'
    r"|(?<=\s)(?P<op>eq|ne|co|sw|ew|gt|ge|lt|le)(?P<space>\s+)(?P<value>[^\s\"()\[\]\\]+)",
    re.IGNORECASE,
)
_JSON_LITERAL = re.compile(
    r"true|false|null|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?",
    re.IGNORECASE,
)


def unquoted_filter_value(text: str) -> tuple[str, bool]:
    """Quote bare-word comparison values: ``userName eq akadmin`` -> ``userName eq "akadmin"``.

    ``true``, ``false``, ``null`` and JSON numbers are compValues already and stay; quoted
    strings are never looked into. A value containing a space cannot be told from the rest of
    the filter and is left to be refused.

    :rfc: 7644 §3.4.2.2
    """
    fired = False

    def quote(match: re.Match[str]) -> str:
        nonlocal fired
        value = match.group("value")
        if value is None or _JSON_LITERAL.fullmatch(value):
            return match.group(0)
        fired = True
        return f"{match.group('op')}{match.group('space')}{json.dumps(value)}"

    out = _TOKEN.sub(quote, text)
    return out, fired
