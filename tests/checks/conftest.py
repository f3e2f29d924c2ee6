"""Fast fixtures for the stack checks (tests/checks): every test here runs in well under a second, so
these tests can guard the checks under mutation testing (the moto-backed tests/notebooks/test_checks.py
takes minutes and cannot).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from checks_fakes import REGION, STACK, Answer, StubbedSession, Web, describe_stack, outputs

from storyanalytics.checks import StackChecker
from storyanalytics.db import upgrade


@pytest.fixture
def aws() -> Iterator[StubbedSession]:
    """Every AWS call a check makes must be scripted, and every scripted answer used."""
    session = StubbedSession()
    yield session
    session.assert_all_used()


@pytest.fixture(scope="session")
def _web_server() -> Iterator[tuple[ThreadingHTTPServer, list[Web]]]:
    current: list[Web] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            web = current[-1]
            web.requests.append((self.path, dict(self.headers.items())))
            answer = web.answers.get(self.path, Answer(404, b"not found", "text/plain"))
            time.sleep(answer.delay)
            self.send_response(answer.status)
            if answer.content_type:
                self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, current
    server.shutdown()


@pytest.fixture
def web(_web_server: tuple[ThreadingHTTPServer, list[Web]]) -> Web:
    """The app and the CDN on one loopback server; each test says what its paths answer."""
    server, current = _web_server
    current.append(Web(f"http://127.0.0.1:{server.server_address[1]}"))
    return current[-1]


@pytest.fixture
def checker(aws: StubbedSession, web: Web) -> StackChecker:
    """A checker of stack STACK in REGION that reads AWS through the stubbed session."""
    return StackChecker(REGION, STACK, session=aws, http_timeout=2.0)  # type: ignore[arg-type]


@pytest.fixture
def healthy_stack(aws: StubbedSession, web: Web) -> None:
    """DescribeStacks answers a complete stack with every output."""
    describe_stack(aws, outputs(web))


@pytest.fixture(scope="session")
def database_at_head(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database at the head schema revision (made once: the checks only read it)."""
    path: Path = tmp_path_factory.mktemp("checks-db") / "metadata.db"
    url = f"sqlite:///{path.as_posix()}"
    upgrade(url)
    return url
