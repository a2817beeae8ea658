"""Throttling of failed authentications, per client address and tenant, in one process.

Secrets are 256-bit random tokens, so guessing one is hopeless; what a stream of wrong secrets
costs is work: a database read per attempt. Each ``(client address, tenant)`` key has a token
bucket that only *failures* drain:

- :data:`BURST` failures are answered 401 at once (an administrator pasting a secret, an IdP
  whose secret was just rotated);
- then one more failure is allowed every :data:`REFILL_SECONDS` seconds (10 a minute); beyond
  that a failing request is answered 429 with ``Retry-After``;
- while the bucket is empty, a secret that already failed from that key is refused 429 before
  any database work (the common case: a misconfigured IdP or a script repeating one old secret).

A legitimate IdP is never locked out: a success drains nothing, and a secret this key has not
failed with is always checked against the database, so the right secret, including one rotated
a second ago, is served even while its key is throttled. Keys are held in a bounded LRU map
(:data:`MAX_KEYS`), so unknown tenants cannot grow memory. Limits are per server process.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["BURST", "MAX_KEYS", "REFILL_SECONDS", "FailureThrottle"]

BURST = 20
REFILL_SECONDS = 6.0
MAX_KEYS = 10_000
_REMEMBERED_FAILURES = 8

Key = tuple[str, str]


@dataclass
class _Bucket:
    tokens: float
    updated: float
    failed: deque[bytes] = field(default_factory=lambda: deque(maxlen=_REMEMBERED_FAILURES))


class FailureThrottle:
    """A token bucket per key that failed authentications drain; see the module docstring."""

    def __init__(
        self,
        *,
        burst: int = BURST,
        refill_seconds: float = REFILL_SECONDS,
        max_keys: int = MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.burst = burst
        self.refill_seconds = refill_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[Key, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def refuse_before_checking(self, key: Key, secret: str) -> int | None:
        """Seconds to put in ``Retry-After`` when ``secret`` already failed from ``key`` and its
        bucket is empty, so the request is refused unchecked; None: check it. Every request
        asks, and nearly every one comes from a key with no failure: the secret is hashed only
        when its key's bucket is empty."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                return None
            self._refill(bucket)
            if bucket.tokens >= 1 or _digest(secret) not in bucket.failed:
                return None
            return self._wait(bucket)

    def failed(self, key: Key, secret: str) -> int | None:
        """Count a failed authentication; returns ``Retry-After`` seconds when the key was
        already out of failures (answer 429), None while it had some left (answer 401)."""
        digest = _digest(secret)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = _Bucket(tokens=float(self.burst), updated=self.clock())
                self._buckets[key] = bucket
                while len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
                self._refill(bucket)
            if digest not in bucket.failed:
                bucket.failed.append(digest)
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return self._wait(bucket)

    def _refill(self, bucket: _Bucket) -> None:
        now = self.clock()
        gained = (now - bucket.updated) / self.refill_seconds
        bucket.tokens = min(float(self.burst), bucket.tokens + gained)
        bucket.updated = now

    def _wait(self, bucket: _Bucket) -> int:
        return max(1, math.ceil((1 - bucket.tokens) * self.refill_seconds))


def _digest(secret: str) -> bytes:
    """What a failed secret is remembered by (never the secret itself)."""
    return hashlib.sha256(secret.encode()).digest()
