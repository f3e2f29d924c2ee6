"""Each bad input is refused with one clear sentence, before anything is written."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from migrate_helpers import LocalInstall, bucket_files
from sqlalchemy import text

from storyanalytics.db import make_engine
from storyanalytics.migrate import MigrationError, migrate_database, migrate_local_to_cloud
from storyanalytics.migrate import checks as checks_module
from storyanalytics.migrate.checks import check_bucket
from storyanalytics.storage import S3StorageBackend


def _public_tables(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname='public'"))
        value = int(count.scalar_one())
    engine.dispose()
    return value


def _set_revision(url: str, revision: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def _single_sentence(message: str) -> None:
    assert "\n" not in message and "Traceback" not in message
    assert message.count(": ") >= 1


def test_missing_data_folder_is_refused(
    tmp_path: Path, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    with pytest.raises(MigrationError, match="does not exist") as caught:
        migrate_local_to_cloud(tmp_path / "nope", s3_target.bucket, postgres_url, endpoint_url=moto_server)
    _single_sentence(str(caught.value))
    assert _public_tables(postgres_url) == 0


def test_folder_that_is_not_a_data_folder_is_refused(
    tmp_path: Path, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    (tmp_path / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(MigrationError, match="not a Story Analytics data folder"):
        migrate_local_to_cloud(tmp_path, s3_target.bucket, postgres_url, endpoint_url=moto_server)
    assert bucket_files(moto_server, s3_target.bucket) == {}


def test_missing_bucket_is_refused(local_install: LocalInstall, moto_server: str, postgres_url: str) -> None:
    with pytest.raises(MigrationError, match="bucket 'sa-no-such-bucket' does not exist"):
        migrate_local_to_cloud(
            local_install.data_dir, "sa-no-such-bucket", postgres_url, endpoint_url=moto_server
        )
    assert _public_tables(postgres_url) == 0


def test_bucket_with_foreign_files_is_refused(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str, postgres_url: str
) -> None:
    s3_target.client.put_object(Bucket=s3_target.bucket, Key="backups/2019.tar", Body=b"x")
    with pytest.raises(MigrationError, match=r"did not write \(e.g. 'backups/2019.tar'\)"):
        migrate_local_to_cloud(
            local_install.data_dir, s3_target.bucket, postgres_url, endpoint_url=moto_server
        )
    assert set(bucket_files(moto_server, s3_target.bucket)) == {"backups/2019.tar"}
    assert _public_tables(postgres_url) == 0


def test_bucket_tagged_by_the_stack_is_accepted_whatever_it_holds(
    s3_target: S3StorageBackend,
) -> None:
    s3_target.client.put_object(Bucket=s3_target.bucket, Key="access-logs/1.log", Body=b"x")
    s3_target.client.put_bucket_tagging(
        Bucket=s3_target.bucket, Tagging={"TagSet": [{"Key": "story-analytics:app", "Value": "prod"}]}
    )
    check_bucket(s3_target)


def test_foreign_files_outside_the_prefix_do_not_matter(s3_target: S3StorageBackend) -> None:
    s3_target.client.put_object(Bucket=s3_target.bucket, Key="other-app/x.bin", Body=b"x")
    check_bucket(S3StorageBackend(s3_target.bucket, prefix="story", client=s3_target.client))


def test_credentials_that_cannot_write_are_refused_by_the_probe() -> None:
    client = boto3.client("s3", region_name="us-east-1")
    stubber = Stubber(client)
    stubber.add_response("head_bucket", {}, {"Bucket": "stack-bucket"})
    stubber.add_client_error("get_bucket_tagging", "NoSuchTagSet", "The TagSet does not exist", 404)
    stubber.add_response(
        "list_objects_v2",
        {"IsTruncated": False, "KeyCount": 0, "Name": "stack-bucket", "Prefix": ""},
    )
    stubber.add_client_error("put_object", "AccessDenied", "Access Denied", 403)
    with (
        stubber,
        pytest.raises(MigrationError, match="cannot write to bucket 'stack-bucket' \\(AccessDenied\\)"),
    ):
        check_bucket(S3StorageBackend("stack-bucket", client=client))


def test_unreachable_database_is_refused(
    local_install: LocalInstall, s3_target: S3StorageBackend, moto_server: str
) -> None:
    url = "postgresql+psycopg2://someone:hunter2@127.0.0.1:1/cloud"
    with pytest.raises(MigrationError, match="cannot reach the target database") as caught:
        migrate_local_to_cloud(local_install.data_dir, s3_target.bucket, url, endpoint_url=moto_server)
    assert "hunter2" not in str(caught.value)
    assert bucket_files(moto_server, s3_target.bucket) == {}


def test_source_with_newer_schema_is_refused(local_install: LocalInstall, postgres_url: str) -> None:
    _set_revision(local_install.database_url, "9999_future")
    with pytest.raises(MigrationError, match="newer than this version of Story Analytics knows"):
        migrate_database(local_install.database_url, postgres_url)
    assert _public_tables(postgres_url) == 0


def test_source_with_older_schema_is_refused(
    local_install: LocalInstall, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pretend the code ships a newer migration than the one the local database is at (today's head).
    current = checks_module.head_revision()
    monkeypatch.setattr(checks_module, "head_revision", lambda: f"{current}_next")
    monkeypatch.setattr(checks_module, "known_revisions", lambda: {current, f"{current}_next"})
    refusal = rf"older schema revision {current} .*story-analytics db upgrade"
    with pytest.raises(MigrationError, match=refusal):
        migrate_database(local_install.database_url, postgres_url)
    assert _public_tables(postgres_url) == 0


def test_target_with_newer_schema_is_refused(local_install: LocalInstall, postgres_url: str) -> None:
    migrate_database(local_install.database_url, postgres_url)
    _set_revision(postgres_url, "9999_future")
    with pytest.raises(MigrationError, match=r"target database .* newer than this version"):
        migrate_database(local_install.database_url, postgres_url)


def test_unparsable_database_url_is_refused_without_echoing_it(local_install: LocalInstall) -> None:
    with pytest.raises(MigrationError, match="cannot parse the database URL") as caught:
        migrate_database(local_install.database_url, "postgresql://u:pw-secret@host:notaport/db")
    assert "pw-secret" not in str(caught.value)
