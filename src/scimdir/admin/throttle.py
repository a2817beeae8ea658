"""Sign-in throttling: a few wrong passwords, then a growing delay, per e-mail and address.

OWASP's Authentication Cheat Sheet (https://cheatsheetseries.owasp.org/cheatsheets/
Authentication_Cheat_Sheet.html#protect-against-automated-attacks) asks for a limit on failed
sign-ins that does not let anyone lock an account out for good. Each ``(e-mail, client address)``
key may fail :data:`FREE_FAILURES` times; every failure after that blocks the key for a delay
that doubles from :data:`FIRST_DELAY` up to :data:`MAX_DELAY`. Another address is not affected, and
a successful sign-in clears the key. Keys live in a bounded LRU map, per server process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FIRST_DELAY", "FREE_FAILURES", "MAX_DELAY", "SignInThrottle"]

FREE_FAILURES = 5
FIRST_DELAY = 30.0
MAX_DELAY = 900.0
_MAX_KEYS = 10_000


@dataclass
class _State:
    failures: int = 0
    blocked_until: float = 0.0


class SignInThrottle:
    """Counts failed sign-ins per key; see the module docstring."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._keys: OrderedDict[tuple[str, str], _State] = OrderedDict()
        self._lock = threading.Lock()

    def wait_seconds(self, email: str, address: str) -> int:
        """Seconds before this key may try again (0: it may try now)."""
        with self._lock:
            state = self._keys.get((email.strip().lower(), address))
            if state is None:
                return 0
            return max(0, int(state.blocked_until - self.clock() + 0.999))

    def failed(self, email: str, address: str) -> None:
        """Record a failure (blocks the key once its free failures are used)."""
        key = (email.strip().lower(), address)
        with self._lock:
            state = self._keys.pop(key, None) or _State()
            state.failures += 1
            over = state.failures - FREE_FAILURES
            if over >= 0:
                state.blocked_until = self.clock() + min(MAX_DELAY, FIRST_DELAY * 2**over)
            self._keys[key] = state
            while len(self._keys) > _MAX_KEYS:
                self._keys.popitem(last=False)

    def succeeded(self, email: str, address: str) -> None:
        """Forget the key's failures."""
        with self._lock:
            self._keys.pop((email.strip().lower(), address), None)
