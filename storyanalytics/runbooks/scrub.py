"""Keep secrets out of notebooks: find them (committed notebooks) and redact them (executed copies).

An executed notebook is a file people share and commit; it must never hold a password, a token or a
database URL with its password, whatever a cell printed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

REDACTED = "***redacted***"

# (name, pattern, replacement); replacements keep the harmless part so the output stays readable.
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    (
        "password in a URL",
        re.compile(r"(?P<head>\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@'\"]+:)(?P<secret>[^\s@/'\"]+)(?P<tail>@)"),
        rf"\g<head>{REDACTED}\g<tail>",
    ),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), REDACTED),
    (
        "AWS secret access key",
        re.compile(
            r"(?i)(?P<head>aws_secret_access_key|secretaccesskey|aws_session_token|sessiontoken)"
            r"(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<secret>[A-Za-z0-9/+=]{16,})"
        ),
        rf"\g<head>\g<sep>{REDACTED}",
    ),
    (
        "JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b"),
        REDACTED,
    ),
    (
        "password, secret or token value",
        re.compile(
            r"(?i)(?<![:/])(?P<head>\b[\w-]*(?:password|passwd|secret|token|api_key|apikey)[\"']?)"
            r"(?P<sep>\s*[:=]\s*[\"']?)(?P<secret>(?!\*\*\*redacted)[^\s\"',}]{6,})"
        ),
        rf"\g<head>\g<sep>{REDACTED}",
    ),
    (
        "private key",
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"),
        REDACTED,
    ),
]

# Values that look like `secret=...` but are references or placeholders, not secrets.
_HARMLESS_VALUES = re.compile(r"(?i)^(arn:|none$|null$|true$|false$|\{|\$|<|os\.environ|getenv|\*+$)")


def find_secrets(text: str) -> list[str]:
    """Names of the kinds of secrets `text` seems to contain (empty when clean)."""
    found: list[str] = []
    for name, pattern, _ in _PATTERNS:
        for match in pattern.finditer(text):
            value = match.groupdict().get("secret") or match.group(0)
            if _HARMLESS_VALUES.match(value) or value.startswith(REDACTED):
                continue
            found.append(name)
            break
    return found


def redact_text(text: str, known_secrets: Iterable[str] = ()) -> str:
    """`text` with every known secret value and every secret-looking string replaced."""
    for secret in sorted({s for s in known_secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)

    for _, pattern, replacement in _PATTERNS:

        def _replace(match: re.Match[str], replacement: str = replacement) -> str:
            value = match.groupdict().get("secret") or match.group(0)
            if _HARMLESS_VALUES.match(value) or value.startswith(REDACTED):
                return match.group(0)
            return match.expand(replacement)

        text = pattern.sub(_replace, text)
    return text


def _scrub_value(value: Any, known: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact_text(value, known)
    if isinstance(value, list):
        return [_scrub_value(item, known) for item in value]
    if isinstance(value, dict):  # keeps NotebookNode (a dict subclass) as it is
        return type(value)({key: _scrub_value(item, known) for key, item in value.items()})
    return value


def scrub_notebook(notebook: Any, known_secrets: Iterable[str] = ()) -> Any:
    """Redact secrets in every cell's source and outputs (and papermill's parameter metadata), in place."""
    known = tuple(known_secrets)
    for cell in notebook.cells:
        cell["source"] = _scrub_value(cell.get("source", ""), known)
        if "outputs" in cell:
            cell["outputs"] = _scrub_value(cell["outputs"], known)
    papermill_meta = notebook.metadata.get("papermill")
    if papermill_meta is not None:
        notebook.metadata["papermill"] = _scrub_value(papermill_meta, known)
    return notebook
