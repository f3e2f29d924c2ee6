"""Settings from the environment: the one place that knows the environment variables' names.

Everything else receives a `Settings` object, so tests and scripts can build one by hand.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from storyanalytics.errors import StoryAnalyticsError

# Values people paste from examples; never acceptable as a real JWT secret.
PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "secret", "your-secret-here", "jwt-secret", "please-change-me", "xxx"}
)
MIN_JWT_SECRET_BYTES = 32


class StorageKind(StrEnum):
    local = "local"
    s3 = "s3"


class AppMode(StrEnum):
    local = "local"
    cloud = "cloud"


class ConfigError(StoryAnalyticsError):
    """The environment describes a setup that cannot work; the message names the variable and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_mode: AppMode | None = Field(default=None, description="local or cloud; cloud if STORAGE_BACKEND=s3")
    storage_backend: StorageKind = StorageKind.local
    data_dir: Path = Path("./data")
    s3_bucket: str | None = None
    s3_prefix: str = ""
    aws_endpoint_url: str | None = None
    aws_region: str | None = None
    database_url: str | None = None
    # The cloud stack passes the database as parts (the password is a runtime secret); DATABASE_URL wins.
    db_host: str | None = None
    db_port: int = Field(default=5432, ge=1, le=65535)
    db_name: str | None = None
    db_user: str | None = None
    db_password: str | None = Field(default=None, repr=False)
    db_sslmode: str | None = None
    # PostgreSQL connections each app process may hold (SQLAlchemy's pool_size and max_overflow). On
    # Lambda one instance serves one request at a time, so the stack sets 1 + 1; the database then sees
    # at most (function instances x 2) connections.
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_max_overflow: int = Field(default=10, ge=0, le=100)

    # Auth: off in local mode unless asked for, always on in cloud mode.
    auth_enabled: bool | None = None
    jwt_secret: str | None = Field(default=None, repr=False)
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)
    admin_email: str | None = None
    admin_password: str | None = Field(default=None, repr=False)

    max_upload_mb: int = Field(default=50, ge=1, le=2048)
    # CSV uploads: the memory the column engine may use (past it, it spills to a temporary disk), and how
    # many megabytes of CSV stay parsed, ready for charts and exports (kept on that disk, least recent out).
    csv_engine_memory_mb: int = Field(default=64, ge=16, le=64 * 1024)
    parsed_cache_mb: int = Field(default=256, ge=1, le=64 * 1024)
    # Availability bounds: a JSON body's size, how slowly a body may arrive, how long a request may take.
    max_json_kb: int = Field(default=1024, ge=16, le=64 * 1024)
    body_idle_seconds: float = Field(default=10, gt=0, le=600)
    body_timeout_seconds: float = Field(default=120, gt=0, le=3600)
    request_timeout_seconds: float = Field(default=20, gt=0, le=3600)
    # Comma-separated addresses or CIDRs of the proxies in front of the app (the load balancer); only
    # through them is X-Forwarded-For believed. Empty: the peer address is the client's.
    trusted_proxies: str = ""
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    web_dist_dir: Path | None = None
    # Published charts as static files behind CloudFront (cloud mode; the edge stack's outputs).
    edge_bucket: str | None = None
    edge_url: str | None = None

    @field_validator("storage_backend", mode="before")
    @classmethod
    def _normalise_backend(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower()
            if value not in {kind.value for kind in StorageKind}:
                raise ValueError(f"STORAGE_BACKEND={value!r} is unknown: use 'local' or 's3'")
        return value

    @field_validator("app_mode", mode="before")
    @classmethod
    def _normalise_mode(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower() or None
            if value is not None and value not in {mode.value for mode in AppMode}:
                raise ValueError(f"APP_MODE={value!r} is unknown: use 'local' or 'cloud'")
        return value

    @field_validator(
        "s3_bucket",
        "aws_endpoint_url",
        "aws_region",
        "database_url",
        "db_host",
        "db_sslmode",
        "edge_bucket",
        "edge_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        """`export AWS_ENDPOINT_URL=` means "not set", as it does for the AWS tools."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("s3_prefix", mode="before")
    @classmethod
    def _normalise_prefix(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        # Imported here: the storage package imports this module.
        from storyanalytics.storage.base import InvalidKey, validate_prefix

        value = value.strip("/")
        try:
            validate_prefix(value)
        except InvalidKey as exc:
            raise ValueError(
                f"S3_PREFIX is not usable ({exc}): use a plain folder name like 'prod/'"
            ) from None
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: str) -> str:
        import ipaddress

        for entry in (part.strip() for part in value.split(",")):
            if not entry:
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"TRUSTED_PROXIES entry {entry!r} is not an address or CIDR: use e.g. 10.0.0.0/16"
                ) from None
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @model_validator(mode="after")
    def _check_combination(self) -> Settings:
        if self.storage_backend is StorageKind.s3 and not self.s3_bucket:
            raise ValueError("STORAGE_BACKEND=s3 needs S3_BUCKET: set S3_BUCKET to your bucket's name")
        if self.aws_endpoint_url is not None and not _is_http_url(self.aws_endpoint_url):
            raise ValueError(
                f"AWS_ENDPOINT_URL={self.aws_endpoint_url!r} is not an http(s) URL with a host: "
                "use e.g. http://127.0.0.1:5000, or unset it to use AWS itself"
            )
        if self.edge_bucket is not None and (self.edge_url is None or not _is_http_url(self.edge_url)):
            raise ValueError(
                "EDGE_BUCKET is set but EDGE_URL is not an http(s) URL: set EDGE_URL to the CDN's address "
                "(the edge stack's PublicUrl output), e.g. https://d111111abcdef8.cloudfront.net"
            )
        if self.database_url is not None:
            self._check_database_url(self.database_url)
        elif self.db_host is not None:
            missing = [name.upper() for name in ("db_name", "db_user") if not getattr(self, name)]
            if missing:
                raise ValueError(
                    f"DB_HOST is set but {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not: "
                    "set them too, or set DATABASE_URL instead"
                )
        if self.is_cloud:
            self._check_jwt_secret()
        return self

    @staticmethod
    def _check_database_url(url: str) -> None:
        example = (
            "use e.g. sqlite:///data/metadata.db or postgresql+psycopg2://user:password@host:5432/dbname"
        )
        try:
            backend = make_url(url).get_backend_name()
        except (ArgumentError, ValueError):
            # The URL is not repeated: it may hold a password.
            raise ValueError(f"DATABASE_URL cannot be parsed: {example}") from None
        if backend not in {"sqlite", "postgresql"}:
            raise ValueError(f"DATABASE_URL names the unsupported database {backend!r}: {example}")

    def _check_jwt_secret(self) -> None:
        secret = self.jwt_secret or ""
        if secret.strip().lower() in PLACEHOLDER_SECRETS:
            raise ValueError(
                "cloud mode needs JWT_SECRET: set it to a random value of at least 32 bytes "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if len(secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"JWT_SECRET is {len(secret.encode())} bytes; cloud mode needs at least "
                f"{MIN_JWT_SECRET_BYTES}: generate one with python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'"
            )

    @property
    def is_cloud(self) -> bool:
        if self.app_mode is not None:
            return self.app_mode is AppMode.cloud
        return self.storage_backend is StorageKind.s3

    @property
    def auth_required(self) -> bool:
        return True if self.is_cloud else bool(self.auth_enabled)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        if self.db_host:
            return URL.create(
                "postgresql+psycopg2",
                username=self.db_user,
                password=self.db_password,
                host=self.db_host,
                port=self.db_port,
                database=self.db_name,
                query={"sslmode": self.db_sslmode} if self.db_sslmode else {},
            ).render_as_string(hide_password=False)
        return f"sqlite:///{(self.data_dir / 'metadata.db').as_posix()}"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024


def _is_http_url(value: str) -> bool:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment (and overrides), turning validation errors into one sentence."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    sentences = []
    for error in exc.errors():
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        field = ".".join(str(part) for part in error.get("loc", ()))
        if field and field.upper() not in message:
            message = f"{field.upper()}: {message}"
        sentences.append(message)
    return "; ".join(sentences)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
