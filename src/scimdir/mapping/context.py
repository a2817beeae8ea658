"""What an evaluation may know about the world: the clock, the tenant, the target (§9 ``context``).

The evaluator is pure: ``Now()`` returns :attr:`EvalContext.now`, never the system clock;
``DefaultDomain()`` returns :attr:`EvalContext.default_domain`; ``SelectUniqueValue`` consults
:attr:`EvalContext.existing_values`; Guid and RandomString draw from :attr:`EvalContext.rng`, which
tests seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

__all__ = ["EvalContext"]


@dataclass(frozen=True)
class EvalContext:
    """Inputs of an evaluation other than the source object's attributes.

    :param now: the instant ``Now()`` returns (aware, UTC); ``None`` makes ``Now()`` an error.
    :param default_domain: the tenant's default verified domain for ``DefaultDomain()``.
    :param existing_values: values already used in the target, for ``SelectUniqueValue``.
    :param rng: the source of randomness for ``Guid()`` and ``RandomString()``.
    """

    now: datetime | None = None
    default_domain: str | None = None
    existing_values: frozenset[str] = frozenset()
    rng: random.Random = field(default_factory=random.SystemRandom, compare=False, repr=False)

    @classmethod
    def create(
        cls,
        now: datetime | None = None,
        default_domain: str | None = None,
        existing_values: Iterable[str] = (),
        rng: random.Random | None = None,
    ) -> EvalContext:
        """Build a context from any iterable of existing values."""
        return cls(
            now=now,
            default_domain=default_domain,
            existing_values=frozenset(existing_values),
            rng=rng if rng is not None else random.SystemRandom(),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvalContext:
        """Build a context from the §9 JSON form ``{"now", "defaultDomain", "existingValues"}``.

        ``now`` is an ISO 8601 instant (taken as UTC without an offset).

        :raises ValueError: with an admin-facing message when a member has the wrong type.
        """
        if not isinstance(data, Mapping):
            raise ValueError('"context" must be a JSON object')
        now_text = data.get("now")
        now: datetime | None = None
        if now_text is not None:
            if not isinstance(now_text, str):
                raise ValueError('"context.now" must be an ISO 8601 string')
            try:
                now = datetime.fromisoformat(now_text)
            except ValueError:
                raise ValueError(
                    f'"context.now" is not an ISO 8601 instant: {now_text!r} '
                    "(e.g. 2021-07-02T15:33:38Z)"
                ) from None
            now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
        domain = data.get("defaultDomain")
        if domain is not None and not isinstance(domain, str):
            raise ValueError('"context.defaultDomain" must be a string')
        existing = data.get("existingValues", [])
        if not isinstance(existing, list) or not all(isinstance(v, str) for v in existing):
            raise ValueError('"context.existingValues" must be a list of strings')
        return cls.create(now=now, default_domain=domain, existing_values=existing)
