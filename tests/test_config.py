"""Settings: sane defaults, and every setup that cannot work refused with one sentence naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyanalytics.config import AppMode, ConfigError, Settings, StorageKind, load_settings
from storyanalytics.errors import StoryAnalyticsError

GOOD_SECRET = "k" * 48
SETTINGS_VARIABLES = (
    "APP_MODE",
    "STORAGE_BACKEND",
    "DATA_DIR",
    "S3_BUCKET",
    "S3_PREFIX",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "DATABASE_URL",
    "AUTH_ENABLED",
    "JWT_SECRET",
    "DB_HOST",
    "DB_NAME",
    "DB_USER",
    "DB_PASSWORD",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each test sees only the variables it sets (and no stray .env file)."""
    for name in SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def settings_error(monkeypatch: pytest.MonkeyPatch, **environment: str) -> str:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    return str(caught.value)


def assert_one_sentence(message: str) -> None:
    assert "\n" not in message
    assert "Traceback" not in message
    assert "validation error" not in message.lower()


def test_defaults_are_local_storage_and_sqlite_under_data_dir() -> None:
    settings = load_settings()
    assert settings.storage_backend is StorageKind.local
    assert settings.data_dir == Path("data")
    assert settings.resolved_database_url == "sqlite:///data/metadata.db"
    assert not settings.is_cloud
    assert not settings.auth_required


def test_default_database_follows_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "store"))
    settings = load_settings()
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'store' / 'metadata.db').as_posix()}"


def test_database_url_from_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg2://app:pw@db.example:5432/app")
    assert load_settings().resolved_database_url == "postgresql+psycopg2://app:pw@db.example:5432/app"


def test_s3_settings_are_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "STORAGE_BACKEND": "S3",
        "S3_BUCKET": "charts-bucket",
        "S3_PREFIX": "/prod/",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "AWS_REGION": "eu-west-1",
        "JWT_SECRET": GOOD_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.storage_backend is StorageKind.s3
    assert (settings.s3_bucket, settings.s3_prefix) == ("charts-bucket", "prod")
    assert (settings.aws_endpoint_url, settings.aws_region) == ("http://127.0.0.1:5000", "eu-west-1")
    assert settings.is_cloud and settings.auth_required


def test_empty_optional_variables_count_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "")
    monkeypatch.setenv("DATABASE_URL", "")
    settings = load_settings()
    assert settings.aws_endpoint_url is None
    assert settings.resolved_database_url == "sqlite:///data/metadata.db"


def test_s3_without_bucket_names_s3_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, STORAGE_BACKEND="s3", JWT_SECRET=GOOD_SECRET)
    assert "S3_BUCKET" in message and "set S3_BUCKET" in message
    assert_one_sentence(message)


def test_unknown_backend_names_storage_backend_and_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, STORAGE_BACKEND="ftp")
    assert "STORAGE_BACKEND" in message and "'local'" in message and "'s3'" in message
    assert_one_sentence(message)


def test_unknown_app_mode_names_app_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, APP_MODE="production")
    assert "APP_MODE" in message and "'cloud'" in message
    assert_one_sentence(message)


@pytest.mark.parametrize(
    "url",
    ["not a url", "postgresql://app:hunter2@db.example:notaport/app", "://nothing"],
    ids=["words", "bad-port", "no-scheme"],
)
def test_unparsable_database_url_names_database_url(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    message = settings_error(monkeypatch, DATABASE_URL=url)
    assert "DATABASE_URL" in message and "postgresql+psycopg2://" in message
    assert "hunter2" not in message
    assert_one_sentence(message)


def test_unsupported_database_names_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, DATABASE_URL="mysql://app:pw@db/app")
    assert "DATABASE_URL" in message and "mysql" in message
    assert_one_sentence(message)


@pytest.mark.parametrize(
    "endpoint", ["localhost:5000", "ftp://127.0.0.1:21", "http://", "http://127.0.0.1:port"]
)
def test_bad_endpoint_names_aws_endpoint_url(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    message = settings_error(monkeypatch, AWS_ENDPOINT_URL=endpoint)
    assert "AWS_ENDPOINT_URL" in message and "http://127.0.0.1:5000" in message
    assert_one_sentence(message)


def test_escaping_s3_prefix_names_s3_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, S3_PREFIX="../other-tenant")
    assert "S3_PREFIX" in message
    assert_one_sentence(message)


def test_cloud_mode_without_jwt_secret_names_jwt_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, STORAGE_BACKEND="s3", S3_BUCKET="b")
    assert "JWT_SECRET" in message and "secrets.token_urlsafe" in message
    assert_one_sentence(message)


@pytest.mark.parametrize("placeholder", ["changeme", "secret", "CHANGEME", " "])
def test_cloud_mode_placeholder_jwt_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch, placeholder: str
) -> None:
    message = settings_error(monkeypatch, APP_MODE="cloud", JWT_SECRET=placeholder)
    assert "JWT_SECRET" in message
    assert_one_sentence(message)


def test_cloud_mode_short_jwt_secret_says_how_long(monkeypatch: pytest.MonkeyPatch) -> None:
    message = settings_error(monkeypatch, APP_MODE="cloud", JWT_SECRET="short-but-not-a-placeholder")
    assert "JWT_SECRET" in message and "32" in message
    assert "short-but-not-a-placeholder" not in message
    assert_one_sentence(message)


def test_local_mode_needs_no_jwt_secret() -> None:
    assert load_settings().jwt_secret is None


def test_cloud_mode_with_real_secret_requires_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_MODE", "cloud")
    monkeypatch.setenv("JWT_SECRET", GOOD_SECRET)
    settings = load_settings()
    assert settings.app_mode is AppMode.cloud and settings.auth_required


def test_secrets_stay_out_of_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_MODE", "cloud")
    monkeypatch.setenv("JWT_SECRET", GOOD_SECRET)
    assert GOOD_SECRET not in repr(load_settings())


def test_config_error_is_a_story_analytics_error() -> None:
    assert issubclass(ConfigError, StoryAnalyticsError)


def test_keyword_overrides_beat_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATA_DIR", "/nonexistent")
    settings = load_settings(data_dir=tmp_path)
    assert isinstance(settings, Settings) and settings.data_dir == tmp_path
