"""Built-ins that produce values from outside the source object: Guid, RandomString,
DefaultDomain, SelectUniqueValue (docs/idp/entra-expressions.md §4.14, 4.16, 4.34, 4.38).

Randomness comes from ``context.rng`` and the tenant domain and existing target values from the
context, so the evaluator stays pure and testable.
"""

from __future__ import annotations

import string
import uuid

from scimdir.mapping.functions.base import FunctionSpec, Invocation
from scimdir.mapping.values import Value, to_int, to_string

__all__ = ["SPECIAL_CHARACTERS", "SPECS"]

SPECIAL_CHARACTERS = "~!@#$%^&*_-+=`|\\(){}[]:;\"'<>,.?/"
MAX_RANDOM_LENGTH = 256


def guid(inv: Invocation) -> Value:
    """Guid(): a new random GUID, 36 lower-case characters with hyphens. Non-deterministic."""
    inv.env.warn("Guid() returns a different value on every evaluation.")
    return str(uuid.UUID(int=inv.env.context.rng.getrandbits(128), version=4))


def random_string(inv: Invocation) -> Value:
    """RandomString(Length, MinimumNumbers, MinimumSpecialCharacters, MinimumCapital,
    MinimumLowerCase, [CharactersToAvoid]): a random string meeting the minimums.

    Length is at most 256 and at least the sum of all four minimums (REF's wording omits
    MinimumLowerCase; all four are the floor). Special characters are those of Windows password
    complexity. Non-deterministic.
    """
    total = inv.convert(0, to_int)
    minimums = [inv.convert(index, to_int) for index in range(1, 5)]
    avoid_text = inv.convert(5, to_string) if inv.supplied(5) else None
    avoid = set(avoid_text or "")
    if not 1 <= total <= MAX_RANDOM_LENGTH:
        inv.fail(f"Length must be between 1 and {MAX_RANDOM_LENGTH}, got {total}.", 0)
    if any(minimum < 0 for minimum in minimums):
        inv.fail("the minimums cannot be negative.")
    if sum(minimums) > total:
        inv.fail(f"Length {total} is smaller than the sum of the minimums ({sum(minimums)}).", 0)
    pools = [
        [ch for ch in chars if ch not in avoid]
        for chars in (
            string.digits,
            SPECIAL_CHARACTERS,
            string.ascii_uppercase,
            string.ascii_lowercase,
        )
    ]
    rng = inv.env.context.rng
    chosen: list[str] = []
    for pool, minimum in zip(pools, minimums, strict=True):
        if minimum and not pool:
            inv.fail("CharactersToAvoid excludes every character of a required kind.", 5)
        chosen.extend(rng.choice(pool) for _ in range(minimum))
    everything = [ch for pool in pools for ch in pool]
    if not everything:
        inv.fail("CharactersToAvoid excludes every character.", 5)
    chosen.extend(rng.choice(everything) for _ in range(total - len(chosen)))
    rng.shuffle(chosen)
    inv.env.warn("RandomString() returns a different value on every evaluation.")
    return "".join(chosen)


def default_domain(inv: Invocation) -> Value:
    """DefaultDomain(): the tenant's default verified domain, from the context.

    **[decision]** Without a configured domain it is a runtime error, like Entra's "none found".
    """
    domain = inv.env.context.default_domain
    if not domain:
        inv.fail("no default domain is configured: pass context.defaultDomain (e.g. contoso.com).")
    return domain


def select_unique_value(inv: Invocation) -> Value:
    """SelectUniqueValue(rule1, rule2, ...): the first rule value not used in the target.

    Values already used come from ``context.existing_values``. When every value is taken, Entra
    escrows the object: a runtime error here. Entra supports the function only for Workday,
    SuccessFactors and API-driven provisioning to on-premises AD, so a warning says a SCIM app will
    not accept it (REF).
    """
    inv.env.warn(
        "SelectUniqueValue is supported only for Workday/SuccessFactors/API-driven provisioning "
        "to on-premises Active Directory; Entra will not accept it for a SCIM application."
    )
    existing = inv.env.context.existing_values
    tried: list[str] = []
    for index in range(len(inv.values)):
        candidate = inv.convert(index, to_string)
        if candidate and candidate not in existing:
            return candidate
        tried.append(repr(candidate))
    inv.fail(f"every candidate value is already used ({', '.join(tried)}); Entra would escrow.")


SPECS = (
    FunctionSpec("Guid", (), 0, 0, guid, frozenset()),
    FunctionSpec(
        "RandomString",
        (
            "Length",
            "MinimumNumbers",
            "MinimumSpecialCharacters",
            "MinimumCapital",
            "MinimumLowerCase",
            "[CharactersToAvoid]",
        ),
        5,
        6,
        random_string,
        frozenset({0, 1, 2, 3, 4}),
    ),
    FunctionSpec("DefaultDomain", (), 0, 0, default_domain, frozenset()),
    FunctionSpec(
        "SelectUniqueValue", ("rule1", "rule2", "..."), 2, None, select_unique_value, frozenset()
    ),
)
