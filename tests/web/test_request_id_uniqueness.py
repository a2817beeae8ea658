"""Fresh request ids stay unique across the forked worker processes of one server: each worker
reseeds its generator after the fork, so two workers never hand out the same sequence."""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection

from scimdir.web.request_id import _fresh_id


def _ids(out: Connection) -> None:
    out.send([_fresh_id() for _ in range(100)])
    out.close()


def test_forked_workers_give_different_ids() -> None:
    _fresh_id()  # the parent's generator state, which the children inherit
    ctx = multiprocessing.get_context("fork")
    seen: list[str] = []
    for _ in range(2):
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_ids, args=(send,))
        child.start()
        seen.extend(receive.recv())
        child.join(timeout=30)
        assert child.exitcode == 0
    seen.extend(_fresh_id() for _ in range(100))
    assert len(set(seen)) == 300
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in seen)
