"""Request limits (api/limits.py): body size (413) and time to the answer's start (503)."""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from salamat.api.limits import BodyLimit, RequestTimeout

with warnings.catch_warnings():
    # starlette's TestClient warns on import that it would rather use httpx2; not installed
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient


async def echo(request: Request) -> Response:
    body = await request.body()
    return JSONResponse({"read": len(body)})


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("s", "0")))
    return PlainTextResponse("done")


async def streamed(request: Request) -> Response:
    async def parts() -> AsyncIterator[bytes]:
        yield b"first,"
        await asyncio.sleep(0.3)  # after the answer started: not a time-out
        yield b"second"

    return StreamingResponse(parts(), media_type="text/plain")


async def fails(request: Request) -> Response:
    raise RuntimeError("boom")


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = Starlette(
        middleware=[  # as create_app adds them: inside Starlette's own error handling
            Middleware(BodyLimit, max_bytes=1000),
            Middleware(RequestTimeout, seconds=0.2),
        ],
        routes=[
            Route("/echo", echo, methods=["POST"]),
            Route("/slow", slow),
            Route("/stream", streamed),
            Route("/fails", fails),
        ],
    )
    return TestClient(app)


def test_a_body_within_the_limit_is_read(client: TestClient) -> None:
    response = client.post("/echo", content=b"x" * 1000)
    assert response.status_code == 200
    assert response.json() == {"read": 1000}


def test_a_declared_length_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    response = client.post("/echo", content=b"x" * 1001)
    assert response.status_code == 413
    body = response.json()
    assert body["status"] == 413
    assert "--max-upload-mb" in body["error"] and "1000 bytes" in body["error"]


def test_a_chunked_body_is_counted_while_read(client: TestClient) -> None:
    def chunks() -> object:
        for _ in range(5):
            yield b"y" * 300

    response = client.post("/echo", content=chunks())  # type: ignore[arg-type]
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_a_small_chunked_body_is_read(client: TestClient) -> None:
    def chunks() -> object:
        yield b"z" * 400
        yield b"z" * 400

    response = client.post("/echo", content=chunks())  # type: ignore[arg-type]
    assert response.json() == {"read": 800}


def test_a_bad_content_length_is_a_clear_400(client: TestClient) -> None:
    response = client.post("/echo", content=b"ab", headers={"content-length": "two"})
    assert response.status_code == 400
    assert "Content-Length" in response.json()["error"]


def test_a_request_that_does_not_answer_in_time_gets_503(client: TestClient) -> None:
    response = client.get("/slow", params={"s": "5"})
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == 503 and "--request-timeout" in body["error"]
    assert "0.2 seconds" in body["error"]


def test_a_quick_request_is_answered(client: TestClient) -> None:
    response = client.get("/slow", params={"s": "0"})
    assert (response.status_code, response.text) == (200, "done")


def test_a_streamed_answer_that_started_in_time_is_not_cut(client: TestClient) -> None:
    response = client.get("/stream")
    assert (response.status_code, response.text) == (200, "first,second")


def test_an_application_error_passes_through(client: TestClient) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        client.get("/fails")
