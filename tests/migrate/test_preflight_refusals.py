"""Each preflight check's exact refusal, without a server: the bucket behind botocore's Stubber, SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.stub import Stubber
from sqlalchemy import insert

from storyanalytics.db import make_engine, upgrade
from storyanalytics.db.models import User
from storyanalytics.db.schema import head_revision, known_revisions
from storyanalytics.migrate import MigrationError
from storyanalytics.migrate.checks import (
    DatabaseState,
    check_bucket,
    check_data_dir,
    check_distinct,
    check_source_revision,
    check_target_revision,
    count_sign_in_accounts,
    inspect_database,
)
from storyanalytics.storage import S3StorageBackend

BUCKET = "stack-bucket"
PROBE = ".story-analytics/migration-probe"


# --- the data folder ----------------------------------------------------------------------------------
def test_missing_data_folder_is_refused_naming_it(tmp_path: Path) -> None:
    with pytest.raises(MigrationError) as caught:
        check_data_dir(tmp_path / "nope")
    assert str(caught.value) == (
        f"data folder {tmp_path / 'nope'} does not exist: pass the folder the app uses (e.g. ./data)"
    )


def test_file_given_as_the_data_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "metadata.db").write_bytes(b"")
    with pytest.raises(MigrationError) as caught:
        check_data_dir(tmp_path / "metadata.db")
    assert str(caught.value) == (
        f"{tmp_path / 'metadata.db'} is a file, not a data folder: pass the folder the app uses (e.g. ./data)"
    )


def test_folder_without_anything_the_app_writes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(MigrationError) as caught:
        check_data_dir(tmp_path)
    assert str(caught.value) == (
        f"{tmp_path} is not a Story Analytics data folder (it has no metadata.db, charts/ or "
        "settings.json): pass the folder the app uses (e.g. ./data)"
    )


@pytest.mark.parametrize("entry", ["metadata.db", "settings.json", "charts", "snapshots"])
def test_folder_with_any_entry_the_app_writes_is_accepted_and_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / entry).mkdir() if "." not in entry else (data / entry).write_bytes(b"")
    monkeypatch.setenv("HOME", str(tmp_path))

    assert check_data_dir("~/data") == data.resolve()


# --- the bucket ---------------------------------------------------------------------------------------
@pytest.fixture
def s3() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("s3", region_name="us-east-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _untagged(stubber: Stubber) -> None:
    stubber.add_response("head_bucket", {}, {"Bucket": BUCKET})
    stubber.add_client_error("get_bucket_tagging", "NoSuchTagSet", "The TagSet does not exist", 404)


def _listed(stubber: Stubber, *keys: str, prefix: str = "") -> None:
    response: dict[str, Any] = {"IsTruncated": False, "KeyCount": len(keys), "Name": BUCKET}
    if keys:
        response["Contents"] = [{"Key": key, "Size": 1, "ETag": '"x"'} for key in keys]
    stubber.add_response("list_objects_v2", response, {"Bucket": BUCKET, "Prefix": prefix})


def _probe(stubber: Stubber, key: str = PROBE) -> None:
    stubber.add_response(
        "put_object",
        {"ETag": '"x"'},
        {"Bucket": BUCKET, "Key": key, "Body": b"story-analytics migration probe\n"},
    )
    stubber.add_response("delete_object", {}, {"Bucket": BUCKET, "Key": key})


def _refusal(client: Any, prefix: str = "", probe: bool = True) -> str:
    with pytest.raises(MigrationError) as caught:
        check_bucket(S3StorageBackend(BUCKET, prefix=prefix, client=client), probe=probe)
    return str(caught.value)


@pytest.mark.parametrize("code", ["NoSuchBucket", "404", "NotFound"])
def test_missing_bucket_is_refused(s3: tuple[Any, Stubber], code: str) -> None:
    client, stubber = s3
    stubber.add_client_error("head_bucket", code, "Not Found", 404)
    assert _refusal(client) == (
        f"bucket {BUCKET!r} does not exist: deploy the stack first or pass the bucket it created"
    )


@pytest.mark.parametrize(
    "code",
    ["AccessDenied", "403", "Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "AllAccessDisabled"],
)
def test_bucket_these_credentials_cannot_access_is_refused(s3: tuple[Any, Stubber], code: str) -> None:
    client, stubber = s3
    stubber.add_client_error("head_bucket", code, "Forbidden", 403)
    assert _refusal(client) == (
        f"cannot access bucket {BUCKET!r} with these AWS credentials: use the credentials of the account "
        "that owns the stack"
    )


def test_bucket_check_that_fails_otherwise_names_the_code(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    stubber.add_client_error("head_bucket", "SlowDown", "Please reduce your request rate", 503)
    assert _refusal(client) == f"cannot check bucket {BUCKET!r}: SlowDown"


def test_bucket_check_error_without_a_code_still_gets_a_sentence() -> None:
    client = boto3.client("s3", region_name="us-east-1")

    def answers_without_a_code(**_: Any) -> None:
        raise ClientError({}, "HeadBucket")

    client.head_bucket = answers_without_a_code
    assert _refusal(client) == (
        f"cannot check bucket {BUCKET!r}: An error occurred (Unknown) when calling the HeadBucket operation: "
        "Unknown"
    )


def test_unreachable_s3_is_refused_naming_the_bucket() -> None:
    client = boto3.client("s3", region_name="us-east-1")

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://s3.example")

    client.head_bucket = unreachable
    assert _refusal(client) == (
        f'cannot reach S3 to check bucket {BUCKET!r}: Could not connect to the endpoint URL: "https://s3.example"'
    )


def test_bucket_tagged_by_the_stack_is_not_listed_and_gets_the_write_probe(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    stubber.add_response("head_bucket", {}, {"Bucket": BUCKET})
    stubber.add_response(
        "get_bucket_tagging",
        {"TagSet": [{"Key": "owner", "Value": "x"}, {"Key": "story-analytics:app", "Value": "prod"}]},
        {"Bucket": BUCKET},
    )
    _probe(stubber)

    check_bucket(S3StorageBackend(BUCKET, client=client))


def test_bucket_with_another_tag_is_judged_by_its_contents(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    stubber.add_response("head_bucket", {}, {"Bucket": BUCKET})
    stubber.add_response(
        "get_bucket_tagging", {"TagSet": [{"Key": "owner", "Value": "x"}]}, {"Bucket": BUCKET}
    )
    _listed(stubber, "backups/2019.tar")

    assert "holds files Story Analytics did not write" in _refusal(client)


def test_bucket_holding_only_what_the_app_writes_passes_without_the_probe_when_asked(
    s3: tuple[Any, Stubber],
) -> None:
    client, stubber = s3
    _untagged(stubber)
    _listed(stubber, "settings.json", "charts/a.json", ".story-analytics/migration-probe")

    check_bucket(S3StorageBackend(BUCKET, client=client), probe=False)


def test_foreign_file_is_named_in_the_refusal(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    _untagged(stubber)
    _listed(stubber, "charts/a.json", "backups/2019.tar")
    assert _refusal(client) == (
        f"bucket {BUCKET!r} holds files Story Analytics did not write (e.g. 'backups/2019.tar'): pass the "
        "bucket your stack created, or an empty one"
    )


def test_foreign_file_under_the_prefix_is_named_with_the_prefix(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    _untagged(stubber)
    _listed(stubber, "story/charts/a.json", "story/notes.txt", prefix="story/")
    assert _refusal(client, prefix="story") == (
        f"bucket {BUCKET!r} under prefix 'story' holds files Story Analytics did not write (e.g. "
        "'notes.txt'): pass the bucket your stack created, or an empty one"
    )


def test_empty_prefix_in_the_bucket_gets_the_write_probe_under_the_prefix(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    _untagged(stubber)
    _listed(stubber, prefix="story/")
    _probe(stubber, key=f"story/{PROBE}")

    check_bucket(S3StorageBackend(BUCKET, prefix="story", client=client))


@pytest.mark.parametrize("code", ["AccessDenied", "403"])
def test_bucket_that_cannot_be_listed_is_refused_naming_the_permission(
    s3: tuple[Any, Stubber], code: str
) -> None:
    client, stubber = s3
    _untagged(stubber)
    stubber.add_client_error("list_objects_v2", code, "Access Denied", 403)
    assert _refusal(client) == (
        f"cannot list bucket {BUCKET!r} with these AWS credentials: they need s3:ListBucket on it"
    )


def test_listing_that_fails_otherwise_names_the_code(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    _untagged(stubber)
    stubber.add_client_error("list_objects_v2", "InternalError", "We encountered an internal error", 500)
    assert _refusal(client) == f"cannot list bucket {BUCKET!r}: InternalError"


def test_credentials_that_cannot_delete_the_probe_are_refused(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    _untagged(stubber)
    _listed(stubber)
    stubber.add_response("put_object", {"ETag": '"x"'})
    stubber.add_client_error("delete_object", "AccessDenied", "Access Denied", 403)
    assert _refusal(client) == (
        f"these AWS credentials cannot write to bucket {BUCKET!r} (AccessDenied): they need "
        "s3:PutObject and s3:DeleteObject on it"
    )


def test_probe_that_cannot_reach_s3_is_refused(s3: tuple[Any, Stubber]) -> None:
    client, stubber = s3
    _untagged(stubber)
    _listed(stubber)

    def unreachable(**_: Any) -> None:
        raise EndpointConnectionError(endpoint_url="https://s3.example")

    client.put_object = unreachable
    assert _refusal(client).startswith(f"cannot reach S3 to write to bucket {BUCKET!r}: Could not connect")


# --- databases ----------------------------------------------------------------------------------------
@pytest.fixture
def source_url(tmp_path: Path) -> str:
    url = f"sqlite:///{(tmp_path / 'metadata.db').as_posix()}"
    upgrade(url)
    return url


@pytest.mark.parametrize(("database", "shown"), [("", "(none)"), (":memory:", ":memory:")])
def test_source_database_that_is_not_a_file_is_refused(database: str, shown: str) -> None:
    with pytest.raises(MigrationError) as caught:
        inspect_database(f"sqlite:///{database}", "source")
    assert str(caught.value) == f"the source database file {shown} does not exist"


def test_in_memory_source_is_refused_even_beside_a_file_of_that_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ":memory:").write_bytes(b"")
    with pytest.raises(MigrationError, match=r"^the source database file :memory: does not exist$"):
        inspect_database("sqlite:///:memory:", "source")


def test_missing_source_database_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MigrationError, match=r"^the source database file .*nope\.db does not exist$"):
        inspect_database(f"sqlite:///{tmp_path / 'nope.db'}", "source")
    assert not (tmp_path / "nope.db").exists()


def test_missing_target_database_file_is_an_empty_target(tmp_path: Path) -> None:
    state = inspect_database(f"sqlite:///{tmp_path / 'new.db'}", "target")
    assert state.revision is None and state.label == f"sqlite:///{tmp_path / 'new.db'}"


def test_source_database_is_read_at_its_schema_revision(source_url: str) -> None:
    assert inspect_database(source_url, "source").revision == head_revision()


def test_file_that_is_not_a_database_is_refused_with_the_driver_reason(tmp_path: Path) -> None:
    (tmp_path / "metadata.db").write_bytes(b"not a database at all " * 100)
    url = f"sqlite:///{(tmp_path / 'metadata.db').as_posix()}"
    with pytest.raises(MigrationError) as caught:
        inspect_database(url, "source")
    assert str(caught.value) == (
        f"cannot reach the source database {url}: file is not a database; check the URL and that the server "
        "accepts connections from here"
    )


def test_target_database_folder_that_cannot_be_made_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(MigrationError, match=r"^cannot create the folder .*file for the SQLite database"):
        inspect_database(f"sqlite:///{tmp_path / 'file' / 'metadata.db'}", "target")


def test_unreachable_server_database_is_refused_without_its_password() -> None:
    url = "postgresql+psycopg2://someone:hunter2@127.0.0.1:1/cloud"
    with pytest.raises(MigrationError) as caught:
        inspect_database(url, "target")
    message = str(caught.value)
    assert message.startswith(
        "cannot reach the target database postgresql+psycopg2://someone:***@127.0.0.1:1/cloud: "
    )
    assert "Connection refused" in message and "hunter2" not in message and "\n" not in message


def test_unparsable_database_url_is_refused_without_repeating_it() -> None:
    with pytest.raises(MigrationError) as caught:
        inspect_database("postgresql://u:pw-secret@host:notaport/db", "target")
    assert str(caught.value) == (
        "cannot parse the database URL: use sqlite:///path/to.db or "
        "postgresql+psycopg2://user:password@host:5432/dbname"
    )


def _state(revision: str | None, url: str = "sqlite:///a.db") -> DatabaseState:
    return DatabaseState(make_engine(url), revision, "the-label")


def _older() -> str:
    older = sorted(known_revisions() - {head_revision()})
    if not older:
        pytest.skip("the package ships a single migration: no older revision exists")
    return older[0]


def test_source_at_the_code_schema_passes() -> None:
    check_source_revision(_state(head_revision()))


def test_source_without_a_schema_is_refused() -> None:
    with pytest.raises(MigrationError) as caught:
        check_source_revision(_state(None))
    assert str(caught.value) == (
        "the source database the-label has no Story Analytics schema: point at the metadata.db the app "
        "created"
    )


def test_source_newer_than_the_code_is_refused() -> None:
    with pytest.raises(MigrationError) as caught:
        check_source_revision(_state("9999_future"))
    assert str(caught.value) == (
        "the source database the-label is at schema revision 9999_future, newer than this version of Story "
        f"Analytics knows ({head_revision()}): upgrade the package and run again"
    )


def test_source_at_an_older_schema_is_refused_with_the_upgrade_command() -> None:
    older = _older()
    with pytest.raises(MigrationError) as caught:
        check_source_revision(_state(older))
    assert str(caught.value) == (
        f"the source database the-label is at older schema revision {older} (this version needs "
        f"{head_revision()}): run `story-analytics db upgrade --database-url <its URL>` first, then run again"
    )


def test_empty_target_passes() -> None:
    check_target_revision(_state(None))


def test_target_at_any_schema_the_code_knows_passes() -> None:
    for revision in sorted(known_revisions()):
        check_target_revision(_state(revision))


def test_target_newer_than_the_code_is_refused() -> None:
    with pytest.raises(MigrationError) as caught:
        check_target_revision(_state("9999_future"))
    assert str(caught.value) == (
        "the target database the-label is at schema revision 9999_future, newer than this version of Story "
        f"Analytics knows ({head_revision()}): upgrade the package and run again"
    )


def test_same_database_as_source_and_target_is_refused() -> None:
    with pytest.raises(MigrationError) as caught:
        check_distinct(_state(None, "sqlite:///a.db"), _state(None, "sqlite:///a.db"))
    assert str(caught.value) == ("the source and target databases are the same: pass the cloud DATABASE_URL")


def test_different_databases_pass() -> None:
    check_distinct(_state(None, "sqlite:///a.db"), _state(None, "sqlite:///b.db"))


def test_an_inspected_database_counts_only_active_accounts_with_a_password(source_url: str) -> None:
    engine = make_engine(source_url)
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                {"id": "u1", "email": "a@x.org", "password_hash": "h", "is_active": True},
                {"id": "u2", "email": "b@x.org", "password_hash": "h", "is_active": True},
                {"id": "u3", "email": "c@x.org", "password_hash": None, "is_active": True},
                {"id": "u4", "email": "d@x.org", "password_hash": "h", "is_active": False},
            ],
        )

    assert count_sign_in_accounts(inspect_database(source_url, "source")) == 2
