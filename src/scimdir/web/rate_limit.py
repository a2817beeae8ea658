"""Per-directory rate limits: a token bucket per directory and process, 429 with ``Retry-After``.

Off by default. A directory's ``rate_limit`` setting (requests per second, see
:mod:`scimdir.service.directory_settings`) turns it on; ``rate_limit_burst`` is the bucket size
(default: two seconds' worth). The check runs after authentication, so only the directory's own
callers spend its tokens: an attacker who knows a tenant URL but not its secret cannot throttle
the real IdP (failed authentications never reach the bucket).

**Per process, in memory.** Each server process keeps its own buckets, so with N processes behind
a balancer the effective limit is N x ``rate_limit``. A database-backed bucket would make every
request, reads included, a write transaction (on SQLite the one writer lock): the limiter would
cost more than most of the requests it limits. docs/deployment.md ("Rate limits") says how to
size the setting.

A refused request gets 429 (RFC 6585 §4) with ``Retry-After`` in whole seconds (RFC 9110 §10.2.3)
and a SCIM error body (RFC 7644 §3.12). Entra suspends its provisioning for the ``Retry-After``
period and retries the refused requests
(https://learn.microsoft.com/en-us/answers/questions/2284725/understanding-scim-client-request-behavior-and-exp);
Okta asks servers to answer bursts with 429. Entra's gallery guidance expects a SCIM endpoint to
take at least 25 requests per second per tenant
(https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups),
so a limit below that is refused by the setting itself.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from scimdir.scim.errors import SCIMException

__all__ = ["RateLimited", "RateLimiter", "TokenBucket"]

_MAX_BUCKETS = 100_000  # directories tracked per process before idle buckets are dropped


class RateLimited(SCIMException):
    """429: the directory sent more requests than its ``rate_limit`` allows."""

    status = 429
    _default_detail = "Too many requests for this directory; retry after the Retry-After delay."

    def __init__(self, *, detail: str, retry_after: int) -> None:
        super().__init__(detail=detail)
        self.retry_after = retry_after


@dataclass
class TokenBucket:
    """``rate`` tokens per second up to ``burst``; each admitted request takes one."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        """Take a token; return 0 if admitted, else the seconds until one is available."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate


class RateLimiter:
    """The buckets of every rate-limited directory of this process (thread-safe)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, TokenBucket] = {}

    def admit(self, directory_id: str, rate: float, burst: float) -> None:
        """Admit one request of ``directory_id`` or raise :class:`RateLimited`.

        ``rate`` 0 means no limit. A changed setting takes effect on the next request (the
        bucket is rebuilt, full).
        """
        if rate <= 0:
            return
        burst = max(burst, 1.0)
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get(directory_id)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                if len(self._buckets) >= _MAX_BUCKETS:
                    self._buckets.clear()
                bucket = TokenBucket(rate, burst, burst, now)
                self._buckets[directory_id] = bucket
            wait = bucket.take(now)
        if wait > 0:
            raise RateLimited(
                detail=f"This directory is limited to {rate:g} requests per second (burst "
                f"{burst:g}) by its rate_limit setting; retry after the Retry-After delay, or "
                "raise the limit with `scimdir directory set <id> rate_limit <N>`.",
                retry_after=max(1, math.ceil(wait)),
            )
