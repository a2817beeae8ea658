"""A response's head and body leave in one write (``web/http_protocol.py``), a streamed body's
head does not wait for the body, and closing sends what is held."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from scimdir.cli.main import HTTP_PROTOCOL
from scimdir.web.http_protocol import CoalescingHttpToolsProtocol, CoalescingTransport

REQUEST = b"GET /scim/t/v2/Users HTTP/1.1\r\nHost: scim.example.test\r\n\r\n"


class RecordingTransport(asyncio.Transport):
    """What the socket would have been given, write by write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _serve(
    app: Any, transport: RecordingTransport | None = None, *, settle: float = 0.05
) -> RecordingTransport:
    config = Config(app=app, http=CoalescingHttpToolsProtocol, lifespan="off", log_level="error")
    config.load()
    protocol = CoalescingHttpToolsProtocol(
        config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop()
    )
    transport = transport or RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(REQUEST)
    await asyncio.sleep(settle)
    return transport


async def _plain(scope: Any, receive: Any, send: Any) -> None:
    body = b'{"totalResults":0}'
    headers = [(b"content-type", b"application/scim+json"), (b"content-length", b"18")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def test_head_and_body_leave_in_one_write() -> None:
    """One write holding the status line, the headers and the body."""
    transport = asyncio.run(_serve(_plain))
    assert len(transport.writes) == 1
    sent = transport.writes[0]
    assert sent.startswith(b"HTTP/1.1 200 OK\r\n")
    assert sent.endswith(b'\r\n\r\n{"totalResults":0}')


def test_a_streamed_head_goes_out_before_its_late_body() -> None:
    """A body that is not ready in the same turn of the loop does not hold the head back."""
    heads_seen: list[int] = []
    transport = RecordingTransport()

    async def streaming(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/plain")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await asyncio.sleep(0.02)  # the head must have been written by now
        heads_seen.append(len(transport.writes))
        await send({"type": "http.response.body", "body": b"late", "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    asyncio.run(_serve(streaming, transport, settle=0.1))
    assert heads_seen == [1]
    assert transport.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"".join(transport.writes).endswith(b"4\r\nlate\r\n0\r\n\r\n")


def test_closing_sends_what_is_held_first() -> None:
    """A head held when the transport closes is written before the close."""

    async def run() -> RecordingTransport:
        inner = RecordingTransport()
        outer = CoalescingTransport(inner, asyncio.get_running_loop())
        outer.write(b"head")
        assert inner.writes == []
        outer.close()
        assert inner.writes == [b"head"] and inner.closed
        return inner

    asyncio.run(run())


def test_the_server_uses_it() -> None:
    """``scimdir serve`` names this protocol to uvicorn."""
    config = Config(app=_plain, http=HTTP_PROTOCOL)
    config.load()
    assert config.http_protocol_class is CoalescingHttpToolsProtocol
