"""STAND-IN for a Lambda function URL in browser tests: forwards to the app, refuses bodies over 6 MB.

The real limit: "BUFFERED ... The maximum payload size is 6 MB"
(https://docs.aws.amazon.com/lambda/latest/dg/config-rs-invoke-furls.html). Putting it in front of the app
shows that a large CSV reaches the chart without ever passing through the function.
"""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator

import httpx

FUNCTION_URL_PAYLOAD_LIMIT = 6 * 1024 * 1024
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host", "content-encoding"}


class _Forward(http.server.BaseHTTPRequestHandler):
    app_url = ""
    largest_body = 0

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _forward(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        type(self).largest_body = max(type(self).largest_body, length)
        if length > FUNCTION_URL_PAYLOAD_LIMIT:
            self.rfile.read(length)
            self.send_response(413)
            self.send_header("content-type", "application/json")
            body = b'{"message":"Request must be smaller than 6291456 bytes"}'
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        body = self.rfile.read(length) if length else None
        # The answer is relayed decoded (httpx decodes what it can), so ask the app for plain bytes: a
        # forwarded `Accept-Encoding: br` would come back as brotli bytes under no Content-Encoding.
        headers = {
            k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"accept-encoding"}
        }
        with httpx.Client(timeout=60) as client:
            answer = client.request(self.command, self.app_url + self.path, content=body, headers=headers)
        self.send_response(answer.status_code)
        for key, value in answer.headers.multi_items():
            if key.lower() not in _HOP_BY_HOP:
                self.send_header(key, value)
        self.send_header("content-length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward


@contextlib.contextmanager
def function_url_standin(app_url: str) -> Iterator[tuple[str, type[_Forward]]]:
    """Yields (the stand-in's URL, its handler class, whose `largest_body` records the biggest request)."""
    handler = type("FunctionUrlStandIn", (_Forward,), {"app_url": app_url, "largest_body": 0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
