"""Preview what Entra would send for sample users, and whether the directory would accept it.

The product requires a non-empty userName, displayName and work (or primary) e-mail for every
user (product README §5); without them provisioning fails on every 40-minute cycle. The policy
check :func:`required_attribute_problems` is a small pure function; :func:`preview_users` takes
any :data:`PolicyCheck`, so ``preview --directory`` passes the directory's own policy (the CLI
reads it through the service layer, which this pure package must not import).
:func:`duplicate_user_names` flags users whose userName collides within the batch. Each problem
names the Entra mapping or setting that fixes it.

Sample users come as JSON objects or as rows of Entra's user-list CSV export, whose headers are
mapped to source attribute names by :data:`CSV_HEADERS`. ``IsSoftDeleted`` is computed when absent:
true when ``accountEnabled`` is false, or the sample says ``assigned`` false or ``deleted`` true
(docs/idp/entra-expressions.md §5.1, CUST).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scimdir.mapping.context import EvalContext
from scimdir.mapping.errors import MappingError
from scimdir.mapping.mappings import AttributeMapping, build_payload

__all__ = [
    "CSV_HEADERS",
    "PolicyCheck",
    "Problem",
    "TargetWarning",
    "UserPreview",
    "duplicate_user_names",
    "load_users",
    "preview_users",
    "required_attribute_problems",
    "summarize",
    "user_from_csv_row",
    "users_from_json",
    "users_from_text",
    "with_computed_attributes",
]

CSV_HEADERS = {
    "user principal name": "userPrincipalName",
    "userprincipalname": "userPrincipalName",
    "display name": "displayName",
    "displayname": "displayName",
    "given name": "givenName",
    "first name": "givenName",
    "givenname": "givenName",
    "surname": "surname",
    "last name": "surname",
    "mail": "mail",
    "email": "mail",
    "object id": "objectId",
    "objectid": "objectId",
    "id": "objectId",
    "job title": "jobTitle",
    "department": "department",
    "account enabled": "accountEnabled",
    "accountenabled": "accountEnabled",
    "block sign in": "blockSignIn",
    "issoftdeleted": "IsSoftDeleted",
    "mail nickname": "mailNickname",
    "usage location": "usageLocation",
}
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})

FIXES = {
    "userName": "map userName from userPrincipalName (Direct mapping, matching precedence 1)",
    "displayName": (
        'map displayName with the expression Switch(IsPresent([displayName]), , "True", '
        '[displayName], "False", Join(" ", [givenName], [surname]))'
    ),
    "email": (
        'map emails[type eq "work"].value with the expression Switch(IsPresent([mail]), , '
        '"True", [mail], "False", [userPrincipalName])'
    ),
}


@dataclass(frozen=True)
class Problem:
    """A reason the directory would refuse a user: the attribute, why, and the fix.

    ``reason`` is ``missing`` (a required attribute is empty) or ``duplicate`` (userName
    uniqueness); the summary counts problems by reason and attribute.
    """

    attribute: str
    message: str
    fix: str
    reason: str = "missing"


@dataclass(frozen=True)
class TargetWarning:
    """What a directory would do with one mapping target, when it would not simply store it.

    ``outcome`` is ``refused`` (every user sending it fails), ``dropped`` (accepted, never
    stored) or ``kept`` (stored as sent, not filterable: an undeclared extension at a directory
    that keeps them). ``scimdir mapping preview --directory`` computes them from the directory's
    schema (scimdir.service.preview_targets); this package only carries them.
    """

    target: str
    outcome: str
    message: str
    fix: str = ""


@dataclass(frozen=True)
class UserPreview:
    """What Entra would send for one user, the mapping errors, the policy problems, and notes
    that are not failures (e.g. the user would match an existing account)."""

    label: str
    payload: dict[str, Any]
    errors: dict[str, MappingError] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the directory would accept the user."""
        return not self.errors and not self.problems


def _flag(text: str) -> bool | str:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return text


def user_from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """Map one row of Entra's user-export CSV to source attribute names.

    Known headers are renamed (:data:`CSV_HEADERS`); others keep their name. Empty cells are absent
    attributes. ``accountEnabled``/``IsSoftDeleted`` read true/false/yes/no; "Block sign in" = yes
    means accountEnabled false.
    """
    user: dict[str, Any] = {}
    for header, cell in row.items():
        if header is None or cell is None or cell.strip() == "":
            continue
        name = CSV_HEADERS.get(header.strip().lower(), header.strip())
        if name in ("accountEnabled", "IsSoftDeleted"):
            user[name] = _flag(cell)
        elif name == "blockSignIn":
            blocked = _flag(cell)
            if isinstance(blocked, bool):
                user.setdefault("accountEnabled", not blocked)
        else:
            user[name] = cell
    return user


def load_users(path: Path) -> list[dict[str, Any]]:
    """Read sample users: Entra's user-export CSV (by the ``.csv`` suffix) or a JSON list of
    user objects. :raises ValueError: naming the file and what is wrong with it."""
    try:
        text = path.read_text("utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    if path.suffix.lower() == ".csv":
        return [user_from_csv_row(row) for row in csv.DictReader(text.splitlines())]
    return users_from_json(text, str(path))


def users_from_json(text: str, source: str) -> list[dict[str, Any]]:
    """Sample users from JSON text: a list of user objects. :raises ValueError: naming
    ``source`` and what is wrong with it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source} is neither CSV nor valid JSON: {exc.msg}") from None
    if not isinstance(data, list) or not all(isinstance(user, dict) for user in data):
        raise ValueError(f"{source} must hold a JSON list of user objects")
    return data


def users_from_text(text: str, source: str) -> list[dict[str, Any]]:
    """Sample users pasted or uploaded (the console): JSON when the text starts with ``[`` or
    ``{`` (one object is one user), else Entra's user-export CSV, which must have at least one
    column :data:`CSV_HEADERS` knows. :raises ValueError: naming ``source`` and what is wrong."""
    text = text.lstrip("\ufeff").strip()
    if not text:
        raise ValueError(f"{source} is empty: paste users as JSON or as Entra's CSV export")
    if text[0] in "[{":
        if text[0] == "{":
            text = f"[{text}]"
        return users_from_json(text, source)
    try:
        reader = csv.DictReader(text.splitlines())
        headers = [h.strip().lower() for h in reader.fieldnames or []]
        if not any(h in CSV_HEADERS for h in headers):
            raise ValueError(
                f"{source} is neither JSON nor Entra's user-export CSV: its first line has none "
                'of the export\'s columns (for example "User principal name", "Display name", '
                '"Mail")'
            )
        return [user_from_csv_row(row) for row in reader]
    except csv.Error as exc:
        raise ValueError(f"{source} is not valid CSV: {exc}") from None


def with_computed_attributes(user: Mapping[str, Any]) -> dict[str, Any]:
    """``user`` with ``IsSoftDeleted`` computed when absent (CUST's four conditions)."""
    result = dict(user)
    if "IsSoftDeleted" not in result:
        result["IsSoftDeleted"] = (
            result.get("accountEnabled", True) is False
            or result.get("assigned", True) is False
            or result.get("deleted", False) is True
        )
    return result


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def required_attribute_problems(payload: Mapping[str, Any]) -> tuple[Problem, ...]:
    """The directory's required-attribute policy: userName, displayName, work or primary e-mail."""
    problems: list[Problem] = []
    for attribute in ("userName", "displayName"):
        if not _text(payload.get(attribute)):
            problems.append(
                Problem(attribute, f"{attribute} is missing or empty", FIXES[attribute])
            )
    emails = payload.get("emails")
    candidates = [
        e
        for e in (emails if isinstance(emails, list) else [])
        if isinstance(e, Mapping) and (e.get("type") == "work" or e.get("primary") is True)
    ]
    if not any(_text(e.get("value")) for e in candidates):
        problems.append(Problem("email", "no non-empty work or primary e-mail", FIXES["email"]))
    return tuple(problems)


PolicyCheck = Callable[[Mapping[str, Any]], tuple[Problem, ...]]
"""A directory policy over one payload: the problems that would make the directory refuse it."""


def preview_users(
    mappings: list[AttributeMapping],
    users: Iterable[Mapping[str, Any]],
    *,
    creating: bool = True,
    context: EvalContext | None = None,
    policy: PolicyCheck = required_attribute_problems,
) -> list[UserPreview]:
    """Build each user's payload and check it against ``policy`` (by default the product's
    required-attribute policy; ``scimdir mapping preview --directory`` passes the directory's)."""
    previews: list[UserPreview] = []
    for index, user in enumerate(users):
        source = with_computed_attributes(user)
        payload, errors = build_payload(mappings, source, creating=creating, context=context)
        label = str(source.get("userPrincipalName") or source.get("displayName") or f"#{index + 1}")
        previews.append(UserPreview(label, payload, errors, policy(payload)))
    return previews


def duplicate_user_names(
    previews: Iterable[UserPreview], normalize: Callable[[str], str] = str.casefold
) -> list[UserPreview]:
    """``previews`` with a problem on every user whose userName an earlier one already has.

    userName is unique per directory and compared case-insensitively (RFC 7643 §4.1.1), and
    Entra matches on it, so two source users with one userName would share one account.
    ``normalize`` is the directory's comparison form (the server's ``normalize_user_name``).
    """
    seen: dict[str, tuple[int, str]] = {}
    result: list[UserPreview] = []
    for index, preview in enumerate(previews):
        name = preview.payload.get("userName")
        if not isinstance(name, str) or not name.strip():
            result.append(preview)
            continue
        first_index, first = seen.setdefault(normalize(name), (index, preview.label))
        if first_index != index:
            problem = Problem(
                "userName",
                f"userName {name!r} is also produced for {first}; userName is unique per directory"
                " (compared case-insensitively), so Entra would match both to one account",
                "map userName from an attribute that is unique per user (userPrincipalName)",
                reason="duplicate",
            )
            result.append(replace(preview, problems=(*preview.problems, problem)))
        else:
            result.append(preview)
    return result


def summarize(previews: Iterable[UserPreview]) -> dict[str, int]:
    """Counts: ``ok``, and per reason ``missing <attribute>`` / ``duplicate userName`` /
    ``error in <target>``."""
    counts: Counter[str] = Counter()
    for preview in previews:
        if preview.ok:
            counts["ok"] += 1
        for problem in preview.problems:
            counts[f"{problem.reason} {problem.attribute}"] += 1
        for target in preview.errors:
            counts[f"error in {target}"] += 1
    return dict(counts)
