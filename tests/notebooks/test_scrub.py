"""Executed notebooks never keep a secret: URL passwords, tokens and known values are redacted."""

from __future__ import annotations

import nbformat

from storyanalytics.runbooks import find_secrets, redact_text, scrub_notebook


def test_database_url_password_is_redacted() -> None:
    text = redact_text("postgresql+psycopg2://app:s3cret-pw@db.example:5432/app")
    assert "s3cret-pw" not in text
    assert text.startswith("postgresql+psycopg2://app:") and text.endswith("@db.example:5432/app")


def test_known_secret_values_are_redacted_anywhere() -> None:
    assert "Zq9-admin-pass" not in redact_text("your password is Zq9-admin-pass", ["Zq9-admin-pass"])


def test_secret_arns_are_kept() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:stack-AdminPassword-x1"
    assert redact_text(f"AdminPasswordSecretArn={arn}") == f"AdminPasswordSecretArn={arn}"
    assert find_secrets(arn) == []


def test_scrub_notebook_cleans_sources_and_outputs() -> None:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell('database_url = "postgresql://u:pw-123456@h/db"')
    cell.outputs = [nbformat.v4.new_output("stream", text="token=abcdefgh12345 and pw-123456\n")]
    notebook.cells = [cell]
    scrub_notebook(notebook, ["pw-123456"])
    text = nbformat.writes(notebook)
    assert "pw-123456" not in text and "abcdefgh12345" not in text
    assert find_secrets(text) == []
