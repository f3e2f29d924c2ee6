"""REHEARSAL infrastructure on this machine: a moto server for AWS, a PostgreSQL database for RDS, a
self-signed certificate for the service's HTTPS URL, and the app itself in cloud mode (the launcher).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import secrets
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import boto3
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storyanalytics.db import redact_url
from storyanalytics.errors import StoryAnalyticsError
from storyanalytics.processes import stop_process
from storyanalytics.rehearsal.standins import ServiceSpec
from storyanalytics.runbooks.scrub import redact_text

DEFAULT_POSTGRES_ADMIN_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
POSTGRES_ENV = "STORY_ANALYTICS_REHEARSAL_POSTGRES_URL"
# Credentials only the moto server accepts; real AWS rejects them.
FAKE_AWS_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "rehearsal-not-a-real-key",
    "AWS_SECRET_ACCESS_KEY": "rehearsal-not-a-real-secret",
    "AWS_SESSION_TOKEN": "rehearsal-not-a-real-token",
}


class RehearsalError(StoryAnalyticsError):
    """The rehearsal cannot run here (e.g. no PostgreSQL); the message says what to do."""


def require_loopback(endpoint_url: str) -> str:
    """The rehearsal talks only to its own local emulator, never to a real AWS endpoint."""
    host = urlparse(endpoint_url).hostname or ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if not loopback:
        raise RehearsalError(
            f"REHEARSAL refuses endpoint {endpoint_url!r}: it only runs against its own local AWS emulator."
        )
    return endpoint_url


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- AWS: moto over HTTP -------------------------------------------------------------------------------
class MotoEndpoint:
    """A ThreadedMotoServer on a free loopback port, with the stand-ins installed."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        from storyanalytics.rehearsal.standins import install

        install()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.url = ""

    def start(self) -> str:
        import logging

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no unlabelled request lines
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = require_loopback(f"http://{host}:{port}")
        return self.url

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._server.stop()


# --- RDS: a fresh local PostgreSQL database -------------------------------------------------------------
class RehearsalDatabase:
    """`story_analytics_rehearsal_<timestamp>` on the local PostgreSQL server, dropped at the end."""

    def __init__(self, admin_url: str | None = None) -> None:
        self.admin_url = admin_url or os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES_ADMIN_URL
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
        self.name = f"story_analytics_rehearsal_{stamp}_{secrets.token_hex(3)}"
        self.url = make_url(self.admin_url).set(database=self.name).render_as_string(hide_password=False)
        self._engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")

    def create(self) -> str:
        try:
            with self._engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise RehearsalError(
                f"REHEARSAL needs a local PostgreSQL server ({redact_url(self.admin_url)}): {first}; start "
                f"one or set {POSTGRES_ENV} to an admin URL."
            ) from None
        return self.url

    def drop(self) -> None:
        with contextlib.suppress(SQLAlchemyError), self._engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self._engine.dispose()

    @property
    def parts(self) -> dict[str, str]:
        url = make_url(self.url)
        return {
            "DB_HOST": url.host or "127.0.0.1",
            "DB_PORT": str(url.port or 5432),
            "DB_NAME": self.name,
            "DB_USER": url.username or "postgres",
            "DB_PASSWORD": url.password or "",
            "DB_SSLMODE": "disable",
        }


# --- HTTPS: a self-signed certificate for 127.0.0.1 -----------------------------------------------------
def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate (and key) for 127.0.0.1/localhost, valid for a day; returns (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Story Analytics rehearsal (not AWS)")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "rehearsal-cert.pem", folder / "rehearsal-key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


# --- The service: the real app, started in cloud mode ---------------------------------------------------
@dataclass
class _RunningApp:
    process: subprocess.Popen[str]
    spec: ServiceSpec
    lines: deque[str] = field(default_factory=lambda: deque(maxlen=200))
    shipper: threading.Thread | None = None


class LocalAppLauncher:
    """Runs each stand-in service as `uvicorn storyanalytics.api.app:app` over HTTPS on a free port.

    Cloud mode as the stack describes it (APP_MODE=cloud, STORAGE_BACKEND=s3, S3_BUCKET, secrets), with
    AWS pointed at the moto server and the database at the rehearsal's PostgreSQL database. Its output
    is shipped to the service's log group on moto, as the awslogs driver / App Runner would.
    """

    def __init__(
        self,
        *,
        endpoint_url: str,
        database: RehearsalDatabase,
        certificate: tuple[Path, Path],
        log_dir: Path,
        start_timeout: float = 90.0,
    ) -> None:
        self.endpoint_url = require_loopback(endpoint_url)
        self.database = database
        self.cert_path, self.key_path = certificate
        self.log_dir = log_dir
        self.start_timeout = start_timeout
        self.apps: dict[str, _RunningApp] = {}
        self.known_secrets: set[str] = set()

    def environment(self, spec: ServiceSpec) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "DB_"))}
        env.pop("DATABASE_URL", None)
        env.update(spec.environment)
        env.update(FAKE_AWS_CREDENTIALS)
        env.update(self.database.parts)
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "DATABASE_URL": self.database.url,
                "PYTHONUNBUFFERED": "1",
            }
        )
        return env

    def start(self, spec: ServiceSpec) -> str:
        port = free_port()
        env = self.environment(spec)
        self.known_secrets.update(
            value
            for key, value in spec.environment.items()
            if key in {"JWT_SECRET", "ADMIN_PASSWORD", "DB_PASSWORD"}
        )
        command = [
            sys.executable, "-m", "uvicorn", "storyanalytics.api.app:app",
            "--host", "127.0.0.1", "--port", str(port),
            "--ssl-certfile", str(self.cert_path), "--ssl-keyfile", str(self.key_path),
        ]  # fmt: skip
        process = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )
        address = f"127.0.0.1:{port}"
        running = _RunningApp(process, spec)
        self.apps[address] = running
        running.shipper = threading.Thread(
            target=self._ship_logs, args=(running, address), name=f"rehearsal-logs-{port}", daemon=True
        )
        running.shipper.start()
        self._wait_healthy(address, running)
        return address

    def _wait_healthy(self, address: str, running: _RunningApp) -> None:
        context = ssl.create_default_context(cafile=str(self.cert_path))
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if running.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"https://{address}/api/health", timeout=5, context=context) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        last = " | ".join(list(running.lines)[-5:]) or "no output"
        self.stop(address)
        raise RehearsalError(
            f"REHEARSAL: the local app for service {running.spec.name} did not become healthy: "
            f"{redact_text(last, self.known_secrets)}"
        )

    def _ship_logs(self, running: _RunningApp, address: str) -> None:
        """Copy the app's output to a local file and to the service's log group on moto."""
        logs = boto3.client(
            "logs",
            endpoint_url=self.endpoint_url,
            region_name=running.spec.region,
            **_lower(FAKE_AWS_CREDENTIALS),
        )
        group = running.spec.log_group
        stream = f"{running.spec.log_stream_prefix}/{running.spec.name}/{address.replace(':', '-')}"
        if group:
            with contextlib.suppress(Exception):
                logs.create_log_group(logGroupName=group)
            with contextlib.suppress(Exception):
                logs.create_log_stream(logGroupName=group, logStreamName=stream)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        assert running.process.stdout is not None
        with (self.log_dir / f"app-{address.replace(':', '-')}.log").open("a", encoding="utf-8") as file:
            for raw in running.process.stdout:
                line = redact_text(raw.rstrip("\n"), self.known_secrets)
                running.lines.append(line)
                file.write(line + "\n")
                file.flush()
                if group and line.strip():
                    with contextlib.suppress(Exception):
                        logs.put_log_events(
                            logGroupName=group,
                            logStreamName=stream,
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": line}],
                        )

    def stop(self, address: str) -> None:
        running = self.apps.pop(address, None)
        if running is None:
            return
        stop_process(running.process)
        if running.shipper is not None:
            running.shipper.join(timeout=5)

    def stop_all(self) -> None:
        for address in list(self.apps):
            self.stop(address)


def _lower(credentials: dict[str, str]) -> dict[str, Any]:
    return {
        "aws_access_key_id": credentials["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": credentials["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": credentials["AWS_SESSION_TOKEN"],
    }
