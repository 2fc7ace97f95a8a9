"""Running an ASGI app on 127.0.0.1 in a thread of its own, for the tests' local servers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(app: Any, port: int | None = None, server: uvicorn.Server | None = None) -> tuple[str, Callable[[], None]]:
    """Start serving; returns the base URL and a function that stops the server."""
    port = port or free_port()
    server = server or uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)

    return f"http://127.0.0.1:{port}", stop


@contextmanager
def serving(app: Any, port: int | None = None, server: uvicorn.Server | None = None) -> Iterator[str]:
    url, stop = start(app, port, server)
    try:
        yield url
    finally:
        stop()


@contextmanager
def web_site(at: datetime, port: int | None = None) -> Iterator[str]:
    """The real web app (the office's pages and acknowledgement links) on a fixed clock, from the
    settings of the test's environment."""
    from notifier.clock import Clock
    from notifier.db.engine import open_database
    from notifier.runtime import build_runtime, web_context
    from notifier.settings import load_settings
    from notifier.web.app import create_app, make_server

    settings = load_settings()
    engine = open_database(settings)
    clock = Clock(at)
    context = web_context(build_runtime(settings, engine, clock), office=True)
    assert context is not None
    app = create_app(context)
    port = port or free_port()
    try:
        with serving(app, port, make_server(app, "127.0.0.1", port)) as url:
            yield url
    finally:
        engine.dispose()
