"""REHEARSAL STAND-IN FOR CLOUDFRONT: a plain static server over the edge bucket's public prefix.

Used by the offline rehearsal, the tests and bench/embed.py; a real deploy never imports it.

It does what the edge stack's distribution does for a reader, and nothing more: a GET of /<path> reads
`public/<path>` from the edge bucket (moto here) and answers with the object's stored Content-Type,
Cache-Control and ETag (304 on If-None-Match), adds the security headers of cfn/edge.yaml's response
headers policies (EmbedHeadersPolicy on /assets/* and /data/*, PagesHeadersPolicy elsewhere), plays the
pages' viewer-response function (the team allowlist stored as x-amz-meta-frame-ancestors becomes the
CSP frame-ancestors; the function's policy text is read from the template), and gzips text when the
reader accepts it (the behaviors' Compress: true). Query strings are ignored, as the cache policies
ignore them. Nothing is cached, so there is nothing to invalidate. No app process is involved.
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import re
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import yaml
from botocore.exceptions import ClientError

EDGE_TEMPLATE = Path(__file__).resolve().parents[2] / "cfn" / "edge.yaml"
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


class _AnyTagLoader(yaml.SafeLoader):
    pass


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


SHARED_BEHAVIORS = ("/assets/", "/data/")
_ORIGIN = re.compile(r"^https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(EDGE_TEMPLATE.read_text(encoding="utf-8"), Loader=_AnyTagLoader)
    return loaded


def policy_headers(policy: str = "EmbedHeadersPolicy") -> dict[str, str]:
    """The headers one of the edge template's response headers policies adds, read from the template."""
    config = _template()["Resources"][policy]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    headers = {
        "Strict-Transport-Security": f"max-age={hsts['AccessControlMaxAgeSec']}",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": security["ReferrerPolicy"]["ReferrerPolicy"],
    }
    if "ContentSecurityPolicy" in security:
        headers["Content-Security-Policy"] = security["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    return headers


def function_csp() -> str:
    """The policy text of the pages' viewer-response function (its `var CSP = "..."`), from the template."""
    code = _template()["Resources"]["FrameAncestorsFunction"]["Properties"]["FunctionCode"]
    found = re.search(r'var CSP = "([^"]+)";', code)
    if found is None:
        raise RuntimeError('cfn/edge.yaml\'s FrameAncestorsFunction has no `var CSP = "...";`')
    return found.group(1)


def page_csp(base: str, stored: str | None) -> str:
    """What FrameAncestorsFunction answers (publish/frame_ancestors_function.js), played offline."""
    if stored is None:
        return f"{base}; frame-ancestors *"
    allowed = [origin for origin in stored.split(" ") if origin == "*" or _ORIGIN.match(origin)]
    sources = " ".join(allowed) if allowed else "'none'"
    return f"{base}; frame-ancestors {sources}"


def _handler(client: Any, bucket: str, prefix: str) -> type:
    shared_headers = policy_headers("EmbedHeadersPolicy")
    page_headers = policy_headers("PagesHeadersPolicy")
    base_csp = function_csp()

    class EdgeHandler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        policy: dict[str, str] = page_headers

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def _answer(self, *, send_body: bool) -> None:
            path = self.path.split("?", 1)[0]
            key = prefix + path
            self.policy = shared_headers if path.startswith(SHARED_BEHAVIORS) else page_headers
            request: dict[str, Any] = {"Bucket": bucket, "Key": key}
            if self.headers.get("If-None-Match"):
                request["IfNoneMatch"] = self.headers["If-None-Match"]
            try:
                found = client.get_object(**request)
            except ClientError as exc:
                status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 404))
                if status == 304:
                    self._send(304, b"", {"ETag": self.headers["If-None-Match"]}, send_body=False)
                else:
                    self._send(404, b"Not found", {"Content-Type": "text/plain"}, send_body=send_body)
                return
            body = found["Body"].read()
            extra = {
                "Content-Type": found.get("ContentType", "application/octet-stream"),
                "ETag": found["ETag"],
            }
            if found.get("CacheControl"):
                extra["Cache-Control"] = found["CacheControl"]
            if not path.startswith(SHARED_BEHAVIORS):
                stored = found.get("Metadata", {}).get("frame-ancestors")
                extra["Content-Security-Policy"] = page_csp(base_csp, stored)
            if "gzip" in self.headers.get("Accept-Encoding", "") and extra["Content-Type"].startswith(
                COMPRESSIBLE
            ):
                body = gzip.compress(body, 6)
                extra["Content-Encoding"] = "gzip"
                extra["Vary"] = "Accept-Encoding"
            self._send(200, body, extra, send_body=send_body)

        def _send(self, status: int, body: bytes, extra: dict[str, str], *, send_body: bool) -> None:
            self.send_response(status)
            for name, value in {**self.policy, **extra}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return EdgeHandler


@contextlib.contextmanager
def serving(handler: Any, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Any request handler on a free loopback port, in a thread (HTTPS with `tls`); yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def cloudfront_standin(
    endpoint_url: str, bucket: str, prefix: str = "public", tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Serve s3://bucket/prefix/ on a loopback port (its own origin); yields the base URL."""
    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with serving(_handler(client, bucket, prefix), tls) as url:
        yield url


# --- The rehearsal's distributions: each edge stack's stand-in distribution serves its bucket -----------
_distributions = contextlib.ExitStack()
_rehearsal: dict[str, Any] = {}


def serve_distributions(endpoint_url: str, certificate: tuple[Path, Path]) -> None:
    """From now on a stand-in distribution (storyanalytics.rehearsal.standins.cloudfront) is served here,
    over HTTPS with the rehearsal's certificate; without this call it only gets a *.cloudfront.net name."""
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(certificate[0]), str(certificate[1]))
    _rehearsal.update(endpoint_url=endpoint_url, tls=tls)


def distribution_address(bucket: str, prefix: str) -> str | None:
    """host:port serving s3://bucket/prefix/ for a new distribution, or None outside the rehearsal."""
    if not _rehearsal:
        return None
    url = _distributions.enter_context(
        cloudfront_standin(_rehearsal["endpoint_url"], bucket, prefix, _rehearsal["tls"])
    )
    return url.removeprefix("https://")


def stop_distributions() -> None:
    _distributions.close()
    _rehearsal.clear()
