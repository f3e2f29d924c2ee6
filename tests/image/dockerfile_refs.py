"""The images a Dockerfile pulls in (FROM bases and `COPY --from=` images), read from the file itself.

The stand-in bases are made under exactly these names, so the real Dockerfile builds unchanged as its
base names and copied images change.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ExternalImages:
    """Images named in the Dockerfile that are not its own stages."""

    bases: tuple[str, ...]
    # image -> the paths that `COPY --from=image SRC... DEST` copies out of it
    copied_from: dict[str, tuple[str, ...]] = field(default_factory=dict)


def logical_lines(text: str) -> list[str]:
    """Instructions with comments dropped and backslash continuations joined."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not pending and not line):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(" ".join((pending + line).split()))
        pending = ""
    return lines


def _substitute(value: str, args: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), value)


def external_images(dockerfile: Path) -> ExternalImages:
    """Bases and copied-from images, with global `ARG` defaults substituted."""
    args: dict[str, str] = {}
    stages: set[str] = set()
    bases: list[str] = []
    copied: dict[str, list[str]] = {}
    for line in logical_lines(dockerfile.read_text(encoding="utf-8")):
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        words = shlex.split(rest) if rest and not rest.startswith("[") else []
        if keyword == "ARG" and not stages and words:
            name, _, default = words[0].partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = [w for w in words if not w.startswith("--")]
            image = _substitute(words[0], args)
            if image != "scratch" and image not in stages and image not in bases:
                bases.append(image)
            if len(words) >= 3 and words[1].upper() == "AS":
                stages.add(words[2])
        elif keyword == "COPY":
            source = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), None)
            if source is None or source in stages or source.isdigit():
                continue
            paths = [w for w in words if not w.startswith("--")][:-1]
            copied.setdefault(_substitute(source, args), []).extend(paths)
    return ExternalImages(
        bases=tuple(bases), copied_from={image: tuple(paths) for image, paths in copied.items()}
    )
