"""Shared helpers for the mapping tests: evaluate to the §9 JSON form."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from scimdir.mapping import EvalContext, evaluate

NOW = datetime(2021, 8, 25, 17, 41, 18, tzinfo=UTC)


def context(**overrides: Any) -> EvalContext:
    """A reproducible context: fixed clock, domain and seeded randomness."""
    values: dict[str, Any] = {
        "now": NOW,
        "default_domain": "contoso.com",
        "existing_values": (),
        "rng": random.Random(7),
    }
    values.update(overrides)
    return EvalContext.create(**values)


def value(expression: str, attributes: dict[str, Any] | None = None, **ctx: Any) -> Any:
    """The JSON form of the value of ``expression`` over ``attributes``."""
    return evaluate(expression, attributes or {}, context(**ctx)).to_json()["value"]
