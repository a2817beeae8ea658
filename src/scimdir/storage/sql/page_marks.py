"""Remembered page boundaries: keyset paging under offset semantics (RFC 7644 §3.4.2.4).

SCIM pages by ``startIndex`` (an offset). Okta imports read ``GET /Users`` sequentially
(docs/idp/okta.md §8: "Imports page with count=100 and step startIndex by
100"), so page ``N`` costs a skip over ``N`` index entries: linear in the depth. Each served
page leaves a *mark*: the ``(created, id)`` key of its last row and that row's position, tagged
with the list's generation (``directories.*_generation``, bumped in the same transaction as
every change of the listed set, see ``counters.py``). While the generation is unchanged the
listed set is unchanged, and ``(created, id)`` never changes, so the row at a remembered
position is still the remembered key: ``startIndex = p + 1 + k`` is exactly ``key > mark ORDER
BY created, id OFFSET k``. The next sequential page is then one index probe.

Marks live in process memory, bounded (an LRU of lists, a few marks per list); a miss falls back
to the offset, so a restart or a second server process costs one slower page, never a different
answer. With several servers behind a round-robin balancer, each process still finds the mark
of the page it served a few pages ago and skips only the gap. Hand-written: it is thirty lines
and must compare generations, which no cache library does for us.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

__all__ = ["ListKey", "Mark", "PageMarks"]

# (directory id, table name, descending)
ListKey = tuple[str, str, bool]


@dataclass(frozen=True)
class Mark:
    """The row at ``position`` (1-based) of a list at ``generation`` has key ``(created, id)``."""

    generation: int
    position: int
    created: datetime
    id: str


class PageMarks:
    """A thread-safe, bounded store of marks, per list.

    :param max_lists: lists (directory and order) remembered; the least recently used goes.
    :param per_list: marks kept per list (several clients paging one directory at once).
    """

    def __init__(self, max_lists: int = 1024, per_list: int = 8) -> None:
        self._lists: OrderedDict[ListKey, list[Mark]] = OrderedDict()
        self._max_lists = max_lists
        self._per_list = per_list
        self._lock = threading.Lock()

    def find(self, key: ListKey, generation: int, start_index: int) -> Mark | None:
        """The closest mark before ``start_index`` at this generation, if any."""
        with self._lock:
            marks = self._lists.get(key)
            if marks is None:
                return None
            self._lists.move_to_end(key)
            marks[:] = [m for m in marks if m.generation == generation]
            usable = [m for m in marks if m.position < start_index]
            return max(usable, key=lambda m: m.position, default=None)

    def remember(self, key: ListKey, mark: Mark) -> None:
        """Keep ``mark``, replacing one at the same position and dropping the oldest."""
        with self._lock:
            marks = self._lists.setdefault(key, [])
            self._lists.move_to_end(key)
            marks[:] = [m for m in marks if m.position != mark.position][-(self._per_list - 1) :]
            marks.append(mark)
            while len(self._lists) > self._max_lists:
                self._lists.popitem(last=False)
