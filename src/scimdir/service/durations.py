"""Durations as admins type them: ``90s``, ``30m``, ``12h``, ``7d`` (the CLI and the API share it).

Bounded (at most :data:`MAX_DURATION`) so that a typo such as ``99999999d`` is refused with the
rule instead of overflowing a datetime.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["MAX_DURATION", "parse_duration"]

MAX_DURATION = timedelta(days=366)
_DURATION = re.compile(r"^(\d{1,9})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """The duration ``text`` names.

    :raises ValueError: not a number and a unit, or longer than :data:`MAX_DURATION`; the
        message says what is accepted.
    """
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError("use a number and a unit: 90s, 30m, 12h or 7d")
    duration = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if duration > MAX_DURATION:
        raise ValueError(f"use a duration of at most {MAX_DURATION.days}d")
    return duration
