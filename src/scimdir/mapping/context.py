"""What an evaluation may know about the world: the clock, the tenant, the target (§9 ``context``).

The evaluator is pure: ``Now()`` returns :attr:`EvalContext.now`, never the system clock;
``DefaultDomain()`` returns :attr:`EvalContext.default_domain`; ``SelectUniqueValue`` consults
:attr:`EvalContext.existing_values`; Guid and RandomString draw from :attr:`EvalContext.rng`, which
tests seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

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
