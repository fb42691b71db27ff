"""Limits on one request: the size of its body and the time until its answer starts.

Both are plain ASGI middleware around the whole application (``salamat serve --max-upload-mb``
and ``--request-timeout``). Their refusals are JSON in the same shape as the API's other errors
(``status``, ``error``, ``problems``), on every path: a client that sent a body too large or
waited too long is not a browser reading a page.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit", "RequestTimeout"]


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"status": status, "error": message, "problems": []}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


class _TooLarge(Exception):
    """The body grew past the limit while it was read (a chunked body has no Content-Length)."""


class BodyLimit:
    """Refuse a request whose body is larger than ``max_bytes`` with 413 (RFC 9110, 15.5.14).

    A ``Content-Length`` above the limit is refused before a byte of the body is read. A body
    without one (``Transfer-Encoding: chunked``) is counted as the application reads it; the
    chunk that passes the limit stops the request and the answer is 413, unless the application
    had already started answering (then the connection is closed instead).
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _message(self) -> str:
        mb = self.max_bytes / 2**20
        size = f"{mb:g} MB" if mb >= 1 else f"{self.max_bytes} bytes"
        return (
            f"request body too large: the server accepts at most {size} "
            "(salamat serve --max-upload-mb)"
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name.lower() == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    await _refuse(send, 400, "bad Content-Length header: not a whole number")
                    return
                if length > self.max_bytes:
                    await _refuse(send, 413, self._message())
                    return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except _TooLarge:
            if started:
                raise
            await _refuse(send, 413, self._message())


class RequestTimeout:
    """Answer 503 when the application has not started its answer within ``seconds``.

    The application runs in its own task; this waits for the start of its answer (status and
    headers), not for the whole body, so a long CSV that streams is not cut. On time-out the
    client gets 503 with a JSON error at once, the task is cancelled, and anything it sends
    later is dropped. A route that runs in a worker thread (DuckDB queries do) cannot be stopped
    from outside: the thread finishes its query in the background and its answer is discarded.
    """

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        # resolved by whichever comes first: the answer's start, the task's end, the time-out
        first: asyncio.Future[bool] = loop.create_future()
        started = False

        def decide(timed_out: bool) -> None:
            if not first.done():
                first.set_result(timed_out)

        async def guarded(message: Message) -> None:
            nonlocal started
            if first.done() and not first.cancelled() and first.result():
                return  # the client already has its 503
            if message["type"] == "http.response.start":
                started = True
                decide(False)
            await send(message)

        task = asyncio.ensure_future(self.app(scope, receive, guarded))
        task.add_done_callback(lambda _: decide(False))
        timer = loop.call_later(self.seconds, decide, True)
        try:
            timed_out = await first
        except BaseException:
            task.cancel()
            raise
        finally:
            timer.cancel()
        if timed_out and not started:
            task.cancel()
            task.add_done_callback(_retrieve)
            await _refuse(
                send,
                503,
                f"the server did not answer within {self.seconds:g} seconds "
                "(salamat serve --request-timeout); try a smaller request or again later",
            )
            return
        await task  # answered (or failed): the rest of the body, or the application's error


def _retrieve(task: asyncio.Future[None]) -> None:
    """Collect an abandoned task's outcome, so asyncio does not log it as never retrieved."""
    if not task.cancelled():
        task.exception()
