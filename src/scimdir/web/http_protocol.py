"""uvicorn's httptools protocol, sending a response's head and body in one write.

uvicorn writes a response's status line and headers when the application sends
``http.response.start`` and its body when it sends ``http.response.body``: two ``send`` system
calls per response and, with ``TCP_NODELAY`` (which uvloop sets), two TCP segments. On a
loopback connection each write also wakes the waiting client; a profile of a SCIM lookup under
``wrk`` (``py-spy --native``) put about a sixth of the server's CPU in those two writes
(docs/performance.md).

:class:`CoalescingHttpToolsProtocol` gives uvicorn's protocol a transport whose ``write`` keeps
the first piece of data (the head) until the next write, then sends both at once; if no second
write comes in the same turn of the event loop (a streamed body that is not ready yet, a
``100 Continue``), the head goes out at the end of that turn, so nothing waits longer than the
loop's current callbacks. Everything else about the transport (flow control, close, extra info)
is the real transport's; closing sends what is held first.

Written here because uvicorn has no option for it; ``scimdir serve`` passes this class as
uvicorn's ``http`` protocol.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["CoalescingHttpToolsProtocol", "CoalescingTransport"]


class CoalescingTransport:
    """A transport that holds one write until the next write or the end of the loop's turn."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        held = self._held
        if held is None:
            self._held = bytes(data)
            self._loop.call_soon(self.flush)
            return
        self._held = None
        self._transport.write(b"".join((held, data)))

    def flush(self) -> None:
        """Send what is held (the end of the loop's turn, or before the transport closes)."""
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def writelines(self, lines: Any) -> None:
        self.write(b"".join(lines))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._held = None
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + len(self._held or b"")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol over a :class:`CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
